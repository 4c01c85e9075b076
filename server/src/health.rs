//! `/health` (the process is up) and `/ready` (and can reach its database).

use app::server::AppState;
use axum::{Json, extract::State, http::StatusCode};
use serde::Serialize;

/// Body of both probes: `{"status":"ok"}`, `{"status":"unavailable"}` or
/// `{"status":"stopping"}`.
#[derive(Debug, Serialize)]
pub struct Probe {
    status: &'static str,
}

/// Liveness: 200 whenever the process serves requests.
pub async fn health() -> Json<Probe> {
    Json(Probe { status: "ok" })
}

/// Readiness: 200 when a query succeeds, 503 otherwise (the cause is
/// logged, not sent), and 503 as soon as the process is stopping.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Probe>) {
    if state.lifecycle.is_stopping() {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(Probe { status: "stopping" }));
    }
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, Json(Probe { status: "ok" })),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(Probe { status: "unavailable" }))
        }
    }
}
