//! Every tenant at once, for platform admins: the tenant list, suspension,
//! plans and limits, restoring deleted organizations and purging them.
//!
//! Each function takes a [`PlatformAdmin`], the proof `ctx` hands out only
//! to platform admins; the purge is the maintenance task's.

use time::OffsetDateTime;

use crate::{
    model::{OrgId, OrgLimits, Page, Plan, Tenant, TenantStatus},
    server::handles::PlatformAdmin,
};

use super::scope::Scope;
use super::{
    Db, Timestamp,
    events::{self, NewEvent},
    orgs::{DELETED_RETENTION_DAYS, stored_limits},
    sql::contains_pattern,
    with_pool,
};

#[derive(sqlx::FromRow)]
struct TenantRow {
    id: OrgId,
    name: String,
    slug: String,
    plan: Plan,
    member_limit: Option<i64>,
    project_limit: Option<i64>,
    license_limit: Option<i64>,
    storage_limit_mb: Option<i64>,
    suspended_at: Option<Timestamp>,
    deleted_at: Option<Timestamp>,
    created_at: Timestamp,
    members: i64,
    projects: i64,
    tasks: i64,
    licenses: i64,
    storage_bytes: i64,
}

#[derive(sqlx::FromRow)]
struct CountedTenantRow {
    #[sqlx(flatten)]
    tenant: TenantRow,
    total: i64,
}

impl From<TenantRow> for Tenant {
    fn from(row: TenantRow) -> Self {
        let status = match (&row.deleted_at, &row.suspended_at) {
            (Some(_), _) => TenantStatus::Deleted,
            (None, Some(_)) => TenantStatus::Suspended,
            (None, None) => TenantStatus::Active,
        };
        Tenant {
            id: row.id,
            name: row.name,
            slug: row.slug,
            plan: row.plan,
            limits: stored_limits(row.member_limit, row.project_limit, row.license_limit, row.storage_limit_mb),
            status,
            members: row.members,
            projects: row.projects,
            tasks: row.tasks,
            licenses: row.licenses,
            storage_bytes: row.storage_bytes,
            created_at: row.created_at.into(),
            deleted_at: row.deleted_at.map(Into::into),
        }
    }
}

/// The columns of a tenant: the organization and its sizes. The task count
/// adds up the projects' counters (kept by triggers), so a tenant with a
/// million tasks costs what one with ten does.
const TENANT_COLUMNS: &str = "o.id, o.name, o.slug, o.plan, o.member_limit, o.project_limit, o.license_limit, \
     o.storage_limit_mb, o.suspended_at, o.deleted_at, o.created_at, \
     (SELECT COUNT(*) FROM memberships m WHERE m.org_id = o.id) AS members, \
     (SELECT COUNT(*) FROM projects p WHERE p.org_id = o.id AND p.deleted_at IS NULL) AS projects, \
     (SELECT CAST(COALESCE(SUM(p.open_tasks + p.done_tasks), 0) AS BIGINT) FROM projects p \
        WHERE p.org_id = o.id AND p.deleted_at IS NULL) AS tasks, \
     (SELECT COUNT(*) FROM licenses l WHERE l.org_id = o.id) AS licenses, \
     ((SELECT CAST(COALESCE(SUM(f.size_bytes), 0) AS BIGINT) FROM project_files f WHERE f.org_id = o.id) + \
      (SELECT CAST(COALESCE(SUM(i.size_bytes), 0) AS BIGINT) FROM task_imports i WHERE i.org_id = o.id)) \
        AS storage_bytes";

/// A page of every organization, newest first, `limit` from `offset`, with
/// the total. `search` (matched anywhere, case-insensitively) matches
/// names and slugs.
#[tracing::instrument(
    name = "platform::list_tenants",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn list_tenants(
    db: &Db,
    admin: &PlatformAdmin,
    search: Option<&str>,
    limit: u32,
    offset: u32,
) -> Result<Page<Tenant>, sqlx::Error> {
    let pattern = search.map(|search| contains_pattern(&search.to_lowercase()));
    let filter =
        if pattern.is_some() { " WHERE o.name_key LIKE $3 ESCAPE '\\' OR o.slug LIKE $3 ESCAPE '\\'" } else { "" };
    // The page and the count in one statement: the inner query orders and
    // counts the organizations alone (organizations_created_idx), and only
    // the page's rows get their sizes counted, so the cost of a page does
    // not grow with the number of tenants beyond the count itself.
    let sql = format!(
        "SELECT {TENANT_COLUMNS}, page.total FROM ( \
           SELECT o.id, COUNT(*) OVER () AS total FROM organizations o{filter} \
           ORDER BY o.created_at DESC, o.id DESC LIMIT $1 OFFSET $2 \
         ) page JOIN organizations o ON o.id = page.id ORDER BY o.created_at DESC, o.id DESC"
    );
    let rows = with_pool!(db, Scope::platform(admin), conn => {
        let query = sqlx::query_as::<_, CountedTenantRow>(&sql).bind(i64::from(limit)).bind(i64::from(offset));
        match &pattern {
            Some(pattern) => query.bind(pattern).fetch_all(&mut *conn).await?,
            None => query.fetch_all(&mut *conn).await?,
        }
    });
    let total = match rows.first() {
        Some(row) => row.total,
        None if offset == 0 => 0,
        None => {
            let sql = format!("SELECT COUNT(*) FROM organizations o{}", filter.replace("$3", "$1"));
            with_pool!(db, Scope::platform(admin), conn => {
                let query = sqlx::query_scalar::<_, i64>(&sql);
                match &pattern {
                    Some(pattern) => query.bind(pattern).fetch_one(&mut *conn).await?,
                    None => query.fetch_one(&mut *conn).await?,
                }
            })
        }
    };
    let items = rows.into_iter().map(|row| Tenant::from(row.tenant)).collect();
    Ok(Page::new(items, total, limit, offset))
}

/// The organization `id`, whatever its status.
#[tracing::instrument(
    name = "platform::find_tenant",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn find_tenant(db: &Db, admin: &PlatformAdmin, id: OrgId) -> Result<Option<Tenant>, sqlx::Error> {
    let sql = format!("SELECT {TENANT_COLUMNS} FROM organizations o WHERE o.id = $1");
    let row = with_pool!(db, Scope::platform(admin), conn => sqlx::query_as::<_, TenantRow>(&sql).bind(id).fetch_optional(&mut *conn).await?);
    Ok(row.map(Tenant::from))
}

/// Suspends the organization (`suspend`) or reactivates it, and records
/// `event` in the same transaction. `false` (and nothing recorded) when
/// nothing changed (no such organization, or already so).
#[tracing::instrument(
    name = "platform::set_suspended",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn set_suspended(
    db: &Db,
    admin: &PlatformAdmin,
    (id, suspend): (OrgId, bool),
    event: &NewEvent,
) -> Result<bool, sqlx::Error> {
    let now = Timestamp::now();
    let sql = if suspend {
        "UPDATE organizations SET suspended_at = $2, updated_at = $2 WHERE id = $1 AND suspended_at IS NULL"
    } else {
        "UPDATE organizations SET suspended_at = NULL, updated_at = $2 WHERE id = $1 AND suspended_at IS NOT NULL"
    };
    let changed = with_pool!(db, Scope::platform(admin), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let changed = sqlx::query(sql).bind(id).bind(now).execute(&mut *tx).await?.rows_affected();
        if changed == 1 {
            events::record(&mut *tx, event).await?;
        }
        tx.commit().await?;
        changed
    });
    Ok(changed == 1)
}

/// Puts the organization on `plan` with `limits`. Lowering a limit below
/// what is in use refuses only what comes next: nothing is removed.
/// Records `event`, when given, in the same transaction. `false` (and
/// nothing recorded) when there is no such organization.
#[tracing::instrument(
    name = "platform::set_plan",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn set_plan(
    db: &Db,
    admin: &PlatformAdmin,
    id: OrgId,
    (plan, limits): (Plan, OrgLimits),
    event: Option<&NewEvent>,
) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE organizations SET plan = $2, member_limit = $3, project_limit = $4, license_limit = $5, \
               storage_limit_mb = $7, updated_at = $6 WHERE id = $1";
    let changed = with_pool!(db, Scope::platform(admin), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let changed = sqlx::query(sql)
            .bind(id)
            .bind(plan)
            .bind(limits.members.map(i64::from))
            .bind(limits.projects.map(i64::from))
            .bind(limits.licenses.map(i64::from))
            .bind(Timestamp::now())
            .bind(limits.storage_mb.map(i64::from))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if let (1, Some(event)) = (changed, event) {
            events::record(&mut *tx, event).await?;
        }
        tx.commit().await?;
        changed
    });
    Ok(changed == 1)
}

/// The moment before which deleted organizations are purged.
fn retention_cutoff(now: OffsetDateTime) -> Timestamp {
    Timestamp::from(now - time::Duration::days(DELETED_RETENTION_DAYS))
}

/// Restores an organization its Owner deleted, within 30 days. `false`
/// when it is not deleted or was deleted longer ago; otherwise `event` is
/// recorded in the same transaction.
#[tracing::instrument(
    name = "platform::restore",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn restore(db: &Db, admin: &PlatformAdmin, id: OrgId, event: &NewEvent) -> Result<bool, sqlx::Error> {
    let now = OffsetDateTime::now_utc();
    let sql = "UPDATE organizations SET deleted_at = NULL, updated_at = $3 WHERE id = $1 AND deleted_at > $2";
    let changed = with_pool!(db, Scope::platform(admin), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let changed = sqlx::query(sql)
            .bind(id)
            .bind(retention_cutoff(now))
            .bind(Timestamp::from(now))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 1 {
            events::record(&mut *tx, event).await?;
        }
        tx.commit().await?;
        changed
    });
    Ok(changed == 1)
}

/// Deletes for good the organizations deleted more than 30 days before
/// `now`, with everything in them (the foreign keys cascade). Returns how
/// many.
#[tracing::instrument(
    name = "platform::purge_deleted",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn purge_deleted(db: &Db, now: OffsetDateTime) -> Result<u64, sqlx::Error> {
    let sql = "DELETE FROM organizations WHERE deleted_at < $1";
    with_pool!(db, Scope::maintenance(), conn => Ok(sqlx::query(sql).bind(retention_cutoff(now)).execute(&mut *conn).await?.rows_affected()))
}
