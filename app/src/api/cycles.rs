//! A project's cycles (iterations). Members and above manage them, in an
//! active project. The rules are `server::cycles`, shared with the REST
//! API.

use leptos::prelude::*;

use crate::{error::AppError, model::Cycle};

pub use crate::model::cycle::MAX_CYCLES;

#[cfg(feature = "ssr")]
use crate::{
    model::Action,
    server::{ctx, cycles as rules},
};

/// The cycles of `project`, earliest first, each with its done and total
/// task counts. 404 for a project in the trash.
#[server(endpoint = "list_cycles")]
pub async fn list_cycles(org: String, project: String) -> Result<Vec<Cycle>, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    rules::list(req.db(), &req.org, &project).await
}

/// Creates a cycle in `project`: `name` 1–100 characters, `starts_on` and
/// `ends_on` `YYYY-MM-DD`, the end not before the start. Members and
/// above, in an active project.
#[server(endpoint = "create_cycle")]
pub async fn create_cycle(
    org: String,
    project: String,
    name: String,
    starts_on: String,
    ends_on: String,
) -> Result<Cycle, AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::ManageCycles)?;
    rules::create(req.db(), &writer, &project, (&name, &starts_on, &ends_on)).await
}

/// Renames or re-dates a cycle (rules as [`create_cycle`]).
#[server(endpoint = "update_cycle")]
pub async fn update_cycle(
    org: String,
    cycle: String,
    name: String,
    starts_on: String,
    ends_on: String,
) -> Result<Cycle, AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::ManageCycles)?;
    rules::update(req.db(), &writer, &cycle, (&name, &starts_on, &ends_on), None).await
}

/// Deletes a cycle; its tasks stay in the project, without a cycle.
#[server(endpoint = "delete_cycle")]
pub async fn delete_cycle(org: String, cycle: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::ManageCycles)?;
    rules::delete(req.db(), &writer, &cycle).await
}
