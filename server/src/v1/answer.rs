//! What `/v1` answers: JSON:API documents and Keygen's errors, as HTTP
//! responses (signed afterwards by the router's layer, `super::signing`).

use axum::{
    body::Body,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use app::server::licensing::access::AccessError;

/// The JSON:API media type every document is sent as.
pub const JSON_API: &str = "application/vnd.api+json";
/// The API version Atrium speaks (Keygen's `Keygen-Version`).
pub const API_VERSION: &str = "1.8";

/// The largest request body read, in bytes; larger ones answer 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What a handler answers: a document, or an error in Keygen's shape.
pub type Answer = Result<Document, ApiError>;

/// A JSON:API document with its status (no body for 204), sent as
/// [`JSON_API`] with the `Keygen-Version` header.
#[derive(Debug)]
pub struct Document(pub StatusCode, pub Option<Value>);

impl IntoResponse for Document {
    fn into_response(self) -> Response {
        let Document(status, body) = self;
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let typed = !bytes.is_empty();
        let mut response = Response::new(Body::from(bytes));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        if typed {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_API));
        }
        headers.insert("keygen-version", HeaderValue::from_static(API_VERSION));
        response
    }
}

/// An error in Keygen's shape: `{"errors":[{"title","detail","code"}]}`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: String,
    pub code: Option<&'static str>,
    /// A JSON pointer into the request document (`/data/attributes/...`).
    pub pointer: Option<std::borrow::Cow<'static, str>>,
    /// Seconds for `Retry-After` (429).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// 404 `NOT_FOUND`: no such route, account, license or machine (for
    /// this key).
    pub fn not_found(detail: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            title: "Not found",
            detail: detail.into(),
            code: Some("NOT_FOUND"),
            pointer: None,
            retry_after: None,
        }
    }

    /// 405 `METHOD_NOT_ALLOWED`.
    pub fn method_not_allowed(detail: &str) -> Self {
        Self {
            status: StatusCode::METHOD_NOT_ALLOWED,
            title: "Method not allowed",
            detail: detail.into(),
            code: Some("METHOD_NOT_ALLOWED"),
            pointer: None,
            retry_after: None,
        }
    }

    /// 401 with Keygen's `code` (`LICENSE_INVALID`).
    pub fn unauthorized(code: &'static str, detail: &str) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            title: "Unauthorized",
            detail: detail.into(),
            code: Some(code),
            pointer: None,
            retry_after: None,
        }
    }

    /// 403 with Keygen's `code` (`LICENSE_BANNED`, ...).
    pub fn forbidden(code: &'static str, detail: &str) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            title: "Access denied",
            detail: detail.into(),
            code: Some(code),
            pointer: None,
            retry_after: None,
        }
    }

    /// 400: a body or query that cannot be read.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            title: "Bad request",
            detail: detail.into(),
            code: None,
            pointer: None,
            retry_after: None,
        }
    }

    /// 422 with Keygen's `code`, about the member of the request document
    /// at `pointer`.
    pub fn unprocessable(code: &'static str, detail: impl Into<String>, pointer: &'static str) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            title: "Unprocessable resource",
            detail: detail.into(),
            code: Some(code),
            pointer: Some(pointer.into()),
            retry_after: None,
        }
    }

    /// 422 as [`ApiError::unprocessable`], about a member of the request
    /// document whose pointer is made at run time (one of a list's items:
    /// `/data/relationships/components/data/3/attributes/name`).
    pub fn unprocessable_at(code: &'static str, detail: impl Into<String>, pointer: String) -> Self {
        Self { pointer: Some(pointer.into()), ..Self::unprocessable(code, detail, "") }
    }

    /// 422 without a code or pointer: Keygen's answer
    /// (`render_unprocessable_entity`) to an action the resource's state
    /// does not allow, such as checking in a license whose policy does
    /// not require check-ins.
    pub fn unprocessable_entity(detail: impl Into<String>) -> Self {
        Self { title: "Unprocessable entity", code: None, pointer: None, ..Self::unprocessable("", detail, "") }
    }

    /// 429: too many requests from this network or for this license;
    /// `Retry-After` says when to try again.
    pub fn too_many_requests(retry_after: u64) -> Self {
        Self {
            status: StatusCode::TOO_MANY_REQUESTS,
            title: "Too many requests",
            detail: format!("Too many requests: try again in {retry_after} seconds"),
            code: Some("TOO_MANY_REQUESTS"),
            pointer: None,
            retry_after: Some(retry_after),
        }
    }

    /// 413: the body is over [`MAX_BODY_BYTES`].
    pub fn payload_too_large() -> Self {
        Self {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            title: "Payload too large",
            detail: format!("The request body is larger than {MAX_BODY_BYTES} bytes"),
            code: Some("PAYLOAD_TOO_LARGE"),
            pointer: None,
            retry_after: None,
        }
    }

    /// 500: `err` is logged under a reference the answer gives.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        let reference = uuid::Uuid::new_v4();
        tracing::error!(%reference, error = %err, "license API request failed");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            title: "Internal server error",
            detail: format!("Something went wrong on our side (reference {reference})."),
            code: None,
            pointer: None,
            retry_after: None,
        }
    }

    /// The error as Keygen's document.
    pub(super) fn document(&self) -> Value {
        let mut error = json!({ "title": self.title, "detail": self.detail });
        if let Some(code) = self.code {
            error["code"] = json!(code);
        }
        if let Some(pointer) = &self.pointer {
            error["source"] = json!({ "pointer": pointer });
        }
        json!({ "errors": [error] })
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        Self::internal(err)
    }
}

/// A refusal of the access rules (`licensing::access`) in Keygen's words.
impl From<AccessError> for ApiError {
    fn from(err: AccessError) -> Self {
        let detail = err.to_string();
        match (&err, err.code()) {
            (AccessError::Db(db), _) => Self::internal(db),
            (AccessError::KeyMissing | AccessError::KeyInvalid, Some(code)) => Self::unauthorized(code, &detail),
            (AccessError::Refused(_), Some(code)) => Self::forbidden(code, &detail),
            (AccessError::LicenseNotFound | AccessError::MachineNotFound, _) | (_, None) => Self::not_found(&detail),
        }
    }
}

/// The error's document with its status, `Retry-After` for 429 and
/// `WWW-Authenticate` for 401.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let mut response = Document(status, Some(self.document())).into_response();
        if let Some(wait) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("License realm=\"keygen\""));
        }
        response
    }
}
