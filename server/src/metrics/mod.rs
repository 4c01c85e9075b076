//! Prometheus metrics: the process's one recorder ([`recorder`]), and
//! `/metrics` ([`scrape`]), which renders everything recorded in the text
//! exposition format (version 0.0.4), after sampling the gauges that are
//! read rather than recorded (the database pool, the job queue, the
//! process).
//!
//! What is recorded where: HTTP requests, server-function calls and 429
//! answers by [`http`] (a layer of the router); the domain's own by
//! `app::server::metrics` (license validations, sign-ins, lock-outs, jobs,
//! uploads, waits for a connection). Who may read it: [`access`].

pub mod access;
pub mod http;
pub mod recorder;
pub mod scrape;

use std::sync::Once;

/// Installs the recorder (once per process) and describes every metric
/// to it (their `# HELP` lines and units).
pub fn install() {
    static DESCRIBED: Once = Once::new();
    recorder::handle();
    DESCRIBED.call_once(|| {
        http::describe();
        scrape::describe();
        app::server::metrics::describe();
    });
}
