//! Keeps what a form posted without JavaScript across its error redirect.
//!
//! A plain form post to a server function that fails is answered by Leptos
//! with a redirect back to the form's page, the error in the query
//! (`__path`, `__err`). This layer stores the posted fields ([`FormDraft`],
//! passwords left out) in the session when that happens, and when the
//! browser follows the redirect it moves them from the session into that
//! page's request, where the form reads them to refill its inputs. A draft
//! serves one page: it is removed as it is taken.

use app::model::draft::FormDraft;
use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tower_sessions::Session;

/// The session key of the pending draft.
const DRAFT_KEY: &str = "form_draft";

/// The largest plain form post accepted. The largest form (a task: a
/// 2,000-character description, percent-encoded) is far below it.
const MAX_FORM_BODY: usize = 64 * 1024;

pub async fn keep_form_drafts(session: Session, mut request: Request, next: Next) -> Response {
    if request.method() == Method::POST
        && request.uri().path().starts_with("/api/")
        && is_plain_form_post(request.headers())
    {
        let path = request.uri().path().to_owned();
        let (parts, body) = request.into_parts();
        let Ok(body) = to_bytes(body, MAX_FORM_BODY).await else {
            return (StatusCode::PAYLOAD_TOO_LARGE, "This form is too large to send.").into_response();
        };
        let response = next.run(Request::from_parts(parts, Body::from(body.clone()))).await;
        if redirects_with_error(response.headers()) {
            let draft = FormDraft::from_form(&path, &body);
            if let Err(err) = session.insert(DRAFT_KEY, draft).await {
                tracing::warn!(error = %err, "could not keep the form's draft");
            }
        }
        return response;
    }
    if request.method() == Method::GET && request.uri().query().is_some_and(|q| q.contains("__err=")) {
        match session.remove::<FormDraft>(DRAFT_KEY).await {
            Ok(Some(draft)) => {
                request.extensions_mut().insert(draft);
            }
            Ok(None) => {}
            Err(err) => tracing::warn!(error = %err, "could not read the form's draft"),
        }
    }
    next.run(request).await
}

/// A browser's own form submission: it accepts HTML (the hydrated app asks
/// for JSON) and sends the form URL-encoded.
fn is_plain_form_post(headers: &HeaderMap) -> bool {
    let has = |name, needle| headers.get(name).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains(needle));
    has(header::ACCEPT, "text/html") && has(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
}

/// Leptos' answer to a failed plain post: a redirect whose `Location`
/// carries the error.
fn redirects_with_error(headers: &HeaderMap) -> bool {
    headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).is_some_and(|location| location.contains("__err="))
}
