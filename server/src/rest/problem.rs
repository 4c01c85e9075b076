//! The REST API's errors, each an RFC 7807 problem document.

use app::{error::AppError, server::api_tokens::TokenRefused};
use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::problem::{problem, problem_document};

/// Why the REST API refused a request.
#[derive(Debug)]
pub enum ApiError {
    /// Refused on the app's terms (the same as the dashboard's): its status
    /// and message, with a message per field for bad input.
    App(AppError),
    /// No usable token: 401 with `WWW-Authenticate: Bearer` (RFC 6750
    /// section 3), the detail saying what became of the token.
    Token(TokenRefused),
    /// The resource's `ETag` is no longer the `If-Match` given: 412.
    PreconditionFailed,
    /// The request itself is malformed (not JSON, a bad header): 400, with
    /// the field or header it is about.
    BadRequest { field: &'static str, detail: String },
    /// A body that is not `application/json`: 415.
    UnsupportedMediaType,
    /// A body over the limit: 413.
    TooLarge,
    /// No such route: 404.
    NoSuchRoute,
    /// The route exists without this method: 405.
    MethodNotAllowed,
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        ApiError::App(err)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        ApiError::App(err.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::App(err) => problem(&err),
            ApiError::Token(refused) => {
                let mut response = problem_document(StatusCode::UNAUTHORIZED, &refused.to_string(), None);
                let challenge = match refused {
                    TokenRefused::Missing => "Bearer realm=\"atrium\"",
                    _ => "Bearer realm=\"atrium\", error=\"invalid_token\"",
                };
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
                response
            }
            ApiError::PreconditionFailed => problem_document(
                StatusCode::PRECONDITION_FAILED,
                "Someone changed this meanwhile: read it again (its ETag is new), then send the change with the new \
                 If-Match.",
                None,
            ),
            ApiError::BadRequest { field, detail } => {
                problem_document(StatusCode::BAD_REQUEST, &detail, Some(serde_json::json!({ field: detail })))
            }
            ApiError::UnsupportedMediaType => problem_document(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send the body as JSON, with Content-Type: application/json.",
                None,
            ),
            ApiError::TooLarge => problem_document(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("A request body has at most {} bytes.", super::MAX_BODY_BYTES),
                None,
            ),
            ApiError::NoSuchRoute => {
                problem_document(StatusCode::NOT_FOUND, "There is no such route in the REST API (/api/v1).", None)
            }
            ApiError::MethodNotAllowed => {
                problem_document(StatusCode::METHOD_NOT_ALLOWED, "This route does not take this method.", None)
            }
        }
    }
}

/// The answer to a path outside the API's routes.
pub async fn no_such_route() -> ApiError {
    ApiError::NoSuchRoute
}

/// The answer to a route's unknown method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
