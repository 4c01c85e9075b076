//! License and machine files: a signed, encrypted snapshot a client keeps
//! for offline use (Keygen's `aes-256-gcm+ed25519` check-out format).
//!
//! The dataset (JSON: `meta {issued, expiry, ttl}`, `data`, `included`) is
//! encrypted with AES-256-GCM under SHA-256 of a secret the client knows
//! (the license key; for machine files the key followed by the machine's
//! fingerprint), giving `enc` = `b64(ciphertext).b64(iv).b64(tag)`. `sig`
//! is the organization's Ed25519 signature over `license/<enc>` (or
//! `machine/<enc>`). The certificate is the base64 of
//! `{"enc","sig","alg"}`, wrapped at 80 columns between
//! `-----BEGIN LICENSE FILE-----` and `-----END LICENSE FILE-----` lines.

use aes_gcm::{Aes256Gcm, KeyInit, Nonce, aead::Aead};
use base64::{Engine, engine::general_purpose::STANDARD};
use ed25519_dalek::{Signer, SigningKey};
use rand::{RngCore, rngs::OsRng};
use sha2::{Digest, Sha256};

/// The algorithm of encrypted files.
pub const ENCRYPTED: &str = "aes-256-gcm+ed25519";
/// The algorithm of files signed but not encrypted (`enc` is the base64
/// of the dataset).
pub const SIGNED: &str = "base64+ed25519";

/// Which file: the prefix of the signed text and the armour's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    License,
    Machine,
}

impl FileKind {
    fn prefix(self) -> &'static str {
        match self {
            FileKind::License => "license",
            FileKind::Machine => "machine",
        }
    }

    fn armour(self) -> &'static str {
        match self {
            FileKind::License => "LICENSE FILE",
            FileKind::Machine => "MACHINE FILE",
        }
    }
}

/// The certificate for `dataset`, signed, and encrypted for `secret` when
/// one is given.
pub fn certificate(kind: FileKind, key: &SigningKey, secret: Option<&str>, dataset: &serde_json::Value) -> String {
    let plaintext = serde_json::to_vec(dataset).expect("a JSON value serializes");
    let (enc, alg) = match secret {
        Some(secret) => {
            let cipher = Aes256Gcm::new_from_slice(&Sha256::digest(secret.as_bytes())).expect("SHA-256 is 32 bytes");
            let mut iv = [0u8; 12];
            OsRng.fill_bytes(&mut iv);
            let sealed =
                cipher.encrypt(Nonce::from_slice(&iv), plaintext.as_slice()).expect("AES-GCM encryption cannot fail");
            let (ciphertext, tag) = sealed.split_at(sealed.len() - 16);
            (format!("{}.{}.{}", STANDARD.encode(ciphertext), STANDARD.encode(iv), STANDARD.encode(tag)), ENCRYPTED)
        }
        None => (STANDARD.encode(&plaintext), SIGNED),
    };
    let sig = STANDARD.encode(key.sign(format!("{}/{enc}", kind.prefix()).as_bytes()).to_bytes());
    let document = serde_json::json!({ "enc": enc, "sig": sig, "alg": alg });
    let encoded = STANDARD.encode(document.to_string());
    let mut out = format!("-----BEGIN {}-----\n", kind.armour());
    for line in encoded.as_bytes().chunks(80) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {}-----\n", kind.armour()));
    out
}
