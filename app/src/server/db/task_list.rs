//! The task list: one project's tasks of one status, filtered, in one
//! order, a page at a time, at the same cost whatever the project's size.
//!
//! How each part stays flat (migration 0005 has the indexes; 0024 keeps
//! other tenants' rows out of their plans):
//!
//! - **Order.** Each order of the open list has an index whose columns are
//!   that order; the other statuses are listed by creation (id), which has
//!   one each. A page is read straight off its index.
//! - **Depth.** Pages start after (or end before) a task: keyset paging.
//!   The cursor is the task's id; its sort value is read by primary key,
//!   and the page continues from there in the index. An offset costs the
//!   rows it skips, so offsets stop at `MAX_OFFSET`.
//! - **Counts.** An unfiltered list's total is the project's counter. A
//!   filtered list counts its matches up to `COUNT_CAP` ("1,000+"). A
//!   search is not counted beyond its page ("25+").
//! - **Filters no index orders** (search, due ranges, overdue): the page is
//!   first looked for among the next `WINDOW` tasks in the list's order,
//!   read off the order's index; when that holds a full page, that page is
//!   exact. Otherwise the filter's own index (trigram, due date) finds the
//!   matches, which are then few, and they are sorted. (A filter that
//!   matches between about 1 in 40 and 1 in 40,000 tasks of a large
//!   project falls between the two: it sorts more than a page's worth.)
//! - **The label filter** reads the list's order and looks each task's
//!   label up by key; its count starts from the label's tasks instead.
//!
//! A page costs at most three statements: the cursor's sort value (on
//! pages after the first, for orders other than creation), the page with
//! its labels (twice when the window falls short), and the capped count.

use time::Date;

use crate::{
    model::{
        Assignee, AssigneeFilter, CycleId, Page, Priority, Project, ProjectId, SortDir, StatusFilter, Task, TaskId,
        TaskItem, TaskLabel, TaskQuery, TaskSort, UserId,
        task_query::{COUNT_CAP, MAX_OFFSET},
    },
    server::handles::OrgCtx,
};

use super::scope::Scope;
use super::{
    Backend, Db, Timestamp,
    projects::{ProjectAccess, rule},
    sql::{Arg, Sql, bind_args, contains_pattern},
    with_pool,
};

/// How many tasks, in the list's order, a filter no index orders is first
/// looked for among. The same work in a project of a thousand tasks (where
/// the window is the whole list) and of a million.
const WINDOW: u32 = 1_000;

/// Sorting `priority` text by urgency. The same text as the index
/// `tasks_open_priority_idx`, so the planner matches it.
fn priority_rank(alias: &str) -> String {
    format!(
        "(CASE {alias}.priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 \
         ELSE 0 END)"
    )
}

/// Due dates standing in for "no due date", so undated tasks come last in
/// either direction (the indexes `tasks_open_due_asc_idx`/`_desc_idx`).
const NO_DUE_DATE_ASC: Date = time::macros::date!(9999 - 12 - 31);
const NO_DUE_DATE_DESC: Date = time::macros::date!(0001 - 01 - 01);

/// The expression a sort orders by before the id (`None`: the id alone;
/// "created" is id order, ids being UUID v7).
pub(super) fn sort_key(sort: TaskSort, dir: SortDir, alias: &str) -> Option<String> {
    match sort {
        TaskSort::Created => None,
        TaskSort::Updated => Some(format!("{alias}.updated_at")),
        TaskSort::Due => {
            let stand_in = if dir == SortDir::Asc { "9999-12-31" } else { "0001-01-01" };
            Some(format!("COALESCE({alias}.due_on, '{stand_in}')"))
        }
        TaskSort::Priority => Some(priority_rank(alias)),
        TaskSort::Title => Some(format!("{alias}.title_key")),
    }
}

/// Whether the status's tasks have an index in this sort's order.
fn ordered_by_index(status: StatusFilter, sort: TaskSort) -> bool {
    status == StatusFilter::Open || sort == TaskSort::Created
}

/// Where a page starts: just past the task `id`, whose sort value is `key`
/// (`None` for the id order).
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    key: Option<Arg>,
    id: TaskId,
}

impl Cursor {
    /// The cursor just past `task` in a list sorted by `sort`/`dir`.
    pub fn after(task: &Task, sort: TaskSort, dir: SortDir) -> Self {
        let key = match sort {
            TaskSort::Created => None,
            TaskSort::Updated => Some(Arg::Time(Timestamp::from(task.updated_at))),
            TaskSort::Due => Some(Arg::Date(task.due_on.unwrap_or(if dir == SortDir::Asc {
                NO_DUE_DATE_ASC
            } else {
                NO_DUE_DATE_DESC
            }))),
            TaskSort::Priority => Some(Arg::Int(i64::from(task.priority.rank()))),
            TaskSort::Title => Some(Arg::Text(task.title.to_lowercase())),
        };
        Self { key, id: task.id }
    }
}

/// The sort value of the task `id` of `project`, for a cursor; `None` when
/// there is no such task (then the page answers 404 upstream).
async fn resolve_cursor(
    db: &Db,
    ctx: &OrgCtx,
    project: &Project,
    query: &TaskQuery,
    id: TaskId,
) -> Result<Option<Cursor>, sqlx::Error> {
    let Some(expr) = sort_key(query.sort, query.dir, "t") else {
        let sql = "SELECT COUNT(*) FROM tasks t WHERE t.org_id = $1 AND t.project_id = $2 AND t.id = $3";
        let found: i64 = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
            sqlx::query_scalar(sql).bind(ctx.org_id()).bind(project.id).bind(id).fetch_one(&mut *conn).await?
        });
        return Ok((found == 1).then_some(Cursor { key: None, id }));
    };
    // The rank is a 4-byte integer on PostgreSQL; read it as 8 bytes.
    let expr = if query.sort == TaskSort::Priority { format!("CAST({expr} AS BIGINT)") } else { expr };
    let sql = format!("SELECT {expr} FROM tasks t WHERE t.org_id = $1 AND t.project_id = $2 AND t.id = $3");
    macro_rules! key {
        ($ty:ty, $variant:path) => {{
            let key: Option<$ty> = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
                sqlx::query_scalar(&sql).bind(ctx.org_id()).bind(project.id).bind(id).fetch_optional(&mut *conn).await?
            });
            key.map($variant)
        }};
    }
    let key = match query.sort {
        TaskSort::Created => None,
        TaskSort::Updated => key!(Timestamp, Arg::Time),
        TaskSort::Due => key!(Date, Arg::Date),
        TaskSort::Priority => key!(i64, Arg::Int),
        TaskSort::Title => key!(String, Arg::Text),
    };
    Ok(key.map(|key| Cursor { key: Some(key), id }))
}

/// How a search condition is written: scanning (inside a window of tasks
/// already read off an index) or through the trigram index.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Search {
    Scan,
    Indexed,
}

/// The statement being built, with the placeholders every part shares.
struct Builder<'a> {
    sql: Sql,
    backend: Backend,
    org: String,
    project: String,
    query: &'a TaskQuery,
    me: UserId,
    today: Date,
}

impl<'a> Builder<'a> {
    fn new(head: &str, backend: Backend, ctx: &OrgCtx, project: ProjectId, query: &'a TaskQuery, today: Date) -> Self {
        let mut sql = Sql::new(head);
        let org = sql.bind(ctx.org_id());
        let project = sql.bind(project);
        Self { sql, backend, org, project, query, me: ctx.user_id(), today }
    }

    /// ` WHERE` the task is the project's, the project readable, the task
    /// of the list's status.
    fn scope(&mut self, alias: &str) -> &mut Self {
        let (org, project) = (&self.org, &self.project);
        let status = match self.query.status {
            StatusFilter::Open => format!("{alias}.deleted_at IS NULL AND {alias}.completed_at IS NULL"),
            StatusFilter::Done => format!("{alias}.deleted_at IS NULL AND {alias}.completed_at IS NOT NULL"),
            StatusFilter::All => format!("{alias}.deleted_at IS NULL"),
            StatusFilter::Trash => format!("{alias}.deleted_at IS NOT NULL"),
        };
        let text = format!(
            " WHERE {alias}.org_id = {org} AND {alias}.project_id = {project} AND {} AND {status}",
            rule(self.backend, ProjectAccess::Read, org, project)
        );
        self.sql.push(&text);
        self
    }

    /// The list's filters, on `t` (the label's only when `label` is true:
    /// a count joins the label's tasks instead).
    fn filters(&mut self, search: Search, label: bool) -> &mut Self {
        let query = self.query;
        let sql = &mut self.sql;
        match query.assignee {
            Some(AssigneeFilter::Me) => {
                sql.push(" AND t.assignee_id = ").arg(self.me);
            }
            Some(AssigneeFilter::Nobody) => {
                sql.push(" AND t.assignee_id IS NULL");
            }
            Some(AssigneeFilter::User(user)) => {
                sql.push(" AND t.assignee_id = ").arg(user);
            }
            None => {}
        }
        if let (Some(id), true) = (query.label, label) {
            // A scalar subquery, looked up by key for each task in the
            // list's order. Not `EXISTS`: PostgreSQL turns that into a
            // semi-join it may drive from the label's tasks instead, and
            // statistics dominated by a larger tenant's label made it do
            // so (7x slower beside a million-task organization).
            sql.push(" AND (SELECT 1 FROM task_labels tl WHERE tl.org_id = t.org_id AND tl.task_id = t.id")
                .push(" AND tl.label_id = ")
                .arg(id)
                .push(") IS NOT NULL");
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
            sql.push(" AND t.completed_at IS NULL AND t.due_on < ").arg(self.today);
        }
        let words = query.q.trim().to_lowercase();
        if !words.is_empty() {
            let pattern = sql.bind(contains_pattern(&words));
            // The trigram index knows substrings of three characters or
            // more; it narrows, LIKE decides (literal % and _ included).
            if search == Search::Indexed && self.backend == Backend::Sqlite && words.chars().count() >= 3 {
                let phrase = sql.bind(format!("\"{}\"", words.replace('"', "\"\"")));
                sql.push(&format!(
                    " AND t.rowid IN (SELECT rowid FROM tasks_search WHERE tasks_search MATCH {phrase})"
                ));
            }
            sql.push(&format!(" AND t.search_text LIKE {pattern} ESCAPE '\\'"));
        }
        self
    }

    /// The keyset condition: after `cursor` in the list's order (before
    /// it when `forward` is false).
    fn after(&mut self, alias: &str, cursor: &Cursor, forward: bool) -> &mut Self {
        let ascending = (self.query.dir == SortDir::Asc) == forward;
        let op = if ascending { ">" } else { "<" };
        match (sort_key(self.query.sort, self.query.dir, alias), &cursor.key) {
            (Some(expr), Some(key)) => {
                let key = self.sql.bind(key.clone());
                let id = self.sql.bind(cursor.id);
                self.sql.push(&format!(" AND ({expr}, {alias}.id) {op} ({key}, {id})"));
            }
            _ => {
                self.sql.push(&format!(" AND {alias}.id {op} ")).arg(cursor.id);
            }
        }
        self
    }

    /// ` ORDER BY` the list's order (reversed when `forward` is false).
    fn order(&mut self, alias: &str, forward: bool) -> &mut Self {
        let ascending = (self.query.dir == SortDir::Asc) == forward;
        let dir = if ascending { "ASC" } else { "DESC" };
        let text = match sort_key(self.query.sort, self.query.dir, alias) {
            Some(expr) => format!(" ORDER BY {expr} {dir}, {alias}.id {dir}"),
            None => format!(" ORDER BY {alias}.id {dir}"),
        };
        self.sql.push(&text);
        self
    }

    /// `(` the next `WINDOW` tasks of the list's status in its order,
    /// after `cursor` `) t`: read off the order's index, unfiltered. Its
    /// own `LIMIT` bounds the rows the filters then look at, on either
    /// backend and whatever the planner thinks of the filters.
    fn window(&mut self, cursor: Option<&Cursor>, forward: bool) -> &mut Self {
        self.sql.push("(SELECT w.* FROM tasks w");
        self.scope("w");
        if let Some(cursor) = cursor {
            self.after("w", cursor, forward);
        }
        self.order("w", forward);
        self.sql.push(" LIMIT ").arg(i64::from(WINDOW)).push(") t");
        self
    }

    fn finish(self) -> Sql {
        self.sql
    }
}

/// The columns of a list item (`ItemRow`), read from `t`, but its labels.
const ITEM_COLUMNS: &str = "SELECT t.id, t.title, t.priority, t.due_on, t.assignee_id, \
       u.display_name AS assignee_name, t.cycle_id, t.completed_at, t.deleted_at, ";

/// What joins the assignee's name to `t`.
const ASSIGNEE_NAME: &str = " LEFT JOIN users u ON u.id = t.assignee_id";

#[derive(Debug, sqlx::FromRow)]
struct ItemRow {
    id: TaskId,
    title: String,
    priority: Priority,
    due_on: Option<Date>,
    assignee_id: Option<UserId>,
    assignee_name: Option<String>,
    cycle_id: Option<CycleId>,
    completed_at: Option<Timestamp>,
    deleted_at: Option<Timestamp>,
    labels: Option<String>,
}

/// The assignee of a task row from its `assignee_id` and the joined
/// `assignee_name` (both set, or none).
pub(super) fn assignee(id: Option<UserId>, display_name: Option<String>) -> Option<Assignee> {
    Some(Assignee { id: id?, display_name: display_name? })
}

impl ItemRow {
    fn into_item(self) -> Result<TaskItem, sqlx::Error> {
        let labels = parse_labels(self.labels.as_deref())?;
        let assignee = assignee(self.assignee_id, self.assignee_name);
        Ok(TaskItem {
            id: self.id,
            title: self.title,
            priority: self.priority,
            due_on: self.due_on,
            assignee,
            cycle_id: self.cycle_id,
            labels,
            completed_at: self.completed_at.map(Timestamp::into_inner),
            deleted_at: self.deleted_at.map(Timestamp::into_inner),
        })
    }
}

/// The labels of task `t`, by name, as one JSON text of `[id, name,
/// color]` arrays, read with the task itself (one statement for a page, not
/// two). The one dialect arm of the list: the JSON functions are named
/// differently, and SQLite keeps ids as blobs.
pub(super) fn labels_column(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "(SELECT json_group_array(json_array(lower(hex(l.id)), l.name, l.color) ORDER BY l.name_key, l.id) \
               FROM task_labels tl JOIN labels l ON l.org_id = tl.org_id AND l.id = tl.label_id \
               WHERE tl.org_id = t.org_id AND tl.task_id = t.id) AS labels"
        }
        Backend::Postgres => {
            "(SELECT CAST(json_agg(json_build_array(l.id, l.name, l.color) ORDER BY l.name_key, l.id) AS TEXT) \
               FROM task_labels tl JOIN labels l ON l.org_id = tl.org_id AND l.id = tl.label_id \
               WHERE tl.org_id = t.org_id AND tl.task_id = t.id) AS labels"
        }
    }
}

/// The labels a [`labels_column`] holds (none when it is NULL: no labels,
/// on PostgreSQL).
pub(super) fn parse_labels(column: Option<&str>) -> Result<Vec<TaskLabel>, sqlx::Error> {
    let Some(text) = column else { return Ok(Vec::new()) };
    let decode = |err: &dyn std::fmt::Display| sqlx::Error::Decode(format!("task labels: {err}").into());
    let rows: Vec<(String, String, String)> = serde_json::from_str(text).map_err(|e| decode(&e))?;
    rows.into_iter()
        .map(|(id, name, color)| {
            Ok(TaskLabel {
                id: id.parse().map_err(|e: uuid::Error| decode(&e))?,
                name,
                color: color.parse().map_err(|e: crate::model::label::UnknownColor| decode(&e))?,
            })
        })
        .collect()
}

async fn fetch_items(db: &Db, ctx: &OrgCtx, sql: &Sql) -> Result<Vec<ItemRow>, sqlx::Error> {
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        bind_args!(sqlx::query_as::<_, ItemRow>(sql.text()), sql.args().iter().cloned()).fetch_all(&mut *conn).await
    })
}

/// The outcome of reading a page: its items, or that its cursor names no
/// task of the list.
pub enum Listed {
    Page(Page<TaskItem>),
    UnknownCursor,
}

/// The page statement of a list: `query`'s page of `project`, from
/// `cursor` (backwards when `forward` is false), `offset` rows in.
struct PageStatement<'a> {
    backend: Backend,
    ctx: &'a OrgCtx,
    project: ProjectId,
    query: &'a TaskQuery,
    today: Date,
    cursor: Option<Cursor>,
    forward: bool,
    offset: u32,
}

impl PageStatement<'_> {
    /// Whether the page is first looked for in the window of the list's
    /// next `WINDOW` tasks (a filter no index orders, on an ordered list).
    fn windowed_first(&self) -> bool {
        let query = self.query;
        let unordered_filter =
            !query.q.trim().is_empty() || query.due_before.is_some() || query.due_after.is_some() || query.overdue;
        unordered_filter && self.offset == 0 && ordered_by_index(query.status, query.sort)
    }

    /// The statement: through the window when `windowed`, else straight
    /// off the list's index (or the filter's).
    fn sql(&self, windowed: bool) -> Sql {
        let (query, forward) = (self.query, self.forward);
        let head = format!("{ITEM_COLUMNS}{} FROM ", labels_column(self.backend));
        let mut b = Builder::new(&head, self.backend, self.ctx, self.project, query, self.today);
        if windowed {
            b.window(self.cursor.as_ref(), forward);
            b.sql.push(ASSIGNEE_NAME).push(" WHERE TRUE");
            b.filters(Search::Scan, true);
        } else {
            b.sql.push("tasks t").push(ASSIGNEE_NAME);
            b.scope("t").filters(Search::Indexed, true);
            if let Some(cursor) = &self.cursor {
                b.after("t", cursor, forward);
            }
        }
        b.order("t", forward);
        b.sql.push(" LIMIT ").arg(i64::from(query.limit + 1));
        if self.offset > 0 {
            b.sql.push(" OFFSET ").arg(i64::from(self.offset));
        }
        b.finish()
    }
}

/// The page statement for `query` on `project`, its cursor resolved;
/// `None` when the cursor names no task of the list.
async fn page_statement<'a>(
    db: &Db,
    ctx: &'a OrgCtx,
    project: &Project,
    query: &'a TaskQuery,
    today: Date,
) -> Result<Option<PageStatement<'a>>, sqlx::Error> {
    let cursor = match query.after.or(query.before) {
        Some(id) => match resolve_cursor(db, ctx, project, query, id).await? {
            Some(cursor) => Some(cursor),
            None => return Ok(None),
        },
        None => None,
    };
    let offset = if cursor.is_some() { 0 } else { query.offset.min(MAX_OFFSET) };
    Ok(Some(PageStatement {
        backend: db.backend(),
        ctx,
        project: project.id,
        query,
        today,
        cursor,
        forward: query.before.is_none(),
        offset,
    }))
}

/// The statements [`list`] may run for the page of `query` (the window's
/// first, when it has one), for reading their plans
/// (`testing::explain`); `None` when the cursor names no task.
pub async fn page_statements(
    db: &Db,
    ctx: &OrgCtx,
    project: &Project,
    query: &TaskQuery,
    today: Date,
) -> Result<Option<Vec<Sql>>, sqlx::Error> {
    let Some(statement) = page_statement(db, ctx, project, query, today).await? else { return Ok(None) };
    let mut statements = Vec::new();
    if statement.windowed_first() {
        statements.push(statement.sql(true));
    }
    statements.push(statement.sql(false));
    Ok(Some(statements))
}

/// A page of the tasks of `project` (readable, with its counters) matching
/// `query` (checked: `query.offset` at most `MAX_OFFSET`). `today` decides
/// "overdue".
#[tracing::instrument(name = "task_list::list", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn list(
    db: &Db,
    ctx: &OrgCtx,
    project: &Project,
    query: &TaskQuery,
    today: Date,
) -> Result<Listed, sqlx::Error> {
    let Some(statement) = page_statement(db, ctx, project, query, today).await? else {
        return Ok(Listed::UnknownCursor);
    };
    let (forward, offset, has_cursor) = (statement.forward, statement.offset, statement.cursor.is_some());
    let fetch = query.limit + 1;
    let mut rows = Vec::new();
    if statement.windowed_first() {
        rows = fetch_items(db, ctx, &statement.sql(true)).await?;
    }
    if rows.len() < fetch as usize {
        rows = fetch_items(db, ctx, &statement.sql(false)).await?;
    }
    let has_more_this_way = rows.len() > query.limit as usize;
    rows.truncate(query.limit as usize);
    if !forward {
        rows.reverse();
    }

    let items: Vec<TaskItem> = rows.into_iter().map(ItemRow::into_item).collect::<Result<_, _>>()?;

    let (has_more, has_previous) =
        if forward { (has_more_this_way, has_cursor || offset > 0) } else { (true, has_more_this_way) };
    let (total, total_capped) = if !query.is_filtered() {
        let counters = match query.status {
            StatusFilter::Open => project.open_tasks,
            StatusFilter::Done => project.done_tasks,
            StatusFilter::All => project.open_tasks + project.done_tasks,
            StatusFilter::Trash => project.trashed_tasks,
        };
        (counters, false)
    } else if !query.q.trim().is_empty() {
        // Counting every match of a search would read every match: the
        // page says how many it shows and whether more follow.
        (i64::from(offset) + items.len() as i64, has_more)
    } else {
        capped_count(db, ctx, project, query, today).await?
    };
    let mut page = Page::new(Vec::new(), total, query.limit, offset);
    page.total_capped = total_capped;
    page.has_more = has_more;
    page.next = has_more.then(|| items.last().map(|t| t.id.to_string())).flatten();
    page.previous = has_previous.then(|| items.first().map(|t| t.id.to_string())).flatten();
    page.items = items;
    Ok(Listed::Page(page))
}

/// How many tasks match `query`, counted up to `COUNT_CAP`; the flag says
/// whether there are more.
async fn capped_count(
    db: &Db,
    ctx: &OrgCtx,
    project: &Project,
    query: &TaskQuery,
    today: Date,
) -> Result<(i64, bool), sqlx::Error> {
    // The label's tasks drive the count (its index lists them); each is
    // then checked by key.
    let head = if query.label.is_some() {
        "SELECT COUNT(*) FROM (SELECT 1 FROM task_labels tl JOIN tasks t ON t.org_id = tl.org_id AND t.id = tl.task_id"
    } else {
        "SELECT COUNT(*) FROM (SELECT 1 FROM tasks t"
    };
    let mut b = Builder::new(head, db.backend(), ctx, project.id, query, today);
    b.scope("t").filters(Search::Indexed, false);
    if let Some(label) = query.label {
        let org = b.org.clone();
        b.sql.push(&format!(" AND tl.org_id = {org} AND tl.label_id = ")).arg(label);
    }
    b.sql.push(" LIMIT ").arg(COUNT_CAP + 1).push(") capped");
    let sql = b.finish();
    let count: i64 = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        bind_args!(sqlx::query_scalar(sql.text()), sql.args().iter().cloned()).fetch_one(&mut *conn).await?
    });
    Ok((count.min(COUNT_CAP), count > COUNT_CAP))
}

/// The statement of an export batch: whole tasks (`SELECT_TASK` columns)
/// of the list, in its order, `limit` from after `cursor`.
#[allow(clippy::too_many_arguments, reason = "the list's scope, its position and the batch size")]
pub(super) fn batch_sql(
    select_task: &str,
    backend: Backend,
    ctx: &OrgCtx,
    project: ProjectId,
    query: &TaskQuery,
    today: Date,
    cursor: Option<&Cursor>,
    limit: u32,
) -> Sql {
    let mut b = Builder::new(select_task, backend, ctx, project, query, today);
    b.scope("t").filters(Search::Indexed, true);
    if let Some(cursor) = cursor {
        b.after("t", cursor, true);
    }
    b.order("t", true);
    b.sql.push(" LIMIT ").arg(i64::from(limit));
    b.finish()
}
