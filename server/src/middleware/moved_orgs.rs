//! Old organization addresses: after an organization changes its slug,
//! `/o/{old}/...` still leads its members to `/o/{new}/...`.
//!
//! The lookup runs only when the page answered 404 (no organization has
//! the slug now, or the person is not in it), so live addresses cost
//! nothing, and only for members of the moved organization: anyone else
//! gets the 404, with no hint of where it went.

use app::{
    model::OrgSlug,
    server::{AppState, ctx, db::orgs},
};
use axum::{
    extract::{Request, State},
    http::{Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::Session;

pub async fn redirect_moved_organizations(
    State(state): State<AppState>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    let moved = match (request.method(), request.uri().path().strip_prefix("/o/")) {
        (&Method::GET | &Method::HEAD, Some(rest)) => {
            let (slug, tail) = rest.split_once('/').map_or((rest, ""), |(slug, tail)| (slug, tail));
            let query = request.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
            OrgSlug::parse(slug).ok().map(|slug| (slug, tail.to_owned(), query))
        }
        _ => None,
    };
    let response = next.run(request).await;
    let Some((slug, tail, query)) = moved else { return response };
    if response.status() != StatusCode::NOT_FOUND {
        return response;
    }
    // Through the session's row, like every read of the signed-in user: a
    // revoked session learns nothing.
    let Ok(Some(user)) = ctx::signed_in_user(&state, &session).await else {
        return response;
    };
    let user = user.id;
    match orgs::find_redirect(&state.db, user, &slug).await {
        Ok(Some(current)) => {
            let tail = if tail.is_empty() { String::new() } else { format!("/{tail}") };
            Redirect::temporary(&format!("/o/{current}{tail}{query}")).into_response()
        }
        Ok(None) => response,
        Err(err) => {
            tracing::error!(error = %err, "reading an organization's old slug failed");
            response
        }
    }
}
