//! The client's IP address, for rate limits and (later) the audit log.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use http::request::Parts;

/// The peer address of the connection; or, when `trust_proxy_headers` is on,
/// the last hop of `X-Forwarded-For` (the address the trusted proxy saw).
/// `None` when neither is known.
pub fn client_ip(parts: &Parts, trust_proxy_headers: bool) -> Option<IpAddr> {
    if trust_proxy_headers {
        // The proxy appends the address it saw: the last entry of the last
        // header line. Earlier entries are whatever the client claimed.
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|line| line.to_str().ok())
            .and_then(|line| line.rsplit(',').next())
            .and_then(|hop| hop.trim().parse::<IpAddr>().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(forwarded: Option<&str>, peer: Option<&str>) -> Parts {
        let mut req = http::Request::builder();
        if let Some(value) = forwarded {
            req = req.header("x-forwarded-for", value);
        }
        let (mut parts, ()) = req.body(()).unwrap().into_parts();
        if let Some(peer) = peer {
            parts.extensions.insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        }
        parts
    }

    #[test]
    fn forwarded_for_is_ignored_unless_trusted() {
        let p = parts(Some("198.51.100.7"), Some("10.0.0.1:5000"));
        assert_eq!(client_ip(&p, false), Some("10.0.0.1".parse().unwrap()));
        assert_eq!(client_ip(&p, true), Some("198.51.100.7".parse().unwrap()));
    }

    #[test]
    fn the_last_forwarded_hop_is_the_one_the_proxy_saw() {
        let p = parts(Some("203.0.113.9, 198.51.100.7"), None);
        assert_eq!(client_ip(&p, true), Some("198.51.100.7".parse().unwrap()));
        assert_eq!(client_ip(&parts(None, None), true), None);
    }
}
