//! Saved views of a project's task list: a name for a list URL's filters,
//! sort and page size. Anyone who reads the project may save private
//! views; sharing one with the organization needs [`Action::EditTasks`]
//! (Members and above), like any change others see. Nothing is saved or
//! deleted while the organization is suspended. Views are deleted by
//! their author, and shared ones also by whoever may manage the
//! organization's settings (Admins and Owners).

use leptos::prelude::*;

use crate::{error::AppError, model::SavedView};

#[cfg(feature = "ssr")]
use crate::{
    api::args::parse_id,
    error::FieldErrors,
    model::{Action, SavedViewId, TaskParams, ViewName},
    server::{
        ctx,
        db::{tasks, views},
        projects::readable_project,
    },
};

/// The one rule for saving and deleting views: the member reads the
/// organization's work, and nothing is changed while it is suspended
/// (`Suspended`, as for every other write). A shared view is a change
/// others see, so saving one needs the writer's handle for
/// [`Action::EditTasks`] (`Forbidden` for Guests); deleting a shared view
/// one did not save needs the admin's for [`Action::ManageSettings`]: the
/// repository takes those handles (`views::SavedBy`, `views::DeletedBy`).
#[cfg(feature = "ssr")]
fn may_change_views(member: &ctx::OrgCtx) -> Result<(), AppError> {
    member.check(Action::ViewWork)?;
    if member.org().suspended {
        return Err(AppError::Suspended);
    }
    Ok(())
}

/// The views of `project` the caller may see: shared ones and their own,
/// by name. Errors: 404 for a project that is not readable.
#[server(endpoint = "list_views")]
pub async fn list_views(org: String, project: String) -> Result<Vec<SavedView>, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    let project = readable_project(req.db(), &req.org, &project).await?;
    ctx::views(req.db(), &req.org, project.id).await
}

/// Saved views of one project one person may keep (each page of the
/// project sends them all).
pub const MAX_VIEWS_PER_PERSON: usize = 50;
/// Saved views a person sees on one project at most (theirs and the
/// shared ones), before saving another is refused.
pub const MAX_VIEWS: usize = 200;

/// Saves the task list `query` (a list URL's query string, with or without
/// its `?`; paging is dropped) of `project` as the view `name` (1–60
/// characters); `shared` (a checkbox: any value) shows it to the whole
/// organization. Answers the view, its query in canonical form.
///
/// Errors: field errors on `name`, and on `query` for a parameter the list
/// does not know or a value it cannot use; 403 for a Guest sharing;
/// `Suspended` in a suspended organization, shared or not; 404 for a
/// project that is not readable, or for a label or assignee of another
/// organization in `query`; a field error on `name` past
/// [`MAX_VIEWS_PER_PERSON`] or [`MAX_VIEWS`].
#[server(endpoint = "save_view")]
pub async fn save_view(
    org: String,
    project: String,
    name: String,
    #[server(default)] query: String,
    #[server(default)] shared: Option<String>,
) -> Result<SavedView, AppError> {
    let req = ctx::org_request(&org).await?;
    may_change_views(&req.org)?;
    let writer = if shared.is_some() { Some(req.org.writer(Action::EditTasks)?) } else { None };
    let project = readable_project(req.db(), &req.org, &project).await?;
    let mut errors = FieldErrors::new();
    let name = errors.check("name", ViewName::parse(&name));
    let params =
        TaskParams(form_urlencoded::parse(query.trim().trim_start_matches('?').as_bytes()).into_owned().collect());
    let parsed = params.parse();
    let query = match &parsed {
        Ok(query) => Some(query.first_page().to_query_string()),
        Err(problems) => {
            let first = problems.fields.iter().next().map(|(field, message)| format!("{field}: {message}"));
            errors.add("query", first.unwrap_or_else(|| "This list cannot be saved.".into()));
            None
        }
    };
    let (Some(name), Some(query)) = (name, query) else { return Err(AppError::Validation(errors)) };
    // A label or assignee of another organization is as absent here as in
    // the list itself (`list_tasks`).
    if let Ok(parsed) = &parsed
        && !tasks::filter_ids_exist(req.db(), &req.org, parsed).await?
    {
        return Err(AppError::NotFound);
    }
    let existing = views::list(req.db(), &req.org, project.id).await?;
    if existing.iter().filter(|view| view.mine).count() >= MAX_VIEWS_PER_PERSON || existing.len() >= MAX_VIEWS {
        return Err(AppError::field(
            "name",
            format!(
                "A project keeps at most {MAX_VIEWS_PER_PERSON} views per person and {MAX_VIEWS} in all: delete one first."
            ),
        ));
    }
    let by = match &writer {
        Some(writer) => views::SavedBy::Shared(writer),
        None => views::SavedBy::Private(&req.org),
    };
    views::insert(req.db(), by, project.id, &name, &query).await?.ok_or(AppError::NotFound)
}

/// Deletes the view `view`: the caller's own, or a shared one when they
/// may manage the organization's settings. Errors: 404 for any other view
/// (another member's private one included); `Suspended` in a suspended
/// organization.
#[server(endpoint = "delete_view")]
pub async fn delete_view(org: String, view: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    may_change_views(&req.org)?;
    let id: SavedViewId = parse_id(&view)?;
    let manager = req.org.admin(Action::ManageSettings).ok();
    let by = match &manager {
        Some(admin) => views::DeletedBy::Manager(admin),
        None => views::DeletedBy::Author(&req.org),
    };
    if views::delete(req.db(), by, id).await? { Ok(()) } else { Err(AppError::NotFound) }
}
