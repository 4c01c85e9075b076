//! Managing an organization's members: the member list, role changes,
//! removal and leaving.
//!
//! Who may change whom is the permission matrix's rule
//! (`Role::can_change_role`, `Role::can_remove`); [`RoleChange`] and
//! [`Removal`] can only be made by checking it against an [`Admin`]
//! handle, and the functions that apply them take those values, so an
//! unchecked change does not compile. The rule that an organization keeps
//! at least one Owner is inside the statement that would break it, and the
//! statement also names the role it expects the member to have, so a
//! change racing another one fails instead of acting on stale data. On
//! PostgreSQL every membership change first locks the organization's row,
//! so two Owners demoting each other at once cannot both see two Owners.

use crate::{
    error::AppError,
    model::{Action, Email, Member, Page, Role, UserId},
    server::handles::{Admin, OrgCtx},
};

use super::scope::Scope;
use super::{
    Db, Timestamp,
    events::{self, NewEvent},
    sql::contains_pattern,
    with_pool,
};

#[derive(Debug, sqlx::FromRow)]
struct MemberRow {
    user_id: UserId,
    display_name: String,
    email: String,
    role: Role,
    two_factor: bool,
}

const SELECT_MEMBER: &str = "SELECT m.user_id, u.display_name, u.email, m.role, \
     u.totp_enabled_at IS NOT NULL AS two_factor FROM memberships m JOIN users u ON u.id = m.user_id";

/// The condition that keeps an organization's last Owner: true while the
/// organization (`$1`) has another Owner besides the one being changed.
const ANOTHER_OWNER: &str =
    "(SELECT COUNT(*) FROM memberships o WHERE o.org_id = $1 AND o.role = 'owner' AND o.user_id <> $2) > 0";

/// The condition a statement that takes its role from a member who has
/// `role` adds: none, unless they are an Owner and so might be the last.
fn keeps_an_owner(role: Role) -> String {
    if role == Role::Owner { format!(" AND {ANOTHER_OWNER}") } else { String::new() }
}

/// A member as `viewer` may see them: without the email address unless the
/// viewer's role may see addresses (`Action::ViewMemberEmails`), and
/// whether two-factor is on only for Admins and Owners.
fn visible(viewer: &OrgCtx, row: MemberRow) -> Member {
    let email = viewer.can(Action::ViewMemberEmails).then_some(row.email);
    let two_factor = viewer.role().at_least(Role::Admin).then_some(row.two_factor);
    Member { user_id: row.user_id, display_name: row.display_name, email, role: row.role, two_factor }
}

/// Every member, by name (the Rust-made `name_key`, so the order is the
/// same on both backends, non-ASCII names included): the assignee choices.
#[tracing::instrument(name = "members::list_all", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn list_all(db: &Db, ctx: &OrgCtx) -> Result<Vec<Member>, sqlx::Error> {
    let sql = format!("{SELECT_MEMBER} WHERE m.org_id = $1 ORDER BY u.name_key, u.id");
    let rows = with_pool!(db, Scope::tenant(ctx.org_id()), conn => sqlx::query_as::<_, MemberRow>(&sql).bind(ctx.org_id()).fetch_all(&mut *conn).await?);
    Ok(rows.into_iter().map(|row| visible(ctx, row)).collect())
}

/// A page of members by name, `limit` from `offset`, with the total.
/// `search` (lowercased, matched anywhere) matches names, and email
/// addresses for a viewer who may see them, so a Guest cannot find an
/// address by searching for it.
#[tracing::instrument(
    name = "members::list_page",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn list_page(
    db: &Db,
    ctx: &OrgCtx,
    search: Option<&str>,
    limit: u32,
    offset: u32,
) -> Result<Page<Member>, sqlx::Error> {
    let emails = ctx.can(Action::ViewMemberEmails);
    let filter = search.map(|_| search_filter("$4", emails)).unwrap_or_default();
    let pattern = search.map(|search| contains_pattern(&search.to_lowercase()));
    // The page and the count in one statement: a window count over the
    // filtered members (an organization's members are few enough to count
    // each time; tasks are not, see `task_list`).
    let sql = format!(
        "SELECT m.user_id, u.display_name, u.email, m.role, u.totp_enabled_at IS NOT NULL AS two_factor, \
           COUNT(*) OVER () AS total \
         FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.org_id = $1{filter} ORDER BY u.name_key, u.id LIMIT $2 OFFSET $3"
    );
    let rows = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let query = sqlx::query_as::<_, CountedMemberRow>(&sql)
            .bind(ctx.org_id())
            .bind(i64::from(limit))
            .bind(i64::from(offset));
        match &pattern {
            Some(pattern) => query.bind(pattern).fetch_all(&mut *conn).await?,
            None => query.fetch_all(&mut *conn).await?,
        }
    });
    // Past the last page the window has no row to count on: count again.
    let total = match rows.first() {
        Some(row) => row.total,
        None if offset == 0 => 0,
        None => count(db, ctx, pattern.as_deref(), emails).await?,
    };
    let rows = rows.into_iter().map(|row| row.member).collect::<Vec<_>>();
    Ok(Page::new(rows.into_iter().map(|row| visible(ctx, row)).collect(), total, limit, offset))
}

#[derive(Debug, sqlx::FromRow)]
struct CountedMemberRow {
    #[sqlx(flatten)]
    member: MemberRow,
    total: i64,
}

/// The condition a search adds, its pattern the placeholder `param`:
/// names, and email addresses when the viewer may see them.
fn search_filter(param: &str, emails: bool) -> String {
    if emails {
        format!(" AND (u.name_key LIKE {param} ESCAPE '\\' OR u.email LIKE {param} ESCAPE '\\')")
    } else {
        format!(" AND u.name_key LIKE {param} ESCAPE '\\'")
    }
}

async fn count(db: &Db, ctx: &OrgCtx, pattern: Option<&str>, emails: bool) -> Result<i64, sqlx::Error> {
    let filter = pattern.map(|_| search_filter("$2", emails)).unwrap_or_default();
    let sql =
        format!("SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1{filter}");
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let query = sqlx::query_scalar::<_, i64>(&sql).bind(ctx.org_id());
        match pattern {
            Some(pattern) => query.bind(pattern).fetch_one(&mut *conn).await,
            None => query.fetch_one(&mut *conn).await,
        }
    })
}

/// The member `user` of the context's organization, if they are one.
#[tracing::instrument(
    name = "members::find",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn find(db: &Db, ctx: &OrgCtx, user: UserId) -> Result<Option<Member>, sqlx::Error> {
    let sql = format!("{SELECT_MEMBER} WHERE m.org_id = $1 AND m.user_id = $2");
    let row = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_as::<_, MemberRow>(&sql).bind(ctx.org_id()).bind(user).fetch_optional(&mut *conn).await?
    });
    Ok(row.map(|row| visible(ctx, row)))
}

/// The member with `email` (lowercased already, as `Email` is), if any.
#[tracing::instrument(
    name = "members::find_by_email",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn find_by_email(db: &Db, ctx: &OrgCtx, email: &Email) -> Result<Option<Member>, sqlx::Error> {
    let sql = format!("{SELECT_MEMBER} WHERE m.org_id = $1 AND u.email = $2");
    let row = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_as::<_, MemberRow>(&sql).bind(ctx.org_id()).bind(email.as_str()).fetch_optional(&mut *conn).await?
    });
    Ok(row.map(|row| visible(ctx, row)))
}

/// A change of one member's role that the acting member's role allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleChange {
    user: UserId,
    from: Role,
    to: Role,
}

impl RoleChange {
    /// Checks that `admin` may move `target` to `to` (Admins manage Members
    /// and Guests, Owners everyone: `Role::can_change_role`).
    ///
    /// Errors: `Forbidden` when the role may not.
    pub fn authorize(admin: &Admin, target: &Member, to: Role) -> Result<Self, AppError> {
        if admin.role().can_change_role(target.role, to) {
            Ok(Self { user: target.user_id, from: target.role, to })
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// Taking a member out of the organization, as the acting member's role
/// allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removal {
    user: UserId,
    role: Role,
}

impl Removal {
    /// Checks that `admin` may remove `target`.
    ///
    /// Errors: `Conflict` when `target` is the acting member (they leave
    /// instead, which keeps the last-Owner rule in one path); `Forbidden`
    /// when the role may not remove the target's role.
    pub fn authorize(admin: &Admin, target: &Member) -> Result<Self, AppError> {
        if target.user_id == admin.user_id() {
            return Err(AppError::Conflict("You cannot remove yourself. Leave the organization instead.".into()));
        }
        if admin.role().can_remove(target.role) {
            Ok(Self { user: target.user_id, role: target.role })
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// Why a membership change was not made.
#[derive(Debug, thiserror::Error)]
pub enum MembershipError {
    /// The person is not (or no longer) a member.
    #[error("no such member")]
    NotFound,
    /// Their role changed since it was read; nothing was changed.
    #[error("the member's role changed meanwhile")]
    Stale,
    /// The change would leave the organization without an Owner.
    #[error("an organization keeps at least one owner")]
    LastOwner,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<MembershipError> for AppError {
    fn from(err: MembershipError) -> Self {
        match err {
            MembershipError::NotFound => AppError::NotFound,
            MembershipError::Stale => {
                AppError::Conflict("This member's role changed meanwhile. Reload the page and try again.".into())
            }
            MembershipError::LastOwner => AppError::Conflict(
                "An organization needs at least one Owner. Make another member an Owner first.".into(),
            ),
            MembershipError::Db(err) => err.into(),
        }
    }
}

/// After a guarded statement changed nothing: why.
async fn explain(db: &Db, ctx: &OrgCtx, user: UserId, expected: Role) -> Result<MembershipError, sqlx::Error> {
    Ok(match find(db, ctx, user).await? {
        None => MembershipError::NotFound,
        Some(member) if member.role != expected => MembershipError::Stale,
        Some(_) => MembershipError::LastOwner,
    })
}

/// Gives a member the role `change` allows, and records `event` in the
/// same transaction. Unchanged (and nothing recorded) when it is the role
/// they have.
///
/// Errors: `NotFound`, `Stale`, or `LastOwner` when the last Owner would
/// lose the role (an Owner stepping down must name another Owner first).
#[tracing::instrument(
    name = "members::change_role",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn change_role(db: &Db, ctx: &Admin, change: &RoleChange, event: &NewEvent) -> Result<(), MembershipError> {
    if change.from == change.to {
        return find(db, ctx, change.user).await?.map(|_| ()).ok_or(MembershipError::NotFound);
    }
    let guard = keeps_an_owner(change.from);
    let sql = format!("UPDATE memberships SET role = $3 WHERE org_id = $1 AND user_id = $2 AND role = $4{guard}");
    let lock = super::orgs::lock_organization(db.backend());
    let changed = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        if let Some(lock) = lock {
            sqlx::query(lock).bind(ctx.org_id()).execute(&mut *tx).await?;
        }
        let changed = sqlx::query(&sql)
            .bind(ctx.org_id())
            .bind(change.user)
            .bind(change.to)
            .bind(change.from)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 1 {
            events::record(&mut *tx, event).await?;
        }
        tx.commit().await?;
        changed
    });
    if changed == 1 { Ok(()) } else { Err(explain(db, ctx, change.user, change.from).await?) }
}

/// Removes a member: their tasks here are unassigned and their access ends
/// with their next request (every request reads the membership), open
/// sessions included. Records `event` in the same transaction.
///
/// Errors: `NotFound`, `Stale`, `LastOwner`.
#[tracing::instrument(name = "members::remove", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn remove(db: &Db, ctx: &Admin, removal: &Removal, event: &NewEvent) -> Result<(), MembershipError> {
    leave_or_remove(db, ctx, removal.user, removal.role, event).await
}

/// The signed-in member leaves the organization; their tasks here are
/// unassigned. Records `event` in the same transaction.
///
/// Errors: `LastOwner` for the last Owner (who must make another member
/// Owner first), `Stale` when their role changed since the request began.
#[tracing::instrument(name = "members::leave", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn leave(db: &Db, ctx: &OrgCtx, event: &NewEvent) -> Result<(), MembershipError> {
    leave_or_remove(db, ctx, ctx.user_id(), ctx.role(), event).await
}

/// Deletes `user`'s membership, expected to have `role`, first unassigning
/// their tasks here (which name the membership); rolled back when the
/// role was not the expected one or the last Owner would go. Records
/// `event` with the deletion.
async fn leave_or_remove(
    db: &Db,
    ctx: &OrgCtx,
    user: UserId,
    role: Role,
    event: &NewEvent,
) -> Result<(), MembershipError> {
    let lock = super::orgs::lock_organization(db.backend());
    let org = ctx.org_id();
    let unassign = "UPDATE tasks SET assignee_id = NULL, updated_at = $3 WHERE org_id = $1 AND assignee_id = $2";
    let guard = keeps_an_owner(role);
    let delete = format!("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2 AND role = $3{guard}");
    let deleted = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        if let Some(lock) = lock {
            sqlx::query(lock).bind(org).execute(&mut *tx).await?;
        }
        sqlx::query(unassign).bind(org).bind(user).bind(Timestamp::now()).execute(&mut *tx).await?;
        let deleted = sqlx::query(&delete).bind(org).bind(user).bind(role).execute(&mut *tx).await?.rows_affected();
        if deleted == 1 {
            events::record(&mut *tx, event).await?;
            tx.commit().await?;
        }
        deleted
    });
    if deleted == 1 { Ok(()) } else { Err(explain(db, ctx, user, role).await?) }
}
