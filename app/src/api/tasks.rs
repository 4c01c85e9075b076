//! Tasks: listing, create, full and inline edit, complete, bulk actions,
//! the trash.
//!
//! Reads need any role and a readable project (not in the trash: 404);
//! writes need Member or above and a writable one (not archived: 409).
//! Deleting puts tasks in the trash, where Members may restore them; only
//! Admins delete them for good before the 30 days are up. Every id that is
//! not the organization's (task, project, assignee, label, cycle) answers
//! 404. The rules are `server::tasks`, which the REST API calls too; these
//! functions ask for the handle, call them, and leave the flash.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{Page, Task, TaskItem, TaskParams},
};

#[cfg(feature = "ssr")]
use crate::{
    model::Action,
    server::{
        ctx,
        tasks::{self as rules, BulkRequest, TaskForm},
    },
};

/// The bulk actions and the inline edit's fields are the model's (the
/// REST API takes them too); the dashboard names them here.
pub use crate::model::{BulkAction, BulkOutcome, TaskField, task::MAX_BULK};

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
    let query = rules::parse_query(&query)?;
    rules::list(req.db(), &req.org, &project, &query).await
}

/// One live task of a readable project.
#[server(endpoint = "get_task")]
pub async fn get_task(org: String, task: String) -> Result<Task, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    rules::find(req.db(), &req.org, &task).await
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
    let form = TaskForm { title, description, priority, due_on, assignee, cycle, labels };
    let task = rules::create(req.db(), &writer, &project, form).await?;
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
    let (current, project) = rules::writable_task(req.db(), &writer, &task).await?;
    let form = TaskForm { title, description, priority, due_on, assignee, cycle, labels };
    rules::update(req.db(), &writer, (current.id, &project), form, None).await
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
    rules::set_field(req.db(), &writer, &task, field, value).await
}

/// Completes (`done` true) or reopens one task: the one-click toggle. The
/// server sets `completed_at` (now) and clears it.
#[server(endpoint = "set_task_done")]
pub async fn set_task_done(org: String, task: String, done: bool) -> Result<Task, AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::EditTasks)?;
    let task = rules::set_done(req.db(), &writer, &task, done).await?;
    let verb = if done { "Completed" } else { "Reopened" };
    crate::server::flash::set(format!("{verb} “{}”.", task.title)).await?;
    Ok(task)
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
    let request =
        BulkRequest { action, ids: &ids, ids_field: "ids", project: &project, assignee: &assignee, within: None };
    let outcome = rules::bulk(req.db(), &req.org, request).await?;
    crate::server::flash::set(action.outcome_message(outcome.affected)).await?;
    Ok(outcome)
}

/// Empties the trash of `project`: its trashed tasks are deleted for good.
/// Admins and Owners, in an active project.
#[server(endpoint = "empty_task_trash")]
pub async fn empty_task_trash(org: String, project: String) -> Result<BulkOutcome, AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::PurgeTasks)?;
    rules::empty_trash(req.db(), &admin, &project).await
}
