//! Limits on guessing: per client IP on sign-up and sign-in, and per email
//! address on sign-in (OWASP ASVS 4.0 §2.2.1, anti-automation).
//!
//! The counters live in this process (GCRA buckets from `governor`). With
//! several app processes behind a balancer each keeps its own, so the
//! effective limit is multiplied by the process count.

use std::{net::IpAddr, num::NonZeroU32};

use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};

use crate::{error::AppError, model::Email};

use super::super::config::Config;

/// The buckets; see the module docs.
#[derive(Debug)]
pub struct AuthLimits {
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
    by_email: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

impl AuthLimits {
    pub fn new(config: &Config) -> Self {
        Self {
            by_ip: RateLimiter::keyed(Quota::per_minute(nonzero(config.auth_requests_per_minute_per_ip))),
            by_email: RateLimiter::keyed(Quota::per_hour(nonzero(config.sign_in_attempts_per_hour_per_email))),
            clock: DefaultClock::default(),
        }
    }

    fn take<K: Clone + std::hash::Hash + Eq>(
        &self,
        limiter: &DefaultKeyedRateLimiter<K>,
        key: &K,
    ) -> Result<(), AppError> {
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            AppError::RateLimited { retry_after_secs: wait.as_secs().max(1) }
        })
    }

    /// Counts one sign-up or sign-in request from `ip` (unknown IPs share
    /// no bucket and are not limited here).
    pub fn check_ip(&self, ip: Option<IpAddr>) -> Result<(), AppError> {
        match ip {
            Some(ip) => self.take(&self.by_ip, &ip),
            None => Ok(()),
        }
    }

    /// Counts one sign-in attempt for `email`.
    pub fn check_email(&self, email: &Email) -> Result<(), AppError> {
        self.take(&self.by_email, &email.as_str().to_owned())
    }

    /// Forgets buckets that are full again, bounding memory. Run
    /// periodically.
    pub fn forget_idle(&self) {
        self.by_ip.retain_recent();
        self.by_email.retain_recent();
        self.by_ip.shrink_to_fit();
        self.by_email.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_gets_its_hourly_attempts_then_a_retry_delay() {
        let config = Config { sign_in_attempts_per_hour_per_email: 2, ..Config::default() };
        let limits = AuthLimits::new(&config);
        let email = Email::parse("ada@example.com").unwrap();
        assert!(limits.check_email(&email).is_ok());
        assert!(limits.check_email(&email).is_ok());
        match limits.check_email(&email) {
            Err(AppError::RateLimited { retry_after_secs }) => assert!((1..=1800).contains(&retry_after_secs)),
            other => panic!("expected RateLimited, got {other:?}"),
        }
        let other = Email::parse("grace@example.com").unwrap();
        assert!(limits.check_email(&other).is_ok(), "buckets are per email");
    }

    #[test]
    fn ips_are_limited_per_minute_and_independently() {
        let config = Config { auth_requests_per_minute_per_ip: 1, ..Config::default() };
        let limits = AuthLimits::new(&config);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(limits.check_ip(Some(a)).is_ok());
        assert!(matches!(limits.check_ip(Some(a)), Err(AppError::RateLimited { .. })));
        assert!(limits.check_ip(Some(b)).is_ok());
    }
}
