//! Projects: list, create, edit, archive, trash and restore.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    model::{Label, Member, Page, Project},
};

#[cfg(feature = "ssr")]
use serde_json::json;

#[cfg(feature = "ssr")]
use crate::{
    api::args::parse_id,
    error::FieldErrors,
    model::{Action, AuditAction, ProjectDescription, ProjectId, ProjectName, ProjectView, listing::check_page_size},
    server::{
        ctx,
        db::{
            labels, members,
            projects::{self, ProjectError},
        },
        projects::load_project,
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

#[cfg(feature = "ssr")]
const NAME_TAKEN: &str = "A project with this name already exists.";

#[cfg(feature = "ssr")]
fn project_error(err: ProjectError) -> AppError {
    match err {
        ProjectError::NameTaken => AppError::field("name", NAME_TAKEN),
        ProjectError::NotFound => AppError::NotFound,
        ProjectError::LimitReached(limit) => crate::server::db::orgs::PROJECTS.reached(limit),
        ProjectError::Db(err) => err.into(),
    }
}

#[cfg(feature = "ssr")]
fn parse_project_fields(name: &str, description: &str) -> Result<(ProjectName, ProjectDescription), AppError> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", ProjectName::parse(name));
    let description = errors.check("description", ProjectDescription::parse(description));
    match (name, description) {
        (Some(name), Some(description)) => Ok((name, description)),
        _ => Err(AppError::Validation(errors)),
    }
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
    let view = if view.is_empty() {
        ProjectView::Active
    } else {
        ProjectView::parse(&view).ok_or_else(|| AppError::field("view", "Show active, archived or trash."))?
    };
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
    let ctx = req.org.writer(Action::EditProjects)?;
    let db = req.db();
    let (name, description) = parse_project_fields(&name, &description)?;
    let project = projects::insert(db, &ctx, &name, &description).await.map_err(project_error)?;
    req.audit(AuditAction::ProjectCreated, project_target(&project), json!({ "name": project.name })).await?;
    flash(ProjectChange::Created, &project).await?;
    Ok(project)
}

/// A project as the audit log names it.
#[cfg(feature = "ssr")]
fn project_target(project: &Project) -> Option<(&'static str, String)> {
    Some(("project", project.id.to_string()))
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
    let ctx = req.org.writer(Action::EditProjects)?;
    let db = req.db();
    let id: ProjectId = parse_id(&project)?;
    let (name, description) = parse_project_fields(&name, &description)?;
    let project = projects::update(db, &ctx, id, &name, &description).await.map_err(project_error)?;
    flash(ProjectChange::Saved, &project).await?;
    Ok(project)
}

/// Archives (`archived` true) or unarchives a project. Members and above.
#[server(endpoint = "set_project_archived")]
pub async fn set_project_archived(org: String, project: String, archived: bool) -> Result<Project, AppError> {
    let req = ctx::org_request(&org).await?;
    let ctx = req.org.writer(Action::EditProjects)?;
    let db = req.db();
    let id: ProjectId = parse_id(&project)?;
    let project = projects::set_archived(db, &ctx, id, archived).await.map_err(project_error)?;
    let action = if archived { AuditAction::ProjectArchived } else { AuditAction::ProjectUnarchived };
    req.audit(action, project_target(&project), json!({ "name": project.name })).await?;
    flash(if archived { ProjectChange::Archived } else { ProjectChange::Unarchived }, &project).await?;
    Ok(project)
}

/// Moves a project to the trash, where it stays 30 days before it is
/// deleted for good. Admins and Owners only.
#[server(endpoint = "delete_project")]
pub async fn delete_project(org: String, project: String) -> Result<Project, AppError> {
    let req = ctx::org_request(&org).await?;
    let ctx = req.org.admin(Action::TrashProjects)?;
    let db = req.db();
    let id: ProjectId = parse_id(&project)?;
    let trashed = projects::trash(db, &ctx, id).await.map_err(project_error)?;
    tracing::info!(org_id = %ctx.org_id(), project_id = %id, "project moved to the trash");
    req.audit(AuditAction::ProjectTrashed, project_target(&trashed), json!({ "name": trashed.name })).await?;
    flash(ProjectChange::Trashed, &trashed).await?;
    Ok(trashed)
}

/// Takes a project out of the trash. Admins and Owners only. A `name`
/// field error when a live project has taken its name meanwhile.
#[server(endpoint = "restore_project")]
pub async fn restore_project(org: String, project: String) -> Result<Project, AppError> {
    let req = ctx::org_request(&org).await?;
    let ctx = req.org.admin(Action::TrashProjects)?;
    let db = req.db();
    let id: ProjectId = parse_id(&project)?;
    let restored = projects::restore(db, &ctx, id).await.map_err(|err| match err {
        ProjectError::NameTaken => {
            AppError::Conflict("Another project has this name now. Rename that one, then restore this.".into())
        }
        other => project_error(other),
    })?;
    req.audit(AuditAction::ProjectRestored, project_target(&restored), json!({ "name": restored.name })).await?;
    flash(ProjectChange::Restored, &restored).await?;
    Ok(restored)
}
