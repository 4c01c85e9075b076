//! CSV downloads (RFC 4180), streamed in batches as they are read:
//! `GET /o/{org}/projects/{project}/tasks.csv`, the task list a person is
//! looking at (same URL parameters as the page), and
//! `GET /o/{org}/audit.csv`, the audit log with the page's filters.

use std::collections::HashMap;

use app::{
    error::AppError,
    model::{Action, AuditEvent, Cycle, CycleId, Project, Task, TaskQuery, args::parse_optional_id, task::format_date},
    server::{
        AppState,
        audit::parse_filter,
        ctx::{OrgCtx, PlatformAdmin},
        db::{
            audit::{self, AuditFilter, AuditScope},
            cycles, tasks,
        },
        projects::readable_project,
    },
};
use axum::{
    body::{Body, Bytes},
    extract::{Path, Query},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use futures_util::{StreamExt, stream};
use time::format_description::well_known::Rfc3339;
use tokio::sync::mpsc;

use crate::{
    extract::{OrgMember, SignedIn},
    problem::problem,
};

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

/// What an export reads, once the request has passed every check.
struct Export {
    ctx: OrgCtx,
    project: Project,
    query: TaskQuery,
    cycle_names: HashMap<CycleId, String>,
}

/// Checks the request, after [`OrgMember`]'s (401 signed out, 404 not a
/// member): 404 for another organization's (or a trashed) project, or a
/// label or member of another organization in the filters; 422 for bad
/// list parameters.
async fn prepare(
    state: &AppState,
    ctx: OrgCtx,
    project: &str,
    params: &HashMap<String, String>,
) -> Result<Export, AppError> {
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
    Path((_, project)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
    OrgMember { state, org, .. }: OrgMember,
) -> Response {
    let Export { ctx, project, query, cycle_names } = match prepare(&state, org, &project, &params).await {
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

/// The audit log's filters from the query: 422 for bad ones.
fn audit_filter(params: &HashMap<String, String>) -> Result<AuditFilter, AppError> {
    let param = |name: &str| params.get(name).map_or("", String::as_str);
    parse_filter(param("action"), param("actor"), param("from"), param("to"), "")
}

/// `GET /o/{org}/audit.csv?action=&actor=&from=&to=`: every event the
/// filters match, newest first, read in keyset batches of 500 (each its
/// own short statement, within the export slots) and written as they come.
/// 401 signed out, 404 not a member ([`OrgMember`]), 403 below Admin, 422
/// for bad filters.
pub async fn audit_csv(
    Path(org): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    member: OrgMember,
) -> Response {
    let prepared = async {
        let scope = AuditScope::Organization(member.org.audit_viewer()?);
        Ok::<_, AppError>((scope, audit_filter(&params)?))
    }
    .await;
    match prepared {
        Ok((scope, filter)) => {
            stream_audit(member.state, scope, filter, format!("{}-audit.csv", slug_for_filename(&org)))
        }
        Err(err) => problem(&err),
    }
}

/// `GET /admin/audit.csv?org=&action=&actor=&from=&to=`: the platform's
/// audit log (every organization's events and people's own), for platform
/// admins: 401 signed out ([`SignedIn`]), 404 for everyone else (and for
/// a malformed `org`), 422 for bad filters.
pub async fn platform_audit_csv(Query(params): Query<HashMap<String, String>>, signed_in: SignedIn) -> Response {
    let prepared = async {
        let org = params.get("org").map_or("", String::as_str);
        let scope = AuditScope::Platform(
            PlatformAdmin::load(&signed_in.state.db, signed_in.user.id).await?,
            parse_optional_id(org)?,
        );
        Ok::<_, AppError>((scope, audit_filter(&params)?))
    }
    .await;
    match prepared {
        Ok((scope, filter)) => stream_audit(signed_in.state, scope, filter, "platform-audit.csv".to_owned()),
        Err(err) => problem(&err),
    }
}

/// The audit log of `scope` that `filter` matches, as a CSV download
/// named `filename`.
fn stream_audit(state: AppState, scope: AuditScope, mut filter: AuditFilter, filename: String) -> Response {
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
