//! Projects: list, create, edit, archive, trash and restore.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    model::{Label, Member, Page, Project},
};

#[cfg(feature = "ssr")]
use crate::{
    api::args::parse_id,
    model::{Action, ProjectId, listing::check_page_size},
    server::{
        ctx,
        db::{labels, members, projects},
        projects::{self as rules, load_project},
    },
};

/// What a project page needs besides its tasks and cycles (which change
/// as people work), in one call: the project and the choices its forms
/// offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectPage {
    pub project: Project,
    pub members: Vec<Member>,
    pub labels: Vec<Label>,
    /// Projects not in the trash, for "move to".
    pub projects: Vec<Project>,
    /// The server's date (UTC): what "overdue" means.
    pub today: time::Date,
}

/// A page of the organization's projects: `view` is `active` (default),
/// `archived` or `trash`; `limit` 25, 50 or 100; `offset` in items. Each
/// carries its open, done and trashed task counts. Any member may read.
#[server(endpoint = "list_projects")]
pub async fn list_projects(
    org: String,
    #[server(default)] view: String,
    #[server(default)] limit: Option<u32>,
    #[server(default)] offset: Option<u32>,
) -> Result<Page<Project>, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    let (db, ctx) = (req.db(), &req.org);
    let view = rules::parse_view(&view)?;
    let limit = check_page_size(limit.unwrap_or(crate::model::listing::DEFAULT_PAGE_SIZE))
        .map_err(|message| AppError::field("limit", message))?;
    Ok(projects::list(db, ctx, view, limit, offset.unwrap_or(0)).await?)
}

/// Every project not in the trash, by name (for the project switcher).
#[server(endpoint = "list_live_projects")]
pub async fn list_live_projects(org: String) -> Result<Vec<Project>, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    let (db, ctx) = (req.db(), &req.org);
    Ok(projects::list_live(db, ctx).await?)
}

/// The project page's data; see [`ProjectPage`]. A trashed project is
/// still returned (the page offers to restore it).
#[server(endpoint = "get_project_page")]
pub async fn get_project_page(org: String, project: String) -> Result<ProjectPage, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    let (db, ctx) = (req.db(), &req.org);
    let project = load_project(db, ctx, &project).await?;
    Ok(ProjectPage {
        members: members::list_all(db, ctx).await?,
        labels: labels::list(db, ctx).await?,
        projects: projects::list_live(db, ctx).await?,
        project,
        today: time::OffsetDateTime::now_utc().date(),
    })
}

/// What happened to a project, as its toast (or, without JavaScript, the
/// flash on the next page) says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectChange {
    Created,
    Saved,
    Archived,
    Unarchived,
    Trashed,
    Restored,
}

impl ProjectChange {
    /// "Archived “Launch”."
    pub fn message(self, project: &Project) -> String {
        let name = &project.name;
        match self {
            ProjectChange::Created => format!("Created “{name}”."),
            ProjectChange::Saved => format!("Saved “{name}”."),
            ProjectChange::Archived => format!("Archived “{name}”."),
            ProjectChange::Unarchived => format!("Unarchived “{name}”."),
            ProjectChange::Trashed => format!("Moved “{name}” to the trash."),
            ProjectChange::Restored => format!("Restored “{name}”."),
        }
    }
}

/// Leaves `change`'s message for the next page of a plain form.
#[cfg(feature = "ssr")]
async fn flash(change: ProjectChange, project: &Project) -> Result<(), AppError> {
    crate::server::flash::set(change.message(project)).await
}

/// Creates a project. `name`: 1–100 characters, unique among the
/// organization's projects outside the trash; `description` up to 2,000.
/// Members and above.
#[server(endpoint = "create_project")]
pub async fn create_project(
    org: String,
    name: String,
    #[server(default)] description: String,
) -> Result<Project, AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::EditProjects)?;
    let project = rules::create(req.db(), &writer, &req.actor()?, &name, &description).await?;
    flash(ProjectChange::Created, &project).await?;
    Ok(project)
}

/// Renames and re-describes a project (same rules as creating one).
/// Members and above; not for a project in the trash.
#[server(endpoint = "update_project")]
pub async fn update_project(
    org: String,
    project: String,
    name: String,
    #[server(default)] description: String,
) -> Result<Project, AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::EditProjects)?;
    let id: ProjectId = parse_id(&project)?;
    let project = rules::update(req.db(), &writer, id, (&name, &description), None).await?;
    flash(ProjectChange::Saved, &project).await?;
    Ok(project)
}

/// Archives (`archived` true) or unarchives a project. Members and above.
#[server(endpoint = "set_project_archived")]
pub async fn set_project_archived(org: String, project: String, archived: bool) -> Result<Project, AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::EditProjects)?;
    let id: ProjectId = parse_id(&project)?;
    let project = rules::set_archived(req.db(), &writer, &req.actor()?, id, archived).await?;
    flash(if archived { ProjectChange::Archived } else { ProjectChange::Unarchived }, &project).await?;
    Ok(project)
}

/// Moves a project to the trash, where it stays 30 days before it is
/// deleted for good. Admins and Owners only.
#[server(endpoint = "delete_project")]
pub async fn delete_project(org: String, project: String) -> Result<Project, AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::TrashProjects)?;
    let id: ProjectId = parse_id(&project)?;
    let trashed = rules::trash(req.db(), &admin, &req.actor()?, id).await?;
    flash(ProjectChange::Trashed, &trashed).await?;
    Ok(trashed)
}

/// Takes a project out of the trash. Admins and Owners only. A `name`
/// field error when a live project has taken its name meanwhile.
#[server(endpoint = "restore_project")]
pub async fn restore_project(org: String, project: String) -> Result<Project, AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::TrashProjects)?;
    let id: ProjectId = parse_id(&project)?;
    let restored = rules::restore(req.db(), &admin, &req.actor()?, id).await?;
    flash(ProjectChange::Restored, &restored).await?;
    Ok(restored)
}
