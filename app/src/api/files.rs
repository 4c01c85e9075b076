//! Project files, upload sessions, CSV imports of tasks and the
//! organization's background jobs. The bytes themselves travel over plain
//! HTTP routes (`server::files` in the server crate: uploads, downloads,
//! thumbnails, live progress); these functions do the rest.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    model::{
        Cycle, ImportMapping, JobId, JobItem, Page, PreviewRow, Project, ProjectFile, TaskImport, UploadSession,
        UploadSessionId, UploadStats,
    },
};

#[cfg(feature = "ssr")]
use serde_json::json;

#[cfg(feature = "ssr")]
use crate::{
    api::args::parse_id,
    model::{
        Action, AuditAction, FileId, ImportField, TaskImportId,
        file::{FILES_PER_PAGE, file_name},
    },
    server::{
        ctx::{self, OrgRequest, Writer},
        db::{
            Timestamp, cycles,
            files::{self, FileView, SessionDeleteError},
            imports, jobs, orgs,
        },
        imports::{Lookup, check_mapping},
        jobs::{Job, enqueue_for},
        projects::{archived, readable_project, writable_project},
        storage::Storage,
        uploads::{check_room, cycle_of},
    },
};

/// Sessions shown per page.
pub const SESSIONS_PER_PAGE: u32 = 25;
/// Jobs an organization's jobs page shows.
pub const ORG_JOBS_SHOWN: i64 = 100;

/// A project's files page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilesPage {
    pub project: Project,
    pub files: Page<ProjectFile>,
    /// The project's cycles, to upload into.
    pub cycles: Vec<Cycle>,
    /// The largest file one upload may hold, in bytes.
    pub file_limit_bytes: i64,
    /// What the organization's files take, and its limit (bytes; `None`:
    /// unlimited).
    pub storage_used_bytes: i64,
    pub storage_limit_bytes: Option<i64>,
    pub stats: UploadStats,
}

/// A page of `project`'s files: live ones newest first, or with `trash`
/// those in the trash. `page` counts from 1. Any member may read.
#[server(endpoint = "list_files")]
pub async fn list_files(
    org: String,
    project: String,
    #[server(default)] trash: bool,
    #[server(default)] page: Option<u32>,
) -> Result<FilesPage, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    let db = req.db();
    let project = readable_project(db, &req.org, &project).await?;
    let view = if trash { FileView::Trash } else { FileView::Live };
    let offset = page.unwrap_or(1).saturating_sub(1).saturating_mul(FILES_PER_PAGE);
    let files = files::list(db, &req.org, project.id, view, FILES_PER_PAGE, offset).await?;
    let cycles = cycles::list_for_project(db, &req.org, project.id).await?;
    let usage = orgs::plan_and_usage(db, &req.org).await?;
    let stats = files::stats(db, &req.org, project.id).await?;
    Ok(FilesPage {
        project,
        files,
        cycles,
        file_limit_bytes: i64::try_from(req.state.config.file_size_limit_bytes()).unwrap_or(i64::MAX),
        storage_used_bytes: usage.storage_bytes,
        storage_limit_bytes: usage.limits.storage_mb.map(|mb| i64::from(mb) * 1024 * 1024),
        stats,
    })
}

/// Starts an upload session of `files` files (1 to 1,000) of `bytes` bytes
/// in all into `project`, and optionally its `cycle`; the files then go
/// one by one to `POST /o/{org}/projects/{project}/files` with the
/// session's id. Members and above.
///
/// Errors: `NotFound` (project, or a cycle of another project);
/// `Conflict` for an archived project; a `files` field error; `TooLarge`
/// when `bytes` do not fit in the organization's storage limit (checked
/// again for each file as it arrives).
#[server(endpoint = "start_upload_session")]
pub async fn start_upload_session(
    org: String,
    project: String,
    #[server(default)] cycle: String,
    files: i64,
    #[server(default)] bytes: i64,
) -> Result<UploadSessionId, AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::UploadFiles)?;
    let db = req.db();
    let project = writable_project(db, &writer, &project).await?;
    if !(1..=1000).contains(&files) {
        return Err(AppError::field("files", "Choose from 1 to 1,000 files."));
    }
    let cycle = cycle_of(db, &req.org, project.id, &cycle).await?;
    check_room(db, &req.org, bytes).await?;
    files::start_session(db, &writer, project.id, cycle, files).await?.ok_or_else(archived)
}

/// Cancels an upload session in progress: files still on their way are
/// refused. Members and above.
///
/// Errors: `NotFound`; `Conflict` when it has ended.
#[server(endpoint = "cancel_upload_session")]
pub async fn cancel_upload_session(org: String, session: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::UploadFiles)?;
    let id: UploadSessionId = parse_id(&session)?;
    let found = files::find_session(req.db(), &req.org, id).await?.ok_or(AppError::NotFound)?;
    writable_project(req.db(), &writer, &found.project_id.to_string()).await?;
    if files::cancel_session(req.db(), &writer, id).await? {
        Ok(())
    } else {
        Err(AppError::Conflict("This upload session has ended already.".into()))
    }
}

/// Deletes an upload session that has ended; its files go to the trash
/// (restorable for 30 days). Returns how many files went. Members and
/// above.
///
/// Errors: `NotFound`; `Conflict` while it is in progress.
#[server(endpoint = "delete_upload_session")]
pub async fn delete_upload_session(org: String, session: String) -> Result<u64, AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::UploadFiles)?;
    let id: UploadSessionId = parse_id(&session)?;
    let found = files::find_session(req.db(), &req.org, id).await?.ok_or(AppError::NotFound)?;
    writable_project(req.db(), &writer, &found.project_id.to_string()).await?;
    let actor = req.actor()?;
    let event = |trashed: u64| {
        let details = json!({ "files_trashed": trashed });
        actor.event(req.org.org_id(), AuditAction::UploadSessionDeleted, ("upload_session", id.to_string()), details)
    };
    files::delete_session(req.db(), &writer, id, event).await.map_err(|err| match err {
        SessionDeleteError::NotFound => AppError::NotFound,
        SessionDeleteError::InProgress => {
            AppError::Conflict("Files are still arriving in this session: cancel it first, or wait.".into())
        }
        SessionDeleteError::Db(err) => err.into(),
    })
}

/// The file `id` (text) of the organization when it may change: live, in a
/// writable project.
#[cfg(feature = "ssr")]
async fn file_of(req: &OrgRequest, id: &str) -> Result<crate::model::ProjectFile, AppError> {
    let id: FileId = parse_id(id)?;
    files::find(req.db(), &req.org, id).await?.ok_or(AppError::NotFound)
}

/// Renames a file (`name`: shown and used for downloads only, made safe
/// as `model::file::file_name` says). Members and above.
///
/// Errors: `NotFound`; a `name` field error when empty; `Conflict` for an
/// archived project or a trashed file.
#[server(endpoint = "rename_file")]
pub async fn rename_file(org: String, file: String, name: String) -> Result<ProjectFile, AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::UploadFiles)?;
    let before = file_of(&req, &file).await?;
    if name.trim().is_empty() {
        return Err(AppError::field("name", "Enter a name."));
    }
    let name = file_name(&name);
    let details = json!({ "from": before.name, "to": name });
    let event = req.event(AuditAction::FileRenamed, ("file", before.id.to_string()), details)?;
    if !files::rename(req.db(), &writer, before.id, &name, &event).await? {
        return Err(AppError::Conflict(
            "This file cannot be renamed now: restore it, or unarchive its project.".into(),
        ));
    }
    file_of(&req, &file).await
}

/// Moves a file to the trash (`trash` true) or takes it out. Members and
/// above.
///
/// Errors: `NotFound`; `Conflict` when it is not in the other state, or
/// its project is archived.
#[server(endpoint = "trash_file")]
pub async fn trash_file(org: String, file: String, trash: bool) -> Result<ProjectFile, AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::UploadFiles)?;
    let before = file_of(&req, &file).await?;
    let action = if trash { AuditAction::FileTrashed } else { AuditAction::FileRestored };
    let actor = req.actor()?;
    let event =
        |id: FileId| actor.event(req.org.org_id(), action, ("file", id.to_string()), json!({ "name": before.name }));
    if files::set_trashed(req.db(), &writer, &[before.id], trash, event).await? == 0 {
        return Err(AppError::Conflict("This file cannot be moved now.".into()));
    }
    file_of(&req, &file).await
}

/// A project's upload sessions page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadsPage {
    pub project: Project,
    pub sessions: Page<UploadSession>,
    pub stats: UploadStats,
}

/// A page of `project`'s upload sessions, newest first, with the project's
/// upload statistics. Any member may read.
#[server(endpoint = "list_upload_sessions")]
pub async fn list_upload_sessions(
    org: String,
    project: String,
    #[server(default)] page: Option<u32>,
) -> Result<UploadsPage, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    let db = req.db();
    let project = readable_project(db, &req.org, &project).await?;
    let offset = page.unwrap_or(1).saturating_sub(1).saturating_mul(SESSIONS_PER_PAGE);
    let sessions = files::list_sessions(db, &req.org, project.id, SESSIONS_PER_PAGE, offset).await?;
    let stats = files::stats(db, &req.org, project.id).await?;
    Ok(UploadsPage { project, sessions, stats })
}

/// One upload session's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionPage {
    pub project: Project,
    pub session: UploadSession,
    pub files: Vec<ProjectFile>,
}

/// An upload session with its files. Any member may read.
///
/// Errors: `NotFound` for another organization's session, or one whose
/// project is in the trash.
#[server(endpoint = "get_upload_session")]
pub async fn get_upload_session(org: String, session: String) -> Result<SessionPage, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    let id: UploadSessionId = parse_id(&session)?;
    let session = files::find_session(req.db(), &req.org, id).await?.ok_or(AppError::NotFound)?;
    let project = readable_project(req.db(), &req.org, &session.project_id.to_string()).await?;
    let files = files::list_for_session(req.db(), &req.org, id).await?;
    Ok(SessionPage { project, session, files })
}

/// `project`'s ten most recent imports, newest first. Any member may read.
#[server(endpoint = "list_imports")]
pub async fn list_imports(org: String, project: String) -> Result<Vec<TaskImport>, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    let project = readable_project(req.db(), &req.org, &project).await?;
    Ok(imports::recent(req.db(), &req.org, project.id, 10).await?)
}

/// An import's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportPage {
    pub project: Project,
    pub import: TaskImport,
    /// The mapping to start from: the one it ran with, else what the header
    /// suggests.
    pub mapping: ImportMapping,
    /// Its job, once started.
    pub job: Option<JobItem>,
}

/// An import of tasks, with its job. Any member may read.
#[server(endpoint = "get_import")]
pub async fn get_import(org: String, import: String) -> Result<ImportPage, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    let id: TaskImportId = parse_id(&import)?;
    let import = imports::find(req.db(), &req.org, id).await?.ok_or(AppError::NotFound)?;
    let project = readable_project(req.db(), &req.org, &import.project_id.to_string()).await?;
    let mapping = import.mapping.clone().unwrap_or_else(|| ImportMapping::guess(&import.columns));
    let job = match import.job_id {
        Some(job) => jobs::find(req.db(), jobs::JobsOf::Organization(&req.org), job).await?,
        None => None,
    };
    Ok(ImportPage { project, import, mapping, job })
}

/// The mapping from the form: each field the index of its column, empty
/// for none.
#[cfg(feature = "ssr")]
fn mapping_of(columns: &[&str; 8]) -> Result<ImportMapping, AppError> {
    let mut pairs = Vec::new();
    for (field, column) in ImportField::ALL.into_iter().zip(columns) {
        if column.trim().is_empty() {
            continue;
        }
        let index = column.trim().parse::<usize>().map_err(|_| AppError::field(field.as_str(), "Choose a column."))?;
        pairs.push((field, index));
    }
    Ok(ImportMapping(pairs))
}

/// The draft import `id` with its CSV, and the mapping checked against it.
#[cfg(feature = "ssr")]
async fn draft_with_file(
    req: &OrgRequest,
    uploader: &Writer,
    import: &str,
    mapping: &ImportMapping,
) -> Result<(TaskImport, bytes::Bytes), AppError> {
    let id: TaskImportId = parse_id(import)?;
    let import = imports::find(req.db(), uploader, id).await?.ok_or(AppError::NotFound)?;
    readable_project(req.db(), uploader, &import.project_id.to_string()).await?;
    check_mapping(mapping, import.columns.len()).map_err(|message| AppError::field("title", message))?;
    let key = Storage::import_key(req.org.org_id(), id);
    let bytes = req.state.storage.read_all(&key).await.map_err(AppError::internal)?;
    Ok((import, bytes))
}

/// The first rows of a draft import as the mapping reads them, each with
/// what is wrong with it. Members and above. Arguments: the import, then
/// for each task field the index of its column (empty: none).
///
/// Errors: `NotFound`; a `title` field error without a title column.
#[server(endpoint = "preview_import")]
#[allow(clippy::too_many_arguments)]
pub async fn preview_import(
    org: String,
    import: String,
    #[server(default)] title: String,
    #[server(default)] description: String,
    #[server(default)] status: String,
    #[server(default)] priority: String,
    #[server(default)] due_on: String,
    #[server(default)] assignee: String,
    #[server(default)] labels: String,
    #[server(default)] cycle: String,
) -> Result<Vec<PreviewRow>, AppError> {
    let req = ctx::org_request(&org).await?;
    let uploader = req.org.writer(Action::UploadFiles)?;
    let mapping = mapping_of(&[&title, &description, &status, &priority, &due_on, &assignee, &labels, &cycle])?;
    let (import, bytes) = draft_with_file(&req, &uploader, &import, &mapping).await?;
    let lookup = Lookup::load(&req.state, &req.org, import.project_id).await?;
    Ok(crate::server::imports::preview(&bytes, &mapping, &lookup))
}

/// Starts importing a draft import with the mapping given (as for
/// [`preview_import`]); the import runs as a job. Members and above.
///
/// Errors: `NotFound`; a `title` field error without a title column;
/// `Conflict` when it was started already or the project is archived.
#[server(endpoint = "start_import")]
#[allow(clippy::too_many_arguments)]
pub async fn start_import(
    org: String,
    import: String,
    #[server(default)] title: String,
    #[server(default)] description: String,
    #[server(default)] status: String,
    #[server(default)] priority: String,
    #[server(default)] due_on: String,
    #[server(default)] assignee: String,
    #[server(default)] labels: String,
    #[server(default)] cycle: String,
) -> Result<JobId, AppError> {
    let req = ctx::org_request(&org).await?;
    // An import uploads (its file) and writes tasks: both rights.
    let writer = req.org.writer(Action::UploadFiles)?;
    let task_writer = req.org.writer(Action::EditTasks)?;
    let mapping = mapping_of(&[&title, &description, &status, &priority, &due_on, &assignee, &labels, &cycle])?;
    let (import, _) = draft_with_file(&req, &writer, &import, &mapping).await?;
    writable_project(req.db(), &task_writer, &import.project_id.to_string()).await?;
    if import.status != crate::model::ImportStatus::Draft {
        return Err(AppError::Conflict("This import has started already.".into()));
    }
    // Marked as started first: a second press finds it so and queues
    // nothing.
    let details = json!({ "file": import.file_name, "project": import.project_id });
    let event = req.event(AuditAction::TasksImported, ("task_import", import.id.to_string()), details)?;
    if !imports::start(req.db(), &writer, import.id, &mapping, &event).await? {
        return Err(AppError::Conflict("This import has started already.".into()));
    }
    let org_id = req.org.org_id();
    let job = enqueue_for(&req.state, org_id, &Job::ImportTasks { org: org_id, import: import.id, user: req.user.id })
        .await?;
    imports::set_job(req.db(), &writer, import.id, job).await?;
    Ok(job)
}

/// The organization's recent background jobs (file processing, imports),
/// newest first. Any member may read.
#[server(endpoint = "list_org_jobs")]
pub async fn list_org_jobs(org: String) -> Result<Vec<JobItem>, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ViewWork)?;
    Ok(jobs::recent(req.db(), jobs::JobsOf::Organization(&req.org), ORG_JOBS_SHOWN).await?)
}

/// Cancels one of the organization's jobs: a queued one at once, a running
/// one at its next step (an import between two batches). Members and
/// above.
///
/// Errors: `NotFound` for another organization's job; `Conflict` when it
/// has ended.
#[server(endpoint = "cancel_org_job")]
pub async fn cancel_org_job(org: String, job: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    let writer = req.org.writer(Action::UploadFiles)?;
    let id: JobId = parse_id(&job)?;
    let found = jobs::find(req.db(), jobs::JobsOf::Organization(&writer), id).await?.ok_or(AppError::NotFound)?;
    if found.kind == "process_file" {
        // Its file would wait for ever; delete the file instead.
        return Err(AppError::Conflict(
            "Reading an uploaded file cannot be cancelled: delete the file instead.".into(),
        ));
    }
    match jobs::cancel(req.db(), jobs::CancelledBy::Organization(&writer), id, Timestamp::now()).await? {
        jobs::Cancel::Cancelled => {
            // It never ran: an import waiting for it ends here.
            imports::end_for_job(req.db(), req.org.org_id(), id, crate::model::ImportStatus::Cancelled).await?;
            Ok(())
        }
        jobs::Cancel::Requested => Ok(()),
        jobs::Cancel::Finished => Err(AppError::Conflict("This job has ended already.".into())),
        jobs::Cancel::NotFound => Err(AppError::NotFound),
    }
}
