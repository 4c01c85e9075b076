//! Licensing's rules for every door: the dashboard's server functions and
//! Keygen's admin API on `/v1` (a token acting for its creator). How each
//! field is read, what a refused write answers, and the audit event each
//! change records are here once, so a license issued by a payment
//! provider's glue reads the same in the audit log as one issued on the
//! licenses page.

use time::OffsetDateTime;

use crate::{
    error::{AppError, FieldErrors},
    model::{
        AuditAction, Email, Entitlement, EntitlementCode, EntitlementId, EntitlementName, LicenseId, MachineId,
        PolicyForm, PolicyId,
        license::{parse_license_key, parse_metadata},
    },
    server::{
        actor::Actor,
        db::{
            Db,
            licensing::{self as repo, LicenseChanges, LicenseFlag, LicensingError, NewLicense},
        },
        handles::Admin,
        licensing::generate_license_key,
    },
};

/// Longest license name, in characters.
pub const MAX_LICENSE_NAME: usize = 100;

fn target(kind: &'static str, id: impl ToString) -> (&'static str, String) {
    (kind, id.to_string())
}

/// An entitlement's fields: `code` 1–64 letters, digits, `-`, `_`, `.`;
/// `name` 1–100 characters.
///
/// Errors: `Validation` on `code`, `name`.
pub fn parse_entitlement(code: &str, name: &str) -> Result<(EntitlementCode, EntitlementName), AppError> {
    let mut errors = FieldErrors::new();
    let code = errors.check("code", EntitlementCode::parse(code));
    let name = errors.check("name", EntitlementName::parse(name));
    match (code, name) {
        (Some(code), Some(name)) => Ok((code, name)),
        _ => Err(AppError::Validation(errors)),
    }
}

/// Creates an entitlement (see [`parse_entitlement`]; codes are unique in
/// the organization).
///
/// Errors: `Validation` on `code` (taken too) and `name`.
pub async fn create_entitlement(
    db: &Db,
    admin: &Admin,
    actor: &Actor,
    code: &str,
    name: &str,
) -> Result<Entitlement, AppError> {
    let (code, name) = parse_entitlement(code, name)?;
    let details = serde_json::json!({ "code": code.as_str() });
    let event = |id| actor.event(admin.org_id(), AuditAction::EntitlementCreated, target("entitlement", id), details);
    Ok(repo::create_entitlement(db, admin, &code, &name, event).await?)
}

/// Changes an entitlement's code and name (rules as [`create_entitlement`]).
///
/// Errors: as [`create_entitlement`]; `NotFound`.
pub async fn update_entitlement(
    db: &Db,
    admin: &Admin,
    actor: &Actor,
    id: EntitlementId,
    code: &str,
    name: &str,
) -> Result<Entitlement, AppError> {
    let (code, name) = parse_entitlement(code, name)?;
    let details = serde_json::json!({ "code": code.as_str(), "name": name.as_str() });
    let event = actor.event(admin.org_id(), AuditAction::EntitlementUpdated, target("entitlement", id), details);
    Ok(repo::update_entitlement(db, admin, id, (&code, &name), &event).await?)
}

/// Deletes an entitlement; policies stop granting it.
///
/// Errors: `NotFound`.
pub async fn delete_entitlement(db: &Db, admin: &Admin, actor: &Actor, id: EntitlementId) -> Result<(), AppError> {
    let event = |deleted: &Entitlement| {
        let details = serde_json::json!({ "code": deleted.code });
        actor.event(admin.org_id(), AuditAction::EntitlementDeleted, target("entitlement", id), details)
    };
    repo::delete_entitlement(db, admin, id, event).await?;
    Ok(())
}

/// Creates a policy of `form` (its rules: `PolicyForm::parse`), granting
/// the form's entitlements (ids of other organizations are ignored).
///
/// Errors: `Validation` on the form's fields.
pub async fn create_policy(db: &Db, admin: &Admin, actor: &Actor, form: &PolicyForm) -> Result<PolicyId, AppError> {
    let (name, fields) = form.parse().map_err(AppError::Validation)?;
    let details = serde_json::json!({ "name": name.as_str() });
    let event = |id| actor.event(admin.org_id(), AuditAction::PolicyCreated, target("policy", id), details);
    Ok(repo::create_policy(db, admin, (&name, &fields), &form.entitlements, event).await?)
}

/// Changes policy `id` to `form` (as [`create_policy`]). Its licenses
/// keep their expiry; renewing uses the new duration.
///
/// Errors: as [`create_policy`]; `NotFound`.
pub async fn update_policy(
    db: &Db,
    admin: &Admin,
    actor: &Actor,
    id: PolicyId,
    form: &PolicyForm,
) -> Result<(), AppError> {
    let (name, fields) = form.parse().map_err(AppError::Validation)?;
    let details = serde_json::json!({ "name": name.as_str() });
    let event = actor.event(admin.org_id(), AuditAction::PolicyUpdated, target("policy", id), details);
    Ok(repo::update_policy(db, admin, id, (&name, &fields), &form.entitlements, &event).await?)
}

/// Deletes a policy without licenses.
///
/// Errors: `Conflict` while it has licenses; `NotFound`.
pub async fn delete_policy(db: &Db, admin: &Admin, actor: &Actor, id: PolicyId) -> Result<(), AppError> {
    let event = |name: &str| {
        actor.event(
            admin.org_id(),
            AuditAction::PolicyDeleted,
            target("policy", id),
            serde_json::json!({ "name": name }),
        )
    };
    repo::delete_policy(db, admin, id, event).await?;
    Ok(())
}

/// Grants (`grant`) or withdraws the entitlements `ids` on policy
/// `policy`, all or none (Keygen's attach and detach).
///
/// Errors: `NotFound` when the policy or one of the entitlements is not
/// the organization's.
pub async fn set_policy_entitlements(
    db: &Db,
    admin: &Admin,
    actor: &Actor,
    policy: PolicyId,
    ids: &[EntitlementId],
    grant: bool,
) -> Result<(), AppError> {
    let change = if grant { "attached" } else { "detached" };
    let details = serde_json::json!({ change: ids });
    let event = actor.event(admin.org_id(), AuditAction::PolicyUpdated, target("policy", policy), details);
    Ok(repo::set_grants(db, admin, policy, (ids, grant), &event).await?)
}

/// A license to issue, as given: every field text but `expiry`, so that a
/// form loses nothing when another field has an error.
#[derive(Debug, Clone, Default)]
pub struct LicenseInput {
    /// The policy's id; required.
    pub policy: String,
    /// At most [`MAX_LICENSE_NAME`] characters; empty: none.
    pub name: String,
    /// Empty: none.
    pub owner_email: String,
    /// Empty: generated in Keygen's format (see
    /// `model::license::parse_license_key` for a given one).
    pub key: String,
    /// A JSON object; empty: `{}`.
    pub metadata: String,
    /// `None`: after the policy's duration.
    pub expiry: Option<OffsetDateTime>,
}

/// A license name: trimmed, at most [`MAX_LICENSE_NAME`] characters;
/// `None` when empty.
pub fn parse_license_name(name: &str) -> Result<Option<String>, String> {
    let name = name.trim();
    if name.chars().count() > MAX_LICENSE_NAME {
        return Err(format!("A name is at most {MAX_LICENSE_NAME} characters."));
    }
    Ok((!name.is_empty()).then(|| name.to_owned()))
}

/// Issues a license of `input` under one of the organization's policies,
/// counted against the plan's license limit. Returns its id.
///
/// Errors: `Validation` on `policy` (missing, malformed or another
/// organization's), `name`, `owner_email`, `key` (too weak, or in use)
/// and `metadata`; the plan's limit (`licenses`).
pub async fn create_license(
    db: &Db,
    admin: &Admin,
    actor: &Actor,
    input: &LicenseInput,
) -> Result<LicenseId, AppError> {
    let mut errors = FieldErrors::new();
    let policy: Option<PolicyId> = if input.policy.trim().is_empty() {
        errors.add("policy", "Choose a policy.");
        None
    } else {
        errors.check("policy", input.policy.trim().parse::<PolicyId>().map_err(|_| "Choose a policy."))
    };
    let owner_email = match input.owner_email.trim() {
        "" => None,
        email => errors.check("owner_email", Email::parse(email)).map(|e| e.as_str().to_owned()),
    };
    let key = match input.key.trim() {
        "" => Some(generate_license_key()),
        given => errors.check("key", parse_license_key(given)),
    };
    let metadata = errors.check("metadata", parse_metadata(&input.metadata));
    let name = errors.check("name", parse_license_name(&input.name));
    let (Some(policy), Some(key), Some(metadata), Some(name), true) = (policy, key, metadata, name, errors.is_empty())
    else {
        return Err(AppError::Validation(errors));
    };
    let new = NewLicense {
        policy,
        key: &key,
        name: name.as_deref(),
        owner_email: owner_email.as_deref(),
        metadata: &metadata,
        expiry: input.expiry,
    };
    let details = serde_json::json!({ "policy": policy.to_string() });
    let event = |id| actor.event(admin.org_id(), AuditAction::LicenseCreated, target("license", id), details);
    repo::create_license(db, admin, new, event).await.map_err(|err| match err {
        LicensingError::NotFound => AppError::field("policy", "Choose a policy."),
        other => other.into(),
    })
}

/// Changes a license's name, expiry or metadata (those given; the rules
/// of [`create_license`]).
///
/// Errors: `Validation` on `name`, `metadata`; `NotFound`.
pub async fn update_license(
    db: &Db,
    admin: &Admin,
    actor: &Actor,
    id: LicenseId,
    name: Option<&str>,
    expiry: Option<Option<OffsetDateTime>>,
    metadata: Option<&str>,
) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    let name = name.map(|name| errors.check("name", parse_license_name(name)));
    let metadata = metadata.map(|metadata| errors.check("metadata", parse_metadata(metadata)));
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let changes = LicenseChanges { name: name.map(Option::flatten), expiry, metadata: metadata.flatten() };
    let mut changed = Vec::new();
    for (field, given) in
        [("name", changes.name.is_some()), ("expiry", expiry.is_some()), ("metadata", changes.metadata.is_some())]
    {
        if given {
            changed.push(field);
        }
    }
    let details = serde_json::json!({ "changed": changed });
    let event = actor.event(admin.org_id(), AuditAction::LicenseUpdated, target("license", id), details);
    Ok(repo::update_license(db, admin, id, &changes, &event).await?)
}

/// Turns `flag` on or off for a license: suspended (validates as
/// `SUSPENDED` and can do nothing else; reinstated when turned off) or
/// banned (`BANNED`, before suspension).
///
/// Errors: `NotFound`.
pub async fn set_license_flag(
    db: &Db,
    admin: &Admin,
    actor: &Actor,
    id: LicenseId,
    flag: LicenseFlag,
    on: bool,
) -> Result<(), AppError> {
    let action = match (flag, on) {
        (LicenseFlag::Suspended, true) => AuditAction::LicenseSuspended,
        (LicenseFlag::Suspended, false) => AuditAction::LicenseReinstated,
        (LicenseFlag::Banned, true) => AuditAction::LicenseBanned,
        (LicenseFlag::Banned, false) => AuditAction::LicenseUnbanned,
    };
    let event = actor.event(admin.org_id(), action, target("license", id), serde_json::json!({}));
    repo::set_flag(db, admin, id, (flag, on), &event).await?;
    Ok(())
}

/// Renews a license by its policy's duration (from its expiry, or from
/// now when that has passed). Returns the new expiry.
///
/// Errors: `NotFound`.
pub async fn renew_license(
    db: &Db,
    admin: &Admin,
    actor: &Actor,
    id: LicenseId,
) -> Result<Option<OffsetDateTime>, AppError> {
    let event = |expiry: Option<OffsetDateTime>| {
        let details = serde_json::json!({ "expiry": expiry.map(|e| e.to_string()) });
        actor.event(admin.org_id(), AuditAction::LicenseRenewed, target("license", id), details)
    };
    let (_, expiry) = repo::renew(db, admin, id, event).await?;
    Ok(expiry)
}

/// Deletes a license with its machines (Keygen's delete, and its revoke).
///
/// Errors: `NotFound`.
pub async fn delete_license(db: &Db, admin: &Admin, actor: &Actor, id: LicenseId) -> Result<(), AppError> {
    let event = actor.event(admin.org_id(), AuditAction::LicenseDeleted, target("license", id), serde_json::json!({}));
    repo::delete_license(db, admin, id, &event).await?;
    Ok(())
}

/// Deactivates machine `machine` of license `license`.
///
/// Errors: `NotFound` when the license is not the organization's or the
/// machine not the license's.
pub async fn deactivate_machine(
    db: &Db,
    admin: &Admin,
    actor: &Actor,
    license: LicenseId,
    machine: MachineId,
) -> Result<(), AppError> {
    let event = |fingerprint: &str| {
        let details = serde_json::json!({ "license": license.to_string(), "fingerprint": fingerprint });
        actor.event(admin.org_id(), AuditAction::MachineDeactivated, target("machine", machine), details)
    };
    repo::deactivate_machine(db, repo::ManagedLicense::managed(admin, license), machine, event).await?;
    Ok(())
}
