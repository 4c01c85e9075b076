//! Background work: the jobs Atrium runs, and the workers that run them
//! from the durable queue (`db::jobs`).
//!
//! Every process runs [`WORKERS`] workers and one scheduler. A worker
//! claims the oldest due job, keeps its lease while the handler runs, and
//! records how the attempt ended: done, cancelled on request, or failed
//! (queued again after a backoff of 5 s doubling to an hour, until the
//! job's attempts are used). Enqueueing in this process wakes a worker at
//! once; otherwise workers look every [`POLL`]. The scheduler enqueues the
//! hourly maintenance under a key naming the hour, so however many
//! processes run, it runs once an hour, and it queues again the jobs of
//! workers that died. A stopping process's workers claim nothing new and
//! hand a job still running at the shutdown timeout back to the queue
//! (`Outcome::Postponed`: not an attempt, due at once).

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration as StdDuration,
};

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use tracing::Instrument;

use crate::{
    error::AppError,
    model::{Email, FileId, JobId, OrgId, TaskImportId, UserId},
    server::{
        AppState,
        auth::lockout::{self, FailureLimits},
        db::{
            Timestamp, account, files, idempotency, imports,
            jobs::{self, NewJob, Outcome},
            platform, projects, tasks, webhooks,
        },
        job_context::{Cancelled, JobContext},
        metrics,
    },
};

/// Workers per process.
pub const WORKERS: usize = 2;
/// How often an idle worker looks for due jobs (retries, other processes'
/// jobs).
pub const POLL: StdDuration = StdDuration::from_secs(1);
/// How long a stopping process waits, past its shutdown timeout, for its
/// workers to hand back the jobs they still run.
pub const HAND_BACK_MARGIN: StdDuration = StdDuration::from_secs(2);
/// How often the scheduler runs, at most (more often with a lease shorter
/// than a minute, so a dead worker's job is claimed again soon after its
/// lease ran out).
const SCHEDULE_EVERY: StdDuration = StdDuration::from_secs(30);

/// A claim's lease (`Config::job_lease`); the worker extends it every
/// third of it.
fn lease(state: &AppState) -> Duration {
    Duration::try_from(state.config.job_lease()).unwrap_or(Duration::MINUTE)
}

/// A job: its kind and input. Stored as JSON (`payload`), the kind also
/// in its own column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// The hourly clean-up: trash (projects, tasks, files) and deleted
    /// organizations past their 30 days, uploads cut off mid-way, old
    /// sign-in failure counts, ended sessions, expired links, finished jobs
    /// past two weeks, imports and webhook deliveries past 30 days, and the stored objects of
    /// whatever was deleted.
    Maintenance,
    /// A plain-text message.
    Mail { to: String, subject: String, body: String },
    /// The link that verifies `email` for `user` (made here, so the token
    /// is never stored in the clear).
    VerifyEmail { user: crate::model::UserId, email: String },
    /// A password reset link to `email`, if an account has it (looked up
    /// here, not in the request, so the request's answer and time say
    /// nothing about it).
    PasswordReset { email: String },
    /// The warning to the owner of `email`, if any, after `failures` failed
    /// sign-ins from `address`.
    SignInWarning { email: String, failures: i64, address: String },
    /// Reads an uploaded file: checksum, type, image size and thumbnail
    /// (`server::file_processing`).
    ProcessFile { org: OrgId, file: FileId },
    /// Imports the tasks of a CSV file, for `user`, who started it
    /// (`server::imports`).
    ImportTasks { org: OrgId, import: TaskImportId, user: UserId },
    /// One event to one webhook endpoint (`server::webhooks`).
    DeliverWebhook(super::webhooks::Delivery),
    /// An outbox event's deliveries, one per endpoint that wants it:
    /// queued in the change's own transaction (`db::webhooks::QUEUE_FAN_OUT`).
    FanOutEvent { org: OrgId, event: uuid::Uuid },
}

impl Job {
    /// The stored kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Job::Maintenance => "maintenance",
            Job::Mail { .. } => "mail",
            Job::VerifyEmail { .. } => "verify_email",
            Job::PasswordReset { .. } => "password_reset",
            Job::SignInWarning { .. } => "sign_in_warning",
            Job::ProcessFile { .. } => "process_file",
            Job::ImportTasks { .. } => "import_tasks",
            Job::DeliverWebhook(_) => "deliver_webhook",
            Job::FanOutEvent { .. } => "fan_out_event",
        }
    }

    fn max_attempts(&self) -> i64 {
        match self {
            Job::Maintenance | Job::ProcessFile { .. } => 3,
            // An import resumes after its last committed batch.
            Job::ImportTasks { .. } => 5,
            Job::DeliverWebhook(_) => super::webhooks::DELIVERY_ATTEMPTS,
            Job::FanOutEvent { .. } => 5,
            Job::Mail { .. } | Job::VerifyEmail { .. } | Job::PasswordReset { .. } | Job::SignInWarning { .. } => 8,
        }
    }
}

/// Adds `job` (the platform's own, no organization) to run as soon as a
/// worker is free.
pub async fn enqueue(state: &AppState, job: &Job) -> Result<(), AppError> {
    enqueue_keyed(state, None, job, None).await.map(|_| ())
}

/// Adds `job`, for `org` (its jobs page lists it) or the platform, unless
/// a job with `unique_key` exists; its id when added, and a worker woken.
async fn enqueue_keyed(
    state: &AppState,
    org: Option<OrgId>,
    job: &Job,
    unique_key: Option<String>,
) -> Result<Option<JobId>, AppError> {
    let payload = serde_json::to_string(job).map_err(AppError::internal)?;
    let new = NewJob {
        org,
        kind: job.kind(),
        payload,
        max_attempts: job.max_attempts(),
        run_at: Timestamp::now(),
        unique_key,
    };
    let added = jobs::enqueue(&state.db, new).await?;
    if added.is_some() {
        state.jobs.ring();
    }
    Ok(added)
}

/// Adds `job`, working for the organization `org` (its jobs page lists
/// it), and returns its id.
pub async fn enqueue_for(state: &AppState, org: OrgId, job: &Job) -> Result<JobId, AppError> {
    enqueue_keyed(state, Some(org), job, None)
        .await?
        .ok_or_else(|| AppError::internal("a job without a key was refused"))
}

/// Queues a plain-text message to `to`.
pub async fn mail(state: &AppState, to: &str, subject: &str, body: String) -> Result<(), AppError> {
    enqueue(state, &Job::Mail { to: to.to_owned(), subject: subject.to_owned(), body }).await
}

/// Why an attempt did not succeed.
enum Failure {
    Cancelled,
    /// Worth another attempt (the database or storage was unavailable).
    Error(String),
    /// No attempt could do better: the job fails for good at once.
    Final(String),
    /// Not due yet: run again after this long, the attempt not counted.
    NotYet(Duration),
}

impl From<Cancelled> for Failure {
    fn from(_: Cancelled) -> Self {
        Failure::Cancelled
    }
}

impl From<AppError> for Failure {
    fn from(err: AppError) -> Self {
        Failure::Error(err.to_string())
    }
}

impl From<sqlx::Error> for Failure {
    fn from(err: sqlx::Error) -> Self {
        Failure::Error(err.to_string())
    }
}

#[tracing::instrument(name = "jobs::handle", level = "debug", skip_all)]
async fn handle(ctx: &JobContext, job: Job) -> Result<(), Failure> {
    let state = &ctx.state;
    match job {
        Job::Maintenance => maintenance(ctx).await,
        Job::Mail { to, subject, body } => {
            state.mailer.send(&to, &subject, body).await.map_err(|err| Failure::Error(err.to_string()))
        }
        Job::VerifyEmail { user, email } => Ok(super::notices::mail_verification(state, user, &email).await?),
        Job::PasswordReset { email } => {
            let email = Email::parse(&email).map_err(|err| Failure::Error(err.to_string()))?;
            Ok(super::notices::send_reset_link(state, &email).await?)
        }
        Job::SignInWarning { email, failures, address } => {
            let email = Email::parse(&email).map_err(|err| Failure::Error(err.to_string()))?;
            Ok(super::notices::warn_owner(state, &email, failures, &address).await?)
        }
        Job::ProcessFile { org, file } => {
            crate::server::file_processing::process(ctx, state, org, file).await.map_err(|err| match err {
                crate::server::file_processing::ProcessError::Cancelled => Failure::Cancelled,
                err => Failure::Error(err.to_string()),
            })
        }
        Job::ImportTasks { org, import, user } => {
            crate::server::imports::run(ctx, state, org, import, user).await.map_err(|err| match err {
                crate::server::imports::ImportError::Cancelled => Failure::Cancelled,
                err @ crate::server::imports::ImportError::Refused(_) => Failure::Final(err.to_string()),
                err => Failure::Error(err.to_string()),
            })
        }
        Job::FanOutEvent { org, event } => {
            // Keyed by endpoint and event, so a retried fan-out queues no
            // delivery twice.
            for delivery in super::webhooks::fan_out(&state.db, org, event).await? {
                let key = format!("webhook:{}:{}", delivery.endpoint, delivery.event);
                enqueue_keyed(state, Some(org), &Job::DeliverWebhook(delivery), Some(key)).await?;
            }
            Ok(())
        }
        Job::DeliverWebhook(delivery) => {
            use super::webhooks::{Attempt, deliver};
            match deliver(state, &delivery, ctx.attempt).await? {
                Attempt::Done => Ok(()),
                Attempt::Waiting(after) => Err(Failure::NotYet(after)),
                Attempt::Failed(error) => Err(Failure::Error(error)),
                Attempt::Disabled { reason, mails } => {
                    for (to, subject, body) in mails {
                        mail(state, &to, subject, body).await?;
                    }
                    Err(Failure::Final(reason))
                }
            }
        }
    }
}

/// Every step runs even when an earlier one failed (one failing purge must
/// not stop the others); the attempt fails at the end, naming what failed.
#[tracing::instrument(name = "jobs::maintenance", level = "debug", skip_all)]
async fn maintenance(ctx: &JobContext) -> Result<(), Failure> {
    let db = &ctx.state.db;
    let config = &ctx.state.config;
    let now = OffsetDateTime::now_utc();
    let at = Timestamp::from(now);
    const STEPS: i64 = 8;
    let mut failed: Vec<String> = Vec::new();
    let mut note = |step: &str, result: Result<u64, sqlx::Error>| match result {
        Ok(count) => count,
        Err(err) => {
            failed.push(format!("{step}: {err}"));
            0
        }
    };
    ctx.progress(0, Some(STEPS), "Emptying the trash").await?;
    let projects = note("project trash", projects::purge_expired_trash(db, now).await);
    let tasks = note("task trash", tasks::purge_expired_trash(db, now).await);
    let abandoned = Timestamp::from(now - ABANDONED_UPLOAD);
    let files = note("file trash", files::purge_expired(db, now, abandoned).await);
    note("abandoned upload sessions", files::end_abandoned_sessions(db, abandoned).await);
    note("old imports", imports::forget_finished(db, Timestamp::from(now - imports::KEEP_FINISHED)).await);
    ctx.progress(1, Some(STEPS), "Removing deleted organizations").await?;
    let organizations = note("deleted organizations", platform::purge_deleted(db, now).await);
    ctx.progress(2, Some(STEPS), "Forgetting old sign-in failures").await?;
    note("sign-in failures", lockout::forget_expired(db, FailureLimits::from_config(config), at).await);
    ctx.progress(3, Some(STEPS), "Forgetting ended sessions").await?;
    let idle_since = Timestamp::from(now - config.session_idle_timeout());
    let signed_in_since = Timestamp::from(now - config.session_absolute_timeout());
    note("ended sessions", account::forget_ended_sessions(db, idle_since, signed_in_since).await);
    ctx.progress(4, Some(STEPS), "Forgetting expired links").await?;
    note("expired links", account::forget_expired_tokens(db, at).await);
    note("idempotency keys", idempotency::forget_expired(db).await);
    note("webhook deliveries", webhooks::forget_deliveries(db, Timestamp::from(now - Duration::days(30))).await);
    ctx.progress(5, Some(STEPS), "Forgetting finished jobs").await?;
    note("finished jobs", jobs::forget_finished(db, Timestamp::from(now - jobs::KEEP_FINISHED)).await);
    ctx.progress(6, Some(STEPS), "Removing deleted files from storage").await?;
    let objects = match remove_deleted_objects(&ctx.state).await {
        Ok(count) => count,
        Err(err) => {
            failed.push(format!("deleted objects: {err}"));
            0
        }
    };
    let summary = format!(
        "Purged {projects} projects, {tasks} tasks, {files} files and {organizations} organizations; \
         removed {objects} stored objects"
    );
    ctx.progress(STEPS, Some(STEPS), &summary).await?;
    if failed.is_empty() { Ok(()) } else { Err(Failure::Error(failed.join("; "))) }
}

/// An upload with no news for this long was cut off: its file is deleted,
/// its session ended.
const ABANDONED_UPLOAD: Duration = Duration::hours(6);

/// Removes from storage the objects of rows deleted since the last run
/// (`deleted_objects`, filled by triggers), a thousand at a time; how many
/// owners' objects went.
#[tracing::instrument(name = "jobs::remove_deleted_objects", level = "debug", skip_all)]
async fn remove_deleted_objects(state: &AppState) -> Result<u64, String> {
    use crate::server::storage::Storage;
    let mut removed = 0;
    loop {
        let batch = files::deleted_objects(&state.db, 1000).await.map_err(|err| err.to_string())?;
        if batch.is_empty() {
            return Ok(removed);
        }
        for (owner, org, kind) in batch {
            let keys = match kind.as_str() {
                "file" => vec![Storage::file_key(org, FileId(owner)), Storage::thumbnail_key(org, FileId(owner))],
                _ => vec![
                    Storage::import_key(org, TaskImportId(owner)),
                    Storage::import_errors_key(org, TaskImportId(owner)),
                ],
            };
            for key in keys {
                state.storage.delete(&key).await.map_err(|err| err.to_string())?;
            }
            files::forget_deleted_object(&state.db, owner).await.map_err(|err| err.to_string())?;
            removed += 1;
        }
    }
}

/// The wait before attempt `attempts + 1`: 5 s, doubling, at most an hour.
fn backoff(attempts: i64) -> Duration {
    let exponent = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    Duration::seconds((5_i64 << exponent).min(3600))
}

/// A task that is aborted when this handle goes: a worker stopped at
/// shutdown takes its job's lease keeper and handler with it, so the lease
/// runs out and the job is claimed again.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The name of a job run's span: `job.kind` (`mail`, `process_file`...),
/// `job.id` and `job.attempt` (1 for the first) are its fields; the
/// handler's and the repository's spans nest under it. A `debug` span, so
/// logs are unchanged; exported as `job {kind}` when traces are on.
pub const JOB_SPAN: &str = "job";

/// Runs one claimed job to its end, extending the lease meanwhile, inside
/// the job's span ([`JOB_SPAN`]).
async fn run_one(state: &AppState, worker: &str, claimed: jobs::ClaimedJob) {
    let span = tracing::debug_span!(
        JOB_SPAN,
        job.kind = %claimed.kind,
        job.id = %claimed.id,
        job.attempt = claimed.attempts,
    );
    run_claimed(state, worker, claimed).instrument(span).await;
}

async fn run_claimed(state: &AppState, worker: &str, claimed: jobs::ClaimedJob) {
    let ctx = Arc::new(JobContext {
        state: state.clone(),
        id: claimed.id,
        worker: worker.to_owned(),
        attempt: claimed.attempts,
        cancel: AtomicBool::new(false),
    });
    let keeper = AbortOnDrop(tokio::spawn({
        let ctx = Arc::clone(&ctx);
        async move {
            let lease = lease(&ctx.state);
            let every = ctx.state.config.job_lease() / 3;
            loop {
                tokio::time::sleep(every).await;
                let until = Timestamp::from(OffsetDateTime::now_utc() + lease);
                match jobs::extend_lease(&ctx.state.db, ctx.id, &ctx.worker, until).await {
                    Ok(Some(cancel)) => ctx.cancel.store(cancel, Ordering::Relaxed),
                    Ok(None) => break,
                    Err(err) => tracing::warn!(error = %err, job = %ctx.id, "extending a job's lease failed"),
                }
            }
        }
        .in_current_span()
    }));
    // The handler runs as a task of its own, so a panic in it fails this
    // attempt instead of ending the worker.
    let mut handler = AbortOnDrop(tokio::spawn({
        let ctx = Arc::clone(&ctx);
        let payload = claimed.payload.clone();
        async move {
            match serde_json::from_str::<Job>(&payload) {
                Ok(job) => handle(&ctx, job).await,
                Err(err) => Err(Failure::Error(format!("unreadable job: {err}"))),
            }
        }
        .in_current_span()
    }));
    // A process stopping gives the job until its shutdown timeout, then
    // hands it back to the queue (not an attempt: any process takes it
    // at once, and an import or file resumes from its last checkpoint).
    let config = &state.config;
    let hand_back_after = config.shutdown_drain() + config.shutdown_timeout();
    let deadline = async {
        state.lifecycle.stopped().await;
        tokio::time::sleep(hand_back_after).await;
    };
    let result = tokio::select! {
        joined = &mut handler.0 => match joined {
            Ok(result) => result,
            Err(err) => Err(Failure::Error(format!("the job stopped unexpectedly: {err}"))),
        },
        () = deadline => {
            handler.0.abort();
            tracing::warn!(job = %claimed.id, kind = %claimed.kind, "handed a running job back: the process is stopping");
            Err(Failure::NotYet(Duration::ZERO))
        }
    };
    drop(keeper);
    let now = Timestamp::now();
    let outcome = match result {
        Ok(()) => Outcome::Succeeded,
        Err(Failure::Cancelled) => Outcome::Cancelled,
        Err(Failure::Error(error)) => {
            tracing::warn!(job = %claimed.id, kind = %claimed.kind, attempt = claimed.attempts, %error, "a job failed");
            Outcome::Failed { error, retry_at: Timestamp::from(now.into_inner() + backoff(claimed.attempts)) }
        }
        Err(Failure::Final(error)) => {
            tracing::warn!(job = %claimed.id, kind = %claimed.kind, attempt = claimed.attempts, %error, "a job failed for good");
            Outcome::GaveUp { error }
        }
        Err(Failure::NotYet(after)) => Outcome::Postponed { run_at: Timestamp::from(now.into_inner() + after) },
    };
    let ended = match &outcome {
        Outcome::Succeeded => "succeeded",
        Outcome::Cancelled => "cancelled",
        Outcome::Failed { .. } => "failed",
        Outcome::GaveUp { .. } => "gave_up",
        Outcome::Postponed { .. } => "postponed",
    };
    metrics::job_finished(&claimed.kind, ended);
    match jobs::finish(&state.db, claimed.id, worker, &outcome, now).await {
        Ok(true) => {}
        Ok(false) => tracing::warn!(job = %claimed.id, "a job's lease ran out before it finished"),
        Err(err) => tracing::error!(error = %err, job = %claimed.id, "recording a job's end failed"),
    }
    if claimed.kind == "import_tasks" {
        end_orphaned_imports(state).await;
    }
}

/// Ends the imports whose job ended without ending them (its last attempt
/// failed, or its worker died on it).
async fn end_orphaned_imports(state: &AppState) {
    match imports::end_orphaned(&state.db).await {
        Ok(0) => {}
        Ok(ended) => tracing::warn!(ended, "ended imports whose job had ended"),
        Err(err) => tracing::error!(error = %err, "ending imports whose job had ended failed"),
    }
}

/// A worker: claims and runs jobs (fairly between organizations:
/// `jobs::claim`) until the process stops (then it ends its job, or
/// hands it back at the shutdown timeout) or the task is aborted. `name`
/// identifies it in `jobs.locked_by`.
pub async fn work(state: AppState, name: String) {
    loop {
        if state.lifecycle.is_stopping() {
            return;
        }
        let now = OffsetDateTime::now_utc();
        let after = state.jobs.last_org();
        let until = Timestamp::from(now + lease(&state));
        match jobs::claim(&state.db, &name, Timestamp::from(now), until, after).await {
            Ok(Some(claimed)) => {
                state.jobs.served(claimed.org_id);
                run_one(&state, &name, claimed).await
            }
            Ok(None) => {
                tokio::select! {
                    _ = tokio::time::timeout(POLL, state.jobs.rung()) => {}
                    () = state.lifecycle.stopped() => {}
                }
            }
            Err(err) => {
                tracing::error!(error = %err, "claiming a job failed");
                tokio::time::sleep(POLL).await;
            }
        }
    }
}

/// The scheduler: every 30 seconds, queues again the jobs of workers that
/// died and enqueues this hour's maintenance (once across all processes).
pub async fn schedule(state: AppState) {
    let mut tick = tokio::time::interval(SCHEDULE_EVERY.min(state.config.job_lease() / 2));
    loop {
        tick.tick().await;
        let now = OffsetDateTime::now_utc();
        match jobs::release_expired(&state.db, Timestamp::from(now)).await {
            Ok(0) => {}
            Ok(released) => tracing::warn!(released, "queued again the jobs of workers that stopped"),
            Err(err) => tracing::error!(error = %err, "releasing expired job leases failed"),
        }
        end_orphaned_imports(&state).await;
        let hour = format!("maintenance:{}T{:02}", now.date(), now.hour());
        if let Err(err) = enqueue_keyed(&state, None, &Job::Maintenance, Some(hour)).await {
            tracing::error!(error = %err, "scheduling maintenance failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_five_seconds_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(5));
        assert_eq!(backoff(2), Duration::seconds(10));
        assert_eq!(backoff(4), Duration::seconds(40));
        assert_eq!(backoff(30), Duration::hours(1));
    }

    #[test]
    fn the_fan_out_queued_with_a_change_is_a_job_the_queue_reads() {
        let (org, event) = (OrgId::new(), uuid::Uuid::now_v7());
        let job: Job = serde_json::from_str(&webhooks::fan_out_payload(org, event)).unwrap();
        assert_eq!(job, Job::FanOutEvent { org, event });
        assert_eq!(job.kind(), "fan_out_event");
    }

    #[test]
    fn jobs_are_stored_with_their_kind() {
        let job = Job::Mail { to: "a@example.com".into(), subject: "Hi".into(), body: "Hello".into() };
        let json = serde_json::to_string(&job).unwrap();
        assert!(json.contains(r#""kind":"mail""#), "{json}");
        assert_eq!(serde_json::from_str::<Job>(&json).unwrap(), job);
        assert_eq!(job.kind(), "mail");
    }
}
