//! A trace span around each server-function call (`/api/{function}`),
//! named by the function (`create_task`; `unknown` for a name that is no
//! registered function, as the metrics label it): the repository calls
//! the function makes nest under it, and it under the request's span.
//! A `debug` span, so the request logs are unchanged; it is recorded
//! when traces are exported (`telemetry`), and costs a disabled span's
//! check otherwise.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use tracing::Instrument;

use crate::metrics::http::{ServerFunctions, server_function};

/// The span's name (exported as the function's name).
pub const SERVER_FUNCTION_SPAN: &str = "server_function";

pub async fn trace_server_function(State(known): State<ServerFunctions>, request: Request, next: Next) -> Response {
    let Some(function) = server_function(&known, request.uri().path()) else {
        return next.run(request).await;
    };
    let span = tracing::debug_span!(SERVER_FUNCTION_SPAN, otel.name = function, code.function.name = function);
    next.run(request).instrument(span).await
}
