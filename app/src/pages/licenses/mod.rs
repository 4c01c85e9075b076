//! Licensing pages: policies and entitlements, the license list, one
//! license with its machines, and the license holder's self-serve page.

mod detail;
mod list;
mod policies;
mod policy;
mod policy_form;
mod self_serve;
mod status;
mod style;

pub use detail::LicensePage;
pub use list::LicensesPage;
pub use policies::PoliciesPage;
pub use policy::PolicyPage;
pub use self_serve::SelfServePage;
