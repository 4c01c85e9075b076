//! The organization's labels. Any member reads; Members and above manage.

use leptos::prelude::*;

use crate::{error::AppError, model::Label};

#[cfg(feature = "ssr")]
use crate::{
    api::args::parse_id,
    error::FieldErrors,
    model::{Action, LabelColor, LabelId, LabelName},
    server::{
        ctx,
        db::labels::{self, LabelError},
    },
};

#[cfg(feature = "ssr")]
fn parse_label(name: &str, color: &str) -> Result<(LabelName, LabelColor), AppError> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", LabelName::parse(name));
    let color =
        if color.is_empty() { Some(LabelColor::Gray) } else { errors.check("color", color.parse::<LabelColor>()) };
    match (name, color) {
        (Some(name), Some(color)) => Ok((name, color)),
        _ => Err(AppError::Validation(errors)),
    }
}

#[cfg(feature = "ssr")]
fn label_error(err: LabelError) -> AppError {
    match err {
        LabelError::NameTaken => AppError::field("name", "A label with this name already exists."),
        LabelError::NotFound => AppError::NotFound,
        LabelError::Db(err) => err.into(),
    }
}

/// The organization's labels, by name.
#[server(endpoint = "list_labels")]
pub async fn list_labels(org: String) -> Result<Vec<Label>, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    let (db, ctx) = (req.db(), &req.org);
    Ok(labels::list(db, ctx).await?)
}

/// Creates a label: `name` 1–50 characters, unique in the organization
/// (case-insensitively); `color` a palette name (default gray).
#[server(endpoint = "create_label")]
pub async fn create_label(org: String, name: String, #[server(default)] color: String) -> Result<Label, AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::ManageLabels)?;
    let db = req.db();
    let (name, color) = parse_label(&name, &color)?;
    if labels::list(db, &writer).await?.len() >= MAX_LABELS {
        return Err(AppError::field(
            "name",
            format!("An organization has at most {MAX_LABELS} labels: delete or reuse one."),
        ));
    }
    labels::insert(db, &writer, &name, color).await.map_err(label_error)
}

/// Labels one organization may have (every project page sends them all).
pub const MAX_LABELS: usize = 200;

/// Renames or recolours a label (rules as [`create_label`]).
#[server(endpoint = "update_label")]
pub async fn update_label(
    org: String,
    label: String,
    name: String,
    #[server(default)] color: String,
) -> Result<Label, AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::ManageLabels)?;
    let db = req.db();
    let id: LabelId = parse_id(&label)?;
    let (name, color) = parse_label(&name, &color)?;
    labels::update(db, &writer, id, &name, color).await.map_err(label_error)
}

/// Deletes a label; it disappears from every task.
#[server(endpoint = "delete_label")]
pub async fn delete_label(org: String, label: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::ManageLabels)?;
    let db = req.db();
    let id: LabelId = parse_id(&label)?;
    if labels::delete(db, &writer, id).await? { Ok(()) } else { Err(AppError::NotFound) }
}
