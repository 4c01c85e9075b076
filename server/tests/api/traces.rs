//! Trace export: the `atrium` binary with `otlp_endpoint` set sends its
//! spans by OTLP/HTTP (protobuf) to a collector, here a fake one that
//! keeps what it is sent; without the setting it sends nothing.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{Router, body::Bytes, extract::State, http::StatusCode, routing::post};
use opentelemetry_proto::tonic::{
    collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse},
    common::v1::{KeyValue, any_value},
    trace::v1::Span,
};
use prost::Message;
use reqwest::Response;

use crate::{
    helpers::{Person, Visitor, free_port, on_postgres, slug, started, test_database, visitor_on},
    shutdown::{exit_of, terminate},
};

/// A span as the collector received it, with its resource's attributes.
#[derive(Clone, Debug)]
struct Received {
    span: Span,
    resource: Vec<KeyValue>,
}

impl Received {
    fn attribute(&self, key: &str) -> Option<&any_value::Value> {
        attribute(&self.span.attributes, key)
    }

    fn text(&self, key: &str) -> Option<&str> {
        match self.attribute(key)? {
            any_value::Value::StringValue(text) => Some(text),
            _ => None,
        }
    }

    fn int(&self, key: &str) -> Option<i64> {
        match self.attribute(key)? {
            any_value::Value::IntValue(int) => Some(*int),
            _ => None,
        }
    }
}

fn attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a any_value::Value> {
    attributes.iter().find(|kv| kv.key == key)?.value.as_ref()?.value.as_ref()
}

/// An OTLP/HTTP collector on a free port of this machine: it answers
/// `POST /v1/traces` (protobuf `ExportTraceServiceRequest`) 200 and
/// keeps the spans.
struct Collector {
    /// The base URL, as `otlp_endpoint` takes it.
    url: String,
    spans: Arc<Mutex<Vec<Received>>>,
    /// How many export requests arrived.
    exports: Arc<Mutex<usize>>,
}

#[derive(Clone)]
struct Kept {
    spans: Arc<Mutex<Vec<Received>>>,
    exports: Arc<Mutex<usize>>,
}

async fn export(State(kept): State<Kept>, body: Bytes) -> (StatusCode, [(&'static str, &'static str); 1], Vec<u8>) {
    let content_type = [("content-type", "application/x-protobuf")];
    let Ok(request) = ExportTraceServiceRequest::decode(body) else {
        return (StatusCode::BAD_REQUEST, content_type, Vec::new());
    };
    *kept.exports.lock().unwrap() += 1;
    let mut spans = kept.spans.lock().unwrap();
    for resource_spans in request.resource_spans {
        let resource = resource_spans.resource.map(|resource| resource.attributes).unwrap_or_default();
        for scope_spans in resource_spans.scope_spans {
            spans.extend(scope_spans.spans.into_iter().map(|span| Received { span, resource: resource.clone() }));
        }
    }
    (StatusCode::OK, content_type, ExportTraceServiceResponse::default().encode_to_vec())
}

impl Collector {
    async fn start() -> Self {
        let kept = Kept { spans: Arc::default(), exports: Arc::default() };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let router = Router::new().route("/v1/traces", post(export)).with_state(kept.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { url, spans: kept.spans, exports: kept.exports }
    }

    fn spans(&self) -> Vec<Received> {
        self.spans.lock().unwrap().clone()
    }
}

/// The `x-request-id` the server answered with.
fn request_id(response: &Response) -> String {
    response.headers()["x-request-id"].to_str().unwrap().to_owned()
}

/// Whether `span` is `ancestor` or below it, by parent ids within the
/// trace.
fn descends_from(span: &Span, ancestor: &Span, by_id: &HashMap<Vec<u8>, &Span>) -> bool {
    let mut current = span;
    for _ in 0..64 {
        if current.span_id == ancestor.span_id {
            return true;
        }
        match by_id.get(&current.parent_span_id) {
            Some(parent) => current = parent,
            None => return false,
        }
    }
    false
}

/// Waits up to 10 seconds for a mail to `to` about `subject` in `dir`.
async fn until_mailed(dir: &std::path::Path, to: &str, subject: &str) {
    let about = |mail: &str| {
        mail.lines().any(|l| l.starts_with("To: ") && l.contains(to))
            && mail.lines().any(|l| l == format!("Subject: {subject}"))
    };
    for _ in 0..100 {
        let entries = std::fs::read_dir(dir).into_iter().flatten().filter_map(|entry| entry.ok());
        if entries.filter_map(|entry| std::fs::read_to_string(entry.path()).ok()).any(|mail| about(&mail)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no mail to {to} about {subject:?}");
}

/// Signs up, makes a project (a server function), opens the
/// organization's page, asks for a password reset (a job): the project's
/// and the page's responses.
async fn browse(visitor: &Visitor, person: &Person, mail_dir: &std::path::Path) -> (Response, Response) {
    let org = slug(&visitor.signed_up(person).await).to_owned();
    let created = visitor.call("create_project", &[("org", &org), ("name", "Traced")]).await;
    assert_eq!(created.status(), 200);
    let page = visitor.get(&format!("/o/{org}")).await;
    assert_eq!(page.status(), 200);
    visitor.ok("forgot_password", &[("email", &person.email)]).await;
    until_mailed(mail_dir, &person.email, "Reset your Atrium password").await;
    (created, page)
}

#[tokio::test]
async fn traces_of_requests_server_functions_queries_and_jobs_are_exported_with_the_request_id() {
    let collector = Collector::start().await;
    let (database_url, _database) = test_database().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let visitor = visitor_on(port);
    let settings = [("ATRIUM_OTLP_ENDPOINT", collector.url.as_str()), ("ATRIUM_SHUTDOWN_DRAIN_SECONDS", "0")];
    let mut server = started(&database_url, port, dir.path(), &settings).await;
    let person = Person::new("traced");
    let (created, page) = browse(&visitor, &person, &dir.path().join("mail")).await;
    // The last spans go out when the process stops.
    terminate(&server);
    assert!(exit_of(&mut server, Duration::from_secs(20)).await.success());

    let spans = collector.spans();
    assert!(!spans.is_empty(), "nothing was exported");
    let by_id: HashMap<Vec<u8>, &Span> = spans.iter().map(|s| (s.span.span_id.clone(), &s.span)).collect();
    let resource = &spans[0].resource;
    assert!(
        matches!(attribute(resource, "service.name"), Some(any_value::Value::StringValue(name)) if name == "atrium"),
        "{resource:?}"
    );

    // The server function's request: its span carries the request id,
    // the route template, the method and the status...
    let id = request_id(&created);
    let request = spans
        .iter()
        .find(|s| s.text("request_id") == Some(id.as_str()))
        .unwrap_or_else(|| panic!("no span with request_id {id}"));
    assert_eq!(request.span.name, "POST /api/create_project");
    assert_eq!(request.text("http.route"), Some("/api/create_project"));
    assert_eq!(request.text("http.request.method"), Some("POST"));
    assert_eq!(request.int("http.response.status_code"), Some(200));
    assert!(request.span.parent_span_id.is_empty(), "a request is a trace's root");
    // ...and the server function's span and its queries are in its tree.
    let in_trace: Vec<&Received> = spans.iter().filter(|s| s.span.trace_id == request.span.trace_id).collect();
    let function = in_trace
        .iter()
        .find(|s| s.span.name == "create_project")
        .unwrap_or_else(|| panic!("no server function span: {:?}", names(&in_trace)));
    assert_eq!(function.text("code.function.name"), Some("create_project"));
    assert!(descends_from(&function.span, &request.span, &by_id));
    let insert = in_trace
        .iter()
        .find(|s| s.span.name == "projects::insert")
        .unwrap_or_else(|| panic!("no repository span: {:?}", names(&in_trace)));
    assert!(descends_from(&insert.span, &function.span, &by_id), "the query is the function's");
    let backend = if on_postgres() { "postgresql" } else { "sqlite" };
    assert_eq!(insert.text("db.system.name"), Some(backend));

    // A page's render spawns tasks; their queries stay in its trace.
    let id = request_id(&page);
    let page_span = spans.iter().find(|s| s.text("request_id") == Some(id.as_str())).expect("the page's span");
    assert_eq!(page_span.text("http.request.method"), Some("GET"));
    let page_queries = spans
        .iter()
        .filter(|s| s.span.trace_id == page_span.span.trace_id && s.text("db.system.name").is_some())
        .filter(|s| descends_from(&s.span, &page_span.span, &by_id))
        .count();
    assert!(page_queries > 0, "the page's queries are in its trace");

    // The reset mail's job: a span of its own, with kind, id and attempt,
    // and its handler's and queries' spans under it.
    let job = spans
        .iter()
        .find(|s| s.text("job.kind") == Some("password_reset"))
        .unwrap_or_else(|| panic!("no job span: {:?}", names(&spans.iter().collect::<Vec<_>>())));
    assert_eq!(job.span.name, "job password_reset");
    assert_eq!(job.int("job.attempt"), Some(1));
    assert!(job.text("job.id").is_some_and(|id| !id.is_empty()));
    let handler = spans.iter().find(|s| s.span.name == "notices::send_reset_link").expect("the handler's span");
    assert!(descends_from(&handler.span, &job.span, &by_id));

    // No secret in any attribute: not the password, not the reset link.
    let all = format!("{:?}", spans.iter().map(|s| &s.span).collect::<Vec<_>>());
    assert!(!all.contains(&person.password), "the password was exported");
    assert!(!all.contains("token="), "a link's token was exported");
}

fn names(spans: &[&Received]) -> Vec<String> {
    spans.iter().map(|s| s.span.name.clone()).collect()
}

#[tokio::test]
async fn without_an_endpoint_no_trace_is_sent() {
    let collector = Collector::start().await;
    let (database_url, _database) = test_database().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let visitor = visitor_on(port);
    // Not even to OpenTelemetry's own variable: only `otlp_endpoint`
    // turns the export on.
    let settings = [("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url.as_str()), ("ATRIUM_SHUTDOWN_DRAIN_SECONDS", "0")];
    let mut server = started(&database_url, port, dir.path(), &settings).await;
    browse(&visitor, &Person::new("untraced"), &dir.path().join("mail")).await;
    terminate(&server);
    assert!(exit_of(&mut server, Duration::from_secs(20)).await.success());
    assert_eq!(*collector.exports.lock().unwrap(), 0, "an export was sent");
}

#[tokio::test]
async fn an_unreachable_collector_fails_no_request_and_holds_up_no_shutdown() {
    let (database_url, _database) = test_database().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let visitor = visitor_on(port);
    // A port nothing listens on: every export is refused.
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let settings = [("ATRIUM_OTLP_ENDPOINT", nowhere.as_str()), ("ATRIUM_SHUTDOWN_DRAIN_SECONDS", "0")];
    let mut server = started(&database_url, port, dir.path(), &settings).await;
    let started_at = std::time::Instant::now();
    browse(&visitor, &Person::new("unheard"), &dir.path().join("mail")).await;
    for _ in 0..20 {
        assert_eq!(visitor.get("/health").await.status(), 200);
    }
    assert!(started_at.elapsed() < Duration::from_secs(15), "requests were held up: {:?}", started_at.elapsed());
    terminate(&server);
    assert!(exit_of(&mut server, Duration::from_secs(15)).await.success());
}
