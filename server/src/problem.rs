//! Errors of the plain routes (files, exports, event streams) as HTTP
//! answers.

use app::error::AppError;
use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// An RFC 7807 problem response for `err`, with its status; a validation
/// error also lists its messages per list parameter under `errors`, and
/// a rate-limited one says when to try again (`Retry-After`).
pub fn problem(err: &AppError) -> Response {
    let status = StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let errors = match err {
        AppError::Validation(errors) => Some(serde_json::json!(errors.fields)),
        _ => None,
    };
    let mut response = problem_document(status, &err.to_string(), errors);
    // RFC 9110 section 10.2.3: when to try again.
    if let AppError::RateLimited { retry_after_secs } = err {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
    }
    response
}

/// An RFC 7807 problem response: `status` with its reason as the title,
/// `detail` for people, and `errors` (a message per field), if any.
pub fn problem_document(status: StatusCode, detail: &str, errors: Option<serde_json::Value>) -> Response {
    let mut body = serde_json::json!({
        "type": "about:blank", "title": status.canonical_reason(), "status": status.as_u16(), "detail": detail,
    });
    if let Some(errors) = errors {
        body["errors"] = errors;
    }
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"))], body.to_string())
        .into_response()
}
