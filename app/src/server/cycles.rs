//! Cycles' rules for every door (server functions, the REST API): how a
//! cycle's fields are read, the project's cycle limit, and which project
//! lets its cycles be read or changed.

use crate::{
    error::{AppError, FieldErrors},
    model::{
        Cycle, CycleId, CycleName,
        args::parse_id,
        cycle::{MAX_CYCLES, check_cycle_dates},
        task::parse_date_field,
    },
    server::{
        ctx::{OrgCtx, Writer},
        db::{Db, cycles as db_cycles},
        projects::{archived, readable_project, writable_project},
    },
};

/// A cycle's fields, checked: `name` 1–100 characters, `starts_on` and
/// `ends_on` required `YYYY-MM-DD` dates, the end not before the start.
///
/// Errors: `Validation` on `name`, `starts_on`, `ends_on`.
pub fn parse_fields(
    name: &str,
    starts_on: &str,
    ends_on: &str,
) -> Result<(CycleName, time::Date, time::Date), AppError> {
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

/// The cycles of `project` (text), earliest first, each with its done and
/// total task counts.
///
/// Errors: `NotFound` for a project not the organization's or in the
/// trash.
pub async fn list(db: &Db, ctx: &OrgCtx, project: &str) -> Result<Vec<Cycle>, AppError> {
    let project = readable_project(db, ctx, project).await?;
    Ok(db_cycles::list_for_project(db, ctx, project.id).await?)
}

/// The cycle `id` (text), when its project lets it change.
///
/// Errors: `NotFound` for another organization's or a trashed project's
/// cycle; `Conflict` in an archived project.
pub async fn writable_cycle(db: &Db, ctx: &Writer, id: &str) -> Result<Cycle, AppError> {
    let id: CycleId = parse_id(id)?;
    let cycle = db_cycles::find(db, ctx, id).await?.ok_or(AppError::NotFound)?;
    writable_project(db, ctx, &cycle.project_id.to_string()).await?;
    Ok(cycle)
}

/// Creates a cycle in `project` (text; see [`parse_fields`]), an active
/// project with fewer than [`MAX_CYCLES`] cycles.
///
/// Errors: `NotFound` (the project); `Conflict` (archived); `Validation`
/// (`name` also for the limit).
pub async fn create(
    db: &Db,
    writer: &Writer,
    project: &str,
    (name, starts_on, ends_on): (&str, &str, &str),
) -> Result<Cycle, AppError> {
    let project = writable_project(db, writer, project).await?;
    let (name, starts, ends) = parse_fields(name, starts_on, ends_on)?;
    if db_cycles::list_for_project(db, writer, project.id).await?.len() >= MAX_CYCLES {
        return Err(AppError::field(
            "name",
            format!("A project has at most {MAX_CYCLES} cycles: delete an old one first."),
        ));
    }
    db_cycles::insert(db, writer, project.id, &name, starts, ends).await?.ok_or_else(archived)
}

/// Renames or re-dates the cycle `id` (text; rules as [`create`]), only
/// if its name and dates are still as `seen` (when given: a conditional
/// request).
///
/// Errors: as [`writable_cycle`] and [`parse_fields`]; `Conflict` when it
/// is no longer as `seen`.
pub async fn update(
    db: &Db,
    writer: &Writer,
    id: &str,
    (name, starts_on, ends_on): (&str, &str, &str),
    seen: Option<&Cycle>,
) -> Result<Cycle, AppError> {
    let current = writable_cycle(db, writer, id).await?;
    let (name, starts, ends) = parse_fields(name, starts_on, ends_on)?;
    match db_cycles::update(db, writer, current.id, &name, starts, ends, seen).await? {
        Some(cycle) => Ok(cycle),
        None if seen.is_some() => Err(AppError::Conflict("Someone changed this cycle meanwhile.".into())),
        None => Err(archived()),
    }
}

/// Deletes the cycle `id` (text); its tasks stay in the project, without
/// a cycle.
///
/// Errors: as [`writable_cycle`].
pub async fn delete(db: &Db, writer: &Writer, id: &str) -> Result<(), AppError> {
    let current = writable_cycle(db, writer, id).await?;
    if db_cycles::delete(db, writer, current.id).await? { Ok(()) } else { Err(archived()) }
}
