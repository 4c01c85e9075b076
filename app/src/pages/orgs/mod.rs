//! `/o/{org}`: the signed-in layout and the organization dashboard.

mod audit;
mod dashboard;
mod layout;
mod members;
mod new;
mod settings;
mod slug;
mod tokens;
mod webhooks;

pub use audit::{AuditLog, AuditPageView, Filter as AuditFilter};
pub use dashboard::OrgDashboardPage;
pub use layout::OrgLayout;
pub use members::MembersPage;
pub use new::NewOrganizationPage;
pub use settings::SettingsPage;
pub use tokens::TokensPage;
pub use webhooks::WebhooksPage;
