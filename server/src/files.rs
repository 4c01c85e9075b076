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
//! Every route checks the session and membership as pages do (the
//! [`OrgMember`] extractor); another organization's id answers 404.

use std::{convert::Infallible, time::Duration};

use app::{
    error::AppError,
    model::{
        Action, FileId, JobId, ProjectFile, RefusedFile, TaskImportId, UploadSessionId, UploadStatus,
        args::parse_id,
        file::{FILES_PER_PAGE, file_name},
    },
    server::{
        AppState,
        ctx::OrgCtx,
        db::{
            files::{self, FileView},
            imports, jobs,
        },
        file_processing::type_by_name,
        projects::{readable_project, writable_project},
        storage::Storage,
        uploads::{self, Received, Upload},
    },
};
use axum::{
    Json, Router,
    body::Body,
    extract::{DefaultBodyLimit, Multipart, Path, multipart::Field},
    http::{HeaderMap, HeaderValue, header},
    response::{
        IntoResponse, Redirect, Response,
        sse::{Event, KeepAlive, Sse},
    },
    routing::{get, post},
};
use futures_util::{StreamExt, stream};
use serde::Serialize;

use crate::{
    extract::{OrgMember, Rejection},
    problem::problem,
};

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

/// Whether `path` takes an upload (for the longer request time limit).
pub fn is_upload_path(path: &str) -> bool {
    path.starts_with("/o/") && (path.ends_with("/files") || path.ends_with("/imports"))
}

/// The member's context when they may read the organization's work
/// (every role may).
fn reader(ctx: OrgCtx) -> Result<OrgCtx, AppError> {
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
fn drain_after(err: &AppError) -> bool {
    !matches!(err, AppError::Unauthenticated | AppError::Forbidden | AppError::NotFound | AppError::Request(_))
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
/// limit is refused before its bytes are read), then `file` parts (at most
/// [`uploads::MAX_FILES_PER_REQUEST`] stored).
///
/// Answers: with `Accept: application/json`, 200 and the stored files, or
/// an RFC 7807 problem (401 signed out, 413 over the file size or storage
/// limit, 404 for another organization's project or session, 409 for a
/// cancelled session); otherwise 303 to the session's page, which lists
/// refused files with their reasons.
async fn upload(
    Path((org, project)): Path<(String, String)>,
    headers: HeaderMap,
    member: Result<OrgMember, Rejection>,
    mut multipart: Multipart,
) -> Response {
    let json = wants_json(&headers);
    let result = match member {
        Ok(member) => receive(member, &project, &mut multipart).await,
        Err(Rejection::App(err)) => Err(err),
        Err(refused) => return refused.into_response(),
    };
    if result.as_ref().is_err_and(drain_after) {
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

/// The upload's fields, in order, given to [`Upload`].
async fn receive(member: OrgMember, project: &str, multipart: &mut Multipart) -> Result<Received, AppError> {
    let OrgMember { state, org: ctx, .. } = member;
    let writer = ctx.writer(Action::UploadFiles)?;
    let project = writable_project(&state.db, &ctx, project).await?;
    let mut upload = Upload::new(writer, project.id);
    let mut cycle = String::new();
    let mut declared_size: Option<i64> = None;
    while let Some(mut field) = multipart.next_field().await.map_err(|err| AppError::Request(err.to_string()))? {
        match field.name().unwrap_or_default() {
            "session" => upload.use_session(&state.db, &short_text(field).await?).await?,
            "cycle" => cycle = short_text(field).await?,
            "size" => declared_size = short_text(field).await?.trim().parse().ok(),
            "file" => {
                let raw_name = field.file_name().unwrap_or_default().to_owned();
                if raw_name.is_empty() {
                    // A form sent without a file chosen.
                    continue;
                }
                let declared_type = field.content_type().map(str::to_owned);
                let name = file_name(&raw_name);
                upload.file(&state, &cycle, name, declared_type.as_deref(), declared_size.take(), &mut field).await?;
            }
            _ => {}
        }
    }
    upload.finish(&state.db).await
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
    let id: FileId = parse_id(file)?;
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
async fn download(Path((_, file)): Path<(String, String)>, member: OrgMember) -> Response {
    let OrgMember { state, org, .. } = member;
    let result = async {
        let ctx = reader(org)?;
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
async fn thumbnail(Path((_, file)): Path<(String, String)>, member: OrgMember) -> Response {
    let OrgMember { state, org, .. } = member;
    let result = async {
        let ctx = reader(org)?;
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
    Path((org, project)): Path<(String, String)>,
    member: Result<OrgMember, Rejection>,
    mut multipart: Multipart,
) -> Response {
    let result = match member {
        Ok(member) => receive_import(member, &project, &mut multipart).await,
        Err(refused) => return refused.into_response(),
    };
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
    member: OrgMember,
    project: &str,
    multipart: &mut Multipart,
) -> Result<Result<TaskImportId, &'static str>, AppError> {
    let OrgMember { state, org: ctx, .. } = member;
    let writer = ctx.writer(Action::UploadFiles)?;
    let project = writable_project(&state.db, &ctx, project).await?;
    while let Some(mut field) = multipart.next_field().await.map_err(|err| AppError::Request(err.to_string()))? {
        if field.name() != Some("file") {
            continue;
        }
        let name = file_name(field.file_name().unwrap_or_default());
        let stored = uploads::store_import(&state, &writer, project.id, &name, &mut field).await?;
        return Ok(stored.map_err(uploads::ImportRefusal::code));
    }
    Ok(Err(uploads::ImportRefusal::NoFile.code()))
}

/// `GET /o/{org}/imports/{import}/errors.csv`: the rows an import refused,
/// with their line and reason, as CSV.
async fn import_errors(Path((_, import)): Path<(String, String)>, member: OrgMember) -> Response {
    let OrgMember { state, org, .. } = member;
    let result = async {
        let ctx = reader(org)?;
        let id: TaskImportId = parse_id(&import)?;
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

/// Who an event stream is for: the member who opened it. Access is
/// checked again before every read ([`OrgMember::recheck`]), so a member
/// removed, or a session signed out (here or on another server), gets
/// nothing more and the stream ends with an `error` event.
struct Watcher(OrgMember);

impl Watcher {
    /// The member's context, read afresh (session row, membership, role).
    async fn recheck(&self) -> Result<OrgCtx, AppError> {
        reader(self.0.recheck().await?)
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
fn poll_events<T, F, Fut>(watcher: Watcher, read: F) -> Response
where
    T: Serialize + Send + 'static,
    F: FnMut(AppState, OrgCtx) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(T, bool), AppError>> + Send,
{
    let Some(permit) = watcher.0.state.streams.open(watcher.0.org.user_id()) else {
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
                    Ok(ctx) => read(watcher.0.state.clone(), ctx).await,
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
async fn file_events(Path((_, project)): Path<(String, String)>, member: OrgMember) -> Response {
    let checked = async {
        let ctx = reader(member.org.clone())?;
        let project = readable_project(&member.state.db, &ctx, &project).await?;
        Ok::<_, AppError>(project.id)
    }
    .await;
    let project = match checked {
        Ok(found) => found,
        Err(err) => return problem(&err),
    };
    poll_events(Watcher(member), move |state, ctx| async move {
        let page = files::list(&state.db, &ctx, project, FileView::Live, FILES_PER_PAGE, 0).await?;
        let done = !page.items.iter().any(|file| file.status.is_pending());
        Ok((page.items, done))
    })
}

/// `GET /o/{org}/uploads/{session}/events`: the session and its files
/// until it has ended and every file is processed.
async fn session_events(Path((_, upload)): Path<(String, String)>, member: OrgMember) -> Response {
    let checked = async {
        let ctx = reader(member.org.clone())?;
        let db = &member.state.db;
        let id: UploadSessionId = parse_id(&upload)?;
        let found = files::find_session(db, &ctx, id).await?.ok_or(AppError::NotFound)?;
        readable_project(db, &ctx, &found.project_id.to_string()).await?;
        Ok::<_, AppError>(id)
    }
    .await;
    let id = match checked {
        Ok(found) => found,
        Err(err) => return problem(&err),
    };
    poll_events(Watcher(member), move |state, ctx| async move {
        let upload = files::find_session(&state.db, &ctx, id).await?.ok_or(AppError::NotFound)?;
        let files = files::list_for_session(&state.db, &ctx, id).await?;
        let done = upload.status != UploadStatus::InProgress && !files.iter().any(|f| f.status.is_pending());
        Ok((serde_json::json!({ "session": upload, "files": files }), done))
    })
}

/// `GET /o/{org}/jobs/{job}/events`: one of the organization's jobs until
/// it ends.
async fn job_events(Path((_, job)): Path<(String, String)>, member: OrgMember) -> Response {
    let checked = async {
        let ctx = reader(member.org.clone())?;
        let id: JobId = parse_id(&job)?;
        jobs::find(&member.state.db, jobs::JobsOf::Organization(&ctx), id).await?.ok_or(AppError::NotFound)?;
        Ok::<_, AppError>(id)
    }
    .await;
    let id = match checked {
        Ok(found) => found,
        Err(err) => return problem(&err),
    };
    poll_events(Watcher(member), move |state, ctx| async move {
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
