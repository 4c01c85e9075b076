//! The HTTP layer's metrics: every request by route template, method and
//! status class (a count and a latency histogram), server-function calls
//! by name, and the requests answered 429 (every rate limit and lock-out
//! of the app answers through that status, whichever surface it is on).
//!
//! Labels never hold a raw path, which would carry ids, slugs and keys
//! and make a series per value: a routed request is labelled by axum's
//! [`MatchedPath`] (`/o/{org}/projects/{project}`), one that no route
//! matched (the Leptos fallback: static files and the 404 page) by
//! [`UNMATCHED`]. A server function is named by its endpoint only when
//! it is a registered one (`app::server_fns::argument_names`), else
//! [`UNKNOWN`].

use std::{collections::HashSet, sync::Arc, time::Instant};

use axum::{
    Router,
    extract::{MatchedPath, Request, State},
    http::{Method, StatusCode},
    middleware::{Next, from_fn_with_state},
    response::Response,
};
use metrics::{Unit, describe_counter, describe_histogram};

/// Counter: requests answered, by `route`, `method` and `status` class
/// (`2xx`...`5xx`).
pub const REQUESTS: &str = "atrium_http_requests_total";
/// Histogram: seconds from a request's arrival to its response's head
/// (a streamed body's transfer is not included), by the same labels.
pub const REQUEST_DURATION: &str = "atrium_http_request_duration_seconds";
/// Counter: server-function calls (`/api/{function}`), by `function` and
/// `status` class.
pub const SERVER_FUNCTION_CALLS: &str = "atrium_server_function_calls_total";
/// Counter: requests answered 429 Too Many Requests, by `route`.
pub const RATE_LIMITED: &str = "atrium_rate_limited_requests_total";

/// The `route` of a request no route matched.
pub const UNMATCHED: &str = "fallback";
/// The `function` of a call to `/api/{name}` that names no server function.
pub const UNKNOWN: &str = "unknown";

/// Where server functions are mounted.
const SERVER_FUNCTION_PREFIX: &str = "/api/";

/// The endpoints of the registered server functions (`/api/create_task`...).
pub type ServerFunctions = Arc<HashSet<&'static str>>;

pub(super) fn describe() {
    describe_counter!(REQUESTS, "HTTP requests answered, by route template, method and status class.");
    describe_histogram!(REQUEST_DURATION, Unit::Seconds, "Time to answer an HTTP request, by route, method, status.");
    describe_counter!(SERVER_FUNCTION_CALLS, "Server function calls, by function and status class.");
    describe_counter!(RATE_LIMITED, "Requests answered 429 Too Many Requests, by route template.");
}

/// Wraps `router` with the layer (outermost, so the time includes every
/// other layer).
pub fn apply(router: Router) -> Router {
    let known: ServerFunctions = Arc::new(app::server_fns::argument_names().into_keys().collect());
    router.layer(from_fn_with_state(known, record))
}

async fn record(State(known): State<ServerFunctions>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request.extensions().get::<MatchedPath>().map_or(UNMATCHED.to_owned(), |m| m.as_str().to_owned());
    let method = method_label(request.method());
    let function = server_function(&known, request.uri().path());
    let response = next.run(request).await;
    let status = status_class(response.status());
    let labels = [("route", route.clone()), ("method", method.to_owned()), ("status", status.to_owned())];
    metrics::counter!(REQUESTS, &labels).increment(1);
    metrics::histogram!(REQUEST_DURATION, &labels).record(started.elapsed().as_secs_f64());
    if let Some(function) = function {
        metrics::counter!(SERVER_FUNCTION_CALLS, "function" => function, "status" => status).increment(1);
    }
    if response.status() == StatusCode::TOO_MANY_REQUESTS {
        metrics::counter!(RATE_LIMITED, "route" => route).increment(1);
    }
    response
}

/// The server function a request to `path` calls: its name when `path`
/// is a registered endpoint, [`UNKNOWN`] for another `/api/{name}` (one
/// segment: the REST API's `/api/v1/...` is not a server function),
/// `None` for anything else.
pub fn server_function(known: &HashSet<&'static str>, path: &str) -> Option<&'static str> {
    path.strip_prefix(SERVER_FUNCTION_PREFIX).filter(|name| !name.is_empty() && !name.contains('/'))?;
    let endpoint: Option<&'static str> = known.get(path).copied();
    Some(endpoint.map_or(UNKNOWN, |endpoint| &endpoint[SERVER_FUNCTION_PREFIX.len()..]))
}

/// The method's name when it is a standard one, else `other` (a client
/// may send any token as a method).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// `2xx`, `3xx`, `4xx` or `5xx` (`1xx` for an informational answer).
fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_registered_server_functions_are_named() {
        let known: HashSet<&'static str> = ["/api/create_task", "/api/login"].into_iter().collect();
        assert_eq!(server_function(&known, "/api/create_task"), Some("create_task"));
        assert_eq!(server_function(&known, "/api/drop_tables"), Some(UNKNOWN));
        assert_eq!(server_function(&known, "/api/v1/projects"), None);
        assert_eq!(server_function(&known, "/api/"), None);
        assert_eq!(server_function(&known, "/o/acme"), None);
    }

    #[test]
    fn statuses_are_labelled_by_class() {
        assert_eq!(status_class(StatusCode::OK), "2xx");
        assert_eq!(status_class(StatusCode::SEE_OTHER), "3xx");
        assert_eq!(status_class(StatusCode::TOO_MANY_REQUESTS), "4xx");
        assert_eq!(status_class(StatusCode::BAD_GATEWAY), "5xx");
    }
}
