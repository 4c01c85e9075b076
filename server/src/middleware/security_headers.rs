//! Security headers on every response (OWASP Secure Headers Project, ASVS
//! 4.0 §14.4). Pages get a nonce-based CSP (`page_csp`); other responses
//! get a deny-all one.

use app::server::csp::{NON_PAGE_POLICY, page_policy};
use axum::{
    Router,
    extract::Request,
    http::{HeaderName, HeaderValue, header},
    middleware::{Next, from_fn},
    response::Response,
};
use leptos::nonce::Nonce;
use tower_http::set_header::SetResponseHeaderLayer;

/// Makes a nonce for each request, for the page rendered from it to put on
/// its scripts (`app::server::csp::provide_request_nonce`), and gives an
/// HTML response the page policy naming that nonce, unless the handler set
/// a policy of its own (a download's sandbox must never be loosened into
/// the page policy).
async fn page_csp(mut request: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let has_own = response.headers().contains_key(header::CONTENT_SECURITY_POLICY);
    if is_html
        && !has_own
        && let Ok(policy) = HeaderValue::from_str(&page_policy(&nonce))
    {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

fn if_missing(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// Adds the headers to `router`. `https` adds HSTS (RFC 6797), which only
/// means anything over TLS.
pub fn apply<S: Clone + Send + Sync + 'static>(router: Router<S>, https: bool) -> Router<S> {
    let router = router
        .layer(from_fn(page_csp))
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

#[cfg(test)]
mod tests {
    use axum::{body::Body, routing::get};
    use tower::ServiceExt;

    use super::*;

    async fn csp_of(router: Router) -> String {
        let response = apply(router, false).oneshot(Request::new(Body::empty())).await.unwrap();
        response.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned()
    }

    #[tokio::test]
    async fn an_html_response_gets_the_page_policy_unless_it_brought_its_own() {
        let page = Router::new().route("/", get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<p>hi</p>") }));
        assert!(csp_of(page).await.contains("'nonce-"));
        let sandboxed = Router::new().route(
            "/",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/html"),
                        (header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'"),
                    ],
                    "<p>hi</p>",
                )
            }),
        );
        assert_eq!(csp_of(sandboxed).await, "sandbox; default-src 'none'");
    }
}
