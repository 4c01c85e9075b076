//! Account input: email, display name, password; and the signed-in user.

use email_address::{EmailAddress, Options};
use serde::{Deserialize, Serialize};

use super::{
    UserId,
    text::{named_enum, one_line_text},
};

/// A syntactically valid email address, trimmed and lowercased.
///
/// Rules: an RFC 5322 `addr-spec` with a dotted domain (no display text, no
/// `[ip]` literals), at most 254 characters (RFC 5321 §4.5.3.1.3 path limit).
/// Lowercasing the whole address makes comparison and the unique constraint
/// case-insensitive on both backends alike; every mainstream provider treats
/// the local part case-insensitively too.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

/// Why an email was rejected (shown next to the field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter your email address.")]
    Empty,
    #[error("An email address has at most {max} characters.", max = Email::MAX_LEN)]
    TooLong,
    #[error("Enter a valid email address, like name@example.com.")]
    Invalid,
}

impl Email {
    /// RFC 5321 limit on a forward path.
    pub const MAX_LEN: usize = 254;

    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.chars().count() > Self::MAX_LEN {
            return Err(EmailError::TooLong);
        }
        let options = Options::default().with_required_tld().without_display_text().without_domain_literal();
        EmailAddress::parse_with_options(trimmed, options).map_err(|_| EmailError::Invalid)?;
        Ok(Self(trimmed.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

one_line_text!(
    /// The name other members see: 1–100 characters after trimming, no
    /// control characters.
    DisplayName,
    max = 100,
    noun = "A name",
    empty = "Enter your name."
);

/// A new password that meets the length rules of OWASP ASVS 4.0 §2.1:
/// at least 12 characters (2.1.1), at most 128 (2.1.2), counted as Unicode
/// scalar values, any printable character allowed (2.1.4), never trimmed or
/// truncated (2.1.3), no composition rules (2.1.9).
///
/// Strength (ASVS 2.1.7/2.1.8) is judged on the server, which has the
/// zxcvbn dictionaries; this type only carries the length rules, so the
/// browser can mirror them. `Debug` never prints the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("Use at least {min} characters.", min = Password::MIN_LEN)]
    TooShort,
    #[error("Use at most {max} characters.", max = Password::MAX_LEN)]
    TooLong,
}

impl Password {
    pub const MIN_LEN: usize = 12;
    pub const MAX_LEN: usize = 128;

    pub fn parse(input: String) -> Result<Self, PasswordError> {
        let len = input.chars().count();
        if len < Self::MIN_LEN {
            Err(PasswordError::TooShort)
        } else if len > Self::MAX_LEN {
            Err(PasswordError::TooLong)
        } else {
            Ok(Self(input))
        }
    }

    /// The secret itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// How guessable a password being typed is, for the strength meter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordStrength {
    /// zxcvbn's score, 0 (too guessable) to 4 (very unguessable); 0 for a
    /// breached password.
    pub score: u8,
    /// Why it would be refused; `None` when it is acceptable (length aside).
    pub problem: Option<String>,
}

/// The signed-in person, as the browser sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    /// Operator of this Atrium instance (manages all organizations).
    pub is_platform_admin: bool,
    /// They proved they read mail at `email`; until then a banner asks.
    pub email_verified: bool,
    pub theme: Theme,
}

named_enum!(
    /// A person's colour scheme for the dashboard, kept with their account.
    Theme {
        /// Follow the device (`prefers-color-scheme`).
        System = "system", "System";
        Light = "light", "Light";
        Dark = "dark", "Dark";
    }
);

impl Theme {
    /// The name of the cookie that carries an explicit choice to the page
    /// shell (which renders before any data is loaded); absent for
    /// [`Theme::System`].
    pub const COOKIE: &'static str = "atrium_theme";

    /// The `data-theme` value of `<html>`: `None` follows the device.
    pub fn attribute(self) -> Option<&'static str> {
        match self {
            Theme::System => None,
            Theme::Light => Some("light"),
            Theme::Dark => Some("dark"),
        }
    }
}

/// One of a person's signed-in sessions (devices), for `/account`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSession {
    pub id: super::SessionId,
    /// Browser name and major version from the User-Agent, like
    /// "Chrome 131"; "Unknown browser" when it cannot be told.
    pub browser: String,
    /// Operating system, like "Windows 10" or "macOS"; "Unknown system".
    pub os: String,
    /// The address it signed in from.
    pub ip: Option<String>,
    pub created_at: time::OffsetDateTime,
    pub last_active_at: time::OffsetDateTime,
    /// The session this request came from.
    pub current: bool,
}

/// The account page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOverview {
    pub user: SessionUser,
    pub sessions: Vec<DeviceSession>,
    /// Two-factor authentication is on.
    pub two_factor: bool,
    /// Unused recovery codes, when two-factor is on.
    pub recovery_codes_left: i64,
    /// An enrolment started and not confirmed yet: what to scan.
    pub pending_two_factor: Option<TwoFactorEnrolment>,
    /// Signed in or confirmed the password in the last 10 minutes: sessions
    /// can be signed out without confirming it again.
    pub recently_authenticated: bool,
}

/// What enrolling in two-factor shows: scan the QR code (or type the
/// secret), then confirm with a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorEnrolment {
    /// Base32, in groups of four, for typing into an app.
    pub secret: String,
    /// The `otpauth://` URL the QR code holds.
    pub url: String,
    /// The QR code as an SVG `data:` URL, for an `<img>`.
    pub qr_image: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lowercased() {
        let email = Email::parse("  Ada.Lovelace@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "ada.lovelace@example.com");
    }

    #[test]
    fn malformed_emails_are_rejected() {
        for bad in [
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "Ada <ada@example.com>",
            "ada@[127.0.0.1]",
            "a b@example.com",
        ] {
            assert_eq!(Email::parse(bad), Err(EmailError::Invalid), "{bad}");
        }
        assert_eq!(Email::parse("   "), Err(EmailError::Empty));
    }

    #[test]
    fn email_length_limit_is_254() {
        let local = "a".repeat(64);
        let domain_label = "b".repeat(63);
        // 64 + 1 + 63*3 + 2 dots + ".com"(4) = 260 > 254
        let long = format!("{local}@{domain_label}.{domain_label}.{domain_label}.com");
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
    }

    #[test]
    fn display_name_is_1_to_100_characters() {
        assert_eq!(DisplayName::parse("  Ada ").unwrap().as_str(), "Ada");
        assert!(DisplayName::parse(" \t ").is_err());
        assert!(DisplayName::parse(&"x".repeat(100)).is_ok());
        assert!(DisplayName::parse(&"x".repeat(101)).is_err());
    }

    #[test]
    fn password_length_is_12_to_128_characters_counted_as_unicode() {
        assert_eq!(Password::parse("x".repeat(11)), Err(PasswordError::TooShort));
        assert!(Password::parse("x".repeat(12)).is_ok());
        assert!(Password::parse("é".repeat(128)).is_ok());
        assert_eq!(Password::parse("x".repeat(129)), Err(PasswordError::TooLong));
    }

    #[test]
    fn password_is_not_trimmed() {
        let password = Password::parse("  twelve chars  ".to_owned()).unwrap();
        assert_eq!(password.expose(), "  twelve chars  ");
    }

    #[test]
    fn password_debug_is_redacted() {
        let password = Password::parse("correct horse battery".to_owned()).unwrap();
        assert_eq!(format!("{password:?}"), "Password([redacted])");
    }
}
