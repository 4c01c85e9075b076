//! `/o/{org}`: the signed-in layout and the organization dashboard.

mod audit;
mod dashboard;
mod layout;
mod members;
mod new;
mod settings;

pub use audit::{AuditLog, AuditPageView, Filter as AuditFilter};
pub use dashboard::OrgDashboardPage;
pub use layout::OrgLayout;
pub use members::MembersPage;
pub use new::NewOrganizationPage;
pub use settings::SettingsPage;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The `{org}` slug of the current route, reactively.
pub fn use_org_slug() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("org").unwrap_or_default()))
}
