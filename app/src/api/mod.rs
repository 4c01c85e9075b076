//! Server functions: thin. Session → `OrgCtx` → parse input → repository →
//! DTO. Each has a stable endpoint under `/api/` (the name given in
//! `#[server(endpoint = ...)]`), so tests and tools can call it directly.
//!
//! Calls from the hydrated app post URL-encoded arguments and read JSON; an
//! `ActionForm` without JavaScript posts the same form and is redirected
//! back (errors travel in the query string and show next to the fields).
//!
//! Errors are `AppError`; the server sets each one's HTTP status in one
//! layer (`server::middleware::server_fn_status`), so the functions here
//! only return them.

pub mod account;
pub mod audit;
pub mod auth;
pub mod cycles;
pub mod docs;
pub mod draft;
pub mod files;
pub mod flash;
pub mod invitations;
pub mod labels;
pub mod licensing;
pub mod members;
pub mod orgs;
pub mod platform;
pub mod projects;
pub mod settings;
pub mod tasks;
pub mod tokens;
pub mod views;
pub mod webhooks;

/// The argument parsers live with the model (the server's plain routes use
/// them too); server functions name them here.
pub use crate::model::args;
