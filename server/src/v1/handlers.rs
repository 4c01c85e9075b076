//! The `/v1` endpoints. Each authenticates the license key (see
//! [`Call::license`]), acts within that license only (the rules of
//! `app::server::licensing::access`: another license's or organization's
//! ids answer `NOT_FOUND`), and answers a document, which the router's
//! signing layer signs ([`super::signing`]).

use std::{collections::HashMap, sync::Arc};

use axum::{
    extract::Path,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};
use time::OffsetDateTime;

use app::{
    model::{AuditAction, MachineId},
    server::{
        db::{
            audit,
            license_api::{self, ActivationError, ApiLicense, ApiMachine, NewComponent, NewMachine, Via},
            licensing::{self as licensing_repo, LicensingError},
        },
        licensing::{
            access::{self, Access},
            files::{self, FileKind},
            validation::{self, ValidationScope},
            validation_cache::Asked,
        },
    },
};

use super::schema::{
    ComponentListDocument, EntitlementListDocument, LicenseDocument, LicenseFileDocument, MachineActivation,
    MachineDocument, MachineListDocument, PingDocument, Refusals, ValidateKeyRequest, ValidationBody,
    ValidationDocument,
};
use super::{Answer, ApiError, Call, Document, admin, resources};

type Params = Path<HashMap<String, String>>;

/// The path parameter of a license.
const LICENSE: &str = "The license's id or key.";
/// The path parameter of a machine.
const MACHINE: &str = "The machine's id or fingerprint (with an API token, its id).";

/// `GET /v1/openapi.json`: the OpenAPI 3.1 document of `/v1`, generated
/// from these handlers' annotations.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "Meta", security(()),
    responses((status = 200, description = "This document.", content_type = "application/json")))]
pub async fn openapi() -> Response {
    static DOCUMENT: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| super::openapi().to_json().unwrap_or_default());
    ([(axum::http::header::CONTENT_TYPE, "application/json")], DOCUMENT.as_str()).into_response()
}

/// Unknown `/v1` paths: Keygen's 404 document, signed when the path
/// names a known account (or throttled, 429, like any other request).
pub async fn not_found(mut call: Call) -> Answer {
    if call.has_token() {
        call.token().await?;
    } else {
        call.resolve_account().await?;
    }
    Err(ApiError::not_found(
        "The requested endpoint was not found (check your HTTP method, Accept header, and URL path)",
    ))
}

/// A known route with a method it does not take: 405 in Keygen's error
/// shape, signed like every answer whose organization is known (the
/// account in the path, or the license key's), so a Keygen client reports
/// the error rather than a signature failure.
pub async fn method_not_allowed(mut call: Call) -> Answer {
    if call.has_token() {
        call.token().await?;
    } else if call.key.is_some() {
        call.license(Access::Validate).await?;
    } else {
        call.resolve_account().await?;
    }
    Err(ApiError::method_not_allowed("The requested endpoint does not take this HTTP method"))
}

/// `GET /v1/ping`: the service answers (signed when the key or account
/// names an organization).
#[utoipa::path(get, path = "/ping", tag = "Meta", security((), ("LicenseKey" = []), ("bearer" = [])), responses((status = 200, description = "The service answers (signed when the key, token or account names an organization).", body = PingDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn ping(mut call: Call) -> Answer {
    if call.has_token() {
        let _ = call.token().await;
    } else if call.key.is_some() {
        let _ = call.license(Access::Validate).await;
    } else {
        let _ = call.resolve_account().await;
    }
    let body = json!({ "meta": { "ts": resources::ts(OffsetDateTime::now_utc()), "version": super::API_VERSION } });
    Ok(Document(StatusCode::OK, Some(body)))
}

/// `GET /v1/me`: the license of the key.
#[utoipa::path(get, path = "/me", tag = "Licenses", security(("LicenseKey" = [])), responses((status = 200, description = "The key's license.", body = LicenseDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn me(mut call: Call) -> Answer {
    let license = call.license(Access::Use).await?;
    Ok(Document(StatusCode::OK, Some(json!({ "data": resources::license(&license, OffsetDateTime::now_utc()) }))))
}

/// The `meta` of a validation request body (may be absent).
#[derive(Debug, Default, serde::Deserialize)]
struct ValidationMeta {
    key: Option<String>,
    nonce: Option<i64>,
    scope: Option<Value>,
}

fn validation_meta(body: &[u8]) -> Result<ValidationMeta, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(ValidationMeta::default());
    }
    let document: Value =
        serde_json::from_slice(body).map_err(|_| ApiError::bad_request("The request body is not valid JSON"))?;
    match document.get("meta") {
        None | Some(Value::Null) => Ok(ValidationMeta::default()),
        Some(meta) => serde_json::from_value(meta.clone())
            .map_err(|err| ApiError::bad_request(format!("The validation meta is invalid: {err}"))),
    }
}

/// Most fingerprints, components or entitlements one validation scope
/// may name (Keygen documents no limit; each becomes a bound SQL
/// parameter, and SQLite allows 32,766 per statement, PostgreSQL 65,535).
pub const MAX_SCOPE_ITEMS: usize = 100;

/// The request's `meta.scope`, parsed (`None` when absent).
/// `SCOPE_TOO_LARGE` (422) when a list names more than
/// [`MAX_SCOPE_ITEMS`].
fn validation_scope(meta: &ValidationMeta) -> Result<Option<ValidationScope>, ApiError> {
    let scope: ValidationScope = match &meta.scope {
        None | Some(Value::Null) => return Ok(None),
        Some(value) => serde_json::from_value(value.clone())
            .map_err(|err| ApiError::bad_request(format!("The validation scope is invalid: {err}")))?,
    };
    let lists = [
        (scope.fingerprints.as_ref(), "/meta/scope/fingerprints"),
        (scope.components.as_ref(), "/meta/scope/components"),
        (scope.entitlements.as_ref(), "/meta/scope/entitlements"),
    ];
    for (list, pointer) in lists {
        if list.is_some_and(|list| list.len() > MAX_SCOPE_ITEMS) {
            return Err(ApiError::unprocessable(
                "SCOPE_TOO_LARGE",
                format!("is too long (maximum is {MAX_SCOPE_ITEMS} items)"),
                pointer,
            ));
        }
    }
    Ok(Some(scope))
}

/// Keygen's validation document for `license` (with the machines its
/// scope names and its entitlement codes), and the validation counted.
fn validation_answer(
    call: &Call,
    found: Option<(&ApiLicense, &[ApiMachine], Vec<String>)>,
    meta: &ValidationMeta,
    scope: Option<&ValidationScope>,
) -> Answer {
    let now = OffsetDateTime::now_utc();
    let facts = found.as_ref().map(|(license, machines, codes)| {
        call.state().licensing.tally.record(license.org_id(), license.id(), now);
        license.facts(machines, codes.clone())
    });
    let outcome = validation::validate(facts.as_ref(), scope, now);
    app::server::metrics::license_validated(outcome.code);
    let mut meta_out = json!({
        "ts": resources::ts(now),
        "valid": outcome.valid,
        "detail": outcome.detail,
        "code": outcome.code,
        "scope": meta.scope.clone().filter(Value::is_object).unwrap_or_else(|| json!({})),
    });
    if let Some(nonce) = meta.nonce {
        meta_out["nonce"] = json!(nonce);
    }
    let data = found.map_or(Value::Null, |(license, ..)| resources::license(license, now));
    Ok(Document(StatusCode::OK, Some(json!({ "meta": meta_out, "data": data }))))
}

/// What the scope asks of the machines: its fingerprints and machine id.
fn scope_machines(scope: Option<&ValidationScope>) -> (Vec<String>, Option<String>) {
    let fingerprints = scope.and_then(ValidationScope::fingerprints).unwrap_or_default();
    (fingerprints, scope.and_then(|s| s.machine.clone()))
}

/// The components whose presence on the scoped machine is to be loaded:
/// the scope's, without duplicates, when it names the single
/// `fingerprint` they are matched on (without it, validation answers
/// `FINGERPRINT_SCOPE_REQUIRED` and needs none).
fn scope_components(scope: Option<&ValidationScope>) -> Vec<String> {
    let Some(scope) = scope.filter(|s| s.fingerprint.is_some()) else { return Vec::new() };
    let mut components = scope.components.clone().unwrap_or_default();
    components.sort();
    components.dedup();
    components
}

/// `POST /v1/licenses/actions/validate-key`: validates the key in the
/// body (`meta.key`), with its scope. An unknown key is `NOT_FOUND`, not an
/// error. What the database holds of a known key is read once and reused
/// until anything of its organization changes (`validation_cache`); the
/// answer itself (expiry, check-ins due) is worked out at each request.
#[utoipa::path(post, path = "/licenses/actions/validate-key", tag = "Licenses", security(()), request_body(content = ValidateKeyRequest, content_type = "application/vnd.api+json"), responses((status = 200, description = "The validation; `data` is null when the key was not found.", body = ValidationDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn validate_key(mut call: Call) -> Answer {
    let account = call.resolve_account().await?;
    let meta = validation_meta(call.body())?;
    let key = meta
        .key
        .clone()
        .filter(|k| !k.is_empty())
        .ok_or_else(|| ApiError::unprocessable("KEY_BLANK", "can't be blank", "/meta/key"))?;
    let scope = validation_scope(&meta)?;
    let (fingerprints, machine) = scope_machines(scope.as_ref());
    let components = scope_components(scope.as_ref());
    let wants_entitlements = scope.as_ref().is_some_and(|s| s.entitlements.is_some());
    let (licensing, db) = (Arc::clone(&call.state().licensing), call.state().db.clone());
    let cache = &licensing.validations;
    let asked = Asked { key, fingerprints, machine, components, entitlements: wants_entitlements };
    let cached = cache.get(&asked);
    app::server::metrics::validation_read(if cached.is_some() { "cache" } else { "database" });
    let (found, read_since) = match cached {
        Some(found) => (Some(found), None),
        None => {
            let mark = cache.mark();
            let a = &asked;
            let found = license_api::find_for_validation(
                &db,
                &a.key,
                &a.fingerprints,
                a.machine.as_deref(),
                &a.components,
                a.entitlements,
            )
            .await?;
            (found.map(Arc::new), Some(mark))
        }
    };
    let found = found.filter(|found| access::in_account(&found.0, account));
    if let Some(found) = &found {
        call.sign_for(&found.0);
        call.limit_license(&found.0)?;
        // Kept once the request is let through: a refused flood keeps
        // nothing.
        if let Some(mark) = read_since {
            cache.keep(asked, mark, found);
        }
    }
    let found = found.as_deref().map(|(license, machines, codes)| (license, machines.as_slice(), codes.clone()));
    validation_answer(&call, found, &meta, scope.as_ref())
}

/// The license the path's `{license}` names (by id or by key): with a
/// license key, that key's license only (`access::own_license`; another
/// license answers `NOT_FOUND`); with an API token, any of its
/// organization's.
async fn own_license(call: &mut Call, params: &HashMap<String, String>, need: Access) -> Result<ApiLicense, ApiError> {
    let wanted = params.get("license").map(String::as_str).unwrap_or_default();
    if call.has_token() {
        let caller = call.token().await?;
        return admin::license_for_token(call, &caller, wanted).await;
    }
    let license = call.license(need).await?;
    Ok(access::own_license(license, wanted)?)
}

/// The machine the path's `{machine}` names, with its license: with a
/// license key, one of that license's (by id or fingerprint); with an API
/// token, any of its organization's (by id), and only an Admin's token
/// may `change` it.
async fn machine_of_call(
    call: &mut Call,
    params: &HashMap<String, String>,
    change: bool,
) -> Result<(ApiLicense, ApiMachine), ApiError> {
    let wanted = params.get("machine").map(String::as_str).unwrap_or_default();
    if call.has_token() {
        let caller = call.token().await?;
        if change {
            admin::may_manage(&caller)?;
        }
        return admin::machine_for_token(call, &caller, wanted).await;
    }
    let license = call.license(Access::Use).await?;
    let machine = own_machine(call, &license, params).await?;
    Ok((license, machine))
}

/// `POST /v1/licenses/{id}/actions/validate`.
#[utoipa::path(post, path = "/licenses/{license}/actions/validate", tag = "Licenses", security(("LicenseKey" = []), ("bearer" = [])), params(("license" = String, Path, description = LICENSE)), request_body(content = Option<ValidationBody>, content_type = "application/vnd.api+json"), responses((status = 200, description = "The validation.", body = ValidationDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn validate(Path(params): Params, mut call: Call) -> Answer {
    let license = own_license(&mut call, &params, Access::Validate).await?;
    let meta = validation_meta(call.body())?;
    let scope = validation_scope(&meta)?;
    let (fingerprints, machine) = scope_machines(scope.as_ref());
    let components = scope_components(scope.as_ref());
    let db = &call.state().db;
    let machines = license_api::scoped_machines(db, &license, &fingerprints, machine.as_deref(), &components).await?;
    let codes = if scope.as_ref().is_some_and(|s| s.entitlements.is_some()) {
        license_api::entitlements(db, &license).await?.into_iter().map(|(e, _, _)| e.code).collect()
    } else {
        Vec::new()
    };
    validation_answer(&call, Some((&license, &machines, codes)), &meta, scope.as_ref())
}

/// `GET /v1/licenses/{id}`: the license of the key, as its own
/// `links.self` names it.
#[utoipa::path(get, path = "/licenses/{license}", tag = "Licenses", security(("LicenseKey" = []), ("bearer" = [])), params(("license" = String, Path, description = LICENSE)), responses((status = 200, description = "The license.", body = LicenseDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn license(Path(params): Params, mut call: Call) -> Answer {
    let license = own_license(&mut call, &params, Access::Use).await?;
    let data = resources::license(&license, OffsetDateTime::now_utc());
    Ok(Document(StatusCode::OK, Some(json!({ "data": data }))))
}

/// `GET /v1/machines`: with an API token, the organization's machines
/// (`admin::list_machines`); with a license key, that license's.
#[utoipa::path(get, path = "/machines", tag = "Machines", security(("LicenseKey" = []), ("bearer" = [])), params(("page[number]" = Option<u32>, Query, description = "The page, from 1."), ("page[size]" = Option<u32>, Query, description = "Resources per page, 1 to 100 (default 10)."), ("limit" = Option<u32>, Query, description = "The first page of this size, 1 to 100.")), responses((status = 200, description = "The license's machines; with an API token, a page of the organization's.", body = MachineListDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn machines(mut call: Call) -> Answer {
    if call.has_token() {
        return admin::list_machines(&mut call).await;
    }
    let license = call.license(Access::Use).await?;
    license_machines_document(&call, &license).await
}

/// `POST /v1/licenses/{id}/actions/check-in`: checks the key's license
/// in (Keygen's license check-in: `lastCheckIn` becomes now,
/// `nextCheckIn` an interval later) and answers the license. A license
/// whose policy does not require check-ins answers Keygen's 422, which
/// has no code: `{"title": "Unprocessable entity", "detail": "cannot be
/// checked in because the policy does not require it"}` (keygen-api,
/// `Licenses::Actions::PermitsController#check_in`). Recorded in the
/// audit log (`license.checked_in`).
#[utoipa::path(post, path = "/licenses/{license}/actions/check-in", tag = "Licenses", security(("LicenseKey" = []), ("bearer" = [])), params(("license" = String, Path, description = LICENSE)), responses((status = 200, description = "The license, checked in.", body = LicenseDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn check_in_license(Path(params): Params, mut call: Call) -> Answer {
    let license = own_license(&mut call, &params, Access::Use).await?;
    if license.policy().fields().required_check_in().is_none() {
        return Err(ApiError::unprocessable_entity("cannot be checked in because the policy does not require it"));
    }
    let origin = audit::Origin { ip: call.ip.clone(), user_agent: call.user_agent.clone() };
    let event = license_api::license_event(&origin, &license, AuditAction::LicenseCheckedIn);
    let checked = license_api::check_in(&call.state().db, &license, &event)
        .await?
        .ok_or_else(|| ApiError::not_found("The requested license was not found"))?;
    let data = resources::license(&checked, OffsetDateTime::now_utc());
    Ok(Document(StatusCode::OK, Some(json!({ "data": data }))))
}

/// `GET /v1/licenses/{id}/machines`.
#[utoipa::path(get, path = "/licenses/{license}/machines", tag = "Licenses", security(("LicenseKey" = []), ("bearer" = [])), params(("license" = String, Path, description = LICENSE)), responses((status = 200, description = "The license's machines.", body = MachineListDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn license_machines(Path(params): Params, mut call: Call) -> Answer {
    let license = own_license(&mut call, &params, Access::Use).await?;
    license_machines_document(&call, &license).await
}

/// The document listing `license`'s machines, oldest first.
async fn license_machines_document(call: &Call, license: &ApiLicense) -> Answer {
    let now = OffsetDateTime::now_utc();
    let machines = license_api::machines(&call.state().db, license).await?;
    let data: Vec<Value> = machines.iter().map(|m| resources::machine(license, m, now)).collect();
    let count = data.len();
    Ok(Document(StatusCode::OK, Some(json!({ "data": data, "meta": { "count": count }, "links": {} }))))
}

/// `GET /v1/licenses/{id}/entitlements`.
#[utoipa::path(get, path = "/licenses/{license}/entitlements", tag = "Licenses", security(("LicenseKey" = []), ("bearer" = [])), params(("license" = String, Path, description = LICENSE)), responses((status = 200, description = "The license's entitlements (its policy's).", body = EntitlementListDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn license_entitlements(Path(params): Params, mut call: Call) -> Answer {
    let license = own_license(&mut call, &params, Access::Use).await?;
    let data = included_entitlements(&call, &license).await?;
    let count = data.len();
    Ok(Document(StatusCode::OK, Some(json!({ "data": data, "meta": { "count": count }, "links": {} }))))
}

/// Default life of a checked-out file: one month, in seconds (Keygen).
const DEFAULT_TTL: i64 = 2_629_746;
const MIN_TTL: i64 = 3_600;
const MAX_TTL: i64 = 31_556_952;

/// The check-out query: `ttl` (seconds), `encrypt`, `include`.
struct CheckOut {
    ttl: i64,
    encrypt: bool,
    include: Vec<String>,
}

fn check_out_query(call: &Call) -> Result<CheckOut, ApiError> {
    let query = call.query();
    let ttl = match query.get("ttl").map(String::as_str) {
        None | Some("") => DEFAULT_TTL,
        Some(text) => match text.parse::<i64>() {
            Ok(ttl) if (MIN_TTL..=MAX_TTL).contains(&ttl) => ttl,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "ttl must be a number of seconds from {MIN_TTL} (an hour) to {MAX_TTL} (a year)"
                )));
            }
        },
    };
    let encrypt = matches!(query.get("encrypt").map(String::as_str), Some("true" | "1"));
    if query.get("algorithm").is_some_and(|a| a != files::ENCRYPTED && a != files::SIGNED) {
        return Err(ApiError::bad_request(format!(
            "algorithm must be {} or {} (Atrium signs with Ed25519)",
            files::ENCRYPTED,
            files::SIGNED
        )));
    }
    let encrypt = encrypt || query.get("algorithm").is_some_and(|a| a == files::ENCRYPTED);
    let include = query.get("include").map(|i| i.split(',').map(|s| s.trim().to_owned()).collect()).unwrap_or_default();
    Ok(CheckOut { ttl, encrypt, include })
}

/// The `data` of a license-file or machine-file response.
fn file_resource(kind: &str, license: &ApiLicense, certificate: String, issued: OffsetDateTime, ttl: i64) -> Value {
    let expiry = issued + time::Duration::seconds(ttl);
    json!({
        "data": {
            "id": uuid::Uuid::new_v4().to_string(),
            "type": kind,
            "attributes": {
                "certificate": certificate,
                "ttl": ttl,
                "expiry": resources::ts(expiry),
                "issued": resources::ts(issued),
            },
            "relationships": {
                "account": { "data": { "type": "accounts", "id": license.org_id().to_string() } },
                "license": { "data": { "type": "licenses", "id": license.id().to_string() } },
            },
        }
    })
}

/// The license's entitlements as resources (listed, or included in a
/// checked-out file).
async fn included_entitlements(call: &Call, license: &ApiLicense) -> Result<Vec<Value>, ApiError> {
    let entitlements = license_api::entitlements(&call.state().db, license).await?;
    Ok(entitlements.iter().map(|e| resources::entitlement(license.org_id(), e)).collect())
}

/// A checked-out file of `kind` holding `data` and `included`: signed with
/// the organization's key, encrypted for `secret` when the query asked,
/// answered as Keygen's `license-files` or `machine-files` resource.
async fn checked_out(
    call: &Call,
    license: &ApiLicense,
    kind: FileKind,
    data: Value,
    included: Vec<Value>,
    secret: &str,
    options: &CheckOut,
    now: OffsetDateTime,
) -> Answer {
    let expiry = now + time::Duration::seconds(options.ttl);
    let dataset = json!({
        "meta": { "issued": resources::ts(now), "expiry": resources::ts(expiry), "ttl": options.ttl },
        "data": data,
        "included": included,
    });
    let state = call.state();
    let key = state
        .licensing
        .signing_key(&state.db, license.org_id(), license.sealed_secret_key())
        .await
        .map_err(ApiError::internal)?;
    let certificate = files::certificate(kind, &key, options.encrypt.then_some(secret), &dataset);
    let resource = match kind {
        FileKind::License => "license-files",
        FileKind::Machine => "machine-files",
    };
    Ok(Document(StatusCode::OK, Some(file_resource(resource, license, certificate, now, options.ttl))))
}

/// `POST /v1/licenses/{id}/actions/check-out`: a license file, encrypted
/// with the license key.
#[utoipa::path(post, path = "/licenses/{license}/actions/check-out", tag = "Licenses", security(("LicenseKey" = []), ("bearer" = [])), params(("license" = String, Path, description = LICENSE), ("ttl" = Option<i64>, Query, description = "Seconds the file is valid for, 3600 to 31556952 (default one month)."), ("encrypt" = Option<String>, Query, description = "`true` or `1`: encrypt the dataset with the license key (and the machine's fingerprint for machine files); any other value, or none, does not."), ("include" = Option<String>, Query, description = "Comma-separated: `entitlements` (license files), `license.entitlements` (machine files).")), responses((status = 200, description = "A new license file.", body = LicenseFileDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn check_out_license(Path(params): Params, mut call: Call) -> Answer {
    let license = own_license(&mut call, &params, Access::Use).await?;
    let options = check_out_query(&call)?;
    let now = OffsetDateTime::now_utc();
    let included = if options.include.iter().any(|i| i == "entitlements") {
        included_entitlements(&call, &license).await?
    } else {
        Vec::new()
    };
    let data = resources::license(&license, now);
    checked_out(&call, &license, FileKind::License, data, included, license.key(), &options, now).await
}

/// `POST /v1/machines/{id}/actions/check-out`: a machine file, encrypted
/// with the license key followed by the machine's fingerprint.
#[utoipa::path(post, path = "/machines/{machine}/actions/check-out", tag = "Machines", security(("LicenseKey" = []), ("bearer" = [])), params(("machine" = String, Path, description = MACHINE), ("ttl" = Option<i64>, Query, description = "Seconds the file is valid for, 3600 to 31556952 (default one month)."), ("encrypt" = Option<String>, Query, description = "`true` or `1`: encrypt the dataset with the license key (and the machine's fingerprint for machine files); any other value, or none, does not."), ("include" = Option<String>, Query, description = "Comma-separated: `entitlements` (license files), `license.entitlements` (machine files).")), responses((status = 200, description = "A new machine file.", body = LicenseFileDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn check_out_machine(Path(params): Params, mut call: Call) -> Answer {
    let (license, machine) = machine_of_call(&mut call, &params, false).await?;
    let options = check_out_query(&call)?;
    let now = OffsetDateTime::now_utc();
    let mut included = vec![resources::license(&license, now)];
    if options.include.iter().any(|i| i == "license.entitlements" || i == "entitlements") {
        included.extend(included_entitlements(&call, &license).await?);
    }
    let data = resources::machine(&license, &machine, now);
    let secret = format!("{}{}", license.key(), machine.fingerprint);
    checked_out(&call, &license, FileKind::Machine, data, included, &secret, &options, now).await
}

/// The license's machine named by the path's `{machine}` (id or
/// fingerprint; `access::own_machine`), else `NOT_FOUND`.
async fn own_machine(
    call: &Call,
    license: &ApiLicense,
    params: &HashMap<String, String>,
) -> Result<ApiMachine, ApiError> {
    let wanted = params.get("machine").map(String::as_str).unwrap_or_default();
    Ok(access::own_machine(&call.state().db, license, wanted).await?)
}

/// Longest fingerprint, hostname, platform and name accepted.
const MAX_TEXT: usize = 255;
/// Largest machine metadata accepted: bytes as JSON text (as a license's,
/// 16 KiB), and top-level keys.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;
pub const MAX_METADATA_KEYS: usize = 64;

/// Most components one machine is activated with (Keygen takes 20 in one
/// activation; Atrium 100, the most a validation scope names).
pub const MAX_COMPONENTS: usize = 100;

/// The components of an activation (`data.relationships.components.data`,
/// each `{"type": "components", "attributes": {"fingerprint", "name",
/// "metadata"?}}`), checked as Keygen checks a machine's nested
/// components, each refusal a 422 whose pointer names the component
/// (`/data/relationships/components/data/<i>/attributes/<name>`) and whose
/// code Keygen derives from that path (`lib/keygen/jsonapi/errors.rb`:
/// a blank member of a relationship is `..._NOT_FOUND`):
/// `COMPONENTS_FINGERPRINT_NOT_FOUND` and `COMPONENTS_NAME_NOT_FOUND`
/// ("can't be blank"), `COMPONENTS_FINGERPRINT_TOO_LONG` and
/// `COMPONENTS_NAME_TOO_LONG` (over [`MAX_TEXT`] characters; Keygen allows
/// fingerprints of 4 KiB), `COMPONENTS_FINGERPRINT_CONFLICT` ("is
/// duplicated", at the first of the duplicates), the metadata's
/// `COMPONENTS_METADATA_INVALID`, `..._TOO_MANY_KEYS`, `..._TOO_LARGE`
/// (as a machine's), and `COMPONENTS_LIMIT_EXCEEDED` past
/// [`MAX_COMPONENTS`]. A list that is not one, or an item that is not a
/// component, is a 400.
fn activation_components(data: &Value) -> Result<Vec<NewComponent>, ApiError> {
    let items = match data.pointer("/relationships/components/data") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(ApiError::bad_request("data.relationships.components.data must be a list of components"));
        }
    };
    if items.len() > MAX_COMPONENTS {
        return Err(ApiError::unprocessable(
            "COMPONENTS_LIMIT_EXCEEDED",
            format!("component count has exceeded maximum allowed for machine ({MAX_COMPONENTS})"),
            "/data/relationships/components/data",
        ));
    }
    let mut components: Vec<NewComponent> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = |member: &str| format!("/data/relationships/components/data/{i}/attributes/{member}");
        if !item.is_object() || item.get("type").is_some_and(|t| t != "components") {
            return Err(ApiError::bad_request(format!(
                "data.relationships.components.data[{i}] must be a resource of type components"
            )));
        }
        let attributes = item.get("attributes").unwrap_or(&Value::Null);
        let text = |member: &'static str, blank: &'static str, too_long: &'static str| {
            let value = attributes.get(member).and_then(Value::as_str).unwrap_or_default();
            if value.trim().is_empty() {
                Err(ApiError::unprocessable_at(blank, "can't be blank", at(member)))
            } else if value.chars().count() > MAX_TEXT {
                Err(ApiError::unprocessable_at(
                    too_long,
                    format!("is too long (maximum is {MAX_TEXT} characters)"),
                    at(member),
                ))
            } else {
                Ok(value.to_owned())
            }
        };
        let fingerprint = text("fingerprint", "COMPONENTS_FINGERPRINT_NOT_FOUND", "COMPONENTS_FINGERPRINT_TOO_LONG")?;
        let name = text("name", "COMPONENTS_NAME_NOT_FOUND", "COMPONENTS_NAME_TOO_LONG")?;
        let metadata = match attributes.get("metadata") {
            None | Some(Value::Null) => "{}".to_owned(),
            Some(Value::Object(map)) if map.len() > MAX_METADATA_KEYS => {
                return Err(ApiError::unprocessable_at(
                    "COMPONENTS_METADATA_TOO_MANY_KEYS",
                    format!("has too many keys (maximum is {MAX_METADATA_KEYS})"),
                    at("metadata"),
                ));
            }
            Some(value @ Value::Object(_)) if value.to_string().len() > MAX_METADATA_BYTES => {
                return Err(ApiError::unprocessable_at(
                    "COMPONENTS_METADATA_TOO_LARGE",
                    format!("is too large (maximum is {MAX_METADATA_BYTES} bytes as JSON)"),
                    at("metadata"),
                ));
            }
            Some(value @ Value::Object(_)) => value.to_string(),
            Some(_) => {
                return Err(ApiError::unprocessable_at(
                    "COMPONENTS_METADATA_INVALID",
                    "must be an object",
                    at("metadata"),
                ));
            }
        };
        components.push(NewComponent { fingerprint, name, metadata });
    }
    let duplicated = components
        .iter()
        .position(|c| components.iter().filter(|other| other.fingerprint == c.fingerprint).count() > 1);
    if let Some(i) = duplicated {
        return Err(ApiError::unprocessable_at(
            "COMPONENTS_FINGERPRINT_CONFLICT",
            "is duplicated",
            format!("/data/relationships/components/data/{i}/attributes/fingerprint"),
        ));
    }
    Ok(components)
}

fn text_attribute(attributes: &Value, name: &str) -> Option<String> {
    attributes.get(name).and_then(Value::as_str).map(|s| s.chars().take(MAX_TEXT).collect())
}

/// `POST /v1/machines`: activates a machine on the key's license.
#[utoipa::path(post, path = "/machines", tag = "Machines", security(("LicenseKey" = []), ("bearer" = [])), request_body(content = MachineActivation, content_type = "application/vnd.api+json"), responses((status = 201, description = "The machine, activated.", body = MachineDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn activate(mut call: Call) -> Answer {
    let token = if call.has_token() { Some(call.token().await?) } else { None };
    let document: Value =
        serde_json::from_slice(call.body()).map_err(|_| ApiError::bad_request("The request body is not valid JSON"))?;
    let data = document.get("data").cloned().unwrap_or(Value::Null);
    let attributes = data.get("attributes").cloned().unwrap_or(Value::Null);
    let wanted = data.pointer("/relationships/license/data/id").and_then(Value::as_str).unwrap_or_default();
    let license = match &token {
        // An Admin's token activates a machine on any of its licenses.
        Some(caller) => {
            admin::may_manage(caller)?;
            admin::license_for_token(&call, caller, wanted).await.map_err(|_| {
                ApiError::unprocessable("LICENSE_NOT_FOUND", "must exist", "/data/relationships/license")
            })?
        }
        None => call.license(Access::Use).await?,
    };
    if !access::names_license(&license, wanted) {
        return Err(ApiError::unprocessable("LICENSE_NOT_FOUND", "must exist", "/data/relationships/license"));
    }
    let fingerprint = attributes.get("fingerprint").and_then(Value::as_str).map(str::trim).unwrap_or_default();
    if fingerprint.is_empty() {
        return Err(ApiError::unprocessable("FINGERPRINT_BLANK", "can't be blank", "/data/attributes/fingerprint"));
    }
    if fingerprint.len() > MAX_TEXT {
        return Err(ApiError::unprocessable(
            "FINGERPRINT_TOO_LONG",
            format!("is too long (maximum is {MAX_TEXT} characters)"),
            "/data/attributes/fingerprint",
        ));
    }
    let metadata = match attributes.get("metadata") {
        None | Some(Value::Null) => "{}".to_owned(),
        Some(Value::Object(map)) if map.len() > MAX_METADATA_KEYS => {
            return Err(ApiError::unprocessable(
                "METADATA_TOO_MANY_KEYS",
                format!("has too many keys (maximum is {MAX_METADATA_KEYS})"),
                "/data/attributes/metadata",
            ));
        }
        Some(value @ Value::Object(_)) if value.to_string().len() > MAX_METADATA_BYTES => {
            return Err(ApiError::unprocessable(
                "METADATA_TOO_LARGE",
                format!("is too large (maximum is {MAX_METADATA_BYTES} bytes as JSON)"),
                "/data/attributes/metadata",
            ));
        }
        Some(value @ Value::Object(_)) => value.to_string(),
        Some(_) => {
            return Err(ApiError::unprocessable("METADATA_INVALID", "must be an object", "/data/attributes/metadata"));
        }
    };
    let new = NewMachine {
        fingerprint: fingerprint.to_owned(),
        name: text_attribute(&attributes, "name"),
        hostname: text_attribute(&attributes, "hostname"),
        platform: text_attribute(&attributes, "platform"),
        ip: text_attribute(&attributes, "ip").or_else(|| call.ip.clone()),
        cores: attributes.get("cores").and_then(Value::as_i64).and_then(|c| i32::try_from(c).ok()),
        metadata,
        components: activation_components(&data)?,
    };
    let ceiling = call.state().config.max_machines_per_license;
    let origin = audit::Origin { ip: call.ip.clone(), user_agent: call.user_agent.clone() };
    let event = |id| {
        let machine = (id, new.fingerprint.as_str());
        license_api::machine_event(&origin, &license, AuditAction::MachineActivated, machine, Via::Api)
    };
    let machine = match license_api::activate(&call.state().db, &license, (&new, ceiling), event).await {
        Ok(machine) => machine,
        Err(ActivationError::FingerprintTaken) => {
            return Err(ApiError::unprocessable(
                "FINGERPRINT_TAKEN",
                "has already been taken",
                "/data/attributes/fingerprint",
            ));
        }
        Err(ActivationError::LimitExceeded(max)) => {
            return Err(ApiError::unprocessable(
                "MACHINE_LIMIT_EXCEEDED",
                format!("machine count has exceeded maximum allowed for license ({max})"),
                "/data",
            ));
        }
        Err(ActivationError::Db(err)) => return Err(err.into()),
    };
    Ok(Document(
        StatusCode::CREATED,
        Some(json!({ "data": resources::machine(&license, &machine, OffsetDateTime::now_utc()) })),
    ))
}

/// `GET /v1/machines/{id or fingerprint}`.
#[utoipa::path(get, path = "/machines/{machine}", tag = "Machines", security(("LicenseKey" = []), ("bearer" = [])), params(("machine" = String, Path, description = MACHINE)), responses((status = 200, description = "The machine.", body = MachineDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn machine(Path(params): Params, mut call: Call) -> Answer {
    let (license, machine) = machine_of_call(&mut call, &params, false).await?;
    Ok(Document(
        StatusCode::OK,
        Some(json!({ "data": resources::machine(&license, &machine, OffsetDateTime::now_utc()) })),
    ))
}

/// `DELETE /v1/machines/{id or fingerprint}`: deactivates it (204).
#[utoipa::path(delete, path = "/machines/{machine}", tag = "Machines", security(("LicenseKey" = []), ("bearer" = [])), params(("machine" = String, Path, description = MACHINE)), responses((status = 204, description = "Deactivated."), Refusals))]
pub async fn deactivate(Path(params): Params, mut call: Call) -> Answer {
    if call.has_token() {
        let wanted = params.get("machine").cloned().unwrap_or_default();
        return admin::deactivate_machine(&mut call, &wanted).await;
    }
    let license = call.license(Access::Use).await?;
    let machine = own_machine(&call, &license, &params).await?;
    let origin = audit::Origin { ip: call.ip.clone(), user_agent: call.user_agent.clone() };
    let event = |fingerprint: &str| {
        let machine = (machine.id, fingerprint);
        license_api::machine_event(&origin, &license, AuditAction::MachineDeactivated, machine, Via::Api)
    };
    match licensing_repo::deactivate_machine(&call.state().db, license.managed(), machine.id, event).await {
        Ok(_) => {}
        Err(LicensingError::NotFound) => return Err(ApiError::not_found("The requested machine was not found")),
        Err(err) => return Err(ApiError::internal(err)),
    }
    Ok(Document(StatusCode::NO_CONTENT, None))
}

/// `POST /v1/machines/{id}/actions/ping`: a heartbeat.
#[utoipa::path(post, path = "/machines/{machine}/actions/ping", tag = "Machines", security(("LicenseKey" = []), ("bearer" = [])), params(("machine" = String, Path, description = MACHINE)), responses((status = 200, description = "The machine, its heartbeat recorded.", body = MachineDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn heartbeat(Path(params): Params, mut call: Call) -> Answer {
    let (license, machine) = machine_of_call(&mut call, &params, true).await?;
    let id: MachineId = machine.id;
    let machine = license_api::ping(&call.state().db, &license, id)
        .await?
        .ok_or_else(|| ApiError::not_found("The requested machine was not found"))?;
    Ok(Document(
        StatusCode::OK,
        Some(json!({ "data": resources::machine(&license, &machine, OffsetDateTime::now_utc()) })),
    ))
}

/// `GET /v1/machines/{id or fingerprint}/components`: the components the
/// key's own machine was activated with, as Keygen's `components`
/// resources (another license's machine is `NOT_FOUND`).
#[utoipa::path(get, path = "/machines/{machine}/components", tag = "Machines", security(("LicenseKey" = [])), params(("machine" = String, Path, description = MACHINE)), responses((status = 200, description = "The components the machine was activated with.", body = ComponentListDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn machine_components(Path(params): Params, mut call: Call) -> Answer {
    let license = call.license(Access::Use).await?;
    let machine = own_machine(&call, &license, &params).await?;
    let components = license_api::components(&call.state().db, &license, machine.id).await?;
    let data: Vec<Value> = components.iter().map(|c| resources::component(&license, c)).collect();
    let count = data.len();
    Ok(Document(StatusCode::OK, Some(json!({ "data": data, "meta": { "count": count }, "links": {} }))))
}

/// `GET /v1/licenses/{license}/actions/validate`: [`validate`], for the
/// clients that validate with GET.
#[utoipa::path(get, path = "/licenses/{license}/actions/validate", tag = "Licenses", security(("LicenseKey" = []), ("bearer" = [])), params(("license" = String, Path, description = LICENSE)), responses((status = 200, description = "The validation.", body = ValidationDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn validate_get(params: Params, call: Call) -> Answer {
    validate(params, call).await
}

/// `GET /v1/licenses/{license}/actions/check-out`: [`check_out_license`].
#[utoipa::path(get, path = "/licenses/{license}/actions/check-out", tag = "Licenses", security(("LicenseKey" = []), ("bearer" = [])), params(("license" = String, Path, description = LICENSE), ("ttl" = Option<i64>, Query, description = "Seconds the file is valid for, 3600 to 31556952 (default one month)."), ("encrypt" = Option<String>, Query, description = "`true` or `1`: encrypt the dataset with the license key (and the machine's fingerprint for machine files); any other value, or none, does not."), ("include" = Option<String>, Query, description = "Comma-separated: `entitlements` (license files), `license.entitlements` (machine files).")), responses((status = 200, description = "A new license file.", body = LicenseFileDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn check_out_license_get(params: Params, call: Call) -> Answer {
    check_out_license(params, call).await
}

/// `GET /v1/machines/{machine}/actions/check-out`: [`check_out_machine`].
#[utoipa::path(get, path = "/machines/{machine}/actions/check-out", tag = "Machines", security(("LicenseKey" = []), ("bearer" = [])), params(("machine" = String, Path, description = MACHINE), ("ttl" = Option<i64>, Query, description = "Seconds the file is valid for, 3600 to 31556952 (default one month)."), ("encrypt" = Option<String>, Query, description = "`true` or `1`: encrypt the dataset with the license key (and the machine's fingerprint for machine files); any other value, or none, does not."), ("include" = Option<String>, Query, description = "Comma-separated: `entitlements` (license files), `license.entitlements` (machine files).")), responses((status = 200, description = "A new machine file.", body = LicenseFileDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn check_out_machine_get(params: Params, call: Call) -> Answer {
    check_out_machine(params, call).await
}

/// `POST /v1/machines/{machine}/actions/ping-heartbeat`: [`heartbeat`]
/// (Keygen's older name).
#[utoipa::path(post, path = "/machines/{machine}/actions/ping-heartbeat", tag = "Machines", security(("LicenseKey" = []), ("bearer" = [])), params(("machine" = String, Path, description = MACHINE)), responses((status = 200, description = "The machine, its heartbeat recorded.", body = MachineDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn ping_heartbeat(params: Params, call: Call) -> Answer {
    heartbeat(params, call).await
}
