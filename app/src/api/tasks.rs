//! Tasks: listing, create, full and inline edit, complete, bulk actions.
//!
//! Reads need any role; writes need Member or above, in a project that is
//! neither archived (409) nor in the trash (404). Every id that is not the
//! organization's — task, project, assignee, label, cycle — answers 404.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    model::{Page, Task, TaskQuery},
};

#[cfg(feature = "ssr")]
use crate::{
    api::{
        args::{parse_id, parse_ids, parse_optional_id},
        projects::{load_project, require_writable},
        reply,
    },
    error::FieldErrors,
    model::{Priority, Project, Role, TaskDescription, TaskFields, TaskId, TaskTitle, UserId, task::parse_date_field},
    server::{
        AppState,
        ctx::{self, OrgCtx},
        db::{cycles, labels, orgs, tasks},
    },
};

/// Most tasks one bulk action may touch.
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
    Delete,
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

/// A task form as submitted: every field as text.
#[cfg(feature = "ssr")]
struct TaskForm<'a> {
    title: &'a str,
    description: &'a str,
    priority: &'a str,
    due_on: &'a str,
    assignee: &'a str,
    cycle: &'a str,
    labels: &'a [String],
}

/// The fields of `form`, checked. Text rules give field errors; references
/// to anything outside the organization answer 404; a cycle of another
/// project of it is a `cycle` field error.
#[cfg(feature = "ssr")]
async fn task_fields(
    state: &AppState,
    ctx: &OrgCtx,
    project: &Project,
    form: TaskForm<'_>,
) -> Result<TaskFields, AppError> {
    let mut errors = FieldErrors::new();
    let title = errors.check("title", TaskTitle::parse(form.title));
    let description = errors.check("description", TaskDescription::parse(form.description));
    let priority = match form.priority.trim() {
        "" => Some(Priority::None),
        name => errors.check("priority", name.parse::<Priority>()),
    };
    let due_on = errors.check("due_on", parse_date_field(form.due_on));
    let (Some(title), Some(description), Some(priority), Some(due_on)) = (title, description, priority, due_on) else {
        return Err(AppError::Validation(errors));
    };
    let fields = TaskFields {
        title,
        description,
        priority,
        due_on,
        assignee: parse_optional_id(form.assignee)?,
        cycle: parse_optional_id(form.cycle)?,
        labels: parse_ids(form.labels)?,
    };
    check_references(state, ctx, project, &fields).await?;
    Ok(fields)
}

/// The assignee is a member, the cycle is the project's, the labels are the
/// organization's.
#[cfg(feature = "ssr")]
async fn check_references(
    state: &AppState,
    ctx: &OrgCtx,
    project: &Project,
    fields: &TaskFields,
) -> Result<(), AppError> {
    if let Some(user) = fields.assignee
        && !orgs::is_member(&state.db, ctx, user).await?
    {
        return Err(AppError::NotFound);
    }
    if let Some(cycle) = fields.cycle {
        let cycle = cycles::find(&state.db, ctx, cycle).await?.ok_or(AppError::NotFound)?;
        if cycle.project_id != project.id {
            return Err(AppError::field("cycle", "This cycle belongs to another project."));
        }
    }
    if !labels::all_exist(&state.db, ctx, &fields.labels).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// A page of the tasks of `project` (id) matching `query` (see
/// `model::task_query` for the filters, sorts and page sizes). Returns
/// `{items, total, limit, offset, has_more}`. Bad query values are field
/// errors keyed by their URL parameter names; a label or assignee filter
/// naming another organization's id is 404.
#[server(endpoint = "list_tasks")]
pub async fn list_tasks(
    org: String,
    project: String,
    #[server(default)] query: TaskQuery,
) -> Result<Page<Task>, AppError> {
    reply(
        async move {
            let (state, _session, _user, ctx) = ctx::org_ctx(&org, Role::Guest).await?;
            query.validate().map_err(AppError::Validation)?;
            let project = load_project(&state, &ctx, &project).await?;
            if project.deleted_at.is_some() || !tasks::filter_ids_exist(&state.db, &ctx, &query).await? {
                return Err(AppError::NotFound);
            }
            Ok(tasks::list(&state.db, &ctx, project.id, &query, today()).await?)
        }
        .await,
    )
}

/// One task.
#[server(endpoint = "get_task")]
pub async fn get_task(org: String, task: String) -> Result<Task, AppError> {
    reply(
        async move {
            let (state, _session, _user, ctx) = ctx::org_ctx(&org, Role::Guest).await?;
            let id: TaskId = parse_id(&task)?;
            tasks::find(&state.db, &ctx, id).await?.ok_or(AppError::NotFound)
        }
        .await,
    )
}

/// Creates a task in `project`. `title` 1–255 characters (trimmed, not
/// blank); `description` up to 2,000; `priority` none (default), low,
/// medium, high or urgent; `due_on` `YYYY-MM-DD` or empty; `assignee` a
/// member's id or empty; `cycle` one of the project's cycles or empty;
/// `labels[]` label ids.
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
    reply(
        async move {
            let (state, _session, user, ctx) = ctx::org_ctx(&org, Role::Member).await?;
            let project = load_project(&state, &ctx, &project).await?;
            require_writable(&project)?;
            let form = TaskForm {
                title: &title,
                description: &description,
                priority: &priority,
                due_on: &due_on,
                assignee: &assignee,
                cycle: &cycle,
                labels: &labels,
            };
            let fields = task_fields(&state, &ctx, &project, form).await?;
            Ok(tasks::insert(&state.db, &ctx, project.id, &fields, user.id).await?)
        }
        .await,
    )
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
    reply(
        async move {
            let (state, _session, _user, ctx) = ctx::org_ctx(&org, Role::Member).await?;
            let (current, project) = writable_task(&state, &ctx, &task).await?;
            let form = TaskForm {
                title: &title,
                description: &description,
                priority: &priority,
                due_on: &due_on,
                assignee: &assignee,
                cycle: &cycle,
                labels: &labels,
            };
            let fields = task_fields(&state, &ctx, &project, form).await?;
            tasks::update(&state.db, &ctx, current.id, &fields).await?.ok_or(AppError::NotFound)
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
async fn load_task(state: &AppState, ctx: &OrgCtx, id: &str) -> Result<Task, AppError> {
    let id: TaskId = parse_id(id)?;
    tasks::find(&state.db, ctx, id).await?.ok_or(AppError::NotFound)
}

/// The task `id` and its project, when the project lets it change (see
/// `require_writable`).
#[cfg(feature = "ssr")]
async fn writable_task(state: &AppState, ctx: &OrgCtx, id: &str) -> Result<(Task, Project), AppError> {
    let task = load_task(state, ctx, id).await?;
    let project = load_project(state, ctx, &task.project_id.to_string()).await?;
    require_writable(&project)?;
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
    reply(
        async move {
            let (state, _session, _user, ctx) = ctx::org_ctx(&org, Role::Member).await?;
            let (current, project) = writable_task(&state, &ctx, &task).await?;
            // The current values as form text, one replaced: the result is
            // checked exactly as a full edit.
            let mut form = [
                current.title.clone(),
                current.description.clone(),
                current.priority.as_str().to_owned(),
                current.due_on.map(crate::model::task::format_date).unwrap_or_default(),
                current.assignee.as_ref().map(|a| a.id.to_string()).unwrap_or_default(),
                current.cycle_id.map(|c| c.to_string()).unwrap_or_default(),
            ];
            form[field as usize] = value;
            let [title, description, priority, due_on, assignee, cycle] = &form;
            let labels: Vec<String> = current.labels.iter().map(|l| l.id.to_string()).collect();
            let form = TaskForm { title, description, priority, due_on, assignee, cycle, labels: &labels };
            let fields = task_fields(&state, &ctx, &project, form).await?;
            tasks::update(&state.db, &ctx, current.id, &fields).await?.ok_or(AppError::NotFound)
        }
        .await,
    )
}

/// Completes (`done` true) or reopens one task: the one-click toggle. The
/// server sets `completed_at` (now) and clears it.
#[server(endpoint = "set_task_done")]
pub async fn set_task_done(org: String, task: String, done: bool) -> Result<Task, AppError> {
    reply(
        async move {
            let (state, _session, _user, ctx) = ctx::org_ctx(&org, Role::Member).await?;
            let (current, _project) = writable_task(&state, &ctx, &task).await?;
            tasks::set_completed(&state.db, &ctx, &[current.id], done).await?;
            tasks::find(&state.db, &ctx, current.id).await?.ok_or(AppError::NotFound)
        }
        .await,
    )
}

/// Applies `action` to the tasks `ids[]` (at most 500), all or none: if any
/// id is not a task of the organization the answer is 404 and nothing
/// changes; if any is in an archived project, 409. `move` needs `project`
/// (an active project), `assign` takes `assignee` (a member; empty
/// unassigns).
#[server(endpoint = "bulk_update_tasks")]
pub async fn bulk_update_tasks(
    org: String,
    #[server(default)] ids: Vec<String>,
    action: BulkAction,
    #[server(default)] project: String,
    #[server(default)] assignee: String,
) -> Result<BulkOutcome, AppError> {
    reply(
        async move {
            let (state, _session, _user, ctx) = ctx::org_ctx(&org, Role::Member).await?;
            let mut ids: Vec<TaskId> = parse_ids(&ids)?;
            ids.sort_unstable();
            ids.dedup();
            if ids.is_empty() {
                return Err(AppError::field("ids", "Select at least one task."));
            }
            if ids.len() > MAX_BULK {
                return Err(AppError::field("ids", format!("Select at most {MAX_BULK} tasks at once.")));
            }
            let (found, writable) = tasks::count_found_and_writable(&state.db, &ctx, &ids).await?;
            if found != ids.len() as i64 {
                return Err(AppError::NotFound);
            }
            if writable != found {
                return Err(AppError::Conflict("Some of these tasks are in an archived project.".into()));
            }
            let affected = match action {
                BulkAction::Complete => tasks::set_completed(&state.db, &ctx, &ids, true).await?,
                BulkAction::Reopen => tasks::set_completed(&state.db, &ctx, &ids, false).await?,
                BulkAction::Move => {
                    if project.trim().is_empty() {
                        return Err(AppError::field("project", "Choose the project to move the tasks to."));
                    }
                    let target = load_project(&state, &ctx, &project).await?;
                    require_writable(&target)?;
                    tasks::move_to_project(&state.db, &ctx, &ids, target.id).await?
                }
                BulkAction::Assign => {
                    let user: Option<UserId> = parse_optional_id(&assignee)?;
                    if let Some(user) = user
                        && !orgs::is_member(&state.db, &ctx, user).await?
                    {
                        return Err(AppError::NotFound);
                    }
                    tasks::assign(&state.db, &ctx, &ids, user).await?
                }
                BulkAction::Delete => tasks::delete(&state.db, &ctx, &ids).await?,
            };
            Ok(BulkOutcome { affected })
        }
        .await,
    )
}
