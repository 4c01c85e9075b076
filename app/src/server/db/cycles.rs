//! `cycles`: a project's iterations, with their progress.

use time::Date;

use crate::{
    model::{Cycle, CycleId, CycleName, ProjectId},
    server::handles::{OrgCtx, Writer},
};

use super::scope::Scope;
use super::{
    Db, Timestamp,
    events::{self, NewEvent},
    projects::{ProjectAccess, rule},
    with_pool,
};

/// The outbox event of a cycle change by the member of `ctx`: `kind`
/// (`cycle.created`, `cycle.updated`, `cycle.deleted`) of cycle `id`, with
/// `data` (a JSON object).
fn cycle_event(ctx: &OrgCtx, kind: &str, id: CycleId, data: serde_json::Value) -> NewEvent {
    NewEvent::change(ctx.org_id(), kind, ("cycle", id.to_string()), Some(ctx.user_id()), data)
}

#[derive(Debug, sqlx::FromRow)]
struct CycleRow {
    id: CycleId,
    project_id: ProjectId,
    name: String,
    starts_on: Date,
    ends_on: Date,
    done_tasks: i64,
    total_tasks: i64,
}

impl From<CycleRow> for Cycle {
    fn from(row: CycleRow) -> Self {
        Cycle {
            id: row.id,
            project_id: row.project_id,
            name: row.name,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            done_tasks: row.done_tasks,
            total_tasks: row.total_tasks,
        }
    }
}

/// Columns of a cycle with its progress: counters of its live tasks that
/// the database keeps with every change to a task (migration 0005).
const SELECT_CYCLE: &str =
    "SELECT c.id, c.project_id, c.name, c.starts_on, c.ends_on, c.done_tasks, c.total_tasks FROM cycles c";

/// A readable project's cycles, earliest first, with progress (none when
/// the project is in the trash).
#[tracing::instrument(
    name = "cycles::list_for_project",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), project = %project)
)]
pub async fn list_for_project(db: &Db, ctx: &OrgCtx, project: ProjectId) -> Result<Vec<Cycle>, sqlx::Error> {
    let sql = format!(
        "{SELECT_CYCLE} WHERE c.org_id = $1 AND c.project_id = $2 AND {} ORDER BY c.starts_on, c.id",
        rule(db.backend(), ProjectAccess::Read, "$1", "$2")
    );
    let rows = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_as::<_, CycleRow>(&sql).bind(ctx.org_id()).bind(project).fetch_all(&mut *conn).await?
    });
    Ok(rows.into_iter().map(Cycle::from).collect())
}

/// The cycle, with progress, when its project is readable.
#[tracing::instrument(
    name = "cycles::find",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn find(db: &Db, ctx: &OrgCtx, id: CycleId) -> Result<Option<Cycle>, sqlx::Error> {
    let sql = format!(
        "{SELECT_CYCLE} WHERE c.org_id = $1 AND c.id = $2 AND {}",
        rule(db.backend(), ProjectAccess::Read, "c.org_id", "c.project_id")
    );
    let row = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_as::<_, CycleRow>(&sql).bind(ctx.org_id()).bind(id).fetch_optional(&mut *conn).await?
    });
    Ok(row.map(Cycle::from))
}

/// Creates a cycle in `project`, recording `cycle.created` (its fields) in
/// the same transaction. `None` when the project is not writable (another
/// organization's, archived or in the trash).
#[tracing::instrument(
    name = "cycles::insert",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), project = %project)
)]
pub async fn insert(
    db: &Db,
    ctx: &Writer,
    project: ProjectId,
    name: &CycleName,
    starts_on: Date,
    ends_on: Date,
) -> Result<Option<Cycle>, sqlx::Error> {
    let id = CycleId::new();
    let sql = format!(
        "INSERT INTO cycles (id, org_id, project_id, name, starts_on, ends_on, created_at, updated_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $7 WHERE {}",
        rule(db.backend(), ProjectAccess::Write, "$2", "$3")
    );
    let data = serde_json::json!({
        "id": id, "project_id": project, "name": name.as_str(),
        "starts_on": starts_on.to_string(), "ends_on": ends_on.to_string(),
    });
    let event = cycle_event(ctx, "cycle.created", id, data);
    let inserted = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let inserted = sqlx::query(&sql)
            .bind(id)
            .bind(ctx.org_id())
            .bind(project)
            .bind(name.as_str())
            .bind(starts_on)
            .bind(ends_on)
            .bind(Timestamp::now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if inserted == 1 {
            events::record(&mut *tx, &event).await?;
        }
        tx.commit().await?;
        inserted
    });
    Ok((inserted == 1).then(|| Cycle {
        id,
        project_id: project,
        name: name.as_str().to_owned(),
        starts_on,
        ends_on,
        done_tasks: 0,
        total_tasks: 0,
    }))
}

/// Renames or re-dates a cycle of a writable project, recording
/// `cycle.updated` (its fields) in the same transaction; with `seen`, only
/// while its name and dates are still those (a conditional update).
/// `None` when there is no such cycle, its project is not writable, or it
/// is no longer as `seen`.
#[tracing::instrument(
    name = "cycles::update",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn update(
    db: &Db,
    ctx: &Writer,
    id: CycleId,
    name: &CycleName,
    starts_on: Date,
    ends_on: Date,
    seen: Option<&Cycle>,
) -> Result<Option<Cycle>, sqlx::Error> {
    let mut sql = format!(
        "UPDATE cycles SET name = $3, starts_on = $4, ends_on = $5, updated_at = $6 \
         WHERE org_id = $1 AND id = $2 AND {}",
        rule(db.backend(), ProjectAccess::Write, "cycles.org_id", "cycles.project_id")
    );
    if seen.is_some() {
        sql.push_str(" AND name = $7 AND starts_on = $8 AND ends_on = $9");
    }
    let data = serde_json::json!({
        "id": id, "name": name.as_str(), "starts_on": starts_on.to_string(), "ends_on": ends_on.to_string(),
    });
    let event = cycle_event(ctx, "cycle.updated", id, data);
    let changed = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let mut query = sqlx::query(&sql)
            .bind(ctx.org_id())
            .bind(id)
            .bind(name.as_str())
            .bind(starts_on)
            .bind(ends_on)
            .bind(Timestamp::now());
        if let Some(seen) = seen {
            query = query.bind(seen.name.as_str()).bind(seen.starts_on).bind(seen.ends_on);
        }
        let changed = query
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 1 {
            events::record(&mut *tx, &event).await?;
        }
        tx.commit().await?;
        changed
    });
    if changed == 0 {
        return Ok(None);
    }
    find(db, ctx, id).await
}

/// Deletes a cycle of a writable project; its tasks stay, without a cycle
/// (cleared first, in the same transaction: the tasks' composite foreign
/// key to the cycle has no `SET NULL` that leaves `org_id` alone on
/// SQLite). Records `cycle.deleted` in the same transaction. False when
/// there was no such cycle.
#[tracing::instrument(
    name = "cycles::delete",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn delete(db: &Db, ctx: &Writer, id: CycleId) -> Result<bool, sqlx::Error> {
    let writable = rule(db.backend(), ProjectAccess::Write, "cycles.org_id", "cycles.project_id");
    let clear = format!(
        "UPDATE tasks SET cycle_id = NULL WHERE org_id = $1 AND cycle_id = $2 \
           AND EXISTS (SELECT 1 FROM cycles WHERE cycles.org_id = $1 AND cycles.id = $2 AND {writable})"
    );
    let delete = format!("DELETE FROM cycles WHERE org_id = $1 AND id = $2 AND {writable}");
    let done = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        sqlx::query(&clear).bind(ctx.org_id()).bind(id).execute(&mut *tx).await?;
        let done = sqlx::query(&delete).bind(ctx.org_id()).bind(id).execute(&mut *tx).await?.rows_affected();
        if done == 1 {
            events::record(&mut *tx, &cycle_event(ctx, "cycle.deleted", id, serde_json::json!({ "id": id }))).await?;
        }
        tx.commit().await?;
        done
    });
    Ok(done == 1)
}
