//! The platform admin's server functions: every tenant, suspension, plans
//! and limits, restoring deleted organizations, and the whole audit log.
//! For anyone but a platform admin each answers 404, as if it did not
//! exist.

use leptos::prelude::*;

use crate::{
    api::audit::AuditPage,
    error::AppError,
    model::{Page, Tenant},
};

#[cfg(feature = "ssr")]
use serde_json::json;

#[cfg(feature = "ssr")]
use crate::{
    api::{args::parse_id, audit::AUDIT_PAGE_SIZE},
    error::FieldErrors,
    model::{AuditAction, OrgId, OrgLimits, Plan, listing::check_page_size, plan::parse_limit},
    server::{
        audit::parse_filter,
        ctx::{self, PlatformRequest},
        db::{
            audit::{self, AuditScope},
            platform,
        },
    },
};

/// Longest tenant search, in characters.
pub const MAX_TENANT_SEARCH_LEN: usize = 100;

/// A page of every organization, newest first, with plan, status, limits,
/// members, projects and tasks. `search` matches names and slugs anywhere
/// (at most 100 characters); `limit` 25, 50 or 100; `offset` in
/// organizations.
///
/// Errors: `NotFound` for anyone but a platform admin; `Validation` on
/// `search` or `limit`.
#[server(endpoint = "list_tenants")]
pub async fn list_tenants(
    #[server(default)] search: String,
    #[server(default)] limit: Option<u32>,
    #[server(default)] offset: Option<u32>,
) -> Result<Page<Tenant>, AppError> {
    let req = ctx::platform_request().await?;
    let search = search.trim();
    if search.chars().count() > MAX_TENANT_SEARCH_LEN {
        return Err(AppError::field("search", format!("Search for at most {MAX_TENANT_SEARCH_LEN} characters.")));
    }
    let limit = check_page_size(limit.unwrap_or(crate::model::listing::DEFAULT_PAGE_SIZE))
        .map_err(|message| AppError::field("limit", message))?;
    let search = (!search.is_empty()).then_some(search);
    Ok(platform::list_tenants(req.db(), &req.admin, search, limit, offset.unwrap_or(0)).await?)
}

/// The tenant `org` (an id), or `NotFound`.
#[cfg(feature = "ssr")]
async fn tenant(req: &PlatformRequest, org: &str) -> Result<Tenant, AppError> {
    let id: OrgId = parse_id(org)?;
    platform::find_tenant(req.db(), &req.admin, id).await?.ok_or(AppError::NotFound)
}

/// Suspends the organization `org` (an id): its members can still read
/// it, and nothing in it can be changed until it is reactivated.
///
/// Errors: `NotFound`; `Conflict` when it is already suspended.
#[server(endpoint = "suspend_organization")]
pub async fn suspend_organization(org: String) -> Result<Tenant, AppError> {
    set_suspended(org, true).await
}

/// Reactivates the suspended organization `org` (an id).
///
/// Errors: `NotFound`; `Conflict` when it is not suspended.
#[server(endpoint = "reactivate_organization")]
pub async fn reactivate_organization(org: String) -> Result<Tenant, AppError> {
    set_suspended(org, false).await
}

#[cfg(feature = "ssr")]
async fn set_suspended(org: String, suspend: bool) -> Result<Tenant, AppError> {
    let req = ctx::platform_request().await?;
    let tenant = tenant(&req, &org).await?;
    let action = if suspend { AuditAction::OrganizationSuspended } else { AuditAction::OrganizationReactivated };
    let event = req.event(action, tenant.id, json!({ "name": tenant.name }))?;
    if !platform::set_suspended(req.db(), &req.admin, (tenant.id, suspend), &event).await? {
        let state = if suspend { "already suspended" } else { "not suspended" };
        return Err(AppError::Conflict(format!("{} is {state}.", tenant.name)));
    }
    self::tenant(&req, &org).await
}

/// Puts the organization `org` (an id) on `plan` (`free`, `pro`,
/// `enterprise`) with the limits given: `members`, `projects`, `licenses`
/// and `storage` (MiB), each a whole number up to 1,000,000 or empty for
/// none. Lowering a limit
/// below what is in use removes nothing; it refuses what would go over.
///
/// Errors: `NotFound`; `Validation` on `plan` and each limit.
#[server(endpoint = "set_organization_plan")]
pub async fn set_organization_plan(
    org: String,
    plan: String,
    #[server(default)] members: String,
    #[server(default)] projects: String,
    #[server(default)] licenses: String,
    #[server(default)] storage: String,
) -> Result<Tenant, AppError> {
    let req = ctx::platform_request().await?;
    let before = tenant(&req, &org).await?;
    let mut errors = FieldErrors::new();
    let plan = errors.check("plan", plan.parse::<Plan>());
    let members = errors.check("members", parse_limit(&members));
    let projects = errors.check("projects", parse_limit(&projects));
    let licenses = errors.check("licenses", parse_limit(&licenses));
    let storage_mb = errors.check("storage", parse_limit(&storage));
    errors.into_result()?;
    let (Some(plan), Some(members), Some(projects), Some(licenses), Some(storage_mb)) =
        (plan, members, projects, licenses, storage_mb)
    else {
        unreachable!("errors were returned above")
    };
    let limits = OrgLimits { members, projects, licenses, storage_mb };
    let details = json!({
        "name": before.name,
        "plan": { "from": before.plan.as_str(), "to": plan.as_str() },
        "limits": { "from": before.limits, "to": limits },
    });
    let event = req.event(AuditAction::PlanChanged, before.id, details)?;
    let changes = (before.plan, before.limits) != (plan, limits);
    platform::set_plan(req.db(), &req.admin, before.id, (plan, limits), changes.then_some(&event)).await?;
    tenant(&req, &org).await
}

/// Restores the organization `org` (an id) that its Owner deleted less
/// than 30 days ago; its members find it where it was.
///
/// Errors: `NotFound`; `Conflict` when it is not deleted, or was deleted
/// longer ago.
#[server(endpoint = "restore_organization")]
pub async fn restore_organization(org: String) -> Result<Tenant, AppError> {
    let req = ctx::platform_request().await?;
    let tenant = tenant(&req, &org).await?;
    let event = req.event(AuditAction::OrganizationRestored, tenant.id, json!({ "name": tenant.name }))?;
    if !platform::restore(req.db(), &req.admin, tenant.id, &event).await? {
        return Err(AppError::Conflict(format!(
            "{} cannot be restored: it is not deleted, or was deleted over 30 days ago.",
            tenant.name
        )));
    }
    self::tenant(&req, &org).await
}

/// The whole audit log, 50 events a page, newest first: every
/// organization's events and each person's own (sign-ins and sign-ups
/// belong to no organization, and are seen only here). Filters as
/// `list_audit_events`, and `org`, an organization's id.
///
/// Errors: `NotFound` for anyone but a platform admin, and for a malformed
/// `org`, `actor` or `before`; `Validation` on `action`, `from`, `to`.
#[server(endpoint = "list_platform_audit_events")]
pub async fn list_platform_audit_events(
    #[server(default)] org: String,
    #[server(default)] action: String,
    #[server(default)] actor: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
    #[server(default)] before: String,
) -> Result<AuditPage, AppError> {
    let req = ctx::platform_request().await?;
    let filter = parse_filter(&action, &actor, &from, &to, &before)?;
    let org = crate::api::args::parse_optional_id(&org)?;
    let scope = AuditScope::Platform(req.admin.clone(), org);
    let page = audit::list(req.db(), &scope, &filter, AUDIT_PAGE_SIZE).await?;
    Ok(AuditPage { items: page.items, next: page.next.map(|id| id.to_string()) })
}

/// Jobs the platform admin's list shows, at most.
pub const PLATFORM_JOBS_SHOWN: i64 = 100;

/// The platform's own background jobs (maintenance, account mail), newest
/// first, at most [`PLATFORM_JOBS_SHOWN`], with status, attempts, progress
/// and the last error.
#[server(endpoint = "list_platform_jobs")]
pub async fn list_platform_jobs() -> Result<Vec<crate::model::JobItem>, AppError> {
    let req = ctx::platform_request().await?;
    Ok(crate::server::db::jobs::recent(
        req.db(),
        crate::server::db::jobs::JobsOf::Platform(&req.admin),
        PLATFORM_JOBS_SHOWN,
    )
    .await?)
}

/// Cancels a platform job: a queued one at once, a running one is asked to
/// stop.
///
/// Errors: `NotFound` for an unknown id (or an organization's job);
/// `Conflict` when it has ended already.
#[server(endpoint = "cancel_platform_job")]
pub async fn cancel_platform_job(job: String) -> Result<(), AppError> {
    use crate::server::db::{Timestamp, jobs};
    let req = ctx::platform_request().await?;
    let id: crate::model::JobId = parse_id(&job)?;
    match jobs::cancel(req.db(), jobs::CancelledBy::Platform(&req.admin), id, Timestamp::now()).await? {
        jobs::Cancel::Cancelled | jobs::Cancel::Requested => Ok(()),
        jobs::Cancel::Finished => Err(AppError::Conflict("This job has ended already.".into())),
        jobs::Cancel::NotFound => Err(AppError::NotFound),
    }
}
