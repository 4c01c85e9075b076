//! Each organization's Ed25519 signing key, sealed at rest.
//!
//! The secret half is stored encrypted with the server's key-encryption key
//! (AES-256-GCM, a random 96-bit nonce per seal, the organization's id as
//! associated data so a sealed key copied to another organization's row
//! does not open). Opened keys are cached in memory, so signing a response
//! costs one Ed25519 signature and no decryption.

use std::{collections::HashMap, sync::RwLock};

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, Payload},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use ed25519_dalek::SigningKey;
use rand::{RngCore, rngs::OsRng};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

use crate::model::OrgId;

/// The key-encryption key could not be used, or a sealed key did not open.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key_encryption_key must be 64 hexadecimal characters (32 bytes)")]
    BadKeyEncryptionKey,
    #[error("a signing key did not open with this server's key_encryption_key (was the key changed?)")]
    Unseal,
    #[error("could not read or write the key file {path}: {source}")]
    File { path: String, source: std::io::Error },
}

/// The server's key-encryption key: 32 bytes.
pub struct KeyEncryptionKey(Aes256Gcm);

impl std::fmt::Debug for KeyEncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyEncryptionKey(..)")
    }
}

impl KeyEncryptionKey {
    /// Parses 64 hex characters.
    pub fn from_hex(hex_key: &SecretString) -> Result<Self, KeyError> {
        let bytes = hex::decode(hex_key.expose_secret().trim()).map_err(|_| KeyError::BadKeyEncryptionKey)?;
        let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| KeyError::BadKeyEncryptionKey)?;
        Ok(Self(cipher))
    }

    /// The key in `path` (64 hex characters), made with a random key, and
    /// readable by the owner only, on first use: for a single server that
    /// was given no key. Several servers sharing a database must share
    /// the key through configuration instead.
    pub fn load_or_create(path: &std::path::Path) -> Result<Self, KeyError> {
        let file_error = |source| KeyError::File { path: path.display().to_string(), source };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_hex(&SecretString::from(text)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; 32];
                OsRng.fill_bytes(&mut bytes);
                let text = hex::encode(bytes);
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(file_error)?;
                }
                write_private(path, &text).map_err(file_error)?;
                Self::from_hex(&SecretString::from(text))
            }
            Err(err) => Err(file_error(err)),
        }
    }

    /// A random key, for tests.
    pub fn random() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self(Aes256Gcm::new_from_slice(&bytes).expect("32 bytes"))
    }

    /// `base64(nonce || ciphertext || tag)` of `secret`, bound to `owner`
    /// (an organization's or a user's id, as associated data: a sealed
    /// secret copied to another row does not open).
    pub fn seal(&self, owner: uuid::Uuid, secret: &[u8]) -> String {
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .0
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: secret, aad: owner.as_bytes() })
            .expect("AES-GCM encryption of a short message cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        STANDARD.encode(out)
    }

    /// Opens what [`KeyEncryptionKey::seal`] sealed for `owner`.
    pub fn open(&self, owner: uuid::Uuid, sealed: &str) -> Result<Vec<u8>, KeyError> {
        let bytes = STANDARD.decode(sealed).map_err(|_| KeyError::Unseal)?;
        if bytes.len() < 12 {
            return Err(KeyError::Unseal);
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        self.0
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: owner.as_bytes() })
            .map_err(|_| KeyError::Unseal)
    }
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// A new key pair: the signing key and its sealed form with the public
/// key in hex, ready to store.
pub struct NewKeyPair {
    pub public_key_hex: String,
    pub sealed_secret: String,
}

/// Generates an organization's key pair (from the OS's CSPRNG).
pub fn generate(kek: &KeyEncryptionKey, org: OrgId) -> NewKeyPair {
    let key = SigningKey::generate(&mut OsRng);
    NewKeyPair {
        public_key_hex: hex::encode(key.verifying_key().as_bytes()),
        sealed_secret: kek.seal(org.0, key.as_bytes()),
    }
}

/// Opens a stored secret key.
pub fn open(kek: &KeyEncryptionKey, org: OrgId, sealed: &str) -> Result<SigningKey, KeyError> {
    let bytes = kek.open(org.0, sealed)?;
    let bytes: [u8; 32] = bytes.as_slice().try_into().map_err(|_| KeyError::Unseal)?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// Opened signing keys by organization. Bounded: past
/// [`KeyCache::CAPACITY`] entries it starts again empty (a key is reopened
/// from the database at the next use, which is cheap), so memory stays
/// flat however many organizations call.
#[derive(Debug, Default)]
pub struct KeyCache {
    keys: RwLock<HashMap<OrgId, Arc<SigningKey>>>,
}

impl KeyCache {
    pub const CAPACITY: usize = 10_000;

    pub fn get(&self, org: OrgId) -> Option<Arc<SigningKey>> {
        self.keys.read().expect("key cache lock").get(&org).cloned()
    }

    pub fn insert(&self, org: OrgId, key: Arc<SigningKey>) {
        let mut keys = self.keys.write().expect("key cache lock");
        if keys.len() >= Self::CAPACITY {
            keys.clear();
        }
        keys.insert(org, key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_key_opens_for_its_organization_only() {
        let kek = KeyEncryptionKey::random();
        let org = OrgId::new();
        let pair = generate(&kek, org);
        let key = open(&kek, org, &pair.sealed_secret).unwrap();
        assert_eq!(hex::encode(key.verifying_key().as_bytes()), pair.public_key_hex);
        assert!(open(&kek, OrgId::new(), &pair.sealed_secret).is_err());
        assert!(open(&KeyEncryptionKey::random(), org, &pair.sealed_secret).is_err());
    }

    #[test]
    fn the_key_encryption_key_is_64_hex_characters() {
        assert!(KeyEncryptionKey::from_hex(&SecretString::from("ab".repeat(32))).is_ok());
        assert!(KeyEncryptionKey::from_hex(&SecretString::from("ab".repeat(16))).is_err());
        assert!(KeyEncryptionKey::from_hex(&SecretString::from("zz".repeat(32))).is_err());
    }
}
