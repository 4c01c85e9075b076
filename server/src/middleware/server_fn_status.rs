//! The HTTP status of a failed server function, set in one place.
//!
//! Leptos answers every server-function error with 500 and a
//! `serverfnerror` header, the body being our `AppError` as JSON. This
//! layer reads that body and gives the response the status its variant
//! stands for (`AppError::status_code`: 401, 403, 404, 409, 422, 429 with
//! `Retry-After`, 400 for a malformed call), so no server function sets a
//! status itself. A plain HTML form post is answered by Leptos with a
//! redirect back to the form instead; that redirect is left alone.

use app::error::AppError;
use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::Response,
};

/// The header Leptos marks a server-function error response with.
const SERVER_FN_ERROR: &str = "serverfnerror";

/// Server-function error bodies are a few hundred bytes; anything larger is
/// not ours and passes untouched.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn status_from_app_error(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if !response.headers().contains_key(SERVER_FN_ERROR) || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let AppError::RateLimited { retry_after_secs } = err {
            parts.headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
