//! Upload sessions and storage quotas: the rules a project's files and a
//! task import's CSV obey as their bytes arrive, whichever door they come
//! through (the server's multipart routes stream them here chunk by chunk;
//! `api::files` starts sessions ahead of them).
//!
//! A file is reserved before its bytes are read (its declared size, when
//! given, is held against the organization's storage limit), grows its
//! hold a step at a time as bytes arrive, and is forgotten, bytes and row,
//! when refused or cut off. Nothing over the file size limit
//! (`Config::file_size_limit_bytes`) or the organization's storage limit
//! (its plan's `storage_mb`) is kept.

use std::fmt::Display;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use crate::{
    error::AppError,
    model::{
        CycleId, FileId, ProjectFile, ProjectId, RefusedFile, TaskImportId, UploadSessionId, UploadStatus,
        args::{parse_id, parse_optional_id},
        file::format_bytes,
    },
    server::{
        AppState,
        ctx::{OrgCtx, Writer},
        db::{
            Db, cycles,
            files::{self, Arrival, UploadError},
            imports, orgs,
        },
        imports::{MAX_IMPORT_BYTES, header},
        jobs::{Job, enqueue_for},
        metrics,
        storage::Storage,
    },
};

/// Files one upload request may store (a plain form sends them all at
/// once); the ones after are listed as refused, at most as many again.
pub const MAX_FILES_PER_REQUEST: i64 = 100;

/// How many bytes a growing upload holds more at a time.
const GROW_STEP: i64 = 8 * 1024 * 1024;

/// The error for files that do not fit in the storage limit (`TooLarge`,
/// 413); both amounts in bytes.
pub fn storage_full(limit_bytes: i64, used_bytes: i64) -> AppError {
    AppError::TooLarge(format!(
        "Your organization's files may take {} and {} are in use: this does not fit. Delete files (and empty \
         the trash), or ask a platform admin for more room.",
        format_bytes(limit_bytes),
        format_bytes(used_bytes)
    ))
}

/// A refused reservation as the answer: `NotFound` for a project that
/// takes no files, [`storage_full`] over the storage limit.
pub fn upload_error(err: UploadError) -> AppError {
    match err {
        UploadError::NotWritable => AppError::NotFound,
        UploadError::StorageFull { limit_bytes, used_bytes } => storage_full(limit_bytes, used_bytes),
        UploadError::Db(err) => err.into(),
    }
}

/// `Ok` when `bytes` more fit in the organization's storage limit (none
/// on an unlimited plan); else [`storage_full`]. A session's announced
/// total is checked with this before any file is sent; each file is
/// checked again as it arrives.
pub async fn check_room(db: &Db, ctx: &OrgCtx, bytes: i64) -> Result<(), AppError> {
    let usage = orgs::plan_and_usage(db, ctx).await?;
    if let Some(limit_mb) = usage.limits.storage_mb {
        let limit = i64::from(limit_mb) * 1024 * 1024;
        if usage.storage_bytes.saturating_add(bytes.max(0)) > limit {
            return Err(storage_full(limit, usage.storage_bytes));
        }
    }
    Ok(())
}

/// The cycle `id` (text, empty for none) when it is `project`'s.
///
/// Errors: `NotFound` for a malformed id or another project's cycle.
pub async fn cycle_of(db: &Db, ctx: &OrgCtx, project: ProjectId, id: &str) -> Result<Option<CycleId>, AppError> {
    match parse_optional_id::<CycleId>(id)? {
        None => Ok(None),
        Some(id) => match cycles::find(db, ctx, id).await? {
            Some(cycle) if cycle.project_id == project => Ok(Some(id)),
            _ => Err(AppError::NotFound),
        },
    }
}

/// What one upload request stored and refused.
#[derive(Debug)]
pub struct Received {
    /// The session the files went into.
    pub session: UploadSessionId,
    pub files: Vec<ProjectFile>,
    /// Refused files with their reasons, at most
    /// [`MAX_FILES_PER_REQUEST`].
    pub refused: Vec<RefusedFile>,
    /// Why the last file was refused (a script sending one file gets it as
    /// the answer).
    pub last_refusal: Option<AppError>,
}

/// One upload request into a writable project: the session its files go
/// into (named by the request, else started for it) and what came of each
/// file. Feed it the request's fields in order, then [`Upload::finish`].
pub struct Upload {
    writer: Writer,
    project: ProjectId,
    /// The session, and whether the request named it (started ahead by
    /// `api::files::start_upload_session`, which counts its files).
    session: Option<(UploadSessionId, bool)>,
    /// Files stored or refused for size, so far.
    count: i64,
    received: Received,
}

impl Upload {
    /// An upload by `writer` (who holds `Action::UploadFiles`) into
    /// `project` (checked writable by the caller).
    pub fn new(writer: Writer, project: ProjectId) -> Self {
        Self {
            writer,
            project,
            session: None,
            count: 0,
            received: Received {
                session: UploadSessionId::new(),
                files: Vec::new(),
                refused: Vec::new(),
                last_refusal: None,
            },
        }
    }

    /// The request names its session (`id`, text): one of this project's,
    /// in progress.
    ///
    /// Errors: `NotFound` for a malformed id, another organization's or
    /// project's session; `Conflict` for one that has ended.
    pub async fn use_session(&mut self, db: &Db, id: &str) -> Result<(), AppError> {
        let id: UploadSessionId = parse_id(id)?;
        let found = files::find_session(db, &self.writer, id).await?.ok_or(AppError::NotFound)?;
        if found.project_id != self.project {
            return Err(AppError::NotFound);
        }
        if found.status != UploadStatus::InProgress {
            return Err(AppError::Conflict("This upload session has ended: start a new upload.".into()));
        }
        self.session = Some((id, true));
        Ok(())
    }

    /// One file, `name` (already made safe, `model::file::file_name`), of
    /// `declared_type` and `declared_size` bytes (as the client claims),
    /// its bytes in `chunks`. Without a session yet, one is started, in
    /// `cycle` (text, empty for none). The file is stored, or refused and
    /// listed with its reason (too large, no room, cut off, past
    /// [`MAX_FILES_PER_REQUEST`]), its remaining bytes read and dropped.
    ///
    /// Errors (the request fails): `NotFound` for a cycle of another
    /// project or a project that no longer takes files; the database's.
    pub async fn file<S, E>(
        &mut self,
        state: &AppState,
        cycle: &str,
        name: String,
        declared_type: Option<&str>,
        declared_size: Option<i64>,
        chunks: &mut S,
    ) -> Result<(), AppError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin + Send,
        E: Display,
    {
        let db = &state.db;
        let writer = &self.writer;
        let (id, declared) = match self.session {
            Some(found) => found,
            None => {
                let cycle = cycle_of(db, writer, self.project, cycle).await?;
                let id = files::start_session(db, writer, self.project, cycle, 0).await?.ok_or(AppError::NotFound)?;
                self.session = Some((id, false));
                (id, false)
            }
        };
        self.received.session = id;
        if self.count >= MAX_FILES_PER_REQUEST {
            // Listed as refused, its bytes read and dropped.
            let reason = format!("At most {MAX_FILES_PER_REQUEST} files go in one upload: send the rest again.");
            let refusal = RefusedFile { name, reason: reason.clone() };
            if self.received.refused.len() < MAX_FILES_PER_REQUEST as usize {
                files::record_arrival(db, writer, id, &Arrival::Refused(refusal.clone())).await?;
                self.received.refused.push(refusal);
            }
            self.received.last_refusal = Some(AppError::Request(reason));
            while let Some(Ok(_)) = chunks.next().await {}
            return Ok(());
        }
        self.count += 1;
        match store_file(state, writer, self.project, id, chunks, &name, declared_type, declared_size).await {
            Ok(file) => {
                files::record_arrival(db, writer, id, &Arrival::Stored { bytes: file.size_bytes }).await?;
                self.received.files.push(file);
            }
            Err(err @ (AppError::TooLarge(_) | AppError::Conflict(_) | AppError::Request(_))) => {
                let refusal = RefusedFile { name, reason: err.to_string() };
                files::record_arrival(db, writer, id, &Arrival::Refused(refusal.clone())).await?;
                self.received.refused.push(refusal);
                self.received.last_refusal = Some(err);
                // What is left of this file is read and dropped.
                while let Some(Ok(_)) = chunks.next().await {}
            }
            Err(err) => return Err(err),
        }
        if declared {
            files::settle_session(db, writer, id, None).await?;
        }
        Ok(())
    }

    /// Ends the request: a session started for it now knows its file
    /// count (and ends once they are processed).
    ///
    /// Errors: a `file` field error when the request held no file.
    pub async fn finish(self, db: &Db) -> Result<Received, AppError> {
        match self.session {
            Some((id, false)) => files::settle_session(db, &self.writer, id, Some(self.count)).await?,
            Some((_, true)) => {}
            None => return Err(AppError::field("file", "Choose at least one file.")),
        }
        Ok(self.received)
    }
}

/// Streams one file to storage: the limits are checked before and as the
/// bytes arrive, and a refused file leaves nothing stored. A stored file
/// is queued for processing (`Job::ProcessFile`).
///
/// Errors: `TooLarge` over the file size or storage limit, `Request` when
/// the bytes were cut off, `NotFound` when the project takes no files.
#[allow(clippy::too_many_arguments)]
async fn store_file<S, E>(
    state: &AppState,
    writer: &Writer,
    project: ProjectId,
    session: UploadSessionId,
    chunks: &mut S,
    name: &str,
    declared_type: Option<&str>,
    declared_size: Option<i64>,
) -> Result<ProjectFile, AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin + Send,
    E: Display,
{
    let limit = i64::try_from(state.config.file_size_limit_bytes()).unwrap_or(i64::MAX);
    let too_large =
        || AppError::TooLarge(format!("{name} is larger than the {} limit for one file.", format_bytes(limit)));
    if declared_size.is_some_and(|size| size > limit) {
        return Err(too_large());
    }
    let mut held = declared_size.unwrap_or(0).max(0);
    let id = files::reserve(&state.db, writer, project, Some(session), name, declared_type, held)
        .await
        .map_err(upload_error)?;
    // A request cut off mid-way (time limit, lost connection) drops this
    // future: the guard frees the held room then.
    let mut guard = DiscardOnDrop(Some((state.clone(), writer.clone(), id)));
    let _in_flight = metrics::UploadInFlight::start("file");
    let key = Storage::file_key(writer.org_id(), id);
    let outcome = async {
        let mut upload = state.storage.upload(&key).await.map_err(AppError::internal)?;
        let mut received: i64 = 0;
        let result = loop {
            let chunk = match chunks.next().await {
                Some(Ok(chunk)) => chunk,
                None => break Ok(()),
                Some(Err(err)) => break Err(AppError::Request(format!("The upload was cut off: {err}."))),
            };
            received += i64::try_from(chunk.len()).unwrap_or(i64::MAX);
            if received > limit {
                break Err(too_large());
            }
            if received > held {
                // A step ahead, or just what arrived when the step does
                // not fit.
                let needed = received - held;
                let step = needed.max(GROW_STEP).min(limit - held);
                let grown = match files::grow(&state.db, writer, id, step).await {
                    Err(UploadError::StorageFull { .. }) if step > needed => {
                        files::grow(&state.db, writer, id, needed).await.map(|()| needed)
                    }
                    other => other.map(|()| step),
                };
                match grown {
                    Ok(more) => held += more,
                    Err(err) => break Err(upload_error(err)),
                }
            }
            upload.write(&chunk);
            if let Err(err) = upload.ready().await {
                break Err(AppError::internal(err));
            }
        };
        match result {
            Ok(()) => {
                upload.finish().await.map_err(AppError::internal)?;
                Ok(received)
            }
            Err(err) => {
                upload.abort().await;
                Err(err)
            }
        }
    }
    .await;
    guard.0 = None;
    let received = match outcome {
        Ok(received) => received,
        Err(err) => {
            files::discard(&state.db, writer, id).await?;
            return Err(err);
        }
    };
    files::uploaded(&state.db, writer, id, received).await?;
    metrics::upload_stored("file", u64::try_from(received).unwrap_or(0));
    let org = writer.org_id();
    enqueue_for(state, org, &Job::ProcessFile { org, file: id }).await?;
    files::find(&state.db, writer, id).await?.ok_or(AppError::NotFound)
}

/// Forgets an upload's file row when dropped while still set.
struct DiscardOnDrop(Option<(AppState, Writer, FileId)>);

impl Drop for DiscardOnDrop {
    fn drop(&mut self) {
        if let Some((state, writer, id)) = self.0.take() {
            tokio::spawn(async move {
                if let Err(err) = files::discard(&state.db, &writer, id).await {
                    tracing::warn!(error = %err, file = %id, "forgetting a cut-off upload failed");
                }
            });
        }
    }
}

/// Why a CSV to import was refused: the import form shows it beside the
/// field (its [`ImportRefusal::code`] travels as `?error=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportRefusal {
    /// No file was chosen, or it is empty.
    NoFile,
    /// Over [`MAX_IMPORT_BYTES`].
    TooLarge,
    /// Its first line is not a CSV header.
    NotCsv,
    /// It does not fit in the organization's storage limit (the CSV
    /// counts towards it while it is kept).
    StorageFull,
}

impl ImportRefusal {
    /// The form's error code: `no_file`, `too_large`, `not_csv`,
    /// `storage_full`.
    pub fn code(self) -> &'static str {
        match self {
            ImportRefusal::NoFile => "no_file",
            ImportRefusal::TooLarge => "too_large",
            ImportRefusal::NotCsv => "not_csv",
            ImportRefusal::StorageFull => "storage_full",
        }
    }
}

/// Keeps a CSV to import into `project` (checked writable by the caller):
/// its bytes from `chunks` (at most [`MAX_IMPORT_BYTES`]), stored and
/// recorded as an import waiting for its column mapping. `Ok(Err(_))`
/// when the file is refused: then the rest of its bytes are left unread.
///
/// Errors: `Request` when the bytes were cut off; `NotFound` when the
/// project takes no files; storage and database failures.
pub async fn store_import<S, E>(
    state: &AppState,
    writer: &Writer,
    project: ProjectId,
    name: &str,
    chunks: &mut S,
) -> Result<Result<TaskImportId, ImportRefusal>, AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin + Send,
    E: Display,
{
    let _in_flight = metrics::UploadInFlight::start("import");
    let mut bytes = Vec::new();
    while let Some(chunk) = chunks.next().await.transpose().map_err(|err| AppError::Request(err.to_string()))? {
        if bytes.len() + chunk.len() > MAX_IMPORT_BYTES {
            return Ok(Err(ImportRefusal::TooLarge));
        }
        bytes.extend_from_slice(&chunk);
    }
    if bytes.is_empty() {
        return Ok(Err(ImportRefusal::NoFile));
    }
    let usage = orgs::plan_and_usage(&state.db, writer).await?;
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    if usage.limits.storage_mb.is_some_and(|mb| usage.storage_bytes + size > i64::from(mb) * 1024 * 1024) {
        return Ok(Err(ImportRefusal::StorageFull));
    }
    let Ok(columns) = header(&bytes) else {
        return Ok(Err(ImportRefusal::NotCsv));
    };
    let id = TaskImportId::new();
    let key = Storage::import_key(writer.org_id(), id);
    state.storage.put(&key, bytes).await.map_err(AppError::internal)?;
    let recorded = imports::insert(&state.db, writer, id, project, name, size, &columns).await;
    if recorded.is_err() {
        state.storage.delete(&key).await.map_err(AppError::internal)?;
    }
    match recorded {
        Ok(()) => {
            metrics::upload_stored("import", u64::try_from(size).unwrap_or(0));
            Ok(Ok(id))
        }
        // Another upload took the last room since the check above.
        Err(UploadError::StorageFull { .. }) => Ok(Err(ImportRefusal::StorageFull)),
        Err(UploadError::NotWritable) => Err(AppError::NotFound),
        Err(UploadError::Db(err)) => Err(err.into()),
    }
}
