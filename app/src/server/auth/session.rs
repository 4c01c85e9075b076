//! The signed-in state kept in the tower-sessions session.
//!
//! The session record lives in the database (see `session_store`); the
//! cookie holds only its random id. Sign-in cycles the id (OWASP ASVS 4.0
//! §3.2.1, session fixation); sign-out deletes the record (§3.3.1). A
//! session ends after the idle timeout without requests and, however
//! active, after the absolute timeout since sign-in (§3.3.2).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tower_sessions::{Expiry, Session};

use crate::{
    error::AppError,
    model::{OrgSlug, UserId},
    server::config::Config,
};

const AUTH_KEY: &str = "auth";
const LAST_ORG_KEY: &str = "last_org";

/// Refresh the idle deadline at most this often (seconds), so an active
/// session writes its record about once a minute, not on every request.
const TOUCH_INTERVAL_SECS: i64 = 60;

/// The session's sign-in record. Times are Unix seconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SignIn {
    user_id: UserId,
    signed_in_at: i64,
    last_seen_at: i64,
}

fn now_unix() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Signs `user` in on `session`: a fresh session id, then the sign-in
/// record. Data from before sign-in is kept (the id changes, not the
/// contents).
pub async fn sign_in(session: &Session, user: UserId, config: &Config) -> Result<(), AppError> {
    session.cycle_id().await.map_err(AppError::internal)?;
    let now = now_unix();
    session.set_expiry(Some(idle_expiry(config)));
    session
        .insert(AUTH_KEY, SignIn { user_id: user, signed_in_at: now, last_seen_at: now })
        .await
        .map_err(AppError::internal)
}

/// Ends the session: its record is deleted and the cookie cleared.
pub async fn sign_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(AppError::internal)
}

fn idle_expiry(config: &Config) -> Expiry {
    let idle = time::Duration::try_from(config.session_idle_timeout()).unwrap_or(time::Duration::MINUTE * 30);
    Expiry::OnInactivity(idle)
}

/// The signed-in user of `session`, or `None` when nobody is signed in or
/// the session has outlived either timeout (then it is ended here).
/// Refreshes the idle deadline when the last refresh is over a minute old.
pub async fn signed_in_user(session: &Session, config: &Config) -> Result<Option<UserId>, AppError> {
    let Some(mut sign_in) = session.get::<SignIn>(AUTH_KEY).await.map_err(AppError::internal)? else {
        return Ok(None);
    };
    let now = now_unix();
    let absolute = i64::try_from(config.session_absolute_timeout().as_secs()).unwrap_or(i64::MAX);
    let idle = i64::try_from(config.session_idle_timeout().as_secs()).unwrap_or(i64::MAX);
    if now.saturating_sub(sign_in.signed_in_at) >= absolute || now.saturating_sub(sign_in.last_seen_at) >= idle {
        sign_out(session).await?;
        return Ok(None);
    }
    if now.saturating_sub(sign_in.last_seen_at) >= TOUCH_INTERVAL_SECS {
        sign_in.last_seen_at = now;
        session.set_expiry(Some(idle_expiry(config)));
        session.insert(AUTH_KEY, &sign_in).await.map_err(AppError::internal)?;
    }
    Ok(Some(sign_in.user_id))
}

/// Remembers the organization last opened, for `/` to return to.
pub async fn remember_org(session: &Session, slug: &OrgSlug) -> Result<(), AppError> {
    let current = session.get::<String>(LAST_ORG_KEY).await.map_err(AppError::internal)?;
    if current.as_deref() != Some(slug.as_str()) {
        session.insert(LAST_ORG_KEY, slug.as_str()).await.map_err(AppError::internal)?;
    }
    Ok(())
}

/// The organization last opened in this session, if any.
pub async fn last_org(session: &Session) -> Result<Option<OrgSlug>, AppError> {
    let stored = session.get::<String>(LAST_ORG_KEY).await.map_err(AppError::internal)?;
    Ok(stored.and_then(|s| OrgSlug::parse(&s).ok()))
}
