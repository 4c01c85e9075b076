//! Server-function calls name only arguments the function has.
//!
//! Leptos decodes a call's URL-encoded form with serde, which drops fields
//! it does not know: a misspelt argument would be silently ignored and the
//! call would run with a default instead. This layer compares the names a
//! call sends (the part before any `[`, so `labels[0]` is `labels`) with
//! the function's own (`app::server_fns::argument_names`) and answers an unknown
//! one with 422 and a field error naming it. It also bounds a call's body:
//! the largest legitimate call (a bulk action on 500 tasks) is far below
//! [`MAX_CALL_BODY`]; beyond it the answer is 413.

use std::{collections::HashMap, sync::Arc};

use app::error::{AppError, FieldErrors};
use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The largest server-function call accepted, in bytes.
pub const MAX_CALL_BODY: usize = 64 * 1024;

/// Each server function's path and its argument names.
pub type ArgumentNames = Arc<HashMap<&'static str, &'static [&'static str]>>;

pub async fn reject_unknown_arguments(State(known): State<ArgumentNames>, request: Request, next: Next) -> Response {
    let Some(names) = known.get(request.uri().path()).copied() else {
        return next.run(request).await;
    };
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_CALL_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "This request is too large.").into_response();
    };
    let mut errors = FieldErrors::new();
    for (key, _) in form_urlencoded::parse(&bytes) {
        let name = key.split('[').next().unwrap_or_default();
        if !names.contains(&name) {
            let expected = names.join(", ");
            errors.add(name, format!("Unknown argument {name:?}; this call takes: {expected}."));
        }
    }
    if !errors.is_empty() {
        let body = serde_json::to_string(&AppError::Validation(errors)).unwrap_or_default();
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            body,
        )
            .into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}
