//! `projects`: an organization's projects, with archive and trash.

use crate::{
    model::{Page, Project, ProjectDescription, ProjectId, ProjectName, ProjectView, project::TRASH_RETENTION_DAYS},
    server::handles::{Admin, OrgCtx, Writer},
};

use super::scope::Scope;
use super::{
    Backend, Db, Timestamp, UniqueKey,
    events::{self, NewEvent},
    orgs, with_pool,
};
use time::OffsetDateTime;

/// What an operation on a project's children (tasks, cycles) needs of the
/// project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectAccess {
    /// Reading: the project is the organization's and not in the trash.
    Read,
    /// Reading only what is current work (the dashboard's counts): readable
    /// and not archived.
    Active,
    /// Changing: readable and not archived, and on PostgreSQL the project
    /// row share-locked for the rest of the transaction (see [`rule`]).
    Write,
}

/// The one rule for a project's children, as an SQL condition: the project
/// `project` (an SQL expression, such as `t.project_id` or `$3`) of the
/// organization `org` allows `access`. Every statement that reads or
/// changes tasks or cycles includes it, so the rule holds inside the
/// statement itself, not only in a check made before it.
///
/// On PostgreSQL a write also locks the project row (`FOR NO KEY UPDATE`,
/// the lock the task counters' update takes anyway, so two writes never
/// hold a shared lock each and wait on the other): an archive or a trash
/// running at the same moment then either waits for the write to commit,
/// or commits first and the write (re-checking the locked row) finds the
/// project no longer writable. SQLite runs one write at a time, so the
/// condition alone is enough there.
pub fn rule(backend: Backend, access: ProjectAccess, org: &str, project: &str) -> String {
    const READABLE: &str = "p.deleted_at IS NULL";
    const ACTIVE: &str = "p.deleted_at IS NULL AND p.archived_at IS NULL";
    let (state, lock) = match (access, backend) {
        (ProjectAccess::Read, _) => (READABLE, ""),
        (ProjectAccess::Active, _) | (ProjectAccess::Write, Backend::Sqlite) => (ACTIVE, ""),
        (ProjectAccess::Write, Backend::Postgres) => (ACTIVE, " FOR NO KEY UPDATE OF p"),
    };
    format!("EXISTS (SELECT 1 FROM projects p WHERE p.org_id = {org} AND p.id = {project} AND {state}{lock})")
}

/// Live project names are unique per organization (`projects_org_name_key`,
/// a partial unique index on `(org_id, name_key)`).
pub const NAME_KEY: UniqueKey =
    UniqueKey { postgres: "projects_org_name_key", sqlite: "projects.org_id, projects.name_key" };

/// A row of `projects`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProjectRow {
    pub id: ProjectId,
    pub name: String,
    pub description: String,
    pub archived_at: Option<Timestamp>,
    pub deleted_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub open_tasks: i64,
    pub done_tasks: i64,
    pub trashed_tasks: i64,
}

impl From<ProjectRow> for Project {
    fn from(row: ProjectRow) -> Self {
        Project {
            id: row.id,
            name: row.name,
            description: row.description,
            archived_at: row.archived_at.map(Timestamp::into_inner),
            deleted_at: row.deleted_at.map(Timestamp::into_inner),
            created_at: row.created_at.into_inner(),
            updated_at: row.updated_at.into_inner(),
            open_tasks: row.open_tasks,
            done_tasks: row.done_tasks,
            trashed_tasks: row.trashed_tasks,
        }
    }
}

/// A project write failed.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// Another live project of the organization has this name.
    #[error("a project with this name already exists")]
    NameTaken,
    /// No such project in this organization (or not in the state the
    /// operation needs: live for edits, trashed for restore).
    #[error("no such project")]
    NotFound,
    /// The organization has as many projects as its plan allows (the
    /// limit, or `None` when unreadable).
    #[error("project limit reached")]
    LimitReached(Option<i64>),
    /// The update was conditional on the project being unchanged since a
    /// moment, and it changed (RFC 9110 `If-Match`).
    #[error("the project changed meanwhile")]
    Changed,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl ProjectError {
    fn from_write(err: sqlx::Error) -> Self {
        if NAME_KEY.violated_by(&err) { Self::NameTaken } else { Self::Db(err) }
    }
}

const COLUMNS: &str = "p.id, p.name, p.description, p.archived_at, p.deleted_at, p.created_at, p.updated_at, \
     p.open_tasks, p.done_tasks, p.trashed_tasks";

/// The key a name is compared by: Unicode lowercase (the same on both
/// backends, unlike SQL `lower()`).
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// Creates a project, when the organization's plan has room for one more,
/// and records the event `event` makes of it in the same transaction.
///
/// Errors: `NameTaken`; `LimitReached` at the plan's project limit.
#[tracing::instrument(name = "projects::insert", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn insert(
    db: &Db,
    ctx: &Writer,
    name: &ProjectName,
    description: &ProjectDescription,
    event: impl FnOnce(&Project) -> NewEvent,
) -> Result<Project, ProjectError> {
    let now = Timestamp::now();
    let row = ProjectRow {
        id: ProjectId::new(),
        name: name.as_str().to_owned(),
        description: description.as_str().to_owned(),
        archived_at: None,
        deleted_at: None,
        created_at: now,
        updated_at: now,
        open_tasks: 0,
        done_tasks: 0,
        trashed_tasks: 0,
    };
    let project: Project = row.into();
    let event = event(&project);
    let sql = format!(
        "INSERT INTO projects (id, org_id, name, name_key, description, created_at, updated_at) \
         SELECT $1, $2, $3, $4, $5, $6, $6 WHERE {}",
        orgs::PROJECTS.has_room("$2")
    );
    let added = orgs::within_quota!(db, ctx.org_id(), orgs::PROJECTS, tx => {
        let inserted = sqlx::query(&sql)
            .bind(project.id)
            .bind(ctx.org_id())
            .bind(&project.name)
            .bind(name_key(&project.name))
            .bind(&project.description)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if inserted == 1 {
            events::record(&mut *tx, &event).await?;
            Some(())
        } else {
            None
        }
    });
    added.map_err(ProjectError::from_write)?.map_err(ProjectError::LimitReached)?;
    Ok(project)
}

/// The event of a project created outside a request (the demo, the
/// seed, tests): `project.created` by the member of `ctx`, not audited.
pub fn created_event(ctx: &OrgCtx) -> impl FnOnce(&Project) -> NewEvent + use<> {
    let (org, user) = (ctx.org_id(), ctx.user_id());
    move |project| {
        NewEvent::change(
            org,
            "project.created",
            ("project", project.id.to_string()),
            Some(user),
            serde_json::json!({ "name": project.name }),
        )
    }
}

/// The event of a project's state changed outside a request (the demo,
/// tests): `kind` (`project.archived`, `project.trashed`, ...) of project
/// `id` by the member of `ctx`, not audited.
pub fn changed_event(ctx: &OrgCtx, kind: &'static str, id: ProjectId) -> impl FnOnce(&str) -> NewEvent + Send + use<> {
    let (org, user) = (ctx.org_id(), ctx.user_id());
    move |name| {
        NewEvent::change(org, kind, ("project", id.to_string()), Some(user), serde_json::json!({ "name": name }))
    }
}

/// The project, whatever its state (active, archived or in the trash).
#[tracing::instrument(
    name = "projects::find",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn find(db: &Db, ctx: &OrgCtx, id: ProjectId) -> Result<Option<Project>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM projects p WHERE p.org_id = $1 AND p.id = $2");
    let row = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_as::<_, ProjectRow>(&sql).bind(ctx.org_id()).bind(id).fetch_optional(&mut *conn).await?
    });
    Ok(row.map(Project::from))
}

/// A page of the organization's projects in `view`, with their task
/// counters: active and archived ones by name, the trash most recent first.
#[tracing::instrument(name = "projects::list", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn list(
    db: &Db,
    ctx: &OrgCtx,
    view: ProjectView,
    limit: u32,
    offset: u32,
) -> Result<Page<Project>, sqlx::Error> {
    let (filter, order) = match view {
        ProjectView::Active => ("p.deleted_at IS NULL AND p.archived_at IS NULL", "p.name_key, p.id"),
        ProjectView::Archived => ("p.deleted_at IS NULL AND p.archived_at IS NOT NULL", "p.name_key, p.id"),
        ProjectView::Trash => ("p.deleted_at IS NOT NULL", "p.deleted_at DESC, p.id"),
    };
    let count_sql = format!("SELECT COUNT(*) FROM projects p WHERE p.org_id = $1 AND {filter}");
    let page_sql = format!(
        "SELECT {COLUMNS} FROM projects p WHERE p.org_id = $1 AND {filter} ORDER BY {order} LIMIT $2 OFFSET $3"
    );
    let (total, rows) = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let total: i64 = sqlx::query_scalar(&count_sql).bind(ctx.org_id()).fetch_one(&mut *conn).await?;
        let rows = sqlx::query_as::<_, ProjectRow>(&page_sql)
            .bind(ctx.org_id())
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(&mut *conn)
            .await?;
        (total, rows)
    });
    Ok(Page::new(rows.into_iter().map(Project::from).collect(), total, limit, offset))
}

/// Every project not in the trash, by name: for the project switcher and
/// move targets.
#[tracing::instrument(
    name = "projects::list_live",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn list_live(db: &Db, ctx: &OrgCtx) -> Result<Vec<Project>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM projects p WHERE p.org_id = $1 AND p.deleted_at IS NULL ORDER BY p.name_key, p.id"
    );
    let rows = with_pool!(db, Scope::tenant(ctx.org_id()), conn => sqlx::query_as::<_, ProjectRow>(&sql).bind(ctx.org_id()).fetch_all(&mut *conn).await?);
    Ok(rows.into_iter().map(Project::from).collect())
}

/// How many projects are active (neither archived nor trashed).
#[tracing::instrument(
    name = "projects::count_active",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn count_active(db: &Db, ctx: &OrgCtx) -> Result<i64, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM projects WHERE org_id = $1 AND deleted_at IS NULL AND archived_at IS NULL";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => sqlx::query_scalar(sql).bind(ctx.org_id()).fetch_one(&mut *conn).await)
}

/// Renames and re-describes a project that is not in the trash; with
/// `unchanged_since`, only if its `updated_at` is still that
/// (`Changed` otherwise). Records `project.updated` (its id, name and
/// description) in the same transaction.
#[tracing::instrument(
    name = "projects::update",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn update(
    db: &Db,
    ctx: &Writer,
    id: ProjectId,
    name: &ProjectName,
    description: &ProjectDescription,
    unchanged_since: Option<OffsetDateTime>,
) -> Result<Project, ProjectError> {
    let sql = "UPDATE projects SET name = $3, name_key = $4, description = $5, updated_at = $6 \
               WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL AND ($7 IS NULL OR updated_at = $7)";
    let event = NewEvent::change(
        ctx.org_id(),
        "project.updated",
        ("project", id.to_string()),
        Some(ctx.user_id()),
        serde_json::json!({ "id": id, "name": name.as_str(), "description": description.as_str() }),
    );
    let updated = with_pool!(db, Scope::tenant(ctx.org_id()), conn => async {
        let mut tx = super::begin_write(&mut *conn).await?;
        let updated = sqlx::query(sql)
            .bind(ctx.org_id())
            .bind(id)
            .bind(name.as_str())
            .bind(name_key(name.as_str()))
            .bind(description.as_str())
            .bind(Timestamp::now())
            .bind(unchanged_since.map(Timestamp::from))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if updated == 1 {
            events::record(&mut *tx, &event).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(updated)
    }.await)
    .map_err(ProjectError::from_write)?;
    if updated == 0
        && unchanged_since.is_some()
        && find(db, ctx, id).await?.is_some_and(|project| project.deleted_at.is_none())
    {
        return Err(ProjectError::Changed);
    }
    reload_if(db, ctx, id, updated).await
}

async fn reload_if(db: &Db, ctx: &OrgCtx, id: ProjectId, changed: u64) -> Result<Project, ProjectError> {
    if changed == 0 {
        return Err(ProjectError::NotFound);
    }
    find(db, ctx, id).await?.ok_or(ProjectError::NotFound)
}

/// Runs `sql` (an UPDATE of one project, `RETURNING name`) bound to the
/// organization, the project and `bind`'s values, and records the event
/// `event` makes of the project's name in the same transaction. Returns
/// how many projects changed (0 or 1).
macro_rules! update_recorded {
    ($db:expr, $ctx:expr, $sql:expr, $event:expr, |$query:ident| $bind:expr) => {{
        let event = $event;
        with_pool!($db, Scope::tenant($ctx.org_id()), conn => {
            let mut tx = super::begin_write(&mut *conn).await?;
            let $query = sqlx::query_scalar::<_, String>($sql).bind($ctx.org_id());
            let name = $bind.fetch_optional(&mut *tx).await?;
            if let Some(name) = &name {
                events::record(&mut *tx, &event(name)).await?;
            }
            tx.commit().await?;
            u64::from(name.is_some())
        })
    }};
}

/// Archives (or unarchives) a project that is not in the trash, and
/// records the event `event` makes of its name in the same transaction.
#[tracing::instrument(
    name = "projects::set_archived",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn set_archived(
    db: &Db,
    ctx: &Writer,
    id: ProjectId,
    archived: bool,
    event: impl FnOnce(&str) -> NewEvent + Send,
) -> Result<Project, ProjectError> {
    let now = Timestamp::now();
    let sql = "UPDATE projects SET archived_at = $3, updated_at = $4 WHERE org_id = $1 AND id = $2 \
               AND deleted_at IS NULL RETURNING name";
    let changed = update_recorded!(db, ctx, sql, event, |query| query.bind(id).bind(archived.then_some(now)).bind(now));
    reload_if(db, ctx, id, changed).await
}

/// Moves a project to the trash (its tasks go with it), and records the
/// event `event` makes of its name in the same transaction.
#[tracing::instrument(
    name = "projects::trash",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn trash(
    db: &Db,
    ctx: &Admin,
    id: ProjectId,
    event: impl FnOnce(&str) -> NewEvent + Send,
) -> Result<Project, ProjectError> {
    let now = Timestamp::now();
    let sql = "UPDATE projects SET deleted_at = $3, updated_at = $3 WHERE org_id = $1 AND id = $2 \
               AND deleted_at IS NULL RETURNING name";
    let changed = update_recorded!(db, ctx, sql, event, |query| query.bind(id).bind(now));
    reload_if(db, ctx, id, changed).await
}

/// Takes a project out of the trash, when the plan has room for it again,
/// and records the event `event` makes of its name in the same
/// transaction.
///
/// Errors: `NotFound` when it is not in the trash; `NameTaken` when a live
/// project has taken its name meanwhile; `LimitReached`.
#[tracing::instrument(
    name = "projects::restore",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn restore(
    db: &Db,
    ctx: &Admin,
    id: ProjectId,
    event: impl FnOnce(&str) -> NewEvent + Send,
) -> Result<Project, ProjectError> {
    if find(db, ctx, id).await?.is_none_or(|project| project.deleted_at.is_none()) {
        return Err(ProjectError::NotFound);
    }
    let sql = format!(
        "UPDATE projects SET deleted_at = NULL, updated_at = $3 \
         WHERE org_id = $1 AND id = $2 AND deleted_at IS NOT NULL AND {} RETURNING name",
        orgs::PROJECTS.has_room("$1")
    );
    let restored = orgs::within_quota!(db, ctx.org_id(), orgs::PROJECTS, tx => {
        let name: Option<String> = sqlx::query_scalar(&sql)
            .bind(ctx.org_id())
            .bind(id)
            .bind(Timestamp::now())
            .fetch_optional(&mut *tx)
            .await?;
        match name {
            Some(name) => {
                events::record(&mut *tx, &event(&name)).await?;
                Some(())
            }
            None => None,
        }
    });
    restored.map_err(ProjectError::from_write)?.map_err(ProjectError::LimitReached)?;
    reload_if(db, ctx, id, 1).await
}

/// Deletes for good every project (of any organization) that has been in
/// the trash for more than [`TRASH_RETENTION_DAYS`] at `now`, with its
/// tasks and cycles. Each project records `project.deleted` (by nobody)
/// in the same transaction; what goes with it records nothing more (as
/// with Keygen's webhooks, a deletion does not cascade into events).
/// Maintenance, not a tenant action: the server runs it periodically.
/// Returns how many projects went.
#[tracing::instrument(
    name = "projects::purge_expired_trash",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn purge_expired_trash(db: &Db, now: time::OffsetDateTime) -> Result<u64, sqlx::Error> {
    let cutoff = Timestamp::from(now - time::Duration::days(TRASH_RETENTION_DAYS));
    let sql = "DELETE FROM projects /* maintenance: every organization */ \
               WHERE deleted_at IS NOT NULL AND deleted_at < $1 RETURNING id, org_id, name";
    with_pool!(db, Scope::maintenance(), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let gone: Vec<(ProjectId, crate::model::OrgId, String)> =
            sqlx::query_as(sql).bind(cutoff).fetch_all(&mut *tx).await?;
        let deleted: Vec<NewEvent> = gone
            .iter()
            .map(|(id, org, name)| {
                let data = serde_json::json!({ "id": id, "name": name });
                NewEvent::change(*org, "project.deleted", ("project", id.to_string()), None, data)
            })
            .collect();
        events::record_all(&mut *tx, &deleted).await?;
        tx.commit().await?;
        Ok(gone.len() as u64)
    })
}
