//! Server-only code: never compiled to wasm (`feature = "ssr"`).

pub mod actor;
pub mod api_reference;
pub mod api_tokens;
pub mod audit;
pub mod auth;
pub mod config;
pub mod csp;
pub mod csv_out;
pub mod ctx;
pub mod cycles;
pub mod db;
pub mod file_processing;
pub mod flash;
pub mod handles;
pub mod imports;
pub mod invitations;
pub mod job_context;
pub mod jobs;
pub mod labels;
pub mod licenses;
pub mod licensing;
pub mod mail;
pub mod members;
pub mod notices;
pub mod projects;
pub mod queue;
pub mod session_store;
pub mod state;
pub mod storage;
pub mod streams;
pub mod tasks;
pub mod theme;
pub mod uploads;

pub use config::Config;
pub use state::AppState;
