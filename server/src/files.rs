//! The routes that carry files' bytes and live progress, beside the server
//! functions of `app::api::files`:
//!
//! - `POST /o/{org}/projects/{project}/files`: multipart upload, streamed
//!   to storage part by part. The hydrated page sends one file per request
//!   (with `session` and `size` fields first) and reads JSON; a plain form
//!   sends them all and is redirected to the upload session's page.
//! - `GET /o/{org}/files/{file}/download`, `.../thumbnail`.
//! - `POST /o/{org}/projects/{project}/imports`: a CSV to import.
//! - `GET /o/{org}/imports/{import}/errors.csv`: an import's refused rows.
//! - Server-sent events: `GET /o/{org}/projects/{project}/files/events`,
//!   `/o/{org}/uploads/{session}/events`, `/o/{org}/jobs/{job}/events`.
//!
//! Every route checks the session and membership as pages do; another
//! organization's id answers 404.

use std::{convert::Infallible, time::Duration};

use app::{
    api::{
        files::{cycle_of, storage_full},
        projects::{readable_project, writable_project},
    },
    error::AppError,
    model::{
        Action, FileId, JobId, ProjectFile, RefusedFile, TaskImportId, UploadSessionId, UploadStatus,
        file::{file_name, format_bytes},
    },
    server::{
        AppState,
        ctx::{OrgCtx, Writer, signed_in_user},
        db::{
            files::{self, Arrival, FileView, UploadError},
            imports, jobs,
        },
        file_processing::type_by_name,
        imports::{MAX_IMPORT_BYTES, header},
        jobs::{Job, enqueue_for},
        storage::Storage,
    },
};
use axum::{
    Json, Router,
    body::Body,
    extract::{DefaultBodyLimit, Multipart, Path, State, multipart::Field},
    http::{HeaderMap, HeaderValue, header},
    response::{
        IntoResponse, Redirect, Response,
        sse::{Event, KeepAlive, Sse},
    },
    routing::{get, post},
};
use futures_util::{StreamExt, stream};
use serde::Serialize;
use tower_sessions::Session;

use crate::export::problem;

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/o/{org}/projects/{project}/files", post(upload).layer(DefaultBodyLimit::disable()))
        .route("/o/{org}/projects/{project}/imports", post(upload_import).layer(DefaultBodyLimit::disable()))
        .route("/o/{org}/files/{file}/download", get(download))
        .route("/o/{org}/files/{file}/thumbnail", get(thumbnail))
        .route("/o/{org}/imports/{import}/errors.csv", get(import_errors))
        .route("/o/{org}/projects/{project}/files/events", get(file_events))
        .route("/o/{org}/uploads/{session}/events", get(session_events))
        .route("/o/{org}/jobs/{job}/events", get(job_events))
}

/// Files one upload request may store (a plain form sends them all at
/// once); the ones after are listed as refused, at most as many again.
pub const MAX_FILES_PER_REQUEST: i64 = 100;

/// Whether `path` takes an upload (for the longer request time limit).
pub fn is_upload_path(path: &str) -> bool {
    path.starts_with("/o/") && (path.ends_with("/files") || path.ends_with("/imports"))
}

/// The signed-in member's context in `org`: 401 signed out, 404 not a
/// member.
async fn member(state: &AppState, session: &Session, org: &str) -> Result<OrgCtx, AppError> {
    let user = signed_in_user(state, session).await?.ok_or(AppError::Unauthenticated)?;
    OrgCtx::load(&state.db, user.id, org).await
}

/// [`member`], who may read the organization's work (every role).
async fn reader(state: &AppState, session: &Session, org: &str) -> Result<OrgCtx, AppError> {
    let ctx = member(state, session, org).await?;
    ctx.check(Action::ViewWork)?;
    Ok(ctx)
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"))
}

/// Reads and drops what is left of a refused request, so the client gets
/// the answer instead of a reset connection; nothing of it is stored.
async fn drain(multipart: &mut Multipart) {
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(_)) = field.chunk().await {}
    }
}

/// A text field of an upload form (an id, a number), at most 1 KiB.
async fn short_text(field: Field<'_>) -> Result<String, AppError> {
    let mut field = field;
    let mut text = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|err| AppError::Request(err.to_string()))? {
        text.extend_from_slice(&chunk);
        if text.len() > 1024 {
            return Err(AppError::Request("A form field is too long.".into()));
        }
    }
    String::from_utf8(text).map_err(|_| AppError::Request("A form field is not UTF-8.".into()))
}

/// Whether the rest of a refused request is worth reading (to answer it
/// cleanly): not for someone with no right to send it.
fn drain_after(result: &Result<Received, AppError>) -> bool {
    !matches!(result, Err(AppError::Unauthenticated | AppError::Forbidden | AppError::NotFound | AppError::Request(_)))
}

/// How many bytes a growing upload holds more at a time.
const GROW_STEP: i64 = 8 * 1024 * 1024;

/// Streams one file part to storage: the limits are checked before and as
/// the bytes arrive, and a refused file leaves nothing stored.
async fn store_file(
    state: &AppState,
    writer: &Writer,
    project: app::model::ProjectId,
    session: UploadSessionId,
    field: &mut Field<'_>,
    name: &str,
    declared_size: Option<i64>,
) -> Result<ProjectFile, AppError> {
    let limit = i64::try_from(state.config.file_size_limit_bytes()).unwrap_or(i64::MAX);
    let too_large =
        || AppError::TooLarge(format!("{name} is larger than the {} limit for one file.", format_bytes(limit)));
    if declared_size.is_some_and(|size| size > limit) {
        return Err(too_large());
    }
    let declared_type = field.content_type().map(str::to_owned);
    let mut held = declared_size.unwrap_or(0).max(0);
    let id = files::reserve(&state.db, writer, project, Some(session), name, declared_type.as_deref(), held)
        .await
        .map_err(upload_error)?;
    // A request cut off mid-way (time limit, lost connection) drops this
    // future: the guard frees the held room then.
    let mut guard = DiscardOnDrop(Some((state.clone(), writer.clone(), id)));
    let key = Storage::file_key(writer.org_id(), id);
    let outcome = async {
        let mut upload = state.storage.upload(&key).await.map_err(AppError::internal)?;
        let mut received: i64 = 0;
        let result = loop {
            let chunk = match field.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break Ok(()),
                Err(err) => break Err(AppError::Request(format!("The upload was cut off: {err}."))),
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

fn upload_error(err: UploadError) -> AppError {
    match err {
        UploadError::NotWritable => AppError::NotFound,
        UploadError::StorageFull { limit_bytes, used_bytes } => storage_full(limit_bytes, used_bytes),
        UploadError::Db(err) => err.into(),
    }
}

/// What an upload answers a script with: the file, or why it was refused.
#[derive(Serialize)]
struct Uploaded {
    session: UploadSessionId,
    files: Vec<ProjectFile>,
    refused: Vec<RefusedFile>,
}

/// `POST /o/{org}/projects/{project}/files`.
///
/// Fields, in order: `session` (an upload session of this project in
/// progress; without it, one is started for this request, optionally in
/// `cycle`), `size` (the next file's size in bytes, so a file over the
/// limit is refused before its bytes are read), then `file` parts.
///
/// Answers: with `Accept: application/json`, 200 and the stored files, or
/// an RFC 7807 problem (413 over the file size or storage limit, 404 for
/// another organization's project or session, 409 for a cancelled
/// session); otherwise 303 to the session's page, which lists refused
/// files with their reasons.
async fn upload(
    State(state): State<AppState>,
    session: Session,
    Path((org, project)): Path<(String, String)>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let json = wants_json(&headers);
    let result = receive(&state, &session, &org, &project, &mut multipart).await;
    if drain_after(&result) {
        drain(&mut multipart).await;
    }
    match result {
        Ok(received) if json => match (received.files.is_empty(), received.last_refusal) {
            (true, Some(err)) => problem(&err),
            _ => Json(Uploaded { session: received.session, files: received.files, refused: received.refused })
                .into_response(),
        },
        Ok(received) => Redirect::to(&format!("/o/{org}/uploads/{}", received.session)).into_response(),
        Err(err) => problem(&err),
    }
}

struct Received {
    session: UploadSessionId,
    files: Vec<ProjectFile>,
    refused: Vec<RefusedFile>,
    /// Why the last file was refused (a script sending one file gets it as
    /// the answer).
    last_refusal: Option<AppError>,
}

async fn receive(
    state: &AppState,
    session: &Session,
    org: &str,
    project: &str,
    multipart: &mut Multipart,
) -> Result<Received, AppError> {
    let ctx = member(state, session, org).await?;
    let writer = ctx.writer(Action::UploadFiles)?;
    let project = writable_project(&state.db, &ctx, project).await?;
    let mut upload_session: Option<(UploadSessionId, bool)> = None;
    let mut cycle = String::new();
    let mut declared_size: Option<i64> = None;
    let mut received =
        Received { session: UploadSessionId::new(), files: Vec::new(), refused: Vec::new(), last_refusal: None };
    let mut count = 0_i64;
    while let Some(mut field) = multipart.next_field().await.map_err(|err| AppError::Request(err.to_string()))? {
        match field.name().unwrap_or_default() {
            "session" => {
                let id: UploadSessionId = app::api::args::parse_id(&short_text(field).await?)?;
                let found = files::find_session(&state.db, &ctx, id).await?.ok_or(AppError::NotFound)?;
                if found.project_id != project.id {
                    return Err(AppError::NotFound);
                }
                if found.status != UploadStatus::InProgress {
                    return Err(AppError::Conflict("This upload session has ended: start a new upload.".into()));
                }
                upload_session = Some((id, true));
            }
            "cycle" => cycle = short_text(field).await?,
            "size" => declared_size = short_text(field).await?.trim().parse().ok(),
            "file" => {
                let raw_name = field.file_name().unwrap_or_default().to_owned();
                if raw_name.is_empty() {
                    // A form sent without a file chosen.
                    continue;
                }
                let (id, declared) = match upload_session {
                    Some(found) => found,
                    None => {
                        let cycle = cycle_of(&state.db, &writer, project.id, &cycle).await?;
                        let id = files::start_session(&state.db, &writer, project.id, cycle, 0)
                            .await?
                            .ok_or(AppError::NotFound)?;
                        upload_session = Some((id, false));
                        (id, false)
                    }
                };
                received.session = id;
                let name = file_name(&raw_name);
                if count >= MAX_FILES_PER_REQUEST {
                    // Listed as refused, its bytes read and dropped.
                    let reason =
                        format!("At most {MAX_FILES_PER_REQUEST} files go in one upload: send the rest again.");
                    let refusal = RefusedFile { name, reason: reason.clone() };
                    if received.refused.len() < MAX_FILES_PER_REQUEST as usize {
                        files::record_arrival(&state.db, &writer, id, &Arrival::Refused(refusal.clone())).await?;
                        received.refused.push(refusal);
                    }
                    received.last_refusal = Some(AppError::Request(reason));
                    while let Ok(Some(_)) = field.chunk().await {}
                    continue;
                }
                count += 1;
                match store_file(state, &writer, project.id, id, &mut field, &name, declared_size.take()).await {
                    Ok(file) => {
                        files::record_arrival(&state.db, &writer, id, &Arrival::Stored { bytes: file.size_bytes })
                            .await?;
                        received.files.push(file);
                    }
                    Err(err @ (AppError::TooLarge(_) | AppError::Conflict(_) | AppError::Request(_))) => {
                        let refusal = RefusedFile { name, reason: err.to_string() };
                        files::record_arrival(&state.db, &writer, id, &Arrival::Refused(refusal.clone())).await?;
                        received.refused.push(refusal);
                        received.last_refusal = Some(err);
                        // What is left of this file is read and dropped.
                        while let Ok(Some(_)) = field.chunk().await {}
                    }
                    Err(err) => return Err(err),
                }
                if declared {
                    files::settle_session(&state.db, &writer, id, None).await?;
                }
            }
            _ => {}
        }
    }
    match upload_session {
        Some((id, false)) => files::settle_session(&state.db, &writer, id, Some(count)).await?,
        Some((_, true)) => {}
        None => return Err(AppError::field("file", "Choose at least one file.")),
    }
    Ok(received)
}

/// `Content-Disposition` for `name` (RFC 6266): `attachment` (or
/// `inline`), an ASCII fallback `filename` with anything else replaced by
/// `_`, and the exact name as `filename*` in UTF-8, percent-encoded
/// (RFC 8187), so no name can break out of the header.
pub fn content_disposition(kind: &str, name: &str) -> HeaderValue {
    let fallback: String = name
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' && c != '%' || c == ' ' { c } else { '_' })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(name, RFC8187).to_string();
    HeaderValue::from_str(&format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// RFC 8187's `attr-char`s stay, everything else is percent-encoded.
const RFC8187: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// A readable file of the organization (not uploading, not trashed).
async fn readable_file(state: &AppState, ctx: &OrgCtx, file: &str) -> Result<ProjectFile, AppError> {
    let id: FileId = app::api::args::parse_id(file)?;
    let file = files::find(&state.db, ctx, id).await?.ok_or(AppError::NotFound)?;
    if file.deleted_at.is_some() || file.status == app::model::FileStatus::Uploading {
        return Err(AppError::NotFound);
    }
    Ok(file)
}

/// Whether a browser may run script in a document of type `mime` (the
/// essence, any case): HTML, XHTML, SVG and any other XML (an XML document
/// can hold SVG or XHTML elements), XSLT, JavaScript and ECMAScript, and
/// any `text/` type but plain text and CSV (a browser may render it as
/// markup). The OWASP File Upload Cheat Sheet's "active content".
pub fn is_active_type(mime: &str) -> bool {
    let essence = mime.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let (top, sub) = essence.split_once('/').unwrap_or((essence.as_str(), ""));
    sub.contains("html")
        || sub.contains("xml")
        || sub.contains("svg")
        || sub.contains("xsl")
        || sub.contains("javascript")
        || sub.contains("ecmascript")
        || (top == "text" && !matches!(sub, "plain" | "csv"))
        || essence.is_empty()
        || sub.is_empty()
}

/// The `Content-Type` a download is sent with: the type read from the
/// bytes, or `application/octet-stream` when there is none yet (before
/// processing, a failed file) or when that type or the one the file's
/// `name` claims is active content ([`is_active_type`]: an SVG without an
/// XML prolog reads as plain text), so that a browser saves it rather
/// than render it under Atrium's origin.
pub fn download_type(stored: &str, name: &str) -> HeaderValue {
    let named_active = type_by_name(name).is_some_and(|named| is_active_type(&named));
    if is_active_type(stored) || named_active {
        return HeaderValue::from_static("application/octet-stream");
    }
    HeaderValue::from_str(stored).unwrap_or(HeaderValue::from_static("application/octet-stream"))
}

/// `GET /o/{org}/files/{file}/download`: the file's bytes, streamed, with
/// its original name. The type is the one read from the bytes, or
/// `application/octet-stream` before processing and for active content
/// ([`download_type`]); `attachment`, `nosniff` and a sandboxing CSP (which
/// the security-headers middleware leaves in place) keep a browser from
/// running what it downloads.
async fn download(
    State(state): State<AppState>,
    session: Session,
    Path((org, file)): Path<(String, String)>,
) -> Response {
    let result = async {
        let ctx = reader(&state, &session, &org).await?;
        let file = readable_file(&state, &ctx, &file).await?;
        let (size, body) =
            state.storage.read(&Storage::file_key(ctx.org_id(), file.id)).await.map_err(AppError::internal)?;
        Ok::<_, AppError>((file, size, body))
    }
    .await;
    let (file, size, body) = match result {
        Ok(found) => found,
        Err(err) => return problem(&err),
    };
    let content_type = match file.status {
        app::model::FileStatus::Ready => file.content_type.as_deref().unwrap_or_default(),
        _ => "",
    };
    let mut response = Body::from_stream(body.map(|chunk| chunk.map_err(std::io::Error::other))).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, download_type(content_type, &file.name));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    headers.insert(header::CONTENT_DISPOSITION, content_disposition("attachment", &file.name));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

/// `GET /o/{org}/files/{file}/thumbnail`: the image's PNG thumbnail.
async fn thumbnail(
    State(state): State<AppState>,
    session: Session,
    Path((org, file)): Path<(String, String)>,
) -> Response {
    let result = async {
        let ctx = reader(&state, &session, &org).await?;
        let file = readable_file(&state, &ctx, &file).await?;
        if !file.has_thumbnail {
            return Err(AppError::NotFound);
        }
        state.storage.read_all(&Storage::thumbnail_key(ctx.org_id(), file.id)).await.map_err(AppError::internal)
    }
    .await;
    match result {
        Ok(png) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
                (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600")),
                (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            ],
            png,
        )
            .into_response(),
        Err(err) => problem(&err),
    }
}

/// Why a CSV upload was refused, as the import page's `error` parameter.
fn import_refusal(org: &str, project: &str, code: &str) -> Response {
    Redirect::to(&format!("/o/{org}/projects/{project}/import?error={code}")).into_response()
}

/// `POST /o/{org}/projects/{project}/imports`: a CSV file (`file`, at most
/// 10 MiB) to import; 303 to the import's page to map its columns. A
/// refused file goes back to the upload form with `?error=` `no_file`,
/// `too_large`, `not_csv` or `storage_full` (the CSV counts towards the
/// storage limit while it is kept), which the form shows beside the field.
async fn upload_import(
    State(state): State<AppState>,
    session: Session,
    Path((org, project)): Path<(String, String)>,
    mut multipart: Multipart,
) -> Response {
    let result = receive_import(&state, &session, &org, &project, &mut multipart).await;
    if matches!(result, Ok(Err(_))) {
        drain(&mut multipart).await;
    }
    match result {
        Ok(Ok(id)) => Redirect::to(&format!("/o/{org}/imports/{id}")).into_response(),
        Ok(Err(code)) => import_refusal(&org, &project, code),
        Err(err) => problem(&err),
    }
}

async fn receive_import(
    state: &AppState,
    session: &Session,
    org: &str,
    project: &str,
    multipart: &mut Multipart,
) -> Result<Result<TaskImportId, &'static str>, AppError> {
    let ctx = member(state, session, org).await?;
    let writer = ctx.writer(Action::UploadFiles)?;
    let project = writable_project(&state.db, &ctx, project).await?;
    while let Some(mut field) = multipart.next_field().await.map_err(|err| AppError::Request(err.to_string()))? {
        if field.name() != Some("file") {
            continue;
        }
        let name = file_name(field.file_name().unwrap_or_default());
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|err| AppError::Request(err.to_string()))? {
            if bytes.len() + chunk.len() > MAX_IMPORT_BYTES {
                return Ok(Err("too_large"));
            }
            bytes.extend_from_slice(&chunk);
        }
        if bytes.is_empty() {
            return Ok(Err("no_file"));
        }
        let usage = app::server::db::orgs::plan_and_usage(&state.db, &ctx).await?;
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        if usage.limits.storage_mb.is_some_and(|mb| usage.storage_bytes + size > i64::from(mb) * 1024 * 1024) {
            return Ok(Err("storage_full"));
        }
        let Ok(columns) = header(&bytes) else {
            return Ok(Err("not_csv"));
        };
        let id = TaskImportId::new();
        let key = Storage::import_key(ctx.org_id(), id);
        state.storage.put(&key, bytes).await.map_err(AppError::internal)?;
        let recorded = imports::insert(&state.db, &writer, id, project.id, &name, size, &columns).await;
        if recorded.is_err() {
            state.storage.delete(&key).await.map_err(AppError::internal)?;
        }
        return match recorded {
            Ok(()) => Ok(Ok(id)),
            // Another upload took the last room since the check above.
            Err(UploadError::StorageFull { .. }) => Ok(Err("storage_full")),
            Err(UploadError::NotWritable) => Err(AppError::NotFound),
            Err(UploadError::Db(err)) => Err(err.into()),
        };
    }
    Ok(Err("no_file"))
}

/// `GET /o/{org}/imports/{import}/errors.csv`: the rows an import refused,
/// with their line and reason, as CSV.
async fn import_errors(
    State(state): State<AppState>,
    session: Session,
    Path((org, import)): Path<(String, String)>,
) -> Response {
    let result = async {
        let ctx = reader(&state, &session, &org).await?;
        let id: TaskImportId = app::api::args::parse_id(&import)?;
        let import = imports::find(&state.db, &ctx, id).await?.ok_or(AppError::NotFound)?;
        readable_project(&state.db, &ctx, &import.project_id.to_string()).await?;
        if import.rows_failed == 0 {
            return Err(AppError::NotFound);
        }
        let bytes = state
            .storage
            .read_all(&Storage::import_errors_key(ctx.org_id(), id))
            .await
            .map_err(|err| if err.is_not_found() { AppError::NotFound } else { AppError::internal(err) })?;
        Ok((import.file_name, bytes))
    }
    .await;
    match result {
        Ok((name, bytes)) => {
            let stem = name.strip_suffix(".csv").unwrap_or(&name);
            (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
                    (header::CONTENT_DISPOSITION, content_disposition("attachment", &format!("{stem}-errors.csv"))),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                ],
                bytes,
            )
                .into_response()
        }
        Err(err) => problem(&err),
    }
}

/// How often an event stream looks for changes.
const EVENT_POLL: Duration = Duration::from_millis(500);
/// An event stream ends after this long (the page opens another).
const EVENT_STREAM_LIFE: Duration = Duration::from_secs(600);

/// Who an event stream is for: the session and organization it was opened
/// with. Access is checked again before every read, so a member removed,
/// or a session signed out (here or on another server), gets nothing more
/// and the stream ends with an `error` event.
struct Watcher {
    state: AppState,
    session: Session,
    org: String,
}

impl Watcher {
    /// The member's context, read afresh (session row, membership, role).
    async fn recheck(&self) -> Result<OrgCtx, AppError> {
        reader(&self.state, &self.session, &self.org).await
    }
}

/// A stream of server-sent events for `watcher`: every [`EVENT_POLL`] it
/// checks the watcher's access again, then reads the current state with
/// `read`; a state that differs from the last one sent goes out as a
/// `progress` event (JSON). It ends after a state that `read` calls final,
/// after [`EVENT_STREAM_LIFE`], or with an `error` event when access is
/// gone or reading failed. A person holds at most
/// [`STREAMS_PER_PERSON`](app::server::streams::STREAMS_PER_PERSON) streams
/// at once: one more answers 429.
fn poll_events<T, F, Fut>(watcher: Watcher, ctx: &OrgCtx, read: F) -> Response
where
    T: Serialize + Send + 'static,
    F: FnMut(AppState, OrgCtx) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(T, bool), AppError>> + Send,
{
    let Some(permit) = watcher.state.streams.open(ctx.user_id()) else {
        return problem(&AppError::RateLimited { retry_after_secs: 5 });
    };
    let started = tokio::time::Instant::now();
    let events =
        stream::unfold((watcher, read, None::<String>, false), move |(watcher, mut read, last, ended)| async move {
            if ended {
                return None;
            }
            loop {
                if started.elapsed() > EVENT_STREAM_LIFE {
                    return None;
                }
                let result = match watcher.recheck().await {
                    Ok(ctx) => read(watcher.state.clone(), ctx).await,
                    Err(err) => Err(err),
                };
                match result {
                    Ok((state, done)) => {
                        let json = serde_json::to_string(&state).unwrap_or_default();
                        if last.as_deref() != Some(json.as_str()) || done {
                            let event =
                                Event::default().event(if done { "done" } else { "progress" }).data(json.clone());
                            return Some((Ok::<_, Infallible>(event), (watcher, read, Some(json), done)));
                        }
                    }
                    Err(err) => {
                        let event = Event::default().event("error").data(err.to_string());
                        return Some((Ok(event), (watcher, read, last, true)));
                    }
                }
                tokio::time::sleep(EVENT_POLL).await;
            }
        });
    // The permit lives as long as the stream does.
    let events = events.map(move |event| {
        let _held = &permit;
        event
    });
    Sse::new(events).keep_alive(KeepAlive::default()).into_response()
}

/// `GET /o/{org}/projects/{project}/files/events`: the project's newest
/// files while any of them is uploading or being processed (`done` once
/// none is).
async fn file_events(
    State(state): State<AppState>,
    session: Session,
    Path((org, project)): Path<(String, String)>,
) -> Response {
    let checked = async {
        let ctx = reader(&state, &session, &org).await?;
        let project = readable_project(&state.db, &ctx, &project).await?;
        Ok::<_, AppError>((ctx, project.id))
    }
    .await;
    let (ctx, project) = match checked {
        Ok(found) => found,
        Err(err) => return problem(&err),
    };
    let watcher = Watcher { state, session, org };
    poll_events(watcher, &ctx, move |state, ctx| async move {
        let page = files::list(&state.db, &ctx, project, FileView::Live, app::api::files::FILES_PER_PAGE, 0).await?;
        let done = !page.items.iter().any(|file| file.status.is_pending());
        Ok((page.items, done))
    })
}

/// `GET /o/{org}/uploads/{session}/events`: the session and its files
/// until it has ended and every file is processed.
async fn session_events(
    State(state): State<AppState>,
    session: Session,
    Path((org, upload)): Path<(String, String)>,
) -> Response {
    let checked = async {
        let ctx = reader(&state, &session, &org).await?;
        let id: UploadSessionId = app::api::args::parse_id(&upload)?;
        let found = files::find_session(&state.db, &ctx, id).await?.ok_or(AppError::NotFound)?;
        readable_project(&state.db, &ctx, &found.project_id.to_string()).await?;
        Ok::<_, AppError>((ctx, id))
    }
    .await;
    let (ctx, id) = match checked {
        Ok(found) => found,
        Err(err) => return problem(&err),
    };
    let watcher = Watcher { state, session, org };
    poll_events(watcher, &ctx, move |state, ctx| async move {
        let upload = files::find_session(&state.db, &ctx, id).await?.ok_or(AppError::NotFound)?;
        let files = files::list_for_session(&state.db, &ctx, id).await?;
        let done = upload.status != UploadStatus::InProgress && !files.iter().any(|f| f.status.is_pending());
        Ok((serde_json::json!({ "session": upload, "files": files }), done))
    })
}

/// `GET /o/{org}/jobs/{job}/events`: one of the organization's jobs until
/// it ends.
async fn job_events(
    State(state): State<AppState>,
    session: Session,
    Path((org, job)): Path<(String, String)>,
) -> Response {
    let checked = async {
        let ctx = reader(&state, &session, &org).await?;
        let id: JobId = app::api::args::parse_id(&job)?;
        jobs::find(&state.db, jobs::JobsOf::Organization(&ctx), id).await?.ok_or(AppError::NotFound)?;
        Ok::<_, AppError>((ctx, id))
    }
    .await;
    let (ctx, id) = match checked {
        Ok(found) => found,
        Err(err) => return problem(&err),
    };
    let watcher = Watcher { state, session, org };
    poll_events(watcher, &ctx, move |state, ctx| async move {
        let job = jobs::find(&state.db, jobs::JobsOf::Organization(&ctx), id).await?.ok_or(AppError::NotFound)?;
        let done = !job.status.is_active();
        Ok((job, done))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_name_makes_a_safe_content_disposition() {
        let header = content_disposition("attachment", "résumé \"final\".pdf");
        assert_eq!(
            header.to_str().unwrap(),
            "attachment; filename=\"r_sum_ _final_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf"
        );
        let tricky = content_disposition("attachment", "a\r\nSet-Cookie: x=1;.txt");
        assert!(!tricky.to_str().unwrap().contains('\n'));
    }

    #[test]
    fn active_content_downloads_as_bytes() {
        for active in [
            "text/html",
            "Text/HTML; charset=utf-8",
            "application/xhtml+xml",
            "image/svg+xml",
            "text/xml",
            "application/xml",
            "text/xsl",
            "text/javascript",
            "application/x-javascript",
            "text/x-shellscript",
            "",
        ] {
            assert_eq!(download_type(active, "file"), "application/octet-stream", "{active}");
        }
        for passive in ["text/plain", "text/csv", "image/png", "application/pdf", "application/zip"] {
            assert_eq!(download_type(passive, "file"), passive);
        }
        assert_eq!(download_type("text/plain", "notes.txt"), "text/plain");
        for name in ["drawing.svg", "page.HTM", "feed.xml", "app.js"] {
            assert_eq!(download_type("text/plain", name), "application/octet-stream", "{name}");
        }
    }
}
