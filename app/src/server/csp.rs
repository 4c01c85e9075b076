//! The Content-Security-Policy of rendered pages (OWASP ASVS 4.0 §14.4.3).
//!
//! Scripts run only with this response's nonce (Leptos puts it on its
//! hydration scripts) or from our own origin; `'wasm-unsafe-eval'` lets the
//! browser compile the app's WebAssembly, nothing else is evaluated. Styles,
//! images, fonts and connections stay on our origin; no plugins, no
//! framing, no `<base>`, forms post only to us.

use http::{HeaderValue, header::CONTENT_SECURITY_POLICY};
use leptos::{nonce::use_nonce, prelude::use_context};

/// The policy for a page whose scripts carry `nonce`.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy for responses that are not pages (server functions, files).
pub const NON_PAGE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// Makes a nonce for this render and sets the page's CSP header with it.
pub fn provide_nonce_and_policy() {
    leptos::nonce::provide_nonce();
    let (Some(nonce), Some(response)) = (use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce)) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}
