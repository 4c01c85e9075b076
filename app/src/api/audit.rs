//! The organization's audit log, for its Admins and Owners.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{error::AppError, model::AuditEvent};

#[cfg(feature = "ssr")]
use crate::server::{
    audit::parse_filter,
    ctx,
    db::audit::{self, AuditScope},
};

/// Events per page.
pub const AUDIT_PAGE_SIZE: u32 = 50;

/// A page of the audit log, newest first; `next` is the `before` of the
/// page after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub items: Vec<AuditEvent>,
    pub next: Option<String>,
}

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
    let filter = parse_filter(&action, &actor, &from, &to, &before)?;
    let page = audit::list(req.db(), &AuditScope::Organization(viewer), &filter, AUDIT_PAGE_SIZE).await?;
    Ok(AuditPage { items: page.items, next: page.next.map(|id| id.to_string()) })
}
