//! API tokens: minting, revoking, and turning a bearer secret into the
//! role handle its requests act with.
//!
//! A token acts for the organization with the role it was given
//! ([`TokenRole::acts_as`]), and for its creator: the audit log records its
//! changes against them, with the token's name. It is refused the moment
//! it is revoked or expired, when its organization is deleted, and when
//! its creator no longer holds its role (they left, were demoted, or their
//! account is gone). A suspended organization's tokens still read; the
//! write handles refuse them as they refuse people (`handles`).
//!
//! Secrets are `atr_` and 43 base64url characters (32 random bytes from
//! the operating system); the prefix lets secret scanners find a leaked
//! one. Only their SHA-256 is stored (`db::api_tokens`).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::{RngCore, rngs::OsRng};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::{Date, Duration, OffsetDateTime, Time};

use crate::{
    error::{AppError, FieldErrors},
    model::{
        ApiToken, ApiTokenId, AuditAction, CreatedApiToken, TokenName, TokenRole,
        api_token::{MAX_TOKEN_DAYS, TOKEN_PREFIX},
        args::parse_id,
    },
    server::{
        actor::Actor,
        db::{
            Db,
            api_tokens::{self, FoundToken, NewToken},
            audit::Origin,
        },
        handles::{Admin, OrgCtx},
    },
};

/// Characters after the prefix: 32 bytes in unpadded base64url.
const SECRET_CHARS: usize = 43;
/// Characters of a secret kept to tell tokens apart: the prefix and 4.
const START_CHARS: usize = TOKEN_PREFIX.len() + 4;

/// A new secret: the text handed to the person once, its hash and its
/// start.
struct NewSecret {
    secret: String,
    hash: [u8; 32],
}

fn new_secret() -> NewSecret {
    let mut bytes = [0_u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let secret = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = secret_hash(&secret);
    NewSecret { secret, hash }
}

/// The stored form of a secret: its SHA-256.
pub fn secret_hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Whether `text` is shaped like a token (prefix and length), before any
/// lookup.
pub fn looks_like_token(text: &str) -> bool {
    text.strip_prefix(TOKEN_PREFIX).is_some_and(|rest| {
        rest.len() == SECRET_CHARS && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// The token's expiry from the form's `expires_on` (a day, `YYYY-MM-DD`,
/// UTC): the token works through that day. Empty: never expires.
///
/// Errors (field `expires_on`): not a date, not after today, more than
/// [`MAX_TOKEN_DAYS`] days away.
pub fn parse_expiry(expires_on: &str, today: Date) -> Result<Option<OffsetDateTime>, String> {
    let text = expires_on.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let day = Date::parse(text, &time::format_description::well_known::Iso8601::DATE)
        .map_err(|_| "Enter a date as YYYY-MM-DD, or leave it empty for a token that does not expire.".to_owned())?;
    if day <= today {
        return Err("Choose a day after today.".into());
    }
    if day > today + Duration::days(i64::from(MAX_TOKEN_DAYS)) {
        return Err(format!("A token lasts at most {MAX_TOKEN_DAYS} days; choose an earlier day."));
    }
    Ok(Some((day + Duration::days(1)).with_time(Time::MIDNIGHT).assume_utc()))
}

/// Creates a token named `name` acting as `role` (`admin`, `member` or
/// `read_only`, at most the creator's own role), expiring after
/// `expires_on` (see [`parse_expiry`]). The secret is in the answer and
/// nowhere else, with the REST API's address under `public_origin`.
/// Recorded as `api_token.created`.
///
/// Errors: `Validation` on `name`, `role`, `expires_on`.
pub async fn create(
    db: &Db,
    admin: &Admin,
    actor: &Actor,
    public_origin: &str,
    (name, role, expires_on): (&str, &str, &str),
) -> Result<CreatedApiToken, AppError> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", TokenName::parse(name));
    let role = errors.check("role", role.parse::<TokenRole>().map_err(|_| "Choose Admin, Member or Read-only."));
    if let Some(role) = role
        && !admin.role().at_least(role.acts_as())
    {
        errors.add("role", "A token cannot do more than you can.");
    }
    let expires_at = errors.check("expires_on", parse_expiry(expires_on, OffsetDateTime::now_utc().date()));
    let (Some(name), Some(role), Some(expires_at)) = (name, role, expires_at) else {
        return Err(AppError::Validation(errors));
    };
    errors.into_result()?;
    let secret = new_secret();
    let start: String = secret.secret.chars().take(START_CHARS).collect();
    let details =
        json!({ "name": name.as_str(), "role": role.as_str(), "expires_at": expires_at.map(|at| at.unix_timestamp()) });
    let event = |id| actor.event(admin.org_id(), AuditAction::ApiTokenCreated, target(id), details);
    let token = api_tokens::insert(
        db,
        admin,
        NewToken { name: &name, role, expires_at, secret_hash: &secret.hash, secret_start: &start },
        event,
    )
    .await?;
    Ok(CreatedApiToken { token, secret: secret.secret, api_url: format!("{public_origin}/api/v1") })
}

/// Revokes the token `id` (text): refused from the next request on.
/// Recorded as `api_token.revoked` (once). Revoking a revoked token
/// changes nothing.
///
/// Errors: `NotFound` for a malformed id or another organization's.
pub async fn revoke(db: &Db, admin: &Admin, actor: &Actor, id: &str) -> Result<ApiToken, AppError> {
    let id: ApiTokenId = parse_id(id)?;
    let event = |name: &str, role: TokenRole| {
        let details = json!({ "name": name, "role": role.as_str() });
        actor.event(admin.org_id(), AuditAction::ApiTokenRevoked, target(id), details)
    };
    let (token, _revoked) = api_tokens::revoke(db, admin, id, event).await?.ok_or(AppError::NotFound)?;
    Ok(token)
}

fn target(id: ApiTokenId) -> (&'static str, String) {
    ("api_token", id.to_string())
}

/// Why a bearer secret does not act for anyone. Each is a 401 with this
/// text as its detail: the holder of a secret learns only what became of
/// that secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefused {
    #[error("Send an API token as `Authorization: Bearer atr_...`.")]
    Missing,
    #[error("This is not a valid API token.")]
    Unknown,
    #[error("This API token was revoked.")]
    Revoked,
    #[error("This API token has expired.")]
    Expired,
    #[error("The member who created this API token no longer holds its role.")]
    CreatorLacksRole,
}

/// A request's token, turned into what its handlers work with.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    /// The token's reader capability in its organization, with the token's
    /// role; ask it for stronger ones as a member's.
    pub org: OrgCtx,
    pub token: ApiTokenId,
    pub role: TokenRole,
    /// The creator, from this request's origin, through this token.
    pub actor: Actor,
}

/// The caller a bearer `secret` acts as, from `origin`, counted from
/// `network` (an IPv4 address or IPv6 /64): the token's use is noted,
/// and a network it was never used from is recorded as
/// `api_token.new_network`.
///
/// Errors: `Ok(Err(refusal))` when the token may not act (see
/// [`TokenRefused`]); `Err` for a database failure.
pub async fn authenticate(
    db: &Db,
    secret: &str,
    origin: Origin,
    network: Option<String>,
) -> Result<Result<ApiCaller, TokenRefused>, AppError> {
    if !looks_like_token(secret) {
        return Ok(Err(TokenRefused::Unknown));
    }
    let Some(found) = api_tokens::find_by_secret(db, &secret_hash(secret)).await? else {
        return Ok(Err(TokenRefused::Unknown));
    };
    let caller = match may_act(&found, OffsetDateTime::now_utc()) {
        Ok(caller) => caller,
        Err(refused) => return Ok(Err(refused)),
    };
    let (user, email) = (caller.0, caller.1);
    let actor = Actor { user, email, origin, token: Some((found.id, found.name.clone())) };
    let event = || {
        let details = json!({ "name": found.name, "network": network });
        actor.event(found.org.id, AuditAction::ApiTokenNewNetwork, target(found.id), details)
    };
    api_tokens::record_use(db, &found, network.as_deref(), event).await?;
    Ok(Ok(ApiCaller { org: OrgCtx::member(found.org, user), token: found.id, role: found.role, actor }))
}

/// The creator a found token acts for, or why it may not act at `now`.
fn may_act(found: &FoundToken, now: OffsetDateTime) -> Result<(crate::model::UserId, String), TokenRefused> {
    if found.revoked {
        return Err(TokenRefused::Revoked);
    }
    if found.expires_at.is_some_and(|expiry| expiry <= now) {
        return Err(TokenRefused::Expired);
    }
    match (found.creator, &found.creator_email, found.creator_role) {
        (Some(user), Some(email), Some(role)) if role.at_least(found.role.acts_as()) => Ok((user, email.clone())),
        _ => Err(TokenRefused::CreatorLacksRole),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_carry_the_prefix_and_256_random_bits() {
        let one = new_secret();
        let two = new_secret();
        assert!(looks_like_token(&one.secret), "{}", one.secret);
        assert_eq!(one.secret.len(), TOKEN_PREFIX.len() + SECRET_CHARS);
        assert_ne!(one.secret, two.secret);
        assert_eq!(one.hash, secret_hash(&one.secret));
        assert!(!looks_like_token("atr_short"));
        assert!(!looks_like_token(&one.secret.replacen("atr_", "ghp_", 1)));
    }

    #[test]
    fn expiry_is_the_end_of_a_future_day_within_two_years() {
        let today = time::macros::date!(2026 - 12 - 06);
        assert_eq!(parse_expiry("", today), Ok(None));
        assert_eq!(parse_expiry("2026-12-31", today), Ok(Some(time::macros::datetime!(2027-01-01 00:00 UTC))));
        assert!(parse_expiry("2026-12-06", today).is_err());
        assert!(parse_expiry("31/12/2026", today).is_err());
        assert!(parse_expiry("2029-01-01", today).is_err());
    }
}
