//! The Atrium server: configuration, start-up, middleware and the routes
//! that are not server functions (`/health`, `/ready`, the `/v1` license API,
//! the `/api/v1` REST API).
//!
//! `main.rs` is a thin command line over this library, so integration tests
//! start the real application with [`startup::Application`].

// Leptos view types nest deeply once component erasure is off (release
// and test builds).
#![recursion_limit = "512"]

pub mod admin;
pub mod config;
pub mod demo;
pub mod export;
pub mod extract;
pub mod files;
pub mod health;
pub mod listener;
pub mod live;
pub mod metrics;
pub mod middleware;
pub mod problem;
pub mod rest;
pub mod seed;
pub mod startup;
pub mod telemetry;
pub mod v1;
