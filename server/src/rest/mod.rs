//! The REST API, `/api/v1`: software acting for an organization with an
//! API token (`Authorization: Bearer atr_...`), JSON in and out.
//!
//! - **Authentication**: a bearer token only, never the session cookie
//!   (no cookie is read here, so there is no cross-site request to
//!   forge). [`auth::authenticate`] turns the token into the role handle
//!   of its organization ([`app::server::api_tokens`]); handlers take an
//!   [`ApiClient`] and ask it for the capability they need, as the
//!   dashboard's server functions ask a member's, and call the same rules
//!   (`app::server::projects`, `app::server::tasks`): one rule, two doors.
//! - **Errors**: RFC 7807 problem documents (`application/problem+json`)
//!   with `status`, `title`, `detail`, and `errors` (a message per field)
//!   for bad input; another organization's ids answer 404.
//! - **Limits**: [`MAX_BODY_BYTES`] per body (413); requests per token per
//!   minute (`api_requests_per_minute_per_token`), counted on every
//!   answer in `RateLimit-Limit`, `RateLimit-Remaining` and
//!   `RateLimit-Reset` (IETF httpapi draft), and past it 429 with
//!   `Retry-After` (RFC 9110 section 10.2.3).
//! - **Concurrency**: writes answer the resource with its `ETag`; an
//!   update with `If-Match` is made only if the resource still has that
//!   tag, else 412 (RFC 9110 section 13.1.1). A create with an
//!   `Idempotency-Key` header answers a retry with the first answer
//!   ([`idempotency`]).

mod auth;
mod body;
mod conditional;
mod idempotency;
mod problem;
mod projects;
mod tasks;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    middleware::from_fn_with_state,
    routing::{any, get, post},
};

use app::server::AppState;

pub use auth::ApiClient;
pub use problem::ApiError;

/// Largest request body, in bytes (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Every route of the REST API, relative to `/api/v1`, with its methods:
/// what the OpenAPI document must describe and the route test walks.
pub const ROUTES: &[(&str, &[&str])] = &[
    ("/projects", &["GET", "POST"]),
    ("/projects/{project}", &["GET", "PUT", "PATCH", "DELETE"]),
    ("/projects/{project}/archive", &["POST"]),
    ("/projects/{project}/unarchive", &["POST"]),
    ("/projects/{project}/restore", &["POST"]),
    ("/projects/{project}/tasks", &["GET", "POST"]),
    ("/projects/{project}/tasks/bulk", &["POST"]),
    ("/tasks/{task}", &["GET", "PUT", "PATCH", "DELETE"]),
    ("/tasks/{task}/complete", &["POST"]),
    ("/tasks/{task}/reopen", &["POST"]),
    ("/tasks/{task}/restore", &["POST"]),
];

/// The `/api/v1` router.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/projects", get(projects::list).post(projects::create))
        .route(
            "/projects/{project}",
            get(projects::read).put(projects::replace).patch(projects::patch).delete(projects::trash),
        )
        .route("/projects/{project}/archive", post(projects::archive))
        .route("/projects/{project}/unarchive", post(projects::unarchive))
        .route("/projects/{project}/restore", post(projects::restore))
        .route("/projects/{project}/tasks", get(tasks::list).post(tasks::create))
        .route("/projects/{project}/tasks/bulk", post(tasks::bulk))
        .route("/tasks/{task}", get(tasks::read).put(tasks::replace).patch(tasks::patch).delete(tasks::trash))
        .route("/tasks/{task}/complete", post(tasks::complete))
        .route("/tasks/{task}/reopen", post(tasks::reopen))
        .route("/tasks/{task}/restore", post(tasks::restore))
        .route("/{*rest}", any(problem::no_such_route))
        .method_not_allowed_fallback(problem::method_not_allowed)
        .layer(from_fn_with_state(state.clone(), idempotency::replay_retries))
        .layer(from_fn_with_state(state.clone(), auth::authenticate))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state);
    Router::new().nest("/api/v1", api)
}
