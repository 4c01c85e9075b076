//! The Content-Security-Policy of rendered pages (OWASP ASVS 4.0 §14.4.3).
//!
//! Scripts run only with this response's nonce (Leptos puts it on its
//! hydration scripts) or from our own origin; `'wasm-unsafe-eval'` lets the
//! browser compile the app's WebAssembly, nothing else is evaluated. Styles,
//! images, fonts and connections stay on our origin; no plugins, no
//! framing, no `<base>`, forms post only to us.

use http::request::Parts;
use leptos::{
    nonce::Nonce,
    prelude::{provide_context, use_context},
};

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

/// Provides, for this render, the nonce the server's `page_csp` layer made
/// for the request (its CSP header names it), so Leptos puts it on the
/// hydration scripts. The header is set by that layer, not through
/// `ResponseOptions`: a page then never reaches a browser with a nonce in
/// its scripts and a policy without it. Outside the layer (a render with no
/// request) a fresh nonce is made, and no policy names it.
pub fn provide_request_nonce() {
    let nonce = use_context::<Parts>().and_then(|parts| parts.extensions.get::<Nonce>().cloned());
    provide_context(nonce.unwrap_or_default());
}
