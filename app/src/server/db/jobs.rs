//! `jobs`: the durable queue every background task goes through.
//!
//! Guarantees, on both backends:
//! - a job is run by one worker at a time: claiming is one guarded
//!   `UPDATE ... RETURNING` of a due queued job (the platform's own first,
//!   then the organizations in turn: [`claim`]); on PostgreSQL the
//!   candidate is locked `FOR UPDATE SKIP LOCKED`, so workers of several
//!   processes skip each other's rows instead of waiting or colliding; on
//!   SQLite writes are serialized and the update re-checks the status;
//! - a claim is a lease the worker extends while it works; a job whose
//!   lease ran out (its process died) is queued again, or failed when it
//!   has used its attempts;
//! - a failed attempt is queued again after a backoff, until
//!   `max_attempts`; the last error is kept;
//! - a queued job is cancelled at once, a running one is asked to stop
//!   (its handler sees the request when it reports progress);
//! - `unique_key` makes at most one job per key, so periodic work
//!   enqueued by every process runs once per period.

use time::Duration;

use crate::model::{JobId, JobItem, JobStatus, OrgId};

use super::scope::Scope;
use super::{Db, Timestamp, with_pool};
use crate::server::handles::{OrgCtx, PlatformAdmin, Writer};

/// A job to add.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    /// The organization it works for; `None`: the platform's own.
    pub org: Option<OrgId>,
    pub kind: &'a str,
    /// Its input (JSON text).
    pub payload: String,
    pub max_attempts: i64,
    /// Not before this time.
    pub run_at: Timestamp,
    /// At most one job with this key, ever (a periodic job's period).
    pub unique_key: Option<String>,
}

fn scope(org: Option<OrgId>) -> Scope {
    org.map_or(Scope::maintenance(), Scope::tenant)
}

/// Whose jobs a reader sees: a member's organization's, or, for a
/// platform admin, the platform's own (account mail, maintenance).
#[derive(Debug, Clone, Copy)]
pub enum JobsOf<'a> {
    Organization(&'a OrgCtx),
    Platform(&'a PlatformAdmin),
}

impl JobsOf<'_> {
    fn org(self) -> Option<OrgId> {
        match self {
            JobsOf::Organization(member) => Some(member.org_id()),
            JobsOf::Platform(_) => None,
        }
    }
}

/// Who cancels a job: a member who may start such jobs (the writer's
/// handle for `Action::UploadFiles`: imports), for the organization's; a
/// platform admin for the platform's own.
#[derive(Debug, Clone, Copy)]
pub enum CancelledBy<'a> {
    Organization(&'a Writer),
    Platform(&'a PlatformAdmin),
}

/// The condition that a job belongs to `org`, bound as `param`: that
/// organization's, or the platform's own (`org_id IS NULL`) for `None`.
/// Two texts, so an organization's lookup can use its index.
fn owned_by(org: Option<OrgId>, param: &str) -> String {
    match org {
        Some(_) => format!("org_id = {param}"),
        None => format!("org_id IS NULL AND {param} IS NULL"),
    }
}

/// Adds a job; `None` when a job with its `unique_key` exists already.
#[tracing::instrument(name = "jobs::enqueue", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn enqueue(db: &Db, job: NewJob<'_>) -> Result<Option<JobId>, sqlx::Error> {
    let id = JobId::new();
    let now = Timestamp::now();
    let sql = "INSERT INTO jobs (id, org_id, kind, payload, status, attempts, max_attempts, run_at, \
                 cancel_requested, progress_done, unique_key, created_at, updated_at) \
               VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, FALSE, 0, $7, $8, $8) \
               ON CONFLICT (unique_key) DO NOTHING RETURNING id";
    with_pool!(db, scope(job.org), conn => {
        sqlx::query_scalar(sql)
            .bind(id)
            .bind(job.org)
            .bind(job.kind)
            .bind(&job.payload)
            .bind(job.max_attempts)
            .bind(job.run_at)
            .bind(&job.unique_key)
            .bind(now)
            .fetch_optional(&mut *conn)
            .await
    })
}

/// A job a worker has claimed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedJob {
    pub id: JobId,
    pub org_id: Option<OrgId>,
    pub kind: String,
    pub payload: String,
    /// This attempt's number, from 1.
    pub attempts: i64,
    pub max_attempts: i64,
}

const CLAIMED: &str = "RETURNING id, org_id, kind, payload, attempts, max_attempts";

/// Claims a queued job due at `now` for `worker`, leased until
/// `lease_until`; `None` when none is due.
///
/// Fair between tenants: the platform's own jobs (account mail, the
/// maintenance) come first, oldest first; then the oldest due job of the
/// first organization after `after` in id order (the organization this
/// worker's process served last), wrapping around. So one organization's
/// 100,000 queued jobs delay another's next job by one job per
/// organization ahead of it, not by 100,000.
#[tracing::instrument(
    name = "jobs::claim",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), after = after.map(tracing::field::display))
)]
pub async fn claim(
    db: &Db,
    worker: &str,
    now: Timestamp,
    lease_until: Timestamp,
    after: Option<OrgId>,
) -> Result<Option<ClaimedJob>, sqlx::Error> {
    let lock = match db {
        Db::Sqlite(_) => "",
        Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
    };
    let candidates = [
        format!(
            "SELECT id FROM jobs WHERE status = 'queued' AND org_id IS NULL AND run_at <= $1 \
             ORDER BY run_at, id LIMIT 1{lock}"
        ),
        format!(
            "SELECT id FROM jobs WHERE status = 'queued' AND org_id IS NOT NULL AND org_id > $4 AND run_at <= $1 \
             ORDER BY org_id, run_at, id LIMIT 1{lock}"
        ),
        format!(
            "SELECT id FROM jobs WHERE status = 'queued' AND org_id IS NOT NULL AND run_at <= $1 \
             ORDER BY org_id, run_at, id LIMIT 1{lock}"
        ),
    ];
    with_pool!(db, Scope::maintenance(), conn => {
        for (i, candidate) in candidates.iter().enumerate() {
            if i == 1 && after.is_none() {
                continue;
            }
            let sql = format!(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $2, lease_until = $3, \
                   updated_at = $1 \
                 WHERE id = ({candidate}) AND status = 'queued' {CLAIMED}"
            );
            let mut query = sqlx::query_as(&sql).bind(now).bind(worker).bind(lease_until);
            if i == 1 {
                query = query.bind(after);
            }
            if let Some(claimed) = query.fetch_optional(&mut *conn).await? {
                return Ok(Some(claimed));
            }
        }
        Ok(None)
    })
}

/// Extends `worker`'s lease on job `id` to `until`. `None` when the job is
/// no longer its (the lease ran out and another took it), else whether
/// cancelling was asked for.
#[tracing::instrument(
    name = "jobs::extend_lease",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn extend_lease(db: &Db, id: JobId, worker: &str, until: Timestamp) -> Result<Option<bool>, sqlx::Error> {
    let sql = "UPDATE jobs SET lease_until = $3 WHERE id = $1 AND locked_by = $2 AND status = 'running' \
               RETURNING cancel_requested";
    with_pool!(db, Scope::maintenance(), conn => {
        sqlx::query_scalar(sql).bind(id).bind(worker).bind(until).fetch_optional(&mut *conn).await
    })
}

/// Records progress of job `id`: `done` of `total`, and a message. Returns
/// whether cancelling was asked for (`None`: the job is not `worker`'s).
#[tracing::instrument(
    name = "jobs::report_progress",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn report_progress(
    db: &Db,
    id: JobId,
    worker: &str,
    done: i64,
    total: Option<i64>,
    message: Option<&str>,
) -> Result<Option<bool>, sqlx::Error> {
    let sql = "UPDATE jobs SET progress_done = $3, progress_total = $4, progress_message = $5, updated_at = $6 \
               WHERE id = $1 AND locked_by = $2 AND status = 'running' RETURNING cancel_requested";
    with_pool!(db, Scope::maintenance(), conn => {
        sqlx::query_scalar(sql)
            .bind(id)
            .bind(worker)
            .bind(done)
            .bind(total)
            .bind(message)
            .bind(Timestamp::now())
            .fetch_optional(&mut *conn)
            .await
    })
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    /// Stopped because cancelling was asked for.
    Cancelled,
    /// Failed with this error; retried at `retry_at` while attempts are left.
    Failed {
        error: String,
        retry_at: Timestamp,
    },
    /// Failed with this error, for good: no attempt could do better (the
    /// input is refused, the person lost the right).
    GaveUp {
        error: String,
    },
    /// Not run after all (it must wait for something, or its process is
    /// stopping): queued again for `run_at`, the attempt not counted.
    Postponed {
        run_at: Timestamp,
    },
}

/// Ends `worker`'s attempt at job `id` with `outcome` (a failure of a job
/// asked to stop cancels it). False when the job was no longer its.
#[tracing::instrument(
    name = "jobs::finish",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn finish(db: &Db, id: JobId, worker: &str, outcome: &Outcome, now: Timestamp) -> Result<bool, sqlx::Error> {
    let done = "UPDATE jobs SET status = $3, locked_by = NULL, lease_until = NULL, updated_at = $4, \
                  finished_at = $4 \
                WHERE id = $1 AND locked_by = $2 AND status = 'running'";
    let failed = "UPDATE jobs SET \
                    status = CASE WHEN cancel_requested THEN 'cancelled' \
                                  WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END, \
                    finished_at = CASE WHEN cancel_requested OR attempts >= max_attempts THEN $4 ELSE NULL END, \
                    run_at = $5, last_error = $3, locked_by = NULL, lease_until = NULL, updated_at = $4 \
                  WHERE id = $1 AND locked_by = $2 AND status = 'running'";
    let gave_up = "UPDATE jobs SET status = 'failed', finished_at = $4, last_error = $3, locked_by = NULL, \
                     lease_until = NULL, updated_at = $4 \
                   WHERE id = $1 AND locked_by = $2 AND status = 'running'";
    let postponed = "UPDATE jobs SET status = 'queued', attempts = attempts - 1, run_at = $3, locked_by = NULL, \
                       lease_until = NULL, updated_at = $4 \
                     WHERE id = $1 AND locked_by = $2 AND status = 'running'";
    let affected = with_pool!(db, Scope::maintenance(), conn => {
        match outcome {
            Outcome::Succeeded | Outcome::Cancelled => {
                let status = if *outcome == Outcome::Succeeded { JobStatus::Succeeded } else { JobStatus::Cancelled };
                sqlx::query(done).bind(id).bind(worker).bind(status.as_str()).bind(now).execute(&mut *conn).await?
            }
            Outcome::Failed { error, retry_at } => {
                sqlx::query(failed).bind(id).bind(worker).bind(error).bind(now).bind(*retry_at).execute(&mut *conn).await?
            }
            Outcome::GaveUp { error } => {
                sqlx::query(gave_up).bind(id).bind(worker).bind(error).bind(now).execute(&mut *conn).await?
            }
            Outcome::Postponed { run_at } => {
                sqlx::query(postponed).bind(id).bind(worker).bind(*run_at).bind(now).execute(&mut *conn).await?
            }
        }
        .rows_affected()
    });
    Ok(affected == 1)
}

/// The error kept for a job whose worker stopped (its lease ran out) on
/// its last attempt.
pub const WORKER_LOST: &str = "The worker running it stopped before it finished.";

/// Queues again the running jobs whose lease ran out before `now` (their
/// process died), or fails them when they have used their attempts (or
/// cancels them when that was asked for).
/// Returns how many.
#[tracing::instrument(
    name = "jobs::release_expired",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn release_expired(db: &Db, now: Timestamp) -> Result<u64, sqlx::Error> {
    let sql = "UPDATE jobs SET \
                 status = CASE WHEN cancel_requested THEN 'cancelled' \
                               WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END, \
                 finished_at = CASE WHEN cancel_requested OR attempts >= max_attempts THEN $1 ELSE NULL END, \
                 last_error = CASE WHEN attempts >= max_attempts THEN $2 ELSE last_error END, \
                 locked_by = NULL, lease_until = NULL, run_at = $1, updated_at = $1 \
               WHERE status = 'running' AND lease_until < $1";
    with_pool!(db, Scope::maintenance(), conn => {
        Ok(sqlx::query(sql).bind(now).bind(WORKER_LOST).execute(&mut *conn).await?.rows_affected())
    })
}

/// What asking to cancel did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancel {
    /// It was queued: cancelled.
    Cancelled,
    /// It is running: its handler is asked to stop.
    Requested,
    /// It has ended already.
    Finished,
    /// No such job (in this organization).
    NotFound,
}

/// Cancels job `id` of the organization or platform of `by` (another
/// organization's job, or an organization's for the platform, is
/// `NotFound`).
#[tracing::instrument(
    name = "jobs::cancel",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn cancel(db: &Db, by: CancelledBy<'_>, id: JobId, now: Timestamp) -> Result<Cancel, sqlx::Error> {
    let org = match by {
        CancelledBy::Organization(writer) => Some(writer.org_id()),
        CancelledBy::Platform(_) => None,
    };
    let queued = format!(
        "UPDATE jobs SET status = 'cancelled', finished_at = $2, updated_at = $2 \
         WHERE id = $1 AND status = 'queued' AND {}",
        owned_by(org, "$3")
    );
    let running = format!(
        "UPDATE jobs SET cancel_requested = TRUE, updated_at = $2 WHERE id = $1 AND status = 'running' AND {}",
        owned_by(org, "$3")
    );
    let exists = format!("SELECT COUNT(*) FROM jobs WHERE id = $1 AND {}", owned_by(org, "$2"));
    with_pool!(db, scope(org), conn => {
        if sqlx::query(&queued).bind(id).bind(now).bind(org).execute(&mut *conn).await?.rows_affected() == 1 {
            return Ok(Cancel::Cancelled);
        }
        if sqlx::query(&running).bind(id).bind(now).bind(org).execute(&mut *conn).await?.rows_affected() == 1 {
            return Ok(Cancel::Requested);
        }
        let found: i64 = sqlx::query_scalar(&exists).bind(id).bind(org).fetch_one(&mut *conn).await?;
        Ok(if found == 1 { Cancel::Finished } else { Cancel::NotFound })
    })
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: JobId,
    kind: String,
    status: String,
    attempts: i64,
    max_attempts: i64,
    progress_done: i64,
    progress_total: Option<i64>,
    progress_message: Option<String>,
    last_error: Option<String>,
    created_at: Timestamp,
    finished_at: Option<Timestamp>,
}

impl TryFrom<JobRow> for JobItem {
    type Error = sqlx::Error;
    fn try_from(row: JobRow) -> Result<Self, Self::Error> {
        Ok(JobItem {
            id: row.id,
            kind: row.kind,
            status: row.status.parse().map_err(|err: String| sqlx::Error::Decode(err.into()))?,
            attempts: row.attempts,
            max_attempts: row.max_attempts,
            progress_done: row.progress_done,
            progress_total: row.progress_total,
            progress_message: row.progress_message,
            last_error: row.last_error,
            created_at: row.created_at.into(),
            finished_at: row.finished_at.map(Into::into),
        })
    }
}

const SELECT_JOB: &str = "SELECT id, kind, status, attempts, max_attempts, progress_done, progress_total, \
     progress_message, last_error, created_at, finished_at FROM jobs";

/// The `limit` most recent jobs of `of`, newest first.
#[tracing::instrument(name = "jobs::recent", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn recent(db: &Db, of: JobsOf<'_>, limit: i64) -> Result<Vec<JobItem>, sqlx::Error> {
    let org = of.org();
    let sql = format!("{SELECT_JOB} WHERE {} ORDER BY created_at DESC, id DESC LIMIT $2", owned_by(org, "$1"));
    let rows: Vec<JobRow> = with_pool!(db, scope(org), conn => {
        sqlx::query_as(&sql).bind(org).bind(limit).fetch_all(&mut *conn).await?
    });
    rows.into_iter().map(JobItem::try_from).collect()
}

/// Job `id` of `of`; `None` when it has none such.
#[tracing::instrument(
    name = "jobs::find",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn find(db: &Db, of: JobsOf<'_>, id: JobId) -> Result<Option<JobItem>, sqlx::Error> {
    let org = of.org();
    let sql = format!("{SELECT_JOB} WHERE id = $1 AND {}", owned_by(org, "$2"));
    let row: Option<JobRow> = with_pool!(db, scope(org), conn => {
        sqlx::query_as(&sql).bind(id).bind(org).fetch_optional(&mut *conn).await?
    });
    row.map(JobItem::try_from).transpose()
}

/// How long finished jobs are kept before [`forget_finished`] deletes them.
pub const KEEP_FINISHED: Duration = Duration::days(14);

/// Deletes jobs that finished before `before`. Maintenance.
#[tracing::instrument(
    name = "jobs::forget_finished",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn forget_finished(db: &Db, before: Timestamp) -> Result<u64, sqlx::Error> {
    let sql = "DELETE FROM jobs WHERE finished_at < $1";
    with_pool!(db, Scope::maintenance(), conn => Ok(sqlx::query(sql).bind(before).execute(&mut *conn).await?.rows_affected()))
}

/// The queue at a moment: jobs waiting, and when the oldest due one was
/// due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueStats {
    /// Queued jobs, due or not yet (a retry waiting for its backoff).
    pub queued: i64,
    /// The earliest `run_at` of the jobs queued and due at the moment
    /// asked; `None` when none is due.
    pub oldest_due: Option<Timestamp>,
}

/// [`QueueStats`] at `now`, for the metrics' gauges: one statement of
/// indexed searches, split like [`claim`]'s candidates so each part has an
/// index. The organizations' part reads `jobs_queued_org_idx`, which holds
/// queued rows only; the platform's is searched by `org_id IS NULL`
/// (SQLite's planner, without statistics, takes `jobs_org_id_idx` for it,
/// as for the claim, so it also passes the platform's finished jobs kept
/// for [`KEEP_FINISHED`]: a few an hour). No part scans the table.
#[tracing::instrument(name = "jobs::queue_stats", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn queue_stats(db: &Db, now: Timestamp) -> Result<QueueStats, sqlx::Error> {
    let sql = "SELECT \
                 CAST((SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND org_id IS NULL) \
                    + (SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND org_id IS NOT NULL) AS BIGINT), \
                 (SELECT MIN(run_at) FROM jobs WHERE status = 'queued' AND org_id IS NULL AND run_at <= $1), \
                 (SELECT MIN(run_at) FROM jobs WHERE status = 'queued' AND org_id IS NOT NULL AND run_at <= $1)";
    let (queued, platform, organizations): (i64, Option<Timestamp>, Option<Timestamp>) =
        with_pool!(db, Scope::maintenance(), conn => sqlx::query_as(sql).bind(now).fetch_one(&mut *conn).await?);
    Ok(QueueStats { queued, oldest_due: platform.into_iter().chain(organizations).min() })
}
