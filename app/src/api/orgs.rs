//! The organization shell and dashboard.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{Member, OrgDashboard, OrgShell},
};

#[cfg(feature = "ssr")]
use crate::{
    api::reply,
    model::{OrgSlug, Role, org::week_starts},
    server::{
        auth::session,
        ctx,
        db::{dashboard, orgs, projects},
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
    reply(
        async move {
            let (state, session, user, ctx) = ctx::org_ctx(&org, Role::Guest).await?;
            let slug = OrgSlug::parse(&ctx.org().slug).map_err(AppError::internal)?;
            session::remember_org(&session, &slug).await?;
            let organizations = orgs::list_for_user(&state.db, user.id).await?;
            Ok(OrgShell { user: user.to_session_user(), org: ctx.org().clone(), organizations })
        }
        .await,
    )
}

/// The dashboard of organization `org` (its slug): member, project, open
/// and overdue task counts, the signed-in member's open tasks, and tasks
/// completed per week over the last 12 weeks. Errors as [`get_org_shell`].
#[server(endpoint = "get_org_dashboard")]
pub async fn get_org_dashboard(org: String) -> Result<OrgDashboard, AppError> {
    reply(
        async move {
            let (state, _session, user, ctx) = ctx::org_ctx(&org, Role::Guest).await?;
            let today = time::OffsetDateTime::now_utc().date();
            Ok(OrgDashboard {
                org: ctx.org().clone(),
                member_count: orgs::member_count(&state.db, &ctx).await?,
                project_count: projects::count_active(&state.db, &ctx).await?,
                open_task_count: dashboard::open_task_count(&state.db, &ctx).await?,
                overdue_count: dashboard::overdue_count(&state.db, &ctx, today).await?,
                assigned_to_me: dashboard::open_assigned_to(&state.db, &ctx, user.id, 10).await?,
                completed_per_week: dashboard::completed_per_week(&state.db, &ctx, &week_starts(today, CHART_WEEKS))
                    .await?,
                today,
            })
        }
        .await,
    )
}

/// The organization's members, by name (for assignee choices). Any member
/// may read.
#[server(endpoint = "list_members")]
pub async fn list_members(org: String) -> Result<Vec<Member>, AppError> {
    reply(
        async move {
            let (state, _session, _user, ctx) = ctx::org_ctx(&org, Role::Guest).await?;
            Ok(orgs::list_members(&state.db, &ctx).await?)
        }
        .await,
    )
}
