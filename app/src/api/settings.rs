//! An organization's settings: name and address (Admins), ownership
//! transfer and deletion (Owners). The shape of Laravel Jetstream's team
//! settings.

use leptos::prelude::*;

use crate::{error::AppError, model::OrgSettings};

#[cfg(feature = "ssr")]
use serde_json::json;

#[cfg(feature = "ssr")]
use crate::{
    api::args::parse_id,
    error::FieldErrors,
    model::{Action, AuditAction, OrgName, OrgSlug, Role, UserId},
    server::{
        ctx,
        db::orgs::{self, SlugError},
    },
};

/// The message for a slug that is not well-formed.
pub const SLUG_RULE: &str = "Use 1 to 48 lowercase letters, digits and single hyphens, not at either end.";

/// The organization's name, slug, plan, limits and what it uses of them.
/// Admins and Owners.
///
/// Errors: `Forbidden` below Admin.
#[server(endpoint = "get_org_settings")]
pub async fn get_org_settings(org: String) -> Result<OrgSettings, AppError> {
    let req = ctx::org_request(&org).await?;
    req.org.check(Action::ManageSettings)?;
    let usage = orgs::plan_and_usage(req.db(), &req.org).await?;
    Ok(OrgSettings { org: req.org.org().clone(), usage })
}

/// Renames the organization to `name` (1 to 100 characters) and moves it
/// to the address `/o/{slug}`; the old address keeps redirecting its
/// members to the new one. Redirects to the settings at the new address.
///
/// Errors: `Forbidden` below Admin; `Suspended`; `Validation` on `name`,
/// or on `slug` when malformed or another organization's.
#[server(endpoint = "update_org_settings")]
pub async fn update_org_settings(org: String, name: String, slug: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageSettings)?;
    let mut errors = FieldErrors::new();
    let name = errors.check("name", OrgName::parse(&name));
    let slug = errors.check("slug", OrgSlug::parse(slug.trim()).map_err(|_| SLUG_RULE));
    errors.into_result()?;
    let (Some(name), Some(slug)) = (name, slug) else { unreachable!("errors were returned above") };
    let before = admin.org().clone();
    let details = json!({
        "name": { "from": before.name, "to": name.as_str() },
        "slug": { "from": before.slug, "to": slug.as_str() },
    });
    let event =
        req.event(AuditAction::OrganizationSettingsChanged, ("organization", before.id.to_string()), details)?;
    orgs::change_settings(req.db(), &admin, (Some(&name), Some(&slug)), &event).await.map_err(|err| match err {
        SlugError::Taken => AppError::field("slug", "Another organization has this address. Choose another."),
        SlugError::Db(err) => err.into(),
    })?;
    leptos_axum::redirect(&crate::api::auth::org_path(&format!("{slug}/settings")));
    Ok(())
}

/// Makes the member `user` an Owner and the signed-in Owner an Admin, then
/// redirects to the settings (which now show what an Admin may do).
///
/// Errors: `Forbidden` below Owner; `Suspended`; `NotFound` for someone
/// who is not a member here, or the caller themselves.
#[server(endpoint = "transfer_ownership")]
pub async fn transfer_ownership(org: String, user: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    let owner = req.org.owner(Action::TransferOwnership)?;
    let to: UserId = parse_id(&user)?;
    let actor = req.actor()?;
    let event = |before: Role| {
        let details = json!({ "to": to.to_string(), "their_role_before": before.as_str() });
        actor.event(owner.org_id(), AuditAction::OwnershipTransferred, ("member", to.to_string()), details)
    };
    orgs::transfer_ownership(req.db(), &owner, to, event).await?;
    leptos_axum::redirect(&crate::api::auth::org_path(&format!("{}/settings", owner.org().slug)));
    Ok(())
}

/// Deletes the organization when `confirm` is its name, then redirects to
/// `/`. A platform admin can restore it within 30 days; after that it is
/// purged with everything in it.
///
/// Errors: `Forbidden` below Owner; `Suspended`; `Validation` on
/// `confirm` when it is not the organization's name.
#[server(endpoint = "delete_organization")]
pub async fn delete_organization(org: String, confirm: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    let owner = req.org.owner(Action::DeleteOrganization)?;
    let name = owner.org().name.clone();
    if confirm.trim() != name {
        return Err(AppError::field("confirm", format!("Type the organization's name, {name}, to confirm.")));
    }
    let details = json!({ "name": name, "slug": owner.org().slug });
    let event = req.event(AuditAction::OrganizationDeleted, ("organization", owner.org_id().to_string()), details)?;
    orgs::delete(req.db(), &owner, &event).await?;
    leptos_axum::redirect("/");
    Ok(())
}
