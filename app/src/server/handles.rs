//! Role handles: the proofs that reach tenant data.
//!
//! A repository function that reads or writes an organization's data takes
//! the handle that proves the caller's right to do so, so a server
//! function, job or route that forgot its check does not compile:
//!
//! - [`OrgCtx`]: a member of the organization, whatever the role (reading
//!   the organization's work);
//! - [`Writer`], [`Admin`], [`Owner`]: the right to change data, granted
//!   for one [`Action`] by the permission matrix (`model::permission`) and
//!   never in a suspended organization; each derefs to the weaker one;
//! - [`LicenseViewer`] and [`AuditViewer`]: the right to read what only
//!   some roles see (licensing, the audit log), which a suspended
//!   organization still grants;
//! - [`PlatformAdmin`]: a platform admin, for the functions that act on
//!   every tenant.
//!
//! Every field is private and every handle is `#[must_use]`; only this
//! module builds one, from a membership the request context read
//! (`server::ctx`). This module depends on the bottom layer only
//! (`model`, `error`), so the repositories below the context can take
//! handles without importing it.
//!
//! The doc tests below pair each thing that must not compile with the
//! same code done right, which does, so a compile-fail test fails for
//! the reason it names and not for a typo. Done right:
//!
//! ```no_run
//! # use app::server::{db::{Db, labels, licensing}, handles::{OrgCtx, Writer}};
//! # use app::model::{Action, LabelColor, LabelName, UserId};
//! async fn done_right(db: &Db, user: UserId, slug: &str, name: &LabelName) {
//!     // A membership is read, never assumed...
//!     let member: OrgCtx = OrgCtx::load(db, user, slug).await.unwrap();
//!     // ...a write takes the writer's handle the matrix grants...
//!     let writer: Writer = member.writer(Action::ManageLabels).unwrap();
//!     labels::insert(db, &writer, name, LabelColor::Blue).await.unwrap();
//!     // ...and licensing is read with the licensing viewer's.
//!     let viewer = member.license_viewer().unwrap();
//!     licensing::policies(db, &viewer).await.unwrap();
//! }
//! ```
//!
//! A write with a member's read handle does not compile:
//!
//! ```compile_fail
//! # use app::server::{db::{Db, labels}, handles::OrgCtx};
//! # use app::model::{LabelColor, LabelName};
//! async fn add_label(db: &Db, member: &OrgCtx, name: &LabelName) {
//!     labels::insert(db, member, name, LabelColor::Blue).await.unwrap();
//! }
//! ```
//!
//! nor does a read of licensing without the viewer's handle:
//!
//! ```compile_fail
//! # use app::server::{db::{Db, licensing}, handles::OrgCtx};
//! async fn read(db: &Db, member: &OrgCtx) {
//!     licensing::policies(db, member).await.unwrap();
//! }
//! ```
//!
//! A handle cannot be forged from a membership one did not read:
//!
//! ```compile_fail
//! # use app::server::handles::OrgCtx;
//! # use app::model::{OrgSummary, UserId};
//! fn forge(org: OrgSummary, user: UserId) -> OrgCtx {
//!     OrgCtx::member(org, user)
//! }
//! ```
//!
//! nor built from a weaker handle by hand:
//!
//! ```compile_fail
//! # use app::server::handles::{OrgCtx, Writer};
//! fn promote(member: OrgCtx) -> Writer {
//!     Writer { member, action: app::model::Action::EditTasks }
//! }
//! ```

use crate::{
    error::AppError,
    model::{Action, OrgId, OrgSummary, Role, UserId},
};

/// Proof that a user is a member of an organization, whatever the role:
/// the reader's capability. Built only from a membership read from the
/// database (`OrgCtx::load`, `ctx::org_request`), so a tenant-scoped
/// repository function cannot be called unchecked: every such function
/// takes an `&OrgCtx` (or a stronger handle that derefs to one) and
/// filters on [`OrgCtx::org_id`].
///
/// The stronger handles come only from [`OrgCtx::writer`],
/// [`OrgCtx::admin`], [`OrgCtx::owner`], [`OrgCtx::license_viewer`] and
/// [`OrgCtx::audit_viewer`], which consult the permission matrix (the
/// pattern of lldap's permission-checked backend handlers).
#[derive(Debug, Clone)]
#[must_use]
pub struct OrgCtx {
    org: OrgSummary,
    user_id: UserId,
}

impl OrgCtx {
    /// The handle of `user_id`, a member of `org` as just read from the
    /// database. Only the request context calls this (`server::ctx`),
    /// right after reading the membership.
    pub(crate) fn member(org: OrgSummary, user_id: UserId) -> Self {
        Self { org, user_id }
    }

    pub fn org_id(&self) -> OrgId {
        self.org.id
    }

    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    pub fn role(&self) -> Role {
        self.org.role
    }

    /// The organization with the member's role.
    pub fn org(&self) -> &OrgSummary {
        &self.org
    }

    /// Whether the member may do `action` (their role, and nothing that
    /// changes data while the organization is suspended).
    pub fn can(&self, action: Action) -> bool {
        self.org.can(action)
    }

    /// `Forbidden` unless the member's role may do `action`: for reads that
    /// some roles may not make (Guests and member emails).
    pub fn check(&self, action: Action) -> Result<(), AppError> {
        if self.org.role.can(action) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    /// `Forbidden` unless the member's role may do `action` and is at
    /// least `level`.
    fn grant(&self, action: Action, level: Role) -> Result<(), AppError> {
        if self.org.role.can(action) && self.org.role.at_least(level) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    /// The right to change data by `action`, at least at `level`: after the
    /// role check, refused in a suspended organization (`Suspended`),
    /// whatever the action, since the handle serves every write. Reading
    /// handles ([`OrgCtx::license_viewer`], [`OrgCtx::audit_viewer`]) skip
    /// this, so a suspended organization can still be read.
    fn grant_change(&self, action: Action, level: Role) -> Result<Writer, AppError> {
        self.grant(action, level)?;
        if self.org.suspended {
            return Err(AppError::Suspended);
        }
        Ok(Writer { member: self.clone(), action })
    }

    /// The writer's capability for `action` (Members and above whom the
    /// matrix allows it). Errors: `Forbidden`, `Suspended`.
    pub fn writer(&self, action: Action) -> Result<Writer, AppError> {
        self.grant_change(action, Role::Member)
    }

    /// The admin's capability for `action` (Admins and Owners whom the
    /// matrix allows it). Errors: `Forbidden`, `Suspended`.
    pub fn admin(&self, action: Action) -> Result<Admin, AppError> {
        Ok(Admin(self.grant_change(action, Role::Admin)?))
    }

    /// The owner's capability for `action`. Errors: `Forbidden`,
    /// `Suspended`.
    pub fn owner(&self, action: Action) -> Result<Owner, AppError> {
        Ok(Owner(Admin(self.grant_change(action, Role::Owner)?)))
    }

    /// The right to read the organization's licensing
    /// ([`Action::ViewLicenses`]: Members and above), suspended or not.
    /// Errors: `Forbidden` for Guests.
    pub fn license_viewer(&self) -> Result<LicenseViewer, AppError> {
        self.grant(Action::ViewLicenses, Role::Guest)?;
        Ok(LicenseViewer(self.clone()))
    }

    /// The right to read the organization's audit log
    /// ([`Action::ViewAudit`]: Admins and Owners), suspended or not.
    /// Errors: `Forbidden`.
    pub fn audit_viewer(&self) -> Result<AuditViewer, AppError> {
        self.grant(Action::ViewAudit, Role::Guest)?;
        Ok(AuditViewer(self.clone()))
    }
}

/// Proof that the member may change the organization's data by one
/// action (Member or above, the organization not suspended). Derefs to
/// the [`OrgCtx`] it was granted from.
#[derive(Debug, Clone)]
#[must_use]
pub struct Writer {
    member: OrgCtx,
    action: Action,
}

impl Writer {
    /// The action this handle was granted for.
    pub fn action(&self) -> Action {
        self.action
    }
}

/// Proof of an Admin or Owner allowed one action. Derefs to [`Writer`],
/// so it serves wherever a writer does.
#[derive(Debug, Clone)]
#[must_use]
pub struct Admin(Writer);

/// Proof of an Owner allowed one action. Derefs to [`Admin`].
#[derive(Debug, Clone)]
#[must_use]
pub struct Owner(Admin);

/// Proof that the member may read the organization's licensing: granted
/// only for [`Action::ViewLicenses`]. Derefs to the [`OrgCtx`].
#[derive(Debug, Clone)]
#[must_use]
pub struct LicenseViewer(OrgCtx);

/// Proof that the member may read the organization's audit log: granted
/// only for [`Action::ViewAudit`]. Derefs to the [`OrgCtx`].
#[derive(Debug, Clone)]
#[must_use]
pub struct AuditViewer(OrgCtx);

impl std::ops::Deref for Writer {
    type Target = OrgCtx;
    fn deref(&self) -> &OrgCtx {
        &self.member
    }
}

impl std::ops::Deref for Admin {
    type Target = Writer;
    fn deref(&self) -> &Writer {
        &self.0
    }
}

impl std::ops::Deref for Owner {
    type Target = Admin;
    fn deref(&self) -> &Admin {
        &self.0
    }
}

impl std::ops::Deref for LicenseViewer {
    type Target = OrgCtx;
    fn deref(&self) -> &OrgCtx {
        &self.0
    }
}

impl std::ops::Deref for AuditViewer {
    type Target = OrgCtx;
    fn deref(&self) -> &OrgCtx {
        &self.0
    }
}

/// Proof that the signed-in user is a platform admin: the key to the
/// functions that act on every tenant (`db::platform`). Built only by the
/// request context from the user's row (`ctx::platform_request`,
/// `PlatformAdmin::load`).
#[derive(Debug, Clone)]
#[must_use]
pub struct PlatformAdmin {
    user_id: UserId,
}

impl PlatformAdmin {
    /// The proof for `user_id`, when their row, just read, says they are a
    /// platform admin.
    pub(crate) fn of(user_id: UserId, is_platform_admin: bool) -> Option<Self> {
        is_platform_admin.then_some(Self { user_id })
    }

    pub fn user_id(&self) -> UserId {
        self.user_id
    }
}
