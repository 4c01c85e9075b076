//! CSV downloads (RFC 4180), streamed in batches as they are read:
//! `GET /o/{org}/projects/{project}/tasks.csv`, the task list a person is
//! looking at (same URL parameters as the page), and
//! `GET /o/{org}/audit.csv`, the audit log with the page's filters.

use std::collections::HashMap;

use app::{
    api::{audit::parse_filter, projects::readable_project},
    error::AppError,
    model::{Action, AuditEvent, Cycle, CycleId, Project, Task, TaskQuery, task::format_date},
    server::{
        AppState,
        ctx::{OrgCtx, PlatformAdmin, signed_in_user},
        db::{
            audit::{self, AuditFilter, AuditScope},
            cycles, tasks,
        },
    },
};
use axum::{
    body::{Body, Bytes},
    extract::{Path, Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures_util::{StreamExt, stream};
use time::format_description::well_known::Rfc3339;
use tokio::sync::mpsc;
use tower_sessions::Session;

/// Tasks read (and written out) per batch.
const BATCH: u32 = 500;

const HEADER: [&str; 11] = [
    "id",
    "title",
    "status",
    "priority",
    "due_on",
    "assignee",
    "labels",
    "cycle",
    "created_at",
    "completed_at",
    "description",
];

pub use app::server::csv_out::neutralize_formula;
use app::server::csv_out::{write_row, writer};

fn record(task: &Task, cycle_names: &HashMap<app::model::CycleId, String>) -> [String; 11] {
    let labels = task.labels.iter().map(|l| l.name.as_str()).collect::<Vec<_>>().join("; ");
    [
        task.id.to_string(),
        task.title.clone(),
        if task.is_done() { "done" } else { "open" }.to_owned(),
        task.priority.as_str().to_owned(),
        task.due_on.map(format_date).unwrap_or_default(),
        task.assignee.as_ref().map(|a| a.display_name.clone()).unwrap_or_default(),
        labels,
        task.cycle_id.and_then(|id| cycle_names.get(&id).cloned()).unwrap_or_default(),
        task.created_at.format(&Rfc3339).unwrap_or_default(),
        task.completed_at.and_then(|t| t.format(&Rfc3339).ok()).unwrap_or_default(),
        task.description.clone(),
    ]
}

/// Writes `rows` as CSV (RFC 4180: CRLF line ends, quoting as needed).
fn csv_bytes(rows: impl IntoIterator<Item = [String; 11]>, header: bool) -> Result<Vec<u8>, csv::Error> {
    let mut csv = writer();
    if header {
        write_row(&mut csv, HEADER)?;
    }
    for row in rows {
        write_row(&mut csv, &row)?;
    }
    csv.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// An RFC 7807 problem response for `err`, with its status; a validation
/// error also lists its messages per list parameter under `errors`, and
/// a rate-limited one says when to try again (`Retry-After`).
pub fn problem(err: &AppError) -> Response {
    let status = StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut body = serde_json::json!({
        "type": "about:blank", "title": status.canonical_reason(), "status": status.as_u16(), "detail": err.to_string(),
    });
    if let AppError::Validation(errors) = err {
        body["errors"] = serde_json::json!(errors.fields);
    }
    let mut response =
        (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"))], body.to_string())
            .into_response();
    // RFC 9110 section 10.2.3: when to try again.
    if let AppError::RateLimited { retry_after_secs } = err {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
    }
    response
}

/// What an export reads, once the request has passed every check.
struct Export {
    ctx: OrgCtx,
    project: Project,
    query: TaskQuery,
    cycle_names: HashMap<CycleId, String>,
}

/// Checks the request: 401 signed out; 404 for another organization's (or
/// a trashed) project, or a label or member of another organization in the
/// filters; 422 for bad list parameters.
async fn prepare(
    state: &AppState,
    session: &Session,
    org: &str,
    project: &str,
    params: &HashMap<String, String>,
) -> Result<Export, AppError> {
    let user = signed_in_user(state, session).await?.ok_or(AppError::Unauthenticated)?;
    let ctx = OrgCtx::load(&state.db, user.id, org).await?;
    ctx.check(Action::ViewWork)?;
    let project = readable_project(&state.db, &ctx, project).await?;
    let (query, errors) = TaskQuery::from_params(|name| params.get(name).cloned());
    errors.into_result()?;
    if !tasks::filter_ids_exist(&state.db, &ctx, &query).await? {
        return Err(AppError::NotFound);
    }
    let cycle_names = cycles::list_for_project(&state.db, &ctx, project.id)
        .await?
        .into_iter()
        .map(|c: Cycle| (c.id, c.name))
        .collect();
    Ok(Export { ctx, project, query, cycle_names })
}

/// The handler: the checks of [`prepare`] as RFC 7807 problems, then the
/// CSV, streamed.
pub async fn tasks_csv(
    State(state): State<AppState>,
    session: Session,
    Path((org, project)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Export { ctx, project, query, cycle_names } = match prepare(&state, &session, &org, &project, &params).await {
        Ok(export) => export,
        Err(err) => return problem(&err),
    };

    // One batch waits in the channel while the client takes the last: a
    // client that stops reading stops the reads, holding no connection (and
    // the listener's write timeout ends the response).
    let (sender, receiver) = mpsc::channel(1);
    let db = state.db.clone();
    let slots = state.export_slots.clone();
    let today = time::OffsetDateTime::now_utc().date();
    tokio::spawn(async move { tasks::export(&db, &ctx, project.id, &query, today, BATCH, &slots, sender).await });

    let body = stream::unfold((receiver, true), move |(mut receiver, first)| {
        let cycle_names = cycle_names.clone();
        async move {
            let chunk = match receiver.recv().await {
                None if first => csv_bytes([], true),
                None => return None,
                Some(Ok(batch)) => csv_bytes(batch.iter().map(|task| record(task, &cycle_names)), first),
                Some(Err(err)) => {
                    // Headers are sent: all that is left is to cut the body short.
                    tracing::error!(error = %err, "task export failed");
                    return Some((Err(std::io::Error::other("export failed")), (receiver, false)));
                }
            };
            Some((chunk.map(Bytes::from).map_err(std::io::Error::other), (receiver, false)))
        }
    })
    // The compression layer polls once more after the end; unfold panics
    // on that unless fused.
    .fuse();
    let filename = format!("attachment; filename=\"{}-tasks.csv\"", slug_for_filename(&project.name));
    let mut response = Body::from_stream(body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(value) = HeaderValue::from_str(&filename) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

const AUDIT_HEADER: [&str; 10] =
    ["id", "time", "event", "actor_email", "actor_id", "target_type", "target_id", "ip", "user_agent", "details"];

fn audit_record(event: &AuditEvent) -> [String; 10] {
    [
        event.id.to_string(),
        event.created_at.format(&Rfc3339).unwrap_or_default(),
        event.action.as_str().to_owned(),
        event.actor_email.clone().unwrap_or_default(),
        event.actor_id.map(|id| id.to_string()).unwrap_or_default(),
        event.target_type.clone().unwrap_or_default(),
        event.target_id.clone().unwrap_or_default(),
        event.ip.clone().unwrap_or_default(),
        event.user_agent.clone().unwrap_or_default(),
        event.details.clone(),
    ]
}

/// Writes audit `rows` as CSV, with the header first when `header`.
fn audit_csv_bytes(rows: impl IntoIterator<Item = [String; 10]>, header: bool) -> Result<Vec<u8>, csv::Error> {
    let mut csv = writer();
    if header {
        write_row(&mut csv, AUDIT_HEADER)?;
    }
    for row in rows {
        write_row(&mut csv, &row)?;
    }
    csv.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Whose audit log a download is of.
enum AuditSource<'a> {
    /// `/o/{org}/audit.csv`: the organization's, for its Admins.
    Organization(&'a str),
    /// `/admin/audit.csv`: everyone's, for platform admins.
    Platform,
}

/// The audit log's checks: 401 signed out, 404 for an organization the
/// person is not in (or the platform log for anyone but a platform admin),
/// 403 below Admin, 422 for bad filters.
async fn prepare_audit(
    state: &AppState,
    session: &Session,
    source: &AuditSource<'_>,
    params: &HashMap<String, String>,
) -> Result<(AuditScope, AuditFilter), AppError> {
    let user = signed_in_user(state, session).await?.ok_or(AppError::Unauthenticated)?;
    let param = |name: &str| params.get(name).map_or("", String::as_str);
    let scope = match source {
        AuditSource::Organization(org) => {
            AuditScope::Organization(OrgCtx::load(&state.db, user.id, org).await?.audit_viewer()?)
        }
        AuditSource::Platform => AuditScope::Platform(
            PlatformAdmin::load(&state.db, user.id).await?,
            app::api::args::parse_optional_id(param("org"))?,
        ),
    };
    let filter = parse_filter(param("action"), param("actor"), param("from"), param("to"), "")?;
    Ok((scope, filter))
}

/// `GET /o/{org}/audit.csv?action=&actor=&from=&to=`: every event the
/// filters match, newest first, read in keyset batches of 500 (each its
/// own short statement, within the export slots) and written as they come.
pub async fn audit_csv(
    State(state): State<AppState>,
    session: Session,
    Path(org): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    stream_audit(state, session, AuditSource::Organization(&org), params).await
}

/// `GET /admin/audit.csv?org=&action=&actor=&from=&to=`: the platform's
/// audit log (every organization's events and people's own), for platform
/// admins; 404 for everyone else.
pub async fn platform_audit_csv(
    State(state): State<AppState>,
    session: Session,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    stream_audit(state, session, AuditSource::Platform, params).await
}

async fn stream_audit(
    state: AppState,
    session: Session,
    source: AuditSource<'_>,
    params: HashMap<String, String>,
) -> Response {
    let (scope, mut filter) = match prepare_audit(&state, &session, &source, &params).await {
        Ok(prepared) => prepared,
        Err(err) => return problem(&err),
    };
    let filename = match source {
        AuditSource::Organization(org) => format!("{}-audit.csv", slug_for_filename(org)),
        AuditSource::Platform => "platform-audit.csv".to_owned(),
    };
    let (sender, receiver) = mpsc::channel::<Result<Vec<AuditEvent>, sqlx::Error>>(1);
    let db = state.db.clone();
    let slots = state.export_slots.clone();
    tokio::spawn(async move {
        loop {
            let page = {
                let Ok(_slot) = slots.acquire().await else { return };
                audit::list(&db, &scope, &filter, BATCH).await
            };
            let (items, next) = match page {
                Ok(page) => (page.items, page.next),
                Err(err) => {
                    let _ = sender.send(Err(err)).await;
                    return;
                }
            };
            if sender.send(Ok(items)).await.is_err() || next.is_none() {
                return;
            }
            filter.before = next;
        }
    });
    let body = stream::unfold((receiver, true), move |(mut receiver, first)| async move {
        let chunk = match receiver.recv().await {
            None if first => audit_csv_bytes([], true),
            None => return None,
            Some(Ok(batch)) => audit_csv_bytes(batch.iter().map(audit_record), first),
            Some(Err(err)) => {
                tracing::error!(error = %err, "audit export failed");
                return Some((Err(std::io::Error::other("export failed")), (receiver, false)));
            }
        };
        Some((chunk.map(Bytes::from).map_err(std::io::Error::other), (receiver, false)))
    })
    .fuse();
    let mut response = Body::from_stream(body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A file-name-safe version of a project name: ASCII letters, digits and
/// hyphens.
fn slug_for_filename(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if slug.is_empty() { "project".to_owned() } else { slug }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralized() {
        assert_eq!(neutralize_formula("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(neutralize_formula("@cmd"), "'@cmd");
        assert_eq!(neutralize_formula("-1"), "'-1");
        assert_eq!(neutralize_formula("Plain title"), "Plain title");
    }

    #[test]
    fn csv_quotes_commas_quotes_and_line_breaks_with_crlf_records() {
        let row = ["1", "a, \"b\"", "open", "none", "", "", "", "", "", "", "line1\nline2"].map(String::from);
        let bytes = csv_bytes([row], true).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with(
            "id,title,status,priority,due_on,assignee,labels,cycle,created_at,completed_at,description\r\n"
        ));
        assert!(text.contains("1,\"a, \"\"b\"\"\",open,none,,,,,,,\"line1\nline2\"\r\n"), "{text}");
    }

    #[test]
    fn file_names_are_ascii_slugs() {
        assert_eq!(slug_for_filename("Café Launch / Q3"), "caf-launch-q3");
        assert_eq!(slug_for_filename("🚀"), "project");
    }
}
