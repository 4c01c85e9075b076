//! Members of an organization.

use serde::{Deserialize, Serialize};

use super::{Role, UserId};

/// A member: who, and with which role.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Member {
    pub user_id: UserId,
    pub display_name: String,
    pub email: String,
    pub role: Role,
}
