//! `tasks` and `task_labels`: a project's work items.
//!
//! Every statement here reads or changes tasks only through the project
//! rule (`projects::rule`): reads need a readable project (not in the
//! trash), writes a writable one (not archived either), checked inside the
//! statement. Deleting a task moves it to the trash (`deleted_at`); it can
//! be restored, and is deleted for good after 30 days or when an Admin
//! empties the trash. Lists of tasks are `task_list`'s.

use time::Date;
use tokio::sync::mpsc;

use crate::{
    model::{
        AssigneeFilter, CycleId, LabelId, Priority, ProjectId, Task, TaskFields, TaskId, TaskQuery, UserId,
        project::TRASH_RETENTION_DAYS,
    },
    server::handles::{Admin, OrgCtx, Writer},
};

use super::scope::Scope;
use super::{
    Backend, Db, Timestamp,
    events::{self, NewEvent},
    projects::{ProjectAccess, rule},
    sql::{Sql, bind_args},
    task_list::{self, Cursor},
    with_pool,
};

#[derive(Debug, sqlx::FromRow)]
struct TaskRow {
    id: TaskId,
    project_id: ProjectId,
    title: String,
    description: String,
    priority: Priority,
    due_on: Option<Date>,
    assignee_id: Option<UserId>,
    assignee_name: Option<String>,
    cycle_id: Option<CycleId>,
    completed_at: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
    deleted_at: Option<Timestamp>,
    labels: Option<String>,
}

impl TaskRow {
    fn into_task(self) -> Result<Task, sqlx::Error> {
        let labels = task_list::parse_labels(self.labels.as_deref())?;
        let assignee = task_list::assignee(self.assignee_id, self.assignee_name);
        Ok(Task {
            id: self.id,
            project_id: self.project_id,
            title: self.title,
            description: self.description,
            priority: self.priority,
            due_on: self.due_on,
            assignee,
            cycle_id: self.cycle_id,
            labels,
            completed_at: self.completed_at.map(Timestamp::into_inner),
            created_at: self.created_at.into_inner(),
            updated_at: self.updated_at.into_inner(),
            deleted_at: self.deleted_at.map(Timestamp::into_inner),
        })
    }
}

/// A task write that could not happen.
#[derive(Debug, thiserror::Error)]
pub enum TaskWriteError {
    /// The task's project (or the target project of a move) is no longer
    /// writable: it was archived or trashed since the caller checked.
    #[error("the project is archived or in the trash")]
    NotWritable,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Whole tasks (`TaskRow`) with their labels, from `t`.
fn select_task(backend: Backend) -> String {
    format!(
        "SELECT t.id, t.project_id, t.title, t.description, t.priority, t.due_on, t.assignee_id, \
           u.display_name AS assignee_name, t.cycle_id, t.completed_at, t.created_at, t.updated_at, t.deleted_at, {} \
         FROM tasks t LEFT JOIN users u ON u.id = t.assignee_id",
        task_list::labels_column(backend)
    )
}

/// What the search matches against: title and description, lowercased the
/// same way on both backends.
pub(crate) fn search_text(fields: &TaskFields) -> String {
    format!("{}\n{}", fields.title.as_str().to_lowercase(), fields.description.as_str().to_lowercase())
}

/// Runs `rows_sql` (whole tasks with their labels, `select_task`).
async fn fetch_tasks(db: &Db, ctx: &OrgCtx, rows_sql: &Sql) -> Result<Vec<Task>, sqlx::Error> {
    let rows = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        bind_args!(sqlx::query_as::<_, TaskRow>(rows_sql.text()), rows_sql.args().iter().cloned()).fetch_all(&mut *conn).await?
    });
    rows.into_iter().map(TaskRow::into_task).collect()
}

/// Whether the label and the member that `query` filters by, if any, are
/// this organization's. A filter naming another organization's label or
/// user must answer 404 like any other use of its id, not an empty list.
#[tracing::instrument(
    name = "tasks::filter_ids_exist",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn filter_ids_exist(db: &Db, ctx: &OrgCtx, query: &TaskQuery) -> Result<bool, sqlx::Error> {
    if let Some(label) = query.label
        && !super::labels::all_exist(db, ctx, &[label]).await?
    {
        return Ok(false);
    }
    match query.assignee {
        Some(AssigneeFilter::User(user)) => super::orgs::is_member(db, ctx, user).await,
        _ => Ok(true),
    }
}

/// Every task of `project` matching `query` (its page ignored), in its
/// order, sent into `out` `batch` at a time.
///
/// Each batch is one short statement of its own that starts after the
/// last task of the one before (keyset paging), so an export holds a
/// database connection only while a batch is read, never while the client
/// takes its time, and the thousandth batch costs what the first did. A
/// task changed during a long export shows as it was when its batch was
/// read. A batch is read only with a permit of `slots`, which bounds how
/// many exports read at once. Stops early when `out` is closed; a database
/// error is sent as the last item.
#[allow(clippy::too_many_arguments, reason = "the export's scope, its batching and its two bounds")]
#[tracing::instrument(
    name = "tasks::export",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), project = %project)
)]
pub async fn export(
    db: &Db,
    ctx: &OrgCtx,
    project: ProjectId,
    query: &TaskQuery,
    today: Date,
    batch: u32,
    slots: &tokio::sync::Semaphore,
    out: mpsc::Sender<Result<Vec<Task>, sqlx::Error>>,
) {
    let mut cursor: Option<Cursor> = None;
    loop {
        let sql = task_list::batch_sql(
            &select_task(db.backend()),
            db.backend(),
            ctx,
            project,
            query,
            today,
            cursor.as_ref(),
            batch,
        );
        let result = {
            // Held for the read only, not while the client takes the batch.
            let Ok(_permit) = slots.acquire().await else { return };
            fetch_tasks(db, ctx, &sql).await
        };
        let tasks = match result {
            Ok(tasks) => tasks,
            Err(err) => {
                let _closed = out.send(Err(err)).await;
                return;
            }
        };
        let last = tasks.len() < batch as usize;
        cursor = tasks.last().map(|task| Cursor::after(task, query.sort, query.dir));
        if tasks.is_empty() || out.send(Ok(tasks)).await.is_err() || last {
            return;
        }
    }
}

/// One live task, when its project is readable.
#[tracing::instrument(
    name = "tasks::find",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn find(db: &Db, ctx: &OrgCtx, id: TaskId) -> Result<Option<Task>, sqlx::Error> {
    find_in(db, ctx, id, Lifecycle::Live).await
}

/// One task, live or in the trash as `lifecycle` says, when its project is
/// readable.
#[tracing::instrument(
    name = "tasks::find_in",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn find_in(db: &Db, ctx: &OrgCtx, id: TaskId, lifecycle: Lifecycle) -> Result<Option<Task>, sqlx::Error> {
    let mut sql = Sql::new(&select_task(db.backend()));
    sql.push(" WHERE t.org_id = ").arg(ctx.org_id()).push(" AND t.id = ").arg(id);
    sql.push(" AND ").push(&lifecycle.condition("t")).push(" AND ").push(&rule(
        db.backend(),
        ProjectAccess::Read,
        "t.org_id",
        "t.project_id",
    ));
    Ok(fetch_tasks(db, ctx, &sql).await?.pop())
}

/// Replaces the labels of `task` with `labels`, inside the transaction
/// `$tx`.
macro_rules! replace_labels {
    ($tx:ident, $ctx:expr, $task:expr, $labels:expr) => {{
        let labels: &[LabelId] = $labels;
        sqlx::query("DELETE FROM task_labels WHERE org_id = $1 AND task_id = $2")
            .bind($ctx.org_id())
            .bind($task)
            .execute(&mut *$tx)
            .await?;
        let mut unique = labels.to_vec();
        unique.sort_unstable();
        unique.dedup();
        if !unique.is_empty() {
            let mut sql = Sql::new("INSERT INTO task_labels (org_id, task_id, label_id) VALUES ");
            for (i, label) in unique.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.push("(").arg($ctx.org_id()).push(", ").arg($task).push(", ").arg(*label).push(")");
            }
            bind_args!(sqlx::query(sql.text()), sql.args().iter().cloned()).execute(&mut *$tx).await?;
        }
    }};
}

/// Binds the eight columns a task's fields fill, in this order: `title`,
/// `title_key`, `description`, `search_text`, `priority`, `due_on`,
/// `assignee_id`, `cycle_id`.
macro_rules! bind_fields {
    ($query:expr, $fields:expr) => {{
        let fields: &TaskFields = $fields;
        $query
            .bind(fields.title.as_str())
            .bind(fields.title.as_str().to_lowercase())
            .bind(fields.description.as_str())
            .bind(search_text(fields))
            .bind(fields.priority)
            .bind(fields.due_on)
            .bind(fields.assignee)
            .bind(fields.cycle)
    }};
}

/// The outbox event of a task change by the member of `ctx`: `kind`
/// (`task.created`, `task.updated`, `task.deleted`, ...) of task `id`,
/// with `data` (a JSON object).
fn task_event(ctx: &OrgCtx, kind: &str, id: TaskId, data: serde_json::Value) -> NewEvent {
    NewEvent::change(ctx.org_id(), kind, ("task", id.to_string()), Some(ctx.user_id()), data)
}

/// The `task.created` event of a task the member of `ctx` made (an
/// import's, say): its fields, `completed` when made done.
pub(crate) fn created_event(
    ctx: &OrgCtx,
    id: TaskId,
    project: ProjectId,
    fields: &TaskFields,
    completed: bool,
) -> NewEvent {
    let mut data = fields_data(id, Some(project), fields);
    if let Some(object) = data.as_object_mut() {
        object.insert("completed".into(), serde_json::json!(completed));
    }
    task_event(ctx, "task.created", id, data)
}

/// What a task's event says of its fields: all of them, as written.
fn fields_data(id: TaskId, project: Option<ProjectId>, fields: &TaskFields) -> serde_json::Value {
    let mut data = serde_json::json!({
        "id": id,
        "title": fields.title.as_str(),
        "description": fields.description.as_str(),
        "priority": fields.priority.as_str(),
        "due_on": fields.due_on.map(|day| day.to_string()),
        "assignee_id": fields.assignee,
        "cycle_id": fields.cycle,
        "label_ids": fields.labels,
    });
    if let (Some(project), Some(object)) = (project, data.as_object_mut()) {
        object.insert("project_id".into(), serde_json::json!(project));
    }
    data
}

/// Creates a task in `project` from `fields`, by the writer. The caller has
/// checked that the assignee, cycle and labels belong to the organization
/// (and the cycle to the project); the composite foreign keys refuse
/// another organization's regardless. `NotWritable` when the project is
/// archived or trashed. Records `task.created` (its fields) in the same
/// transaction.
#[tracing::instrument(
    name = "tasks::insert",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), project = %project)
)]
pub async fn insert(db: &Db, ctx: &Writer, project: ProjectId, fields: &TaskFields) -> Result<Task, TaskWriteError> {
    let id = TaskId::new();
    let now = Timestamp::now();
    let event = task_event(ctx, "task.created", id, fields_data(id, Some(project), fields));
    let sql = format!(
        "INSERT INTO tasks (id, org_id, project_id, title, title_key, description, search_text, priority, \
           due_on, assignee_id, cycle_id, created_by, created_at, updated_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13 WHERE {}",
        rule(db.backend(), ProjectAccess::Write, "$2", "$3")
    );
    let inserted = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let inserted = bind_fields!(sqlx::query(&sql).bind(id).bind(ctx.org_id()).bind(project), fields)
            .bind(ctx.user_id())
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if inserted == 1 {
            replace_labels!(tx, ctx, id, &fields.labels);
            events::record(&mut *tx, &event).await?;
        }
        tx.commit().await?;
        inserted
    });
    if inserted == 0 {
        return Err(TaskWriteError::NotWritable);
    }
    find(db, ctx, id).await?.ok_or(TaskWriteError::NotWritable)
}

/// Rows one multi-row insert writes: 14 values each stays far below either
/// backend's limit on bound parameters (32,766 for SQLite, 65,535 for
/// PostgreSQL).
pub(crate) const INSERT_BATCH: usize = 500;

/// Inserts `$rows` (`&[(TaskId, &TaskFields)]`) into `$project` by the
/// writer `$ctx`, inside the transaction `$tx`, 500 rows per statement,
/// each under the project's write rule; evaluates to the rows written, or
/// returns `Err(TaskWriteError::NotWritable)` from the enclosing function
/// (the transaction rolls back as it drops) when the project is archived
/// or trashed.
macro_rules! insert_rows {
    ($tx:ident, $backend:expr, $ctx:expr, $project:expr, $rows:expr, $now:expr) => {{
        let rows: &[(TaskId, &TaskFields)] = $rows;
        let mut inserted = 0_u64;
        for batch in rows.chunks($crate::server::db::tasks::INSERT_BATCH) {
            let mut sql = $crate::server::db::sql::Sql::new(
                "INSERT INTO tasks (id, org_id, project_id, title, title_key, description, search_text, priority, \
                   due_on, assignee_id, cycle_id, created_by, created_at, updated_at) \
                 SELECT v.* FROM (VALUES ",
            );
            let org = sql.bind($ctx.org_id());
            let project_arg = sql.bind($project);
            let author = sql.bind($ctx.user_id());
            let at = sql.bind($now);
            for (i, (id, fields)) in batch.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" });
                sql.arg(*id).push(&format!(", {org}, {project_arg}, "));
                sql.arg(fields.title.as_str())
                    .push(", ")
                    .arg(fields.title.as_str().to_lowercase())
                    .push(", ")
                    .arg(fields.description.as_str())
                    .push(", ")
                    .arg($crate::server::db::tasks::search_text(fields))
                    .push(", ")
                    .arg(fields.priority.as_str());
                sql.push(", ").arg_optional(fields.due_on).push(", ").arg_optional(fields.assignee);
                sql.push(", ").arg_optional(fields.cycle).push(&format!(", {author}, {at}, {at})"));
            }
            sql.push(") AS v WHERE ").push(&$crate::server::db::projects::rule(
                $backend,
                $crate::server::db::projects::ProjectAccess::Write,
                &org,
                &project_arg,
            ));
            let done = $crate::server::db::sql::bind_args!(sqlx::query(sql.text()), sql.args().iter().cloned())
                .execute(&mut *$tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err($crate::server::db::tasks::TaskWriteError::NotWritable);
            }
            inserted += done.rows_affected();
            let labelled: Vec<(TaskId, $crate::model::LabelId)> = batch
                .iter()
                .flat_map(|(id, fields)| {
                    let mut labels = fields.labels.clone();
                    labels.sort_unstable();
                    labels.dedup();
                    labels.into_iter().map(move |label| (*id, label))
                })
                .collect();
            for links in labelled.chunks($crate::server::db::tasks::INSERT_BATCH * 4) {
                let mut sql =
                    $crate::server::db::sql::Sql::new("INSERT INTO task_labels (org_id, task_id, label_id) VALUES ");
                let org = sql.bind($ctx.org_id());
                for (i, (task, label)) in links.iter().enumerate() {
                    sql.push(if i == 0 { "(" } else { ", (" }).push(&org).push(", ").arg(*task).push(", ").arg(*label);
                    sql.push(")");
                }
                $crate::server::db::sql::bind_args!(sqlx::query(sql.text()), sql.args().iter().cloned())
                    .execute(&mut *$tx)
                    .await?;
            }
        }
        inserted
    }};
}
pub(crate) use insert_rows;

/// Creates many tasks in `project` at once, in batches of 500 rows per
/// statement, all in one transaction (bulk loads: seeding, the demo). The
/// same checks and rule as [`insert`] apply to every row: `NotWritable`
/// (and nothing written) when the project is archived or trashed. Ids are
/// made in order, so the tasks list in the order given. Returns the new
/// tasks' ids, in that order.
#[tracing::instrument(
    name = "tasks::insert_many",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), project = %project)
)]
pub async fn insert_many(
    db: &Db,
    ctx: &Writer,
    project: ProjectId,
    tasks: &[TaskFields],
) -> Result<Vec<TaskId>, TaskWriteError> {
    let now = Timestamp::now();
    let rows: Vec<(TaskId, &TaskFields)> = tasks.iter().map(|fields| (TaskId::new(), fields)).collect();
    let backend = db.backend();
    let inserted = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let inserted = insert_rows!(tx, backend, ctx, project, &rows, now);
        tx.commit().await?;
        inserted
    });
    debug_assert_eq!(inserted as usize, rows.len());
    Ok(rows.into_iter().map(|(id, _)| id).collect())
}

/// A conditional task update that could not happen.
#[derive(Debug, thiserror::Error)]
pub enum TaskUpdateError {
    /// The task's `updated_at` is no longer the `unchanged_since` given:
    /// someone changed it since the caller read it.
    #[error("the task changed meanwhile")]
    Changed,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Writes every field of a live task in a writable project; with
/// `unchanged_since`, only if its `updated_at` is still that (checked in
/// the same statement, so of two writers from the same version one
/// wins). `None` when there is no such task (or its project is not
/// writable); `Changed` when it changed since. Records `task.updated`
/// (its fields) in the same transaction.
#[tracing::instrument(
    name = "tasks::update",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn update(
    db: &Db,
    ctx: &Writer,
    id: TaskId,
    fields: &TaskFields,
    unchanged_since: Option<time::OffsetDateTime>,
) -> Result<Option<Task>, TaskUpdateError> {
    let sql = format!(
        "UPDATE tasks SET title = $3, title_key = $4, description = $5, search_text = $6, priority = $7, \
           due_on = $8, assignee_id = $9, cycle_id = $10, updated_at = $11 \
         WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL AND ($12 IS NULL OR updated_at = $12) AND {}",
        rule(db.backend(), ProjectAccess::Write, "tasks.org_id", "tasks.project_id")
    );
    let since = unchanged_since.map(Timestamp::from);
    let event = task_event(ctx, "task.updated", id, fields_data(id, None, fields));
    let changed = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let changed = bind_fields!(sqlx::query(&sql).bind(ctx.org_id()).bind(id), fields)
            .bind(Timestamp::now())
            .bind(since)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 1 {
            replace_labels!(tx, ctx, id, &fields.labels);
            events::record(&mut *tx, &event).await?;
        }
        tx.commit().await?;
        changed
    });
    if changed == 0 {
        return match (since, find(db, ctx, id).await?) {
            (Some(since), Some(task)) if Timestamp::from(task.updated_at) != since => Err(TaskUpdateError::Changed),
            _ => Ok(None),
        };
    }
    Ok(find(db, ctx, id).await?)
}

/// Which tasks a bulk action is for: live ones, or those in the trash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Live,
    Trashed,
}

impl Lifecycle {
    fn condition(self, alias: &str) -> String {
        match self {
            Lifecycle::Live => format!("{alias}.deleted_at IS NULL"),
            Lifecycle::Trashed => format!("{alias}.deleted_at IS NOT NULL"),
        }
    }
}

/// Of `ids`: how many are `lifecycle` tasks of this organization in a
/// readable project (of `project` only, when given), and how many of those
/// are in a writable one.
#[tracing::instrument(
    name = "tasks::count_found_and_writable",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), project = project.map(tracing::field::display))
)]
pub async fn count_found_and_writable(
    db: &Db,
    ctx: &OrgCtx,
    ids: &[TaskId],
    lifecycle: Lifecycle,
    project: Option<ProjectId>,
) -> Result<(i64, i64), sqlx::Error> {
    if ids.is_empty() {
        return Ok((0, 0));
    }
    let mut sql = Sql::new(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN p.archived_at IS NULL THEN 1 ELSE 0 END), 0) \
         FROM tasks t JOIN projects p ON p.org_id = t.org_id AND p.id = t.project_id \
         WHERE p.deleted_at IS NULL AND t.org_id = ",
    );
    sql.arg(ctx.org_id())
        .push(" AND ")
        .push(&lifecycle.condition("t"))
        .push(" AND t.id IN (")
        .arg_list(ids.iter().copied())
        .push(")");
    if let Some(project) = project {
        sql.push(" AND t.project_id = ").arg(project);
    }
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        bind_args!(sqlx::query_as::<_, (i64, i64)>(sql.text()), sql.args().iter().cloned()).fetch_one(&mut *conn).await
    })
}

/// The WHERE clause of a bulk change: the task is one of `ids`, of this
/// organization, `lifecycle`, in a writable project.
fn push_bulk_target(sql: &mut Sql, backend: Backend, ctx: &OrgCtx, ids: &[TaskId], lifecycle: Lifecycle) {
    sql.push(" WHERE org_id = ")
        .arg(ctx.org_id())
        .push(" AND ")
        .push(&lifecycle.condition("tasks"))
        .push(" AND ")
        .push(&rule(backend, ProjectAccess::Write, "tasks.org_id", "tasks.project_id"))
        .push(" AND id IN (")
        .arg_list(ids.iter().copied())
        .push(")");
}

/// Runs `UPDATE tasks SET <set>` on the bulk target (see
/// [`push_bulk_target`]) and records, in the same transaction, one event
/// of type `kind` with `data` (and the task's `id`) for each task it
/// changed. `set` writes the SET clause and may return one more condition
/// for the WHERE clause.
async fn update_many(
    db: &Db,
    ctx: &Writer,
    ids: &[TaskId],
    lifecycle: Lifecycle,
    (kind, data): (&str, serde_json::Value),
    set: impl FnOnce(&mut Sql) -> Option<String>,
) -> Result<u64, sqlx::Error> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut sql = Sql::new("UPDATE tasks SET ");
    let condition = set(&mut sql);
    push_bulk_target(&mut sql, db.backend(), ctx, ids, lifecycle);
    if let Some(condition) = condition {
        sql.push(" AND ").push(&condition);
    }
    sql.push(" RETURNING id");
    change_recorded(db, ctx, &sql, kind, data).await
}

/// Runs `sql` (a change of tasks `RETURNING id`) in a transaction that
/// records one event `kind` with `data` (and the task's `id`) for each
/// task it returns; how many it changed.
async fn change_recorded(
    db: &Db,
    ctx: &OrgCtx,
    sql: &Sql,
    kind: &str,
    data: serde_json::Value,
) -> Result<u64, sqlx::Error> {
    let event = |id: TaskId| {
        let mut data = data.clone();
        if let Some(object) = data.as_object_mut() {
            object.insert("id".into(), serde_json::json!(id));
        }
        task_event(ctx, kind, id, data)
    };
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let changed: Vec<TaskId> = bind_args!(sqlx::query_scalar(sql.text()), sql.args().iter().cloned())
            .fetch_all(&mut *tx)
            .await?;
        for id in &changed {
            events::record(&mut *tx, &event(*id)).await?;
        }
        tx.commit().await?;
        Ok(changed.len() as u64)
    })
}

/// Completes (`done`) or reopens the tasks. Completing sets
/// `completed_at` to now on open tasks only; reopening clears it.
#[tracing::instrument(
    name = "tasks::set_completed",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn set_completed(db: &Db, ctx: &Writer, ids: &[TaskId], done: bool) -> Result<u64, sqlx::Error> {
    let now = Timestamp::now();
    let change = ("task.updated", serde_json::json!({ "completed": done }));
    update_many(db, ctx, ids, Lifecycle::Live, change, |sql| {
        if done {
            sql.push("completed_at = COALESCE(completed_at, ").arg(now).push("), updated_at = ").arg(now);
        } else {
            sql.push("completed_at = NULL, updated_at = ").arg(now);
        }
        None
    })
    .await
}

/// Moves the tasks to `project`, taking them out of their cycles (a cycle
/// belongs to one project). The target must be writable too, checked in
/// the same statement.
#[tracing::instrument(
    name = "tasks::move_to_project",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), project = %project)
)]
pub async fn move_to_project(db: &Db, ctx: &Writer, ids: &[TaskId], project: ProjectId) -> Result<u64, sqlx::Error> {
    let backend = db.backend();
    let change = ("task.updated", serde_json::json!({ "project_id": project, "cycle_id": null }));
    update_many(db, ctx, ids, Lifecycle::Live, change, |sql| {
        let target = sql.bind(project);
        sql.push(&format!("project_id = {target}, cycle_id = NULL, updated_at = ")).arg(Timestamp::now());
        Some(rule(backend, ProjectAccess::Write, "tasks.org_id", &target))
    })
    .await
}

/// Assigns the tasks to `assignee`, or unassigns them (`None`).
#[tracing::instrument(
    name = "tasks::assign",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), assignee = assignee.map(tracing::field::display))
)]
pub async fn assign(db: &Db, ctx: &Writer, ids: &[TaskId], assignee: Option<UserId>) -> Result<u64, sqlx::Error> {
    let change = ("task.updated", serde_json::json!({ "assignee_id": assignee }));
    update_many(db, ctx, ids, Lifecycle::Live, change, |sql| {
        match assignee {
            Some(user) => sql.push("assignee_id = ").arg(user),
            None => sql.push("assignee_id = NULL"),
        };
        sql.push(", updated_at = ").arg(Timestamp::now());
        None
    })
    .await
}

/// Moves live tasks to the trash; each records `task.deleted` (still
/// restorable: `trashed` true).
#[tracing::instrument(name = "tasks::trash", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn trash(db: &Db, ctx: &Writer, ids: &[TaskId]) -> Result<u64, sqlx::Error> {
    let now = Timestamp::now();
    let change = ("task.deleted", serde_json::json!({ "trashed": true }));
    update_many(db, ctx, ids, Lifecycle::Live, change, |sql| {
        let now = sql.bind(now);
        sql.push(&format!("deleted_at = {now}, updated_at = {now}"));
        None
    })
    .await
}

/// Takes tasks out of the trash; each records `task.restored`.
#[tracing::instrument(name = "tasks::restore", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn restore(db: &Db, ctx: &Writer, ids: &[TaskId]) -> Result<u64, sqlx::Error> {
    update_many(db, ctx, ids, Lifecycle::Trashed, ("task.restored", serde_json::json!({})), |sql| {
        sql.push("deleted_at = NULL, updated_at = ").arg(Timestamp::now());
        None
    })
    .await
}

/// Deletes trashed tasks for good (with their label links); each records
/// `task.deleted` (`trashed` false: gone).
#[tracing::instrument(name = "tasks::purge", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn purge(db: &Db, ctx: &Admin, ids: &[TaskId]) -> Result<u64, sqlx::Error> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut sql = Sql::new("DELETE FROM tasks");
    push_bulk_target(&mut sql, db.backend(), ctx, ids, Lifecycle::Trashed);
    sql.push(" RETURNING id");
    change_recorded(db, ctx, &sql, "task.deleted", serde_json::json!({ "trashed": false })).await
}

/// Empties the trash of `project` (a writable project): every trashed task
/// of it is deleted for good, each recording `task.deleted` (`trashed`
/// false: gone).
#[tracing::instrument(
    name = "tasks::empty_trash",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), project = %project)
)]
pub async fn empty_trash(db: &Db, ctx: &Admin, project: ProjectId) -> Result<u64, sqlx::Error> {
    let mut sql = Sql::new("DELETE FROM tasks WHERE org_id = ");
    let org = sql.bind(ctx.org_id());
    let project_arg = sql.bind(project);
    sql.push(&format!("{org} AND project_id = {project_arg} AND deleted_at IS NOT NULL AND "));
    sql.push(&rule(db.backend(), ProjectAccess::Write, &org, &project_arg)).push(" RETURNING id");
    change_recorded(db, ctx, &sql, "task.deleted", serde_json::json!({ "trashed": false })).await
}

/// Deletes for good every task (of any organization) that has been in the
/// trash for more than [`TRASH_RETENTION_DAYS`] at `now`, each recording
/// `task.deleted` (`trashed` false, by nobody) in the same transaction.
/// Maintenance, not a tenant action. Returns how many went.
#[tracing::instrument(
    name = "tasks::purge_expired_trash",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn purge_expired_trash(db: &Db, now: time::OffsetDateTime) -> Result<u64, sqlx::Error> {
    let cutoff = Timestamp::from(now - time::Duration::days(TRASH_RETENTION_DAYS));
    let sql = "DELETE FROM tasks /* maintenance: every organization */ WHERE deleted_at IS NOT NULL AND deleted_at < $1 \
               RETURNING id, org_id";
    with_pool!(db, Scope::maintenance(), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let gone: Vec<(TaskId, crate::model::OrgId)> = sqlx::query_as(sql).bind(cutoff).fetch_all(&mut *tx).await?;
        let deleted: Vec<NewEvent> = gone
            .iter()
            .map(|(id, org)| {
                let data = serde_json::json!({ "id": id, "trashed": false });
                NewEvent::change(*org, "task.deleted", ("task", id.to_string()), None, data)
            })
            .collect();
        events::record_all(&mut *tx, &deleted).await?;
        tx.commit().await?;
        Ok(gone.len() as u64)
    })
}
