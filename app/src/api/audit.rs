//! The organization's audit log, for its Admins and Owners.

use leptos::prelude::*;

use crate::error::AppError;

pub use crate::model::{AuditPage, audit::AUDIT_PAGE_SIZE};

#[cfg(feature = "ssr")]
use crate::server::{
    audit::{FilterText, list_page},
    ctx,
    db::audit::AuditScope,
};

/// The organization's audit log, 50 events a page, newest first. Filters,
/// each optional (empty means all): `action`, an event type
/// (`member.role_changed`, ...); `actor`, a person's id; `from` and `to`,
/// days (`YYYY-MM-DD`, UTC, inclusive); `before`, the cursor of the page
/// (an event id). Admins and Owners only.
///
/// Errors: `Forbidden` below Admin; `Validation` on `action`, `from`,
/// `to` (also when `from` is after `to`); `NotFound` for a malformed
/// `actor` or `before`.
#[server(endpoint = "list_audit_events")]
pub async fn list_audit_events(
    org: String,
    #[server(default)] action: String,
    #[server(default)] actor: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
    #[server(default)] before: String,
) -> Result<AuditPage, AppError> {
    let req = ctx::org_request(&org).await?;
    let viewer = req.org.audit_viewer()?;
    let filter = FilterText { action: &action, actor: &actor, from: &from, to: &to, before: &before };
    list_page(req.db(), &AuditScope::Organization(viewer), filter).await
}
