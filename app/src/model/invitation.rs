//! Invitations to join an organization.

use serde::{Deserialize, Serialize};

use super::{InvitationId, Role};

/// How long an invitation link works, in days.
pub const INVITATION_DAYS: i64 = 7;

/// A pending invitation, as the organization's Admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Invitation {
    pub id: InvitationId,
    pub email: String,
    pub role: Role,
    /// Who sent it (last), by name.
    pub invited_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
    /// Its link no longer works (by the server's clock when it was read);
    /// resending renews it.
    pub expired: bool,
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    Pending,
    Expired,
    Accepted,
    Revoked,
}

/// What the page of an invitation link shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub organization: String,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub status: InvitationStatus,
    /// An account with the invited email exists (it signs in to accept).
    pub has_account: bool,
    /// The email of whoever is signed in on this browser, if anyone.
    pub signed_in_as: Option<String>,
}
