//! Who is calling a plain route (files, exports, event streams: the routes
//! that are not server functions), as axum extractors: what `org_request`
//! (`app::server::ctx`) is to server functions, these are to handlers.
//!
//! A handler that takes an [`OrgMember`] runs only for a signed-in member
//! of the organization its `{org}` path segment names; it asks the
//! member's [`OrgCtx`] for the role it needs (`check`, `writer`, `admin`).
//! Routes outside an organization take a [`SignedIn`].

use std::collections::HashMap;

use app::{
    error::AppError,
    server::{
        AppState,
        ctx::{OrgCtx, signed_in_user},
        db::users::UserRow,
    },
};
use axum::{
    extract::{FromRef, FromRequestParts, Path},
    http::request::Parts,
    response::{IntoResponse, Response},
};
use tower_sessions::Session;

use crate::problem::problem;

/// Why an extractor of this module refused a request.
pub enum Rejection {
    /// The request was refused on the app's terms, answered as an RFC 7807
    /// problem ([`problem`]): `Unauthenticated` (401) signed out,
    /// `NotFound` (404) not a member, a database error (500).
    App(AppError),
    /// The request lacks what the router should have given it (the
    /// session layer's session, the path's parameters): the answer of
    /// that extractor, as axum gives it.
    Http(Response),
}

impl Rejection {
    /// The app's error, when the refusal is one.
    pub fn app_error(&self) -> Option<&AppError> {
        match self {
            Rejection::App(err) => Some(err),
            Rejection::Http(_) => None,
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        match self {
            Rejection::App(err) => problem(&err),
            Rejection::Http(response) => response,
        }
    }
}

impl From<AppError> for Rejection {
    fn from(err: AppError) -> Self {
        Rejection::App(err)
    }
}

/// The signed-in person: the app state, the request's session and the
/// person's user row.
///
/// Extraction reads the session (the session layer must wrap the route)
/// and the user row, ending a session whose account or row is gone.
///
/// Rejections: `Unauthenticated` (401 problem) when signed out; a
/// database error (500 problem).
pub struct SignedIn {
    /// The shared state.
    pub state: AppState,
    /// The request's session.
    pub session: Session,
    /// The signed-in person's row.
    pub user: UserRow,
}

impl<S> FromRequestParts<S> for SignedIn
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let session = Session::from_request_parts(parts, &state)
            .await
            .map_err(|refused| Rejection::Http(refused.into_response()))?;
        let user = signed_in_user(&state, &session).await?.ok_or(AppError::Unauthenticated)?;
        Ok(Self { state, session, user })
    }
}

/// The signed-in member of the organization the route's `{org}` path
/// segment names (its slug): the app state, the session, the user row and
/// the member's [`OrgCtx`] (the reader's capability; ask it for a
/// stronger one).
///
/// Rejections, in this order: `Unauthenticated` (401 problem) when signed
/// out; `NotFound` (404 problem) when the slug is malformed, names no
/// organization, or one the person is not a member of (all alike, so
/// nothing leaks across tenants); a database error (500 problem). A route
/// without an `{org}` segment is a programming error (500).
pub struct OrgMember {
    /// The shared state.
    pub state: AppState,
    /// The request's session.
    pub session: Session,
    /// The signed-in member's row.
    pub user: UserRow,
    /// The membership: the reader's capability in the organization.
    pub org: OrgCtx,
    /// The `{org}` segment, as given.
    slug: String,
}

impl OrgMember {
    /// The member's context read afresh (session, user row, membership
    /// and role), for a response that outlives its request's checks (an
    /// event stream). Errors as extracting one.
    pub async fn recheck(&self) -> Result<OrgCtx, AppError> {
        let user = signed_in_user(&self.state, &self.session).await?.ok_or(AppError::Unauthenticated)?;
        OrgCtx::load(&self.state.db, user.id, &self.slug).await
    }
}

impl<S> FromRequestParts<S> for OrgMember
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|refused| Rejection::Http(refused.into_response()))?;
        let slug = params.get("org").cloned().ok_or_else(|| AppError::internal("the route has no {org} segment"))?;
        let SignedIn { state, session, user } = SignedIn::from_request_parts(parts, state).await?;
        let org = OrgCtx::load(&state.db, user.id, &slug).await?;
        Ok(Self { state, session, user, org, slug })
    }
}
