//! Status codes for malformed server-function calls.
//!
//! When a call cannot even be decoded (a missing or mistyped argument),
//! Leptos answers before the function body runs, always with 500. The body
//! is our `AppError::Request` (`{"kind":"request",...}`); this middleware
//! gives it the status that variant stands for, 400, so a client's mistake
//! does not look like a server fault.

use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::Response,
};

/// Server-function error bodies are a few hundred bytes; anything larger is
/// passed through untouched.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn malformed_calls_are_bad_requests(request: Request, next: Next) -> Response {
    let is_server_fn = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !is_server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
        return Response::from_parts(parts, Body::empty());
    };
    if bytes.starts_with(br#"{"kind":"request""#) {
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, Body::from(bytes))
}
