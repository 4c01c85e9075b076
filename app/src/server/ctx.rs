//! Request context for server functions: the app state, the signed-in
//! user, and `OrgCtx`, the only key to tenant-scoped repositories.

use http::request::Parts;
use leptos::prelude::use_context;
use tower_sessions::Session;

use crate::{
    error::AppError,
    model::{OrgId, OrgSlug, OrgSummary, Role, UserId, permission::Action},
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

/// Proof that a user is a member of an organization, whatever the role:
/// the reader's capability. Only [`OrgCtx::load`] makes one, after reading
/// the membership, so a tenant-scoped repository function cannot be called
/// unchecked: every such function takes an `&OrgCtx` (or a stronger handle
/// that derefs to one) and filters on [`OrgCtx::org_id`].
///
/// The stronger handles, [`Writer`], [`Admin`] and [`Owner`], come only
/// from [`OrgCtx::writer`], [`OrgCtx::admin`] and [`OrgCtx::owner`], which
/// consult the permission matrix (`model::permission`). Repository
/// functions that change data take the handle they need, so a server
/// function that forgot its role check does not compile (the pattern of
/// lldap's permission-checked backend handlers).
#[derive(Debug, Clone)]
pub struct OrgCtx {
    org: OrgSummary,
    user_id: UserId,
}

impl OrgCtx {
    /// The membership of `user` in the organization `slug`.
    ///
    /// Errors: `NotFound` when the slug is malformed, no such organization
    /// exists, or the user is not a member (all three alike: nothing leaks
    /// across tenants).
    pub async fn load(db: &Db, user_id: UserId, slug: &str) -> Result<Self, AppError> {
        let slug = OrgSlug::parse(slug).map_err(|_| AppError::NotFound)?;
        let org = orgs::find_membership(db, user_id, &slug).await?.ok_or(AppError::NotFound)?;
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

    /// Whether the member's role may do `action`.
    pub fn can(&self, action: Action) -> bool {
        self.org.role.can(action)
    }

    /// `Forbidden` unless the member's role may do `action`: for reads that
    /// some roles may not make (Guests and member emails).
    pub fn check(&self, action: Action) -> Result<(), AppError> {
        if self.can(action) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    fn grant(&self, action: Action, level: Role) -> Result<(), AppError> {
        if self.can(action) && self.org.role.at_least(level) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    /// The writer's capability for `action` (Members and above whom the
    /// matrix allows it), or `Forbidden`.
    pub fn writer(&self, action: Action) -> Result<Writer, AppError> {
        self.grant(action, Role::Member)?;
        Ok(Writer(self.clone()))
    }

    /// The admin's capability for `action` (Admins and Owners whom the
    /// matrix allows it), or `Forbidden`.
    pub fn admin(&self, action: Action) -> Result<Admin, AppError> {
        self.grant(action, Role::Admin)?;
        Ok(Admin(Writer(self.clone())))
    }

    /// The owner's capability for `action`, or `Forbidden`.
    pub fn owner(&self, action: Action) -> Result<Owner, AppError> {
        self.grant(action, Role::Owner)?;
        Ok(Owner(Admin(Writer(self.clone()))))
    }
}

/// Proof that the member may change the organization's work (Member or
/// above). Derefs to the [`OrgCtx`] it was granted from.
#[derive(Debug, Clone)]
pub struct Writer(OrgCtx);

/// Proof of an Admin or Owner. Derefs to [`Writer`], so it serves wherever
/// a writer does.
#[derive(Debug, Clone)]
pub struct Admin(Writer);

/// Proof of an Owner. Derefs to [`Admin`].
#[derive(Debug, Clone)]
pub struct Owner(Admin);

impl std::ops::Deref for Writer {
    type Target = OrgCtx;
    fn deref(&self) -> &OrgCtx {
        &self.0
    }
}

impl std::ops::Deref for Admin {
    type Target = Writer;
    fn deref(&self) -> &Writer {
        &self.0
    }
}

impl std::ops::Deref for Owner {
    type Target = Admin;
    fn deref(&self) -> &Admin {
        &self.0
    }
}

/// What a server function acting in an organization works with: the app
/// state, the session, the signed-in user and their membership.
pub struct OrgRequest {
    pub state: AppState,
    pub session: Session,
    pub user: UserRow,
    /// The member's reader capability; ask it for stronger ones.
    pub org: OrgCtx,
}

impl OrgRequest {
    /// The database.
    pub fn db(&self) -> &Db {
        &self.state.db
    }
}

/// For server functions: the signed-in user's membership in organization
/// `slug` (`Unauthenticated` when signed out, `NotFound` when there is no
/// such organization or they are not a member).
pub async fn org_request(slug: &str) -> Result<OrgRequest, AppError> {
    let (state, session, user) = require_user().await?;
    let org = OrgCtx::load(&state.db, user.id, slug).await?;
    Ok(OrgRequest { state, session, user, org })
}
