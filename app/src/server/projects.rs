//! Projects' rules for every door (server functions, the REST API): the
//! changes to a project with their audit events, and what every door asks
//! before touching a project's children (tasks, cycles, files, imports,
//! saved views), the server's plain routes (uploads, downloads, exports)
//! too.

use serde_json::json;
use time::OffsetDateTime;

use crate::{
    error::{AppError, FieldErrors},
    model::{AuditAction, Project, ProjectDescription, ProjectId, ProjectName, ProjectView, args::parse_id},
    server::{
        actor::Actor,
        ctx::{self, Admin, OrgCtx, Writer},
        db::{
            Db, orgs as db_orgs,
            projects::{self as db_projects, ProjectError},
        },
    },
};

/// The project `id` (text) of the context's organization, in any state
/// (trashed or archived too), read once per request (`ctx::project`).
///
/// Errors: `NotFound` when `id` is malformed or names no project of this
/// organization.
pub async fn load_project(db: &Db, ctx: &OrgCtx, id: &str) -> Result<Project, AppError> {
    let id: ProjectId = parse_id(id)?;
    ctx::project(db, ctx, id).await?.ok_or(AppError::NotFound)
}

/// The answer for a project whose tasks and cycles cannot change: 409
/// `Conflict`.
pub fn archived() -> AppError {
    AppError::Conflict("This project is archived. Unarchive it to change it.".into())
}

/// The project `id` when its children (tasks, cycles) may be read: the
/// readable rule (`server::db::projects::rule`), checked before the
/// statements that also hold it.
///
/// Errors: `NotFound` for a trashed project, like another organization's
/// (and as [`load_project`]).
pub async fn readable_project(db: &Db, ctx: &OrgCtx, id: &str) -> Result<Project, AppError> {
    let project = load_project(db, ctx, id).await?;
    if project.deleted_at.is_some() { Err(AppError::NotFound) } else { Ok(project) }
}

/// The project `id` when its children may change.
///
/// Errors: as [`readable_project`] (`NotFound`), then `Conflict`
/// ([`archived`]) for an archived project.
pub async fn writable_project(db: &Db, ctx: &OrgCtx, id: &str) -> Result<Project, AppError> {
    let project = readable_project(db, ctx, id).await?;
    if project.archived_at.is_some() { Err(archived()) } else { Ok(project) }
}

/// A project's name and description as people give them. `name`: 1–100
/// characters; `description` up to 2,000.
///
/// Errors: `Validation` on `name`, `description`.
pub fn parse_fields(name: &str, description: &str) -> Result<(ProjectName, ProjectDescription), AppError> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", ProjectName::parse(name));
    let description = errors.check("description", ProjectDescription::parse(description));
    match (name, description) {
        (Some(name), Some(description)) => Ok((name, description)),
        _ => Err(AppError::Validation(errors)),
    }
}

/// Which projects a list shows: `active` (also the empty text),
/// `archived` or `trash`. Errors: `Validation` on `view`.
pub fn parse_view(view: &str) -> Result<ProjectView, AppError> {
    if view.is_empty() {
        return Ok(ProjectView::Active);
    }
    ProjectView::parse(view).ok_or_else(|| AppError::field("view", "Show active, archived or trash."))
}

const NAME_TAKEN: &str = "A project with this name already exists.";

fn project_error(err: ProjectError) -> AppError {
    match err {
        ProjectError::NameTaken => AppError::field("name", NAME_TAKEN),
        ProjectError::NotFound => AppError::NotFound,
        ProjectError::LimitReached(limit) => db_orgs::PROJECTS.reached(limit),
        ProjectError::Changed => changed(),
        ProjectError::Db(err) => err.into(),
    }
}

/// The answer to a conditional change of something changed meanwhile.
pub fn changed() -> AppError {
    AppError::Conflict("Someone changed this project meanwhile. Reload it, then try again.".into())
}

/// A project as the audit log names it.
fn target(id: ProjectId) -> (&'static str, String) {
    ("project", id.to_string())
}

/// Creates a project (see [`parse_fields`]; names are unique among the
/// organization's projects outside the trash; the plan's project limit
/// applies). Recorded as `project.created`.
///
/// Errors: `Validation` (`name` taken too), `LimitReached`.
pub async fn create(
    db: &Db,
    writer: &Writer,
    actor: &Actor,
    name: &str,
    description: &str,
) -> Result<Project, AppError> {
    let (name, description) = parse_fields(name, description)?;
    let event = |project: &Project| {
        actor.event(writer.org_id(), AuditAction::ProjectCreated, target(project.id), json!({ "name": project.name }))
    };
    db_projects::insert(db, writer, &name, &description, event).await.map_err(project_error)
}

/// Renames and re-describes the project `id` (rules as [`create`]); not
/// one in the trash. With `unchanged_since`, only when the project's
/// `updated_at` is still that.
///
/// Errors: as [`create`]; `NotFound`; `Conflict` ([`changed`]).
pub async fn update(
    db: &Db,
    writer: &Writer,
    id: ProjectId,
    (name, description): (&str, &str),
    unchanged_since: Option<OffsetDateTime>,
) -> Result<Project, AppError> {
    let (name, description) = parse_fields(name, description)?;
    db_projects::update(db, writer, id, &name, &description, unchanged_since).await.map_err(project_error)
}

/// Archives (`archived` true) or unarchives the project `id` (not one in
/// the trash). Recorded as `project.archived` or `project.unarchived`.
///
/// Errors: `NotFound`.
pub async fn set_archived(
    db: &Db,
    writer: &Writer,
    actor: &Actor,
    id: ProjectId,
    archived: bool,
) -> Result<Project, AppError> {
    let action = if archived { AuditAction::ProjectArchived } else { AuditAction::ProjectUnarchived };
    let event = |name: &str| actor.event(writer.org_id(), action, target(id), json!({ "name": name }));
    db_projects::set_archived(db, writer, id, archived, event).await.map_err(project_error)
}

/// Moves the project `id` to the trash, where it stays 30 days before it
/// is deleted for good. Recorded as `project.trashed`.
///
/// Errors: `NotFound`.
pub async fn trash(db: &Db, admin: &Admin, actor: &Actor, id: ProjectId) -> Result<Project, AppError> {
    let event =
        |name: &str| actor.event(admin.org_id(), AuditAction::ProjectTrashed, target(id), json!({ "name": name }));
    let trashed = db_projects::trash(db, admin, id, event).await.map_err(project_error)?;
    tracing::info!(org_id = %admin.org_id(), project_id = %id, "project moved to the trash");
    Ok(trashed)
}

/// Takes the project `id` out of the trash. Recorded as
/// `project.restored`.
///
/// Errors: `NotFound`; `Conflict` when a live project has taken its name
/// meanwhile; `LimitReached`.
pub async fn restore(db: &Db, admin: &Admin, actor: &Actor, id: ProjectId) -> Result<Project, AppError> {
    let event =
        |name: &str| actor.event(admin.org_id(), AuditAction::ProjectRestored, target(id), json!({ "name": name }));
    db_projects::restore(db, admin, id, event).await.map_err(|err| match err {
        ProjectError::NameTaken => {
            AppError::Conflict("Another project has this name now. Rename that one, then restore this.".into())
        }
        other => project_error(other),
    })
}
