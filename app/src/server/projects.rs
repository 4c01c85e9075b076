//! The rules on a project that every door asks before touching its
//! children (tasks, cycles, files, imports, saved views): server functions
//! and the server's plain routes (uploads, downloads, exports) alike.

use crate::{
    error::AppError,
    model::{Project, ProjectId, args::parse_id},
    server::{
        ctx::{self, OrgCtx},
        db::Db,
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
