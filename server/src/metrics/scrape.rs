//! `GET /metrics`, and the gauges it samples when it is read.

use std::{sync::OnceLock, time::Duration};

use app::server::{
    AppState,
    db::{Timestamp, jobs},
};
use axum::{
    extract::{Request, State},
    handler::Handler,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use metrics::describe_gauge;

use super::{access, recorder};

/// Gauge: connections the pool holds open.
pub const POOL_CONNECTIONS: &str = "atrium_db_pool_connections";
/// Gauge: of those, the idle ones.
pub const POOL_IDLE: &str = "atrium_db_pool_idle_connections";
/// Gauge: the most connections the pool may open (`database_max_connections`).
pub const POOL_MAX: &str = "atrium_db_pool_max_connections";
/// Gauge: queued jobs, due or waiting for a retry.
pub const JOBS_QUEUED: &str = "atrium_jobs_queued";
/// Gauge: seconds since the oldest due queued job was due; 0 when none is.
pub const JOBS_OLDEST_DUE_AGE: &str = "atrium_jobs_oldest_due_age_seconds";

/// The exposition format's content type.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

pub(super) fn describe() {
    describe_gauge!(POOL_CONNECTIONS, "Database connections the pool holds open.");
    describe_gauge!(POOL_IDLE, "Idle database connections in the pool.");
    describe_gauge!(POOL_MAX, "The most database connections the pool may open.");
    describe_gauge!(JOBS_QUEUED, "Queued jobs, due or waiting for a retry.");
    describe_gauge!(JOBS_OLDEST_DUE_AGE, metrics::Unit::Seconds, "Seconds since the oldest due queued job was due.");
    process().describe();
}

/// The process metrics' collector (`process_cpu_seconds_total`,
/// `process_resident_memory_bytes`, `process_open_fds`, ...).
fn process() -> &'static metrics_process::Collector {
    static PROCESS: OnceLock<metrics_process::Collector> = OnceLock::new();
    PROCESS.get_or_init(metrics_process::Collector::default)
}

/// `GET /metrics`: every metric, for a client [`access::allowed`] lets in;
/// anyone else gets what a path that does not exist gets (the app's 404
/// page, through the same fallback), so the route is not revealed. A
/// failed queue query leaves the job gauges at their last values, and is
/// logged.
pub async fn scrape(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if !access::allowed(&parts, &state.config) {
        let not_found = leptos_axum::file_and_error_handler::<AppState, _>(app::shell);
        return not_found.call(Request::from_parts(parts, body), state).await;
    }
    let handle = recorder::handle();
    sample(&state).await;
    handle.run_upkeep();
    ([(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))], handle.render()).into_response()
}

/// Sets the gauges that are read when scraped.
async fn sample(state: &AppState) {
    let pool = state.db.pool_stats();
    metrics::gauge!(POOL_CONNECTIONS).set(f64::from(pool.size));
    metrics::gauge!(POOL_IDLE).set(f64::from(pool.idle));
    metrics::gauge!(POOL_MAX).set(f64::from(pool.max));
    let now = time::OffsetDateTime::now_utc();
    match jobs::queue_stats(&state.db, Timestamp::from(now)).await {
        Ok(queue) => {
            #[allow(clippy::cast_precision_loss, reason = "a queue's length is far below 2^52")]
            metrics::gauge!(JOBS_QUEUED).set(queue.queued as f64);
            let age = queue
                .oldest_due
                .map_or(Duration::ZERO, |due| Duration::try_from(now - due.into_inner()).unwrap_or(Duration::ZERO));
            metrics::gauge!(JOBS_OLDEST_DUE_AGE).set(age.as_secs_f64());
        }
        Err(err) => tracing::warn!(error = %err, "reading the job queue for /metrics failed"),
    }
    process().collect();
}
