//! The organization shell and dashboard.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{OrgDashboard, OrgShell},
};

#[cfg(feature = "ssr")]
use crate::{
    api::reply,
    model::{OrgSlug, Role},
    server::{auth::session, ctx, db::orgs},
};

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

/// The dashboard numbers of organization `org` (its slug). Errors as
/// [`get_org_shell`].
#[server(endpoint = "get_org_dashboard")]
pub async fn get_org_dashboard(org: String) -> Result<OrgDashboard, AppError> {
    reply(
        async move {
            let (state, _session, _user, ctx) = ctx::org_ctx(&org, Role::Guest).await?;
            let member_count = orgs::member_count(&state.db, &ctx).await?;
            Ok(OrgDashboard { org: ctx.org().clone(), member_count })
        }
        .await,
    )
}
