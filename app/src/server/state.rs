//! `AppState`: what every handler and server function shares.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::{
    auth::rate_limit::AuthLimits,
    config::{Config, PublicOrigin},
    db::Db,
};

/// Shared, cheap-to-clone application state. Server functions reach it
/// through Leptos context (`ctx::app_state()`); axum handlers through
/// `State`.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub config: Arc<Config>,
    pub public_origin: Arc<PublicOrigin>,
    pub limits: Arc<AuthLimits>,
    /// Task exports reading a batch at once, at most: a quarter of the pool
    /// (at least one), so downloads never take every connection.
    pub export_slots: Arc<tokio::sync::Semaphore>,
    /// Outgoing mail (invitations; account mail goes through the job
    /// queue).
    pub mailer: Arc<super::mail::Mailer>,
    /// Signing keys and validation counts of the license API.
    pub licensing: Arc<super::licensing::Licensing>,
    /// The job queue's in-process side (waking workers).
    pub jobs: Arc<super::queue::Queue>,
    /// Where project files and imported CSVs are kept.
    pub storage: super::storage::Storage,
    /// The REST API's OpenAPI document, for the `/docs/api` page (the
    /// binary generates it from its handlers).
    pub api_document: Arc<serde_json::Value>,
    /// The license API's (`/v1`) OpenAPI document, for the
    /// `/docs/license-api` page.
    #[from_ref(skip)]
    pub license_api_document: Arc<serde_json::Value>,
    /// Each person's open server-sent event streams.
    pub streams: Arc<super::streams::EventStreams>,
    /// Whether the process is stopping (SIGTERM).
    pub lifecycle: Arc<super::lifecycle::Lifecycle>,
}
