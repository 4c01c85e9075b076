//! Licensing: key generation, validation rules, response signing and
//! license files, as Keygen's clients expect them (see `model::license`).

pub mod access;
pub mod files;
pub mod keys;
pub mod resources;
pub mod signing;
pub mod validation;
pub mod validation_cache;

use std::sync::Arc;

use ed25519_dalek::SigningKey;
use rand::{RngCore, rngs::OsRng};

use crate::model::OrgId;

use super::{
    Config,
    db::{Db, license_api::ValidationTally, licensing as repo},
};
use keys::{KeyCache, KeyEncryptionKey, KeyError};

/// What the license API shares: the key-encryption key, the opened
/// signing keys, the validations not yet written and what recent
/// validations read.
#[derive(Debug)]
pub struct Licensing {
    pub kek: KeyEncryptionKey,
    keys: KeyCache,
    pub tally: ValidationTally,
    /// What validations read, for the next validation of the same key.
    pub validations: validation_cache::ValidationCache,
}

/// A signing key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum SigningKeyError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl Licensing {
    /// From the configured key-encryption key, or the key file.
    pub fn from_config(config: &Config) -> Result<Self, KeyError> {
        let kek = match &config.key_encryption_key {
            Some(hex_key) => KeyEncryptionKey::from_hex(hex_key)?,
            None => KeyEncryptionKey::load_or_create(&config.key_file)?,
        };
        Ok(Self::new(kek))
    }

    pub fn new(kek: KeyEncryptionKey) -> Self {
        Self {
            kek,
            keys: KeyCache::default(),
            tally: ValidationTally::default(),
            validations: validation_cache::ValidationCache::default(),
        }
    }

    /// The organization's signing key: from the cache, else opened from
    /// `sealed` (read with the license), else from the database (made
    /// first when the organization has none).
    pub async fn signing_key(
        &self,
        db: &Db,
        org: OrgId,
        sealed: Option<&str>,
    ) -> Result<Arc<SigningKey>, SigningKeyError> {
        if let Some(key) = self.keys.get(org) {
            return Ok(key);
        }
        let sealed = match sealed {
            Some(sealed) => sealed.to_owned(),
            None => {
                repo::ensure_signing_key(db, &self.kek, org).await?;
                repo::sealed_signing_key(db, org).await?
            }
        };
        let key = Arc::new(keys::open(&self.kek, org, &sealed)?);
        self.keys.insert(org, key.clone());
        Ok(key)
    }
}

/// A new license key in Keygen's default format: 15 random bytes as five
/// dash-separated groups of six upper-case hex digits, then `V3`
/// (`4F5D3B-0FB8B2-6871BC-5D3EB3-4885B7-V3`): 120 bits from the OS's
/// CSPRNG, so keys cannot be guessed.
pub fn generate_license_key() -> String {
    let mut bytes = [0u8; 15];
    OsRng.fill_bytes(&mut bytes);
    let hex = hex::encode_upper(bytes);
    let mut groups: Vec<&str> = hex.as_bytes().chunks(6).map(|c| std::str::from_utf8(c).expect("hex")).collect();
    groups.push("V3");
    groups.join("-")
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_keys_follow_keygens_format() {
        let key = super::generate_license_key();
        let groups: Vec<&str> = key.split('-').collect();
        assert_eq!(groups.len(), 6, "{key}");
        assert!(
            groups[..5]
                .iter()
                .all(|g| g.len() == 6 && g.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()))
        );
        assert_eq!(groups[5], "V3");
        assert_ne!(key, super::generate_license_key());
    }
}
