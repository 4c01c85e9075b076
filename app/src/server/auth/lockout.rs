//! Failed sign-ins, counted so that guessing is slowed without letting
//! anyone lock a person out of their own account for good (OWASP ASVS 5.0
//! V6.3.1; OWASP Authentication Cheat Sheet, "Account Lockout"; OWASP
//! "Slow Down Online Guessing Attacks with Device Cookies").
//!
//! Attempts are counted per email address *and* client network (an IPv4
//! address or an IPv6 /64, see `rate_limit::client_network`), and per
//! email from all networks together, in the database, so several app
//! processes share the counts:
//!
//! - after `sign_in_failures_per_address` consecutive failures within the
//!   window, that network must wait `sign_in_delay_seconds` after each
//!   further failure before trying that email again, and the account's
//!   owner is told by mail (with a link that ends every session);
//! - after `sign_in_lock_after_failures`, that network may not try that
//!   email again until the window has passed since its last failure (a
//!   15-minute lock by default);
//! - after `sign_in_failures_per_email` failures within the window from all
//!   networks together, *every* network is refused for that email until
//!   the window has passed since the last failure, so an attacker spread
//!   over many addresses gets no more guesses than that in all; the owner
//!   is told by mail. Only a browser holding the account's device cookie
//!   (`auth::device`, given after a complete sign-in, second factor
//!   included) is exempt, so the owner can still sign in from a browser
//!   they used before;
//! - a successful sign-in clears that network's count.
//!
//! Each attempt is counted *before* the password or code is checked, in
//! one statement per count that increments and answers (an
//! `INSERT ... ON CONFLICT DO UPDATE ... WHERE <allowed> RETURNING`, which
//! returns no row when refused), both in one transaction: parallel
//! attempts cannot all pass the check before any is recorded. A right
//! answer then gives its count back ([`Attempt::succeeded`],
//! [`Attempt::released`]); a wrong one leaves it as the failure.
//!
//! Only failures count: a refused attempt is not one, and unknown emails
//! are counted exactly like known ones, so the answers reveal nothing
//! about which accounts exist.
//!
//! Two-factor codes are counted per pending sign-in as well
//! ([`count_code_attempt`]), in the database rather than the session,
//! whose record parallel requests would overwrite.

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
    /// Failures from all networks together before every network (but a
    /// trusted browser) is locked out for `window`.
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

/// The `address` of the row that counts an email's failures from every
/// network (no network's key is `*`).
const EVERY_NETWORK: &str = "*";

/// The network an attempt comes from, as stored: the address (IPv4) or
/// the /64 (IPv6) in text, or `unknown` when the server could not tell.
fn network_key(ip: Option<IpAddr>) -> String {
    ip.map_or_else(|| "unknown".to_owned(), |ip| client_network(ip).to_string())
}

/// Counts one attempt on a row when it is allowed: `$5` failures lock the
/// row for the window; from `$6` on, each try waits until `$7` (now less
/// the delay) has passed the last failure. A count older than the window
/// (`$4`) starts again from one. No row comes back when refused.
const RESERVE: &str = "INSERT INTO sign_in_failures (email, address, failures, last_failure_at) VALUES ($1, $2, 1, $3) \
    ON CONFLICT (email, address) DO UPDATE SET \
      failures = CASE WHEN sign_in_failures.last_failure_at < $4 THEN 1 \
                      ELSE sign_in_failures.failures + 1 END, \
      last_failure_at = $3 \
    WHERE sign_in_failures.last_failure_at < $4 \
       OR (sign_in_failures.failures < $5 \
           AND (sign_in_failures.failures < $6 OR sign_in_failures.last_failure_at <= $7)) \
    RETURNING CAST(failures AS BIGINT)";

/// One counted sign-in attempt (a password or a two-factor code), from
/// [`begin`]: it stands as a failure unless given back.
#[derive(Debug)]
#[must_use = "a right answer must give its attempt back"]
pub struct Attempt {
    email: String,
    address: String,
    /// The network's failures within the window, this attempt included.
    pub network_failures: i64,
    /// The email's failures from every network, this attempt included.
    pub account_failures: i64,
}

/// Counts an attempt for `email` from `ip`'s network before it is
/// checked. `RateLimited` with the seconds until one may be tried (the
/// same answer for any email, existing or not) when this network, or —
/// unless `trusted` (the browser holds the account's device cookie) —
/// every network together, has failed too often (see the module docs).
pub async fn begin(
    db: &Db,
    limits: FailureLimits,
    email: &Email,
    ip: Option<IpAddr>,
    trusted: bool,
    now: Timestamp,
) -> Result<Attempt, AppError> {
    let since = Timestamp::from(now.into_inner() - limits.window);
    let delay_since = Timestamp::from(now.into_inner() - limits.delay);
    let address = network_key(ip);
    let account_limit = if trusted { i64::MAX } else { limits.per_email };
    let read =
        "SELECT CAST(failures AS BIGINT), last_failure_at FROM sign_in_failures WHERE email = $1 AND address = $2";
    let outcome: Reservation = with_pool!(db, Scope::accounts(), conn => {
        let mut tx = crate::server::db::begin_write(&mut *conn).await?;
        // The account's row first, then the network's, in every request:
        // the same order, so no two wait for each other.
        let account: Option<i64> = sqlx::query_scalar(RESERVE)
            .bind(email.as_str()).bind(EVERY_NETWORK).bind(now).bind(since)
            .bind(account_limit).bind(account_limit).bind(since)
            .fetch_optional(&mut *tx).await?;
        let outcome = match account {
            None => {
                let (failures, last): (i64, Timestamp) =
                    sqlx::query_as(read).bind(email.as_str()).bind(EVERY_NETWORK).fetch_one(&mut *tx).await?;
                Reservation::Refused { failures, last, lock: limits.per_email }
            }
            Some(account) => {
                let network: Option<i64> = sqlx::query_scalar(RESERVE)
                    .bind(email.as_str()).bind(&address).bind(now).bind(since)
                    .bind(limits.lock_after).bind(limits.per_address).bind(delay_since)
                    .fetch_optional(&mut *tx).await?;
                match network {
                    Some(network) => Reservation::Counted { network, account },
                    None => {
                        let (failures, last): (i64, Timestamp) =
                            sqlx::query_as(read).bind(email.as_str()).bind(&address).fetch_one(&mut *tx).await?;
                        Reservation::Refused { failures, last, lock: limits.lock_after }
                    }
                }
            }
        };
        if matches!(outcome, Reservation::Counted { .. }) {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        outcome
    });
    let (failures, last, lock) = match outcome {
        Reservation::Counted { network, account } => {
            let email = email.as_str().to_owned();
            return Ok(Attempt { email, address, network_failures: network, account_failures: account });
        }
        Reservation::Refused { failures, last, lock } => (failures, last, lock),
    };
    let locked = failures >= lock;
    crate::server::metrics::sign_in_refused(locked);
    let wait = if locked { limits.window } else { limits.delay };
    let left = (last.into_inner() + wait - now.into_inner()).whole_seconds();
    Err(AppError::RateLimited { retry_after_secs: u64::try_from(left).unwrap_or(1).max(1) })
}

/// What [`begin`]'s transaction found.
enum Reservation {
    /// Counted: the network's and the account's failures now.
    Counted { network: i64, account: i64 },
    /// Refused by a row with `failures`, the last at `last`, which locks
    /// for the window from `lock` failures.
    Refused { failures: i64, last: Timestamp, lock: i64 },
}

impl Attempt {
    /// The answer was right and signs in: the network's count is cleared,
    /// the attempt given back to the account's.
    pub async fn succeeded(self, db: &Db) -> Result<(), sqlx::Error> {
        let clear = "DELETE FROM sign_in_failures WHERE email = $1 AND address = $2";
        let give_back =
            "UPDATE sign_in_failures SET failures = failures - 1 WHERE email = $1 AND address = $2 AND failures > 0";
        with_pool!(db, Scope::accounts(), conn => {
            sqlx::query(clear).bind(&self.email).bind(&self.address).execute(&mut *conn).await?;
            sqlx::query(give_back).bind(&self.email).bind(EVERY_NETWORK).execute(&mut *conn).await?;
        });
        Ok(())
    }

    /// The answer was right but another step follows (the second
    /// factor): the attempt is given back to both counts, which are not
    /// cleared until that step is passed too.
    pub async fn released(self, db: &Db) -> Result<(), sqlx::Error> {
        let give_back = "UPDATE sign_in_failures SET failures = failures - 1 \
                         WHERE email = $1 AND address IN ($2, $3) AND failures > 0";
        with_pool!(db, Scope::accounts(), conn => {
            sqlx::query(give_back).bind(&self.email).bind(&self.address).bind(EVERY_NETWORK).execute(&mut *conn).await?;
        });
        Ok(())
    }

    /// The answer was wrong: the attempt stays counted. Returns the
    /// network's and the account's failures.
    pub fn failed(self) -> (i64, i64) {
        (self.network_failures, self.account_failures)
    }
}

/// Forgets counts whose last failure is older than the window at `now`,
/// and two-factor counts of sign-ins no longer pending. Maintenance: run
/// periodically. Returns how many went.
pub async fn forget_expired(db: &Db, limits: FailureLimits, now: Timestamp) -> Result<u64, sqlx::Error> {
    let since = Timestamp::from(now.into_inner() - limits.window);
    let pending_since = Timestamp::from(now.into_inner() - Duration::seconds(super::session::PENDING_SECS + 60));
    let failures = "DELETE FROM sign_in_failures WHERE last_failure_at < $1";
    let codes = "DELETE FROM second_factor_attempts WHERE started_at < $1";
    with_pool!(db, Scope::accounts(), conn => {
        let failures = sqlx::query(failures).bind(since).execute(&mut *conn).await?.rows_affected();
        let codes = sqlx::query(codes).bind(pending_since).execute(&mut *conn).await?.rows_affected();
        Ok(failures + codes)
    })
}

/// Counts one two-factor code tried for the pending sign-in `pending`
/// (its random id, see `session::PendingSignIn`) and returns how many have
/// been tried, this one included. One statement that increments and
/// answers, so parallel requests each get a count of their own.
pub async fn count_code_attempt(db: &Db, pending: uuid::Uuid, now: Timestamp) -> Result<i64, sqlx::Error> {
    let sql = "INSERT INTO second_factor_attempts (pending_id, attempts, started_at) VALUES ($1, 1, $2) \
               ON CONFLICT (pending_id) DO UPDATE SET attempts = second_factor_attempts.attempts + 1 \
               RETURNING CAST(attempts AS BIGINT)";
    with_pool!(db, Scope::accounts(), conn => {
        sqlx::query_scalar(sql).bind(pending.to_string()).bind(now).fetch_one(&mut *conn).await
    })
}

/// Forgets the code count of a pending sign-in that is over.
pub async fn forget_code_attempts(db: &Db, pending: uuid::Uuid) -> Result<(), sqlx::Error> {
    let sql = "DELETE FROM second_factor_attempts WHERE pending_id = $1";
    with_pool!(db, Scope::accounts(), conn => {
        sqlx::query(sql).bind(pending.to_string()).execute(&mut *conn).await?;
    });
    Ok(())
}
