//! The permission matrix: which role may do what in an organization.
//!
//! This is the one place the rules live. The server asks it before it hands
//! out a capability (`server::ctx::OrgCtx::writer` and friends), and the UI
//! asks it to hide what a role cannot do, so the two cannot disagree. A
//! test walks every cell of the matrix through HTTP for every role.

use serde::{Deserialize, Serialize};

use super::Role;

/// Something a member may or may not do, named for the person doing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read projects, tasks, cycles, labels, the dashboard and the member
    /// list (names and roles).
    ViewWork,
    /// See members' email addresses. Guests see names only.
    ViewMemberEmails,
    /// Create, edit, archive and unarchive projects.
    EditProjects,
    /// Create and edit tasks, complete and reopen them, move and assign
    /// them, put them in the trash and take them out again.
    EditTasks,
    /// Upload files to projects, rename them, move them to the trash and
    /// back; cancel and delete upload sessions; import tasks from CSV files.
    UploadFiles,
    /// Create, edit and delete a project's cycles.
    ManageCycles,
    /// Create, rename, recolour and delete the organization's labels.
    ManageLabels,
    /// Move a project to the trash, restore it from there.
    TrashProjects,
    /// Delete trashed tasks for good (empty the trash) before the 30 days
    /// are up: as final as trashing a project, so the same role.
    PurgeTasks,
    /// Change the role of a Member or Guest (to Member or Guest) and remove
    /// Members and Guests from the organization.
    ManageMembers,
    /// Grant or take away the Admin and Owner roles, and remove Admins and
    /// Owners: only Owners, so an Admin cannot make peers or unmake them.
    ManageAdminsAndOwners,
    /// Leave the organization (anyone but its last Owner).
    LeaveOrganization,
    /// Read the organization's audit log.
    ViewAudit,
    /// Invite people by email, resend and revoke invitations (inviting as
    /// Admin or Owner also needs [`Action::ManageAdminsAndOwners`]).
    InviteMembers,
    /// Rename the organization and change its slug (its address).
    ManageSettings,
    /// Make another member an Owner and step down to Admin.
    TransferOwnership,
    /// Delete the organization (restorable by a platform admin for 30 days).
    DeleteOrganization,
    /// See the organization's licensing: policies, licenses and their keys,
    /// machines, entitlements and the public key. Guests see none of it.
    ViewLicenses,
    /// Create, change and delete policies, licenses and entitlements;
    /// suspend, reinstate and renew licenses; deactivate machines.
    ManageLicenses,
    /// Create and revoke the organization's API tokens (at most one's own
    /// role: an Admin cannot mint an Owner's powers).
    ManageApiTokens,
    /// Add, change, rotate and delete the organization's webhook
    /// endpoints; read their deliveries, redeliver, send a test event.
    ManageWebhooks,
}

impl Action {
    /// Every action, in the order of the matrix.
    pub const ALL: [Action; 21] = [
        Action::ViewWork,
        Action::ViewMemberEmails,
        Action::EditProjects,
        Action::EditTasks,
        Action::UploadFiles,
        Action::ManageCycles,
        Action::ManageLabels,
        Action::TrashProjects,
        Action::PurgeTasks,
        Action::ManageMembers,
        Action::ManageAdminsAndOwners,
        Action::LeaveOrganization,
        Action::ViewAudit,
        Action::InviteMembers,
        Action::ManageSettings,
        Action::TransferOwnership,
        Action::DeleteOrganization,
        Action::ViewLicenses,
        Action::ManageLicenses,
        Action::ManageApiTokens,
        Action::ManageWebhooks,
    ];

    /// The lowest role allowed to do this; every higher role may too.
    ///
    /// Guests read; Members create and edit the work; Admins also manage
    /// what is hard to undo and the organization itself; Owners also
    /// transfer ownership and delete the organization.
    pub const fn min_role(self) -> Role {
        match self {
            Action::ViewWork | Action::LeaveOrganization => Role::Guest,
            Action::ViewMemberEmails
            | Action::EditProjects
            | Action::EditTasks
            | Action::UploadFiles
            | Action::ManageCycles
            | Action::ManageLabels
            | Action::ViewLicenses => Role::Member,
            Action::TrashProjects
            | Action::PurgeTasks
            | Action::ManageMembers
            | Action::ViewAudit
            | Action::InviteMembers
            | Action::ManageSettings
            | Action::ManageLicenses
            | Action::ManageApiTokens
            | Action::ManageWebhooks => Role::Admin,
            Action::ManageAdminsAndOwners | Action::TransferOwnership | Action::DeleteOrganization => Role::Owner,
        }
    }

    /// Whether doing this changes the organization's data. A suspended
    /// organization allows only the actions that do not (and leaving).
    pub const fn changes_data(self) -> bool {
        !matches!(
            self,
            Action::ViewWork
                | Action::ViewMemberEmails
                | Action::ViewAudit
                | Action::ViewLicenses
                | Action::LeaveOrganization
        )
    }

    /// The action that covers holding, being given or losing `role`:
    /// [`Action::ManageMembers`] for Members and Guests,
    /// [`Action::ManageAdminsAndOwners`] for Admins and Owners.
    pub const fn managing(role: Role) -> Action {
        match role {
            Role::Owner | Role::Admin => Action::ManageAdminsAndOwners,
            Role::Member | Role::Guest => Action::ManageMembers,
        }
    }
}

impl Role {
    /// Whether this role may move a member from role `from` to role `to`:
    /// it must be allowed to manage both (see [`Action::managing`]). The
    /// rule that an organization keeps an Owner is the server's, which
    /// knows how many it has.
    pub fn can_change_role(self, from: Role, to: Role) -> bool {
        self.can(Action::managing(from)) && self.can(Action::managing(to))
    }

    /// Whether this role may remove a member whose role is `target`.
    pub fn can_remove(self, target: Role) -> bool {
        self.can(Action::managing(target))
    }

    /// The roles this role may give a member who now has `from`, highest
    /// first (empty when it may not change that member's role at all).
    pub fn assignable_roles(self, from: Role) -> Vec<Role> {
        Role::ALL.into_iter().filter(|to| self.can_change_role(from, *to)).collect()
    }
}

impl Role {
    /// Whether this role may do `action` (see [`Action::min_role`]).
    pub fn can(self, action: Action) -> bool {
        self.at_least(action.min_role())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_roles_may_do_everything_lower_roles_may() {
        for action in Action::ALL {
            let allowed: Vec<bool> = Role::ALL.iter().map(|role| role.can(action)).collect();
            // Role::ALL is highest first: once a role may not, no lower may.
            assert!(allowed.windows(2).all(|pair| pair[0] || !pair[1]), "{action:?}: {allowed:?}");
            assert!(Role::Owner.can(action), "owners may do everything: {action:?}");
        }
    }

    #[test]
    fn guests_only_read_and_see_no_emails() {
        let guest: Vec<Action> = Action::ALL.into_iter().filter(|a| Role::Guest.can(*a)).collect();
        assert_eq!(guest, [Action::ViewWork, Action::LeaveOrganization]);
    }

    #[test]
    fn admins_manage_members_and_guests_owners_manage_everyone() {
        use Role::*;
        for from in Role::ALL {
            for to in Role::ALL {
                assert!(Owner.can_change_role(from, to), "owner {from:?} -> {to:?}");
                let low = |r: Role| matches!(r, Member | Guest);
                assert_eq!(Admin.can_change_role(from, to), low(from) && low(to), "admin {from:?} -> {to:?}");
                assert!(!Member.can_change_role(from, to));
                assert!(!Guest.can_change_role(from, to));
            }
        }
        assert_eq!(Admin.assignable_roles(Member), [Member, Guest]);
        assert!(Admin.assignable_roles(Admin).is_empty());
        assert_eq!(Owner.assignable_roles(Guest), Role::ALL);
        assert!(Admin.can_remove(Guest) && !Admin.can_remove(Admin) && Owner.can_remove(Owner));
        assert!(!Member.can_remove(Guest));
    }
}
