//! `/admin`: the platform admin's pages. Every tenant with its plan,
//! status and size, with suspension, plans and limits and restoring
//! deleted organizations; and the whole audit log. Anyone else gets the
//! 404 page (the server functions answer 404 to them).

mod audit;
mod frame;
mod jobs;
mod tenants;

pub use audit::PlatformAuditPage;
pub use jobs::PlatformJobsPage;
pub use tenants::PlatformPage;
