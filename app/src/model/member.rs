//! Members of an organization.

use serde::{Deserialize, Serialize};

use super::{Role, UserId};

/// Longest member search, in characters.
pub const MAX_SEARCH_LEN: usize = 100;

/// A member: who, and with which role. `email` is `None` for a viewer
/// whose role may not see members' addresses (Guests; see
/// `Action::ViewMemberEmails`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Member {
    pub user_id: UserId,
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub role: Role,
    /// Whether they sign in with two-factor authentication; shown to the
    /// organization's Admins and Owners only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub two_factor: Option<bool>,
}
