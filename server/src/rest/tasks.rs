//! `/api/v1/.../tasks`: list, create, read, update (PUT and PATCH),
//! complete, reopen, trash, restore and bulk actions, by the dashboard's
//! rules (`app::server::tasks`).
//!
//! A task answers as the dashboard's `get_task` does: `id`, `project_id`,
//! `title`, `description`, `priority` (`none`, `low`, `medium`, `high`,
//! `urgent`), `due_on` (`YYYY-MM-DD` or null), `assignee` (`{id,
//! display_name}` or null), `cycle_id`, `labels` (`[{id, name, color}]`),
//! and `completed_at`, `created_at`, `updated_at`, `deleted_at` (RFC 3339,
//! UTC, or null). Reads need any token and a project not in the trash
//! (404); writes a Member or Admin token and a project not archived (409).

use app::{
    error::AppError,
    model::{
        Action, BulkAction, BulkOutcome, Page, ProjectId, Task, TaskId, TaskItem, TaskParams, TaskQuery, args::parse_id,
    },
    server::{
        AppState,
        tasks::{self as rules, BulkRequest, TaskForm},
    },
};
use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use serde::{Deserialize, Deserializer};
use utoipa::{IntoParams, ToSchema};

use super::{
    ApiClient,
    body::{Json, QueryParams},
    conditional::{IfMatch, created, etag, resource},
    paging,
    problem::{ApiError, Refusals},
};

/// The path parameter of one project.
const PROJECT: &str = "The project's id (a UUID).";
/// The path parameter of one task.
const TASK: &str = "The task's id (a UUID).";

/// The list's query parameters, for the OpenAPI document (the handler
/// reads them as the dashboard does, into `TaskParams`; a test checks
/// these names are the dashboard's `task_query::PARAMS`).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "describes the query for the OpenAPI document; never built")]
pub struct TaskListQuery {
    /// `open` (default), `done`, `all` or `trash`.
    status: Option<String>,
    /// `me` (the token's creator), `nobody`, or a member's id.
    assignee: Option<String>,
    /// A label's id.
    label: Option<String>,
    /// `none`, `low`, `medium`, `high` or `urgent`.
    priority: Option<String>,
    /// Due on or before this day (`YYYY-MM-DD`).
    due_before: Option<String>,
    /// Due on or after this day (`YYYY-MM-DD`).
    due_after: Option<String>,
    /// `1`: only tasks past their due day.
    overdue: Option<String>,
    /// Search in titles and descriptions, up to 200 characters.
    q: Option<String>,
    /// `created` (default), `updated`, `due`, `priority` or `title`.
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    /// Tasks per page: 25 (default), 50 or 100.
    per_page: Option<String>,
    /// The page after this task id (from `next`).
    after: Option<String>,
    /// The page before this task id (from `previous`).
    before: Option<String>,
    /// A page number from 1, within the first 1,000 tasks.
    page: Option<String>,
    /// Tasks per page (as `per_page`).
    limit: Option<String>,
    /// Tasks to skip, within the first 1,000.
    offset: Option<String>,
}

/// `GET /projects/{project}/tasks`: a page of the project's tasks, read
/// from the dashboard's list parameters (`model::task_query`): `status`
/// (`open` default, `done`, `all`, `trash`), `assignee` (`me`, `nobody`
/// or a member's id), `label`, `priority`, `due_before`, `due_after`
/// (`YYYY-MM-DD`, inclusive), `overdue` (`1`), `q` (search in title and
/// description, up to 200 characters), `sort` (`created` default,
/// `updated`, `due`, `priority`, `title`), `dir` (`asc`, `desc`),
/// `per_page` 25 (default), 50 or 100, and where the page starts: `after`
/// or `before` a task id, or `page` (from 1) within the first 1,000 tasks.
///
/// Answers `{items, total, total_capped, limit, offset, has_more, next,
/// previous}` (items without their description), and a `Link` header
/// (`rel="next"`, `rel="prev"`) to the neighbouring pages with the same
/// filters. A filtered total is counted up to 1,000 (`total_capped`
/// true); a search's total is what the pages so far hold. Any token.
///
/// Errors: 422 naming the parameter for a bad value or an unknown
/// parameter; 404 for a project (or a label, assignee or cursor) not the
/// organization's, or a project in the trash.
#[utoipa::path(get, path = "/projects/{project}/tasks", tag = "tasks", params(("project" = ProjectId, Path, description = PROJECT), TaskListQuery),
    responses((status = 200, description = "A page of tasks; `Link` names the pages around it.", body = Page<TaskItem>), Refusals))]
pub async fn list_tasks(
    State(state): State<AppState>,
    client: ApiClient,
    Path(project): Path<String>,
    QueryParams(params): QueryParams<TaskParams>,
) -> Result<Response, ApiError> {
    client.org().check(Action::ViewWork)?;
    let project: ProjectId = parse_id(&project)?;
    let query = rules::parse_query(&params)?;
    let page = rules::list(&state.db, client.org(), &project.to_string(), &query).await?;
    let mut links = Vec::new();
    let at = |query: TaskQuery| format!("/api/v1/projects/{project}/tasks{}", query.to_query_string());
    if let Some(next) = page.next.as_deref().and_then(|id| id.parse().ok()) {
        links.push((at(query.page_after(next)), "next"));
    }
    if let Some(previous) = page.previous.as_deref().and_then(|id| id.parse().ok()) {
        links.push((at(query.page_before(previous)), "prev"));
    }
    Ok(paging::listed(&page, &links))
}

/// A new task. `title` (1–255 characters, trimmed, not blank) is
/// required; the rest is optional (absent or null: none): `description`
/// (up to 2,000 characters), `priority` (`none` default, `low`, `medium`,
/// `high`, `urgent`), `due_on` (`YYYY-MM-DD`), `assignee` (a member's
/// id), `cycle` (one of the project's cycles), `labels` (up to 20 of the
/// organization's label ids).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    title: String,
    description: Option<String>,
    priority: Option<String>,
    due_on: Option<String>,
    assignee: Option<String>,
    cycle: Option<String>,
    labels: Option<Vec<String>>,
}

/// `POST /projects/{project}/tasks`: 201 with the task, its `ETag` and
/// `Location` (`/api/v1/tasks/{id}`). Member and Admin tokens.
///
/// Errors: 422 naming the field (a wrong type, an unknown field, a bad
/// title, priority or date, too many labels, a cycle of another project);
/// 404 for a project, assignee, cycle or label not the organization's;
/// 409 for an archived project.
#[utoipa::path(post, path = "/projects/{project}/tasks", tag = "tasks", request_body = NewTask,
    params(("project" = ProjectId, Path, description = PROJECT), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry answer the first create.")),
    responses((status = 201, description = "Created; `Location` and `ETag` name it.", body = Task), Refusals))]
pub async fn create_task(
    State(state): State<AppState>,
    client: ApiClient,
    Path(project): Path<String>,
    Json(new): Json<NewTask>,
) -> Result<Response, ApiError> {
    let writer = client.org().writer(Action::EditTasks)?;
    let form = TaskForm {
        title: new.title,
        description: new.description.unwrap_or_default(),
        priority: new.priority.unwrap_or_default(),
        due_on: new.due_on.unwrap_or_default(),
        assignee: new.assignee.unwrap_or_default(),
        cycle: new.cycle.unwrap_or_default(),
        labels: new.labels.unwrap_or_default(),
    };
    let task = rules::create(&state.db, &writer, &project, form).await?;
    Ok(created(&task, &format!("/tasks/{}", task.id)))
}

/// `GET /tasks/{task}`: the live task, with its `ETag`. Any token.
///
/// Errors: 404 for a task not the organization's, in the trash, or of a
/// project in the trash.
#[utoipa::path(get, path = "/tasks/{task}", tag = "tasks", params(("task" = TaskId, Path, description = TASK)),
    responses((status = 200, description = "The task, with its `ETag`.", body = Task), Refusals))]
pub async fn get_task(
    State(state): State<AppState>,
    client: ApiClient,
    Path(task): Path<String>,
) -> Result<Response, ApiError> {
    client.org().check(Action::ViewWork)?;
    let task = rules::find(&state.db, client.org(), &task).await?;
    Ok(resource(StatusCode::OK, &task))
}

/// A JSON value that may be null, told apart from an absent field: absent
/// is `None` (with `#[serde(default)]`), null `Some(None)`. A field read
/// with it and no default is required, though it may be null.
fn nullable<'de, T: Deserialize<'de>, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Every editable field of a task, for PUT: all required; `due_on`,
/// `assignee` and `cycle` may be null (none). Values as in [`NewTask`].
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskFieldsBody {
    title: String,
    description: String,
    priority: String,
    #[serde(deserialize_with = "nullable")]
    due_on: Option<Option<String>>,
    #[serde(deserialize_with = "nullable")]
    assignee: Option<Option<String>>,
    #[serde(deserialize_with = "nullable")]
    cycle: Option<Option<String>>,
    labels: Vec<String>,
}

/// Some of a task's editable fields, for PATCH (JSON merge patch, RFC
/// 7396): an absent field stays as it is; null clears `description` (to
/// empty), `priority` (to `none`), `due_on`, `assignee`, `cycle` and
/// `labels`; `title` cannot be null. Values as in [`NewTask`].
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskPatch {
    #[serde(default, deserialize_with = "nullable")]
    title: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    description: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    priority: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    due_on: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    assignee: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    cycle: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    labels: Option<Option<Vec<String>>>,
}

impl TaskPatch {
    /// `form` (the task's current values) with this patch applied.
    fn apply(self, mut form: TaskForm) -> Result<TaskForm, AppError> {
        match self.title {
            Some(Some(title)) => form.title = title,
            Some(None) => return Err(AppError::field("title", "A task always has a title: send one, not null.")),
            None => {}
        }
        let text = |value: Option<Option<String>>, slot: &mut String| {
            if let Some(value) = value {
                *slot = value.unwrap_or_default();
            }
        };
        text(self.description, &mut form.description);
        text(self.priority, &mut form.priority);
        text(self.due_on, &mut form.due_on);
        text(self.assignee, &mut form.assignee);
        text(self.cycle, &mut form.cycle);
        if let Some(labels) = self.labels {
            form.labels = labels.unwrap_or_default();
        }
        Ok(form)
    }
}

/// `PUT /tasks/{task}`: replaces every editable field ([`TaskFieldsBody`]).
/// Conditional with `If-Match`. Member and Admin tokens.
///
/// Errors: as [`create_task`]; 404 for a task in the trash; 412 when `If-Match`
/// no longer holds (or the task changed between its read and the write).
#[utoipa::path(put, path = "/tasks/{task}", tag = "tasks", request_body = TaskFieldsBody, params(("task" = TaskId, Path, description = TASK), ("If-Match" = Option<String>, Header, description = "Change only if the ETag is still this.")),
    responses((status = 200, description = "The changed task.", body = Task), Refusals))]
pub async fn replace_task(
    State(state): State<AppState>,
    client: ApiClient,
    Path(task): Path<String>,
    headers: HeaderMap,
    Json(fields): Json<TaskFieldsBody>,
) -> Result<Response, ApiError> {
    let patch = TaskPatch {
        title: Some(Some(fields.title)),
        description: Some(Some(fields.description)),
        priority: Some(Some(fields.priority)),
        due_on: fields.due_on,
        assignee: fields.assignee,
        cycle: fields.cycle,
        labels: Some(Some(fields.labels)),
    };
    update(&state, &client, &task, &headers, patch).await
}

/// `PATCH /tasks/{task}`: changes the fields given ([`TaskPatch`]); the
/// result is checked as a whole edit. Conditional with `If-Match`. Member
/// and Admin tokens.
///
/// Errors: as [`replace_task`]; 422 on `title` for a null title.
#[utoipa::path(patch, path = "/tasks/{task}", tag = "tasks", request_body = TaskPatch, params(("task" = TaskId, Path, description = TASK), ("If-Match" = Option<String>, Header, description = "Change only if the ETag is still this.")),
    responses((status = 200, description = "The changed task.", body = Task), Refusals))]
pub async fn patch_task(
    State(state): State<AppState>,
    client: ApiClient,
    Path(task): Path<String>,
    headers: HeaderMap,
    Json(patch): Json<TaskPatch>,
) -> Result<Response, ApiError> {
    update(&state, &client, &task, &headers, patch).await
}

/// Both updates: the current task (404 in the trash, 409 in an archived
/// project), `If-Match` checked against its tag, then the change made
/// only if nobody changed the task in between (412 either way).
async fn update(
    state: &AppState,
    client: &ApiClient,
    task: &str,
    headers: &HeaderMap,
    patch: TaskPatch,
) -> Result<Response, ApiError> {
    let writer = client.org().writer(Action::EditTasks)?;
    let condition = IfMatch::from_headers(headers)?;
    let (current, project) = rules::writable_task(&state.db, &writer, task).await?;
    if let Some(condition) = &condition {
        condition.check(&etag(&current))?;
    }
    let form = patch.apply(TaskForm::of(&current))?;
    let unchanged_since = condition.as_ref().map(|_| current.updated_at);
    let updated =
        rules::update(&state.db, &writer, (current.id, &project), form, unchanged_since).await.map_err(|err| {
            if condition.is_some() && err == rules::changed() { ApiError::PreconditionFailed } else { err.into() }
        })?;
    Ok(resource(StatusCode::OK, &updated))
}

/// `POST /tasks/{task}/complete`: sets `completed_at` (now; kept when it
/// is already done). Member and Admin tokens. Errors: 404, 409 (archived
/// project).
#[utoipa::path(post, path = "/tasks/{task}/complete", tag = "tasks", params(("task" = TaskId, Path, description = TASK)),
    responses((status = 200, description = "The completed task.", body = Task), Refusals))]
pub async fn complete_task(
    State(state): State<AppState>,
    client: ApiClient,
    Path(task): Path<String>,
) -> Result<Response, ApiError> {
    set_done(&state, &client, &task, true).await
}

/// `POST /tasks/{task}/reopen`: clears `completed_at`. Member and Admin
/// tokens. Errors: 404, 409 (archived project).
#[utoipa::path(post, path = "/tasks/{task}/reopen", tag = "tasks", params(("task" = TaskId, Path, description = TASK)),
    responses((status = 200, description = "The reopened task.", body = Task), Refusals))]
pub async fn reopen_task(
    State(state): State<AppState>,
    client: ApiClient,
    Path(task): Path<String>,
) -> Result<Response, ApiError> {
    set_done(&state, &client, &task, false).await
}

async fn set_done(state: &AppState, client: &ApiClient, task: &str, done: bool) -> Result<Response, ApiError> {
    let writer = client.org().writer(Action::EditTasks)?;
    let task = rules::set_done(&state.db, &writer, task, done).await?;
    Ok(resource(StatusCode::OK, &task))
}

/// `DELETE /tasks/{task}`: moves the task to the trash (30 days, then
/// gone); answers it, `deleted_at` set. Member and Admin tokens. Errors:
/// 404 (also for a task already in the trash), 409 (archived project).
#[utoipa::path(delete, path = "/tasks/{task}", tag = "tasks", params(("task" = TaskId, Path, description = TASK)),
    responses((status = 200, description = "The task, now in the trash.", body = Task), Refusals))]
pub async fn trash_task(
    State(state): State<AppState>,
    client: ApiClient,
    Path(task): Path<String>,
) -> Result<Response, ApiError> {
    let task = rules::trash(&state.db, client.org(), &task).await?;
    Ok(resource(StatusCode::OK, &task))
}

/// `POST /tasks/{task}/restore`: takes the task out of the trash; answers
/// it. Member and Admin tokens. Errors: 404 (also for a live task), 409
/// (archived project).
#[utoipa::path(post, path = "/tasks/{task}/restore", tag = "tasks", params(("task" = TaskId, Path, description = TASK)),
    responses((status = 200, description = "The task, out of the trash.", body = Task), Refusals))]
pub async fn restore_task(
    State(state): State<AppState>,
    client: ApiClient,
    Path(task): Path<String>,
) -> Result<Response, ApiError> {
    let task = rules::restore(&state.db, client.org(), &task).await?;
    Ok(resource(StatusCode::OK, &task))
}

/// A bulk action: `action` (`complete`, `reopen`, `move`, `assign`,
/// `trash`, `restore`, `purge`) on `tasks` (1 to 500 task ids of the
/// project; `restore` and `purge` take tasks in the trash), with
/// `project` (`move`: the active project to move them to) and `assignee`
/// (`assign`: a member's id; absent or null unassigns).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkBody {
    action: BulkAction,
    tasks: Vec<String>,
    project: Option<String>,
    assignee: Option<String>,
}

/// `POST /projects/{project}/tasks/bulk`: the action on every task or on
/// none; answers `{"affected": n}`, the tasks that changed. Member and
/// Admin tokens; `purge` Admin only.
///
/// Errors: 403 for a token's role too low; 422 on `tasks` (none, more
/// than 500), `project` (a `move` without one), `action`; 404 when any
/// task is not the project's (or not live, or for `restore` and `purge`
/// not in the trash), or for a project or assignee not the organization's;
/// 409 when the tasks' project or the target of a `move` is archived.
#[utoipa::path(post, path = "/projects/{project}/tasks/bulk", tag = "tasks", request_body = BulkBody, params(("project" = ProjectId, Path, description = PROJECT)),
    responses((status = 200, description = "How many tasks changed.", body = BulkOutcome), Refusals))]
pub async fn bulk_update_tasks(
    State(state): State<AppState>,
    client: ApiClient,
    Path(project): Path<String>,
    Json(body): Json<BulkBody>,
) -> Result<axum::Json<BulkOutcome>, ApiError> {
    // The role first, as every write asks it (the rule asks again, with
    // `purge`'s stronger one).
    let writer = client.org().writer(Action::EditTasks)?;
    let within = app::server::projects::readable_project(&state.db, &writer, &project).await?;
    let request = BulkRequest {
        action: body.action,
        ids: &body.tasks,
        ids_field: "tasks",
        project: body.project.as_deref().unwrap_or_default(),
        assignee: body.assignee.as_deref().unwrap_or_default(),
        within: Some(within.id),
    };
    Ok(axum::Json(rules::bulk(&state.db, &writer, request).await?))
}
