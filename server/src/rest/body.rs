//! The REST API's inputs: a JSON body and query parameters, refused as
//! problems that name the field.

use app::error::{AppError, FieldErrors};
use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Query, Request},
    http::{StatusCode, header, request::Parts},
};
use serde::de::DeserializeOwned;

use super::problem::ApiError;

/// A JSON body of type `T` (whose unknown fields are refused, by
/// `#[serde(deny_unknown_fields)]` on `T`).
///
/// Rejections: 415 without `Content-Type: application/json`; 413 over
/// [`super::MAX_BODY_BYTES`]; 400 for text that is not JSON; 422 with the
/// field's path (`labels[2]`, `name`) and the reason for JSON of the
/// wrong shape (a missing field, a wrong type, an unknown field).
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<mime_type::Essence>().ok())
            .is_some_and(|essence| essence.is_json());
        if !json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge
            } else {
                ApiError::BadRequest { field: "body", detail: "The body could not be read.".into() }
            }
        })?;
        parse(&bytes).map(Json)
    }
}

/// `bytes` as a `T`, a JSON object; see [`Json`] for the errors.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Serde reads a struct from an array too (fields by position); the
    // API's bodies are objects, and an array is refused as one.
    if bytes.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::App(AppError::field("body", "Send a JSON object, not an array.")));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            ApiError::BadRequest { field: "body", detail: format!("The body is not valid JSON: {inner}.") }
        } else {
            let message = inner.to_string();
            let field = match (path.as_str(), missing_field(&message)) {
                // A missing field is reported at its parent: name it.
                (".", Some(missing)) => missing.to_owned(),
                (parent, Some(missing)) => format!("{parent}.{missing}"),
                (".", None) => "body".to_owned(),
                (_, None) => path,
            };
            ApiError::App(AppError::Validation(FieldErrors::single(&field, message)))
        }
    })?;
    deserializer.end().map_err(|err| ApiError::BadRequest {
        field: "body",
        detail: format!("The body has more after its JSON value: {err}."),
    })?;
    Ok(value)
}

/// The field serde names in "missing field `name` at line 1 column 9".
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// The query parameters as a `T` (unknown ones refused by
/// `#[serde(deny_unknown_fields)]` on `T`). Rejection: 422 naming the
/// parameter.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::try_from_uri(&parts.uri).map(|Query(value)| QueryParams(value)).map_err(|rejection| {
            ApiError::App(AppError::Validation(FieldErrors::single("query", rejection.body_text())))
        })
    }
}

/// A list's `offset` parameter: documented as a non-negative int32 (so
/// a larger number is refused as the document says), used as a `u32`.
///
/// Errors: 422 on `offset` for a negative number.
pub fn offset(value: Option<i32>) -> Result<u32, ApiError> {
    u32::try_from(value.unwrap_or(0)).map_err(|_| AppError::field("offset", "Skip zero or more items.").into())
}

/// Media types as far as the API needs them: `application/json` and
/// `application/<anything>+json`, parameters (`charset`) ignored.
mod mime_type {
    pub struct Essence(String);

    impl std::str::FromStr for Essence {
        type Err = ();
        fn from_str(value: &str) -> Result<Self, ()> {
            let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
            if essence.contains('/') { Ok(Essence(essence)) } else { Err(()) }
        }
    }

    impl Essence {
        pub fn is_json(&self) -> bool {
            self.0 == "application/json" || (self.0.starts_with("application/") && self.0.ends_with("+json"))
        }
    }
}
