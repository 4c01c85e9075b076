//! Failed sign-ins, counted so that guessing is slowed without letting
//! anyone lock a person out of their own account (OWASP ASVS 5.0 V6.3.1;
//! OWASP Authentication Cheat Sheet, "Account Lockout").
//!
//! Failures are counted per email address *and* client network (an IPv4
//! address or an IPv6 /64, see `rate_limit::client_network`), in the
//! database, so several app processes share the counts:
//!
//! - after `sign_in_failures_per_address` consecutive failures within the
//!   window, that network must wait `sign_in_delay_seconds` after each
//!   further failure before trying that email again, and the account's
//!   owner is told by mail (with a link that ends every session);
//! - after `sign_in_lock_after_failures`, that network may not try that
//!   email again until the window has passed since its last failure (a
//!   15-minute lock by default);
//! - after `sign_in_failures_per_email` failures within the window from all
//!   networks together, every network that has failed for that email at
//!   least once is refused too, so an attacker spread over many addresses
//!   gets one guess from each;
//! - a network that has never failed for the email is never refused by
//!   these counts, so the owner, from their own address, can always sign
//!   in; a successful sign-in clears that network's count.
//!
//! Only failures count: a refused attempt is not a failure, and unknown
//! emails are counted exactly like known ones, so the answers reveal
//! nothing about which accounts exist.

use std::net::IpAddr;

use time::Duration;

use super::rate_limit::client_network;
use crate::{
    error::AppError,
    model::Email,
    server::{
        config::Config,
        db::{Db, Timestamp, scope::Scope, with_pool},
    },
};

/// The limits, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct FailureLimits {
    /// Failures from one network before each try waits `delay`.
    pub per_address: i64,
    pub delay: Duration,
    /// Failures from one network before it is locked out for `window`.
    pub lock_after: i64,
    pub per_email: i64,
    pub window: Duration,
}

impl FailureLimits {
    pub fn from_config(config: &Config) -> Self {
        Self {
            per_address: i64::from(config.sign_in_failures_per_address.max(1)),
            delay: Duration::seconds(i64::try_from(config.sign_in_delay_seconds).unwrap_or(60)),
            lock_after: i64::from(config.sign_in_lock_after_failures.max(config.sign_in_failures_per_address).max(1)),
            per_email: i64::from(config.sign_in_failures_per_email.max(1)),
            window: Duration::minutes(i64::try_from(config.sign_in_failure_window_minutes).unwrap_or(15).max(1)),
        }
    }
}

/// The network an attempt comes from, as stored: the address (IPv4) or
/// the /64 (IPv6) in text, or `unknown` when the server could not tell.
fn network_key(ip: Option<IpAddr>) -> String {
    ip.map_or_else(|| "unknown".to_owned(), |ip| client_network(ip).to_string())
}

/// `Ok` when a sign-in for `email` from `ip` may be tried now; otherwise
/// `RateLimited` with the seconds until it may (the same answer for any
/// email, existing or not).
pub async fn check(
    db: &Db,
    limits: FailureLimits,
    email: &Email,
    ip: Option<IpAddr>,
    now: Timestamp,
) -> Result<(), AppError> {
    let since = Timestamp::from(now.into_inner() - limits.window);
    let address = network_key(ip);
    let sql = "SELECT \
                 COALESCE(SUM(CASE WHEN address = $2 THEN failures ELSE 0 END), 0), \
                 COALESCE(MAX(CASE WHEN address = $2 THEN last_failure_at END), $3), \
                 COALESCE(SUM(failures), 0) \
               FROM sign_in_failures WHERE email = $1 AND last_failure_at >= $3";
    let (mine, my_last, all): (i64, Timestamp, i64) = with_pool!(db, Scope::EveryTenant, conn => {
        sqlx::query_as(sql).bind(email.as_str()).bind(&address).bind(since).fetch_one(&mut *conn).await?
    });
    let wait = if mine >= limits.lock_after || (mine > 0 && all >= limits.per_email) {
        limits.window
    } else if mine >= limits.per_address {
        limits.delay
    } else {
        return Ok(());
    };
    let left = (my_last.into_inner() + wait - now.into_inner()).whole_seconds();
    if left <= 0 {
        return Ok(());
    }
    Err(AppError::RateLimited { retry_after_secs: u64::try_from(left).unwrap_or(1) })
}

/// Counts a failed sign-in for `email` from `ip`'s network. A count whose
/// last failure is older than the window starts again from one. Returns
/// the network's count now.
pub async fn record_failure(
    db: &Db,
    limits: FailureLimits,
    email: &Email,
    ip: Option<IpAddr>,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    let since = Timestamp::from(now.into_inner() - limits.window);
    let sql = "INSERT INTO sign_in_failures (email, address, failures, last_failure_at) VALUES ($1, $2, 1, $3) \
               ON CONFLICT (email, address) DO UPDATE SET \
                 failures = CASE WHEN sign_in_failures.last_failure_at < $4 THEN 1 \
                                 ELSE sign_in_failures.failures + 1 END, \
                 last_failure_at = $3 \
               RETURNING CAST(failures AS BIGINT)";
    with_pool!(db, Scope::EveryTenant, conn => {
        sqlx::query_scalar(sql).bind(email.as_str()).bind(network_key(ip)).bind(now).bind(since).fetch_one(&mut *conn).await
    })
}

/// Clears the count of `email` from `ip`'s network after a successful
/// sign-in.
pub async fn record_success(db: &Db, email: &Email, ip: Option<IpAddr>) -> Result<(), sqlx::Error> {
    let sql = "DELETE FROM sign_in_failures WHERE email = $1 AND address = $2";
    with_pool!(db, Scope::EveryTenant, conn => {
        sqlx::query(sql).bind(email.as_str()).bind(network_key(ip)).execute(&mut *conn).await?;
    });
    Ok(())
}

/// Forgets counts whose last failure is older than the window at `now`.
/// Maintenance: run periodically. Returns how many went.
pub async fn forget_expired(db: &Db, limits: FailureLimits, now: Timestamp) -> Result<u64, sqlx::Error> {
    let since = Timestamp::from(now.into_inner() - limits.window);
    let sql = "DELETE FROM sign_in_failures WHERE last_failure_at < $1";
    with_pool!(db, Scope::EveryTenant, conn => Ok(sqlx::query(sql).bind(since).execute(&mut *conn).await?.rows_affected()))
}
