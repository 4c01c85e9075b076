//! A project's cycles (iterations). Members and above manage them, in an
//! active project.

use leptos::prelude::*;

use crate::{error::AppError, model::Cycle};

#[cfg(feature = "ssr")]
use crate::{
    api::args::parse_id,
    error::FieldErrors,
    model::{Action, CycleId, CycleName, cycle::check_cycle_dates, task::parse_date_field},
    server::{
        ctx::{self, Writer},
        db::{Db, cycles},
        projects::{archived, readable_project, writable_project},
    },
};

/// A cycle's fields, checked: `name` 1–100 characters, `starts_on` and
/// `ends_on` required `YYYY-MM-DD` dates, the end not before the start.
#[cfg(feature = "ssr")]
fn parse_cycle(name: &str, starts_on: &str, ends_on: &str) -> Result<(CycleName, time::Date, time::Date), AppError> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", CycleName::parse(name));
    let required = |value: &str| parse_date_field(value)?.ok_or_else(|| "Enter a date.".to_owned());
    let starts = errors.check("starts_on", required(starts_on));
    let ends = errors.check("ends_on", required(ends_on));
    if let (Some(starts), Some(ends)) = (starts, ends) {
        errors.check("ends_on", check_cycle_dates(starts, ends));
    }
    match (name, starts, ends, errors.is_empty()) {
        (Some(name), Some(starts), Some(ends), true) => Ok((name, starts, ends)),
        _ => Err(AppError::Validation(errors)),
    }
}

/// The cycles of `project`, earliest first, each with its done and total
/// task counts. 404 for a project in the trash.
#[server(endpoint = "list_cycles")]
pub async fn list_cycles(org: String, project: String) -> Result<Vec<Cycle>, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    let project = readable_project(req.db(), &req.org, &project).await?;
    Ok(cycles::list_for_project(req.db(), &req.org, project.id).await?)
}

/// The cycle `id` (text), when its project lets it change: 404 for another
/// organization's or a trashed project's cycle, 409 in an archived project.
#[cfg(feature = "ssr")]
async fn writable_cycle(db: &Db, ctx: &Writer, id: &str) -> Result<Cycle, AppError> {
    let id: CycleId = parse_id(id)?;
    let cycle = cycles::find(db, ctx, id).await?.ok_or(AppError::NotFound)?;
    writable_project(db, ctx, &cycle.project_id.to_string()).await?;
    Ok(cycle)
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
    let project = writable_project(req.db(), &writer, &project).await?;
    let (name, starts, ends) = parse_cycle(&name, &starts_on, &ends_on)?;
    if cycles::list_for_project(req.db(), &writer, project.id).await?.len() >= MAX_CYCLES {
        return Err(AppError::field(
            "name",
            format!("A project has at most {MAX_CYCLES} cycles: delete an old one first."),
        ));
    }
    cycles::insert(req.db(), &writer, project.id, &name, starts, ends).await?.ok_or_else(archived)
}

/// Cycles one project may have (its page sends them all).
pub const MAX_CYCLES: usize = 100;

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
    let current = writable_cycle(req.db(), &writer, &cycle).await?;
    let (name, starts, ends) = parse_cycle(&name, &starts_on, &ends_on)?;
    cycles::update(req.db(), &writer, current.id, &name, starts, ends).await?.ok_or_else(archived)
}

/// Deletes a cycle; its tasks stay in the project, without a cycle.
#[server(endpoint = "delete_cycle")]
pub async fn delete_cycle(org: String, cycle: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::ManageCycles)?;
    let current = writable_cycle(req.db(), &writer, &cycle).await?;
    if cycles::delete(req.db(), &writer, current.id).await? { Ok(()) } else { Err(archived()) }
}
