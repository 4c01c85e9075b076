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
mod uploads;

pub use import::{ImportPage, ImportUploadPage};
pub use jobs::OrgJobsPage;
pub use list::FilesPage;
pub use uploads::{UploadSessionPage, UploadsPage};

use leptos::prelude::*;

use crate::model::{FileStatus, ImportStatus, UploadStatus};

const CARD: &str = "mt-6 rounded-lg border border-slate-200 bg-white p-6";
const BUTTON: &str =
    "rounded-md border border-slate-300 px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50";
const PRIMARY: &str = "rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm \
                       hover:bg-indigo-500 disabled:cursor-wait disabled:opacity-70";
const SELECT: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900";
const LABEL: &str = "block text-sm font-medium text-slate-700";

/// The links between a project's pages.
#[component]
pub fn ProjectTabs(slug: String, project: String, current: &'static str) -> impl IntoView {
    let tabs = [
        ("tasks", "Tasks", ""),
        ("files", "Files", "/files"),
        ("uploads", "Uploads", "/uploads"),
        ("import", "Import", "/import"),
    ];
    view! {
        <nav aria-label="Project" class="mt-3 flex gap-1">
            {tabs
                .into_iter()
                .map(|(key, label, rest)| {
                    view! {
                        <a
                            href=format!("/o/{slug}/projects/{project}{rest}")
                            class="tab"
                            aria-current=(key == current).then_some("page")
                        >
                            {label}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}

fn badge(class: &str, label: &'static str) -> impl IntoView + use<> {
    view! { <span class=format!("rounded px-1.5 py-0.5 text-xs font-medium {class}")>{label}</span> }
}

fn file_status_badge(status: FileStatus) -> impl IntoView + use<> {
    let class = match status {
        FileStatus::Uploading | FileStatus::Queued => "bg-slate-100 text-slate-700",
        FileStatus::Processing => "bg-indigo-100 text-indigo-800",
        FileStatus::Ready => "bg-emerald-100 text-emerald-800",
        FileStatus::Failed => "bg-red-100 text-red-800",
    };
    badge(class, status.label())
}

fn upload_status_badge(status: UploadStatus) -> impl IntoView + use<> {
    let class = match status {
        UploadStatus::InProgress => "bg-indigo-100 text-indigo-800",
        UploadStatus::Completed => "bg-emerald-100 text-emerald-800",
        UploadStatus::Failed => "bg-red-100 text-red-800",
        UploadStatus::Cancelled => "bg-amber-100 text-amber-900",
    };
    badge(class, status.label())
}

fn import_status_badge(status: ImportStatus) -> impl IntoView + use<> {
    let class = match status {
        ImportStatus::Draft => "bg-slate-100 text-slate-700",
        ImportStatus::Importing => "bg-indigo-100 text-indigo-800",
        ImportStatus::Succeeded => "bg-emerald-100 text-emerald-800",
        ImportStatus::Failed => "bg-red-100 text-red-800",
        ImportStatus::Cancelled => "bg-amber-100 text-amber-900",
    };
    badge(class, status.label())
}

/// A labelled progress bar with its percentage.
#[component]
fn ProgressBar(
    #[prop(into)] label: String,
    #[prop(into)] done: Signal<f64>,
    #[prop(into)] total: Signal<f64>,
) -> impl IntoView {
    let percent = move || {
        let total = total.get();
        if total <= 0.0 { 0 } else { ((done.get().min(total) / total) * 100.0).floor() as i64 }
    };
    view! {
        <div class="flex items-center gap-3">
            <progress
                class="h-2 w-48 overflow-hidden rounded accent-indigo-600"
                aria-label=label
                max=move || total.get().max(1.0)
                value=move || done.get()
            ></progress>
            <span class="w-12 text-right text-xs tabular-nums text-slate-600">{move || format!("{}%", percent())}</span>
        </div>
    }
}
