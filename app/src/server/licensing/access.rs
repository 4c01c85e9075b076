//! Who may do what through the license API: Keygen's license-key
//! authentication (`Authorization: License <key>`), and what a key may
//! reach once authenticated. A key acts on its own license and that
//! license's machines only; any other license or machine is not found, as
//! if it did not exist.
//!
//! These are the checks made before any repository acts; the `/v1` routes
//! of the server answer their refusals in Keygen's error shape
//! ([`AccessError::code`]).

use time::OffsetDateTime;

use crate::{
    model::{LicenseId, OrgId},
    server::db::{
        Db,
        license_api::{self, ApiLicense, ApiMachine, UseRefusal},
    },
};

/// What a license key may do besides validating itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Validation: a banned, suspended or expired license still gets its
    /// answer (the validation code says why it is not valid).
    Validate,
    /// Everything else: refused for a banned or suspended license, and for
    /// an expired one under `REVOKE_ACCESS` (Keygen's license-key
    /// authentication).
    Use,
}

/// Why a request was refused, with Keygen's error code for it.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// No key given (401 `LICENSE_INVALID`).
    #[error("You must be authenticated with a license key to complete the request")]
    KeyMissing,
    /// The key names no license, or one of another organization than the
    /// account the path names (401 `LICENSE_INVALID`).
    #[error("License key is invalid")]
    KeyInvalid,
    /// The license may only validate itself (403 `LICENSE_BANNED`,
    /// `LICENSE_SUSPENDED`, `LICENSE_EXPIRED`).
    #[error("{}", refusal_detail(.0))]
    Refused(UseRefusal),
    /// The path names another license than the key's (404 `NOT_FOUND`).
    #[error("The requested license was not found")]
    LicenseNotFound,
    /// The path names no machine of the key's license (404 `NOT_FOUND`).
    #[error("The requested machine was not found")]
    MachineNotFound,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Keygen's detail for a license that may only validate itself (a
/// suspended organization reads as a suspended license: Keygen has no
/// such state).
fn refusal_detail(refusal: &UseRefusal) -> &'static str {
    match refusal {
        UseRefusal::Banned => "License is banned",
        UseRefusal::Suspended | UseRefusal::OrgSuspended => "License is suspended",
        UseRefusal::Expired => "License is expired",
    }
}

impl AccessError {
    /// Keygen's error code; `None` for a database failure.
    pub fn code(&self) -> Option<&'static str> {
        Some(match self {
            AccessError::KeyMissing | AccessError::KeyInvalid => "LICENSE_INVALID",
            AccessError::Refused(UseRefusal::Banned) => "LICENSE_BANNED",
            AccessError::Refused(UseRefusal::Suspended | UseRefusal::OrgSuspended) => "LICENSE_SUSPENDED",
            AccessError::Refused(UseRefusal::Expired) => "LICENSE_EXPIRED",
            AccessError::LicenseNotFound | AccessError::MachineNotFound => "NOT_FOUND",
            AccessError::Db(_) => return None,
        })
    }
}

/// Whether `license` may be reached through `account`, the organization
/// the path names (`None`: the path names none, and the key's
/// organization is taken).
pub fn in_account(license: &ApiLicense, account: Option<OrgId>) -> bool {
    account.is_none_or(|org| org == license.org_id())
}

/// The license of `key`, reached through `account` (see [`in_account`]).
///
/// Errors: `KeyMissing` without a key; `KeyInvalid` when it names no
/// license, or one of another organization.
pub async fn license_of_key(db: &Db, key: Option<&str>, account: Option<OrgId>) -> Result<ApiLicense, AccessError> {
    let key = key.ok_or(AccessError::KeyMissing)?;
    match license_api::find_by_key(db, key).await? {
        Some(license) if in_account(&license, account) => Ok(license),
        _ => Err(AccessError::KeyInvalid),
    }
}

/// Whether `license`'s key may be used, at `now`, for `access`
/// (`ApiLicense::use_refusal`, the rule the holder's self-serve page
/// follows too).
///
/// Errors: `Refused` when the license may only validate itself.
pub fn check_use(license: &ApiLicense, access: Access, now: OffsetDateTime) -> Result<(), AccessError> {
    match access {
        Access::Validate => Ok(()),
        Access::Use => license.use_refusal(now).map_or(Ok(()), |refusal| Err(AccessError::Refused(refusal))),
    }
}

/// Whether `wanted` (a path segment or a relationship's id) names
/// `license`: its id, or its key (Keygen takes either).
pub fn names_license(license: &ApiLicense, wanted: &str) -> bool {
    wanted.parse::<LicenseId>().is_ok_and(|id| id == license.id()) || wanted == license.key()
}

/// `license` itself, when the path's `wanted` names it ([`names_license`]).
///
/// Errors: `LicenseNotFound` for any other license, so a key learns
/// nothing of others.
pub fn own_license(license: ApiLicense, wanted: &str) -> Result<ApiLicense, AccessError> {
    if names_license(&license, wanted) { Ok(license) } else { Err(AccessError::LicenseNotFound) }
}

/// The machine of `license` that the path's `wanted` names (its id or,
/// failing that, its fingerprint).
///
/// Errors: `MachineNotFound` when the license has no such machine
/// (another license's machine is not looked at).
pub async fn own_machine(db: &Db, license: &ApiLicense, wanted: &str) -> Result<ApiMachine, AccessError> {
    license_api::find_machine(db, license, wanted).await?.ok_or(AccessError::MachineNotFound)
}
