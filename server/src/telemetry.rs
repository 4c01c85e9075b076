//! Logging: `tracing` to standard error, human-readable or JSON, so a
//! command's own output (`seed-load`'s JSON) stays alone on standard out.

use app::server::config::LogFormat;
use tracing_subscriber::{EnvFilter, fmt};

/// Verbosity when `RUST_LOG` is unset: our code and request logs at info;
/// the session layer and sqlx (which log every statement) at warn.
const DEFAULT_FILTER: &str = "info,tower_sessions=warn,tower_sessions_core=warn,sqlx=warn";

/// Installs the global subscriber. Every line inside a request carries the
/// request span's fields, `request_id` among them. Safe to call twice (the
/// second call does nothing), which tests rely on.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _already_set = match format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).try_init(),
    };
}
