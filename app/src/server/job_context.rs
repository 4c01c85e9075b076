//! What a running job's handler works with: the app state, and the way to
//! report progress and learn that it was asked to stop. The workers
//! (`server::jobs`) make one per attempt; the handlers (file processing,
//! imports) take it, so they need nothing else of the queue.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::{
    model::JobId,
    server::{AppState, db::jobs},
};

/// What a running job's handler reports through.
pub struct JobContext {
    pub(super) state: AppState,
    pub(super) id: JobId,
    pub(super) worker: String,
    /// This attempt's number, from 1.
    pub(super) attempt: i64,
    /// Set once cancelling was asked for (seen when progress is reported
    /// or the lease extended).
    pub(super) cancel: AtomicBool,
}

/// The job was asked to stop and did.
#[derive(Debug)]
pub struct Cancelled;

impl JobContext {
    /// Records progress (`done` of `total`, a message); `Err(Cancelled)`
    /// when cancelling was asked for, so the handler stops there.
    pub async fn progress(&self, done: i64, total: Option<i64>, message: &str) -> Result<(), Cancelled> {
        match jobs::report_progress(&self.state.db, self.id, &self.worker, done, total, Some(message)).await {
            Ok(Some(true)) => self.cancel.store(true, Ordering::Relaxed),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, job = %self.id, "recording progress failed"),
        }
        if self.cancel.load(Ordering::Relaxed) { Err(Cancelled) } else { Ok(()) }
    }
}
