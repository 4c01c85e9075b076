//! Logging, and traces when configured.
//!
//! Logs: `tracing` to standard error, human-readable or JSON, so a
//! command's own output (`seed-load`'s JSON) stays alone on standard out.
//!
//! Request logs carry the path only (never the query string, where reset
//! and verification links put their tokens), with the path segments that
//! are secrets replaced by their route parameter's name
//! ([`loggable_path`]): logs are read by more people, and kept longer,
//! than the secrets they would hold (OWASP Logging Cheat Sheet, "data to
//! exclude"; ASVS 5.0 V16.2.5).
//!
//! Traces (with `otlp_endpoint`): the same `tracing` spans, through a
//! second layer with a filter of its own ([`traced`]), become OpenTelemetry
//! spans, batched and sent by OTLP/HTTP in protobuf to
//! `{otlp_endpoint}/v1/traces` ([`Traces`]). A trace starts at an HTTP
//! request or a job run ([`RootSpans`]); the server-function, repository
//! and job-handler spans inside nest under it. Those are `debug` spans:
//! the log filter leaves them out, so logs read the same with traces on
//! or off, and with traces off a disabled span costs a cached check.

use std::{
    borrow::Cow,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use app::server::config::LogFormat;
use opentelemetry::{
    KeyValue, Value,
    trace::{Link, SpanKind, TraceId, TraceState, TracerProvider as _},
};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::{
    Resource,
    error::OTelSdkResult,
    trace::{
        BatchSpanProcessor, Sampler, SamplingDecision, SamplingResult, SdkTracerProvider, ShouldSample, SpanData,
        SpanProcessor,
    },
};
use tracing::{Level, Metadata, Subscriber};
use tracing_subscriber::{
    EnvFilter, Layer, Registry, filter::filter_fn, fmt, fmt::MakeWriter, layer::SubscriberExt, util::SubscriberInitExt,
};

/// Verbosity when `RUST_LOG` is unset: our code and request logs at info;
/// the session layer and sqlx (which log every statement) at warn.
const DEFAULT_FILTER: &str = "info,tower_sessions=warn,tower_sessions_core=warn,sqlx=warn";

/// The name of the request span (`middleware::request_id`), exported as
/// `{method} {route}` ([`HttpSpanNames`]).
pub const REQUEST_SPAN: &str = "request";
/// The name of a job run's span, exported as `job {kind}`.
pub const JOB_SPAN: &str = app::server::jobs::JOB_SPAN;

/// The longest one export to the collector may take (the request, and
/// reading its answer); the batch processor drops what arrives meanwhile
/// past its queue of 2,048 spans, so a slow collector never holds up a
/// request.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether spans are exported ([`init`] was given an endpoint). Code
/// that adds OpenTelemetry-only attributes to a span asks first.
static EXPORTING: AtomicBool = AtomicBool::new(false);

/// Whether spans are exported.
pub fn exporting() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// The collector's endpoint is unusable.
#[derive(Debug, thiserror::Error)]
#[error("otlp_endpoint must be an http(s) URL, like http://collector:4318: {0}")]
pub struct TraceError(String);

/// Installs the global subscriber: logs, and with `otlp_endpoint` the
/// trace export, whose [`Traces`] is returned (shut it down at exit so
/// the last spans are sent). Every log line inside a request carries the
/// request span's fields, `request_id` among them. Safe to call twice
/// (the second call installs nothing), which tests rely on.
///
/// Must be called inside the Tokio runtime: exports run on it.
pub fn init(format: LogFormat, otlp_endpoint: Option<&str>) -> Result<Option<Traces>, TraceError> {
    let traces = otlp_endpoint.map(Traces::start).transpose()?;
    let layer = traces.as_ref().map(Traces::layer);
    // `try_init` also forwards the `log` crate's records.
    if layered(format, std::io::stderr, layer).try_init().is_ok() && traces.is_some() {
        EXPORTING.store(true, Ordering::Relaxed);
    }
    Ok(traces)
}

/// The subscriber [`init`] installs without traces, writing to `writer`
/// (tests capture what the server logs with it).
pub fn subscriber<W>(format: LogFormat, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    layered(format, writer, None)
}

type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// The log layer, filtered by `RUST_LOG` (else [`DEFAULT_FILTER`]), and
/// beside it the trace layer under its own filter: each layer sees only
/// what its filter lets through.
fn layered<W>(format: LogFormat, writer: W, traces: Option<BoxedLayer>) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    layered_with(format, writer, filter, traces)
}

/// [`layered`] with its log filter given.
///
/// Without traces the filter is the whole subscriber's, not the log
/// layer's own: a per-layer filter loses the event that follows a `log`
/// crate `enabled` check it answered no (tokio-rs/tracing#2519), and
/// sqlx makes that check for every PostgreSQL notice, so `listening` went
/// missing whenever a start met an already migrated database. With
/// traces, the two layers need filters of their own and the loss remains
/// possible for an event right after such a check on the same thread.
fn layered_with<W>(
    format: LogFormat,
    writer: W,
    filter: EnvFilter,
    traces: Option<BoxedLayer>,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    match traces {
        None => Box::new(tracing_subscriber::registry().with(filter).with(log_layer(format, writer))),
        Some(traces) => {
            let logs = log_layer(format, writer).with_filter(filter).boxed();
            Box::new(tracing_subscriber::registry().with(vec![logs, traces]))
        }
    }
}

/// The log lines, human-readable or JSON, written to `writer`.
fn log_layer<S, W>(format: LogFormat, writer: W) -> Box<dyn Layer<S> + Send + Sync>
where
    S: Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let logs = fmt::layer().with_writer(writer);
    match format {
        LogFormat::Pretty => logs.boxed(),
        LogFormat::Json => logs.json().with_current_span(true).with_span_list(false).boxed(),
    }
}

/// What the trace layer takes: spans of Atrium's own crates (`app`,
/// `server`) down to `debug`, where the server-function, repository and
/// job spans are, and their events from `info` (as span events, like the
/// log lines). Libraries' spans (sqlx, hyper, the session store) stay out.
fn traced(metadata: &Metadata<'_>) -> bool {
    let target = metadata.target();
    let ours = ["app", "server"].iter().any(|crate_name| {
        target.strip_prefix(crate_name).is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    });
    let deepest = if metadata.is_span() { Level::DEBUG } else { Level::INFO };
    ours && *metadata.level() <= deepest
}

/// The trace export: an OpenTelemetry tracer provider whose batch span
/// processor sends spans to the collector from a thread of its own, every
/// 5 seconds or 512 spans, and drops spans past a queue of 2,048 (the
/// SDK's defaults, OpenTelemetry's `OTEL_BSP_*` variables change them).
/// Spans carry the resource `service.name` `atrium`, `service.version`
/// (the crate's) and `service.instance.id` (a random id per process).
pub struct Traces {
    provider: SdkTracerProvider,
}

impl Traces {
    fn start(endpoint: &str) -> Result<Self, TraceError> {
        let base = endpoint.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(TraceError(endpoint.to_owned()));
        }
        let url = format!("{base}/v1/traces");
        let client = Collector::new(&url).map_err(|err| TraceError(err.to_string()))?;
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(url)
            .with_timeout(EXPORT_TIMEOUT)
            .with_http_client(client)
            .build()
            .map_err(|err| TraceError(err.to_string()))?;
        let resource = Resource::builder_empty()
            .with_service_name("atrium")
            .with_attributes([
                KeyValue::new("service.version", env!("CARGO_PKG_VERSION")),
                KeyValue::new("service.instance.id", uuid::Uuid::new_v4().to_string()),
            ])
            .build();
        let provider = SdkTracerProvider::builder()
            .with_resource(resource)
            .with_sampler(Sampler::ParentBased(Box::new(RootSpans)))
            .with_span_processor(HttpSpanNames(BatchSpanProcessor::builder(exporter).build()))
            .build();
        Ok(Self { provider })
    }

    fn layer(&self) -> BoxedLayer {
        let tracer = self.provider.tracer("atrium");
        let filter = filter_fn(traced).with_max_level_hint(Level::DEBUG);
        tracing_opentelemetry::layer().with_tracer(tracer).with_filter(filter).boxed()
    }

    /// Sends the spans still queued and stops the export, waiting at
    /// most the export timeout; call it once the process has stopped
    /// serving (after the graceful shutdown), so the last requests'
    /// spans are not lost.
    pub async fn shutdown(self) {
        let provider = self.provider;
        // The provider blocks until its thread has exported, and the
        // export's request runs on this runtime: wait off its workers.
        let stopped = tokio::task::spawn_blocking(move || provider.shutdown_with_timeout(EXPORT_TIMEOUT)).await;
        match stopped {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::warn!(error = %err, "the last spans could not be exported"),
            Err(err) => tracing::warn!(error = %err, "stopping the trace export failed"),
        }
    }
}

/// Samples every trace that starts at an HTTP request or a job run, and
/// nothing else at the root: the workers' polling, the scheduler and the
/// validation-count writes call the repository every second or so, and
/// would each make a trace of one span. (Under `ParentBased`, spans with
/// a parent follow it.)
#[derive(Clone, Debug)]
struct RootSpans;

impl ShouldSample for RootSpans {
    fn should_sample(
        &self,
        _parent_context: Option<&opentelemetry::Context>,
        _trace_id: TraceId,
        name: &str,
        _span_kind: &SpanKind,
        _attributes: &[KeyValue],
        _links: &[Link],
    ) -> SamplingResult {
        let decision = if name == REQUEST_SPAN || name == JOB_SPAN {
            SamplingDecision::RecordAndSample
        } else {
            SamplingDecision::Drop
        };
        SamplingResult { decision, attributes: Vec::new(), trace_state: TraceState::NONE }
    }
}

/// Names the request and job spans as OpenTelemetry's conventions do
/// before the batch processor takes them: a request `{method} {route}`
/// (`GET /o/{org}/projects`; the method alone when no route matched),
/// kind server (HTTP semantic conventions, "HTTP server span"); a job run
/// `job {kind}`, kind consumer. Their `tracing` names stay `request` and
/// `job`, so log lines read as before.
#[derive(Debug)]
struct HttpSpanNames(BatchSpanProcessor);

impl HttpSpanNames {
    fn attribute<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
        span.attributes.iter().find(|kv| kv.key.as_str() == key).map(|kv| &kv.value)
    }
}

impl SpanProcessor for HttpSpanNames {
    fn on_start(&self, span: &mut opentelemetry_sdk::trace::Span, cx: &opentelemetry::Context) {
        self.0.on_start(span, cx);
    }

    fn on_end(&self, mut span: SpanData) {
        if span.name == REQUEST_SPAN {
            let method = Self::attribute(&span, "http.request.method").map(Value::as_str);
            let route = Self::attribute(&span, "http.route").map(Value::as_str);
            if let Some(method) = method {
                span.name = match route {
                    Some(route) => Cow::Owned(format!("{method} {route}")),
                    None => Cow::Owned(method.into_owned()),
                };
            }
            span.span_kind = SpanKind::Server;
        } else if span.name == JOB_SPAN {
            if let Some(kind) = Self::attribute(&span, "job.kind").map(Value::as_str) {
                span.name = Cow::Owned(format!("job {kind}"));
            }
            span.span_kind = SpanKind::Consumer;
        }
        self.0.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.0.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.0.set_resource(resource);
    }
}

/// The exporter's HTTP client: the app's reqwest (rustls), its requests
/// run on the app's Tokio runtime (the batch processor's thread has
/// none). A failed export is logged once, as a warning, for the life of
/// the process: the collector being away must not fill the logs.
#[derive(Debug)]
struct Collector {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
    url: String,
    warned: Arc<AtomicBool>,
}

impl Collector {
    fn new(url: &str) -> Result<Self, reqwest::Error> {
        let client =
            reqwest::Client::builder().timeout(EXPORT_TIMEOUT).connect_timeout(Duration::from_secs(5)).build()?;
        let runtime = tokio::runtime::Handle::current();
        Ok(Self { client, runtime, url: url.to_owned(), warned: Arc::default() })
    }

    fn warn_once(&self, error: &str) {
        if !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                collector = %self.url,
                error,
                "cannot export traces; spans are dropped while the collector is unreachable (logged once)"
            );
        }
    }
}

#[async_trait::async_trait]
impl opentelemetry_http::HttpClient for Collector {
    async fn send_bytes(
        &self,
        request: http::Request<bytes::Bytes>,
    ) -> Result<http::Response<bytes::Bytes>, opentelemetry_http::HttpError> {
        let request = reqwest::Request::try_from(request.map(reqwest::Body::from))?;
        let client = self.client.clone();
        let sent = self.runtime.spawn(async move {
            let response = client.execute(request).await?;
            let status = response.status();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, body))
        });
        let (status, body) = match sent.await {
            Ok(Ok(answer)) => answer,
            Ok(Err(err)) => {
                self.warn_once(&err.to_string());
                return Err(err.into());
            }
            Err(err) => return Err(err.into()),
        };
        if !status.is_success() {
            self.warn_once(&format!("the collector answered {status}"));
        }
        let mut answer = http::Response::new(body);
        *answer.status_mut() = status;
        Ok(answer)
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
    use std::sync::{Arc, Mutex};

    use app::server::config::LogFormat;
    use log::Log;
    use tracing_subscriber::EnvFilter;

    use super::{layered_with, loggable_path};

    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What sqlx does on a PostgreSQL notice, under a filter of the shape
    /// the load benchmark runs with (`warn,atrium=info`; the test's events
    /// are `server`'s): the event after the check is still logged.
    #[test]
    fn a_log_crate_enabled_check_loses_no_event() {
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber =
            layered_with(LogFormat::Json, move || writer.clone(), EnvFilter::new("warn,server=info"), None);
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("before the check");
            let notice = log::Metadata::builder().level(log::Level::Info).target("sqlx::postgres::notice").build();
            tracing_log::LogTracer::new().enabled(&notice);
            tracing::info!("after the check");
        });
        let logged = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        assert!(logged.contains("before the check"), "{logged}");
        assert!(logged.contains("after the check"), "{logged}");
    }

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
