//! Keygen's admin API on `/v1`: an organization's licenses, policies,
//! machines and entitlements, managed by software with an API token
//! (`Authorization: Bearer atr_...`) rather than a license key. The token
//! acts for its creator with its role, through the same rules as the
//! dashboard (`app::server::licenses`): Members' and Admins' tokens read,
//! Admins' tokens write (`Action::ViewLicenses`, `Action::ManageLicenses`),
//! the plan's license limit holds, and another organization's ids answer
//! `NOT_FOUND`.
//!
//! Requests and answers are Keygen's JSON:API documents, so its documented
//! requests (for example "create a license" with a `policy` relationship)
//! work with only the host and the token changed. Lists take Keygen's
//! `page[size]` (1–100, default 10) and `page[number]` (from 1), or
//! `limit`, and answer `links` (`self`, `first`, `prev`, `next`, `last`)
//! and `meta` (`count`, `pages`).
//!
//! What Atrium does not vary (Keygen's attributes for schemes, pools,
//! leasing and overage strategies, per-license overrides of the policy)
//! is answered with its fixed value; a request may send such an attribute
//! only with that value (`<ATTRIBUTE>_UNSUPPORTED`, 422, otherwise). An
//! attribute Keygen does not have is `PARAMETER_UNPERMITTED` (400).

use std::collections::HashMap;

use axum::{extract::Path, http::StatusCode};
use serde_json::{Map, Value, json};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use app::model::license::ComponentMatchingStrategy;

use app::{
    error::AppError,
    model::{EntitlementId, ExpirationStrategy, LicenseId, LicenseStatus, MachineId, PolicyForm, PolicyId},
    server::{
        api_tokens::ApiCaller,
        db::{
            license_api::{self, ApiLicense, MachineFilter, Window},
            licensing::{self as repo, LicenseFilter, LicenseFlag},
        },
        handles::{Admin, LicenseViewer},
        licenses,
    },
};

use super::schema::{
    AttachedEntitlementsDocument, EntitlementDocument, EntitlementPageDocument, EntitlementRelationshipRequest,
    EntitlementRequest, LicenseDocument, LicenseListDocument, LicenseRequest, PolicyDocument, PolicyListDocument,
    PolicyRequest, Refusals,
};
use super::{Answer, ApiError, Call, Document, resources};

type Params = Path<HashMap<String, String>>;

/// The path parameter of a license.
const LICENSE: &str = "The license's id or key.";
/// The path parameter of a policy.
const POLICY: &str = "The policy's id (a UUID).";
/// The path parameter of an entitlement.
const ENTITLEMENT: &str = "The entitlement's id (a UUID).";

/// Most items on one page of a list (Keygen's limit).
pub const MAX_PAGE_SIZE: u32 = 100;
/// Items on a page when the request does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 10;

// ---------------------------------------------------------------------------
// Who calls

/// The token's right to read the organization's licensing.
fn viewer(caller: &ApiCaller) -> Result<LicenseViewer, ApiError> {
    Ok(caller.org.license_viewer()?)
}

/// Whether the token may manage the organization's licensing (for the
/// license-key routes a token may also call).
pub(super) fn may_manage(caller: &ApiCaller) -> Result<(), ApiError> {
    admin(caller).map(drop)
}

/// The token's right to manage the organization's licensing.
fn admin(caller: &ApiCaller) -> Result<Admin, ApiError> {
    Ok(caller.org.admin(app::model::Action::ManageLicenses)?)
}

fn param<'a>(params: &'a HashMap<String, String>, name: &str) -> &'a str {
    params.get(name).map(String::as_str).unwrap_or_default()
}

fn not_found(kind: &str) -> ApiError {
    ApiError::not_found(&format!("The requested {kind} was not found"))
}

/// A path id of `kind`; a malformed one names nothing (`NOT_FOUND`).
fn path_id<T: std::str::FromStr>(params: &HashMap<String, String>, name: &str, kind: &str) -> Result<T, ApiError> {
    param(params, name).parse().map_err(|_| not_found(kind))
}

/// The organization's license the path names (id or key), as a token
/// reads it.
pub async fn license_for_token(call: &Call, caller: &ApiCaller, wanted: &str) -> Result<ApiLicense, ApiError> {
    let viewer = viewer(caller)?;
    license_api::license_of(&call.state().db, &viewer, wanted).await?.ok_or_else(|| not_found("license"))
}

// ---------------------------------------------------------------------------
// Request documents

/// The `attributes` and `relationships` of a request's `data`.
struct Resource {
    attributes: Map<String, Value>,
    relationships: Map<String, Value>,
}

/// Reads a request document whose `data` is a resource of `kind`, with
/// only the `writable` attributes or, at their fixed value, the `fixed`
/// ones; and only the `related` relationships.
fn read_resource(
    call: &Call,
    kind: &str,
    writable: &[&str],
    fixed: &Map<String, Value>,
    related: &[&str],
) -> Result<Resource, ApiError> {
    let document: Value =
        serde_json::from_slice(call.body()).map_err(|_| ApiError::bad_request("The request body is not valid JSON"))?;
    let Some(data) = document.get("data").and_then(Value::as_object) else {
        return Err(ApiError::bad_parameter("PARAMETER_MISSING", "is missing", "/data"));
    };
    match data.get("type").and_then(Value::as_str) {
        Some(given) if names_kind(given, kind) => {}
        Some(given) => {
            return Err(ApiError::bad_parameter(
                "TYPE_MISMATCH",
                format!("type mismatch (received \"{given}\" expected \"{kind}\")"),
                "/data/type",
            ));
        }
        None => return Err(ApiError::bad_parameter("PARAMETER_MISSING", "is missing", "/data/type")),
    }
    for member in data.keys() {
        if !matches!(member.as_str(), "type" | "id" | "attributes" | "relationships" | "meta" | "links") {
            return Err(unpermitted(&format!("/data/{member}")));
        }
    }
    let attributes = object_member(data, "attributes", "/data/attributes")?;
    for (name, value) in &attributes {
        if writable.contains(&name.as_str()) {
            continue;
        }
        match fixed.get(name) {
            Some(expected) if expected == value || value.is_null() => {}
            Some(expected) => {
                return Err(ApiError::unprocessable(
                    format!("{}_UNSUPPORTED", screaming(name)),
                    format!("is not supported by Atrium (only {expected})"),
                    format!("/data/attributes/{name}"),
                ));
            }
            None => return Err(unpermitted(&format!("/data/attributes/{name}"))),
        }
    }
    let relationships = object_member(data, "relationships", "/data/relationships")?;
    for name in relationships.keys() {
        if !related.contains(&name.as_str()) {
            return Err(ApiError::unprocessable(
                format!("{}_UNSUPPORTED", screaming(name)),
                "is not supported by Atrium".to_owned(),
                format!("/data/relationships/{name}"),
            ));
        }
    }
    Ok(Resource { attributes, relationships })
}

/// Whether a document's `type` names `kind` (plural, as Keygen answers;
/// its singular is taken too, as Keygen does).
fn names_kind(given: &str, kind: &str) -> bool {
    let singular = match kind {
        "policies" => "policy",
        other => other.strip_suffix('s').unwrap_or(other),
    };
    given == kind || given == singular
}

fn unpermitted(pointer: &str) -> ApiError {
    ApiError::bad_parameter("PARAMETER_UNPERMITTED", format!("Unpermitted parameter: {pointer}"), pointer)
}

/// `maxMachines` as `MAX_MACHINES`.
fn screaming(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

fn object_member(data: &Map<String, Value>, name: &str, pointer: &str) -> Result<Map<String, Value>, ApiError> {
    match data.get(name) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(_) => Err(type_mismatch(pointer, "an object")),
    }
}

fn type_mismatch(pointer: &str, expected: &str) -> ApiError {
    ApiError::bad_parameter("PARAMETER_TYPE_MISMATCH", format!("type mismatch (expected {expected})"), pointer)
}

impl Resource {
    fn pointer(name: &str) -> String {
        format!("/data/attributes/{name}")
    }

    /// A string attribute: `None` when absent, `Some(None)` when null.
    fn string(&self, name: &str) -> Result<Option<Option<String>>, ApiError> {
        match self.attributes.get(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(text)) => Ok(Some(Some(text.clone()))),
            Some(_) => Err(type_mismatch(&Self::pointer(name), "a string")),
        }
    }

    fn boolean(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.attributes.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(on)) => Ok(Some(*on)),
            Some(_) => Err(type_mismatch(&Self::pointer(name), "a boolean")),
        }
    }

    /// An integer attribute: `None` when absent, `Some(None)` when null.
    fn integer(&self, name: &str) -> Result<Option<Option<i64>>, ApiError> {
        match self.attributes.get(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(value) => {
                value.as_i64().map(|n| Some(Some(n))).ok_or_else(|| type_mismatch(&Self::pointer(name), "an integer"))
            }
        }
    }

    /// `metadata` as JSON text: `None` when absent; an object, else a
    /// type mismatch.
    fn metadata(&self) -> Result<Option<String>, ApiError> {
        match self.attributes.get("metadata") {
            None => Ok(None),
            Some(Value::Null) => Ok(Some("{}".to_owned())),
            Some(value @ Value::Object(_)) => Ok(Some(value.to_string())),
            Some(_) => Err(type_mismatch("/data/attributes/metadata", "an object")),
        }
    }

    /// An RFC 3339 time: `None` when absent, `Some(None)` when null.
    fn timestamp(&self, name: &str) -> Result<Option<Option<OffsetDateTime>>, ApiError> {
        match self.string(name)? {
            None => Ok(None),
            Some(None) => Ok(Some(None)),
            Some(Some(text)) => OffsetDateTime::parse(&text, &Rfc3339).map(|t| Some(Some(t))).map_err(|_| {
                ApiError::unprocessable(
                    format!("{}_INVALID", screaming(name)),
                    "must be a valid ISO 8601 (RFC 3339) timestamp, such as 2027-01-01T00:00:00Z",
                    Self::pointer(name),
                )
            }),
        }
    }

    /// The id of the to-one relationship `name` (`{"data": {"type", "id"}}`):
    /// `None` when absent.
    fn related_id(&self, name: &str) -> Result<Option<String>, ApiError> {
        let pointer = format!("/data/relationships/{name}");
        match self.relationships.get(name) {
            None => Ok(None),
            Some(value) => match value.pointer("/data/id") {
                Some(Value::String(id)) => Ok(Some(id.clone())),
                Some(Value::Null) | None if value.pointer("/data").is_some_and(Value::is_null) => Ok(None),
                _ => {
                    Err(ApiError::bad_parameter("PARAMETER_MISSING", "is missing an id", format!("{pointer}/data/id")))
                }
            },
        }
    }
}

/// The ids of a to-many relationship document (`{"data": [{"type", "id"}]}`),
/// as Keygen's attach and detach take them: at most [`MAX_PAGE_SIZE`].
fn related_ids(call: &Call, kind: &str) -> Result<Vec<String>, ApiError> {
    let document: Value =
        serde_json::from_slice(call.body()).map_err(|_| ApiError::bad_request("The request body is not valid JSON"))?;
    let Some(items) = document.get("data").and_then(Value::as_array) else {
        return Err(type_mismatch("/data", "an array of resource identifiers"));
    };
    if items.len() > MAX_PAGE_SIZE as usize {
        return Err(ApiError::unprocessable(
            "DATA_TOO_LONG",
            format!("is too long (maximum is {MAX_PAGE_SIZE} items)"),
            "/data",
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let given = item.get("type").and_then(Value::as_str).unwrap_or_default();
            if !names_kind(given, kind) {
                return Err(ApiError::bad_parameter(
                    "TYPE_MISMATCH",
                    format!("type mismatch (expected \"{kind}\")"),
                    format!("/data/{i}/type"),
                ));
            }
            item.get("id")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| ApiError::bad_parameter("PARAMETER_MISSING", "is missing", format!("/data/{i}/id")))
        })
        .collect()
}

/// A field error of the shared rules, its fields renamed to the
/// attributes a Keygen request names (`duration_days` is `duration`).
fn renamed(err: AppError, names: &[(&str, &str)]) -> ApiError {
    match err {
        AppError::Validation(mut errors) => {
            for (from, to) in names {
                if let Some(message) = errors.fields.remove(*from) {
                    errors.fields.insert((*to).to_owned(), message);
                }
            }
            AppError::Validation(errors).into()
        }
        other => other.into(),
    }
}

// ---------------------------------------------------------------------------
// Lists

/// Which page of a list: Keygen's `page[size]` and `page[number]`, or
/// `limit` (the first page of that size).
struct Paging {
    size: u32,
    number: u32,
}

impl Paging {
    fn of(call: &Call) -> Result<Self, ApiError> {
        let query = call.query();
        let number_in = |name: &str, max: u32| -> Result<Option<u32>, ApiError> {
            match query.get(name) {
                None => Ok(None),
                Some(text) => match text.parse::<u32>() {
                    Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
                    _ => Err(ApiError::bad_request(format!("{name} must be a number from 1 to {max}"))),
                },
            }
        };
        let size = number_in("page[size]", MAX_PAGE_SIZE)?;
        let number = number_in("page[number]", u32::MAX / MAX_PAGE_SIZE)?;
        let limit = number_in("limit", MAX_PAGE_SIZE)?;
        if query.get("page[cursor]").is_some_and(|cursor| !cursor.is_empty()) {
            return Err(ApiError::bad_request("page[cursor] is not supported: use page[number] and page[size]"));
        }
        Ok(Self { size: size.or(limit).unwrap_or(DEFAULT_PAGE_SIZE), number: number.unwrap_or(1) })
    }

    fn window(&self) -> Window {
        Window { limit: self.size, offset: u64::from(self.number - 1) * u64::from(self.size) }
    }
}

/// A list document: `data`, with `links` to the pages around this one
/// (the request's other parameters kept) and `meta` (`count`, `pages`).
fn list_document(call: &Call, paging: &Paging, data: Vec<Value>, total: i64) -> Answer {
    let count = u64::try_from(total).unwrap_or(0);
    let pages = count.div_ceil(u64::from(paging.size)).max(1);
    let (path, query) = call.target.split_once('?').unwrap_or((&call.target, ""));
    let kept: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .filter(|(name, _)| !name.starts_with("page[") && name != "limit")
        .collect();
    let link = |number: u64| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in &kept {
            query.append_pair(name, value);
        }
        query.append_pair("page[number]", &number.to_string());
        query.append_pair("page[size]", &paging.size.to_string());
        json!(format!("{path}?{}", query.finish()))
    };
    let number = u64::from(paging.number);
    let meta = json!({ "count": count, "pages": pages });
    let links = json!({
        "self": link(number),
        "first": link(1),
        "prev": if number > 1 { link(number - 1) } else { Value::Null },
        "next": if number < pages { link(number + 1) } else { Value::Null },
        "last": link(pages),
        "meta": meta,
    });
    Ok(Document(StatusCode::OK, Some(json!({ "data": data, "links": links, "meta": meta }))))
}

fn one(status: StatusCode, data: Value) -> Answer {
    Ok(Document(status, Some(json!({ "data": data }))))
}

// ---------------------------------------------------------------------------
// Licenses

/// The license attributes a request may set.
const LICENSE_WRITABLE: &[&str] = &["name", "key", "expiry", "metadata", "suspended", "ownerEmail"];

/// The license attributes Atrium takes from the policy or does not vary.
fn license_fixed() -> Map<String, Value> {
    let fixed = json!({
        "uses": 0, "scheme": Value::Null, "encrypted": false, "protected": true, "version": Value::Null,
        "maxProcesses": Value::Null, "maxUsers": Value::Null, "maxCores": Value::Null, "maxUses": Value::Null,
        "maxMemory": Value::Null, "maxDisk": Value::Null, "permissions": Value::Null,
    });
    fixed.as_object().cloned().unwrap_or_default()
}

fn license_answer(status: StatusCode, license: &ApiLicense) -> Answer {
    one(status, resources::license(license, OffsetDateTime::now_utc()))
}

/// Reads the license back after a change, as the token sees it.
async fn reread(call: &Call, caller: &ApiCaller, id: LicenseId) -> Result<ApiLicense, ApiError> {
    license_for_token(call, caller, &id.to_string()).await
}

/// `GET /v1/licenses`: the organization's licenses, newest first;
/// filters `policy` (an id), `status` (`ACTIVE`, `INACTIVE`, `EXPIRING`,
/// `EXPIRED`, `SUSPENDED`, `BANNED`) and `q` (part of the key, name or
/// owner email).
#[utoipa::path(get, path = "/licenses", tag = "Licenses", security(("bearer" = [])), params(("page[number]" = Option<u32>, Query, description = "The page, from 1."), ("page[size]" = Option<u32>, Query, description = "Resources per page, 1 to 100 (default 10)."), ("limit" = Option<u32>, Query, description = "The first page of this size, 1 to 100."), ("q" = Option<String>, Query, description = "Searches names, keys and owners."), ("status" = Option<String>, Query, description = "ACTIVE, INACTIVE, EXPIRING, EXPIRED, SUSPENDED or BANNED."), ("policy" = Option<String>, Query, description = "A policy's id.")), responses((status = 200, description = "A page of the organization's licenses.", body = LicenseListDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn list_licenses(mut call: Call) -> Answer {
    let caller = call.token().await?;
    let viewer = viewer(&caller)?;
    let paging = Paging::of(&call)?;
    let query = call.query();
    let status = match query.get("status").map(|s| s.to_ascii_lowercase()) {
        None => None,
        Some(slug) => Some(LicenseStatus::from_slug(&slug).ok_or_else(|| {
            ApiError::bad_request("status must be one of ACTIVE, INACTIVE, EXPIRING, EXPIRED, SUSPENDED, BANNED")
        })?),
    };
    let policy = match query.get("policy") {
        None => None,
        // An id that is not one names no policy: the list is empty.
        Some(id) => match id.parse::<PolicyId>() {
            Ok(id) => Some(id),
            Err(_) => return list_document(&call, &paging, Vec::new(), 0),
        },
    };
    let filter = LicenseFilter { search: query.get("q").cloned(), status, policy, ids: Vec::new() };
    let (licenses, total) = license_api::licenses_of(&call.state().db, &viewer, &filter, paging.window()).await?;
    let now = OffsetDateTime::now_utc();
    let data = licenses.iter().map(|l| resources::license(l, now)).collect();
    list_document(&call, &paging, data, total)
}

/// `POST /v1/licenses`: issues a license under the `policy` relationship
/// (required), with optional `name`, `key` (generated when absent),
/// `expiry` (else the policy's duration), `metadata`, `ownerEmail` and
/// `suspended`. 201 with the license.
#[utoipa::path(post, path = "/licenses", tag = "Licenses", security(("bearer" = [])), request_body(content = LicenseRequest, content_type = "application/vnd.api+json"), responses((status = 201, description = "The license, issued.", body = LicenseDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn create_license(mut call: Call) -> Answer {
    let caller = call.token().await?;
    let admin = admin(&caller)?;
    let resource = read_resource(&call, "licenses", LICENSE_WRITABLE, &license_fixed(), &["policy"])?;
    let Some(policy) = resource.related_id("policy")? else {
        return Err(ApiError::unprocessable("POLICY_BLANK", "must exist", "/data/relationships/policy"));
    };
    let input = licenses::LicenseInput {
        policy,
        name: resource.string("name")?.flatten().unwrap_or_default(),
        owner_email: resource.string("ownerEmail")?.flatten().unwrap_or_default(),
        key: resource.string("key")?.flatten().unwrap_or_default(),
        metadata: resource.metadata()?.unwrap_or_default(),
        expiry: resource.timestamp("expiry")?.flatten(),
    };
    let suspended = resource.boolean("suspended")?;
    let db = &call.state().db;
    let id = licenses::create_license(db, &admin, &caller.actor, &input).await?;
    if suspended == Some(true) {
        licenses::set_license_flag(db, &admin, &caller.actor, id, LicenseFlag::Suspended, true).await?;
    }
    license_answer(StatusCode::CREATED, &reread(&call, &caller, id).await?)
}

/// `PATCH /v1/licenses/{license}`: changes `name`, `expiry`, `metadata`
/// (replaced whole, as Keygen does) or `suspended`.
#[utoipa::path(patch, path = "/licenses/{license}", tag = "Licenses", security(("bearer" = [])), params(("license" = String, Path, description = LICENSE)), request_body(content = LicenseRequest, content_type = "application/vnd.api+json"), responses((status = 200, description = "The license, changed.", body = LicenseDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn update_license(Path(params): Params, mut call: Call) -> Answer {
    let caller = call.token().await?;
    let admin = admin(&caller)?;
    let license = license_for_token(&call, &caller, param(&params, "license")).await?;
    let resource = read_resource(&call, "licenses", LICENSE_WRITABLE, &license_fixed(), &[])?;
    if resource.attributes.contains_key("key") || resource.attributes.contains_key("ownerEmail") {
        let name = if resource.attributes.contains_key("key") { "key" } else { "ownerEmail" };
        return Err(ApiError::unprocessable(
            format!("{}_UNSUPPORTED", screaming(name)),
            "cannot be changed once the license is issued",
            format!("/data/attributes/{name}"),
        ));
    }
    let name = resource.string("name")?.map(Option::unwrap_or_default);
    let expiry = resource.timestamp("expiry")?;
    let metadata = resource.metadata()?;
    let suspended = resource.boolean("suspended")?;
    let db = &call.state().db;
    if name.is_some() || expiry.is_some() || metadata.is_some() {
        licenses::update_license(db, &admin, &caller.actor, license.id(), name.as_deref(), expiry, metadata.as_deref())
            .await?;
    }
    if let Some(suspended) = suspended.filter(|on| *on != license.suspended()) {
        licenses::set_license_flag(db, &admin, &caller.actor, license.id(), LicenseFlag::Suspended, suspended).await?;
    }
    license_answer(StatusCode::OK, &reread(&call, &caller, license.id()).await?)
}

/// `DELETE /v1/licenses/{license}` and `DELETE
/// /v1/licenses/{license}/actions/revoke` (Keygen's revoke deletes the
/// license): 204.
#[utoipa::path(delete, path = "/licenses/{license}", tag = "Licenses", security(("bearer" = [])), params(("license" = String, Path, description = LICENSE)), responses((status = 204, description = "Deleted."), Refusals))]
pub async fn delete_license(Path(params): Params, mut call: Call) -> Answer {
    let caller = call.token().await?;
    let admin = admin(&caller)?;
    let license = license_for_token(&call, &caller, param(&params, "license")).await?;
    licenses::delete_license(&call.state().db, &admin, &caller.actor, license.id()).await?;
    Ok(Document(StatusCode::NO_CONTENT, None))
}

/// The license actions that answer the license.
#[derive(Debug, Clone, Copy)]
enum LicenseAction {
    Suspend,
    Reinstate,
    Renew,
}

async fn license_action(params: &HashMap<String, String>, mut call: Call, action: LicenseAction) -> Answer {
    let caller = call.token().await?;
    let admin = admin(&caller)?;
    let license = license_for_token(&call, &caller, param(params, "license")).await?;
    let db = &call.state().db;
    let (actor, id) = (&caller.actor, license.id());
    match action {
        LicenseAction::Suspend if license.suspended() => {
            return Err(ApiError::unprocessable("LICENSE_SUSPENDED", "is already suspended", "/data"));
        }
        LicenseAction::Reinstate if !license.suspended() => {
            return Err(ApiError::unprocessable("LICENSE_NOT_SUSPENDED", "is not suspended", "/data"));
        }
        LicenseAction::Suspend => {
            licenses::set_license_flag(db, &admin, actor, id, LicenseFlag::Suspended, true).await?
        }
        LicenseAction::Reinstate => {
            licenses::set_license_flag(db, &admin, actor, id, LicenseFlag::Suspended, false).await?;
        }
        LicenseAction::Renew => {
            licenses::renew_license(db, &admin, actor, id).await?;
        }
    }
    license_answer(StatusCode::OK, &reread(&call, &caller, id).await?)
}

/// `POST /v1/licenses/{license}/actions/suspend`: the license validates
/// as `SUSPENDED` and its key can do nothing else. 422
/// `LICENSE_SUSPENDED` when it already is.
#[utoipa::path(post, path = "/licenses/{license}/actions/suspend", tag = "Licenses", security(("bearer" = [])), params(("license" = String, Path, description = LICENSE)), responses((status = 200, description = "The license, suspended.", body = LicenseDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn suspend_license(Path(params): Params, call: Call) -> Answer {
    license_action(&params, call, LicenseAction::Suspend).await
}

/// `POST /v1/licenses/{license}/actions/reinstate`: lifts a suspension.
/// 422 `LICENSE_NOT_SUSPENDED` when it is not suspended.
#[utoipa::path(post, path = "/licenses/{license}/actions/reinstate", tag = "Licenses", security(("bearer" = [])), params(("license" = String, Path, description = LICENSE)), responses((status = 200, description = "The license, reinstated.", body = LicenseDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn reinstate_license(Path(params): Params, call: Call) -> Answer {
    license_action(&params, call, LicenseAction::Reinstate).await
}

/// `POST /v1/licenses/{license}/actions/renew`: moves the expiry on by
/// the policy's duration (from the expiry, or from now once passed).
#[utoipa::path(post, path = "/licenses/{license}/actions/renew", tag = "Licenses", security(("bearer" = [])), params(("license" = String, Path, description = LICENSE)), responses((status = 200, description = "The license, its expiry extended by its policy's duration.", body = LicenseDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn renew_license(Path(params): Params, call: Call) -> Answer {
    license_action(&params, call, LicenseAction::Renew).await
}

// ---------------------------------------------------------------------------
// Machines

/// `GET /v1/machines` with a token: the organization's machines, oldest
/// first; filters `license` (an id) and `fingerprint`.
pub async fn list_machines(call: &mut Call) -> Answer {
    let caller = call.token().await?;
    let viewer = viewer(&caller)?;
    let paging = Paging::of(call)?;
    let query = call.query();
    let license = match query.get("license") {
        None => None,
        Some(id) => match id.parse::<LicenseId>() {
            Ok(id) => Some(id),
            Err(_) => return list_document(call, &paging, Vec::new(), 0),
        },
    };
    let filter = MachineFilter { license, fingerprint: query.get("fingerprint").cloned() };
    let db = &call.state().db;
    let (machines, total) = license_api::machines_of(db, &viewer, &filter, paging.window()).await?;
    let mut ids: Vec<LicenseId> = machines.iter().map(|m| m.license_id).collect();
    ids.sort_unstable_by_key(|id| id.0);
    ids.dedup();
    let all = Window { limit: u32::try_from(ids.len()).unwrap_or(u32::MAX), offset: 0 };
    let found = if ids.is_empty() {
        Vec::new()
    } else {
        license_api::licenses_of(db, &viewer, &LicenseFilter { ids, ..LicenseFilter::default() }, all).await?.0
    };
    let now = OffsetDateTime::now_utc();
    let data = machines
        .iter()
        .filter_map(|m| {
            let license = found.iter().find(|l| l.id() == m.license_id)?;
            Some(resources::machine(license, &m.machine, now))
        })
        .collect();
    list_document(call, &paging, data, total)
}

/// The organization's machine the path names (by id), with its license.
pub async fn machine_for_token(
    call: &Call,
    caller: &ApiCaller,
    wanted: &str,
) -> Result<(ApiLicense, license_api::ApiMachine), ApiError> {
    let viewer = viewer(caller)?;
    let id: MachineId = wanted.parse().map_err(|_| not_found("machine"))?;
    let db = &call.state().db;
    let found = license_api::machine_of(db, &viewer, id).await?.ok_or_else(|| not_found("machine"))?;
    let license = license_api::license_of(db, &viewer, &found.license_id.to_string())
        .await?
        .ok_or_else(|| not_found("machine"))?;
    Ok((license, found.machine))
}

/// `DELETE /v1/machines/{machine}` with a token: deactivates it (204).
pub async fn deactivate_machine(call: &mut Call, wanted: &str) -> Answer {
    let caller = call.token().await?;
    let admin = admin(&caller)?;
    let (license, machine) = machine_for_token(call, &caller, wanted).await?;
    licenses::deactivate_machine(&call.state().db, &admin, &caller.actor, license.id(), machine.id).await?;
    Ok(Document(StatusCode::NO_CONTENT, None))
}

// ---------------------------------------------------------------------------
// Policies

/// The policy attributes a request may set.
const POLICY_WRITABLE: &[&str] = &[
    "name",
    "duration",
    "strict",
    "floating",
    "requireHeartbeat",
    "heartbeatDuration",
    "expirationStrategy",
    "maxMachines",
    "metadata",
    "componentMatchingStrategy",
    "requireCheckIn",
    "checkInInterval",
    "checkInIntervalCount",
];

/// How the shared rules' field names read in a policy document.
const POLICY_FIELDS: &[(&str, &str)] = &[
    ("duration_days", "duration"),
    ("heartbeat_minutes", "heartbeat_duration"),
    ("max_machines", "max_machines"),
    ("expiration_strategy", "expiration_strategy"),
    ("check_in_interval", "check_in_interval"),
    ("check_in_interval_count", "check_in_interval_count"),
];

/// The policy form with the document's attributes applied to `base`.
fn policy_form(resource: &Resource, mut form: PolicyForm) -> Result<PolicyForm, ApiError> {
    if let Some(name) = resource.string("name")? {
        form.name = name.unwrap_or_default();
    }
    if let Some(duration) = resource.integer("duration")? {
        form.duration_days.clear();
        form.duration_seconds = duration;
    }
    if let Some(floating) = resource.boolean("floating")? {
        form.floating = floating;
    }
    if let Some(strict) = resource.boolean("strict")? {
        form.strict = strict;
    }
    if let Some(require) = resource.boolean("requireHeartbeat")? {
        form.require_heartbeat = require;
    }
    if let Some(seconds) = resource.integer("heartbeatDuration")? {
        form.heartbeat_minutes = match seconds {
            None => String::new(),
            Some(seconds) if seconds % 60 == 0 => (seconds / 60).to_string(),
            Some(_) => {
                return Err(ApiError::unprocessable(
                    "HEARTBEAT_DURATION_INVALID",
                    "must be a whole number of minutes, in seconds (a multiple of 60)",
                    "/data/attributes/heartbeatDuration",
                ));
            }
        };
    }
    if let Some(max) = resource.integer("maxMachines")? {
        form.max_machines = max.map(|n| n.to_string()).unwrap_or_default();
    }
    if let Some(strategy) = resource.string("expirationStrategy")? {
        form.expiration_strategy = match strategy {
            None => ExpirationStrategy::default(),
            Some(text) => text.parse().map_err(|_| {
                ApiError::unprocessable(
                    "EXPIRATION_STRATEGY_INVALID",
                    "must be one of RESTRICT_ACCESS, REVOKE_ACCESS, MAINTAIN_ACCESS, ALLOW_ACCESS",
                    "/data/attributes/expirationStrategy",
                )
            })?,
        };
    }
    if let Some(strategy) = resource.string("componentMatchingStrategy")? {
        form.component_matching_strategy = match strategy {
            None => ComponentMatchingStrategy::default(),
            Some(text) => text.parse().map_err(|_| {
                ApiError::unprocessable(
                    "COMPONENT_MATCHING_STRATEGY_INVALID",
                    "must be one of MATCH_ANY, MATCH_TWO, MATCH_MOST, MATCH_ALL",
                    "/data/attributes/componentMatchingStrategy",
                )
            })?,
        };
    }
    if let Some(require) = resource.boolean("requireCheckIn")? {
        form.require_check_in = require;
    }
    if let Some(interval) = resource.string("checkInInterval")? {
        form.check_in_interval = interval.unwrap_or_default();
    }
    if let Some(count) = resource.integer("checkInIntervalCount")? {
        form.check_in_interval_count = count.map(|n| n.to_string()).unwrap_or_default();
    }
    if resource.metadata()?.is_some_and(|m| m != "{}") {
        return Err(ApiError::unprocessable(
            "METADATA_UNSUPPORTED",
            "is not supported on policies by Atrium (only {})",
            "/data/attributes/metadata",
        ));
    }
    if let Some(product) = resource.related_id("product")? {
        form.product = product;
    }
    Ok(form)
}

async fn policy_answer(call: &Call, caller: &ApiCaller, status: StatusCode, id: PolicyId) -> Answer {
    let viewer = viewer(caller)?;
    let record = license_api::policy_of(&call.state().db, &viewer, id).await?.ok_or_else(|| not_found("policy"))?;
    one(status, resources::policy(viewer.org_id(), &record))
}

/// `GET /v1/policies`: the organization's policies, oldest first.
#[utoipa::path(get, path = "/policies", tag = "Policies", security(("bearer" = [])), params(("page[number]" = Option<u32>, Query, description = "The page, from 1."), ("page[size]" = Option<u32>, Query, description = "Resources per page, 1 to 100 (default 10)."), ("limit" = Option<u32>, Query, description = "The first page of this size, 1 to 100.")), responses((status = 200, description = "A page of the organization's policies.", body = PolicyListDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn list_policies(mut call: Call) -> Answer {
    let caller = call.token().await?;
    let viewer = viewer(&caller)?;
    let paging = Paging::of(&call)?;
    let (policies, total) = license_api::policies_of(&call.state().db, &viewer, paging.window()).await?;
    let data = policies.iter().map(|p| resources::policy(viewer.org_id(), p)).collect();
    list_document(&call, &paging, data, total)
}

/// `POST /v1/policies`: creates a policy (`name` required; `duration` in
/// seconds, from a day to 100 years; `heartbeatDuration` in whole
/// minutes; a node-locked policy allows exactly 1 machine). The `product`
/// relationship's id becomes the product clients name in the validation
/// scope. 201 with the policy.
#[utoipa::path(post, path = "/policies", tag = "Policies", security(("bearer" = [])), request_body(content = PolicyRequest, content_type = "application/vnd.api+json"), responses((status = 201, description = "The policy, created.", body = PolicyDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn create_policy(mut call: Call) -> Answer {
    let caller = call.token().await?;
    let admin = admin(&caller)?;
    let resource =
        read_resource(&call, "policies", POLICY_WRITABLE, &resources::policy_fixed_attributes(), &["product"])?;
    let form = policy_form(&resource, PolicyForm::default())?;
    let id = licenses::create_policy(&call.state().db, &admin, &caller.actor, &form)
        .await
        .map_err(|err| renamed(err, POLICY_FIELDS))?;
    policy_answer(&call, &caller, StatusCode::CREATED, id).await
}

/// `GET /v1/policies/{policy}`.
#[utoipa::path(get, path = "/policies/{policy}", tag = "Policies", security(("bearer" = [])), params(("policy" = String, Path, description = POLICY)), responses((status = 200, description = "The policy.", body = PolicyDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn policy(Path(params): Params, mut call: Call) -> Answer {
    let caller = call.token().await?;
    let id: PolicyId = path_id(&params, "policy", "policy")?;
    policy_answer(&call, &caller, StatusCode::OK, id).await
}

/// `PATCH /v1/policies/{policy}`: changes the attributes given (as
/// [`create_policy`]); its licenses keep their expiry.
#[utoipa::path(patch, path = "/policies/{policy}", tag = "Policies", security(("bearer" = [])), params(("policy" = String, Path, description = POLICY)), request_body(content = PolicyRequest, content_type = "application/vnd.api+json"), responses((status = 200, description = "The policy, changed.", body = PolicyDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn update_policy(Path(params): Params, mut call: Call) -> Answer {
    let caller = call.token().await?;
    let admin = admin(&caller)?;
    let id: PolicyId = path_id(&params, "policy", "policy")?;
    let viewer = viewer(&caller)?;
    let db = &call.state().db;
    let current =
        repo::policies(db, &viewer).await?.into_iter().find(|p| p.id == id).ok_or_else(|| not_found("policy"))?;
    let resource =
        read_resource(&call, "policies", POLICY_WRITABLE, &resources::policy_fixed_attributes(), &["product"])?;
    let form = policy_form(&resource, PolicyForm::of(&current))?;
    licenses::update_policy(db, &admin, &caller.actor, id, &form).await.map_err(|err| renamed(err, POLICY_FIELDS))?;
    policy_answer(&call, &caller, StatusCode::OK, id).await
}

/// `DELETE /v1/policies/{policy}`: 204; 422 `CONFLICT` while it has
/// licenses.
#[utoipa::path(delete, path = "/policies/{policy}", tag = "Policies", security(("bearer" = [])), params(("policy" = String, Path, description = POLICY)), responses((status = 204, description = "Deleted."), Refusals))]
pub async fn delete_policy(Path(params): Params, mut call: Call) -> Answer {
    let caller = call.token().await?;
    let admin = admin(&caller)?;
    let id: PolicyId = path_id(&params, "policy", "policy")?;
    licenses::delete_policy(&call.state().db, &admin, &caller.actor, id).await?;
    Ok(Document(StatusCode::NO_CONTENT, None))
}

/// `GET /v1/policies/{policy}/entitlements`: what the policy grants.
#[utoipa::path(get, path = "/policies/{policy}/entitlements", tag = "Policies", security(("bearer" = [])), params(("policy" = String, Path, description = POLICY), ("page[number]" = Option<u32>, Query, description = "The page, from 1."), ("page[size]" = Option<u32>, Query, description = "Resources per page, 1 to 100 (default 10)."), ("limit" = Option<u32>, Query, description = "The first page of this size, 1 to 100.")), responses((status = 200, description = "A page of the policy's entitlements.", body = EntitlementPageDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn policy_entitlements(Path(params): Params, mut call: Call) -> Answer {
    let caller = call.token().await?;
    let viewer = viewer(&caller)?;
    let id: PolicyId = path_id(&params, "policy", "policy")?;
    let paging = Paging::of(&call)?;
    let db = &call.state().db;
    license_api::policy_of(db, &viewer, id).await?.ok_or_else(|| not_found("policy"))?;
    let (entitlements, total) = license_api::entitlements_of(db, &viewer, Some(id), paging.window()).await?;
    let data = entitlements.iter().map(|e| resources::entitlement(viewer.org_id(), e)).collect();
    list_document(&call, &paging, data, total)
}

async fn set_policy_entitlements(params: &HashMap<String, String>, mut call: Call, grant: bool) -> Answer {
    let caller = call.token().await?;
    let admin = admin(&caller)?;
    let policy: PolicyId = path_id(params, "policy", "policy")?;
    let ids = related_ids(&call, "entitlements")?;
    let ids: Vec<EntitlementId> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            id.parse()
                .map_err(|_| ApiError::unprocessable("ENTITLEMENT_NOT_FOUND", "must exist", format!("/data/{i}/id")))
        })
        .collect::<Result<_, _>>()?;
    let db = &call.state().db;
    let viewer = viewer(&caller)?;
    license_api::policy_of(db, &viewer, policy).await?.ok_or_else(|| not_found("policy"))?;
    licenses::set_policy_entitlements(db, &admin, &caller.actor, policy, &ids, grant).await.map_err(
        |err| match err {
            AppError::NotFound => ApiError::unprocessable("ENTITLEMENT_NOT_FOUND", "must exist", "/data"),
            other => other.into(),
        },
    )?;
    if !grant {
        return Ok(Document(StatusCode::NO_CONTENT, None));
    }
    let paging = Paging { size: MAX_PAGE_SIZE, number: 1 };
    let (entitlements, _) = license_api::entitlements_of(db, &viewer, Some(policy), paging.window()).await?;
    let data: Vec<Value> = entitlements
        .iter()
        .filter(|(e, ..)| ids.contains(&e.id))
        .map(|e| resources::entitlement(viewer.org_id(), e))
        .collect();
    Ok(Document(StatusCode::OK, Some(json!({ "data": data }))))
}

/// `POST /v1/policies/{policy}/entitlements` with `{"data": [{"type":
/// "entitlements", "id": ...}]}`: the policy grants them too (all or
/// none; 422 `ENTITLEMENT_NOT_FOUND` for another organization's).
#[utoipa::path(post, path = "/policies/{policy}/entitlements", tag = "Policies", security(("bearer" = [])), params(("policy" = String, Path, description = POLICY)), request_body(content = EntitlementRelationshipRequest, content_type = "application/vnd.api+json"), responses((status = 200, description = "The entitlements attached.", body = AttachedEntitlementsDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn attach_entitlements(Path(params): Params, call: Call) -> Answer {
    set_policy_entitlements(&params, call, true).await
}

/// `DELETE /v1/policies/{policy}/entitlements` with the same body: the
/// policy stops granting them (204).
#[utoipa::path(delete, path = "/policies/{policy}/entitlements", tag = "Policies", security(("bearer" = [])), params(("policy" = String, Path, description = POLICY)), request_body(content = EntitlementRelationshipRequest, content_type = "application/vnd.api+json"), responses((status = 204, description = "Detached."), Refusals))]
pub async fn detach_entitlements(Path(params): Params, call: Call) -> Answer {
    set_policy_entitlements(&params, call, false).await
}

// ---------------------------------------------------------------------------
// Entitlements

fn no_fixed() -> Map<String, Value> {
    let mut fixed = Map::new();
    fixed.insert("metadata".to_owned(), json!({}));
    fixed
}

async fn entitlement_answer(call: &Call, caller: &ApiCaller, status: StatusCode, id: EntitlementId) -> Answer {
    let viewer = viewer(caller)?;
    let found =
        license_api::entitlement_of(&call.state().db, &viewer, id).await?.ok_or_else(|| not_found("entitlement"))?;
    one(status, resources::entitlement(viewer.org_id(), &found))
}

/// `GET /v1/entitlements`: the organization's entitlements, by code.
#[utoipa::path(get, path = "/entitlements", tag = "Entitlements", security(("bearer" = [])), params(("page[number]" = Option<u32>, Query, description = "The page, from 1."), ("page[size]" = Option<u32>, Query, description = "Resources per page, 1 to 100 (default 10)."), ("limit" = Option<u32>, Query, description = "The first page of this size, 1 to 100.")), responses((status = 200, description = "A page of the organization's entitlements.", body = EntitlementPageDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn list_entitlements(mut call: Call) -> Answer {
    let caller = call.token().await?;
    let viewer = viewer(&caller)?;
    let paging = Paging::of(&call)?;
    let (entitlements, total) = license_api::entitlements_of(&call.state().db, &viewer, None, paging.window()).await?;
    let data = entitlements.iter().map(|e| resources::entitlement(viewer.org_id(), e)).collect();
    list_document(&call, &paging, data, total)
}

/// `POST /v1/entitlements`: `code` (1–64 letters, digits, `-`, `_`, `.`,
/// unique in the organization) and `name` (1–100 characters). 201.
#[utoipa::path(post, path = "/entitlements", tag = "Entitlements", security(("bearer" = [])), request_body(content = EntitlementRequest, content_type = "application/vnd.api+json"), responses((status = 201, description = "The entitlement, created.", body = EntitlementDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn create_entitlement(mut call: Call) -> Answer {
    let caller = call.token().await?;
    let admin = admin(&caller)?;
    let resource = read_resource(&call, "entitlements", &["code", "name"], &no_fixed(), &[])?;
    let code = resource.string("code")?.flatten().unwrap_or_default();
    let name = resource.string("name")?.flatten().unwrap_or_default();
    let created = licenses::create_entitlement(&call.state().db, &admin, &caller.actor, &code, &name).await?;
    entitlement_answer(&call, &caller, StatusCode::CREATED, created.id).await
}

/// `GET /v1/entitlements/{entitlement}`.
#[utoipa::path(get, path = "/entitlements/{entitlement}", tag = "Entitlements", security(("bearer" = [])), params(("entitlement" = String, Path, description = ENTITLEMENT)), responses((status = 200, description = "The entitlement.", body = EntitlementDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn entitlement(Path(params): Params, mut call: Call) -> Answer {
    let caller = call.token().await?;
    let id: EntitlementId = path_id(&params, "entitlement", "entitlement")?;
    entitlement_answer(&call, &caller, StatusCode::OK, id).await
}

/// `PATCH /v1/entitlements/{entitlement}`: changes `code` or `name`.
#[utoipa::path(patch, path = "/entitlements/{entitlement}", tag = "Entitlements", security(("bearer" = [])), params(("entitlement" = String, Path, description = ENTITLEMENT)), request_body(content = EntitlementRequest, content_type = "application/vnd.api+json"), responses((status = 200, description = "The entitlement, changed.", body = EntitlementDocument, content_type = "application/vnd.api+json"), Refusals))]
pub async fn update_entitlement(Path(params): Params, mut call: Call) -> Answer {
    let caller = call.token().await?;
    let admin = admin(&caller)?;
    let id: EntitlementId = path_id(&params, "entitlement", "entitlement")?;
    let viewer = viewer(&caller)?;
    let db = &call.state().db;
    let (current, ..) = license_api::entitlement_of(db, &viewer, id).await?.ok_or_else(|| not_found("entitlement"))?;
    let resource = read_resource(&call, "entitlements", &["code", "name"], &no_fixed(), &[])?;
    let code = resource.string("code")?.map_or(current.code, Option::unwrap_or_default);
    let name = resource.string("name")?.map_or(current.name, Option::unwrap_or_default);
    licenses::update_entitlement(db, &admin, &caller.actor, id, &code, &name).await?;
    entitlement_answer(&call, &caller, StatusCode::OK, id).await
}

/// `DELETE /v1/entitlements/{entitlement}`: 204; policies stop granting
/// it.
#[utoipa::path(delete, path = "/entitlements/{entitlement}", tag = "Entitlements", security(("bearer" = [])), params(("entitlement" = String, Path, description = ENTITLEMENT)), responses((status = 204, description = "Deleted."), Refusals))]
pub async fn delete_entitlement(Path(params): Params, mut call: Call) -> Answer {
    let caller = call.token().await?;
    let admin = admin(&caller)?;
    let id: EntitlementId = path_id(&params, "entitlement", "entitlement")?;
    licenses::delete_entitlement(&call.state().db, &admin, &caller.actor, id).await?;
    Ok(Document(StatusCode::NO_CONTENT, None))
}

/// `DELETE /v1/licenses/{license}/actions/revoke`: [`delete_license`]
/// (Keygen's revoke deletes the license).
#[utoipa::path(delete, path = "/licenses/{license}/actions/revoke", tag = "Licenses", security(("bearer" = [])), params(("license" = String, Path, description = LICENSE)), responses((status = 204, description = "Deleted."), Refusals))]
pub async fn revoke_license(params: Params, call: Call) -> Answer {
    delete_license(params, call).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_is_its_plural_or_singular_and_attributes_get_keygen_codes() {
        assert!(names_kind("policies", "policies") && names_kind("policy", "policies"));
        assert!(names_kind("license", "licenses") && !names_kind("machines", "licenses"));
        assert!(!names_kind("policie", "policies"));
        assert_eq!(screaming("maxMachines"), "MAX_MACHINES");
        assert_eq!(screaming("name"), "NAME");
    }
}
