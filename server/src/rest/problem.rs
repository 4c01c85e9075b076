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

/// An RFC 7807 problem document, as the API sends every error
/// (`application/problem+json`). For the OpenAPI document.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: String,
    /// The status's reason phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong, for people.
    pub detail: String,
    /// For bad input: a message per field (its name, or a path such as
    /// `labels[2]`; `body` for the body as a whole, `query` for the query).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<std::collections::BTreeMap<String, String>>,
}

/// The refusals any route of the API may answer, each a [`Problem`].
#[derive(utoipa::IntoResponses)]
#[allow(dead_code, reason = "describes answers for the OpenAPI document; never built")]
pub enum Refusals {
    /// Malformed: not JSON, or a bad header (`If-Match`, `Idempotency-Key`).
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// No usable API token (missing, unknown, revoked, expired, or its
    /// creator no longer holds its role); `WWW-Authenticate: Bearer`.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// The token's role may not do this, the organization is suspended, or
    /// its plan's limit is reached.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// No such resource in the token's organization (or a malformed id).
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// The change clashes with the current state (an archived project, a
    /// name taken by a restored one, an `Idempotency-Key` still running).
    #[response(status = 409, content_type = "application/problem+json")]
    Conflict(Problem),
    /// `If-Match` no longer matches: someone changed the resource.
    #[response(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(Problem),
    /// The body is over 1 MiB.
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// The body is not `application/json`.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// Invalid fields or parameters, each named under `errors`.
    #[response(status = 422, content_type = "application/problem+json")]
    Unprocessable(Problem),
    /// The token's quota is spent: `Retry-After` says when to try again.
    #[response(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Problem),
}
