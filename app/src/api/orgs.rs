//! The organization shell and dashboard.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{Member, OrgDashboard, OrgShell},
};

#[cfg(feature = "ssr")]
use crate::{
    model::{Action, AuditAction, OrgName, OrgSummary, org::week_starts},
    server::{
        ctx,
        db::{dashboard, events::NewEvent, members, orgs, projects, users},
    },
};

/// Weeks in the dashboard's completion chart.
pub const CHART_WEEKS: u8 = 12;

/// The signed-in layout of organization `org` (its slug): the user, the
/// organization with their role, and all their organizations for the
/// switcher. Remembers `org` as the one `/` returns to.
///
/// Errors: `Unauthenticated` when signed out; `NotFound` when there is no
/// such organization or the user is not a member.
#[server(endpoint = "get_org_shell")]
pub async fn get_org_shell(org: String) -> Result<OrgShell, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    let (db, ctx) = (req.db(), &req.org);
    users::remember_org(db, &req.user, ctx.org().id).await?;
    let organizations = orgs::list_for_user(db, req.user.id).await?;
    Ok(OrgShell { user: req.user.to_session_user(), org: ctx.org().clone(), organizations })
}

/// Creates another organization named `name` (1 to 100 characters) with
/// the signed-in person as its Owner, remembers it as the one `/` opens,
/// and redirects to its dashboard.
///
/// Errors: `Unauthenticated` when signed out; `Validation` on `name`.
#[server(endpoint = "create_organization")]
pub async fn create_organization(name: String) -> Result<(), AppError> {
    let (state, _, user) = ctx::require_user().await?;
    let name = OrgName::parse(&name).map_err(|err| AppError::field("name", err.to_string()))?;
    let origin = ctx::request_origin(&state)?;
    let event = |org: &OrgSummary| {
        let details = serde_json::json!({ "name": org.name, "slug": org.slug });
        let target = ("organization", org.id.to_string());
        let email = Some(user.email.clone());
        NewEvent::audited(
            org.id,
            AuditAction::OrganizationCreated,
            target,
            Some(user.id),
            email,
            origin.clone(),
            details,
        )
    };
    let org = orgs::create(&state.db, user.id, (&name, state.config.default_plan), event).await?;
    crate::server::db::licensing::ensure_signing_key(&state.db, &state.licensing.kek, org.id).await?;
    users::remember_org(&state.db, &user, org.id).await?;
    leptos_axum::redirect(&crate::api::auth::org_path(&org.slug));
    Ok(())
}

/// The dashboard of organization `org` (its slug): member, project, open
/// and overdue task counts, the signed-in member's open tasks, and tasks
/// completed per week over the last 12 weeks. Errors as [`get_org_shell`].
#[server(endpoint = "get_org_dashboard")]
pub async fn get_org_dashboard(org: String) -> Result<OrgDashboard, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    let (db, ctx) = (req.db(), &req.org);
    let today = time::OffsetDateTime::now_utc().date();
    let (overdue_count, overdue_capped) = dashboard::overdue_count(db, ctx, today).await?;
    Ok(OrgDashboard {
        org: ctx.org().clone(),
        member_count: orgs::member_count(db, ctx).await?,
        project_count: projects::count_active(db, ctx).await?,
        open_task_count: dashboard::open_task_count(db, ctx).await?,
        overdue_count,
        overdue_capped,
        assigned_to_me: dashboard::open_assigned_to(db, ctx, req.user.id, 10).await?,
        completed_per_week: dashboard::completed_per_week(db, ctx, &week_starts(today, CHART_WEEKS)).await?,
        today,
    })
}

/// The organization's members, by name (for assignee choices). Any member
/// may read.
#[server(endpoint = "list_members")]
pub async fn list_members(org: String) -> Result<Vec<Member>, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    let (db, ctx) = (req.db(), &req.org);
    Ok(members::list_all(db, ctx).await?)
}
