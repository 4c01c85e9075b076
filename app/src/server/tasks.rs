//! Tasks' rules for every door (the dashboard's server functions, the REST
//! API): the checks of a task's fields, reading a list, and every change
//! to tasks, with the answers each door gives alike.
//!
//! Reads need a readable project (not in the trash: `NotFound`); writes a
//! writable one (not archived either: `Conflict`). Every id that is not
//! the organization's (task, project, assignee, label, cycle) answers
//! `NotFound`, as a malformed one does. Task changes are not audited (on
//! either door); the doors ask for the handles, these rules take them.

use time::OffsetDateTime;

use crate::{
    error::{AppError, FieldErrors},
    model::{
        Action, BulkAction, BulkOutcome, Page, Priority, Project, ProjectId, Task, TaskDescription, TaskField,
        TaskFields, TaskId, TaskItem, TaskParams, TaskQuery, TaskTitle, UserId,
        args::{check_list_len, parse_bounded_ids, parse_id, parse_ids, parse_optional_id},
        task::{MAX_BULK, MAX_LABELS, format_date, parse_date_field},
    },
    server::{
        db::{
            Db, cycles, labels, orgs,
            task_list::{self, Listed},
            tasks::{self, Lifecycle, TaskUpdateError, TaskWriteError},
        },
        handles::{Admin, OrgCtx, Writer},
        projects::{archived, readable_project, writable_project},
    },
};

/// Today in UTC: the day "overdue" is measured against.
fn today() -> time::Date {
    OffsetDateTime::now_utc().date()
}

/// A task's fields as people and programs give them: every field as text
/// (empty for none), the labels as ids. `title` 1–255 characters (trimmed,
/// not blank); `description` up to 2,000; `priority` `none` (also empty),
/// `low`, `medium`, `high` or `urgent`; `due_on` `YYYY-MM-DD`; `assignee`
/// a member's id; `cycle` one of the project's cycles; `labels` at most 20
/// of the organization's label ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskForm {
    pub title: String,
    pub description: String,
    pub priority: String,
    pub due_on: String,
    pub assignee: String,
    pub cycle: String,
    pub labels: Vec<String>,
}

impl TaskForm {
    /// The form a full edit of `task` would start from: its values as text.
    pub fn of(task: &Task) -> Self {
        Self {
            title: task.title.clone(),
            description: task.description.clone(),
            priority: task.priority.as_str().to_owned(),
            due_on: task.due_on.map(format_date).unwrap_or_default(),
            assignee: task.assignee.as_ref().map(|a| a.id.to_string()).unwrap_or_default(),
            cycle: task.cycle_id.map(|c| c.to_string()).unwrap_or_default(),
            labels: task.labels.iter().map(|l| l.id.to_string()).collect(),
        }
    }

    /// The fields, checked for a task of `project`.
    ///
    /// Errors: `Validation` on `title`, `description`, `priority`,
    /// `due_on` and `labels` (too many), collected together; then
    /// `NotFound` for an id that is malformed or not the organization's
    /// (assignee, cycle, label); `Validation` on `cycle` for a cycle of
    /// another of its projects.
    pub async fn check(self, db: &Db, ctx: &OrgCtx, project: &Project) -> Result<TaskFields, AppError> {
        let mut errors = FieldErrors::new();
        let title = errors.check("title", TaskTitle::parse(&self.title));
        let description = errors.check("description", TaskDescription::parse(&self.description));
        let priority = match self.priority.trim() {
            "" => Some(Priority::None),
            name => errors.check("priority", name.parse::<Priority>()),
        };
        let due_on = errors.check("due_on", parse_date_field(&self.due_on));
        if let Err(AppError::Validation(too_many)) = check_list_len(&self.labels, MAX_LABELS, "labels", "labels") {
            errors.fields.extend(too_many.fields);
        }
        let (Some(title), Some(description), Some(priority), Some(due_on), true) =
            (title, description, priority, due_on, errors.is_empty())
        else {
            return Err(AppError::Validation(errors));
        };
        let fields = TaskFields {
            title,
            description,
            priority,
            due_on,
            assignee: parse_optional_id(&self.assignee)?,
            cycle: parse_optional_id(&self.cycle)?,
            labels: parse_ids(&self.labels)?,
        };
        check_references(db, ctx, project, &fields).await?;
        Ok(fields)
    }
}

/// The assignee is a member, the cycle is the project's, the labels are the
/// organization's.
async fn check_references(db: &Db, ctx: &OrgCtx, project: &Project, fields: &TaskFields) -> Result<(), AppError> {
    if let Some(user) = fields.assignee
        && !orgs::is_member(db, ctx, user).await?
    {
        return Err(AppError::NotFound);
    }
    if let Some(cycle) = fields.cycle {
        let cycle = cycles::find(db, ctx, cycle).await?.ok_or(AppError::NotFound)?;
        if cycle.project_id != project.id {
            return Err(AppError::field("cycle", "This cycle belongs to another project."));
        }
    }
    if !labels::all_exist(db, ctx, &fields.labels).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}

fn write_error(err: TaskWriteError) -> AppError {
    match err {
        TaskWriteError::NotWritable => archived(),
        TaskWriteError::Db(err) => err.into(),
    }
}

/// The answer to a conditional change of a task changed meanwhile (see
/// [`update`]): `Conflict`, with this message.
pub fn changed() -> AppError {
    AppError::Conflict("Someone changed this task meanwhile. Reload it, then try again.".into())
}

/// The list request that `params` (a list's URL parameters, see
/// `model::task_query`) asks for.
///
/// Errors: `Validation` keyed by the parameter, for a bad value or a name
/// the list does not know.
pub fn parse_query(params: &TaskParams) -> Result<TaskQuery, AppError> {
    params.parse().map_err(AppError::Validation)
}

/// A page of the tasks of `project` (id) matching `query`: `next` and
/// `previous` are the task ids to ask for as `after` and `before` for the
/// pages around it; a filtered total is counted up to 1,000
/// (`total_capped`). Items leave out the description.
///
/// Errors: `NotFound` for a project in the trash or not the
/// organization's, and for a label or assignee filter or a cursor naming
/// another organization's id.
pub async fn list(db: &Db, ctx: &OrgCtx, project: &str, query: &TaskQuery) -> Result<Page<TaskItem>, AppError> {
    let project = readable_project(db, ctx, project).await?;
    if !tasks::filter_ids_exist(db, ctx, query).await? {
        return Err(AppError::NotFound);
    }
    match task_list::list(db, ctx, &project, query, today()).await? {
        Listed::Page(page) => Ok(page),
        Listed::UnknownCursor => Err(AppError::NotFound),
    }
}

/// The live task `id` (text) of a readable project.
///
/// Errors: `NotFound`.
pub async fn find(db: &Db, ctx: &OrgCtx, id: &str) -> Result<Task, AppError> {
    let id: TaskId = parse_id(id)?;
    tasks::find(db, ctx, id).await?.ok_or(AppError::NotFound)
}

/// The live task `id` (text) and its project, when the project lets it
/// change.
///
/// Errors: `NotFound`; `Conflict` ([`archived`]) for an archived project.
pub async fn writable_task(db: &Db, ctx: &Writer, id: &str) -> Result<(Task, Project), AppError> {
    let id: TaskId = parse_id(id)?;
    let task = tasks::find(db, ctx, id).await?.ok_or(AppError::NotFound)?;
    let project = writable_project(db, ctx, &task.project_id.to_string()).await?;
    Ok((task, project))
}

/// Creates a task in `project` (id) from `form` (see [`TaskForm`]).
///
/// Errors: as [`writable_project`] and [`TaskForm::check`]; `Conflict`
/// when the project was archived meanwhile.
pub async fn create(db: &Db, writer: &Writer, project: &str, form: TaskForm) -> Result<Task, AppError> {
    let project = writable_project(db, writer, project).await?;
    let fields = form.check(db, writer, &project).await?;
    tasks::insert(db, writer, project.id, &fields).await.map_err(write_error)
}

/// Rewrites every field of the task `id` of `project` (as
/// [`writable_task`] gave them) from `form`; empty optional fields clear
/// them. With `unchanged_since`, only if the task's `updated_at` is still
/// that.
///
/// Errors: as [`TaskForm::check`]; `Conflict` ([`archived`]) when the
/// project was archived meanwhile, or ([`changed`]) when the task changed
/// since `unchanged_since`.
pub async fn update(
    db: &Db,
    writer: &Writer,
    (id, project): (TaskId, &Project),
    form: TaskForm,
    unchanged_since: Option<OffsetDateTime>,
) -> Result<Task, AppError> {
    let fields = form.check(db, writer, project).await?;
    match tasks::update(db, writer, id, &fields, unchanged_since).await {
        Ok(Some(task)) => Ok(task),
        Ok(None) => Err(archived()),
        Err(TaskUpdateError::Changed) => Err(changed()),
        Err(TaskUpdateError::Db(err)) => Err(err.into()),
    }
}

/// Changes one field of the task `id` (an inline edit) to `value`, as
/// text in a [`TaskForm`]: empty clears `due_on`, `assignee` and `cycle`.
/// The result is checked as a full edit.
///
/// Errors: as [`writable_task`] and [`update`].
pub async fn set_field(db: &Db, writer: &Writer, id: &str, field: TaskField, value: String) -> Result<Task, AppError> {
    let (current, project) = writable_task(db, writer, id).await?;
    let mut form = TaskForm::of(&current);
    match field {
        TaskField::Title => form.title = value,
        TaskField::Description => form.description = value,
        TaskField::Priority => form.priority = value,
        TaskField::DueOn => form.due_on = value,
        TaskField::Assignee => form.assignee = value,
        TaskField::Cycle => form.cycle = value,
    }
    update(db, writer, (current.id, &project), form, None).await
}

/// Completes (`done` true) or reopens the task `id`: the server sets
/// `completed_at` (now; kept when already done) and clears it. Answers
/// the task as it is now.
///
/// Errors: as [`writable_task`].
pub async fn set_done(db: &Db, writer: &Writer, id: &str, done: bool) -> Result<Task, AppError> {
    let (current, _project) = writable_task(db, writer, id).await?;
    if tasks::set_completed(db, writer, &[current.id], done).await? == 0 && current.is_done() != done {
        return Err(archived());
    }
    tasks::find(db, writer, current.id).await?.ok_or(AppError::NotFound)
}

/// A bulk action as asked for: its tasks and choices as text.
#[derive(Debug, Clone, Copy)]
pub struct BulkRequest<'a> {
    pub action: BulkAction,
    /// The tasks' ids, 1 to [`MAX_BULK`] (repeats count once).
    pub ids: &'a [String],
    /// The name the ids came under (`ids` on the dashboard, `tasks` in the
    /// REST API), for field errors.
    pub ids_field: &'a str,
    /// `move`: the project to move the tasks to.
    pub project: &'a str,
    /// `assign`: the member to assign them to (empty: unassign).
    pub assignee: &'a str,
    /// Only tasks of this project count as found.
    pub within: Option<ProjectId>,
}

/// Applies a bulk action to its tasks, all or none: Member or above, and
/// for `purge` Admin or Owner (asked of `ctx`, as for one task). Returns
/// how many tasks changed (a task already complete is not completed
/// again).
///
/// Errors: `Forbidden` for a role too low; `Validation` on `ids_field`
/// (none, more than [`MAX_BULK`]), `project` (a `move` without one);
/// `NotFound` when any id is not a task of the organization (and of
/// `within`; live, or in the trash for `restore` and `purge`), or names
/// another organization's project or assignee; `Conflict` when any task,
/// or the target of a `move`, is in an archived project.
pub async fn bulk(db: &Db, ctx: &OrgCtx, request: BulkRequest<'_>) -> Result<BulkOutcome, AppError> {
    let writer = ctx.writer(Action::EditTasks)?;
    let admin = match request.action {
        BulkAction::Purge => Some(ctx.admin(Action::PurgeTasks)?),
        _ => None,
    };
    let mut ids: Vec<TaskId> = parse_bounded_ids(request.ids, MAX_BULK, request.ids_field, "tasks")?;
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(AppError::field(request.ids_field, "Select at least one task."));
    }
    let lifecycle = match request.action {
        BulkAction::Restore | BulkAction::Purge => Lifecycle::Trashed,
        _ => Lifecycle::Live,
    };
    let (found, writable) = tasks::count_found_and_writable(db, &writer, &ids, lifecycle, request.within).await?;
    if found != ids.len() as i64 {
        return Err(AppError::NotFound);
    }
    if writable != found {
        return Err(AppError::Conflict("Some of these tasks are in an archived project.".into()));
    }
    let affected = match (request.action, admin) {
        (BulkAction::Complete, _) => tasks::set_completed(db, &writer, &ids, true).await?,
        (BulkAction::Reopen, _) => tasks::set_completed(db, &writer, &ids, false).await?,
        (BulkAction::Move, _) => {
            if request.project.trim().is_empty() {
                return Err(AppError::field("project", "Choose the project to move the tasks to."));
            }
            let target = writable_project(db, &writer, request.project).await?;
            tasks::move_to_project(db, &writer, &ids, target.id).await?
        }
        (BulkAction::Assign, _) => {
            let user: Option<UserId> = parse_optional_id(request.assignee)?;
            if let Some(user) = user
                && !orgs::is_member(db, &writer, user).await?
            {
                return Err(AppError::NotFound);
            }
            tasks::assign(db, &writer, &ids, user).await?
        }
        (BulkAction::Trash, _) => tasks::trash(db, &writer, &ids).await?,
        (BulkAction::Restore, _) => tasks::restore(db, &writer, &ids).await?,
        (BulkAction::Purge, Some(admin)) => tasks::purge(db, &admin, &ids).await?,
        (BulkAction::Purge, None) => return Err(AppError::Forbidden),
    };
    Ok(BulkOutcome { affected })
}

/// Moves the live task `id` to the trash (restorable for 30 days), by the
/// rules of a bulk `trash` of one task; answers it as it is in the trash.
///
/// Errors: as [`bulk`].
pub async fn trash(db: &Db, ctx: &OrgCtx, id: &str) -> Result<Task, AppError> {
    one(db, ctx, id, BulkAction::Trash, Lifecycle::Trashed).await
}

/// Takes the task `id` out of the trash, by the rules of a bulk `restore`
/// of one task; answers it.
///
/// Errors: as [`bulk`].
pub async fn restore(db: &Db, ctx: &OrgCtx, id: &str) -> Result<Task, AppError> {
    one(db, ctx, id, BulkAction::Restore, Lifecycle::Live).await
}

/// `action` on the one task `id`, which is then read where it went.
async fn one(db: &Db, ctx: &OrgCtx, id: &str, action: BulkAction, after: Lifecycle) -> Result<Task, AppError> {
    let ids = [id.to_owned()];
    let request = BulkRequest { action, ids: &ids, ids_field: "task", project: "", assignee: "", within: None };
    bulk(db, ctx, request).await?;
    let id: TaskId = parse_id(id)?;
    tasks::find_in(db, ctx, id, after).await?.ok_or(AppError::NotFound)
}

/// Empties the trash of `project` (an active project): its trashed tasks
/// are deleted for good. Returns how many.
///
/// Errors: as [`writable_project`].
pub async fn empty_trash(db: &Db, admin: &Admin, project: &str) -> Result<BulkOutcome, AppError> {
    let project = writable_project(db, admin, project).await?;
    Ok(BulkOutcome { affected: tasks::empty_trash(db, admin, project.id).await? })
}
