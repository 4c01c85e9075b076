//! Server functions: thin. Session → `OrgCtx` → parse input → repository →
//! DTO. Each has a stable endpoint under `/api/` (the name given in
//! `#[server(endpoint = ...)]`), so tests and tools can call it directly.
//!
//! Calls from the hydrated app post URL-encoded arguments and read JSON; an
//! `ActionForm` without JavaScript posts the same form and is redirected
//! back (errors travel in the query string and show next to the fields).

pub mod args;
pub mod auth;
pub mod cycles;
pub mod draft;
pub mod labels;
pub mod orgs;
pub mod projects;
pub mod tasks;

/// Sets the response status (and `Retry-After`) from the error of a server
/// function. Plain HTML form posts are left alone: Leptos answers those
/// with a redirect back to the form, which a 4xx status would break.
#[cfg(feature = "ssr")]
pub(crate) fn reply<T>(result: Result<T, crate::error::AppError>) -> Result<T, crate::error::AppError> {
    use crate::error::AppError;
    use http::{HeaderValue, StatusCode, header};
    use leptos::prelude::use_context;

    if let Err(err) = &result {
        let plain_form_post = use_context::<http::request::Parts>()
            .and_then(|parts| parts.headers.get(header::ACCEPT)?.to_str().ok().map(|a| a.contains("text/html")))
            .unwrap_or(false);
        if let (false, Some(response)) = (plain_form_post, use_context::<leptos_axum::ResponseOptions>()) {
            response.set_status(StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
            if let AppError::RateLimited { retry_after_secs } = err {
                response.insert_header(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
        }
    }
    result
}
