//! Logging: `tracing` to standard error, human-readable or JSON, so a
//! command's own output (`seed-load`'s JSON) stays alone on standard out.
//!
//! Request logs carry the path only (never the query string, where reset
//! and verification links put their tokens), with the path segments that
//! are secrets replaced by their route parameter's name
//! ([`loggable_path`]): logs are read by more people, and kept longer,
//! than the secrets they would hold (OWASP Logging Cheat Sheet, "data to
//! exclude"; ASVS 5.0 V16.2.5).

use std::borrow::Cow;

use app::server::config::LogFormat;
use tracing::Subscriber;
use tracing_subscriber::{EnvFilter, fmt, fmt::MakeWriter, util::SubscriberInitExt};

/// Verbosity when `RUST_LOG` is unset: our code and request logs at info;
/// the session layer and sqlx (which log every statement) at warn.
const DEFAULT_FILTER: &str = "info,tower_sessions=warn,tower_sessions_core=warn,sqlx=warn";

/// Installs the global subscriber. Every line inside a request carries the
/// request span's fields, `request_id` among them. Safe to call twice (the
/// second call does nothing), which tests rely on.
pub fn init(format: LogFormat) {
    // `try_init` also forwards the `log` crate's records.
    let _already_set = subscriber(format, std::io::stderr).try_init();
}

/// The subscriber [`init`] installs, writing to `writer` (tests capture
/// what the server logs with it).
pub fn subscriber<W>(format: LogFormat, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = fmt().with_env_filter(filter).with_writer(writer);
    match format {
        LogFormat::Pretty => Box::new(builder.finish()),
        LogFormat::Json => Box::new(builder.json().with_current_span(true).with_span_list(false).finish()),
    }
}

/// `path` (a request's path, without its query) as it may be logged: a
/// segment that is a secret is replaced by its route parameter's name.
/// The secrets in paths are an invitation's link token
/// (`/invite/{token}`) and a license key, which `/v1` takes in place of a
/// license id (`/v1/licenses/{license}/...`, also under
/// `/v1/accounts/{account}`). Other paths are logged as they are.
pub fn loggable_path(path: &str) -> Cow<'_, str> {
    let segments: Vec<&str> = path.split('/').collect();
    // `segments[0]` is the empty text before the leading `/`.
    let secret_at = match segments.as_slice() {
        ["", "invite", _, ..] => Some((2, "{token}")),
        ["", "v1", "accounts", _, "licenses", license, ..] if *license != "actions" => Some((5, "{license}")),
        ["", "v1", "licenses", license, ..] if *license != "actions" => Some((3, "{license}")),
        _ => None,
    };
    match secret_at {
        Some((index, name)) => {
            let mut segments = segments;
            segments[index] = name;
            Cow::Owned(segments.join("/"))
        }
        None => Cow::Borrowed(path),
    }
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn secret_segments_are_replaced_by_their_names() {
        assert_eq!(loggable_path("/invite/0a1b2c"), "/invite/{token}");
        assert_eq!(loggable_path("/v1/licenses/KEY-1234/actions/validate"), "/v1/licenses/{license}/actions/validate");
        assert_eq!(
            loggable_path("/v1/accounts/acme/licenses/KEY-1234/entitlements"),
            "/v1/accounts/acme/licenses/{license}/entitlements"
        );
        assert_eq!(loggable_path("/v1/licenses/actions/validate-key"), "/v1/licenses/actions/validate-key");
        assert_eq!(loggable_path("/o/acme/projects"), "/o/acme/projects");
        assert_eq!(loggable_path("/reset-password"), "/reset-password");
    }
}
