//! Tasks: listing, create, full and inline edit, complete, bulk actions,
//! the trash.
//!
//! Reads need any role and a readable project (not in the trash: 404);
//! writes need Member or above and a writable one (not archived: 409).
//! Deleting puts tasks in the trash, where Members may restore them; only
//! Admins delete them for good before the 30 days are up. Every id that is
//! not the organization's (task, project, assignee, label, cycle) answers
//! 404.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    model::{Page, Task, TaskItem, TaskParams},
};

#[cfg(feature = "ssr")]
use crate::{
    api::args::{check_list_len, parse_bounded_ids, parse_id, parse_ids, parse_optional_id},
    error::FieldErrors,
    model::{Action, Priority, Project, TaskDescription, TaskFields, TaskId, TaskTitle, UserId, task::MAX_LABELS},
    server::{
        ctx::{self, OrgCtx, Writer},
        db::{
            Db, cycles, labels, orgs,
            task_list::{self, Listed},
            tasks::{self, Lifecycle, TaskWriteError},
        },
        projects::{archived, readable_project, writable_project},
    },
};

/// Most tasks one bulk action may name.
pub const MAX_BULK: usize = 500;

/// A bulk action on selected tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BulkAction {
    Complete,
    Reopen,
    /// Move to the project in `project`.
    Move,
    /// Assign to the member in `assignee` (empty: unassign).
    Assign,
    /// Put in the trash (restorable for 30 days).
    Trash,
    /// Take out of the trash.
    Restore,
    /// Delete trashed tasks for good (Admins and Owners).
    Purge,
}

impl BulkAction {
    /// What was done to `count` tasks, for a toast or the flash after a
    /// form without JavaScript: "Moved 3 tasks to the trash."
    pub fn outcome_message(self, count: u64) -> String {
        let tasks = if count == 1 { "1 task".to_owned() } else { format!("{count} tasks") };
        match self {
            BulkAction::Complete => format!("Completed {tasks}."),
            BulkAction::Reopen => format!("Reopened {tasks}."),
            BulkAction::Move => format!("Moved {tasks} to another project."),
            BulkAction::Assign => format!("Assigned {tasks}."),
            BulkAction::Trash => format!("Moved {tasks} to the trash."),
            BulkAction::Restore => format!("Restored {tasks}."),
            BulkAction::Purge => format!("Deleted {tasks} for good."),
        }
    }
}

/// What a bulk action did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    /// Tasks changed (a task already complete is not completed again).
    pub affected: u64,
}

/// Today in UTC: the day "overdue" is measured against.
#[cfg(feature = "ssr")]
fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// A task form as submitted: every field as text, the labels as ids.
#[cfg(feature = "ssr")]
struct TaskForm {
    title: String,
    description: String,
    priority: String,
    due_on: String,
    assignee: String,
    cycle: String,
    labels: Vec<String>,
}

#[cfg(feature = "ssr")]
impl TaskForm {
    /// The form a full edit of `task` would start from.
    fn of(task: &Task) -> Self {
        Self {
            title: task.title.clone(),
            description: task.description.clone(),
            priority: task.priority.as_str().to_owned(),
            due_on: task.due_on.map(crate::model::task::format_date).unwrap_or_default(),
            assignee: task.assignee.as_ref().map(|a| a.id.to_string()).unwrap_or_default(),
            cycle: task.cycle_id.map(|c| c.to_string()).unwrap_or_default(),
            labels: task.labels.iter().map(|l| l.id.to_string()).collect(),
        }
    }

    /// The fields, checked. Text rules and too many labels give field
    /// errors; references to anything outside the organization answer
    /// 404; a cycle of another of its projects is a `cycle` field error.
    async fn check(self, db: &Db, ctx: &OrgCtx, project: &Project) -> Result<TaskFields, AppError> {
        let mut errors = FieldErrors::new();
        let title = errors.check("title", TaskTitle::parse(&self.title));
        let description = errors.check("description", TaskDescription::parse(&self.description));
        let priority = match self.priority.trim() {
            "" => Some(Priority::None),
            name => errors.check("priority", name.parse::<Priority>()),
        };
        let due_on = errors.check("due_on", crate::model::task::parse_date_field(&self.due_on));
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
#[cfg(feature = "ssr")]
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

#[cfg(feature = "ssr")]
fn write_error(err: TaskWriteError) -> AppError {
    match err {
        TaskWriteError::NotWritable => archived(),
        TaskWriteError::Db(err) => err.into(),
    }
}

/// A page of the tasks of `project` (id) matching `query`, whose keys are
/// the list's URL parameters (`query[status]`, `query[per_page]`,
/// `query[after]`, ...; see `model::task_query`). Returns `{items, total,
/// total_capped, limit, offset, has_more, next, previous}`: `next` and
/// `previous` are the task ids to ask for as `after` and `before` for the
/// pages around this one; a filtered total is counted up to 1,000
/// (`total_capped`). Items leave out the description (`get_task` has it).
///
/// A bad value or a parameter the list does not know is a field error
/// keyed by its name (422); a label or assignee filter, or a cursor, naming
/// another organization's id is 404, and so is a project in the trash.
#[server(endpoint = "list_tasks")]
pub async fn list_tasks(
    org: String,
    project: String,
    #[server(default)] query: TaskParams,
) -> Result<Page<TaskItem>, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    let query = query.parse().map_err(AppError::Validation)?;
    let project = readable_project(req.db(), &req.org, &project).await?;
    if !tasks::filter_ids_exist(req.db(), &req.org, &query).await? {
        return Err(AppError::NotFound);
    }
    match task_list::list(req.db(), &req.org, &project, &query, today()).await? {
        Listed::Page(page) => Ok(page),
        Listed::UnknownCursor => Err(AppError::NotFound),
    }
}

/// One live task of a readable project.
#[server(endpoint = "get_task")]
pub async fn get_task(org: String, task: String) -> Result<Task, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    let id: TaskId = parse_id(&task)?;
    tasks::find(req.db(), &req.org, id).await?.ok_or(AppError::NotFound)
}

/// Creates a task in `project`. `title` 1–255 characters (trimmed, not
/// blank); `description` up to 2,000; `priority` none (default), low,
/// medium, high or urgent; `due_on` `YYYY-MM-DD` or empty; `assignee` a
/// member's id or empty; `cycle` one of the project's cycles or empty;
/// `labels[]` at most 20 label ids.
#[server(endpoint = "create_task")]
pub async fn create_task(
    org: String,
    project: String,
    title: String,
    #[server(default)] description: String,
    #[server(default)] priority: String,
    #[server(default)] due_on: String,
    #[server(default)] assignee: String,
    #[server(default)] cycle: String,
    #[server(default)] labels: Vec<String>,
) -> Result<Task, AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::EditTasks)?;
    let project = writable_project(req.db(), &writer, &project).await?;
    let form = TaskForm { title, description, priority, due_on, assignee, cycle, labels };
    let fields = form.check(req.db(), &writer, &project).await?;
    let task = tasks::insert(req.db(), &writer, project.id, &fields).await.map_err(write_error)?;
    crate::server::flash::set(format!("Added “{}”.", task.title)).await?;
    Ok(task)
}

/// Rewrites every field of a task (the full edit form); fields as in
/// [`create_task`]. Empty optional fields clear them.
#[server(endpoint = "update_task")]
pub async fn update_task(
    org: String,
    task: String,
    title: String,
    #[server(default)] description: String,
    #[server(default)] priority: String,
    #[server(default)] due_on: String,
    #[server(default)] assignee: String,
    #[server(default)] cycle: String,
    #[server(default)] labels: Vec<String>,
) -> Result<Task, AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::EditTasks)?;
    let (current, project) = writable_task(req.db(), &writer, &task).await?;
    let form = TaskForm { title, description, priority, due_on, assignee, cycle, labels };
    let fields = form.check(req.db(), &writer, &project).await?;
    tasks::update(req.db(), &writer, current.id, &fields).await?.ok_or_else(archived)
}

/// The live task `id` (text) and its project, when the project lets it
/// change.
#[cfg(feature = "ssr")]
async fn writable_task(db: &Db, ctx: &Writer, id: &str) -> Result<(Task, Project), AppError> {
    let id: TaskId = parse_id(id)?;
    let task = tasks::find(db, ctx, id).await?.ok_or(AppError::NotFound)?;
    let project = writable_project(db, ctx, &task.project_id.to_string()).await?;
    Ok((task, project))
}

/// A field an inline edit may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskField {
    Title,
    Description,
    Priority,
    DueOn,
    Assignee,
    Cycle,
}

/// Changes one field of a task (an inline edit): `field` is `title`,
/// `description`, `priority`, `due_on`, `assignee` or `cycle`, `value` its
/// new value as in [`create_task`]; an empty value clears `due_on`,
/// `assignee` and `cycle`. Everything else stays as it is.
#[server(endpoint = "patch_task")]
pub async fn patch_task(
    org: String,
    task: String,
    field: TaskField,
    #[server(default)] value: String,
) -> Result<Task, AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::EditTasks)?;
    let (current, project) = writable_task(req.db(), &writer, &task).await?;
    // The current values as form text, one replaced: the result is checked
    // exactly as a full edit.
    let mut form = TaskForm::of(&current);
    match field {
        TaskField::Title => form.title = value,
        TaskField::Description => form.description = value,
        TaskField::Priority => form.priority = value,
        TaskField::DueOn => form.due_on = value,
        TaskField::Assignee => form.assignee = value,
        TaskField::Cycle => form.cycle = value,
    }
    let fields = form.check(req.db(), &writer, &project).await?;
    tasks::update(req.db(), &writer, current.id, &fields).await?.ok_or_else(archived)
}

/// Completes (`done` true) or reopens one task: the one-click toggle. The
/// server sets `completed_at` (now) and clears it.
#[server(endpoint = "set_task_done")]
pub async fn set_task_done(org: String, task: String, done: bool) -> Result<Task, AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::EditTasks)?;
    let (current, _project) = writable_task(req.db(), &writer, &task).await?;
    if tasks::set_completed(req.db(), &writer, &[current.id], done).await? == 0 && current.is_done() != done {
        return Err(archived());
    }
    let verb = if done { "Completed" } else { "Reopened" };
    crate::server::flash::set(format!("{verb} “{}”.", current.title)).await?;
    tasks::find(req.db(), &writer, current.id).await?.ok_or(AppError::NotFound)
}

/// Applies `action` to the tasks `ids[]` (1 to 500), all or none: if any id
/// is not a task of the organization (live for `restore` and `purge`: in
/// the trash) the answer is 404 and nothing changes; if any is in an
/// archived project, 409. `move` needs `project` (an active project),
/// `assign` takes `assignee` (a member; empty unassigns). `purge` is for
/// Admins and Owners.
#[server(endpoint = "bulk_update_tasks")]
pub async fn bulk_update_tasks(
    org: String,
    #[server(default)] ids: Vec<String>,
    action: BulkAction,
    #[server(default)] project: String,
    #[server(default)] assignee: String,
) -> Result<BulkOutcome, AppError> {
    let req = ctx::org_request(&org).await?;
    let db = req.db();
    let writer = req.org.writer(Action::EditTasks)?;
    let admin = match action {
        BulkAction::Purge => Some(req.org.admin(Action::PurgeTasks)?),
        _ => None,
    };
    let mut ids: Vec<TaskId> = parse_bounded_ids(&ids, MAX_BULK, "ids", "tasks")?;
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(AppError::field("ids", "Select at least one task."));
    }
    let lifecycle = match action {
        BulkAction::Restore | BulkAction::Purge => Lifecycle::Trashed,
        _ => Lifecycle::Live,
    };
    let (found, writable) = tasks::count_found_and_writable(db, &writer, &ids, lifecycle).await?;
    if found != ids.len() as i64 {
        return Err(AppError::NotFound);
    }
    if writable != found {
        return Err(AppError::Conflict("Some of these tasks are in an archived project.".into()));
    }
    let affected = match (action, admin) {
        (BulkAction::Complete, _) => tasks::set_completed(db, &writer, &ids, true).await?,
        (BulkAction::Reopen, _) => tasks::set_completed(db, &writer, &ids, false).await?,
        (BulkAction::Move, _) => {
            if project.trim().is_empty() {
                return Err(AppError::field("project", "Choose the project to move the tasks to."));
            }
            let target = writable_project(db, &writer, &project).await?;
            tasks::move_to_project(db, &writer, &ids, target.id).await?
        }
        (BulkAction::Assign, _) => {
            let user: Option<UserId> = parse_optional_id(&assignee)?;
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
    crate::server::flash::set(action.outcome_message(affected)).await?;
    Ok(BulkOutcome { affected })
}

/// Empties the trash of `project`: its trashed tasks are deleted for good.
/// Admins and Owners, in an active project.
#[server(endpoint = "empty_task_trash")]
pub async fn empty_task_trash(org: String, project: String) -> Result<BulkOutcome, AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::PurgeTasks)?;
    let project = writable_project(req.db(), &admin, &project).await?;
    Ok(BulkOutcome { affected: tasks::empty_trash(req.db(), &admin, project.id).await? })
}
