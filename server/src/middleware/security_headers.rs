//! Security headers on every response (OWASP Secure Headers Project, ASVS
//! 4.0 §14.4). Pages set their own nonce-based CSP while rendering; other
//! responses get a deny-all one.

use app::server::csp::NON_PAGE_POLICY;
use axum::{
    Router,
    http::{HeaderName, HeaderValue, header},
};
use tower_http::set_header::SetResponseHeaderLayer;

fn if_missing(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// Adds the headers to `router`. `https` adds HSTS (RFC 6797), which only
/// means anything over TLS.
pub fn apply<S: Clone + Send + Sync + 'static>(router: Router<S>, https: bool) -> Router<S> {
    let router = router
        .layer(if_missing(header::CONTENT_SECURITY_POLICY, NON_PAGE_POLICY))
        .layer(if_missing(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // `same-origin`: our own form posts keep their Referer (Leptos
        // redirects a script-less form back to it); other sites get none.
        .layer(if_missing(header::REFERRER_POLICY, "same-origin"))
        .layer(if_missing(header::X_FRAME_OPTIONS, "DENY"))
        .layer(if_missing(HeaderName::from_static("cross-origin-opener-policy"), "same-origin"))
        .layer(if_missing(
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ));
    if https {
        router.layer(if_missing(header::STRICT_TRANSPORT_SECURITY, "max-age=63072000; includeSubDomains"))
    } else {
        router
    }
}
