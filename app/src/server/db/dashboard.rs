//! The organization dashboard's numbers. Each is one statement served by
//! an index that starts with org_id, and none reads every task: the open
//! count sums project counters, the overdue count stops at its cap, "my
//! tasks" reads its index in order.

use time::{Date, OffsetDateTime, Time};

use crate::{
    model::{AssignedTask, Priority, ProjectId, TaskId, UserId, WeekCount, task_query::COUNT_CAP},
    server::handles::OrgCtx,
};

use super::scope::Scope;
use super::{
    Db, Timestamp,
    projects::{ProjectAccess, rule},
    sql::{Sql, bind_args},
    with_pool,
};

/// Tasks count while they are live and their project is active (the
/// project rule's `Active` state).
fn live_in_active_project(db: &Db) -> String {
    format!("t.deleted_at IS NULL AND {}", rule(db.backend(), ProjectAccess::Active, "t.org_id", "t.project_id"))
}

#[derive(Debug, sqlx::FromRow)]
struct AssignedRow {
    id: TaskId,
    title: String,
    project_id: ProjectId,
    project_name: String,
    priority: Priority,
    due_on: Option<Date>,
}

/// Open tasks in active projects: the sum of their counters, so the
/// dashboard costs the same with a hundred tasks or a million.
#[tracing::instrument(
    name = "dashboard::open_task_count",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn open_task_count(db: &Db, ctx: &OrgCtx) -> Result<i64, sqlx::Error> {
    let sql = "SELECT CAST(COALESCE(SUM(p.open_tasks), 0) AS BIGINT) FROM projects p \
               WHERE p.org_id = $1 AND p.deleted_at IS NULL AND p.archived_at IS NULL";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => sqlx::query_scalar(sql).bind(ctx.org_id()).fetch_one(&mut *conn).await)
}

/// Open tasks in active projects due before `today`, counted up to
/// `COUNT_CAP`; the flag says whether there are more ("1,000+").
#[tracing::instrument(
    name = "dashboard::overdue_count",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn overdue_count(db: &Db, ctx: &OrgCtx, today: Date) -> Result<(i64, bool), sqlx::Error> {
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM tasks t \
           WHERE t.org_id = $1 AND t.completed_at IS NULL AND t.due_on < $2 AND {} LIMIT $3) capped",
        live_in_active_project(db)
    );
    let count: i64 = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_scalar(&sql).bind(ctx.org_id()).bind(today).bind(COUNT_CAP + 1).fetch_one(&mut *conn).await?
    });
    Ok((count.min(COUNT_CAP), count > COUNT_CAP))
}

/// Up to `limit` open tasks of `user` in active projects: soonest due
/// first, undated last, then oldest.
#[tracing::instrument(
    name = "dashboard::open_assigned_to",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn open_assigned_to(
    db: &Db,
    ctx: &OrgCtx,
    user: UserId,
    limit: u32,
) -> Result<Vec<AssignedTask>, sqlx::Error> {
    let sql = format!(
        "SELECT t.id, t.title, t.project_id, p.name AS project_name, t.priority, t.due_on \
         FROM tasks t JOIN projects p ON p.org_id = t.org_id AND p.id = t.project_id \
         WHERE t.org_id = $1 AND t.assignee_id = $2 AND t.completed_at IS NULL AND {} \
         ORDER BY COALESCE(t.due_on, '9999-12-31'), t.id LIMIT $3",
        live_in_active_project(db)
    );
    let rows = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_as::<_, AssignedRow>(&sql)
            .bind(ctx.org_id())
            .bind(user)
            .bind(i64::from(limit))
            .fetch_all(&mut *conn)
            .await?
    });
    Ok(rows
        .into_iter()
        .map(|row| AssignedTask {
            id: row.id,
            title: row.title,
            project_id: row.project_id,
            project_name: row.project_name,
            priority: row.priority,
            due_on: row.due_on,
        })
        .collect())
}

fn midnight(day: Date) -> Timestamp {
    Timestamp::from(OffsetDateTime::new_utc(day, Time::MIDNIGHT))
}

/// Tasks completed in each week starting on `week_starts` (Mondays, oldest
/// first, consecutive): one statement, one bucket sum per week.
#[tracing::instrument(
    name = "dashboard::completed_per_week",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn completed_per_week(db: &Db, ctx: &OrgCtx, week_starts: &[Date]) -> Result<Vec<WeekCount>, sqlx::Error> {
    let Some(last) = week_starts.last() else { return Ok(Vec::new()) };
    let mut bounds: Vec<Timestamp> = week_starts.iter().copied().map(midnight).collect();
    bounds.push(midnight(*last + time::Duration::weeks(1)));

    let mut sql = Sql::new("SELECT ");
    for (i, window) in bounds.windows(2).enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push("COALESCE(SUM(CASE WHEN completed_at >= ")
            .arg(window[0])
            .push(" AND completed_at < ")
            .arg(window[1])
            .push(" THEN 1 ELSE 0 END), 0)");
    }
    sql.push(" FROM tasks t WHERE t.org_id = ").arg(ctx.org_id());
    // Work done stays done when its project is archived later: the chart
    // counts every readable project.
    sql.push(" AND t.deleted_at IS NULL AND ").push(&rule(
        db.backend(),
        ProjectAccess::Read,
        "t.org_id",
        "t.project_id",
    ));
    sql.push(" AND completed_at >= ").arg(bounds[0]).push(" AND completed_at < ").arg(bounds[bounds.len() - 1]);

    let counts: Vec<i64> = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        use sqlx::Row;
        let row = bind_args!(sqlx::query(sql.text()), sql.args().iter().cloned()).fetch_one(&mut *conn).await?;
        (0..week_starts.len()).map(|i| row.try_get::<i64, _>(i)).collect::<Result<_, _>>()?
    });
    Ok(week_starts.iter().zip(counts).map(|(&week_start, count)| WeekCount { week_start, count }).collect())
}
