//! Organizations as the platform admin sees them: every tenant, with its
//! plan, status and size.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{OrgId, OrgLimits, Plan};

/// Whether a tenant's members can use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TenantStatus {
    Active,
    /// A platform admin suspended it: members read, change nothing.
    Suspended,
    /// Its Owner deleted it: gone for its members, restorable for 30 days.
    Deleted,
}

impl TenantStatus {
    pub fn label(self) -> &'static str {
        match self {
            TenantStatus::Active => "Active",
            TenantStatus::Suspended => "Suspended",
            TenantStatus::Deleted => "Deleted",
        }
    }
}

/// One organization in the platform admin's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: OrgId,
    pub name: String,
    pub slug: String,
    pub plan: Plan,
    pub limits: OrgLimits,
    pub status: TenantStatus,
    /// Members (not counting pending invitations).
    pub members: i64,
    /// Projects not in the trash.
    pub projects: i64,
    /// Tasks in those projects, open and done.
    pub tasks: i64,
    /// Licenses issued.
    pub licenses: i64,
    /// Bytes of every file, in the trash too.
    pub storage_bytes: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was deleted; restorable until 30 days after.
    #[serde(with = "time::serde::rfc3339::option")]
    pub deleted_at: Option<OffsetDateTime>,
}
