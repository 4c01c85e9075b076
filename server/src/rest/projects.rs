//! `/api/v1/projects`: list, create, read, update (PUT and PATCH),
//! archive, unarchive, trash and restore, by the dashboard's rules
//! (`app::server::projects`).

use app::{
    model::{Action, Page, Project, ProjectId, args::parse_id, listing},
    server::{
        db::projects as db_projects,
        projects::{self as rules, load_project},
    },
};
use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use app::server::AppState;

use super::{
    ApiClient,
    body::{self, Json, QueryParams},
    conditional::{IfMatch, created, etag, resource},
    paging,
    problem::{ApiError, Refusals},
};

/// The list's query: `view` `active` (default), `archived` or `trash`;
/// `limit` 25, 50 (default) or 100; `offset` in items.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `active` (default), `archived` or `trash`.
    #[serde(default)]
    view: String,
    /// Projects per page: 25, 50 (default) or 100.
    limit: Option<u32>,
    /// Projects to skip (default 0).
    #[param(minimum = 0)]
    offset: Option<i32>,
}

/// The path parameter of one project.
const PROJECT: &str = "The project's id (a UUID).";

/// `GET /projects`: a page of the organization's projects, with `total`
/// and a `Link` header (`rel="next"`, `rel="prev"`) to the neighbouring
/// pages. Any token.
#[utoipa::path(get, path = "/projects", tag = "projects", params(ListQuery),
    responses((status = 200, description = "A page of projects; `Link` names the pages around it.", body = Page<Project>), Refusals))]
pub async fn list_projects(
    State(state): State<AppState>,
    client: ApiClient,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Response, ApiError> {
    client.org().check(Action::ViewWork)?;
    let view = rules::parse_view(&query.view)?;
    let limit = listing::check_page_size(query.limit.unwrap_or(listing::DEFAULT_PAGE_SIZE))
        .map_err(|message| app::error::AppError::field("limit", message))?;
    let offset = body::offset(query.offset)?;
    let page = db_projects::list(&state.db, client.org(), view, limit, offset).await?;
    let links = paging::offset_links(&page, &format!("/api/v1/projects?view={}&", view.as_str()));
    Ok(paging::listed(&page, &links))
}

/// A new project: `name` (1–100 characters, unique among live projects),
/// `description` (up to 2,000, optional).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    /// 1–100 characters, unique among the organization's projects outside
    /// the trash (compared case-insensitively).
    name: String,
    /// Up to 2,000 characters; empty by default.
    #[serde(default)]
    description: String,
}

/// `POST /projects`: 201 with the project, its `ETag` and `Location`.
/// Member and Admin tokens; the plan's project limit applies.
#[utoipa::path(post, path = "/projects", tag = "projects", request_body = NewProject,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry answer the first create.")),
    responses((status = 201, description = "Created; `Location` and `ETag` name it.", body = Project), Refusals))]
pub async fn create_project(
    State(state): State<AppState>,
    client: ApiClient,
    Json(new): Json<NewProject>,
) -> Result<Response, ApiError> {
    let writer = client.org().writer(Action::EditProjects)?;
    let project = rules::create(&state.db, &writer, &client.0.actor, &new.name, &new.description).await?;
    Ok(created(&project, &format!("/projects/{}", project.id)))
}

/// `GET /projects/{project}`: the project, in any state (archived, in the
/// trash), with its `ETag`. Any token.
#[utoipa::path(get, path = "/projects/{project}", tag = "projects", params(("project" = ProjectId, Path, description = PROJECT)),
    responses((status = 200, description = "The project, with its `ETag`.", body = Project), Refusals))]
pub async fn get_project(
    State(state): State<AppState>,
    client: ApiClient,
    Path(project): Path<String>,
) -> Result<Response, ApiError> {
    client.org().check(Action::ViewWork)?;
    let project = load_project(&state.db, client.org(), &project).await?;
    Ok(resource(StatusCode::OK, &project))
}

/// A whole project's editable fields, for PUT.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectFields {
    /// 1–100 characters, unique among live projects.
    name: String,
    /// Up to 2,000 characters.
    description: String,
}

/// Some of a project's editable fields, for PATCH.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectPatch {
    /// A new name (absent: unchanged).
    name: Option<String>,
    /// A new description (absent: unchanged).
    description: Option<String>,
}

/// `PUT /projects/{project}`: replaces the name and description (both
/// required). Conditional with `If-Match`. Member and Admin tokens; not
/// for a project in the trash (404).
#[utoipa::path(put, path = "/projects/{project}", tag = "projects", request_body = ProjectFields,
    params(("project" = ProjectId, Path, description = PROJECT), ("If-Match" = Option<String>, Header, description = "Change only if the ETag is still this.")),
    responses((status = 200, description = "The changed project.", body = Project), Refusals))]
pub async fn replace_project(
    State(state): State<AppState>,
    client: ApiClient,
    Path(project): Path<String>,
    headers: HeaderMap,
    Json(fields): Json<ProjectFields>,
) -> Result<Response, ApiError> {
    let patch = ProjectPatch { name: Some(fields.name), description: Some(fields.description) };
    update(&state, &client, &project, &headers, patch).await
}

/// `PATCH /projects/{project}`: changes the fields given (JSON merge
/// patch, RFC 7396: absent fields stay). Conditional with `If-Match`.
/// Member and Admin tokens.
#[utoipa::path(patch, path = "/projects/{project}", tag = "projects", request_body = ProjectPatch,
    params(("project" = ProjectId, Path, description = PROJECT), ("If-Match" = Option<String>, Header, description = "Change only if the ETag is still this.")),
    responses((status = 200, description = "The changed project.", body = Project), Refusals))]
pub async fn patch_project(
    State(state): State<AppState>,
    client: ApiClient,
    Path(project): Path<String>,
    headers: HeaderMap,
    Json(patch): Json<ProjectPatch>,
) -> Result<Response, ApiError> {
    update(&state, &client, &project, &headers, patch).await
}

/// Both updates: the current project (404 in the trash), `If-Match`
/// checked against its tag, then the change made only if nobody changed
/// the project in between (412 either way).
async fn update(
    state: &AppState,
    client: &ApiClient,
    project: &str,
    headers: &HeaderMap,
    patch: ProjectPatch,
) -> Result<Response, ApiError> {
    let writer = client.org().writer(Action::EditProjects)?;
    let condition = IfMatch::from_headers(headers)?;
    let current = load_project(&state.db, client.org(), project).await?;
    if current.deleted_at.is_some() {
        return Err(app::error::AppError::NotFound.into());
    }
    if let Some(condition) = &condition {
        condition.check(&etag(&current))?;
    }
    let name = patch.name.unwrap_or_else(|| current.name.clone());
    let description = patch.description.unwrap_or_else(|| current.description.clone());
    let unchanged_since = condition.as_ref().map(|_| current.updated_at);
    let updated =
        rules::update(&state.db, &writer, current.id, (&name, &description), unchanged_since).await.map_err(|err| {
            match err {
                app::error::AppError::Conflict(_) if condition.is_some() => ApiError::PreconditionFailed,
                other => other.into(),
            }
        })?;
    Ok(resource(StatusCode::OK, &updated))
}

fn project_id(project: &str) -> Result<ProjectId, ApiError> {
    Ok(parse_id(project)?)
}

/// `POST /projects/{project}/archive`: archived, read-only. Member and
/// Admin tokens.
#[utoipa::path(post, path = "/projects/{project}/archive", tag = "projects", params(("project" = ProjectId, Path, description = PROJECT)),
    responses((status = 200, description = "The archived project.", body = Project), Refusals))]
pub async fn archive_project(
    State(state): State<AppState>,
    client: ApiClient,
    Path(project): Path<String>,
) -> Result<Response, ApiError> {
    set_archived(&state, &client, &project, true).await
}

/// `POST /projects/{project}/unarchive`. Member and Admin tokens.
#[utoipa::path(post, path = "/projects/{project}/unarchive", tag = "projects", params(("project" = ProjectId, Path, description = PROJECT)),
    responses((status = 200, description = "The project, no longer archived.", body = Project), Refusals))]
pub async fn unarchive_project(
    State(state): State<AppState>,
    client: ApiClient,
    Path(project): Path<String>,
) -> Result<Response, ApiError> {
    set_archived(&state, &client, &project, false).await
}

async fn set_archived(
    state: &AppState,
    client: &ApiClient,
    project: &str,
    archived: bool,
) -> Result<Response, ApiError> {
    let writer = client.org().writer(Action::EditProjects)?;
    let id = project_id(project)?;
    let project = rules::set_archived(&state.db, &writer, &client.0.actor, id, archived).await?;
    Ok(resource(StatusCode::OK, &project))
}

/// `DELETE /projects/{project}`: moves the project to the trash (30
/// days, then gone); answers it. Admin tokens.
#[utoipa::path(delete, path = "/projects/{project}", tag = "projects", params(("project" = ProjectId, Path, description = PROJECT)),
    responses((status = 200, description = "The project, now in the trash.", body = Project), Refusals))]
pub async fn trash_project(
    State(state): State<AppState>,
    client: ApiClient,
    Path(project): Path<String>,
) -> Result<Response, ApiError> {
    let admin = client.org().admin(Action::TrashProjects)?;
    let project = rules::trash(&state.db, &admin, &client.0.actor, project_id(&project)?).await?;
    Ok(resource(StatusCode::OK, &project))
}

/// `POST /projects/{project}/restore`: out of the trash. Admin tokens;
/// 409 when a live project has taken its name.
#[utoipa::path(post, path = "/projects/{project}/restore", tag = "projects", params(("project" = ProjectId, Path, description = PROJECT)),
    responses((status = 200, description = "The project, out of the trash.", body = Project), Refusals))]
pub async fn restore_project(
    State(state): State<AppState>,
    client: ApiClient,
    Path(project): Path<String>,
) -> Result<Response, ApiError> {
    let admin = client.org().admin(Action::TrashProjects)?;
    let project = rules::restore(&state.db, &admin, &client.0.actor, project_id(&project)?).await?;
    Ok(resource(StatusCode::OK, &project))
}
