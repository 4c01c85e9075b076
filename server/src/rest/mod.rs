//! The REST API, `/api/v1`: software acting for an organization with an
//! API token (`Authorization: Bearer atr_...`), JSON in and out.
//!
//! - **Authentication**: a bearer token only, never the session cookie
//!   (no cookie is read here, so there is no cross-site request to
//!   forge). [`auth::authenticate`] turns the token into the role handle
//!   of its organization ([`app::server::api_tokens`]); handlers take an
//!   [`ApiClient`] and ask it for the capability they need, as the
//!   dashboard's server functions ask a member's, and call the same rules
//!   (`app::server::projects`, `app::server::tasks`, `labels`, `cycles`,
//!   `members`, `invitations`, `audit`): one rule, two doors.
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

mod audit;
pub(crate) mod auth;
mod body;
mod conditional;
mod cycles;
mod idempotency;
mod invitations;
mod labels;
mod members;
mod paging;
mod problem;
mod projects;
mod tasks;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    middleware::from_fn_with_state,
    routing::{any, get},
};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use app::server::AppState;

pub use auth::ApiClient;
pub use problem::ApiError;

/// Largest request body, in bytes (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The OpenAPI document's frame: what the routes' own annotations do not
/// say (title, version, the server prefix, bearer authentication).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Atrium REST API",
        version = "1",
        description = "Software acting for an organization with an API token. Errors are RFC 7807 problem \
                       documents; writes answer the resource and its ETag; PUT and PATCH take If-Match; POST \
                       takes Idempotency-Key; every answer carries RateLimit-* headers."
    ),
    servers((url = "/api/v1")),
    modifiers(&BearerToken),
    security(("bearer" = [])),
    components(schemas(problem::Problem)),
    tags(
        (name = "projects", description = "An organization's projects."),
        (name = "tasks", description = "A project's tasks."),
        (name = "labels", description = "The organization's labels."),
        (name = "cycles", description = "A project's cycles (iterations)."),
        (name = "members", description = "The organization's members and their roles."),
        (name = "invitations", description = "Invitations to join the organization."),
        (name = "audit", description = "The organization's audit log.")
    )
)]
struct ApiDoc;

/// Bearer authentication with an API token (`atr_...`).
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("An API token of the organization, from its settings: `atr_` and 43 characters."))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The API's routes with their OpenAPI descriptions: each route is added
/// with its handler's annotation (`routes!`), so a route cannot be
/// served without being described.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(projects::list_projects, projects::create_project))
        .routes(routes!(
            projects::get_project,
            projects::replace_project,
            projects::patch_project,
            projects::trash_project
        ))
        .routes(routes!(projects::archive_project))
        .routes(routes!(projects::unarchive_project))
        .routes(routes!(projects::restore_project))
        .routes(routes!(tasks::list_tasks, tasks::create_task))
        .routes(routes!(tasks::bulk_update_tasks))
        .routes(routes!(tasks::get_task, tasks::replace_task, tasks::patch_task, tasks::trash_task))
        .routes(routes!(tasks::complete_task))
        .routes(routes!(tasks::reopen_task))
        .routes(routes!(tasks::restore_task))
        .routes(routes!(labels::list_labels, labels::create_label))
        .routes(routes!(labels::update_label, labels::delete_label))
        .routes(routes!(cycles::list_cycles, cycles::create_cycle))
        .routes(routes!(cycles::update_cycle, cycles::delete_cycle))
        .routes(routes!(members::list_members))
        .routes(routes!(members::change_member_role, members::remove_member))
        .routes(routes!(invitations::list_invitations, invitations::create_invitation))
        .routes(routes!(invitations::revoke_invitation))
        .routes(routes!(audit::list_audit_events))
}

/// The OpenAPI 3.1 document of the REST API, generated from the handlers'
/// annotations and the types they take and answer.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().into_openapi()
}

/// The `/api/v1` router, and its document at `/api/v1/openapi.json`
/// (public: it says nothing an organization owns).
pub fn router(state: AppState) -> Router {
    let (api, document) = documented().split_for_parts();
    let document = std::sync::Arc::new(document);
    let api = api
        .route("/{*rest}", any(problem::no_such_route))
        .method_not_allowed_fallback(problem::method_not_allowed)
        .layer(from_fn_with_state(state.clone(), idempotency::replay_retries))
        .layer(from_fn_with_state(state.clone(), auth::authenticate))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state);
    let served =
        Router::new().route("/api/v1/openapi.json", get(move || async move { axum::Json(document.as_ref().clone()) }));
    served.merge(Router::new().nest("/api/v1", api))
}
