//! What `/v1` answers: JSON:API documents and Keygen's errors, as HTTP
//! responses (signed afterwards by the router's layer, `super::signing`).

use axum::{
    body::Body,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use std::borrow::Cow;

use serde_json::{Value, json};

use app::{error::AppError, server::licensing::access::AccessError};

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

/// An error in Keygen's shape: `{"errors":[{"title","detail","code"}]}`
/// (with `source.pointer` when it is about a member of the request
/// document), and the errors answered beside it (one per field of a
/// refused document).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: String,
    pub code: Option<Cow<'static, str>>,
    /// A JSON pointer into the request document (`/data/attributes/...`).
    pub pointer: Option<Cow<'static, str>>,
    /// Seconds for `Retry-After` (429).
    pub retry_after: Option<u32>,
    /// More errors of the same answer.
    pub others: Box<[ApiError]>,
}

impl ApiError {
    /// 404 `NOT_FOUND`: no such route, account, license or machine (for
    /// this key).
    pub fn not_found(detail: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            title: "Not found",
            detail: detail.into(),
            code: Some(Cow::Borrowed("NOT_FOUND")),
            pointer: None,
            retry_after: None,
            others: Box::default(),
        }
    }

    /// 405 `METHOD_NOT_ALLOWED`.
    pub fn method_not_allowed(detail: &str) -> Self {
        Self {
            status: StatusCode::METHOD_NOT_ALLOWED,
            title: "Method not allowed",
            detail: detail.into(),
            code: Some(Cow::Borrowed("METHOD_NOT_ALLOWED")),
            pointer: None,
            retry_after: None,
            others: Box::default(),
        }
    }

    /// 401 with Keygen's `code` (`LICENSE_INVALID`).
    pub fn unauthorized(code: &'static str, detail: &str) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            title: "Unauthorized",
            detail: detail.into(),
            code: Some(code.into()),
            pointer: None,
            retry_after: None,
            others: Box::default(),
        }
    }

    /// 403 with Keygen's `code` (`LICENSE_BANNED`, ...).
    pub fn forbidden(code: &'static str, detail: &str) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            title: "Access denied",
            detail: detail.into(),
            code: Some(code.into()),
            pointer: None,
            retry_after: None,
            others: Box::default(),
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
            others: Box::default(),
        }
    }

    /// 422 with Keygen's `code`, about the member of the request document
    /// at `pointer`.
    pub fn unprocessable(
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
        pointer: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            title: "Unprocessable resource",
            detail: detail.into(),
            code: Some(code.into()),
            pointer: Some(pointer.into()),
            retry_after: None,
            others: Box::default(),
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
            code: Some(Cow::Borrowed("TOO_MANY_REQUESTS")),
            pointer: None,
            retry_after: Some(u32::try_from(retry_after).unwrap_or(u32::MAX)),
            others: Box::default(),
        }
    }

    /// 413: the body is over [`MAX_BODY_BYTES`].
    pub fn payload_too_large() -> Self {
        Self {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            title: "Payload too large",
            detail: format!("The request body is larger than {MAX_BODY_BYTES} bytes"),
            code: Some(Cow::Borrowed("PAYLOAD_TOO_LARGE")),
            pointer: None,
            retry_after: None,
            others: Box::default(),
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
            others: Box::default(),
        }
    }

    /// 403 without a code: the token may not do this (Keygen's answer
    /// to a token whose role lacks the permission).
    pub fn access_denied(detail: impl Into<String>) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            title: "Access denied",
            detail: detail.into(),
            code: None,
            pointer: None,
            retry_after: None,
            others: Box::default(),
        }
    }

    /// 400 about the member of the request document at `pointer`, with
    /// Keygen's `code` (`PARAMETER_UNPERMITTED`, `PARAMETER_MISSING`,
    /// `PARAMETER_TYPE_MISMATCH`).
    pub fn bad_parameter(code: &'static str, detail: impl Into<String>, pointer: impl Into<String>) -> Self {
        Self { code: Some(Cow::Borrowed(code)), pointer: Some(Cow::Owned(pointer.into())), ..Self::bad_request(detail) }
    }

    /// This error followed by `others` in one answer.
    pub fn with_others(mut self, others: Vec<ApiError>) -> Self {
        self.others = others.into_boxed_slice();
        self
    }

    fn object(&self) -> Value {
        let mut error = json!({ "title": self.title, "detail": self.detail });
        if let Some(code) = &self.code {
            error["code"] = json!(code);
        }
        if let Some(pointer) = &self.pointer {
            error["source"] = json!({ "pointer": pointer });
        }
        error
    }

    /// The error as Keygen's document.
    pub(super) fn document(&self) -> Value {
        let errors: Vec<Value> = std::iter::once(self).chain(self.others.iter()).map(ApiError::object).collect();
        json!({ "errors": errors })
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

/// A refusal of the shared rules (`app::server`) in Keygen's words: a
/// field error becomes a 422 whose `source.pointer` names the attribute
/// of the request document (`attributes` maps a field to its Keygen name,
/// `owner_email` to `ownerEmail`) and whose code is the attribute's in
/// Keygen's style (`NAME_INVALID`, `KEY_TAKEN`...).
impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        let detail = err.to_string();
        match err {
            AppError::NotFound => Self::not_found("The requested resource was not found"),
            AppError::Forbidden | AppError::Unauthenticated | AppError::InvalidCredentials => Self::access_denied(
                "You do not have permission to complete the request (ensure the token is allowed to access this resource)",
            ),
            AppError::Suspended => {
                Self { code: Some(Cow::Borrowed("ACCOUNT_SUSPENDED")), ..Self::access_denied(detail) }
            }
            AppError::Validation(errors) => {
                let mut all: Vec<ApiError> = errors
                    .fields
                    .iter()
                    .map(|(field, message)| {
                        let (pointer, code) = field_source(field, message);
                        Self::unprocessable(code, message.to_owned(), pointer)
                    })
                    .collect();
                if all.is_empty() {
                    return Self::unprocessable("INVALID", detail, "/data");
                }
                let first = all.remove(0);
                first.with_others(all)
            }
            AppError::Conflict(message) => Self::unprocessable("CONFLICT", message, "/data"),
            AppError::LimitReached { .. } => Self::unprocessable("LIMIT_REACHED", detail, "/data"),
            AppError::RateLimited { retry_after_secs } => Self::too_many_requests(retry_after_secs),
            AppError::TooLarge(_) => Self::payload_too_large(),
            AppError::Request(message) => Self::bad_request(message),
            AppError::Internal(reference) => Self::internal(format!("reference {reference}")),
        }
    }
}

/// The JSON:API pointer and Keygen-style code of a field error on
/// `field` (snake case, as the shared rules name fields).
fn field_source(field: &str, message: &str) -> (String, String) {
    let camel = camel_case(field);
    let relationship = matches!(field, "policy" | "entitlements" | "license" | "product");
    let pointer =
        if relationship { format!("/data/relationships/{camel}") } else { format!("/data/attributes/{camel}") };
    let kind = if message.contains("already in use") || message.contains("already exists") {
        "TAKEN"
    } else if relationship {
        "NOT_FOUND"
    } else {
        "INVALID"
    };
    (pointer, format!("{}_{kind}", field.to_ascii_uppercase()))
}

/// `owner_email` as `ownerEmail`.
fn camel_case(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut upper = false;
    for c in field.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
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
            // A token's refusal challenges for a bearer token (RFC 6750),
            // a license key's for a license key.
            let challenge = if self.code.as_deref().is_some_and(|code| code.starts_with("TOKEN_")) {
                "Bearer realm=\"keygen\", error=\"invalid_token\""
            } else {
                "License realm=\"keygen\""
            };
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        response
    }
}
