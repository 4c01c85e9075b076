//! Two-factor authentication with time-based one-time passwords (TOTP,
//! RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, as every authenticator
//! app reads them) and single-use recovery codes (OWASP ASVS 5.0 V6.5).
//!
//! The secret is 160 random bits (RFC 4226 §4 recommends at least that),
//! sealed at rest with the server's key-encryption key, bound to the
//! user's id. A code is accepted for the current step or one step either
//! side (clock drift), and never twice: the step it matched is stored and
//! later codes must be for a later step (V6.5.1). Recovery codes carry 120
//! random bits each, so a plain SHA-256 may store them (V6.5.2 asks for a
//! salted password hash below 112 bits; V6.5.4 for at least 20); ten are
//! made at a time and each works once.

use base64::{Engine, engine::general_purpose::STANDARD};
use qrcode::{EcLevel, QrCode, render::svg};
use rand::RngCore;
use totp_rs::{Algorithm, TOTP};

use crate::{
    error::AppError,
    model::UserId,
    server::{db::invitations::token_hash, licensing::keys::KeyEncryptionKey},
};

/// The issuer authenticator apps show beside the account.
pub const ISSUER: &str = "Atrium";
/// Recovery codes made at a time.
pub const RECOVERY_CODES: usize = 10;
const STEP_SECS: u64 = 30;

/// What enrolment shows: the QR code and, for typing in, the secret.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The secret in base32 (RFC 4648, no padding), grouped by four.
    pub secret: String,
    /// `otpauth://totp/Atrium:{email}?secret=...&issuer=Atrium`
    pub url: String,
    /// The URL as a QR code: an SVG document in a `data:` URL (base64),
    /// which the page's CSP allows for images.
    pub qr_image: String,
}

/// A new random secret.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0_u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    secret
}

fn totp(secret: Vec<u8>, account: &str) -> Result<TOTP, AppError> {
    // The otpauth label may not contain ':' (it separates issuer and account).
    let account = account.replace(':', "_");
    TOTP::new(Algorithm::SHA1, 6, 1, STEP_SECS, secret, Some(ISSUER.to_owned()), account).map_err(AppError::internal)
}

/// The enrolment screen's data for `secret` and the person's `email`.
pub fn enrolment(secret: &[u8], email: &str) -> Result<Enrolment, AppError> {
    let totp = totp(secret.to_vec(), email)?;
    let url = totp.get_url();
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).map_err(AppError::internal)?;
    let qr_svg = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#0f172a"))
        .light_color(svg::Color("#ffffff"))
        .build();
    let base32 = totp.get_secret_base32();
    let grouped = base32.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>();
    let qr_image = format!("data:image/svg+xml;base64,{}", STANDARD.encode(qr_svg));
    Ok(Enrolment { secret: grouped.join(" "), url, qr_image })
}

/// The time step (Unix seconds / 30) whose code `code` is, within one step
/// of `now_unix`; `None` when it matches none. Spaces in the code are
/// ignored.
pub fn matching_step(secret: &[u8], code: &str, now_unix: u64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret.to_vec(), "").ok()?;
    let current = now_unix / STEP_SECS;
    let mut matched = None;
    // Every candidate is computed and compared without stopping early.
    for step in [current.saturating_sub(1), current, current + 1] {
        let expected = totp.generate(step * STEP_SECS);
        let same = expected.bytes().zip(code.bytes()).fold(0_u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if same && matched.is_none() {
            matched = i64::try_from(step).ok();
        }
    }
    matched
}

/// Seals `secret` for `user` (see the module docs).
pub fn seal(kek: &KeyEncryptionKey, user: UserId, secret: &[u8]) -> String {
    kek.seal(user.0, secret)
}

/// Opens what [`seal`] sealed for `user`.
pub fn open(kek: &KeyEncryptionKey, user: UserId, sealed: &str) -> Result<Vec<u8>, AppError> {
    kek.open(user.0, sealed).map_err(AppError::internal)
}

/// Ten new recovery codes (`xxxxxx-xxxxxx-xxxxxx-xxxxxx`: 24 characters of
/// lowercase base32 without look-alikes, 120 bits) and their hashes to
/// store.
pub fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    // Crockford's base32 alphabet, lower case: no i, l, o, u.
    const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0_u8; 24];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            // 256 is a multiple of 32: each character is uniform, 5 bits.
            let chars: Vec<u8> = bytes.iter().map(|b| ALPHABET[usize::from(b % 32)]).collect();
            chars.chunks(6).map(|group| String::from_utf8_lossy(group).into_owned()).collect::<Vec<_>>().join("-")
        })
        .collect();
    let hashes = codes.iter().map(|code| recovery_code_hash(code)).collect();
    (codes, hashes)
}

/// The stored form of a recovery code as typed: case, spaces and dashes
/// do not matter.
pub fn recovery_code_hash(code: &str) -> String {
    let normalized: String =
        code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    // Stored like link tokens: SHA-256 in hex.
    token_hash(&normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_its_step_and_its_neighbours_only() {
        let secret = new_secret();
        let totp = totp(secret.clone(), "ada@example.com").unwrap();
        let now = 1_800_000_000;
        let code = totp.generate(now);
        assert_eq!(matching_step(&secret, &code, now), Some(60_000_000));
        assert_eq!(matching_step(&secret, &code, now + 30), Some(60_000_000), "one step of drift");
        assert_eq!(matching_step(&secret, &code, now + 90), None);
        assert_eq!(matching_step(&secret, "12345", now), None);
        assert_eq!(matching_step(&secret, &format!("{} {}", &code[..3], &code[3..]), now), Some(60_000_000));
    }

    #[test]
    fn enrolment_has_an_otpauth_url_and_an_svg_qr_code() {
        let enrolment = enrolment(&new_secret(), "ada@example.com").unwrap();
        assert!(enrolment.url.starts_with("otpauth://totp/Atrium:ada%40example.com?secret="), "{}", enrolment.url);
        let svg = STANDARD.decode(enrolment.qr_image.strip_prefix("data:image/svg+xml;base64,").unwrap()).unwrap();
        assert!(String::from_utf8(svg).unwrap().contains("<svg"));
        assert_eq!(enrolment.secret.replace(' ', "").len(), 32);
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_hash_however_typed() {
        let (codes, hashes) = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(hashes.len(), 10);
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), 10);
        assert_eq!(codes[0].len(), 27, "24 characters in four groups: {}", codes[0]);
        assert_eq!(recovery_code_hash(&codes[0].to_uppercase().replace('-', " ")), hashes[0]);
    }
}
