//! Caching of the static files under `/pkg/` (the wasm bundle, its
//! JavaScript, the stylesheet). With content-hashed names (cargo-leptos'
//! `hash-files`), a name never changes meaning, so browsers may keep the
//! file for a year without asking again (RFC 8246 `immutable`). Without
//! hashes they must revalidate each time.

use axum::{
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};

/// Whether the bundle's file names carry content hashes.
#[derive(Clone, Copy)]
pub struct HashedNames(pub bool);

pub async fn cache_static_files(
    State(HashedNames(hashed)): State<HashedNames>,
    request: Request,
    next: Next,
) -> Response {
    let is_bundle = request.uri().path().starts_with("/pkg/");
    let mut response = next.run(request).await;
    if is_bundle && response.status().is_success() {
        let policy = if hashed { "public, max-age=31536000, immutable" } else { "no-cache" };
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}
