//! A person's security records: the sessions they are signed in with, the
//! single-use links sent to them by mail, and two-factor authentication.
//!
//! None of these belong to a tenant; every function takes the user's id
//! and touches only that user's rows.

use time::Duration;

use crate::model::{SessionId, UserId};

use super::invitations::{new_token, token_hash};
use super::scope::Scope;
use super::{Db, Timestamp, with_pool};

/// One row of `user_sessions`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: SessionId,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: Timestamp,
    pub last_active_at: Timestamp,
}

/// The longest `User-Agent` kept, in characters; the rest is cut.
pub const USER_AGENT_MAX: usize = 512;

/// Records a new session of `user`, signed in from `ip` with `user_agent`.
#[tracing::instrument(
    name = "account::create_session",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn create_session(
    db: &Db,
    user: UserId,
    ip: Option<String>,
    user_agent: Option<&str>,
    now: Timestamp,
) -> Result<SessionId, sqlx::Error> {
    let id = SessionId::new();
    let agent: Option<String> = user_agent.map(|agent| agent.chars().take(USER_AGENT_MAX).collect());
    let sql = "INSERT INTO user_sessions (id, user_id, ip, user_agent, created_at, last_active_at) \
               VALUES ($1, $2, $3, $4, $5, $5)";
    with_pool!(db, Scope::accounts(), conn => {
        sqlx::query(sql).bind(id).bind(user).bind(ip).bind(agent).bind(now).execute(&mut *conn).await?;
    });
    Ok(id)
}

/// Moves the session's last activity to `now`.
#[tracing::instrument(
    name = "account::touch_session",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn touch_session(db: &Db, id: SessionId, now: Timestamp) -> Result<(), sqlx::Error> {
    let sql = "UPDATE user_sessions SET last_active_at = $2 WHERE id = $1";
    with_pool!(db, Scope::accounts(), conn => {
        sqlx::query(sql).bind(id).bind(now).execute(&mut *conn).await?;
    });
    Ok(())
}

/// The sessions of `user`, most recently active first.
#[tracing::instrument(
    name = "account::sessions",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn sessions(db: &Db, user: UserId) -> Result<Vec<SessionRow>, sqlx::Error> {
    let sql = "SELECT id, ip, user_agent, created_at, last_active_at FROM user_sessions \
               WHERE user_id = $1 ORDER BY last_active_at DESC, id DESC";
    with_pool!(db, Scope::accounts(), conn => sqlx::query_as(sql).bind(user).fetch_all(&mut *conn).await)
}

/// Ends the session `id` of `user`; false when `user` has no such session.
#[tracing::instrument(
    name = "account::delete_session",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn delete_session(db: &Db, user: UserId, id: SessionId) -> Result<bool, sqlx::Error> {
    let sql = "DELETE FROM user_sessions WHERE user_id = $1 AND id = $2";
    with_pool!(db, Scope::accounts(), conn => {
        Ok(sqlx::query(sql).bind(user).bind(id).execute(&mut *conn).await?.rows_affected() == 1)
    })
}

/// Ends every session of `user` except `keep` (every one when `keep` is
/// `None`). Returns how many ended.
#[tracing::instrument(
    name = "account::delete_sessions",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn delete_sessions(db: &Db, user: UserId, keep: Option<SessionId>) -> Result<u64, sqlx::Error> {
    let sql = "DELETE FROM user_sessions WHERE user_id = $1 AND ($2 IS NULL OR id <> $2)";
    with_pool!(db, Scope::accounts(), conn => {
        Ok(sqlx::query(sql).bind(user).bind(keep).execute(&mut *conn).await?.rows_affected())
    })
}

/// Forgets sessions idle since before `idle_since` or signed in before
/// `signed_in_since`: they have ended by the timeouts already. Maintenance.
#[tracing::instrument(
    name = "account::forget_ended_sessions",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn forget_ended_sessions(
    db: &Db,
    idle_since: Timestamp,
    signed_in_since: Timestamp,
) -> Result<u64, sqlx::Error> {
    let sql = "DELETE FROM user_sessions WHERE last_active_at < $1 OR created_at < $2";
    with_pool!(db, Scope::accounts(), conn => {
        Ok(sqlx::query(sql).bind(idle_since).bind(signed_in_since).execute(&mut *conn).await?.rows_affected())
    })
}

/// What a link sent by mail is for (`account_tokens.purpose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Proves the person reads mail at the address (after sign-up, or the
    /// new address of an email change).
    VerifyEmail,
    /// Sets a new password (`/reset-password`).
    ResetPassword,
    /// Ends every session, from the mail sent after repeated failed
    /// sign-ins.
    EndSessions,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::VerifyEmail => "verify_email",
            TokenPurpose::ResetPassword => "reset_password",
            TokenPurpose::EndSessions => "end_sessions",
        }
    }

    /// How long a link works: an hour for a password reset (OWASP Forgot
    /// Password Cheat Sheet), two days to verify an address, a week to end
    /// sessions.
    pub fn lifetime(self) -> Duration {
        match self {
            TokenPurpose::VerifyEmail => Duration::days(2),
            TokenPurpose::ResetPassword => Duration::hours(1),
            TokenPurpose::EndSessions => Duration::days(7),
        }
    }
}

const FORGET_UNUSED: &str = "DELETE FROM account_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL";

/// Makes a link token for `user` and `purpose`, sent to `email`, and
/// returns it (64 hex digits; only its SHA-256 is stored). Earlier unused
/// tokens of the same purpose stop working: only the newest link does.
#[tracing::instrument(
    name = "account::issue_token",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn issue_token(
    db: &Db,
    user: UserId,
    purpose: TokenPurpose,
    email: &str,
    now: Timestamp,
) -> Result<String, sqlx::Error> {
    let (token, hash) = new_token();
    let expires = Timestamp::from(now.into_inner() + purpose.lifetime());
    let insert = "INSERT INTO account_tokens (token_hash, user_id, purpose, email, created_at, expires_at) \
                  VALUES ($1, $2, $3, $4, $5, $6)";
    with_pool!(db, Scope::accounts(), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        sqlx::query(FORGET_UNUSED).bind(user).bind(purpose.as_str()).execute(&mut *tx).await?;
        sqlx::query(insert)
            .bind(&hash).bind(user).bind(purpose.as_str()).bind(email).bind(now).bind(expires)
            .execute(&mut *tx).await?;
        tx.commit().await?;
    });
    Ok(token)
}

/// Forgets `user`'s unused links of `purpose` (a password reset link sent
/// to an address that is no longer theirs, or from before a new password).
#[tracing::instrument(
    name = "account::forget_unused_tokens",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn forget_unused_tokens(db: &Db, user: UserId, purpose: TokenPurpose) -> Result<u64, sqlx::Error> {
    with_pool!(db, Scope::accounts(), conn => {
        Ok(sqlx::query(FORGET_UNUSED).bind(user).bind(purpose.as_str()).execute(&mut *conn).await?.rows_affected())
    })
}

/// The seconds left until another link of `purpose` may be sent to `user`,
/// at most one per `interval_secs`; `None` when one may be sent now.
#[tracing::instrument(
    name = "account::wait_before_another",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn wait_before_another(
    db: &Db,
    user: UserId,
    purpose: TokenPurpose,
    interval_secs: i64,
    now: Timestamp,
) -> Result<Option<i64>, sqlx::Error> {
    let last = last_token_at(db, user, purpose).await?;
    let since = last.map(|last| (now.into_inner() - last.into_inner()).whole_seconds());
    Ok(since.filter(|since| *since < interval_secs).map(|since| interval_secs - since))
}

/// When the newest link of `purpose` was made for `user`, if any: to limit
/// how often one is sent.
#[tracing::instrument(
    name = "account::last_token_at",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn last_token_at(db: &Db, user: UserId, purpose: TokenPurpose) -> Result<Option<Timestamp>, sqlx::Error> {
    let sql = "SELECT MAX(created_at) FROM account_tokens WHERE user_id = $1 AND purpose = $2";
    with_pool!(db, Scope::accounts(), conn => {
        sqlx::query_scalar(sql).bind(user).bind(purpose.as_str()).fetch_one(&mut *conn).await
    })
}

/// The user and address of an unused, unexpired `token` for `purpose`,
/// without using it (to show the form a link leads to).
#[tracing::instrument(
    name = "account::peek_token",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn peek_token(
    db: &Db,
    token: &str,
    purpose: TokenPurpose,
    now: Timestamp,
) -> Result<Option<(UserId, String)>, sqlx::Error> {
    let sql = "SELECT user_id, email FROM account_tokens \
               WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3";
    with_pool!(db, Scope::accounts(), conn => {
        sqlx::query_as(sql).bind(token_hash(token)).bind(purpose.as_str()).bind(now).fetch_optional(&mut *conn).await
    })
}

/// Uses `token` for `purpose`: one guarded update, so a link works once
/// even when followed twice at the same moment. The user and address it
/// was sent to, or `None` when it is unknown, used or expired.
#[tracing::instrument(
    name = "account::use_token",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn use_token(
    db: &Db,
    token: &str,
    purpose: TokenPurpose,
    now: Timestamp,
) -> Result<Option<(UserId, String)>, sqlx::Error> {
    let sql = "UPDATE account_tokens SET used_at = $3 \
               WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 \
               RETURNING user_id, email";
    with_pool!(db, Scope::accounts(), conn => {
        sqlx::query_as(sql).bind(token_hash(token)).bind(purpose.as_str()).bind(now).fetch_optional(&mut *conn).await
    })
}

/// Forgets tokens that expired before `before`. Maintenance.
#[tracing::instrument(
    name = "account::forget_expired_tokens",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn forget_expired_tokens(db: &Db, before: Timestamp) -> Result<u64, sqlx::Error> {
    let sql = "DELETE FROM account_tokens WHERE expires_at < $1";
    with_pool!(db, Scope::accounts(), conn => Ok(sqlx::query(sql).bind(before).execute(&mut *conn).await?.rows_affected()))
}

/// A person's two-factor state.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TotpRow {
    /// The sealed secret (see `users.totp_secret`), if enrolment started.
    pub totp_secret: Option<String>,
    pub totp_enabled_at: Option<Timestamp>,
}

/// `user`'s two-factor state; `None` when there is no such user.
#[tracing::instrument(
    name = "account::totp",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn totp(db: &Db, user: UserId) -> Result<Option<TotpRow>, sqlx::Error> {
    let sql = "SELECT totp_secret, totp_enabled_at FROM users WHERE id = $1";
    with_pool!(db, Scope::accounts(), conn => sqlx::query_as(sql).bind(user).fetch_optional(&mut *conn).await)
}

/// Starts enrolment: keeps `sealed` as `user`'s secret, two-factor still
/// off. Does nothing when it is on already (false then).
#[tracing::instrument(
    name = "account::start_totp",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn start_totp(db: &Db, user: UserId, sealed: &str) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE users SET totp_secret = $2, totp_last_step = NULL \
               WHERE id = $1 AND totp_enabled_at IS NULL";
    with_pool!(db, Scope::accounts(), conn => {
        Ok(sqlx::query(sql).bind(user).bind(sealed).execute(&mut *conn).await?.rows_affected() == 1)
    })
}

/// Accepts the code of time step `step` for `user` unless a code of this
/// or a later step was accepted already (RFC 6238 §5.2: each code once).
#[tracing::instrument(
    name = "account::accept_totp_step",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn accept_totp_step(db: &Db, user: UserId, step: i64) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE users SET totp_last_step = $2 \
               WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)";
    with_pool!(db, Scope::accounts(), conn => {
        Ok(sqlx::query(sql).bind(user).bind(step).execute(&mut *conn).await?.rows_affected() == 1)
    })
}

/// Turns two-factor on for `user` with the recovery codes whose hashes are
/// `code_hashes` (replacing any earlier ones).
#[tracing::instrument(
    name = "account::enable_totp",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn enable_totp(db: &Db, user: UserId, code_hashes: &[String], now: Timestamp) -> Result<bool, sqlx::Error> {
    let enable = "UPDATE users SET totp_enabled_at = $2 \
                  WHERE id = $1 AND totp_secret IS NOT NULL AND totp_enabled_at IS NULL";
    with_pool!(db, Scope::accounts(), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        if sqlx::query(enable).bind(user).bind(now).execute(&mut *tx).await?.rows_affected() != 1 {
            return Ok(false);
        }
        replace_codes!(tx, user, code_hashes);
        tx.commit().await?;
    });
    Ok(true)
}

macro_rules! replace_codes {
    ($tx:ident, $user:expr, $hashes:expr) => {{
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind($user).execute(&mut *$tx).await?;
        for hash in $hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind($user)
                .bind(hash)
                .execute(&mut *$tx)
                .await?;
        }
    }};
}
use replace_codes;

/// Replaces `user`'s recovery codes (two-factor stays on).
#[tracing::instrument(
    name = "account::replace_recovery_codes",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn replace_recovery_codes(db: &Db, user: UserId, code_hashes: &[String]) -> Result<(), sqlx::Error> {
    with_pool!(db, Scope::accounts(), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        replace_codes!(tx, user, code_hashes);
        tx.commit().await?;
    });
    Ok(())
}

/// Turns two-factor off for `user`: the secret and recovery codes go.
#[tracing::instrument(
    name = "account::disable_totp",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn disable_totp(db: &Db, user: UserId) -> Result<(), sqlx::Error> {
    let clear = "UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = $1";
    with_pool!(db, Scope::accounts(), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        sqlx::query(clear).bind(user).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
        tx.commit().await?;
    });
    Ok(())
}

/// Uses the recovery code with hash `code_hash` of `user`; false when it is
/// not one of theirs or was used.
#[tracing::instrument(
    name = "account::use_recovery_code",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn use_recovery_code(db: &Db, user: UserId, code_hash: &str, now: Timestamp) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL";
    with_pool!(db, Scope::accounts(), conn => {
        Ok(sqlx::query(sql).bind(user).bind(code_hash).bind(now).execute(&mut *conn).await?.rows_affected() == 1)
    })
}

/// How many unused recovery codes `user` has.
#[tracing::instrument(
    name = "account::recovery_codes_left",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn recovery_codes_left(db: &Db, user: UserId) -> Result<i64, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL";
    with_pool!(db, Scope::accounts(), conn => sqlx::query_scalar(sql).bind(user).fetch_one(&mut *conn).await)
}
