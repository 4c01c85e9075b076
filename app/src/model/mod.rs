//! Types that cross the wire between server and browser.
//!
//! Everything here compiles to wasm: no database, no I/O. Input newtypes
//! follow "parse, don't validate": a value of the type is proof that the
//! input met the rule, and the rule lives in exactly one `parse`.

pub mod account;
pub mod ids;
pub mod org;
pub mod role;

pub use account::{DisplayName, Email, Password, SessionUser};
pub use ids::{OrgId, UserId};
pub use org::{OrgDashboard, OrgName, OrgShell, OrgSlug, OrgSummary};
pub use role::Role;
