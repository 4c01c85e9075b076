//! `organizations` and `memberships`.

use std::collections::HashSet;

use crate::{
    error::AppError,
    model::{OrgId, OrgLimits, OrgName, OrgSlug, OrgSummary, Plan, Role, UserId},
    server::handles::{Admin, OrgCtx, Owner},
};

use super::scope::Scope;
use super::{
    Backend, Db, Timestamp, UniqueKey,
    events::{self, NewEvent},
    with_pool,
};

/// The unique slug constraint (`organizations_slug_key`).
pub const SLUG_KEY: UniqueKey = UniqueKey { postgres: "organizations_slug_key", sqlite: "organizations.slug" };

/// Longest slug stem taken from a name, leaving room for a `-N` suffix
/// within [`OrgSlug::MAX_LEN`].
const SLUG_STEM_MAX: usize = 40;

/// An organization joined with one member's role.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrgMembershipRow {
    pub id: OrgId,
    pub name: String,
    pub slug: String,
    pub role: Role,
    pub suspended: bool,
}

impl From<OrgMembershipRow> for OrgSummary {
    fn from(row: OrgMembershipRow) -> Self {
        OrgSummary { id: row.id, name: row.name, slug: row.slug, role: row.role, suspended: row.suspended }
    }
}

/// The slug stem for an organization name: transliterated to ASCII (the `slug` crate: "🚀" becomes "rocket"), lowercase,
/// hyphen-separated, at most 40 characters; `org` when
/// nothing of the name survives (punctuation only, say).
pub fn slug_stem(name: &OrgName) -> String {
    let slug = slug::slugify(name.as_str());
    let cut = slug.char_indices().nth(SLUG_STEM_MAX).map_or(slug.len(), |(i, _)| i);
    let stem = slug[..cut].trim_matches('-');
    if stem.is_empty() { "org".to_owned() } else { stem.to_owned() }
}

/// The first of `stem`, `stem-2`, `stem-3`, ... not in `taken`.
pub fn first_free_slug(stem: &str, taken: &HashSet<String>) -> String {
    if !taken.contains(stem) {
        return stem.to_owned();
    }
    (2..)
        .map(|n| format!("{stem}-{n}"))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or_else(|| unreachable!("an unbounded range always finds a free suffix"))
}

/// Inside the open transaction `$tx`: creates an organization named
/// `$name` (`&OrgName`) with a free slug on `$plan` with its limits, and
/// `$user`'s membership in it with `$role`, created at `$now`. Evaluates to
/// the new `OrgSummary`; SQL errors propagate with `?`.
macro_rules! insert_in_tx {
    ($tx:ident, $name:expr, $plan:expr, $user:expr, $role:expr, $now:expr) => {{
        let plan: $crate::model::Plan = $plan;
        let limits = plan.limits();
        let name: &$crate::model::OrgName = $name;
        let stem = $crate::server::db::orgs::slug_stem(name);
        let taken: std::collections::HashSet<String> =
            sqlx::query_scalar("SELECT slug FROM organizations WHERE slug = $1 OR slug LIKE $2")
                .bind(&stem)
                .bind(format!("{stem}-%"))
                .fetch_all(&mut *$tx)
                .await?
                .into_iter()
                .collect();
        let slug = $crate::server::db::orgs::first_free_slug(&stem, &taken);
        let id = $crate::model::OrgId::new();
        sqlx::query(
            "INSERT INTO organizations (id, name, name_key, slug, created_at, updated_at, plan, member_limit, \
             project_limit, license_limit, storage_limit_mb) VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id)
        .bind(name.as_str())
        .bind(name.as_str().to_lowercase())
        .bind(&slug)
        .bind($now)
        .bind(plan)
        .bind(limits.members.map(i64::from))
        .bind(limits.projects.map(i64::from))
        .bind(limits.licenses.map(i64::from))
        .bind(limits.storage_mb.map(i64::from))
        .execute(&mut *$tx)
        .await?;
        sqlx::query("INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind($user)
            .bind($role)
            .bind($now)
            .execute(&mut *$tx)
            .await?;
        $crate::model::OrgSummary { id, name: name.as_str().to_owned(), slug, role: $role, suspended: false }
    }};
}
pub(crate) use insert_in_tx;

/// Memberships of organizations that are not deleted (a deleted one is
/// gone for its members: 404 everywhere, absent from the switcher).
const SELECT_MEMBERSHIP: &str = "SELECT o.id, o.name, o.slug, m.role, o.suspended_at IS NOT NULL AS suspended \
     FROM memberships m JOIN organizations o ON o.id = m.org_id AND o.deleted_at IS NULL";

/// Every organization `user` belongs to, with their role, by name.
#[tracing::instrument(
    name = "orgs::list_for_user",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn list_for_user(db: &Db, user: UserId) -> Result<Vec<OrgSummary>, sqlx::Error> {
    // The one tenant lookup that starts from the person, not the tenant
    // (memberships_user_id_idx).
    let sql = format!(
        "{SELECT_MEMBERSHIP} /* one person, every organization */ WHERE m.user_id = $1 ORDER BY o.name_key, o.id"
    );
    let rows = with_pool!(db, Scope::memberships(), conn => {
        sqlx::query_as::<_, OrgMembershipRow>(&sql).bind(user).fetch_all(&mut *conn).await?
    });
    Ok(rows.into_iter().map(OrgSummary::from).collect())
}

/// The organization with `slug` and `user`'s role in it; `None` when there
/// is no such organization *or* the user is not a member (callers answer
/// both with 404).
#[tracing::instrument(
    name = "orgs::find_membership",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn find_membership(db: &Db, user: UserId, slug: &OrgSlug) -> Result<Option<OrgSummary>, sqlx::Error> {
    let sql = format!("{SELECT_MEMBERSHIP} WHERE o.slug = $1 AND m.user_id = $2");
    let row = with_pool!(db, Scope::memberships(), conn => {
        sqlx::query_as::<_, OrgMembershipRow>(&sql).bind(slug.as_str()).bind(user).fetch_optional(&mut *conn).await?
    });
    Ok(row.map(OrgSummary::from))
}

/// [`find_membership`] by the organization's id: for work done later on a
/// person's behalf (a job), which must still be theirs to do.
#[tracing::instrument(
    name = "orgs::find_membership_by_id",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user, org = %org)
)]
pub async fn find_membership_by_id(db: &Db, user: UserId, org: OrgId) -> Result<Option<OrgSummary>, sqlx::Error> {
    let sql = format!("{SELECT_MEMBERSHIP} WHERE o.id = $1 AND m.user_id = $2");
    let row = with_pool!(db, Scope::tenant(org), conn => {
        sqlx::query_as::<_, OrgMembershipRow>(&sql).bind(org).bind(user).fetch_optional(&mut *conn).await?
    });
    Ok(row.map(OrgSummary::from))
}

/// How many members the context's organization has.
#[tracing::instrument(
    name = "orgs::member_count",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn member_count(db: &Db, ctx: &OrgCtx) -> Result<i64, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM memberships WHERE org_id = $1";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => sqlx::query_scalar::<_, i64>(sql).bind(ctx.org_id()).fetch_one(&mut *conn).await)
}

/// True when `user` is a member of the organization.
#[tracing::instrument(
    name = "orgs::is_member",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn is_member(db: &Db, ctx: &OrgCtx, user: UserId) -> Result<bool, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND user_id = $2";
    let count: i64 = with_pool!(db, Scope::tenant(ctx.org_id()), conn => sqlx::query_scalar(sql).bind(ctx.org_id()).bind(user).fetch_one(&mut *conn).await?);
    Ok(count > 0)
}

/// Creates another organization named `name` on `plan` for `user`, who
/// becomes its Owner; its slug is the first free one derived from the
/// name. Two creations may pick the same free slug at once; the loser
/// retries with the winner's slug taken. Records the event `event` makes
/// of the new organization in the same transaction.
#[tracing::instrument(
    name = "orgs::create",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn create(
    db: &Db,
    user: UserId,
    (name, plan): (&OrgName, Plan),
    event: impl Fn(&OrgSummary) -> NewEvent,
) -> Result<OrgSummary, sqlx::Error> {
    let mut attempts_left = 3;
    loop {
        let now = super::Timestamp::now();
        let result = with_pool!(db, Scope::memberships(), conn => async {
            let mut tx = super::begin_write(&mut *conn).await?;
            let org = insert_in_tx!(tx, name, plan, user, Role::Owner, now);
            events::record(&mut *tx, &event(&org)).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(org)
        }.await);
        attempts_left -= 1;
        match result {
            Err(err) if attempts_left > 0 && SLUG_KEY.violated_by(&err) => continue,
            other => return other,
        }
    }
}

/// Adds `user` to the organization with `role`, by an Admin.
#[tracing::instrument(
    name = "orgs::add_member",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn add_member(db: &Db, ctx: &Admin, user: UserId, role: Role) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query(sql).bind(ctx.org_id()).bind(user).bind(role).bind(super::Timestamp::now()).execute(&mut *conn).await?;
    });
    Ok(())
}

/// The statement that serializes changes to one organization's members,
/// seats and ownership on PostgreSQL (a row lock on it, taken first in the
/// transaction). On SQLite the first write of a transaction takes the
/// database's write lock, which serializes them already.
pub fn lock_organization(backend: Backend) -> Option<&'static str> {
    match backend {
        Backend::Postgres => Some("SELECT id FROM organizations WHERE id = $1 FOR UPDATE"),
        Backend::Sqlite => None,
    }
}

/// One of the limits a plan sets, with how its use is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// The `organizations` column holding the limit (NULL: unlimited).
    column: &'static str,
    /// SQL counting what is in use, for the organization `o`.
    usage: &'static str,
    /// The plural noun of the error message.
    pub resource: &'static str,
}

/// Members and pending invitations: a seat is held from the invitation on.
pub const MEMBER_SEATS: Quota = Quota {
    column: "member_limit",
    usage: "(SELECT COUNT(*) FROM memberships WHERE org_id = o.id) + (SELECT COUNT(*) FROM invitations \
            WHERE org_id = o.id AND accepted_at IS NULL AND revoked_at IS NULL)",
    resource: "members",
};

/// Members only: accepting an invitation turns its held seat into a member.
pub const MEMBERS: Quota = Quota {
    column: "member_limit",
    usage: "(SELECT COUNT(*) FROM memberships WHERE org_id = o.id)",
    resource: "members",
};

/// Projects not in the trash.
pub const PROJECTS: Quota = Quota {
    column: "project_limit",
    usage: "(SELECT COUNT(*) FROM projects WHERE org_id = o.id AND deleted_at IS NULL)",
    resource: "projects",
};

/// Licenses issued (deleted ones free their place).
pub const LICENSES: Quota = Quota {
    column: "license_limit",
    usage: "(SELECT COUNT(*) FROM licenses WHERE org_id = o.id)",
    resource: "licenses",
};

impl Quota {
    /// An SQL condition true while the organization whose id is the
    /// parameter `org` (such as `$2`) has room for one more.
    pub fn has_room(&self, org: &str) -> String {
        let Quota { column, usage, .. } = self;
        format!(
            "EXISTS (SELECT 1 FROM organizations o WHERE o.id = {org} AND (o.{column} IS NULL OR {usage} < o.{column}))"
        )
    }

    /// Whether the organization `org` has room for one more now (a check
    /// before work that would be wasted; the guarded insert still decides).
    #[tracing::instrument(
        name = "orgs::has_room_now",
        level = "debug",
        skip_all,
        fields(db.system.name = db.system_name(), org = %org)
    )]
    pub async fn has_room_now(&self, db: &Db, org: OrgId) -> Result<bool, sqlx::Error> {
        let sql = format!("SELECT {}", self.has_room("$1"));
        with_pool!(db, Scope::tenant(org), conn => sqlx::query_scalar(&sql).bind(org).fetch_one(&mut *conn).await)
    }

    /// SQL reading the limit (NULL: none) of the organization `$1`.
    pub fn limit_sql(&self) -> String {
        format!("SELECT {} FROM organizations WHERE id = $1", self.column)
    }

    /// The error for a refused insert, given the limit read with
    /// [`Quota::limit_sql`].
    pub fn reached(&self, limit: Option<i64>) -> AppError {
        AppError::LimitReached { resource: self.resource.to_owned(), limit: stored_limit(limit).unwrap_or(0) }
    }
}

/// Runs a statement that adds something counted by a [`Quota`], in a
/// transaction that first locks the organization on PostgreSQL (so two
/// additions at once cannot both take the last place). `$statement` runs
/// with the transaction as `$tx` and evaluates to
/// `Result<Option<T>, sqlx::Error>`, `None` when its [`Quota::has_room`]
/// guard refused; then the limit is read and the whole evaluates to
/// `Ok(Err(limit))`, else to `Ok(Ok(T))` once committed.
macro_rules! within_quota {
    ($db:expr, $org:expr, $quota:expr, $tx:ident => $statement:expr) => {{
        let lock = $crate::server::db::orgs::lock_organization($db.backend());
        let limit_sql = $quota.limit_sql();
        let org: $crate::model::OrgId = $org;
        $crate::server::db::with_pool!($db, $crate::server::db::scope::Scope::tenant(org), conn => async {
            let mut $tx = $crate::server::db::begin_write(&mut *conn).await?;
            if let Some(lock) = lock {
                sqlx::query(lock).bind(org).execute(&mut *$tx).await?;
            }
            match $statement {
                Some(value) => {
                    $tx.commit().await?;
                    Ok::<_, sqlx::Error>(Ok(value))
                }
                None => {
                    let limit: Option<i64> = sqlx::query_scalar(&limit_sql).bind(org).fetch_one(&mut *$tx).await?;
                    Ok(Err(limit))
                }
            }
        }.await)
    }};
}
pub(crate) use within_quota;

/// A stored limit as the model has it (`None`: unlimited; a value out of
/// `u32`'s range, which the application never writes, reads as none).
fn stored_limit(n: Option<i64>) -> Option<u32> {
    n.and_then(|n| u32::try_from(n).ok())
}

/// The four limit columns (`member_limit`, `project_limit`,
/// `license_limit`, `storage_limit_mb`) as [`OrgLimits`].
pub(super) fn stored_limits(
    members: Option<i64>,
    projects: Option<i64>,
    licenses: Option<i64>,
    storage_mb: Option<i64>,
) -> OrgLimits {
    OrgLimits {
        members: stored_limit(members),
        projects: stored_limit(projects),
        licenses: stored_limit(licenses),
        storage_mb: stored_limit(storage_mb),
    }
}

/// The bytes the organization `o` keeps: every file's, in the trash too,
/// and the CSV files of its imports.
pub const STORAGE_USAGE: &str = "((SELECT CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) FROM project_files WHERE org_id = o.id) + \
      (SELECT CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) FROM task_imports WHERE org_id = o.id))";

#[derive(sqlx::FromRow)]
struct SettingsRow {
    plan: Plan,
    member_limit: Option<i64>,
    project_limit: Option<i64>,
    license_limit: Option<i64>,
    storage_limit_mb: Option<i64>,
    members: i64,
    projects: i64,
    licenses: i64,
    storage_bytes: i64,
}

/// The organization's plan, limits and what it uses of them.
#[tracing::instrument(
    name = "orgs::plan_and_usage",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn plan_and_usage(db: &Db, ctx: &OrgCtx) -> Result<crate::model::org::PlanUsage, sqlx::Error> {
    let sql = format!(
        "SELECT o.plan, o.member_limit, o.project_limit, o.license_limit, o.storage_limit_mb, {} AS members, \
         {} AS projects, {} AS licenses, {STORAGE_USAGE} AS storage_bytes FROM organizations o WHERE o.id = $1",
        MEMBER_SEATS.usage, PROJECTS.usage, LICENSES.usage
    );
    let row = with_pool!(db, Scope::tenant(ctx.org_id()), conn => sqlx::query_as::<_, SettingsRow>(&sql).bind(ctx.org_id()).fetch_one(&mut *conn).await?);
    Ok(crate::model::org::PlanUsage {
        plan: row.plan,
        limits: stored_limits(row.member_limit, row.project_limit, row.license_limit, row.storage_limit_mb),
        members: row.members,
        projects: row.projects,
        licenses: row.licenses,
        storage_bytes: row.storage_bytes,
    })
}

/// The slug is another organization's.
#[derive(Debug, thiserror::Error)]
pub enum SlugError {
    #[error("slug taken")]
    Taken,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Renames the organization to `name` and gives it the slug `slug`, those
/// given and different from what it has, in one transaction that records
/// `event` when anything changed. The old slug is kept as a redirect
/// (`/o/{old}/...` leads to the new address, for members), and a redirect
/// that held `slug` is dropped: a live slug wins.
///
/// Errors: `Taken` when another organization has `slug` (then nothing
/// changes).
#[tracing::instrument(
    name = "orgs::change_settings",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn change_settings(
    db: &Db,
    ctx: &Admin,
    (name, slug): (Option<&OrgName>, Option<&OrgSlug>),
    event: &NewEvent,
) -> Result<(), SlugError> {
    let old = ctx.org().slug.clone();
    let name = name.filter(|name| name.as_str() != ctx.org().name);
    let slug = slug.filter(|slug| slug.as_str() != old);
    if name.is_none() && slug.is_none() {
        return Ok(());
    }
    let now = Timestamp::now();
    let rename = "UPDATE organizations SET name = $2, name_key = $3, updated_at = $4 WHERE id = $1";
    let update = "UPDATE organizations SET slug = $2, updated_at = $3 WHERE id = $1";
    let keep = "INSERT INTO organization_slug_redirects (slug, org_id, created_at) VALUES ($1, $2, $3) \
                ON CONFLICT (slug) DO UPDATE SET org_id = excluded.org_id, created_at = excluded.created_at";
    let drop = "DELETE FROM organization_slug_redirects WHERE slug = $1";
    // Slugs are one namespace across organizations: the redirect dropped
    // may be another organization's, so this works across tenants.
    let result = with_pool!(db, Scope::slugs(), conn => async {
        let mut tx = super::begin_write(&mut *conn).await?;
        if let Some(slug) = slug {
            sqlx::query(update).bind(ctx.org_id()).bind(slug.as_str()).bind(now).execute(&mut *tx).await?;
            sqlx::query(keep).bind(&old).bind(ctx.org_id()).bind(now).execute(&mut *tx).await?;
            sqlx::query(drop).bind(slug.as_str()).execute(&mut *tx).await?;
        }
        if let Some(name) = name {
            sqlx::query(rename)
                .bind(ctx.org_id())
                .bind(name.as_str())
                .bind(name.as_str().to_lowercase())
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        events::record(&mut *tx, event).await?;
        tx.commit().await
    }.await);
    match result {
        Err(err) if SLUG_KEY.violated_by(&err) => Err(SlugError::Taken),
        other => Ok(other?),
    }
}

/// The current slug of the organization that had the slug `old`, when
/// `user` is one of its members (others get no hint that it moved).
#[tracing::instrument(
    name = "orgs::find_redirect",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn find_redirect(db: &Db, user: UserId, old: &OrgSlug) -> Result<Option<String>, sqlx::Error> {
    let sql = "SELECT o.slug FROM organization_slug_redirects r \
               JOIN organizations o ON o.id = r.org_id AND o.deleted_at IS NULL \
               JOIN memberships m ON m.org_id = o.id AND m.user_id = $2 \
               WHERE r.slug = $1";
    with_pool!(db, Scope::memberships(), conn => sqlx::query_scalar(sql).bind(old.as_str()).bind(user).fetch_optional(&mut *conn).await)
}

/// Why ownership was not transferred.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The new owner is not a member (or is the current owner).
    #[error("no such member")]
    NotFound,
    /// The caller is no longer an Owner.
    #[error("no longer an owner")]
    NotOwner,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<TransferError> for AppError {
    fn from(err: TransferError) -> Self {
        match err {
            TransferError::NotFound => AppError::NotFound,
            TransferError::NotOwner => AppError::Forbidden,
            TransferError::Db(err) => err.into(),
        }
    }
}

/// Transfers ownership to the member `to`: they become an Owner and the
/// acting Owner becomes an Admin, in one transaction (the organization is
/// never without an Owner), which records the event `event` makes of
/// `to`'s role before. Returns that role.
///
/// Errors: `NotFound` when `to` is not a member or is the acting Owner;
/// `NotOwner` when the acting Owner lost the role meanwhile.
#[tracing::instrument(
    name = "orgs::transfer_ownership",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), to = %to)
)]
pub async fn transfer_ownership(
    db: &Db,
    ctx: &Owner,
    to: UserId,
    event: impl FnOnce(Role) -> NewEvent,
) -> Result<Role, TransferError> {
    if to == ctx.user_id() {
        return Err(TransferError::NotFound);
    }
    let lock = lock_organization(db.backend());
    let read = "SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2";
    let promote = "UPDATE memberships SET role = 'owner' WHERE org_id = $1 AND user_id = $2";
    let step_down = "UPDATE memberships SET role = 'admin' WHERE org_id = $1 AND user_id = $2 AND role = 'owner'";
    let org = ctx.org_id();
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => async {
        let mut tx = super::begin_write(&mut *conn).await?;
        if let Some(lock) = lock {
            sqlx::query(lock).bind(org).execute(&mut *tx).await?;
        }
        let before: Option<Role> = sqlx::query_scalar(read).bind(org).bind(to).fetch_optional(&mut *tx).await?;
        let before = before.ok_or(TransferError::NotFound)?;
        sqlx::query(promote).bind(org).bind(to).execute(&mut *tx).await?;
        let stepped = sqlx::query(step_down).bind(org).bind(ctx.user_id()).execute(&mut *tx).await?.rows_affected();
        if stepped != 1 {
            return Err(TransferError::NotOwner);
        }
        events::record(&mut *tx, &event(before)).await?;
        tx.commit().await?;
        Ok(before)
    }.await)
}

/// Deletes the organization softly: from now on it answers 404 to its
/// members and leaves their switcher; a platform admin may restore it for
/// [`DELETED_RETENTION_DAYS`] days, after which it is purged with
/// everything in it. Records `event` in the same transaction (nothing
/// when it was deleted already).
#[tracing::instrument(name = "orgs::delete", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn delete(db: &Db, ctx: &Owner, event: &NewEvent) -> Result<(), sqlx::Error> {
    let sql = "UPDATE organizations SET deleted_at = $2, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let deleted = sqlx::query(sql).bind(ctx.org_id()).bind(Timestamp::now()).execute(&mut *tx).await?.rows_affected();
        if deleted == 1 {
            events::record(&mut *tx, event).await?;
        }
        tx.commit().await?;
    });
    Ok(())
}

/// How long a deleted organization can be restored.
pub const DELETED_RETENTION_DAYS: i64 = 30;

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> OrgName {
        OrgName::parse(s).unwrap()
    }

    #[test]
    fn slug_stem_folds_to_ascii_and_hyphenates() {
        assert_eq!(slug_stem(&name("Acme Rockets, Inc.")), "acme-rockets-inc");
        assert_eq!(slug_stem(&name("Café Müller")), "cafe-muller");
        assert_eq!(slug_stem(&name("🚀 Launch")), "rocket-launch");
        assert_eq!(slug_stem(&name("!!! ???")), "org");
    }

    #[test]
    fn slug_stem_is_at_most_40_characters_without_a_trailing_hyphen() {
        let stem = slug_stem(&name(&format!("{} tail", "a".repeat(39))));
        assert_eq!(stem, "a".repeat(39));
        assert!(slug_stem(&name(&"word ".repeat(20))).len() <= SLUG_STEM_MAX);
    }

    #[test]
    fn first_free_slug_counts_up_from_2() {
        let taken: HashSet<String> = ["acme", "acme-2"].into_iter().map(String::from).collect();
        assert_eq!(first_free_slug("acme", &taken), "acme-3");
        assert_eq!(first_free_slug("globex", &taken), "globex");
    }
}
