//! Members' rules for every door (server functions, the REST API): the
//! member list's search, role changes and removal with their audit events.
//!
//! Admins manage Members and Guests; only Owners grant, take away or
//! remove the Admin and Owner roles; an organization always keeps an
//! Owner; nobody removes themselves (they leave). Guests see names, not
//! email addresses.

use serde_json::json;

use crate::{
    error::AppError,
    model::{
        AuditAction, Member, Page, Role, UserId,
        args::parse_id,
        listing::{DEFAULT_PAGE_SIZE, check_page_size},
        member::MAX_SEARCH_LEN,
    },
    server::{
        actor::Actor,
        ctx::{Admin, OrgCtx},
        db::{
            Db,
            members::{self as db_members, Removal, RoleChange},
        },
    },
};

/// A page of the organization's members by name. `search` (the field
/// `search_field` names in errors) matches names anywhere,
/// case-insensitively, and email addresses for roles that see them (not
/// Guests); at most [`MAX_SEARCH_LEN`] characters. `limit` 25, 50
/// (default) or 100; `offset` in members.
///
/// Errors: `Validation` on `search_field` or `limit`.
pub async fn list_page(
    db: &Db,
    ctx: &OrgCtx,
    (search_field, search): (&str, &str),
    limit: Option<u32>,
    offset: Option<u32>,
) -> Result<Page<Member>, AppError> {
    let search = search.trim();
    if search.chars().count() > MAX_SEARCH_LEN {
        return Err(AppError::field(search_field, format!("Search for at most {MAX_SEARCH_LEN} characters.")));
    }
    let limit =
        check_page_size(limit.unwrap_or(DEFAULT_PAGE_SIZE)).map_err(|message| AppError::field("limit", message))?;
    let search = (!search.is_empty()).then_some(search);
    Ok(db_members::list_page(db, ctx, search, limit, offset.unwrap_or(0)).await?)
}

/// The member `user` (an id, text) of the organization.
///
/// Errors: `NotFound` when malformed or not a member here.
pub async fn find(db: &Db, ctx: &OrgCtx, user: &str) -> Result<Member, AppError> {
    let user: UserId = parse_id(user)?;
    db_members::find(db, ctx, user).await?.ok_or(AppError::NotFound)
}

/// A member as the audit log names them.
fn target(member: &Member) -> (&'static str, String) {
    ("member", member.user_id.to_string())
}

/// Gives the member `user` the role `role` (`owner`, `admin`, `member` or
/// `guest`) and returns them as they are now. Admins change Members and
/// Guests between those two roles; Owners change anyone to anything.
/// Recorded as `member.role_changed` when the role changes. With `seen`
/// (a conditional request), only if the member is still as seen.
///
/// Errors: `Validation` on `role`; `NotFound` for someone who is not a
/// member here; `Forbidden` beyond the caller's role; `Conflict` when the
/// last Owner would step down, the role changed meanwhile, or the member
/// is no longer as `seen`.
pub async fn change_role(
    db: &Db,
    admin: &Admin,
    actor: &Actor,
    (user, role): (&str, &str),
    seen: Option<&Member>,
) -> Result<Member, AppError> {
    let to: Role = role.parse().map_err(|_| AppError::field("role", "Choose Owner, Admin, Member or Guest."))?;
    let member = find(db, admin, user).await?;
    if seen.is_some_and(|seen| *seen != member) {
        return Err(AppError::Conflict("Someone changed this member meanwhile.".into()));
    }
    let change = RoleChange::authorize(admin, &member, to)?;
    let details = json!({ "name": member.display_name, "from": member.role.as_str(), "to": to.as_str() });
    let event = actor.event(admin.org_id(), AuditAction::MemberRoleChanged, target(&member), details);
    db_members::change_role(db, admin, &change, &event).await?;
    find(db, admin, user).await
}

/// Removes the member `user` from the organization. Their tasks here are
/// unassigned; their access ends with their next request. Recorded as
/// `member.removed`.
///
/// Errors: `NotFound` for someone who is not a member here; `Forbidden`
/// beyond the caller's role (Admins remove Members and Guests, Owners
/// anyone); `Conflict` for the caller themselves (they leave instead).
pub async fn remove(db: &Db, admin: &Admin, actor: &Actor, user: &str) -> Result<(), AppError> {
    let member = find(db, admin, user).await?;
    let removal = Removal::authorize(admin, &member)?;
    let details = json!({ "name": member.display_name, "role": member.role.as_str() });
    let event = actor.event(admin.org_id(), AuditAction::MemberRemoved, target(&member), details);
    Ok(db_members::remove(db, admin, &removal, &event).await?)
}
