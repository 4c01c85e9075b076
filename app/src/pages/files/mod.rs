//! A project's files, its upload sessions, CSV imports of tasks, and the
//! organization's background jobs:
//!
//! - `/o/{org}/projects/{id}/files`: upload (with a progress bar per file
//!   once hydrated, a plain form without JavaScript), download, rename,
//!   trash; statuses change live as files are processed;
//! - `/o/{org}/projects/{id}/uploads` and `/o/{org}/uploads/{session}`;
//! - `/o/{org}/projects/{id}/import` and `/o/{org}/imports/{import}`;
//! - `/o/{org}/jobs`.

mod import;
mod jobs;
mod list;
mod progress;
mod status;
mod style;
pub(crate) mod tabs;
mod uploads;

pub use import::{ImportPage, ImportUploadPage};
pub use jobs::OrgJobsPage;
pub use list::FilesPage;
pub use uploads::{UploadSessionPage, UploadsPage};
