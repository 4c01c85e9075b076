//! The organization the current page is in, shared by every page under
//! `/o/{org}` through context.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{Action, OrgShell, Role},
};

/// What the organization layout knows, for the pages inside it.
#[derive(Clone, Copy)]
pub struct OrgContext {
    /// The `{org}` slug of the URL.
    pub slug: Memo<String>,
    /// The layout's data (user, organization, role).
    pub shell: Resource<Result<OrgShell, AppError>>,
}

impl OrgContext {
    /// The signed-in member's role here; Guest until known, so nothing
    /// editable flashes for a reader.
    pub fn role(&self) -> Role {
        self.shell.get().and_then(|shell| shell.ok()).map_or(Role::Guest, |shell| shell.org.role)
    }

    /// [`OrgContext::role`] without subscribing (for code that renders once).
    pub fn role_untracked(&self) -> Role {
        self.shell.get_untracked().and_then(|shell| shell.ok()).map_or(Role::Guest, |shell| shell.org.role)
    }

    /// The role the member acts with: theirs, or Guest while the
    /// organization is suspended (nothing can be changed), untracked.
    pub fn acting_role_untracked(&self) -> Role {
        match self.shell.get_untracked().and_then(|shell| shell.ok()) {
            Some(shell) if !shell.org.suspended => shell.org.role,
            _ => Role::Guest,
        }
    }

    /// [`OrgContext::can`] without subscribing.
    pub fn can_untracked(&self, action: Action) -> bool {
        match self.shell.get_untracked().and_then(|shell| shell.ok()) {
            Some(shell) => shell.org.can(action),
            None => Role::Guest.can(action),
        }
    }

    /// Waits for the layout's data (the member's role). A page renders
    /// what depends on the role after this, inside its own `Suspense`, so
    /// the server's HTML already shows what the role may do.
    pub async fn loaded(&self) {
        let _shell = self.shell.await;
    }

    /// Whether the member may do `action`: the permission matrix the
    /// server enforces (`model::permission`) and the organization's
    /// suspension, used here only to hide what would be refused.
    pub fn can(&self, action: Action) -> bool {
        match self.shell.get().and_then(|shell| shell.ok()) {
            Some(shell) => shell.org.can(action),
            None => Role::Guest.can(action),
        }
    }
}

/// The organization context; only valid under the organization layout.
pub fn use_org() -> OrgContext {
    expect_context::<OrgContext>()
}

/// A path inside the current organization: `/o/{slug}{rest}`.
pub fn org_href(slug: &str, rest: &str) -> String {
    format!("/o/{slug}{rest}")
}
