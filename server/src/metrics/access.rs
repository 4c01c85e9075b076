//! Who may read `/metrics`: a client whose address is in
//! `metrics_allowed_networks` (loopback by default), or a request bearing
//! `metrics_token`. The address is the one rate limits use
//! (`client_ip`: the peer, or the last `X-Forwarded-For` hop with
//! `trust_proxy_headers`). Metrics tell an outsider how busy the service
//! is, which routes and license codes are used, and how much it stores:
//! they are for the operator's monitoring, not the public.

use std::net::IpAddr;

use app::server::{Config, auth::client_ip::client_ip};
use axum::http::{header, request::Parts};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Whether the request may read the metrics: its client is in an allowed
/// network, or it brings the configured token.
pub fn allowed(parts: &Parts, config: &Config) -> bool {
    let by_network = client_ip(parts, config.trust_proxy_headers)
        .is_some_and(|ip| in_networks(ip, &config.metrics_allowed_networks));
    by_network || config.metrics_token.as_ref().is_some_and(|token| bears(parts, token.expose_secret()))
}

/// Whether `ip` is in one of `networks` (CIDR, or a single address). An
/// entry that is neither is skipped, with a warning; IPv4 inside IPv6
/// (`::ffff:127.0.0.1`) is judged as IPv4.
pub fn in_networks(ip: IpAddr, networks: &[String]) -> bool {
    let ip = ip.to_canonical();
    networks.iter().any(|entry| {
        let network = entry.parse::<ipnet::IpNet>().or_else(|_| entry.parse::<IpAddr>().map(ipnet::IpNet::from));
        match network {
            Ok(network) => network.contains(&ip),
            Err(_) => {
                tracing::warn!(%entry, "metrics_allowed_networks: not a network, skipped");
                false
            }
        }
    })
}

/// Whether `Authorization: Bearer <token>` carries `expected` (an empty
/// one opens nothing). The SHA-256 digests are compared in constant time,
/// so neither the time taken nor an early exit on a length tells how much
/// of a guess was right.
fn bears(parts: &Parts, expected: &str) -> bool {
    if expected.is_empty() {
        return false;
    }
    let Some(given) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
    else {
        return false;
    };
    let (given, expected) = (Sha256::digest(given.trim().as_bytes()), Sha256::digest(expected.as_bytes()));
    bool::from(given.ct_eq(&expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn networks(list: &[&str]) -> Vec<String> {
        list.iter().map(|entry| (*entry).to_owned()).collect()
    }

    #[test]
    fn addresses_are_matched_against_networks_and_single_addresses() {
        let list = networks(&["127.0.0.0/8", "::1/128", "10.1.2.3", "junk"]);
        assert!(in_networks("127.0.0.1".parse().unwrap(), &list));
        assert!(in_networks("::1".parse().unwrap(), &list));
        assert!(in_networks("::ffff:127.0.0.1".parse().unwrap(), &list));
        assert!(in_networks("10.1.2.3".parse().unwrap(), &list));
        assert!(!in_networks("10.1.2.4".parse().unwrap(), &list));
        assert!(!in_networks("203.0.113.9".parse().unwrap(), &list));
        assert!(!in_networks("127.0.0.1".parse().unwrap(), &[]));
    }

    #[test]
    fn only_the_exact_bearer_token_opens() {
        let parts = |value: &str| {
            let request = axum::http::Request::builder().header(header::AUTHORIZATION, value).body(()).unwrap();
            request.into_parts().0
        };
        assert!(bears(&parts("Bearer s3cret-token"), "s3cret-token"));
        assert!(!bears(&parts("Bearer s3cret-toke"), "s3cret-token"));
        assert!(!bears(&parts("Basic s3cret-token"), "s3cret-token"));
        assert!(!bears(&parts("Bearer "), ""));
    }
}
