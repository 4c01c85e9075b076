//! `AppError`: the one error type that crosses server functions.
//!
//! Each variant names something the person in front of the screen can act on.
//! Internal causes never travel: the server logs them with a reference id and
//! sends only that id (see `AppError::internal`).

use std::collections::BTreeMap;

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// Per-field validation messages, keyed by the form field's `name`.
///
/// Serialized as `{"fields": {"email": "..."}}`; the keys are the same strings
/// as the server-function argument names, so a form can show each message next
/// to its input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors {
    pub fields: BTreeMap<String, String>,
}

impl FieldErrors {
    /// An empty set; add messages with [`FieldErrors::add`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `message` for `field`, keeping the first message if the field
    /// already has one (the first failed rule is the one worth reading).
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.fields.entry(field.to_owned()).or_insert_with(|| message.into());
    }

    /// A set holding one message.
    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    /// The message for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Collects the error of `result` under `field` and hands back its value,
    /// so a form can be parsed field by field and report every bad field at
    /// once instead of stopping at the first.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(err) => {
                self.add(field, err.to_string());
                None
            }
        }
    }

    /// `Ok(())` when empty, otherwise `Err(AppError::Validation(self))`.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() { Ok(()) } else { Err(AppError::Validation(self)) }
    }
}

/// The error of every server function.
///
/// HTTP status per variant (set by the server): `Unauthenticated` 401,
/// `InvalidCredentials` 401, `Forbidden`, `Suspended` and `LimitReached`
/// 403, `NotFound` 404, `Conflict` 409,
/// `Validation` 422, `RateLimited` 429 (with `Retry-After`), `Internal` 500,
/// `Request` 400 (a malformed call; 502/503-like transport failures are only
/// ever produced in the browser and never sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum AppError {
    /// No valid session: sign in first.
    #[error("Please sign in to continue.")]
    Unauthenticated,
    /// Email and password do not match an account. Deliberately the same for
    /// an unknown email and a wrong password (OWASP ASVS 5.0 V6.3.8: no account
    /// enumeration).
    #[error("Incorrect email or password.")]
    InvalidCredentials,
    /// Signed in, and a member, but the role is too low for this action.
    #[error("You do not have permission to do that.")]
    Forbidden,
    /// The thing does not exist, or belongs to another organization: both
    /// answer the same, so ids leak nothing across tenants.
    #[error("We could not find that.")]
    NotFound,
    /// One or more fields are invalid; messages are per field.
    #[error("Please correct the highlighted fields.")]
    Validation(FieldErrors),
    /// The request clashes with the current state (for example a stale edit).
    #[error("{0}")]
    Conflict(String),
    /// The organization is suspended by a platform admin: it can be read,
    /// nothing in it can be changed.
    #[error("This organization is suspended: nothing in it can be changed until a platform admin reactivates it.")]
    Suspended,
    /// The organization's plan allows no more of `resource` (`members`,
    /// `projects`, `licenses`).
    #[error(
        "Your organization's plan allows {limit} {}. Ask a platform admin for a higher limit.",
        if *.limit == 1 { .resource.trim_end_matches('s') } else { .resource.as_str() }
    )]
    LimitReached { resource: String, limit: u32 },
    /// An upload is larger than a limit allows (the message says which).
    #[error("{0}")]
    TooLarge(String),
    /// Too many attempts; retry after the given number of seconds.
    #[error("Too many attempts. Try again in {retry_after_secs} seconds.")]
    RateLimited { retry_after_secs: u64 },
    /// Something failed on the server. The string is a reference id that
    /// appears in the server log beside the cause.
    #[error("Something went wrong on our side (reference {0}).")]
    Internal(String),
    /// The call itself was malformed or could not be delivered (a missing
    /// argument, a network failure in the browser, an undecodable response).
    #[error("The request could not be completed: {0}")]
    Request(String),
}

impl AppError {
    /// A validation error for one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(FieldErrors::single(field, message))
    }

    /// The validation message for `field`, when this is a validation error
    /// that has one.
    pub fn field_message(&self, field: &str) -> Option<&str> {
        match self {
            AppError::Validation(errors) => errors.get(field),
            _ => None,
        }
    }

    /// The HTTP status code this error is sent with.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::InvalidCredentials => 401,
            AppError::Forbidden | AppError::Suspended | AppError::LimitReached { .. } => 403,
            AppError::NotFound => 404,
            AppError::Conflict(_) => 409,
            AppError::TooLarge(_) => 413,
            AppError::Validation(_) => 422,
            AppError::RateLimited { .. } => 429,
            AppError::Internal(_) => 500,
            AppError::Request(_) => 400,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Request(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Logs `cause` with a fresh reference id and returns `Internal(id)`.
    /// The cause stays in the log; the person sees only the reference.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
        tracing::error!(reference = %reference, error = %cause, "internal error");
        AppError::Internal(reference)
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        AppError::internal(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_keep_the_first_message_per_field() {
        let mut errors = FieldErrors::new();
        errors.add("email", "first");
        errors.add("email", "second");
        assert_eq!(errors.get("email"), Some("first"));
    }

    #[test]
    fn validation_errors_round_trip_through_json_with_their_fields() {
        let err = AppError::field("password", "too short");
        let json = serde_json::to_string(&err).unwrap();
        assert_eq!(json, r#"{"kind":"validation","detail":{"fields":{"password":"too short"}}}"#);
        let back: AppError = serde_json::from_str(&json).unwrap();
        assert_eq!(back.field_message("password"), Some("too short"));
    }

    #[test]
    fn every_variant_maps_to_its_http_status() {
        assert_eq!(AppError::Unauthenticated.status_code(), 401);
        assert_eq!(AppError::InvalidCredentials.status_code(), 401);
        assert_eq!(AppError::Forbidden.status_code(), 403);
        assert_eq!(AppError::Suspended.status_code(), 403);
        assert_eq!(AppError::LimitReached { resource: "projects".into(), limit: 3 }.status_code(), 403);
        let one = AppError::LimitReached { resource: "projects".into(), limit: 1 };
        assert_eq!(
            one.to_string(),
            "Your organization's plan allows 1 project. Ask a platform admin for a higher limit."
        );
        assert_eq!(AppError::NotFound.status_code(), 404);
        assert_eq!(AppError::Conflict("x".into()).status_code(), 409);
        assert_eq!(AppError::field("a", "b").status_code(), 422);
        assert_eq!(AppError::RateLimited { retry_after_secs: 3 }.status_code(), 429);
        assert_eq!(AppError::Internal("ref".into()).status_code(), 500);
        assert_eq!(AppError::Request("x".into()).status_code(), 400);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn internal_errors_send_a_reference_and_never_the_cause() {
        let err = AppError::internal("password authentication failed for user atrium at 10.0.0.5");
        let AppError::Internal(reference) = &err else { panic!("not internal: {err:?}") };
        assert_eq!(reference.len(), 12);
        let sent = serde_json::to_string(&err).unwrap();
        assert_eq!(sent, format!(r#"{{"kind":"internal","detail":"{reference}"}}"#));
        assert!(err.to_string().contains(reference.as_str()));
        assert!(!sent.contains("10.0.0.5") && !err.to_string().contains("password"));
    }
}
