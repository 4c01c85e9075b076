//! The Atrium server: configuration, start-up, middleware and the routes
//! that are not server functions (`/health`, `/ready`).
//!
//! `main.rs` is a thin command line over this library, so integration tests
//! start the real application with [`startup::Application`].

pub mod admin;
pub mod config;
pub mod health;
pub mod middleware;
pub mod startup;
pub mod telemetry;
