//! `cycles`: a project's iterations, with their progress.

use time::Date;

use crate::{
    model::{Cycle, CycleId, CycleName, ProjectId},
    server::ctx::OrgCtx,
};

use super::{Db, Timestamp, with_pool};

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

/// Columns of a cycle with its progress, counted over tasks_org_cycle_idx.
const SELECT_CYCLE: &str = "SELECT c.id, c.project_id, c.name, c.starts_on, c.ends_on, \
       (SELECT COUNT(*) FROM tasks t WHERE t.org_id = c.org_id AND t.cycle_id = c.id \
          AND t.completed_at IS NOT NULL) AS done_tasks, \
       (SELECT COUNT(*) FROM tasks t WHERE t.org_id = c.org_id AND t.cycle_id = c.id) AS total_tasks \
     FROM cycles c";

/// A project's cycles, earliest first, with progress.
pub async fn list_for_project(db: &Db, ctx: &OrgCtx, project: ProjectId) -> Result<Vec<Cycle>, sqlx::Error> {
    let sql = format!("{SELECT_CYCLE} WHERE c.org_id = $1 AND c.project_id = $2 ORDER BY c.starts_on, c.id");
    let rows = with_pool!(db, pool => {
        sqlx::query_as::<_, CycleRow>(&sql).bind(ctx.org_id()).bind(project).fetch_all(pool).await?
    });
    Ok(rows.into_iter().map(Cycle::from).collect())
}

/// The cycle, with progress.
pub async fn find(db: &Db, ctx: &OrgCtx, id: CycleId) -> Result<Option<Cycle>, sqlx::Error> {
    let sql = format!("{SELECT_CYCLE} WHERE c.org_id = $1 AND c.id = $2");
    let row = with_pool!(db, pool => {
        sqlx::query_as::<_, CycleRow>(&sql).bind(ctx.org_id()).bind(id).fetch_optional(pool).await?
    });
    Ok(row.map(Cycle::from))
}

/// Creates a cycle in `project` (which the caller has checked belongs to
/// the organization; the composite foreign key refuses it otherwise).
pub async fn insert(
    db: &Db,
    ctx: &OrgCtx,
    project: ProjectId,
    name: &CycleName,
    starts_on: Date,
    ends_on: Date,
) -> Result<Cycle, sqlx::Error> {
    let id = CycleId::new();
    let sql = "INSERT INTO cycles (id, org_id, project_id, name, starts_on, ends_on, created_at, updated_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $7)";
    with_pool!(db, pool => {
        sqlx::query(sql)
            .bind(id)
            .bind(ctx.org_id())
            .bind(project)
            .bind(name.as_str())
            .bind(starts_on)
            .bind(ends_on)
            .bind(Timestamp::now())
            .execute(pool)
            .await?;
    });
    Ok(Cycle {
        id,
        project_id: project,
        name: name.as_str().to_owned(),
        starts_on,
        ends_on,
        done_tasks: 0,
        total_tasks: 0,
    })
}

/// Renames or re-dates a cycle. `None` when there is no such cycle.
pub async fn update(
    db: &Db,
    ctx: &OrgCtx,
    id: CycleId,
    name: &CycleName,
    starts_on: Date,
    ends_on: Date,
) -> Result<Option<Cycle>, sqlx::Error> {
    let sql =
        "UPDATE cycles SET name = $3, starts_on = $4, ends_on = $5, updated_at = $6 WHERE org_id = $1 AND id = $2";
    with_pool!(db, pool => {
        sqlx::query(sql)
            .bind(ctx.org_id())
            .bind(id)
            .bind(name.as_str())
            .bind(starts_on)
            .bind(ends_on)
            .bind(Timestamp::now())
            .execute(pool)
            .await?;
    });
    find(db, ctx, id).await
}

/// Deletes a cycle; its tasks stay, without a cycle. False when there was
/// no such cycle.
pub async fn delete(db: &Db, ctx: &OrgCtx, id: CycleId) -> Result<bool, sqlx::Error> {
    let sql = "DELETE FROM cycles WHERE org_id = $1 AND id = $2";
    let done =
        with_pool!(db, pool => sqlx::query(sql).bind(ctx.org_id()).bind(id).execute(pool).await?.rows_affected());
    Ok(done == 1)
}
