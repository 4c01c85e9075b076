//! API tokens: software acting for an organization (`/api/v1` and Keygen's
//! admin API on `/v1`), as the tokens settings page shows them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{
    ApiTokenId, Role,
    text::{named_enum, one_line_text},
};

one_line_text!(
    /// A token's name, saying what uses it ("Billing webhook"): 1–100
    /// characters.
    TokenName,
    max = 100,
    noun = "A token name",
    empty = "Enter a name that says what will use the token."
);

named_enum!(
    /// What a token may do: the role of the permission matrix it acts with
    /// (`model::permission`). A token never holds more than its creator:
    /// it stops working when their own role falls below this one.
    TokenRole {
        /// Everything an Admin may do (licensing, members, invitations,
        /// the audit log, the trash).
        Admin = "admin", "Admin";
        /// What a Member may do: projects, tasks, cycles, labels, reading
        /// licensing.
        Member = "member", "Member";
        /// Reading the work, as a Guest reads it (no member emails, no
        /// licensing, no audit log), and changing nothing.
        ReadOnly = "read_only", "Read-only";
    }
);

impl TokenRole {
    /// The member role the token acts with.
    pub fn acts_as(self) -> Role {
        match self {
            TokenRole::Admin => Role::Admin,
            TokenRole::Member => Role::Member,
            TokenRole::ReadOnly => Role::Guest,
        }
    }
}

/// The text that starts every token, so secret scanners (GitHub's, for
/// one) can recognise a leaked one: `atr_` and 43 base64url characters.
pub const TOKEN_PREFIX: &str = "atr_";

/// Longest expiry a token may be given, in days (two years).
pub const MAX_TOKEN_DAYS: u32 = 730;

/// Where a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenStatus {
    Active,
    Expired,
    Revoked,
}

impl TokenStatus {
    pub fn label(self) -> &'static str {
        match self {
            TokenStatus::Active => "Active",
            TokenStatus::Expired => "Expired",
            TokenStatus::Revoked => "Revoked",
        }
    }
}

/// A token as the settings page lists it: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub name: String,
    pub role: TokenRole,
    /// The secret's first characters (`atr_` and 4 more), to tell tokens
    /// apart.
    pub secret_start: String,
    /// The creator's display name; `None` once their account is deleted.
    pub created_by: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    /// When it was last used, to the minute.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    /// The network it was last used from (an IPv4 address, an IPv6 /64).
    pub last_used_network: Option<String>,
    /// Whether it works, as of when the server read it (the browser's
    /// clock is not asked).
    pub status: TokenStatus,
}

impl TokenStatus {
    /// The status of a token revoked at `revoked_at` (if ever) and
    /// expiring at `expires_at` (if ever), at `now`.
    pub fn at(revoked_at: Option<OffsetDateTime>, expires_at: Option<OffsetDateTime>, now: OffsetDateTime) -> Self {
        if revoked_at.is_some() {
            TokenStatus::Revoked
        } else if expires_at.is_some_and(|expiry| expiry <= now) {
            TokenStatus::Expired
        } else {
            TokenStatus::Active
        }
    }
}

/// A token just created: its secret, shown this once and never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiToken {
    pub token: ApiToken,
    pub secret: String,
    /// The REST API's address on this server (`https://host/api/v1`), for
    /// the example command shown with the secret.
    pub api_url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_tokens_act_as_guests_and_names_round_trip() {
        assert_eq!(TokenRole::ReadOnly.acts_as(), Role::Guest);
        assert_eq!(TokenRole::Admin.acts_as(), Role::Admin);
        for role in TokenRole::ALL {
            assert_eq!(role.as_str().parse::<TokenRole>(), Ok(*role));
        }
        assert!("owner".parse::<TokenRole>().is_err());
    }
}
