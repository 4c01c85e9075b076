//! Refuses cross-site state-changing requests (CSRF defence in depth,
//! OWASP CSRF Prevention Cheat Sheet: "Verifying Origin with Standard
//! Headers" and "Fetch Metadata").
//!
//! The session cookie is already `SameSite=Lax`, so browsers do not send it
//! on cross-site POSTs; this check also covers browsers that ignore
//! SameSite and login CSRF (a cross-site form signing the victim into the
//! attacker's account). Requests without either header (non-browser
//! clients) pass: they carry no ambient credentials of a victim.

use std::sync::Arc;

use app::server::config::PublicOrigin;
use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// True when the browser says (Sec-Fetch-Site) or shows (Origin) that the
/// request comes from another site. `Origin` counts as ours when it equals
/// the configured public origin or names the host the request was sent to.
pub fn is_cross_site(headers: &HeaderMap, public_origin: &PublicOrigin) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return false;
    };
    let origin = origin.to_ascii_lowercase();
    if origin == public_origin.as_str() {
        return false;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_ascii_lowercase);
    let origin_host = origin.split_once("://").map(|(_, authority)| authority);
    !matches!((origin_host, host.as_deref()), (Some(a), Some(b)) if a == b)
}

/// Axum middleware: 403 (RFC 7807 problem+json) for a cross-site request
/// with an unsafe method; everything else passes.
pub async fn refuse_cross_site(
    State(public_origin): State<Arc<PublicOrigin>>,
    request: Request,
    next: Next,
) -> Response {
    if request.method().is_safe() || !is_cross_site(request.headers(), &public_origin) {
        return next.run(request).await;
    }
    tracing::warn!(
        method = %request.method(),
        path = %crate::telemetry::loggable_path(request.uri().path()),
        origin = ?request.headers().get(header::ORIGIN),
        "refused a cross-site request"
    );
    let body = r#"{"type":"about:blank","title":"Forbidden","status":403,"detail":"Cross-site requests that change data are refused."}"#;
    (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"))], body)
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (header::HeaderName::from_static(k), HeaderValue::from_static(v))).collect()
    }

    fn origin() -> PublicOrigin {
        PublicOrigin::parse("https://atrium.example.com").unwrap()
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "same-origin")]), &origin()));
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "none")]), &origin()));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")]), &origin()));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site")]), &origin()));
        // A matching Origin does not override a cross-site Sec-Fetch-Site.
        assert!(is_cross_site(
            &headers(&[("sec-fetch-site", "cross-site"), ("origin", "https://atrium.example.com")]),
            &origin()
        ));
    }

    #[test]
    fn origin_must_be_the_public_origin_or_the_requested_host() {
        assert!(!is_cross_site(&headers(&[("origin", "https://atrium.example.com")]), &origin()));
        assert!(!is_cross_site(
            &headers(&[("origin", "http://localhost:3000"), ("host", "localhost:3000")]),
            &origin()
        ));
        assert!(is_cross_site(&headers(&[("origin", "https://evil.example")]), &origin()));
        assert!(is_cross_site(&headers(&[("origin", "null")]), &origin()));
        assert!(is_cross_site(
            &headers(&[("origin", "https://evil.example"), ("host", "atrium.example.com")]),
            &origin()
        ));
    }

    #[test]
    fn requests_without_browser_headers_pass() {
        assert!(!is_cross_site(&HeaderMap::new(), &origin()));
    }
}
