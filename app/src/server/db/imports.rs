//! `task_imports`: CSV files of tasks on their way into a project. The
//! file is in object storage; the row holds its header, the mapping, and
//! how the import went (live progress is its job's).

use crate::{
    model::{ImportMapping, ImportStatus, JobId, OrgId, ProjectId, TaskImport, TaskImportId},
    server::ctx::{OrgCtx, Writer},
};

use super::projects::{ProjectAccess, rule};
use super::scope::Scope;
use super::{Db, Timestamp, with_pool};

/// How long a finished import (and its error report) is kept.
pub const KEEP_FINISHED: time::Duration = time::Duration::days(30);

#[derive(sqlx::FromRow)]
struct ImportRow {
    id: TaskImportId,
    project_id: ProjectId,
    file_name: String,
    size_bytes: i64,
    columns: String,
    mapping: Option<String>,
    status: ImportStatus,
    job_id: Option<JobId>,
    rows_total: Option<i64>,
    rows_imported: i64,
    rows_failed: i64,
    created_at: Timestamp,
    finished_at: Option<Timestamp>,
}

impl From<ImportRow> for TaskImport {
    fn from(row: ImportRow) -> Self {
        TaskImport {
            id: row.id,
            project_id: row.project_id,
            file_name: row.file_name,
            size_bytes: row.size_bytes,
            columns: serde_json::from_str(&row.columns).unwrap_or_default(),
            mapping: row.mapping.and_then(|m| serde_json::from_str(&m).ok()),
            status: row.status,
            job_id: row.job_id,
            rows_total: row.rows_total,
            rows_imported: row.rows_imported,
            rows_failed: row.rows_failed,
            created_at: row.created_at.into_inner(),
            finished_at: row.finished_at.map(Timestamp::into_inner),
        }
    }
}

const COLUMNS: &str = "id, project_id, file_name, size_bytes, columns, mapping, status, job_id, rows_total, \
     rows_imported, rows_failed, created_at, finished_at";

/// Records the uploaded CSV `id` (stored already) for `project`; `false`
/// when the project takes no new tasks (archived, trashed).
pub async fn insert(
    db: &Db,
    ctx: &Writer,
    id: TaskImportId,
    project: ProjectId,
    file_name: &str,
    size_bytes: i64,
    columns: &[String],
) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "INSERT INTO task_imports (id, org_id, project_id, created_by, file_name, size_bytes, columns, status, \
           rows_imported, rows_failed, created_at, updated_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, 'draft', 0, 0, $8, $8 WHERE {}",
        rule(db.backend(), ProjectAccess::Write, "$2", "$3")
    );
    let columns = serde_json::to_string(columns).unwrap_or_else(|_| "[]".to_owned());
    with_pool!(db, Scope::Tenant(ctx.org_id()), conn => {
        let done = sqlx::query(&sql)
            .bind(id)
            .bind(ctx.org_id())
            .bind(project)
            .bind(ctx.user_id())
            .bind(file_name)
            .bind(size_bytes)
            .bind(columns)
            .bind(Timestamp::now())
            .execute(&mut *conn)
            .await?;
        Ok(done.rows_affected() == 1)
    })
}

/// The import `id` of the organization; `None` for another's.
pub async fn find(db: &Db, ctx: &OrgCtx, id: TaskImportId) -> Result<Option<TaskImport>, sqlx::Error> {
    find_in(db, ctx.org_id(), id).await
}

/// [`find`] for a job, by organization id.
pub async fn find_in(db: &Db, org: OrgId, id: TaskImportId) -> Result<Option<TaskImport>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM task_imports WHERE org_id = $1 AND id = $2");
    let row = with_pool!(db, Scope::Tenant(org), conn => {
        sqlx::query_as::<_, ImportRow>(&sql).bind(org).bind(id).fetch_optional(&mut *conn).await?
    });
    Ok(row.map(TaskImport::from))
}

/// `project`'s most recent imports, newest first.
pub async fn recent(db: &Db, ctx: &OrgCtx, project: ProjectId, limit: i64) -> Result<Vec<TaskImport>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM task_imports WHERE org_id = $1 AND project_id = $2 \
         ORDER BY created_at DESC, id DESC LIMIT $3"
    );
    let rows = with_pool!(db, Scope::Tenant(ctx.org_id()), conn => {
        sqlx::query_as::<_, ImportRow>(&sql).bind(ctx.org_id()).bind(project).bind(limit).fetch_all(&mut *conn).await?
    });
    Ok(rows.into_iter().map(TaskImport::from).collect())
}

/// Starts the draft import `id` with `mapping`, before its job is queued
/// (so a second start, or a job that runs at once, finds it importing).
/// `false` when it is not a draft (started already).
pub async fn start(db: &Db, ctx: &Writer, id: TaskImportId, mapping: &ImportMapping) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE task_imports SET status = 'importing', mapping = $3, updated_at = $4 \
               WHERE org_id = $1 AND id = $2 AND status = 'draft'";
    let mapping = serde_json::to_string(mapping).unwrap_or_default();
    with_pool!(db, Scope::Tenant(ctx.org_id()), conn => {
        let done = sqlx::query(sql).bind(ctx.org_id()).bind(id).bind(mapping).bind(Timestamp::now()).execute(&mut *conn).await?;
        Ok(done.rows_affected() == 1)
    })
}

/// Records the job that runs the import `id`.
pub async fn set_job(db: &Db, ctx: &Writer, id: TaskImportId, job: JobId) -> Result<(), sqlx::Error> {
    let sql = "UPDATE task_imports SET job_id = $3 WHERE org_id = $1 AND id = $2";
    with_pool!(db, Scope::Tenant(ctx.org_id()), conn => {
        sqlx::query(sql).bind(ctx.org_id()).bind(id).bind(job).execute(&mut *conn).await?;
    });
    Ok(())
}

/// Records counts as the import goes; with `status`, it ended.
pub async fn record(
    db: &Db,
    org: OrgId,
    id: TaskImportId,
    rows_total: Option<i64>,
    imported: i64,
    failed: i64,
    status: Option<ImportStatus>,
) -> Result<(), sqlx::Error> {
    let now = Timestamp::now();
    let sql = "UPDATE task_imports SET rows_total = COALESCE($3, rows_total), rows_imported = $4, rows_failed = $5, \
                 status = COALESCE($6, status), finished_at = CASE WHEN $6 IS NULL THEN finished_at ELSE $7 END, \
                 updated_at = $7 \
               WHERE org_id = $1 AND id = $2";
    with_pool!(db, Scope::Tenant(org), conn => {
        sqlx::query(sql)
            .bind(org)
            .bind(id)
            .bind(rows_total)
            .bind(imported)
            .bind(failed)
            .bind(status)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    });
    Ok(())
}

/// Ends the import `id` with `status`, keeping its counts.
pub async fn end(db: &Db, org: OrgId, id: TaskImportId, status: ImportStatus) -> Result<(), sqlx::Error> {
    let sql = "UPDATE task_imports SET status = $3, finished_at = $4, updated_at = $4 WHERE org_id = $1 AND id = $2";
    with_pool!(db, Scope::Tenant(org), conn => {
        sqlx::query(sql).bind(org).bind(id).bind(status).bind(Timestamp::now()).execute(&mut *conn).await?;
    });
    Ok(())
}

/// Ends the import run by `job`, if it is still importing, with `status`
/// (its job was cancelled before it ran).
pub async fn end_for_job(db: &Db, org: OrgId, job: JobId, status: ImportStatus) -> Result<(), sqlx::Error> {
    let sql = "UPDATE task_imports SET status = $3, finished_at = $4, updated_at = $4 \
               WHERE org_id = $1 AND job_id = $2 AND status = 'importing'";
    with_pool!(db, Scope::Tenant(org), conn => {
        sqlx::query(sql).bind(org).bind(job).bind(status).bind(Timestamp::now()).execute(&mut *conn).await?;
    });
    Ok(())
}

/// Deletes imports finished before `before`, and drafts made before then
/// and never started (their files go with them, see `deleted_objects`).
pub async fn forget_finished(db: &Db, before: Timestamp) -> Result<u64, sqlx::Error> {
    let sql = "DELETE FROM task_imports /* maintenance: every organization */ \
               WHERE (finished_at IS NOT NULL AND finished_at < $1) OR (status = 'draft' AND created_at < $1)";
    with_pool!(db, Scope::EveryTenant, conn => Ok(sqlx::query(sql).bind(before).execute(&mut *conn).await?.rows_affected()))
}
