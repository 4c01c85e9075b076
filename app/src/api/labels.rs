//! The organization's labels. Any member reads; Members and above manage.
//! The rules are `server::labels`, shared with the REST API.

use leptos::prelude::*;

use crate::{error::AppError, model::Label};

pub use crate::model::label::MAX_LABELS;

#[cfg(feature = "ssr")]
use crate::{
    model::Action,
    server::{ctx, labels as rules},
};

/// The organization's labels, by name.
#[server(endpoint = "list_labels")]
pub async fn list_labels(org: String) -> Result<Vec<Label>, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    rules::list(req.db(), &req.org).await
}

/// Creates a label: `name` 1–50 characters, unique in the organization
/// (case-insensitively); `color` a palette name (default gray).
#[server(endpoint = "create_label")]
pub async fn create_label(org: String, name: String, #[server(default)] color: String) -> Result<Label, AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::ManageLabels)?;
    rules::create(req.db(), &writer, &name, &color).await
}

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
    rules::update(req.db(), &writer, &label, (&name, &color), None).await
}

/// Deletes a label; it disappears from every task.
#[server(endpoint = "delete_label")]
pub async fn delete_label(org: String, label: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::ManageLabels)?;
    rules::delete(req.db(), &writer, &label).await
}
