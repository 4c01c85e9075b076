//! Entity tags and conditional updates (RFC 9110 sections 8.8.3 and
//! 13.1.1): every resource answer carries the `ETag` of its
//! representation, and an update sent with `If-Match` is made only while
//! the resource still has one of the tags given.

use axum::{
    Json,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::problem::ApiError;

/// The strong entity tag of `resource`'s JSON: the first 128 bits of its
/// SHA-256, in hex, quoted.
pub fn etag<T: Serialize>(resource: &T) -> String {
    let json = serde_json::to_vec(resource).unwrap_or_default();
    let digest = Sha256::digest(&json);
    let hex: String = digest.iter().take(16).map(|byte| format!("{byte:02x}")).collect();
    format!("\"{hex}\"")
}

/// `resource` as JSON with `status` and its `ETag`.
pub fn resource<T: Serialize>(status: StatusCode, resource: &T) -> Response {
    let tag = etag(resource);
    let mut response = (status, Json(resource)).into_response();
    if let Ok(value) = HeaderValue::from_str(&tag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// `resource`, just created, as JSON with 201, its `ETag`, and its
/// address under the API in `Location` (`/api/v1{path}`).
pub fn created<T: Serialize>(resource_value: &T, path: &str) -> Response {
    let mut response = resource(StatusCode::CREATED, resource_value);
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1{path}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// What an `If-Match` header asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// `*`: any current representation.
    Any,
    /// One of these strong tags (quoted, as sent).
    Tags(Vec<String>),
}

impl IfMatch {
    /// The request's `If-Match`, if it has one. Weak tags (`W/"..."`)
    /// never match (strong comparison, RFC 9110 section 13.1.1).
    ///
    /// Errors: 400 for a header that is not a list of entity tags.
    pub fn from_headers(headers: &HeaderMap) -> Result<Option<IfMatch>, ApiError> {
        let mut tags = Vec::new();
        let mut any = false;
        for value in headers.get_all(header::IF_MATCH) {
            let text = value.to_str().map_err(|_| malformed())?;
            for item in text.split(',').map(str::trim).filter(|item| !item.is_empty()) {
                if item == "*" {
                    any = true;
                } else if item.len() >= 2 && item.starts_with('"') && item.ends_with('"')
                    || item.starts_with("W/\"") && item.ends_with('"')
                {
                    tags.push(item.to_owned());
                } else {
                    return Err(malformed());
                }
            }
        }
        Ok(match (any, tags.is_empty()) {
            (true, _) => Some(IfMatch::Any),
            (false, false) => Some(IfMatch::Tags(tags)),
            (false, true) => None,
        })
    }

    /// `Ok` when `current` (the resource's tag now) satisfies this
    /// condition; 412 otherwise.
    pub fn check(&self, current: &str) -> Result<(), ApiError> {
        match self {
            IfMatch::Any => Ok(()),
            IfMatch::Tags(tags) if tags.iter().any(|tag| tag == current) => Ok(()),
            IfMatch::Tags(_) => Err(ApiError::PreconditionFailed),
        }
    }
}

/// Checks `condition` (the request's `If-Match`, if any) against
/// `current`'s tag, and gives back what an update must find unchanged:
/// `current` when the request is conditional, nothing otherwise.
///
/// Errors: 412 when `current` no longer has a tag the request names.
pub fn checked<'a, T: Serialize>(condition: Option<&IfMatch>, current: &'a T) -> Result<Option<&'a T>, ApiError> {
    let Some(condition) = condition else { return Ok(None) };
    condition.check(&etag(current))?;
    Ok(Some(current))
}

/// A conditional update's `Conflict` (the resource changed between the
/// check and the write) as 412; other errors as themselves. Only for
/// updates given a `seen` resource by [`checked`]: their rules answer
/// `Conflict` for exactly that.
pub fn stale(err: app::error::AppError) -> ApiError {
    match err {
        app::error::AppError::Conflict(detail) if detail.contains("meanwhile") => ApiError::PreconditionFailed,
        other => other.into(),
    }
}

fn malformed() -> ApiError {
    ApiError::BadRequest {
        field: "If-Match",
        detail: "If-Match is `*` or a list of entity tags, each in double quotes, as ETag gave them.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_MATCH, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn if_match_takes_star_or_strong_tags_and_refuses_junk() {
        assert_eq!(IfMatch::from_headers(&HeaderMap::new()).unwrap(), None);
        assert_eq!(IfMatch::from_headers(&headers("*")).unwrap(), Some(IfMatch::Any));
        let tags = IfMatch::from_headers(&headers("\"a\", \"b\"")).unwrap().unwrap();
        assert!(tags.check("\"b\"").is_ok());
        assert!(matches!(tags.check("\"c\""), Err(ApiError::PreconditionFailed)));
        let weak = IfMatch::from_headers(&headers("W/\"a\"")).unwrap().unwrap();
        assert!(weak.check("\"a\"").is_err(), "a weak tag never matches");
        assert!(IfMatch::from_headers(&headers("a")).is_err());
    }

    #[test]
    fn the_tag_follows_the_representation() {
        assert_eq!(etag(&serde_json::json!({"a": 1})), etag(&serde_json::json!({"a": 1})));
        assert_ne!(etag(&serde_json::json!({"a": 1})), etag(&serde_json::json!({"a": 2})));
    }
}
