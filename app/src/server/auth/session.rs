//! The signed-in state kept in the tower-sessions session.
//!
//! The session record lives in the database (see `session_store`); the
//! cookie holds only its random id. Sign-in cycles the id (OWASP ASVS 5.0
//! V7.2.4, session fixation); sign-out deletes the record (V7.4.1). A
//! session ends after the idle timeout without requests and, however
//! active, after the absolute timeout since sign-in (V7.3.1, V7.3.2).
//!
//! Each sign-in also gets a row in `user_sessions` (see `db::account`),
//! named by the record: the person's list of devices. Every request reads
//! the user through that row, so deleting it (revoking a device, a password
//! change or reset) ends the session at once, on any server (V7.4.1,
//! V7.4.3, V7.5.2).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tower_sessions::{Expiry, Session};

use crate::{
    error::AppError,
    model::{SessionId, UserId},
    server::{
        config::Config,
        db::{Db, Timestamp, account, audit},
    },
};

const AUTH_KEY: &str = "auth";
const PENDING_KEY: &str = "second_factor";
const CONFIRMED_KEY: &str = "password_confirmed_at";

/// How long a sign-in, or a confirmation of the password, lets the person
/// end sessions without giving the password again, in seconds (OWASP ASVS
/// 5.0 V7.5.2 asks to authenticate again before ending sessions).
pub const RECENT_AUTHENTICATION_SECS: i64 = 10 * 60;

/// Refresh the idle deadline at most this often (seconds), so an active
/// session writes its record about once a minute, not on every request.
const TOUCH_INTERVAL_SECS: i64 = 60;

/// The session's sign-in record. Times are Unix seconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SignIn {
    user_id: UserId,
    /// The session's `user_sessions` row; records from before there was
    /// one have none and count as signed out.
    #[serde(default)]
    session_id: Option<SessionId>,
    signed_in_at: i64,
    last_seen_at: i64,
}

/// Who a session belongs to: the user and the session's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedIn {
    pub user_id: UserId,
    pub session_id: SessionId,
}

fn now_unix() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Signs `user` in on `session`: a fresh session id, a `user_sessions`
/// row for `origin` (address and user agent), then the sign-in record.
/// Data from before sign-in is kept (the id changes, not the contents),
/// except a pending second factor and an earlier sign-in, whose row goes.
pub async fn sign_in(
    session: &Session,
    db: &Db,
    config: &Config,
    user: UserId,
    origin: &audit::Origin,
) -> Result<SessionId, AppError> {
    end_previous(session, db).await?;
    session.cycle_id().await.map_err(AppError::internal)?;
    let _: Option<PendingSignIn> = session.remove(PENDING_KEY).await.map_err(AppError::internal)?;
    let session_id =
        account::create_session(db, user, origin.ip.clone(), origin.user_agent.as_deref(), Timestamp::now()).await?;
    let now = now_unix();
    session.set_expiry(Some(idle_expiry(config)));
    let record = SignIn { user_id: user, session_id: Some(session_id), signed_in_at: now, last_seen_at: now };
    session.insert(AUTH_KEY, record).await.map_err(AppError::internal)?;
    Ok(session_id)
}

/// Deletes the `user_sessions` row of the sign-in `session` holds, if any,
/// and forgets the sign-in.
async fn end_previous(session: &Session, db: &Db) -> Result<(), AppError> {
    if let Some(previous) = session.remove::<SignIn>(AUTH_KEY).await.map_err(AppError::internal)?
        && let Some(id) = previous.session_id
    {
        account::delete_session(db, previous.user_id, id).await?;
    }
    Ok(())
}

/// Ends the session: its row and record are deleted and the cookie
/// cleared.
pub async fn sign_out(session: &Session, db: &Db) -> Result<(), AppError> {
    end_previous(session, db).await?;
    session.flush().await.map_err(AppError::internal)
}

fn idle_expiry(config: &Config) -> Expiry {
    let idle = time::Duration::try_from(config.session_idle_timeout()).unwrap_or(time::Duration::MINUTE * 30);
    Expiry::OnInactivity(idle)
}

/// The signed-in user of `session`, or `None` when nobody is signed in or
/// the session has outlived either timeout (then it is ended here).
/// Refreshes the idle deadline, and the row's last activity, when the last
/// refresh is over a minute old. Whether the row still exists (the session
/// was not revoked) is for the caller's read of the user to check.
pub async fn signed_in_user(session: &Session, db: &Db, config: &Config) -> Result<Option<SignedIn>, AppError> {
    let Some(mut sign_in) = session.get::<SignIn>(AUTH_KEY).await.map_err(AppError::internal)? else {
        return Ok(None);
    };
    let Some(session_id) = sign_in.session_id else {
        sign_out(session, db).await?;
        return Ok(None);
    };
    let now = now_unix();
    let absolute = i64::try_from(config.session_absolute_timeout().as_secs()).unwrap_or(i64::MAX);
    let idle = i64::try_from(config.session_idle_timeout().as_secs()).unwrap_or(i64::MAX);
    if now.saturating_sub(sign_in.signed_in_at) >= absolute || now.saturating_sub(sign_in.last_seen_at) >= idle {
        sign_out(session, db).await?;
        return Ok(None);
    }
    if now.saturating_sub(sign_in.last_seen_at) >= TOUCH_INTERVAL_SECS {
        sign_in.last_seen_at = now;
        session.set_expiry(Some(idle_expiry(config)));
        session.insert(AUTH_KEY, &sign_in).await.map_err(AppError::internal)?;
        account::touch_session(db, session_id, Timestamp::now()).await?;
    }
    Ok(Some(SignedIn { user_id: sign_in.user_id, session_id }))
}

/// A sign-in whose password was right and whose second factor is still to
/// come: kept in the session (not signed in) until the code is given.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub user_id: UserId,
    /// Unix seconds; the code must follow within [`PENDING_SECS`].
    pub started_at: i64,
    /// This pending sign-in's own random id, which its codes are counted
    /// by in the database (`lockout::count_code_attempt`), not here:
    /// parallel requests would each write back their own count. A record
    /// from before there was one counts as expired.
    #[serde(default)]
    pub attempt_id: Option<uuid::Uuid>,
    /// Where to go after signing in (a local path).
    pub next: Option<String>,
    /// Which password was given: a SHA-256 of the stored hash then. A
    /// password changed or reset meanwhile ends the pending sign-in.
    #[serde(default)]
    pub password_digest: String,
}

/// The digest a pending sign-in keeps of the stored password hash: its
/// SHA-256 in hex, as link tokens are stored.
pub fn password_digest(password_hash: &str) -> String {
    crate::server::db::invitations::token_hash(password_hash)
}

/// How long the second factor may follow the password, in seconds.
pub const PENDING_SECS: i64 = 5 * 60;
/// Wrong codes allowed before the password must be given again.
pub const PENDING_ATTEMPTS: u32 = 5;

/// Remembers that `user` gave the right password and now owes a second
/// factor. A fresh session id, as for a sign-in.
pub async fn begin_second_factor(
    session: &Session,
    db: &Db,
    user: UserId,
    password_hash: &str,
    next: Option<String>,
) -> Result<(), AppError> {
    // Whoever was signed in here is no longer, while the code is awaited.
    end_previous(session, db).await?;
    session.cycle_id().await.map_err(AppError::internal)?;
    let pending = PendingSignIn {
        user_id: user,
        started_at: now_unix(),
        attempt_id: Some(uuid::Uuid::new_v4()),
        next,
        password_digest: password_digest(password_hash),
    };
    session.insert(PENDING_KEY, pending).await.map_err(AppError::internal)
}

/// The pending sign-in of `session`, while it is fresh; a stale one is
/// dropped. Whether it has attempts left is the database's count to say
/// (`lockout::count_code_attempt`).
pub async fn pending_second_factor(session: &Session) -> Result<Option<PendingSignIn>, AppError> {
    let Some(pending) = session.get::<PendingSignIn>(PENDING_KEY).await.map_err(AppError::internal)? else {
        return Ok(None);
    };
    if now_unix().saturating_sub(pending.started_at) >= PENDING_SECS || pending.attempt_id.is_none() {
        end_second_factor(session).await?;
        return Ok(None);
    }
    Ok(Some(pending))
}

/// Drops the pending sign-in of `session` (its codes are used up): the
/// password must be given again.
pub async fn end_second_factor(session: &Session) -> Result<(), AppError> {
    let _: Option<PendingSignIn> = session.remove(PENDING_KEY).await.map_err(AppError::internal)?;
    Ok(())
}

/// Whether the person of `session` signed in, or confirmed their password,
/// within [`RECENT_AUTHENTICATION_SECS`].
pub async fn recently_authenticated(session: &Session) -> Result<bool, AppError> {
    let signed_in = session.get::<SignIn>(AUTH_KEY).await.map_err(AppError::internal)?.map(|s| s.signed_in_at);
    let confirmed = session.get::<i64>(CONFIRMED_KEY).await.map_err(AppError::internal)?;
    let latest = signed_in.into_iter().chain(confirmed).max();
    Ok(latest.is_some_and(|at| now_unix().saturating_sub(at) < RECENT_AUTHENTICATION_SECS))
}

/// Records that the person of `session` just gave their password again.
pub async fn password_confirmed(session: &Session) -> Result<(), AppError> {
    session.insert(CONFIRMED_KEY, now_unix()).await.map_err(AppError::internal)
}
