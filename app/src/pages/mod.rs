//! Pages, one folder per feature.

pub mod account;
pub mod admin;
pub mod api_docs;
pub mod auth;
pub mod files;
pub mod home;
pub mod invite;
pub mod licenses;
pub mod orgs;
pub mod palette;
pub mod projects;
