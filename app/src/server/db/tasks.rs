//! `tasks` and `task_labels`: a project's work items.
//!
//! A page of tasks costs three statements whatever its size: the count, the
//! page (assignee names joined in), and the labels of the page's tasks.

use std::collections::HashMap;

use time::Date;
use tokio::sync::mpsc;

use crate::{
    model::{
        Assignee, AssigneeFilter, CycleId, LabelColor, LabelId, Page, Priority, ProjectId, SortDir, StatusFilter, Task,
        TaskFields, TaskId, TaskLabel, TaskQuery, TaskSort, UserId,
    },
    server::ctx::OrgCtx,
};

use super::{
    Backend, Db, Timestamp,
    sql::{Sql, bind_args, contains_pattern},
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
}

impl TaskRow {
    fn into_task(self, labels: Vec<TaskLabel>) -> Task {
        let assignee = match (self.assignee_id, self.assignee_name) {
            (Some(id), Some(display_name)) => Some(Assignee { id, display_name }),
            _ => None,
        };
        Task {
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
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
struct TaskLabelRow {
    task_id: TaskId,
    id: LabelId,
    name: String,
    color: LabelColor,
}

const SELECT_TASK: &str = "SELECT t.id, t.project_id, t.title, t.description, t.priority, t.due_on, \
       t.assignee_id, u.display_name AS assignee_name, t.cycle_id, t.completed_at, t.created_at, t.updated_at \
     FROM tasks t LEFT JOIN users u ON u.id = t.assignee_id";

/// Tasks may change only while their project is neither archived nor in
/// the trash.
const IN_WRITABLE_PROJECT: &str = "project_id IN (SELECT p.id FROM projects p WHERE p.org_id = tasks.org_id \
       AND p.archived_at IS NULL AND p.deleted_at IS NULL)";

/// Sorting `priority` text by urgency.
const PRIORITY_RANK: &str = "CASE t.priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 \
       WHEN 'low' THEN 1 ELSE 0 END";

/// What the search matches against: title and description, lowercased the
/// same way on both backends.
fn search_text(fields: &TaskFields) -> String {
    format!("{}\n{}", fields.title.as_str().to_lowercase(), fields.description.as_str().to_lowercase())
}

/// Appends the WHERE conditions of `query` for the tasks of `project`.
/// `me` resolves the "me" assignee filter, `today` the overdue one.
fn push_filters(sql: &mut Sql, ctx: &OrgCtx, project: ProjectId, query: &TaskQuery, me: UserId, today: Date) {
    sql.push(" WHERE t.org_id = ").arg(ctx.org_id()).push(" AND t.project_id = ").arg(project);
    match query.status {
        StatusFilter::Open => {
            sql.push(" AND t.completed_at IS NULL");
        }
        StatusFilter::Done => {
            sql.push(" AND t.completed_at IS NOT NULL");
        }
        StatusFilter::All => {}
    }
    match query.assignee {
        Some(AssigneeFilter::Me) => {
            sql.push(" AND t.assignee_id = ").arg(me);
        }
        Some(AssigneeFilter::Nobody) => {
            sql.push(" AND t.assignee_id IS NULL");
        }
        Some(AssigneeFilter::User(user)) => {
            sql.push(" AND t.assignee_id = ").arg(user);
        }
        None => {}
    }
    if let Some(label) = query.label {
        sql.push(" AND t.id IN (SELECT tl.task_id FROM task_labels tl WHERE tl.org_id = ")
            .arg(ctx.org_id())
            .push(" AND tl.label_id = ")
            .arg(label)
            .push(")");
    }
    if let Some(priority) = query.priority {
        sql.push(" AND t.priority = ").arg(priority.as_str());
    }
    if let Some(before) = query.due_before {
        sql.push(" AND t.due_on <= ").arg(before);
    }
    if let Some(after) = query.due_after {
        sql.push(" AND t.due_on >= ").arg(after);
    }
    if query.overdue {
        sql.push(" AND t.completed_at IS NULL AND t.due_on < ").arg(today);
    }
    let words = query.q.trim().to_lowercase();
    if !words.is_empty() {
        sql.push(" AND t.search_text LIKE ").arg(contains_pattern(&words)).push(" ESCAPE '\\'");
    }
}

/// ORDER BY for `query`; ties broken by id so pages never overlap.
fn order_by(query: &TaskQuery) -> String {
    let dir = match query.dir {
        SortDir::Asc => "ASC",
        SortDir::Desc => "DESC",
    };
    match query.sort {
        TaskSort::Created => format!(" ORDER BY t.created_at {dir}, t.id {dir}"),
        TaskSort::Updated => format!(" ORDER BY t.updated_at {dir}, t.id {dir}"),
        // Without a due date last, in either direction (NULL ordering
        // differs between the backends, so it is spelled out).
        TaskSort::Due => format!(" ORDER BY CASE WHEN t.due_on IS NULL THEN 1 ELSE 0 END, t.due_on {dir}, t.id {dir}"),
        TaskSort::Priority => format!(" ORDER BY {PRIORITY_RANK} {dir}, t.id {dir}"),
        TaskSort::Title => format!(" ORDER BY t.title_key {dir}, t.id {dir}"),
    }
}

/// The count statement of a listing.
pub fn count_sql(ctx: &OrgCtx, project: ProjectId, query: &TaskQuery, me: UserId, today: Date) -> Sql {
    let mut sql = Sql::new("SELECT COUNT(*) FROM tasks t");
    push_filters(&mut sql, ctx, project, query, me, today);
    sql
}

/// The page statement of a listing: `limit` tasks from `offset`.
pub fn page_sql(
    ctx: &OrgCtx,
    project: ProjectId,
    query: &TaskQuery,
    me: UserId,
    today: Date,
    limit: u32,
    offset: u32,
) -> Sql {
    let mut sql = Sql::new(SELECT_TASK);
    push_filters(&mut sql, ctx, project, query, me, today);
    sql.push(&order_by(query)).push(" LIMIT ").arg(i64::from(limit)).push(" OFFSET ").arg(i64::from(offset));
    sql
}

/// The labels statement for a set of tasks (not empty).
fn labels_sql(ctx: &OrgCtx, tasks: &[TaskId]) -> Sql {
    let mut sql = Sql::new(
        "SELECT tl.task_id, l.id, l.name, l.color FROM task_labels tl \
         JOIN labels l ON l.org_id = tl.org_id AND l.id = tl.label_id WHERE tl.org_id = ",
    );
    sql.arg(ctx.org_id())
        .push(" AND tl.task_id IN (")
        .arg_list(tasks.iter().copied())
        .push(") ORDER BY l.name_key, l.id");
    sql
}

fn attach_labels(rows: Vec<TaskRow>, label_rows: Vec<TaskLabelRow>) -> Vec<Task> {
    let mut by_task: HashMap<TaskId, Vec<TaskLabel>> = HashMap::new();
    for row in label_rows {
        by_task.entry(row.task_id).or_default().push(TaskLabel { id: row.id, name: row.name, color: row.color });
    }
    rows.into_iter()
        .map(|row| {
            let labels = by_task.remove(&row.id).unwrap_or_default();
            row.into_task(labels)
        })
        .collect()
}

/// Runs `rows_sql` and the labels query for its rows on executor `$exec`
/// (a pool or `&mut *tx`), evaluating to `Vec<Task>`.
macro_rules! fetch_tasks {
    ($exec:expr, $ctx:expr, $rows_sql:expr) => {{
        let rows_sql: &Sql = $rows_sql;
        let rows = bind_args!(sqlx::query_as::<_, TaskRow>(rows_sql.text()), rows_sql.args().iter().cloned())
            .fetch_all($exec)
            .await?;
        let ids: Vec<TaskId> = rows.iter().map(|row| row.id).collect();
        let label_rows = if ids.is_empty() {
            Vec::new()
        } else {
            let labels = labels_sql($ctx, &ids);
            bind_args!(sqlx::query_as::<_, TaskLabelRow>(labels.text()), labels.args().iter().cloned())
                .fetch_all($exec)
                .await?
        };
        attach_labels(rows, label_rows)
    }};
}

/// Whether the label and the member that `query` filters by, if any, are
/// this organization's. A filter naming another organization's label or
/// user must answer 404 like any other use of its id, not an empty list.
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

/// A page of the tasks of `project` matching `query`.
pub async fn list(
    db: &Db,
    ctx: &OrgCtx,
    project: ProjectId,
    query: &TaskQuery,
    today: Date,
) -> Result<Page<Task>, sqlx::Error> {
    let me = ctx.user_id();
    let count = count_sql(ctx, project, query, me, today);
    let page = page_sql(ctx, project, query, me, today, query.limit, query.offset);
    let (total, items) = with_pool!(db, pool => {
        let total: i64 = bind_args!(sqlx::query_scalar(count.text()), count.args().iter().cloned())
            .fetch_one(pool)
            .await?;
        let items = fetch_tasks!(pool, ctx, &page);
        (total, items)
    });
    Ok(Page::new(items, total, query.limit, query.offset))
}

/// Streams every task of `project` matching `query` (its page and limit
/// ignored) into `out`, `batch` at a time, read in one snapshot so paging
/// neither repeats nor skips a task. Stops early when `out` is closed; a
/// database error is sent as the last item.
pub async fn export(
    db: &Db,
    ctx: &OrgCtx,
    project: ProjectId,
    query: &TaskQuery,
    today: Date,
    batch: u32,
    out: mpsc::Sender<Result<Vec<Task>, sqlx::Error>>,
) {
    let me = ctx.user_id();
    let postgres = db.backend() == Backend::Postgres;
    let result = with_pool!(db, pool => async {
        let mut tx = pool.begin().await?;
        if postgres {
            // SQLite's read transaction is a snapshot already.
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
        }
        let mut offset = 0;
        loop {
            let page = page_sql(ctx, project, query, me, today, batch, offset);
            let tasks = fetch_tasks!(&mut *tx, ctx, &page);
            let last = tasks.len() < batch as usize;
            if tasks.is_empty() || out.send(Ok(tasks)).await.is_err() || last {
                break;
            }
            offset += batch;
        }
        tx.rollback().await?;
        Ok::<(), sqlx::Error>(())
    }
    .await);
    if let Err(err) = result {
        let _closed = out.send(Err(err)).await;
    }
}

/// One task.
pub async fn find(db: &Db, ctx: &OrgCtx, id: TaskId) -> Result<Option<Task>, sqlx::Error> {
    let mut sql = Sql::new(SELECT_TASK);
    sql.push(" WHERE t.org_id = ").arg(ctx.org_id()).push(" AND t.id = ").arg(id);
    let mut tasks = with_pool!(db, pool => fetch_tasks!(pool, ctx, &sql));
    Ok(tasks.pop())
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

/// Creates a task in `project` from `fields`, by `author`. The caller has
/// checked that the project is writable and that the assignee, cycle and
/// labels belong to it; the composite foreign keys refuse another
/// organization's project or labels regardless.
pub async fn insert(
    db: &Db,
    ctx: &OrgCtx,
    project: ProjectId,
    fields: &TaskFields,
    author: UserId,
) -> Result<Task, sqlx::Error> {
    let id = TaskId::new();
    let now = Timestamp::now();
    let sql = "INSERT INTO tasks (id, org_id, project_id, title, title_key, description, search_text, priority, \
                 due_on, assignee_id, cycle_id, created_by, created_at, updated_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)";
    with_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        bind_fields!(sqlx::query(sql).bind(id).bind(ctx.org_id()).bind(project), fields)
            .bind(author)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        replace_labels!(tx, ctx, id, &fields.labels);
        tx.commit().await?;
    });
    find(db, ctx, id).await?.ok_or(sqlx::Error::RowNotFound)
}

/// Writes every field of a task. `None` when there is no such task.
pub async fn update(db: &Db, ctx: &OrgCtx, id: TaskId, fields: &TaskFields) -> Result<Option<Task>, sqlx::Error> {
    let sql = "UPDATE tasks SET title = $3, title_key = $4, description = $5, search_text = $6, priority = $7, \
                 due_on = $8, assignee_id = $9, cycle_id = $10, updated_at = $11 \
               WHERE org_id = $1 AND id = $2";
    let changed = with_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        let changed = bind_fields!(sqlx::query(sql).bind(ctx.org_id()).bind(id), fields)
            .bind(Timestamp::now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 1 {
            replace_labels!(tx, ctx, id, &fields.labels);
        }
        tx.commit().await?;
        changed
    });
    if changed == 0 {
        return Ok(None);
    }
    find(db, ctx, id).await
}

/// Of `ids`: how many are tasks of this organization, and how many of
/// those are in a writable (neither archived nor trashed) project.
pub async fn count_found_and_writable(db: &Db, ctx: &OrgCtx, ids: &[TaskId]) -> Result<(i64, i64), sqlx::Error> {
    if ids.is_empty() {
        return Ok((0, 0));
    }
    let mut sql = Sql::new(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN p.archived_at IS NULL AND p.deleted_at IS NULL THEN 1 ELSE 0 END), 0) \
         FROM tasks t JOIN projects p ON p.org_id = t.org_id AND p.id = t.project_id WHERE t.org_id = ",
    );
    sql.arg(ctx.org_id()).push(" AND t.id IN (").arg_list(ids.iter().copied()).push(")");
    with_pool!(db, pool => {
        bind_args!(sqlx::query_as::<_, (i64, i64)>(sql.text()), sql.args().iter().cloned()).fetch_one(pool).await
    })
}

/// Runs `UPDATE tasks SET <set> WHERE` the task is one of `ids`, of this
/// organization, in a writable project. `set` writes the SET clause.
async fn update_many(db: &Db, ctx: &OrgCtx, ids: &[TaskId], set: impl FnOnce(&mut Sql)) -> Result<u64, sqlx::Error> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut sql = Sql::new("UPDATE tasks SET ");
    set(&mut sql);
    sql.push(" WHERE org_id = ")
        .arg(ctx.org_id())
        .push(" AND ")
        .push(IN_WRITABLE_PROJECT)
        .push(" AND id IN (")
        .arg_list(ids.iter().copied())
        .push(")");
    with_pool!(db, pool => {
        Ok(bind_args!(sqlx::query(sql.text()), sql.args().iter().cloned()).execute(pool).await?.rows_affected())
    })
}

/// Completes (`done`) or reopens the tasks. Completing sets
/// `completed_at` to now on open tasks only; reopening clears it.
pub async fn set_completed(db: &Db, ctx: &OrgCtx, ids: &[TaskId], done: bool) -> Result<u64, sqlx::Error> {
    let now = Timestamp::now();
    update_many(db, ctx, ids, |sql| {
        if done {
            sql.push("completed_at = COALESCE(completed_at, ").arg(now).push("), updated_at = ").arg(now);
        } else {
            sql.push("completed_at = NULL, updated_at = ").arg(now);
        }
    })
    .await
}

/// Moves the tasks to `project`, taking them out of their cycles (a cycle
/// belongs to one project).
pub async fn move_to_project(db: &Db, ctx: &OrgCtx, ids: &[TaskId], project: ProjectId) -> Result<u64, sqlx::Error> {
    update_many(db, ctx, ids, |sql| {
        sql.push("project_id = ").arg(project).push(", cycle_id = NULL, updated_at = ").arg(Timestamp::now());
    })
    .await
}

/// Assigns the tasks to `assignee`, or unassigns them (`None`).
pub async fn assign(db: &Db, ctx: &OrgCtx, ids: &[TaskId], assignee: Option<UserId>) -> Result<u64, sqlx::Error> {
    update_many(db, ctx, ids, |sql| {
        match assignee {
            Some(user) => sql.push("assignee_id = ").arg(user),
            None => sql.push("assignee_id = NULL"),
        };
        sql.push(", updated_at = ").arg(Timestamp::now());
    })
    .await
}

/// Deletes the tasks (and their label links) for good.
pub async fn delete(db: &Db, ctx: &OrgCtx, ids: &[TaskId]) -> Result<u64, sqlx::Error> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut sql = Sql::new("DELETE FROM tasks WHERE org_id = ");
    sql.arg(ctx.org_id())
        .push(" AND ")
        .push(IN_WRITABLE_PROJECT)
        .push(" AND id IN (")
        .arg_list(ids.iter().copied())
        .push(")");
    with_pool!(db, pool => {
        Ok(bind_args!(sqlx::query(sql.text()), sql.args().iter().cloned()).execute(pool).await?.rows_affected())
    })
}
