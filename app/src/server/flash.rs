//! Flash messages: what a form did, for a browser without JavaScript.
//!
//! A server function posted by a plain form (its `Accept` names
//! `text/html`) answers with a redirect back to the page; the message it
//! leaves in the session is shown once on that page (`api::flash`). A
//! hydrated page shows a toast instead, so nothing is kept for it.

use http::{header, request::Parts};
use leptos::prelude::use_context;

use super::ctx;
use crate::error::AppError;

/// The session key of the pending message.
const KEY: &str = "flash";

/// Whether this request is a form posted without JavaScript.
fn from_plain_form() -> bool {
    use_context::<Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    })
}

/// Keeps `message` for the next page when this request is a plain form's.
pub async fn set(message: String) -> Result<(), AppError> {
    if !from_plain_form() {
        return Ok(());
    }
    let session = ctx::request_session().await?;
    session.insert(KEY, message).await.map_err(AppError::internal)
}

/// The pending message, removed from the session. Read first: a page
/// without one (nearly every page) does not write the session back.
pub async fn take() -> Result<Option<String>, AppError> {
    let session = ctx::request_session().await?;
    if session.get::<String>(KEY).await.map_err(AppError::internal)?.is_none() {
        return Ok(None);
    }
    session.remove::<String>(KEY).await.map_err(AppError::internal)
}
