//! Licensing in the dashboard: entitlements, policies, licenses and their
//! machines. Members read (Guests see none of it); Admins and Owners
//! manage (`Action::ViewLicenses`, `Action::ManageLicenses`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    model::{Entitlement, LicenseDetail, LicenseId, LicenseItem, Page, Policy},
};

#[cfg(feature = "ssr")]
use crate::{
    api::args::{parse_id, parse_ids},
    model::{Action, AuditAction, EntitlementId, ExpirationStrategy, LicenseStatus, MachineId, PolicyForm, PolicyId},
    server::{
        ctx,
        db::{
            license_api::{self, Via},
            licensing::{self as repo, LicenseFilter},
        },
        licenses,
    },
};

/// What the policies page shows: the organization's public key (hex),
/// entitlements and policies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Licensing {
    pub public_key: String,
    pub entitlements: Vec<Entitlement>,
    pub policies: Vec<Policy>,
    pub can_manage: bool,
}

/// The policies page's data.
#[server(endpoint = "get_licensing")]
pub async fn get_licensing(org: String) -> Result<Licensing, AppError> {
    let req = ctx::org_request(&org).await?;
    let viewer = req.org.license_viewer()?;
    let db = req.db();
    Ok(Licensing {
        public_key: repo::public_key(db, &req.state.licensing.kek, viewer.org_id()).await?,
        entitlements: repo::entitlements(db, &viewer).await?,
        policies: repo::policies(db, &viewer).await?,
        can_manage: viewer.can(Action::ManageLicenses),
    })
}

/// Creates an entitlement: `code` 1–64 letters, digits, `-`, `_`, `.`,
/// unique in the organization; `name` 1–100 characters.
#[server(endpoint = "create_entitlement")]
pub async fn create_entitlement(org: String, code: String, name: String) -> Result<Entitlement, AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageLicenses)?;
    licenses::create_entitlement(req.db(), &admin, &req.actor()?, &code, &name).await
}

/// Deletes an entitlement; policies stop granting it.
#[server(endpoint = "delete_entitlement")]
pub async fn delete_entitlement(org: String, entitlement: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageLicenses)?;
    let id: EntitlementId = parse_id(&entitlement)?;
    licenses::delete_entitlement(req.db(), &admin, &req.actor()?, id).await
}

/// The policy form's fields as a form posts them, every one text:
/// checkboxes (`floating`, `strict`, `require_heartbeat`) are on when
/// present and not `false`; `entitlements` are entitlement ids
/// (`entitlements[]` in a form). Creating a policy and changing one take
/// the same fields (flattened into their arguments); the rules are
/// `model::PolicyForm::parse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PostedPolicy {
    pub name: String,
    #[serde(default)]
    pub product: String,
    #[serde(default)]
    pub max_machines: String,
    #[serde(default)]
    pub duration_days: String,
    #[serde(default)]
    pub floating: String,
    #[serde(default)]
    pub strict: String,
    #[serde(default)]
    pub require_heartbeat: String,
    #[serde(default)]
    pub heartbeat_minutes: String,
    #[serde(default)]
    pub expiration_strategy: String,
    #[serde(default)]
    pub entitlements: Vec<String>,
    /// A checkbox; with it, `check_in_interval` (`day`, `week`, `month`,
    /// `year`) and `check_in_interval_count` (1–365) are needed.
    #[serde(default)]
    pub require_check_in: String,
    #[serde(default)]
    pub check_in_interval: String,
    #[serde(default)]
    pub check_in_interval_count: String,
    /// `MATCH_ANY` (empty), `MATCH_TWO`, `MATCH_MOST` or `MATCH_ALL`.
    #[serde(default)]
    pub component_matching_strategy: String,
}

#[cfg(feature = "ssr")]
impl PostedPolicy {
    /// The form as typed, with the checkboxes read, the strategy and the
    /// entitlement ids parsed (each field's own rules wait for
    /// `PolicyForm::parse`).
    fn form(self) -> Result<PolicyForm, AppError> {
        let expiration_strategy = match self.expiration_strategy.trim() {
            "" => ExpirationStrategy::RestrictAccess,
            text => {
                text.parse().map_err(|_| AppError::field("expiration_strategy", "Choose an expiration strategy."))?
            }
        };
        let entitlements: Vec<EntitlementId> = parse_ids(&self.entitlements)?;
        let component_matching_strategy = match self.component_matching_strategy.trim() {
            "" => crate::model::license::ComponentMatchingStrategy::default(),
            text => text.parse().map_err(|_| {
                AppError::field("component_matching_strategy", "Choose how many components must match.")
            })?,
        };
        let on = |s: &str| !s.is_empty() && s != "false";
        Ok(PolicyForm {
            name: self.name,
            product: self.product,
            max_machines: self.max_machines,
            duration_days: self.duration_days,
            floating: on(&self.floating),
            strict: on(&self.strict),
            require_heartbeat: on(&self.require_heartbeat),
            heartbeat_minutes: self.heartbeat_minutes,
            expiration_strategy,
            entitlements,
            duration_seconds: None,
            require_check_in: on(&self.require_check_in),
            check_in_interval: self.check_in_interval,
            check_in_interval_count: self.check_in_interval_count,
            component_matching_strategy,
        })
    }
}

/// The argument names of [`create_policy`] and [`update_policy`], for
/// `api::argument_names`: their own, then the fields of [`PostedPolicy`]
/// (flattened into them, so the introspection of the functions' argument
/// structs finds none). Leaked once, as the registry is built at start.
#[cfg(feature = "ssr")]
pub fn policy_argument_names() -> [(&'static str, &'static [&'static str]); 2] {
    use leptos::server_fn::ServerFn;
    use serde_aux::serde_introspection::serde_introspect;

    let with = |own: &[&'static str]| -> &'static [&'static str] {
        Vec::leak([own, serde_introspect::<PostedPolicy>()].concat())
    };
    [(CreatePolicy::PATH, with(&["org"])), (UpdatePolicy::PATH, with(&["org", "policy"]))]
}

/// Creates a policy of the posted fields ([`PostedPolicy`]).
#[server(endpoint = "create_policy")]
pub async fn create_policy(org: String, #[server(flatten)] policy: PostedPolicy) -> Result<String, AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageLicenses)?;
    let form = policy.form()?;
    Ok(licenses::create_policy(req.db(), &admin, &req.actor()?, &form).await?.to_string())
}

/// Changes a policy to the posted fields (as [`create_policy`]).
#[server(endpoint = "update_policy")]
pub async fn update_policy(
    org: String,
    policy: String,
    #[server(flatten)] fields: PostedPolicy,
) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageLicenses)?;
    let id: PolicyId = parse_id(&policy)?;
    let form = fields.form()?;
    licenses::update_policy(req.db(), &admin, &req.actor()?, id, &form).await
}

/// Deletes a policy without licenses (`Conflict` otherwise).
#[server(endpoint = "delete_policy")]
pub async fn delete_policy(org: String, policy: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageLicenses)?;
    let id: PolicyId = parse_id(&policy)?;
    licenses::delete_policy(req.db(), &admin, &req.actor()?, id).await
}

/// Licenses on one page of the list.
pub const LICENSES_PER_PAGE: u32 = 25;

/// A page of licenses, newest first: `q` searches key, name and owner
/// email; `status` is a status slug (`active`, `expired`, ...); `page`
/// counts from 1.
#[server(endpoint = "list_licenses")]
pub async fn list_licenses(
    org: String,
    #[server(default)] q: String,
    #[server(default)] status: String,
    #[server(default)] page: u32,
) -> Result<Page<LicenseItem>, AppError> {
    let req = ctx::org_request(&org).await?;
    let viewer = req.org.license_viewer()?;
    let status = match status.trim() {
        "" => None,
        slug => Some(
            LicenseStatus::from_slug(slug)
                .ok_or_else(|| AppError::field("status", "Choose a status from the list."))?,
        ),
    };
    let filter = LicenseFilter { search: Some(q), status, ..LicenseFilter::default() };
    let offset = page.max(1).saturating_sub(1).saturating_mul(LICENSES_PER_PAGE);
    Ok(repo::licenses(req.db(), &viewer, &filter, LICENSES_PER_PAGE, offset).await?)
}

/// Issues a license under `policy`: `key` empty to generate one in
/// Keygen's format (or 16–255 printable characters, hard to guess: see
/// `model::license::parse_license_key`), `owner_email` optional, `metadata` a JSON object (empty: `{}`). Returns its id.
#[server(endpoint = "create_license")]
pub async fn create_license(
    org: String,
    policy: String,
    #[server(default)] name: String,
    #[server(default)] owner_email: String,
    #[server(default)] key: String,
    #[server(default)] metadata: String,
) -> Result<LicenseId, AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageLicenses)?;
    let input = licenses::LicenseInput { policy, name, owner_email, key, metadata, expiry: None };
    licenses::create_license(req.db(), &admin, &req.actor()?, &input).await
}

/// One license with its machines, entitlements and validation count.
#[server(endpoint = "get_license")]
pub async fn get_license(org: String, license: String) -> Result<LicenseDetail, AppError> {
    let req = ctx::org_request(&org).await?;
    let viewer = req.org.license_viewer()?;
    let id: LicenseId = parse_id(&license)?;
    let pending = req.state.licensing.tally.pending(id);
    repo::license(req.db(), repo::ReadableLicense::viewed(&viewer, id), pending).await?.ok_or(AppError::NotFound)
}

/// Suspends (`suspended` = `true`) or reinstates a license: a suspended
/// license validates as `SUSPENDED` and can do nothing else.
#[server(endpoint = "set_license_suspended")]
pub async fn set_license_suspended(org: String, license: String, suspended: bool) -> Result<(), AppError> {
    set_license_flag(&org, &license, repo::LicenseFlag::Suspended, suspended).await
}

/// Bans (`banned` = `true`) or unbans a license: a banned license
/// validates as `BANNED` and can do nothing else; it takes precedence
/// over suspension (Keygen bans a license's owner; here the license).
#[server(endpoint = "set_license_banned")]
pub async fn set_license_banned(org: String, license: String, banned: bool) -> Result<(), AppError> {
    set_license_flag(&org, &license, repo::LicenseFlag::Banned, banned).await
}

/// Turns `flag` on or off (`licenses::set_license_flag`).
#[cfg(feature = "ssr")]
async fn set_license_flag(org: &str, license: &str, flag: repo::LicenseFlag, on: bool) -> Result<(), AppError> {
    let req = ctx::org_request(org).await?;
    let admin = req.org.admin(Action::ManageLicenses)?;
    let id: LicenseId = parse_id(license)?;
    licenses::set_license_flag(req.db(), &admin, &req.actor()?, id, flag, on).await
}

/// Renews a license by its policy's duration.
#[server(endpoint = "renew_license")]
pub async fn renew_license(org: String, license: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageLicenses)?;
    let id: LicenseId = parse_id(&license)?;
    licenses::renew_license(req.db(), &admin, &req.actor()?, id).await.map(|_| ())
}

/// Deletes a license and its machines.
#[server(endpoint = "delete_license")]
pub async fn delete_license(org: String, license: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageLicenses)?;
    let id: LicenseId = parse_id(&license)?;
    licenses::delete_license(req.db(), &admin, &req.actor()?, id).await
}

/// Deactivates one of a license's machines.
#[server(endpoint = "deactivate_machine")]
pub async fn deactivate_machine(org: String, license: String, machine: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageLicenses)?;
    let license: LicenseId = parse_id(&license)?;
    let machine: MachineId = parse_id(&machine)?;
    licenses::deactivate_machine(req.db(), &admin, &req.actor()?, license, machine).await
}

/// What a license holder sees of their license on the self-serve page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldLicense {
    pub name: Option<String>,
    pub status: crate::model::LicenseStatus,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expiry: Option<time::OffsetDateTime>,
    pub max_machines: Option<u32>,
    pub machines: Vec<crate::model::Machine>,
}

/// The self-serve page's lookup: the license of `key`, for its holder
/// (no account). Rate-limited per client network like sign-in; an unknown
/// key answers a field error on `key`.
#[server(endpoint = "look_up_license")]
pub async fn look_up_license(key: String) -> Result<HeldLicense, AppError> {
    let (state, found) = held(&key).await?;
    let pending = state.licensing.tally.pending(found.id());
    let detail = repo::license(&state.db, found.readable(), pending).await?.ok_or_else(unknown_key)?;
    Ok(HeldLicense {
        name: detail.license.name,
        status: detail.license.status,
        expiry: detail.license.expiry,
        max_machines: detail.max_machines,
        machines: detail.machines,
    })
}

/// The holder of `key` deactivates one of its machines (to move the
/// license to another computer).
///
/// Errors: `Conflict` with the reason when the key may not be used
/// (banned, suspended, its organization suspended, expired under
/// `REVOKE_ACCESS`): the rule of `/v1`'s machine deactivation,
/// `ApiLicense::use_refusal`.
#[server(endpoint = "release_machine")]
pub async fn release_machine(key: String, machine: String) -> Result<(), AppError> {
    let (state, found) = held(&key).await?;
    if let Some(refusal) = found.use_refusal(time::OffsetDateTime::now_utc()) {
        return Err(AppError::Conflict(refusal.message().to_owned()));
    }
    let machine: MachineId = parse_id(&machine)?;
    let origin = ctx::request_origin(&state)?;
    let event = |fingerprint: &str| {
        let machine = (machine, fingerprint);
        license_api::machine_event(&origin, &found, AuditAction::MachineDeactivated, machine, Via::SelfServe)
    };
    repo::deactivate_machine(&state.db, found.managed(), machine, event).await?;
    Ok(())
}

/// The self-serve pages' error for a key that names no license.
#[cfg(feature = "ssr")]
fn unknown_key() -> AppError {
    AppError::field("key", "No license has this key. Check it and try again.")
}

/// The license of a holder's `key`, after the per-network rate limit.
#[cfg(feature = "ssr")]
async fn held(key: &str) -> Result<(crate::server::AppState, license_api::ApiLicense), AppError> {
    let state = ctx::app_state()?;
    state.limits.check_ip(ctx::request_ip(&state)?)?;
    let found = license_api::find_by_key(&state.db, key.trim()).await?.ok_or_else(unknown_key)?;
    Ok((state, found))
}
