//! `/api/v1/labels`: the organization's labels, listed, created, renamed
//! or recoloured, deleted, by the dashboard's rules (`app::server::labels`).
//!
//! A label answers as `{id, name, color}`. Reads need any token; writes a
//! Member or Admin token (the matrix's `ManageLabels`).

use app::{
    model::{Action, Label, LabelColor, LabelId},
    server::{AppState, labels as rules},
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

/// The path parameter of one label.
const LABEL: &str = "The label's id (a UUID).";

/// `GET /labels`: every label of the organization, by name (at most 200).
/// Any token.
#[utoipa::path(get, path = "/labels", tag = "labels",
    responses((status = 200, description = "The organization's labels, by name.", body = Vec<Label>), Refusals))]
pub async fn list_labels(State(state): State<AppState>, client: ApiClient) -> Result<axum::Json<Vec<Label>>, ApiError> {
    client.org().check(Action::ViewWork)?;
    Ok(axum::Json(rules::list(&state.db, client.org()).await?))
}

/// A new label.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLabel {
    /// 1–50 characters, unique in the organization (compared
    /// case-insensitively).
    name: String,
    /// A palette colour; `gray` when absent.
    color: Option<LabelColor>,
}

/// `POST /labels`: 201 with the label and its `Location`. Member and
/// Admin tokens. Errors: 422 on `name` (bad, taken, or the organization's
/// 200 labels reached) or `color`.
#[utoipa::path(post, path = "/labels", tag = "labels", request_body = NewLabel,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry answer the first create.")),
    responses((status = 201, description = "Created; `Location` names it.", body = Label), Refusals))]
pub async fn create_label(
    State(state): State<AppState>,
    client: ApiClient,
    Json(new): Json<NewLabel>,
) -> Result<Response, ApiError> {
    let writer = client.org().writer(Action::ManageLabels)?;
    let color = new.color.unwrap_or_default();
    let label = rules::create(&state.db, &writer, &new.name, color.as_str()).await?;
    Ok(created(&label, &format!("/labels/{}", label.id)))
}

/// Some of a label's fields (absent: unchanged).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelPatch {
    /// A new name, 1–50 characters, unique in the organization.
    name: Option<String>,
    /// A new palette colour.
    color: Option<LabelColor>,
}

/// `PATCH /labels/{label}`: renames or recolours the label. Conditional
/// with `If-Match`. Member and Admin tokens. Errors: 404; 412 when the
/// label changed since its `ETag`; 422 on `name` or `color`.
#[utoipa::path(patch, path = "/labels/{label}", tag = "labels", request_body = LabelPatch,
    params(("label" = LabelId, Path, description = LABEL), ("If-Match" = Option<String>, Header, description = "Change only if the ETag is still this.")),
    responses((status = 200, description = "The changed label.", body = Label), Refusals))]
pub async fn update_label(
    State(state): State<AppState>,
    client: ApiClient,
    Path(label): Path<String>,
    headers: HeaderMap,
    Json(patch): Json<LabelPatch>,
) -> Result<Response, ApiError> {
    let writer = client.org().writer(Action::ManageLabels)?;
    let condition = IfMatch::from_headers(&headers)?;
    let current = rules::find(&state.db, &writer, &label).await?;
    let seen = checked(condition.as_ref(), &current)?;
    let name = patch.name.as_deref().unwrap_or(&current.name);
    let color = patch.color.unwrap_or(current.color);
    let label = rules::update(&state.db, &writer, &label, (name, color.as_str()), seen).await.map_err(stale)?;
    Ok(resource(StatusCode::OK, &label))
}

/// `DELETE /labels/{label}`: deletes the label; it disappears from every
/// task. Member and Admin tokens. Errors: 404.
#[utoipa::path(delete, path = "/labels/{label}", tag = "labels", params(("label" = LabelId, Path, description = LABEL)),
    responses((status = 204, description = "Deleted."), Refusals))]
pub async fn delete_label(
    State(state): State<AppState>,
    client: ApiClient,
    Path(label): Path<String>,
) -> Result<StatusCode, ApiError> {
    let writer = client.org().writer(Action::ManageLabels)?;
    rules::delete(&state.db, &writer, &label).await?;
    Ok(StatusCode::NO_CONTENT)
}
