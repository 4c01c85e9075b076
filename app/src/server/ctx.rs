//! Request context for server functions: the app state, the signed-in
//! user, and `OrgCtx`, the only key to tenant-scoped repositories.

use http::request::Parts;
use leptos::prelude::use_context;
use tower_sessions::Session;

use crate::{
    error::AppError,
    model::{OrgId, OrgSlug, OrgSummary, Role, UserId},
    server::{
        AppState,
        auth::{client_ip::client_ip, session},
        db::{
            Db, orgs,
            users::{self, UserRow},
        },
    },
};

/// The shared state, provided to every server function and page render.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::internal("AppState missing from the Leptos context"))
}

/// The request's parts (headers, extensions).
pub fn request_parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| AppError::internal("request Parts missing from the Leptos context"))
}

/// The client IP of this request (see `auth::client_ip`).
pub fn request_ip(state: &AppState) -> Result<Option<std::net::IpAddr>, AppError> {
    Ok(client_ip(&request_parts()?, state.config.trust_proxy_headers))
}

/// The request's session (from the tower-sessions layer).
pub async fn request_session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(AppError::internal)
}

/// The signed-in user's row, or `None` when signed out. A session whose
/// account no longer exists is ended.
pub async fn signed_in_user(state: &AppState, session: &Session) -> Result<Option<UserRow>, AppError> {
    let Some(user_id) = session::signed_in_user(session, &state.config).await? else {
        return Ok(None);
    };
    match users::find_by_id(&state.db, user_id).await? {
        Some(user) => Ok(Some(user)),
        None => {
            session::sign_out(session).await?;
            Ok(None)
        }
    }
}

/// The signed-in user, or `Unauthenticated`.
pub async fn require_user() -> Result<(AppState, Session, UserRow), AppError> {
    let state = app_state()?;
    let session = request_session().await?;
    let user = signed_in_user(&state, &session).await?.ok_or(AppError::Unauthenticated)?;
    Ok((state, session, user))
}

/// Proof that a user is a member of an organization with at least some
/// role. Only [`OrgCtx::load`] makes one, after reading the membership, so
/// a tenant-scoped repository function cannot be called unchecked: every
/// such function takes an `&OrgCtx` and filters on [`OrgCtx::org_id`].
#[derive(Debug, Clone)]
pub struct OrgCtx {
    org: OrgSummary,
    user_id: UserId,
}

impl OrgCtx {
    /// The membership of `user` in the organization `slug`, if its role is
    /// at least `min_role`.
    ///
    /// Errors: `NotFound` when the slug is malformed, no such organization
    /// exists, or the user is not a member (all three alike: nothing leaks
    /// across tenants); `Forbidden` when the role is too low.
    pub async fn load(db: &Db, user_id: UserId, slug: &str, min_role: Role) -> Result<Self, AppError> {
        let slug = OrgSlug::parse(slug).map_err(|_| AppError::NotFound)?;
        let org = orgs::find_membership(db, user_id, &slug).await?.ok_or(AppError::NotFound)?;
        if !org.role.at_least(min_role) {
            return Err(AppError::Forbidden);
        }
        Ok(Self { org, user_id })
    }

    pub fn org_id(&self) -> OrgId {
        self.org.id
    }

    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    pub fn role(&self) -> Role {
        self.org.role
    }

    /// The organization with the member's role.
    pub fn org(&self) -> &OrgSummary {
        &self.org
    }

    /// `Forbidden` unless the member's role is at least `role`.
    pub fn require(&self, role: Role) -> Result<(), AppError> {
        if self.org.role.at_least(role) { Ok(()) } else { Err(AppError::Forbidden) }
    }
}

/// For server functions: the signed-in user's context in organization
/// `slug` with at least `min_role` (`Unauthenticated`, `NotFound`,
/// `Forbidden` otherwise).
pub async fn org_ctx(slug: &str, min_role: Role) -> Result<(AppState, Session, UserRow, OrgCtx), AppError> {
    let (state, session, user) = require_user().await?;
    let ctx = OrgCtx::load(&state.db, user.id, slug, min_role).await?;
    Ok((state, session, user, ctx))
}
