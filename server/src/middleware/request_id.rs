//! Request ids: each request gets an `x-request-id` (kept when the client
//! or a proxy sent one), echoed on the response and recorded on the
//! request's log span, so every log line of a request carries it. The
//! span's `path` is the path without its query, with secret segments
//! replaced (`telemetry::loggable_path`).
//!
//! When traces are exported, the same span is the request's trace root
//! and also gets OpenTelemetry's HTTP server attributes (not `tracing`
//! fields, so log lines stay as they are): `http.request.method`,
//! `http.route` (axum's route template, like `/o/{org}/projects`; absent
//! when no route matched) and `http.response.status_code`, with the
//! span's status an error for a 5xx answer (HTTP semantic conventions,
//! "Status").

use std::time::Duration;

use axum::{
    Router,
    extract::MatchedPath,
    http::{Request, Response},
};
use opentelemetry::trace::Status;
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    trace::{DefaultOnResponse, OnResponse, TraceLayer},
};
use tracing::{Level, Span};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::telemetry::{self, REQUEST_SPAN};

/// Wraps `router` with the id and trace layers (outermost).
pub fn apply<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request<_>| {
            let request_id = request
                .extensions()
                .get::<RequestId>()
                .and_then(|id| id.header_value().to_str().ok())
                .unwrap_or_default();
            let span = tracing::info_span!(
                REQUEST_SPAN,
                method = %request.method(),
                path = %telemetry::loggable_path(request.uri().path()),
                request_id = %request_id,
            );
            if telemetry::exporting() {
                span.set_attribute("http.request.method", request.method().as_str().to_owned());
                if let Some(route) = request.extensions().get::<MatchedPath>() {
                    span.set_attribute("http.route", route.as_str().to_owned());
                }
            }
            span
        })
        .on_response(|response: &Response<_>, latency: Duration, span: &Span| {
            DefaultOnResponse::new().level(Level::INFO).on_response(response, latency, span);
            if telemetry::exporting() {
                let status = response.status();
                span.set_attribute("http.response.status_code", i64::from(status.as_u16()));
                if status.is_server_error() {
                    span.set_status(Status::error(status.to_string()));
                }
            }
        });
    router
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(trace)
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}
