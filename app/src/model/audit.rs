//! The audit log: append-only events of who did what, where and when.

use serde::{Deserialize, Serialize};

use super::{AuditEventId, UserId};

/// The kind of an audit event, stored as its dotted name
/// (`member.role_changed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum AuditAction {
    UserSignedUp,
    UserSignedIn,
    UserSignInFailed,
    UserSignedOut,
    UserProfileUpdated,
    UserEmailChangeRequested,
    UserEmailVerified,
    UserPasswordChanged,
    UserPasswordResetRequested,
    UserPasswordReset,
    UserSessionRevoked,
    UserSessionsEnded,
    UserSignInThrottled,
    UserTwoFactorEnabled,
    UserTwoFactorDisabled,
    UserTwoFactorFailed,
    UserRecoveryCodeUsed,
    UserRecoveryCodesRenewed,
    OrganizationCreated,
    OrganizationSettingsChanged,
    OwnershipTransferred,
    OrganizationDeleted,
    OrganizationRestored,
    OrganizationSuspended,
    OrganizationReactivated,
    PlanChanged,
    MemberRoleChanged,
    MemberRemoved,
    MemberLeft,
    InvitationSent,
    InvitationAccepted,
    InvitationRevoked,
    ProjectCreated,
    ProjectArchived,
    ProjectUnarchived,
    ProjectTrashed,
    ProjectRestored,
    FileRenamed,
    FileTrashed,
    FileRestored,
    UploadSessionDeleted,
    TasksImported,
    PolicyCreated,
    PolicyUpdated,
    PolicyDeleted,
    EntitlementCreated,
    EntitlementUpdated,
    EntitlementDeleted,
    LicenseCreated,
    LicenseUpdated,
    LicenseSuspended,
    LicenseReinstated,
    LicenseBanned,
    LicenseUnbanned,
    LicenseRenewed,
    /// A license checked in through the API (Keygen's check-in).
    LicenseCheckedIn,
    LicenseDeleted,
    MachineActivated,
    MachineDeactivated,
    ApiTokenCreated,
    ApiTokenRevoked,
    ApiTokenNewNetwork,
    WebhookEndpointCreated,
    WebhookEndpointUpdated,
    WebhookSecretRotated,
    WebhookEndpointDeleted,
    /// Atrium disabled an endpoint whose deliveries failed for days.
    WebhookEndpointDisabled,
}

impl AuditAction {
    /// Every kind, in the order the filter lists them.
    pub const ALL: [AuditAction; 67] = [
        AuditAction::UserSignedUp,
        AuditAction::UserSignedIn,
        AuditAction::UserSignInFailed,
        AuditAction::UserSignedOut,
        AuditAction::UserProfileUpdated,
        AuditAction::UserEmailChangeRequested,
        AuditAction::UserEmailVerified,
        AuditAction::UserPasswordChanged,
        AuditAction::UserPasswordResetRequested,
        AuditAction::UserPasswordReset,
        AuditAction::UserSessionRevoked,
        AuditAction::UserSessionsEnded,
        AuditAction::UserSignInThrottled,
        AuditAction::UserTwoFactorEnabled,
        AuditAction::UserTwoFactorDisabled,
        AuditAction::UserTwoFactorFailed,
        AuditAction::UserRecoveryCodeUsed,
        AuditAction::UserRecoveryCodesRenewed,
        AuditAction::OrganizationCreated,
        AuditAction::OrganizationSettingsChanged,
        AuditAction::OwnershipTransferred,
        AuditAction::OrganizationDeleted,
        AuditAction::OrganizationRestored,
        AuditAction::OrganizationSuspended,
        AuditAction::OrganizationReactivated,
        AuditAction::PlanChanged,
        AuditAction::MemberRoleChanged,
        AuditAction::MemberRemoved,
        AuditAction::MemberLeft,
        AuditAction::InvitationSent,
        AuditAction::InvitationAccepted,
        AuditAction::InvitationRevoked,
        AuditAction::ProjectCreated,
        AuditAction::ProjectArchived,
        AuditAction::ProjectUnarchived,
        AuditAction::ProjectTrashed,
        AuditAction::ProjectRestored,
        AuditAction::FileRenamed,
        AuditAction::FileTrashed,
        AuditAction::FileRestored,
        AuditAction::UploadSessionDeleted,
        AuditAction::TasksImported,
        AuditAction::PolicyCreated,
        AuditAction::PolicyUpdated,
        AuditAction::PolicyDeleted,
        AuditAction::EntitlementCreated,
        AuditAction::EntitlementUpdated,
        AuditAction::EntitlementDeleted,
        AuditAction::LicenseCreated,
        AuditAction::LicenseUpdated,
        AuditAction::LicenseSuspended,
        AuditAction::LicenseReinstated,
        AuditAction::LicenseBanned,
        AuditAction::LicenseUnbanned,
        AuditAction::LicenseRenewed,
        AuditAction::LicenseCheckedIn,
        AuditAction::LicenseDeleted,
        AuditAction::MachineActivated,
        AuditAction::MachineDeactivated,
        AuditAction::ApiTokenCreated,
        AuditAction::ApiTokenRevoked,
        AuditAction::ApiTokenNewNetwork,
        AuditAction::WebhookEndpointCreated,
        AuditAction::WebhookEndpointUpdated,
        AuditAction::WebhookSecretRotated,
        AuditAction::WebhookEndpointDeleted,
        AuditAction::WebhookEndpointDisabled,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::UserSignedUp => "user.signed_up",
            AuditAction::UserSignedIn => "user.signed_in",
            AuditAction::UserSignInFailed => "user.sign_in_failed",
            AuditAction::UserSignedOut => "user.signed_out",
            AuditAction::UserProfileUpdated => "user.profile_updated",
            AuditAction::UserEmailChangeRequested => "user.email_change_requested",
            AuditAction::UserEmailVerified => "user.email_verified",
            AuditAction::UserPasswordChanged => "user.password_changed",
            AuditAction::UserPasswordResetRequested => "user.password_reset_requested",
            AuditAction::UserPasswordReset => "user.password_reset",
            AuditAction::UserSessionRevoked => "user.session_revoked",
            AuditAction::UserSessionsEnded => "user.sessions_ended",
            AuditAction::UserSignInThrottled => "user.sign_in_throttled",
            AuditAction::UserTwoFactorEnabled => "user.two_factor_enabled",
            AuditAction::UserTwoFactorDisabled => "user.two_factor_disabled",
            AuditAction::UserTwoFactorFailed => "user.two_factor_failed",
            AuditAction::UserRecoveryCodeUsed => "user.recovery_code_used",
            AuditAction::UserRecoveryCodesRenewed => "user.recovery_codes_renewed",
            AuditAction::OrganizationCreated => "organization.created",
            AuditAction::OrganizationSettingsChanged => "organization.settings_changed",
            AuditAction::OwnershipTransferred => "organization.ownership_transferred",
            AuditAction::OrganizationDeleted => "organization.deleted",
            AuditAction::OrganizationRestored => "organization.restored",
            AuditAction::OrganizationSuspended => "organization.suspended",
            AuditAction::OrganizationReactivated => "organization.reactivated",
            AuditAction::PlanChanged => "organization.plan_changed",
            AuditAction::MemberRoleChanged => "member.role_changed",
            AuditAction::MemberRemoved => "member.removed",
            AuditAction::MemberLeft => "member.left",
            AuditAction::InvitationSent => "invitation.sent",
            AuditAction::InvitationAccepted => "invitation.accepted",
            AuditAction::InvitationRevoked => "invitation.revoked",
            AuditAction::ProjectCreated => "project.created",
            AuditAction::ProjectArchived => "project.archived",
            AuditAction::ProjectUnarchived => "project.unarchived",
            AuditAction::ProjectTrashed => "project.trashed",
            AuditAction::ProjectRestored => "project.restored",
            AuditAction::FileRenamed => "file.renamed",
            AuditAction::FileTrashed => "file.trashed",
            AuditAction::FileRestored => "file.restored",
            AuditAction::UploadSessionDeleted => "upload_session.deleted",
            AuditAction::TasksImported => "tasks.imported",
            AuditAction::PolicyCreated => "policy.created",
            AuditAction::PolicyUpdated => "policy.updated",
            AuditAction::PolicyDeleted => "policy.deleted",
            AuditAction::EntitlementCreated => "entitlement.created",
            AuditAction::EntitlementUpdated => "entitlement.updated",
            AuditAction::EntitlementDeleted => "entitlement.deleted",
            AuditAction::LicenseCreated => "license.created",
            AuditAction::LicenseUpdated => "license.updated",
            AuditAction::LicenseSuspended => "license.suspended",
            AuditAction::LicenseReinstated => "license.reinstated",
            AuditAction::LicenseBanned => "license.banned",
            AuditAction::LicenseUnbanned => "license.unbanned",
            AuditAction::LicenseRenewed => "license.renewed",
            AuditAction::LicenseCheckedIn => "license.checked_in",
            AuditAction::LicenseDeleted => "license.deleted",
            AuditAction::MachineActivated => "machine.activated",
            AuditAction::MachineDeactivated => "machine.deactivated",
            AuditAction::ApiTokenCreated => "api_token.created",
            AuditAction::ApiTokenRevoked => "api_token.revoked",
            AuditAction::ApiTokenNewNetwork => "api_token.new_network",
            AuditAction::WebhookEndpointCreated => "webhook_endpoint.created",
            AuditAction::WebhookEndpointUpdated => "webhook_endpoint.updated",
            AuditAction::WebhookSecretRotated => "webhook_endpoint.secret_rotated",
            AuditAction::WebhookEndpointDeleted => "webhook_endpoint.deleted",
            AuditAction::WebhookEndpointDisabled => "webhook_endpoint.disabled",
        }
    }

    /// What people read.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::UserSignedUp => "Signed up",
            AuditAction::UserSignedIn => "Signed in",
            AuditAction::UserSignInFailed => "Failed sign-in",
            AuditAction::UserSignedOut => "Signed out",
            AuditAction::UserProfileUpdated => "Profile changed",
            AuditAction::UserEmailChangeRequested => "Email change requested",
            AuditAction::UserEmailVerified => "Email verified",
            AuditAction::UserPasswordChanged => "Password changed",
            AuditAction::UserPasswordResetRequested => "Password reset requested",
            AuditAction::UserPasswordReset => "Password reset",
            AuditAction::UserSessionRevoked => "Session signed out",
            AuditAction::UserSessionsEnded => "All sessions signed out",
            AuditAction::UserSignInThrottled => "Sign-ins slowed",
            AuditAction::UserTwoFactorEnabled => "Two-factor turned on",
            AuditAction::UserTwoFactorDisabled => "Two-factor turned off",
            AuditAction::UserTwoFactorFailed => "Wrong two-factor code",
            AuditAction::UserRecoveryCodeUsed => "Recovery code used",
            AuditAction::UserRecoveryCodesRenewed => "Recovery codes renewed",
            AuditAction::OrganizationCreated => "Organization created",
            AuditAction::OrganizationSettingsChanged => "Settings changed",
            AuditAction::OwnershipTransferred => "Ownership transferred",
            AuditAction::OrganizationDeleted => "Organization deleted",
            AuditAction::OrganizationRestored => "Organization restored",
            AuditAction::OrganizationSuspended => "Organization suspended",
            AuditAction::OrganizationReactivated => "Organization reactivated",
            AuditAction::PlanChanged => "Plan changed",
            AuditAction::MemberRoleChanged => "Role changed",
            AuditAction::MemberRemoved => "Member removed",
            AuditAction::MemberLeft => "Member left",
            AuditAction::InvitationSent => "Invitation sent",
            AuditAction::InvitationAccepted => "Invitation accepted",
            AuditAction::InvitationRevoked => "Invitation revoked",
            AuditAction::ProjectCreated => "Project created",
            AuditAction::ProjectArchived => "Project archived",
            AuditAction::ProjectUnarchived => "Project unarchived",
            AuditAction::ProjectTrashed => "Project deleted",
            AuditAction::ProjectRestored => "Project restored",
            AuditAction::FileRenamed => "File renamed",
            AuditAction::FileTrashed => "File deleted",
            AuditAction::FileRestored => "File restored",
            AuditAction::UploadSessionDeleted => "Upload session deleted",
            AuditAction::TasksImported => "Tasks imported",
            AuditAction::PolicyCreated => "Policy created",
            AuditAction::PolicyUpdated => "Policy changed",
            AuditAction::PolicyDeleted => "Policy deleted",
            AuditAction::EntitlementCreated => "Entitlement created",
            AuditAction::EntitlementUpdated => "Entitlement changed",
            AuditAction::EntitlementDeleted => "Entitlement deleted",
            AuditAction::LicenseCreated => "License created",
            AuditAction::LicenseUpdated => "License changed",
            AuditAction::LicenseSuspended => "License suspended",
            AuditAction::LicenseReinstated => "License reinstated",
            AuditAction::LicenseBanned => "License banned",
            AuditAction::LicenseUnbanned => "License unbanned",
            AuditAction::LicenseRenewed => "License renewed",
            AuditAction::LicenseCheckedIn => "License checked in",
            AuditAction::LicenseDeleted => "License deleted",
            AuditAction::MachineActivated => "Machine activated",
            AuditAction::MachineDeactivated => "Machine deactivated",
            AuditAction::ApiTokenCreated => "API token created",
            AuditAction::ApiTokenRevoked => "API token revoked",
            AuditAction::ApiTokenNewNetwork => "API token used from a new network",
            AuditAction::WebhookEndpointCreated => "Webhook endpoint added",
            AuditAction::WebhookEndpointUpdated => "Webhook endpoint changed",
            AuditAction::WebhookSecretRotated => "Webhook secret rotated",
            AuditAction::WebhookEndpointDeleted => "Webhook endpoint deleted",
            AuditAction::WebhookEndpointDisabled => "Webhook endpoint disabled after failures",
        }
    }
}

impl From<AuditAction> for &'static str {
    fn from(action: AuditAction) -> Self {
        action.as_str()
    }
}

/// The text was not an audit event type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown audit event type {0:?}")]
pub struct UnknownAuditAction(pub String);

impl std::str::FromStr for AuditAction {
    type Err = UnknownAuditAction;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == s).ok_or_else(|| UnknownAuditAction(s.to_owned()))
    }
}

impl TryFrom<String> for AuditAction {
    type Error = UnknownAuditAction;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// Events per page of the audit log.
pub const AUDIT_PAGE_SIZE: u32 = 50;

/// A page of the audit log, newest first; `next` is the `before` of the
/// page after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub items: Vec<AuditEvent>,
    /// The cursor (`before`) of the next page; `None` on the last.
    pub next: Option<String>,
}

/// One event as the log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    pub id: AuditEventId,
    /// The event type, dotted (`member.role_changed`).
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub action: AuditAction,
    pub actor_id: Option<UserId>,
    /// The actor's email then (or the email a failed sign-in tried).
    pub actor_email: Option<String>,
    /// `member`, `project`, `organization` or `user`.
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// A JSON object of what changed (`{"from":"member","to":"admin"}`).
    pub details: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for action in AuditAction::ALL {
            assert_eq!(action.as_str().parse::<AuditAction>(), Ok(action));
        }
        assert!("member.promoted".parse::<AuditAction>().is_err());
    }
}
