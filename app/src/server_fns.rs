//! The registry of server functions, for the server's layers that need to
//! know them all. It names every function of `api`, so it sits above it, at
//! the app's root, where the binary may use it.

use crate::api::{
    account, audit, auth, cycles, docs, files, flash, invitations, labels, licensing, members, orgs, platform,
    projects, settings, tasks, tokens, views, webhooks,
};

/// Every server function's endpoint path and the names of its arguments,
/// for the layer that refuses arguments a function does not know (an
/// unknown field would otherwise be dropped without a word). A test checks
/// that every registered server function is listed.
pub fn argument_names() -> std::collections::HashMap<&'static str, &'static [&'static str]> {
    use leptos::server_fn::ServerFn;
    use serde_aux::serde_introspection::serde_introspect;

    macro_rules! registry {
        ($($function:ty),* $(,)?) => {
            [$((<$function as ServerFn>::PATH, serde_introspect::<$function>())),*].into_iter().collect()
        };
    }
    let mut names: std::collections::HashMap<_, _> = registry![
        auth::Signup,
        files::ListFiles,
        files::StartUploadSession,
        files::CancelUploadSession,
        files::DeleteUploadSession,
        files::RenameFile,
        files::TrashFile,
        files::ListUploadSessions,
        files::GetUploadSession,
        files::GetImport,
        files::ListImports,
        files::PreviewImport,
        files::StartImport,
        files::ListOrgJobs,
        files::CancelOrgJob,
        auth::Login,
        auth::Logout,
        auth::GetCurrentUser,
        auth::GetLanding,
        auth::LoginCode,
        account::GetAccount,
        account::SetTheme,
        flash::TakeFlash,
        views::ListViews,
        views::SaveView,
        views::DeleteView,
        account::UpdateProfile,
        account::ResendVerification,
        account::ChangeEmail,
        account::CheckLink,
        account::VerifyEmail,
        account::ChangePassword,
        account::ForgotPassword,
        account::ResetPassword,
        account::EndAllSessions,
        account::ConfirmPassword,
        account::RevokeSession,
        account::RevokeOtherSessions,
        account::EstimatePassword,
        account::StartTwoFactor,
        account::ConfirmTwoFactor,
        account::DisableTwoFactor,
        account::RenewRecoveryCodes,
        settings::GetOrgSettings,
        settings::UpdateOrgSettings,
        settings::TransferOwnership,
        settings::DeleteOrganization,
        platform::ListTenants,
        platform::SuspendOrganization,
        platform::ReactivateOrganization,
        platform::SetOrganizationPlan,
        platform::RestoreOrganization,
        platform::ListPlatformAuditEvents,
        platform::ListPlatformJobs,
        platform::CancelPlatformJob,
        audit::ListAuditEvents,
        cycles::ListCycles,
        invitations::InviteMember,
        invitations::ListInvitations,
        invitations::ResendInvitation,
        invitations::RevokeInvitation,
        invitations::GetInvitation,
        invitations::AcceptInvitation,
        invitations::AcceptInvitationWithSignup,
        cycles::CreateCycle,
        cycles::UpdateCycle,
        cycles::DeleteCycle,
        licensing::GetLicensing,
        licensing::CreateEntitlement,
        licensing::DeleteEntitlement,
        licensing::CreatePolicy,
        licensing::UpdatePolicy,
        licensing::DeletePolicy,
        licensing::ListLicenses,
        licensing::CreateLicense,
        licensing::GetLicense,
        licensing::SetLicenseSuspended,
        licensing::SetLicenseBanned,
        licensing::RenewLicense,
        licensing::DeleteLicense,
        licensing::DeactivateMachine,
        licensing::LookUpLicense,
        licensing::ReleaseMachine,
        docs::GetApiReference,
        docs::GetLicenseApiReference,
        tokens::ListApiTokens,
        tokens::CreateApiToken,
        tokens::RevokeApiToken,
        webhooks::ListWebhookEndpoints,
        webhooks::CreateWebhookEndpoint,
        webhooks::UpdateWebhookEndpoint,
        webhooks::RotateWebhookSecret,
        webhooks::DeleteWebhookEndpoint,
        webhooks::ListWebhookDeliveries,
        webhooks::SendWebhookTest,
        webhooks::RedeliverWebhook,
        labels::ListLabels,
        labels::CreateLabel,
        labels::UpdateLabel,
        labels::DeleteLabel,
        members::ListMembersPage,
        members::ChangeMemberRole,
        members::RemoveMember,
        members::LeaveOrganization,
        orgs::CreateOrganization,
        orgs::GetOrgShell,
        orgs::GetOrgDashboard,
        orgs::ListMembers,
        projects::ListProjects,
        projects::ListLiveProjects,
        projects::GetProjectPage,
        projects::CreateProject,
        projects::UpdateProject,
        projects::SetProjectArchived,
        projects::DeleteProject,
        projects::RestoreProject,
        tasks::ListTasks,
        tasks::GetTask,
        tasks::CreateTask,
        tasks::UpdateTask,
        tasks::PatchTask,
        tasks::SetTaskDone,
        tasks::BulkUpdateTasks,
        tasks::EmptyTaskTrash,
    ];
    // The policy functions take their form fields flattened, which
    // `serde_introspect` does not see through.
    names.extend(licensing::policy_argument_names());
    names
}

#[cfg(test)]
mod tests {
    /// A server function missing from `argument_names` would take calls
    /// unchecked: every registered one must be listed, with the argument
    /// names serde reads.
    #[test]
    fn every_server_function_lists_its_arguments() {
        let known = super::argument_names();
        let registered: Vec<&str> = leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path).collect();
        assert!(!registered.is_empty());
        for path in &registered {
            assert!(known.contains_key(path), "{path} is missing from server_fns::argument_names");
        }
        assert_eq!(known.len(), registered.len(), "a listed function is not registered");
        assert_eq!(known["/api/create_task"][..3], ["org", "project", "title"]);
        assert_eq!(known["/api/update_policy"][..3], ["org", "policy", "name"]);
    }
}
