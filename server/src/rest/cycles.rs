//! `/api/v1/.../cycles`: a project's cycles (iterations), listed,
//! created, renamed or re-dated, deleted, by the dashboard's rules
//! (`app::server::cycles`).
//!
//! A cycle answers as `{id, project_id, name, starts_on, ends_on,
//! done_tasks, total_tasks}` (days as `YYYY-MM-DD`). Reads need any token
//! and a project not in the trash (404); writes a Member or Admin token
//! (the matrix's `ManageCycles`) and a project not archived (409).

use app::{
    model::{Action, Cycle, CycleId, ProjectId, task::format_date},
    server::{AppState, cycles as rules},
};
use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{
    ApiClient,
    body::Json,
    conditional::{IfMatch, checked, created, resource, stale},
    problem::{ApiError, Refusals},
};

/// The path parameter of one project.
const PROJECT: &str = "The project's id (a UUID).";
/// The path parameter of one cycle.
const CYCLE: &str = "The cycle's id (a UUID).";

/// `GET /projects/{project}/cycles`: the project's cycles, earliest first,
/// each with its done and total task counts (at most 100). Any token.
/// Errors: 404 for a project not the organization's or in the trash.
#[utoipa::path(get, path = "/projects/{project}/cycles", tag = "cycles", params(("project" = ProjectId, Path, description = PROJECT)),
    responses((status = 200, description = "The project's cycles, earliest first.", body = Vec<Cycle>), Refusals))]
pub async fn list_cycles(
    State(state): State<AppState>,
    client: ApiClient,
    Path(project): Path<String>,
) -> Result<axum::Json<Vec<Cycle>>, ApiError> {
    client.org().check(Action::ViewWork)?;
    Ok(axum::Json(rules::list(&state.db, client.org(), &project).await?))
}

/// A new cycle.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCycle {
    /// 1–100 characters.
    name: String,
    /// Its first day, `YYYY-MM-DD`.
    starts_on: String,
    /// Its last day, `YYYY-MM-DD`, not before `starts_on`.
    ends_on: String,
}

/// `POST /projects/{project}/cycles`: 201 with the cycle and its
/// `Location`. Member and Admin tokens. Errors: 404 (project), 409
/// (archived project), 422 on `name` (also for the project's 100 cycles
/// reached), `starts_on`, `ends_on`.
#[utoipa::path(post, path = "/projects/{project}/cycles", tag = "cycles", request_body = NewCycle,
    params(("project" = ProjectId, Path, description = PROJECT), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry answer the first create.")),
    responses((status = 201, description = "Created; `Location` names it.", body = Cycle), Refusals))]
pub async fn create_cycle(
    State(state): State<AppState>,
    client: ApiClient,
    Path(project): Path<String>,
    Json(new): Json<NewCycle>,
) -> Result<Response, ApiError> {
    let writer = client.org().writer(Action::ManageCycles)?;
    let cycle = rules::create(&state.db, &writer, &project, (&new.name, &new.starts_on, &new.ends_on)).await?;
    Ok(created(&cycle, &format!("/cycles/{}", cycle.id)))
}

/// Some of a cycle's fields (absent: unchanged); the result is checked
/// as a whole (the end not before the start).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CyclePatch {
    /// A new name, 1–100 characters.
    name: Option<String>,
    /// A new first day, `YYYY-MM-DD`.
    starts_on: Option<String>,
    /// A new last day, `YYYY-MM-DD`.
    ends_on: Option<String>,
}

/// `PATCH /cycles/{cycle}`: renames or re-dates the cycle. Member and
/// Admin tokens. Errors: 404, 409 (archived project), 422 naming the
/// field.
#[utoipa::path(patch, path = "/cycles/{cycle}", tag = "cycles", request_body = CyclePatch,
    params(("cycle" = CycleId, Path, description = CYCLE), ("If-Match" = Option<String>, Header, description = "Change only if the ETag is still this.")),
    responses((status = 200, description = "The changed cycle.", body = Cycle), Refusals))]
pub async fn update_cycle(
    State(state): State<AppState>,
    client: ApiClient,
    Path(cycle): Path<String>,
    headers: HeaderMap,
    Json(patch): Json<CyclePatch>,
) -> Result<Response, ApiError> {
    let writer = client.org().writer(Action::ManageCycles)?;
    let condition = IfMatch::from_headers(&headers)?;
    let current = rules::writable_cycle(&state.db, &writer, &cycle).await?;
    let seen = checked(condition.as_ref(), &current)?;
    let name = patch.name.as_deref().unwrap_or(&current.name);
    let starts_on = patch.starts_on.unwrap_or_else(|| format_date(current.starts_on));
    let ends_on = patch.ends_on.unwrap_or_else(|| format_date(current.ends_on));
    let cycle = rules::update(&state.db, &writer, &cycle, (name, &starts_on, &ends_on), seen).await.map_err(stale)?;
    Ok(resource(StatusCode::OK, &cycle))
}

/// `DELETE /cycles/{cycle}`: deletes the cycle; its tasks stay in the
/// project, without a cycle. Member and Admin tokens. Errors: 404, 409
/// (archived project).
#[utoipa::path(delete, path = "/cycles/{cycle}", tag = "cycles", params(("cycle" = CycleId, Path, description = CYCLE)),
    responses((status = 204, description = "Deleted."), Refusals))]
pub async fn delete_cycle(
    State(state): State<AppState>,
    client: ApiClient,
    Path(cycle): Path<String>,
) -> Result<StatusCode, ApiError> {
    let writer = client.org().writer(Action::ManageCycles)?;
    rules::delete(&state.db, &writer, &cycle).await?;
    Ok(StatusCode::NO_CONTENT)
}
