//! Request context for server functions: the app state, the signed-in
//! user, and their role handles (`server::handles`), read from the
//! database: the only way to the handles that open tenant-scoped
//! repositories.
//!
//! A page render runs several server functions (the layout's, the page's,
//! each list's); a [`RequestMemo`] in the request lets them read the
//! signed-in user and their membership once per request, not once each.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use tokio::sync::OnceCell;

use http::request::Parts;
use leptos::prelude::use_context;
use tower_sessions::Session;

use crate::{
    error::AppError,
    model::{AuditAction, OrgId, OrgSlug, OrgSummary, Project, ProjectId, SavedView, SessionId, UserId},
    server::{
        AppState,
        actor::Actor,
        auth::{
            client_ip::client_ip,
            session::{self, SignedIn},
        },
        db::{
            Db, audit,
            events::NewEvent,
            orgs, projects,
            users::{self, UserRow},
            views as db_views,
        },
        handles,
    },
};

pub use handles::{Admin, AuditViewer, LicenseViewer, OrgCtx, Owner, PlatformAdmin, Writer};

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

/// What this request has already read about who is calling: the user with
/// their membership, per organization slug, and the projects read by id.
/// The server puts one in every request's extensions; it lives as long as
/// the request, so nothing it holds is older than the request itself.
///
/// The server functions of one page render run at the same time; each
/// entry is a single-flight cell, so the first to ask reads the database
/// and the others wait for its answer instead of asking again.
#[derive(Debug, Default)]
pub struct RequestMemo {
    members: Mutex<HashMap<String, Arc<MemberCell>>>,
    projects: Mutex<HashMap<(OrgId, ProjectId), Arc<ProjectCell>>>,
    views: Mutex<HashMap<(OrgId, UserId, ProjectId), Arc<ViewsCell>>>,
}

/// The user and their membership in one organization, once read.
type MemberCell = OnceCell<Option<(UserRow, Option<OrgSummary>)>>;
/// A project, once read.
type ProjectCell = OnceCell<Option<Project>>;
/// The saved views a member sees on a project, once read.
type ViewsCell = OnceCell<Vec<SavedView>>;

impl RequestMemo {
    fn member_cell(&self, slug: &str) -> Arc<MemberCell> {
        let mut members = self.members.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        members.entry(slug.to_owned()).or_default().clone()
    }

    fn project_cell(&self, org: OrgId, id: ProjectId) -> Arc<ProjectCell> {
        let mut projects = self.projects.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        projects.entry((org, id)).or_default().clone()
    }

    fn views_cell(&self, org: OrgId, user: UserId, project: ProjectId) -> Arc<ViewsCell> {
        let mut views = self.views.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        views.entry((org, user, project)).or_default().clone()
    }
}

/// This request's memo, if the server gave it one (renders outside a
/// request have none and read everything afresh).
fn memo() -> Option<Arc<RequestMemo>> {
    use_context::<Parts>()?.extensions.get::<Arc<RequestMemo>>().cloned()
}

/// Signs `user` in on this request's `session` (see `session::sign_in`),
/// and gives the browser their colour scheme (`server::theme`), so a
/// cookie left by someone else on this browser does not outlive them.
pub async fn sign_in(state: &AppState, session: &Session, user: &UserRow) -> Result<SessionId, AppError> {
    let signed_in = session::sign_in(session, &state.db, &state.config, user.id, &request_origin(state)?).await?;
    super::theme::remember(state, user.theme);
    Ok(signed_in)
}

/// The signed-in session and the user's row, or `None` when signed out.
/// A session whose account no longer exists, or whose row was deleted
/// (revoked), is ended.
pub async fn signed_in(state: &AppState, session: &Session) -> Result<Option<(SignedIn, UserRow)>, AppError> {
    let Some(signed_in) = session::signed_in_user(session, &state.db, &state.config).await? else {
        return Ok(None);
    };
    match users::find_signed_in(&state.db, signed_in.user_id, signed_in.session_id).await? {
        Some(user) => Ok(Some((signed_in, user))),
        None => {
            session::sign_out(session, &state.db).await?;
            Ok(None)
        }
    }
}

/// The signed-in user's row, or `None` when signed out (see [`signed_in`]).
pub async fn signed_in_user(state: &AppState, session: &Session) -> Result<Option<UserRow>, AppError> {
    Ok(signed_in(state, session).await?.map(|(_, user)| user))
}

/// The project `id` of the context's organization, in any state, read once
/// per request (see [`RequestMemo`]); `None` when there is no such project.
pub async fn project(db: &Db, ctx: &OrgCtx, id: ProjectId) -> Result<Option<Project>, AppError> {
    let Some(memo) = memo() else { return Ok(projects::find(db, ctx, id).await?) };
    let cell = memo.project_cell(ctx.org_id(), id);
    Ok(cell.get_or_try_init(|| projects::find(db, ctx, id)).await?.clone())
}

/// The saved views the member of `ctx` sees on `project`, read once per
/// request (see [`RequestMemo`]): a page render whose views list runs
/// again (its resource re-run as the page's state settles) reads them
/// once.
pub async fn views(db: &Db, ctx: &OrgCtx, project: ProjectId) -> Result<Vec<SavedView>, AppError> {
    let Some(memo) = memo() else { return Ok(db_views::list(db, ctx, project).await?) };
    let cell = memo.views_cell(ctx.org_id(), ctx.user_id(), project);
    Ok(cell.get_or_try_init(|| db_views::list(db, ctx, project)).await?.clone())
}

/// The signed-in user, or `Unauthenticated`.
pub async fn require_user() -> Result<(AppState, Session, UserRow), AppError> {
    let state = app_state()?;
    let session = request_session().await?;
    let user = signed_in_user(&state, &session).await?.ok_or(AppError::Unauthenticated)?;
    Ok((state, session, user))
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
        Ok(Self::member(org, user_id))
    }

    /// The membership of `user` in the organization `org`, for a job
    /// working on their behalf: `NotFound` once they have left it (or it is
    /// deleted), so a job cannot outlive the person's rights.
    pub async fn load_by_id(db: &Db, user_id: UserId, org: OrgId) -> Result<Self, AppError> {
        let org = orgs::find_membership_by_id(db, user_id, org).await?.ok_or(AppError::NotFound)?;
        Ok(Self::member(org, user_id))
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

    /// The signed-in member as the audit log records them: their account,
    /// and this request's address and user agent.
    pub fn actor(&self) -> Result<Actor, AppError> {
        Ok(Actor {
            user: self.user.id,
            email: self.user.email.clone(),
            origin: request_origin(&self.state)?,
            token: None,
        })
    }

    /// The audited event of `action` in the organization: by the signed-in
    /// member, from this request's address and user agent, done to
    /// `target` (a kind and an id), with `details` (a JSON object), for
    /// the repository to record with the change, in its transaction.
    pub fn event(
        &self,
        action: AuditAction,
        target: (&'static str, String),
        details: serde_json::Value,
    ) -> Result<NewEvent, AppError> {
        Ok(self.actor()?.event(self.org.org_id(), action, target, details))
    }
}

/// Records `action` of a person outside an organization's pages (signing
/// in or out, changing their account) in the audit log, from this
/// request's origin, in a statement of its own: `actor` is the account
/// when one is known, `email` the address it had or was tried; `org` the
/// organization concerned, if any. A change to an organization (signing
/// up or creating one included) records its event in its own transaction
/// instead (`db::events`).
pub async fn audit_person(
    state: &AppState,
    action: AuditAction,
    org: Option<OrgId>,
    actor: Option<UserId>,
    email: &str,
    details: serde_json::Value,
) -> Result<(), AppError> {
    let origin = request_origin(state)?;
    let target = match (org, actor) {
        (Some(org), _) => Some(("organization", org.to_string())),
        (None, Some(user)) => Some(("user", user.to_string())),
        (None, None) => None,
    };
    let event = audit::NewEvent { action, org, actor, actor_email: Some(email), target, origin: &origin, details };
    Ok(audit::record(&state.db, event).await?)
}

/// This request's client address and user agent, for the audit log.
pub fn request_origin(state: &AppState) -> Result<audit::Origin, AppError> {
    let parts = request_parts()?;
    let ip = client_ip(&parts, state.config.trust_proxy_headers).map(|ip| ip.to_string());
    let user_agent =
        parts.headers.get(http::header::USER_AGENT).and_then(|value| value.to_str().ok()).map(str::to_owned);
    Ok(audit::Origin { ip, user_agent })
}

impl PlatformAdmin {
    /// The proof for the account `user_id`, read afresh: `NotFound` unless
    /// it exists and is a platform admin (the same answer the admin area
    /// gives everyone else).
    pub async fn load(db: &Db, user_id: UserId) -> Result<Self, AppError> {
        let user = users::find_by_id(db, user_id).await?.ok_or(AppError::NotFound)?;
        PlatformAdmin::of(user.id, user.is_platform_admin).ok_or(AppError::NotFound)
    }
}

/// What a platform admin's server function works with.
pub struct PlatformRequest {
    pub state: AppState,
    pub user: UserRow,
    pub admin: PlatformAdmin,
}

impl PlatformRequest {
    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// The audited event of `action` done by the platform admin to the
    /// organization `org` (which sees it in its own log too), from this
    /// request's address and user agent, for the repository to record
    /// with the change, in its transaction.
    pub fn event(&self, action: AuditAction, org: OrgId, details: serde_json::Value) -> Result<NewEvent, AppError> {
        let origin = request_origin(&self.state)?;
        let target = ("organization", org.to_string());
        Ok(NewEvent::audited(org, action, target, Some(self.user.id), Some(self.user.email.clone()), origin, details))
    }
}

/// For the platform admin's server functions: the signed-in platform
/// admin (`Unauthenticated` when signed out, `NotFound` for everyone else,
/// so the admin area is not even known to exist).
pub async fn platform_request() -> Result<PlatformRequest, AppError> {
    let (state, _session, user) = require_user().await?;
    let admin = PlatformAdmin::of(user.id, user.is_platform_admin).ok_or(AppError::NotFound)?;
    Ok(PlatformRequest { state, user, admin })
}

/// For server functions: the signed-in user's membership in organization
/// `slug` (`Unauthenticated` when signed out, `NotFound` when there is no
/// such organization or they are not a member).
///
/// The user and the membership are read in one statement, and kept in the
/// request's memo for the other server functions of the same render.
pub async fn org_request(slug: &str) -> Result<OrgRequest, AppError> {
    let state = app_state()?;
    let session = request_session().await?;
    let Some(SignedIn { user_id, session_id }) = session::signed_in_user(&session, &state.db, &state.config).await?
    else {
        return Err(AppError::Unauthenticated);
    };
    let Ok(parsed) = OrgSlug::parse(slug) else {
        // No organization has such a slug; the user still has to exist.
        signed_in_user(&state, &session).await?.ok_or(AppError::Unauthenticated)?;
        return Err(AppError::NotFound);
    };
    let read = || users::find_with_membership(&state.db, user_id, session_id, &parsed);
    let found = match memo() {
        Some(memo) => memo.member_cell(parsed.as_str()).get_or_try_init(read).await?.clone(),
        None => read().await?,
    };
    let Some((user, membership)) = found.filter(|(user, _)| user.id == user_id) else {
        session::sign_out(&session, &state.db).await?;
        return Err(AppError::Unauthenticated);
    };
    let org = OrgCtx::member(membership.ok_or(AppError::NotFound)?, user_id);
    Ok(OrgRequest { state, session, user, org })
}
