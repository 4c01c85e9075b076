//! `task_imports`: CSV files of tasks on their way into a project. The
//! file is in object storage; the row holds its header, the mapping, and
//! how the import went (live progress is its job's).

use crate::{
    model::{ImportMapping, ImportStatus, JobId, OrgId, ProjectId, TaskFields, TaskId, TaskImport, TaskImportId},
    server::handles::{OrgCtx, Writer},
};

use super::files::{LOCK_ORGANIZATION, UploadError, check_room};
use super::projects::{ProjectAccess, rule};
use super::scope::Scope;
use super::sql::{Sql, bind_args};
use super::tasks::{INSERT_BATCH, TaskWriteError, insert_rows};
use super::{
    Db, Timestamp,
    events::{self, NewEvent},
    with_pool,
};

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
    rows_consumed: i64,
    error: Option<String>,
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
            error: row.error,
            created_at: row.created_at.into_inner(),
            finished_at: row.finished_at.map(Timestamp::into_inner),
        }
    }
}

const COLUMNS: &str = "id, project_id, file_name, size_bytes, columns, mapping, status, job_id, rows_total, \
     rows_imported, rows_failed, rows_consumed, error, created_at, finished_at";

/// Records the uploaded CSV `id` (stored already, `size_bytes` long) for
/// `project`. Its bytes count towards the organization's storage limit:
/// the check and the insert are one transaction that locks the
/// organization, like a file's (`files::reserve`), so an import and an
/// upload cannot both take the last room.
///
/// Errors: `NotWritable` when the project takes no new tasks (archived,
/// trashed); `StorageFull`.
#[tracing::instrument(
    name = "imports::insert",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id, project = %project)
)]
pub async fn insert(
    db: &Db,
    ctx: &Writer,
    id: TaskImportId,
    project: ProjectId,
    file_name: &str,
    size_bytes: i64,
    columns: &[String],
) -> Result<(), UploadError> {
    let sql = format!(
        "INSERT INTO task_imports (id, org_id, project_id, created_by, file_name, size_bytes, columns, status, \
           rows_imported, rows_failed, created_at, updated_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, 'draft', 0, 0, $8, $8 WHERE {}",
        rule(db.backend(), ProjectAccess::Write, "$2", "$3")
    );
    let columns = serde_json::to_string(columns).unwrap_or_else(|_| "[]".to_owned());
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        sqlx::query(LOCK_ORGANIZATION).bind(ctx.org_id()).execute(&mut *tx).await?;
        check_room!(tx, ctx.org_id(), size_bytes);
        let done = sqlx::query(&sql)
            .bind(id)
            .bind(ctx.org_id())
            .bind(project)
            .bind(ctx.user_id())
            .bind(file_name)
            .bind(size_bytes)
            .bind(columns)
            .bind(Timestamp::now())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(UploadError::NotWritable);
        }
        tx.commit().await?;
        Ok(())
    })
}

/// The import `id` of the organization; `None` for another's.
#[tracing::instrument(
    name = "imports::find",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn find(db: &Db, ctx: &OrgCtx, id: TaskImportId) -> Result<Option<TaskImport>, sqlx::Error> {
    find_in(db, ctx.org_id(), id).await
}

/// [`find`] by organization id.
#[tracing::instrument(
    name = "imports::find_in",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org, id = %id)
)]
pub async fn find_in(db: &Db, org: OrgId, id: TaskImportId) -> Result<Option<TaskImport>, sqlx::Error> {
    Ok(find_for_run(db, org, id).await?.map(|(import, _)| import))
}

/// The import `id` of `org`, and how many of its records are committed
/// (its job's next attempt resumes after them).
#[tracing::instrument(
    name = "imports::find_for_run",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org, id = %id)
)]
pub async fn find_for_run(db: &Db, org: OrgId, id: TaskImportId) -> Result<Option<(TaskImport, i64)>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM task_imports WHERE org_id = $1 AND id = $2");
    let row = with_pool!(db, Scope::tenant(org), conn => {
        sqlx::query_as::<_, ImportRow>(&sql).bind(org).bind(id).fetch_optional(&mut *conn).await?
    });
    Ok(row.map(|row| {
        let consumed = row.rows_consumed;
        (TaskImport::from(row), consumed)
    }))
}

/// `project`'s most recent imports, newest first.
#[tracing::instrument(
    name = "imports::recent",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), project = %project)
)]
pub async fn recent(db: &Db, ctx: &OrgCtx, project: ProjectId, limit: i64) -> Result<Vec<TaskImport>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM task_imports WHERE org_id = $1 AND project_id = $2 \
         ORDER BY created_at DESC, id DESC LIMIT $3"
    );
    let rows = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_as::<_, ImportRow>(&sql).bind(ctx.org_id()).bind(project).bind(limit).fetch_all(&mut *conn).await?
    });
    Ok(rows.into_iter().map(TaskImport::from).collect())
}

/// Starts the draft import `id` with `mapping`, before its job is queued
/// (so a second start, or a job that runs at once, finds it importing).
/// `false` when it is not a draft (started already). A start records
/// `event` in the same transaction.
#[tracing::instrument(
    name = "imports::start",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn start(
    db: &Db,
    ctx: &Writer,
    id: TaskImportId,
    mapping: &ImportMapping,
    event: &NewEvent,
) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE task_imports SET status = 'importing', mapping = $3, updated_at = $4 \
               WHERE org_id = $1 AND id = $2 AND status = 'draft'";
    let mapping = serde_json::to_string(mapping).unwrap_or_default();
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let done = sqlx::query(sql).bind(ctx.org_id()).bind(id).bind(mapping).bind(Timestamp::now()).execute(&mut *tx).await?;
        let started = done.rows_affected() == 1;
        if started {
            events::record(&mut *tx, event).await?;
        }
        tx.commit().await?;
        Ok(started)
    })
}

/// Records the job that runs the import `id`.
#[tracing::instrument(
    name = "imports::set_job",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id, job = %job)
)]
pub async fn set_job(db: &Db, ctx: &Writer, id: TaskImportId, job: JobId) -> Result<(), sqlx::Error> {
    let sql = "UPDATE task_imports SET job_id = $3 WHERE org_id = $1 AND id = $2";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query(sql).bind(ctx.org_id()).bind(id).bind(job).execute(&mut *conn).await?;
    });
    Ok(())
}

/// A row an import refused: where it is and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The record's place among the file's records, from 0.
    pub record: i64,
    /// The file line it starts on, from 1 (the header is line 1).
    pub line: i64,
    /// Every reason, joined.
    pub reason: String,
    /// The cells as read (unreadable bytes replaced).
    pub cells: Vec<String>,
}

/// One batch of an import, committed whole or not at all.
#[derive(Debug)]
pub struct Batch<'a> {
    /// The tasks to create, and which of them are done.
    pub tasks: &'a [(TaskFields, bool)],
    pub refused: &'a [Refusal],
    /// The records the batch read (created, refused or unreadable).
    pub records: i64,
    /// The file's data records.
    pub total: i64,
}

/// Commits `batch` of import `id` into `project` in one transaction: its
/// tasks (those marked done completed) with their `task.created` events,
/// its refused rows, and the import's
/// counts and resume point. So after a crash an import resumes after its
/// last whole batch, with nothing created twice. `NotWritable` when the
/// project was archived or trashed since; `Ok(None)` (nothing written) when
/// the import is no longer importing (cancelled, or ended elsewhere).
#[tracing::instrument(
    name = "imports::commit_batch",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id, project = %project)
)]
pub async fn commit_batch(
    db: &Db,
    ctx: &Writer,
    id: TaskImportId,
    project: ProjectId,
    batch: &Batch<'_>,
) -> Result<Option<Vec<TaskId>>, TaskWriteError> {
    let now = Timestamp::now();
    let backend = db.backend();
    let rows: Vec<(TaskId, &TaskFields)> = batch.tasks.iter().map(|(fields, _)| (TaskId::new(), fields)).collect();
    let done: Vec<TaskId> =
        rows.iter().zip(batch.tasks).filter(|(_, (_, done))| *done).map(|((id, _), _)| *id).collect();
    let counts = "UPDATE task_imports SET rows_total = $3, rows_consumed = rows_consumed + $4, \
                    rows_imported = rows_imported + $5, rows_failed = rows_failed + $6, updated_at = $7 \
                  WHERE org_id = $1 AND id = $2 AND status = 'importing'";
    let refusal = "INSERT INTO task_import_refusals (org_id, import_id, record, line, reason, cells) \
                   VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (import_id, record) DO NOTHING";
    let imported = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let refused = i64::try_from(batch.refused.len()).unwrap_or(i64::MAX);
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let counted = sqlx::query(counts)
            .bind(ctx.org_id())
            .bind(id)
            .bind(batch.total)
            .bind(batch.records)
            .bind(imported)
            .bind(refused)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if counted == 0 {
            return Ok(None);
        }
        if !rows.is_empty() {
            insert_rows!(tx, backend, ctx, project, &rows, now);
            let created: Vec<NewEvent> = rows
                .iter()
                .zip(batch.tasks)
                .map(|((task, fields), (_, done))| super::tasks::created_event(ctx, *task, project, fields, *done))
                .collect();
            events::record_all(&mut *tx, &created).await?;
        }
        for chunk in done.chunks(INSERT_BATCH) {
            let mut sql = Sql::new("UPDATE tasks SET completed_at = ");
            sql.arg(now).push(" WHERE org_id = ").arg(ctx.org_id()).push(" AND id IN (").arg_list(chunk.iter().copied());
            sql.push(")");
            bind_args!(sqlx::query(sql.text()), sql.args().iter().cloned()).execute(&mut *tx).await?;
        }
        for row in batch.refused {
            let cells = serde_json::to_string(&row.cells).unwrap_or_else(|_| "[]".to_owned());
            sqlx::query(refusal)
                .bind(ctx.org_id())
                .bind(id)
                .bind(row.record)
                .bind(row.line)
                .bind(&row.reason)
                .bind(cells)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Some(rows.iter().map(|(id, _)| *id).collect()))
    })
}

/// The rows import `id` refused, in file order.
#[tracing::instrument(
    name = "imports::refusals",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org, id = %id)
)]
pub async fn refusals(db: &Db, org: OrgId, id: TaskImportId) -> Result<Vec<Refusal>, sqlx::Error> {
    let sql = "SELECT record, line, reason, cells FROM task_import_refusals \
               WHERE org_id = $1 AND import_id = $2 ORDER BY record";
    let rows: Vec<(i64, i64, String, String)> = with_pool!(db, Scope::tenant(org), conn => {
        sqlx::query_as(sql).bind(org).bind(id).fetch_all(&mut *conn).await?
    });
    Ok(rows
        .into_iter()
        .map(|(record, line, reason, cells)| Refusal {
            record,
            line,
            reason,
            cells: serde_json::from_str(&cells).unwrap_or_default(),
        })
        .collect())
}

/// Ends the import `id` with `status` (and, when it failed, `error`, in
/// words for people), keeping its counts; only while it is importing, so
/// an ended import keeps how it ended. Whether it ended it.
#[tracing::instrument(
    name = "imports::end",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org, id = %id)
)]
pub async fn end(
    db: &Db,
    org: OrgId,
    id: TaskImportId,
    status: ImportStatus,
    error: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE task_imports SET status = $3, error = $4, finished_at = $5, updated_at = $5 \
               WHERE org_id = $1 AND id = $2 AND status = 'importing'";
    with_pool!(db, Scope::tenant(org), conn => {
        let done = sqlx::query(sql).bind(org).bind(id).bind(status).bind(error).bind(Timestamp::now()).execute(&mut *conn).await?;
        Ok(done.rows_affected() == 1)
    })
}

/// Ends, failed, every import still importing whose job has ended without
/// ending it: its last attempt failed, its worker died on the last
/// attempt, or the job was cancelled or purged. The job's error becomes
/// the import's. Run by the scheduler and after each import job, so no
/// import shows "Importing" for ever. Returns how many.
#[tracing::instrument(
    name = "imports::end_orphaned",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn end_orphaned(db: &Db) -> Result<u64, sqlx::Error> {
    let now = Timestamp::now();
    let sql = "UPDATE task_imports /* maintenance: every organization */ SET \
                 status = CASE WHEN (SELECT j.status FROM jobs j WHERE j.id = task_imports.job_id) = 'cancelled' \
                               THEN 'cancelled' ELSE 'failed' END, \
                 error = CASE WHEN (SELECT j.status FROM jobs j WHERE j.id = task_imports.job_id) = 'cancelled' \
                              THEN NULL \
                              ELSE COALESCE((SELECT j.last_error FROM jobs j WHERE j.id = task_imports.job_id), $2) END, \
                 finished_at = $1, updated_at = $1 \
               WHERE status = 'importing' AND job_id IS NOT NULL \
                 AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = task_imports.job_id \
                                 AND j.status IN ('queued', 'running'))";
    with_pool!(db, Scope::maintenance(), conn => {
        Ok(sqlx::query(sql).bind(now).bind(ORPHANED).execute(&mut *conn).await?.rows_affected())
    })
}

/// The error of an import whose job is gone.
const ORPHANED: &str = "The job running the import is gone.";

/// Ends the import run by `job`, if it is still importing, with `status`
/// (its job was cancelled before it ran).
#[tracing::instrument(
    name = "imports::end_for_job",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org, job = %job)
)]
pub async fn end_for_job(db: &Db, org: OrgId, job: JobId, status: ImportStatus) -> Result<(), sqlx::Error> {
    let sql = "UPDATE task_imports SET status = $3, finished_at = $4, updated_at = $4 \
               WHERE org_id = $1 AND job_id = $2 AND status = 'importing'";
    with_pool!(db, Scope::tenant(org), conn => {
        sqlx::query(sql).bind(org).bind(job).bind(status).bind(Timestamp::now()).execute(&mut *conn).await?;
    });
    Ok(())
}

/// Deletes imports finished before `before`, and drafts made before then
/// and never started (their files go with them, see `deleted_objects`).
#[tracing::instrument(
    name = "imports::forget_finished",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn forget_finished(db: &Db, before: Timestamp) -> Result<u64, sqlx::Error> {
    let sql = "DELETE FROM task_imports /* maintenance: every organization */ \
               WHERE (finished_at IS NOT NULL AND finished_at < $1) OR (status = 'draft' AND created_at < $1)";
    with_pool!(db, Scope::maintenance(), conn => Ok(sqlx::query(sql).bind(before).execute(&mut *conn).await?.rows_affected()))
}
