//! Members: the member list, role changes, removal, leaving. The rules
//! of all but leaving are `server::members`, shared with the REST API.
//!
//! The rules (BoxyHQ's saas-starter-kit and Laravel Jetstream have the
//! same shape): Admins manage Members and Guests; only Owners grant, take
//! away or remove the Admin and Owner roles; an organization always keeps
//! an Owner; nobody removes themselves (they leave). Guests see names, not
//! email addresses.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{Member, Page},
};

#[cfg(feature = "ssr")]
use serde_json::json;

#[cfg(feature = "ssr")]
use crate::{
    model::{Action, AuditAction},
    server::{
        ctx,
        db::members,
        members::{self as rules},
    },
};

pub use crate::model::member::MAX_SEARCH_LEN;

/// A page of the organization's members by name. `search` matches names
/// anywhere, case-insensitively, and email addresses for roles that see
/// them (not Guests); at most 100 characters. `limit` 25, 50 or 100;
/// `offset` in members. Any member may read.
///
/// Errors: `Validation` on `search` or `limit`.
#[server(endpoint = "list_members_page")]
pub async fn list_members_page(
    org: String,
    #[server(default)] search: String,
    #[server(default)] limit: Option<u32>,
    #[server(default)] offset: Option<u32>,
) -> Result<Page<Member>, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    rules::list_page(req.db(), &req.org, ("search", &search), limit, offset).await
}

/// Gives the member `user` the role `role` (`owner`, `admin`, `member` or
/// `guest`) and returns them as they are now. Admins change Members and
/// Guests between those two roles; Owners change anyone to anything.
///
/// Errors: `Forbidden` beyond the caller's role; `NotFound` for someone
/// who is not a member here; `Validation` on `role`; `Conflict` when the
/// last Owner would step down, or the role changed meanwhile.
#[server(endpoint = "change_member_role")]
pub async fn change_member_role(org: String, user: String, role: String) -> Result<Member, AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageMembers)?;
    rules::change_role(req.db(), &admin, &req.actor()?, (&user, &role), None).await
}

/// Removes the member `user` from the organization. Their tasks here are
/// unassigned; their access ends with their next request.
///
/// Errors: `Forbidden` beyond the caller's role (Admins remove Members and
/// Guests, Owners anyone); `Conflict` for the caller themselves (leave
/// instead); `NotFound` for someone who is not a member here.
#[server(endpoint = "remove_member")]
pub async fn remove_member(org: String, user: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageMembers)?;
    rules::remove(req.db(), &admin, &req.actor()?, &user).await
}

/// The signed-in member leaves the organization, then is redirected to
/// `/` (their next organization, or the page to create one).
///
/// Errors: `Conflict` for the last Owner.
#[server(endpoint = "leave_organization")]
pub async fn leave_organization(org: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::LeaveOrganization)?;
    let details = json!({ "name": req.user.display_name, "role": req.org.role().as_str() });
    let event = req.event(AuditAction::MemberLeft, ("member", req.user.id.to_string()), details)?;
    members::leave(req.db(), &req.org, &event).await?;
    leptos_axum::redirect("/");
    Ok(())
}
