//! Licensing pages: policies and entitlements, the license list, one
//! license with its machines, and the license holder's self-serve page.

mod detail;
mod list;
mod policies;
mod policy;
mod self_serve;

pub use detail::LicensePage;
pub use list::LicensesPage;
pub use policies::PoliciesPage;
pub use policy::PolicyPage;
pub use self_serve::SelfServePage;

use leptos::prelude::*;

use crate::model::{HeartbeatStatus, LicenseStatus};

const CARD: &str = "mt-6 rounded-lg border border-slate-200 bg-white p-6";
const BUTTON: &str =
    "rounded-md border border-slate-300 px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50";
const SELECT: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900";
const CHECK: &str = "flex items-center gap-2 text-sm text-slate-700";

/// A license status as a coloured label.
fn status_badge(status: LicenseStatus) -> impl IntoView {
    let class = match status {
        LicenseStatus::Active => "text-emerald-700",
        LicenseStatus::Inactive => "text-slate-500",
        LicenseStatus::Expiring => "font-semibold text-amber-700",
        LicenseStatus::Expired | LicenseStatus::Suspended | LicenseStatus::Banned => "font-semibold text-red-700",
    };
    view! { <span class=class>{status.as_str()}</span> }
}

/// A machine's heartbeat status in words.
fn heartbeat_label(status: HeartbeatStatus) -> &'static str {
    match status {
        HeartbeatStatus::NotStarted => "Not started",
        HeartbeatStatus::Alive => "Alive",
        HeartbeatStatus::Dead => "Dead",
    }
}

pub(crate) use crate::components::format::when;
