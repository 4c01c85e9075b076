//! What the domain records for Prometheus, through the `metrics` facade:
//! license validations, sign-ins, lock-outs, jobs, uploads and the
//! database pool's waits. The
//! binary installs the recorder and serves `/metrics`
//! (`server/src/metrics`); without a recorder (unit tests, the command
//! line) these calls do nothing.
//!
//! Label values are fixed sets written here or in the code that calls
//! (a job's kind, an outcome), never a person's input or an id, so the
//! number of series stays bounded (Prometheus, "Instrumentation: do not
//! overuse labels"). This file depends on no other of the crate, so any
//! layer may record without an import circle.

use std::time::Duration;

/// Counter: license validations (`/v1`), by `code`: Keygen's result
/// codes (`VALID`, `NOT_FOUND`, `EXPIRED`, ...: `licensing::validation`).
pub const LICENSE_VALIDATIONS: &str = "atrium_license_validations_total";
pub const VALIDATION_READS: &str = "atrium_license_validation_reads_total";
/// Counter: sign-ins by `result` (`succeeded`, `failed`: a wrong password
/// or second-factor code).
pub const SIGN_INS: &str = "atrium_sign_ins_total";
/// Counter: sign-in attempts refused by the failure counts before their
/// password or code was checked (`auth::lockout`), by `reason`
/// (`delayed`: waiting after a failure; `locked`: locked out for the
/// window).
pub const SIGN_IN_LOCKOUTS: &str = "atrium_sign_in_lockouts_total";
/// Counter: job attempts ended, by `kind` (`Job::kind`) and `outcome`
/// (`succeeded`, `cancelled`, `failed`: queued again, `gave_up`, `postponed`: queued again uncounted).
pub const JOBS_FINISHED: &str = "atrium_jobs_finished_total";
/// Gauge: uploads whose bytes are being received now, by `kind` (`file`,
/// `import`).
pub const UPLOADS_IN_FLIGHT: &str = "atrium_uploads_in_flight";
/// Counter: bytes stored by uploads that completed, by `kind`.
pub const UPLOAD_BYTES: &str = "atrium_upload_bytes_total";
/// Histogram: seconds spent waiting for a connection from the pool.
pub const POOL_ACQUIRE: &str = "atrium_db_pool_acquire_seconds";

/// Describes this module's metrics to the installed recorder (their
/// `# HELP` and unit). Call once, after installing it.
pub fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(LICENSE_VALIDATIONS, "License validations on /v1, by result code.");
    describe_counter!(
        VALIDATION_READS,
        "What license validations read, by source (cache: a recent validation's; database)."
    );
    describe_counter!(SIGN_INS, "Sign-ins, by result (succeeded, failed).");
    describe_counter!(SIGN_IN_LOCKOUTS, "Sign-in attempts refused by the failure counts, by reason.");
    describe_counter!(JOBS_FINISHED, "Job attempts ended, by kind and outcome.");
    describe_gauge!(UPLOADS_IN_FLIGHT, "Uploads being received now, by kind (file, import).");
    describe_counter!(UPLOAD_BYTES, Unit::Bytes, "Bytes stored by completed uploads, by kind (file, import).");
    describe_histogram!(POOL_ACQUIRE, Unit::Seconds, "Time waited for a database connection from the pool.");
}

/// A license validation answered `code`.
pub fn license_validated(code: &'static str) {
    metrics::counter!(LICENSE_VALIDATIONS, "code" => code).increment(1);
}

/// A license validation read its license from `source`: `"cache"` or
/// `"database"`.
pub fn validation_read(source: &'static str) {
    metrics::counter!(VALIDATION_READS, "source" => source).increment(1);
}

/// A sign-in passed every factor.
pub fn sign_in_succeeded() {
    metrics::counter!(SIGN_INS, "result" => "succeeded").increment(1);
}

/// A password or second-factor code was wrong.
pub fn sign_in_failed() {
    metrics::counter!(SIGN_INS, "result" => "failed").increment(1);
}

/// An attempt was refused before it was checked: `locked` for the
/// window, or else delayed after a recent failure.
pub fn sign_in_refused(locked: bool) {
    let reason = if locked { "locked" } else { "delayed" };
    metrics::counter!(SIGN_IN_LOCKOUTS, "reason" => reason).increment(1);
}

/// A job attempt of `kind` ended with `outcome`.
pub fn job_finished(kind: &str, outcome: &'static str) {
    metrics::counter!(JOBS_FINISHED, "kind" => kind.to_owned(), "outcome" => outcome).increment(1);
}

/// `bytes` of an upload of `kind` (`file`, `import`) were stored.
pub fn upload_stored(kind: &'static str, bytes: u64) {
    metrics::counter!(UPLOAD_BYTES, "kind" => kind).increment(bytes);
}

/// Counts an upload of `kind` in [`UPLOADS_IN_FLIGHT`] while it lives
/// (dropped when the upload ends, however it ends: a request cut off
/// drops it too).
#[must_use]
pub struct UploadInFlight(&'static str);

impl UploadInFlight {
    pub fn start(kind: &'static str) -> Self {
        metrics::gauge!(UPLOADS_IN_FLIGHT, "kind" => kind).increment(1.0);
        Self(kind)
    }
}

impl Drop for UploadInFlight {
    fn drop(&mut self) {
        metrics::gauge!(UPLOADS_IN_FLIGHT, "kind" => self.0).decrement(1.0);
    }
}

/// A connection was handed out after `waited`.
pub fn pool_acquired(waited: Duration) {
    metrics::histogram!(POOL_ACQUIRE).record(waited.as_secs_f64());
}
