//! HTTP tests: the real application on port 0, driven like a browser
//! would drive it (server functions, pages, probes). One binary, many
//! modules, a fresh database per test.

mod helpers;

mod account;
mod admin_cli;
mod api_tokens;
mod audit;
mod auth;
mod concurrency;
mod copy_database;
mod dashboard_prefs;
mod demo;
mod events;
mod export;
mod files;
mod guessing;
mod hardening;
mod imports;
mod invitations;
mod jobs;
mod keygen_admin;
mod license_api_limits;
mod licensing;
mod limits;
mod live;
mod members;
mod metrics;
mod openapi;
mod organizations;
mod outbox;
mod pages;
mod platform;
mod probes;
mod processes;
mod projects;
mod rest_more;
mod rest_projects;
mod rest_tasks;
mod security;
mod settings;
mod shutdown;
mod tasks;
mod traces;
mod webhooks;
