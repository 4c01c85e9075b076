//! Statuses of files, upload sessions and imports as coloured labels.

use leptos::prelude::*;

use crate::model::{FileStatus, ImportStatus, UploadStatus};

fn badge(class: &str, label: &'static str) -> impl IntoView + use<> {
    view! { <span class=format!("rounded px-1.5 py-0.5 text-xs font-medium {class}")>{label}</span> }
}

/// A file's status as a coloured label.
pub(super) fn file_status_badge(status: FileStatus) -> impl IntoView + use<> {
    let class = match status {
        FileStatus::Uploading | FileStatus::Queued => "bg-slate-100 text-slate-700",
        FileStatus::Processing => "bg-indigo-100 text-indigo-800",
        FileStatus::Ready => "bg-emerald-100 text-emerald-800",
        FileStatus::Failed => "bg-red-100 text-red-800",
    };
    badge(class, status.label())
}

/// An upload session's status as a coloured label.
pub(super) fn upload_status_badge(status: UploadStatus) -> impl IntoView + use<> {
    let class = match status {
        UploadStatus::InProgress => "bg-indigo-100 text-indigo-800",
        UploadStatus::Completed => "bg-emerald-100 text-emerald-800",
        UploadStatus::Failed => "bg-red-100 text-red-800",
        UploadStatus::Cancelled => "bg-amber-100 text-amber-900",
    };
    badge(class, status.label())
}

/// An import's status as a coloured label.
pub(super) fn import_status_badge(status: ImportStatus) -> impl IntoView + use<> {
    let class = match status {
        ImportStatus::Draft => "bg-slate-100 text-slate-700",
        ImportStatus::Importing => "bg-indigo-100 text-indigo-800",
        ImportStatus::Succeeded => "bg-emerald-100 text-emerald-800",
        ImportStatus::Failed => "bg-red-100 text-red-800",
        ImportStatus::Cancelled => "bg-amber-100 text-amber-900",
    };
    badge(class, status.label())
}
