//! A project's cycles (iterations). Members and above manage them, in an
//! active project.

use leptos::prelude::*;

use crate::{error::AppError, model::Cycle};

#[cfg(feature = "ssr")]
use crate::{
    api::{
        args::parse_id,
        projects::{load_project, require_writable},
        reply,
    },
    error::FieldErrors,
    model::{CycleId, CycleName, Role, cycle::check_cycle_dates, task::parse_date_field},
    server::{ctx, db::cycles},
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
/// task counts.
#[server(endpoint = "list_cycles")]
pub async fn list_cycles(org: String, project: String) -> Result<Vec<Cycle>, AppError> {
    reply(
        async move {
            let (state, _session, _user, ctx) = ctx::org_ctx(&org, Role::Guest).await?;
            let project = load_project(&state, &ctx, &project).await?;
            Ok(cycles::list_for_project(&state.db, &ctx, project.id).await?)
        }
        .await,
    )
}

/// The cycle `id`, when its project lets it change (see
/// `require_writable`).
#[cfg(feature = "ssr")]
async fn writable_cycle(
    state: &crate::server::AppState,
    ctx: &crate::server::ctx::OrgCtx,
    id: &str,
) -> Result<Cycle, AppError> {
    let id: CycleId = parse_id(id)?;
    let cycle = cycles::find(&state.db, ctx, id).await?.ok_or(AppError::NotFound)?;
    require_writable(&load_project(state, ctx, &cycle.project_id.to_string()).await?)?;
    Ok(cycle)
}

/// Creates a cycle in `project`.
#[server(endpoint = "create_cycle")]
pub async fn create_cycle(
    org: String,
    project: String,
    name: String,
    starts_on: String,
    ends_on: String,
) -> Result<Cycle, AppError> {
    reply(
        async move {
            let (state, _session, _user, ctx) = ctx::org_ctx(&org, Role::Member).await?;
            let project = load_project(&state, &ctx, &project).await?;
            require_writable(&project)?;
            let (name, starts, ends) = parse_cycle(&name, &starts_on, &ends_on)?;
            Ok(cycles::insert(&state.db, &ctx, project.id, &name, starts, ends).await?)
        }
        .await,
    )
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
    reply(
        async move {
            let (state, _session, _user, ctx) = ctx::org_ctx(&org, Role::Member).await?;
            let current = writable_cycle(&state, &ctx, &cycle).await?;
            let (name, starts, ends) = parse_cycle(&name, &starts_on, &ends_on)?;
            cycles::update(&state.db, &ctx, current.id, &name, starts, ends).await?.ok_or(AppError::NotFound)
        }
        .await,
    )
}

/// Deletes a cycle; its tasks stay in the project, without a cycle.
#[server(endpoint = "delete_cycle")]
pub async fn delete_cycle(org: String, cycle: String) -> Result<(), AppError> {
    reply(
        async move {
            let (state, _session, _user, ctx) = ctx::org_ctx(&org, Role::Member).await?;
            let current = writable_cycle(&state, &ctx, &cycle).await?;
            cycles::delete(&state.db, &ctx, current.id).await?;
            Ok(())
        }
        .await,
    )
}
