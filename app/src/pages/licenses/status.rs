//! License and machine statuses in words.

use leptos::prelude::*;

use crate::model::{HeartbeatStatus, LicenseStatus};

/// A license status as a coloured label.
pub(super) fn status_badge(status: LicenseStatus) -> impl IntoView {
    let class = match status {
        LicenseStatus::Active => "text-emerald-700",
        LicenseStatus::Inactive => "text-slate-500",
        LicenseStatus::Expiring => "font-semibold text-amber-700",
        LicenseStatus::Expired | LicenseStatus::Suspended | LicenseStatus::Banned => "font-semibold text-red-700",
    };
    view! { <span class=class>{status.as_str()}</span> }
}

/// A machine's heartbeat status in words.
pub(super) fn heartbeat_label(status: HeartbeatStatus) -> &'static str {
    match status {
        HeartbeatStatus::NotStarted => "Not started",
        HeartbeatStatus::Alive => "Alive",
        HeartbeatStatus::Dead => "Dead",
    }
}
