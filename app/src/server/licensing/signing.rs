//! Signing `/v1` responses the way Keygen's clients verify them.
//!
//! Every response carries `Keygen-Date` (an HTTP date), `Keygen-Digest`
//! (`sha-256=` and the standard base64 of the body's SHA-256) and
//! `Keygen-Signature`, an Ed25519 signature by the organization's key over
//! the lines `(request-target): <lower-case method> <path?query>`,
//! `host: <host[:port]>`, `date: <Keygen-Date>`, `digest: <Keygen-Digest>`
//! joined by `\n` (the draft-cavage HTTP signatures scheme Keygen uses).
//! Clients verify before they read the status, so errors are signed too.

use std::time::SystemTime;

use base64::{Engine, engine::general_purpose::STANDARD};
use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};

/// The three header values of a signed response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseSignature {
    pub date: String,
    pub digest: String,
    pub signature: String,
}

/// What a response is signed over: the request it answers.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// `GET`, `POST`, ... (lower-cased in the signed text).
    pub method: &'a str,
    /// The path and query exactly as the client sent them.
    pub target: &'a str,
    /// The `Host` header as sent (with the port when not the default).
    pub host: &'a str,
}

/// Signs `body` as the answer to `request` with `key`, whose id (the
/// organization's) goes in `keyid`.
pub fn sign(
    key: &SigningKey,
    key_id: &str,
    request: SignedRequest<'_>,
    body: &[u8],
    now: SystemTime,
) -> ResponseSignature {
    let date = httpdate::fmt_http_date(now);
    let digest = format!("sha-256={}", STANDARD.encode(Sha256::digest(body)));
    let signing_data = format!(
        "(request-target): {} {}\nhost: {}\ndate: {date}\ndigest: {digest}",
        request.method.to_ascii_lowercase(),
        request.target,
        request.host,
    );
    let signature = STANDARD.encode(key.sign(signing_data.as_bytes()).to_bytes());
    let signature = format!(
        "keyid=\"{key_id}\", algorithm=\"ed25519\", signature=\"{signature}\", headers=\"(request-target) host date digest\""
    );
    ResponseSignature { date, digest, signature }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signature, Verifier};

    #[test]
    fn the_signature_covers_target_host_date_and_digest() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let request = SignedRequest { method: "POST", target: "/v1/machines?x=1", host: "127.0.0.1:3000" };
        let signed = sign(&key, "org", request, b"{}", SystemTime::UNIX_EPOCH);
        assert_eq!(signed.date, "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(signed.digest, "sha-256=RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=");
        let b64 = signed.signature.split("signature=\"").nth(1).unwrap().split('"').next().unwrap();
        let signature = Signature::from_slice(&STANDARD.decode(b64).unwrap()).unwrap();
        let text = format!(
            "(request-target): post /v1/machines?x=1\nhost: 127.0.0.1:3000\ndate: {}\ndigest: {}",
            signed.date, signed.digest
        );
        assert!(key.verifying_key().verify(text.as_bytes(), &signature).is_ok());
        assert!(key.verifying_key().verify(b"tampered", &signature).is_err());
    }
}
