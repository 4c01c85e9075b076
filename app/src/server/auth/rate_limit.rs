//! Request rate limits per client network (OWASP ASVS 5.0 V6.3.1,
//! anti-automation): sign-up, sign-in, two-factor codes and the use of
//! mailed links (reset, verification) share one bucket; requests that send
//! account mail (password reset, verification, email change) another,
//! smaller one; the password
//! strength meter a third, larger one; the license API (`/v1`) one per
//! network and one per license; the REST API (`/api/v1`) one per API
//! token. Failed sign-ins per email are counted
//! separately, in the database (`auth::lockout`).
//!
//! The counters live in this process (GCRA buckets from `governor`, idle
//! ones forgotten every minute, so memory stays bounded). With several app
//! processes behind a balancer each keeps its own, so the effective limit
//! is multiplied by the process count.

use std::{
    net::{IpAddr, Ipv6Addr},
    num::NonZeroU32,
};

use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
    middleware::StateInformationMiddleware,
    state::keyed::DefaultKeyedStateStore,
};

use crate::error::AppError;

use super::super::config::Config;

/// The network a client is counted as: an IPv4 address itself, an IPv6
/// address's /64. One IPv6 subscriber usually holds a whole /64 (RFC 6177
/// recommends at least that per site), so counting single IPv6 addresses
/// would give one client 2^64 buckets. IPv4-mapped IPv6 addresses count as
/// their IPv4 address.
pub fn client_network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
    }
}

/// The buckets; see the module docs.
#[derive(Debug)]
pub struct AuthLimits {
    by_network: DefaultKeyedRateLimiter<IpAddr>,
    mail: DefaultKeyedRateLimiter<IpAddr>,
    meter: DefaultKeyedRateLimiter<IpAddr>,
    license_api: DefaultKeyedRateLimiter<IpAddr>,
    license_api_per_license: DefaultKeyedRateLimiter<uuid::Uuid>,
    api_per_token: TokenLimiter,
    api_per_minute: u32,
    clock: DefaultClock,
}

/// A keyed limiter that also says how much of the quota is left.
type TokenLimiter =
    RateLimiter<uuid::Uuid, DefaultKeyedStateStore<uuid::Uuid>, DefaultClock, StateInformationMiddleware>;

/// Where an API token's quota stands after a request, for the
/// `RateLimit-*` headers (IETF httpapi "RateLimit header fields" draft).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenQuota {
    /// Requests per window.
    pub limit: u32,
    /// Requests left now.
    pub remaining: u32,
    /// Seconds until the quota is whole again (the window), or, refused,
    /// until the next request is allowed.
    pub reset_secs: u64,
}

/// Strength-meter estimates per network per minute: one per keystroke
/// pause of a fast typist, far below what would tie up a core.
const METER_PER_MINUTE: u32 = 120;

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

impl AuthLimits {
    pub fn new(config: &Config) -> Self {
        Self {
            by_network: RateLimiter::keyed(Quota::per_minute(nonzero(config.auth_requests_per_minute_per_ip))),
            mail: RateLimiter::keyed(Quota::per_minute(nonzero(config.account_mail_requests_per_minute_per_ip))),
            meter: RateLimiter::keyed(Quota::per_minute(nonzero(METER_PER_MINUTE))),
            license_api: RateLimiter::keyed(Quota::per_minute(nonzero(config.license_api_requests_per_minute_per_ip))),
            license_api_per_license: RateLimiter::keyed(Quota::per_minute(nonzero(
                config.license_api_requests_per_minute_per_license,
            ))),
            api_per_token: RateLimiter::keyed(Quota::per_minute(nonzero(config.api_requests_per_minute_per_token)))
                .with_middleware::<StateInformationMiddleware>(),
            api_per_minute: config.api_requests_per_minute_per_token.max(1),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one sign-up, sign-in, two-factor or mailed-link request from `ip`'s
    /// network (see [`client_network`]; unknown IPs share no bucket and are
    /// not limited here). `RateLimited` with the seconds to wait when it is
    /// spent.
    pub fn check_ip(&self, ip: Option<IpAddr>) -> Result<(), AppError> {
        self.check(&self.by_network, ip)
    }

    /// Counts one request that sends account mail.
    pub fn check_mail(&self, ip: Option<IpAddr>) -> Result<(), AppError> {
        self.check(&self.mail, ip)
    }

    /// Counts one strength-meter estimate.
    pub fn check_meter(&self, ip: Option<IpAddr>) -> Result<(), AppError> {
        self.check(&self.meter, ip)
    }

    /// Counts one license-API request from `ip`'s network. `Err` with the
    /// seconds to wait when it is spent.
    pub fn check_license_api(&self, ip: Option<IpAddr>) -> Result<(), u64> {
        self.check(&self.license_api, ip).map_err(retry_after)
    }

    /// Counts one license-API request for the license `license` (its id).
    pub fn check_license_api_license(&self, license: uuid::Uuid) -> Result<(), u64> {
        self.license_api_per_license
            .check_key(&license)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()).as_secs().max(1))
    }

    /// Counts one REST API request of the token `token` (its id): `Ok`
    /// with what is left of its quota, `Err` with the same when it is
    /// spent (`remaining` 0, `reset_secs` the wait).
    pub fn check_api_token(&self, token: uuid::Uuid) -> Result<TokenQuota, TokenQuota> {
        let limit = self.api_per_minute;
        match self.api_per_token.check_key(&token) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                // A spent request comes back every 60 / limit seconds.
                let used = u64::from(limit.saturating_sub(remaining));
                let reset_secs = (used * 60).div_ceil(u64::from(limit));
                Ok(TokenQuota { limit, remaining, reset_secs })
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now()).as_secs().max(1);
                Err(TokenQuota { limit, remaining: 0, reset_secs: wait })
            }
        }
    }

    fn check(&self, buckets: &DefaultKeyedRateLimiter<IpAddr>, ip: Option<IpAddr>) -> Result<(), AppError> {
        let Some(ip) = ip else { return Ok(()) };
        buckets.check_key(&client_network(ip)).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            AppError::RateLimited { retry_after_secs: wait.as_secs().max(1) }
        })
    }

    /// Forgets buckets that are full again, bounding memory. Run
    /// periodically.
    pub fn forget_idle(&self) {
        for buckets in [&self.by_network, &self.mail, &self.meter, &self.license_api] {
            buckets.retain_recent();
            buckets.shrink_to_fit();
        }
        self.license_api_per_license.retain_recent();
        self.license_api_per_license.shrink_to_fit();
        self.api_per_token.retain_recent();
        self.api_per_token.shrink_to_fit();
    }
}

/// The seconds of a `RateLimited` error.
fn retry_after(err: AppError) -> u64 {
    match err {
        AppError::RateLimited { retry_after_secs } => retry_after_secs,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(client_network(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(client_network(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")), ip("2001:db8:1:2::"));
        assert_ne!(client_network(ip("2001:db8:1:3::1")), ip("2001:db8:1:2::"));
        assert_eq!(client_network(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
        assert_eq!(client_network(ip("192.0.2.7")), ip("192.0.2.7"));
    }

    #[test]
    fn networks_are_limited_per_minute_and_independently() {
        let config = Config { auth_requests_per_minute_per_ip: 1, ..Config::default() };
        let limits = AuthLimits::new(&config);
        assert!(limits.check_ip(Some(ip("192.0.2.1"))).is_ok());
        assert!(matches!(limits.check_ip(Some(ip("192.0.2.1"))), Err(AppError::RateLimited { .. })));
        assert!(limits.check_ip(Some(ip("192.0.2.2"))).is_ok());
        // Another address of the same IPv6 /64 shares the bucket.
        assert!(limits.check_ip(Some(ip("2001:db8::1"))).is_ok());
        assert!(matches!(limits.check_ip(Some(ip("2001:db8::2"))), Err(AppError::RateLimited { .. })));
    }
}
