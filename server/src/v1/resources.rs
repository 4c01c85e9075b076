//! JSON:API resource objects in Keygen's shapes (the attributes its
//! clients read; `relationships` always present, `metadata` always an
//! object).

use serde_json::{Value, json};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use app::{
    model::{Entitlement, LicenseStatus},
    server::db::{
        Timestamp,
        license_api::{ApiComponent, ApiLicense, ApiMachine},
    },
};

/// RFC 3339 in UTC, as Keygen writes times.
pub fn ts(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC).format(&Rfc3339).unwrap_or_default()
}

fn ts_opt(at: Option<Timestamp>) -> Value {
    at.map_or(Value::Null, |t| json!(ts(t.into_inner())))
}

fn object(text: &str) -> Value {
    match serde_json::from_str::<Value>(text) {
        Ok(value @ Value::Object(_)) => value,
        _ => json!({}),
    }
}

fn relation(kind: &str, id: impl std::fmt::Display) -> Value {
    json!({ "data": { "type": kind, "id": id.to_string() } })
}

pub fn license(license: &ApiLicense, now: OffsetDateTime) -> Value {
    let fields = license.policy().fields();
    let created = license.created_at().into_inner();
    let last_active = license.last_validated_at().map_or(created, |t| t.into_inner().max(created));
    let status = LicenseStatus::of(
        license.banned(),
        license.suspended() || license.org_suspended(),
        license.expiry().map(Timestamp::into_inner),
        last_active,
        now,
    );
    json!({
        "id": license.id().to_string(),
        "type": "licenses",
        "attributes": {
            "name": license.name(),
            "key": license.key(),
            "expiry": ts_opt(license.expiry()),
            "status": status.as_str(),
            "uses": 0,
            "suspended": license.suspended(),
            "scheme": Value::Null,
            "encrypted": false,
            "strict": fields.strict,
            "floating": fields.floating,
            "protected": true,
            "version": Value::Null,
            "maxMachines": fields.max_machines,
            "maxProcesses": Value::Null,
            "maxUsers": Value::Null,
            "maxCores": Value::Null,
            "maxUses": Value::Null,
            "requireHeartbeat": fields.require_heartbeat,
            "requireCheckIn": fields.require_check_in,
            "lastValidated": ts_opt(license.last_validated_at()),
            "lastCheckOut": Value::Null,
            "lastCheckIn": ts_opt(license.last_check_in_at()),
            "nextCheckIn": license.next_check_in().map_or(Value::Null, |next| json!(ts(next))),
            "metadata": object(license.metadata()),
            "created": ts(created),
            "updated": ts(license.updated_at().into_inner()),
        },
        "relationships": {
            "account": relation("accounts", license.org_id()),
            "policy": relation("policies", license.policy().id),
            "machines": { "links": { "related": format!("/v1/accounts/{}/licenses/{}/machines", license.org_id(), license.id()) } },
            "entitlements": { "links": { "related": format!("/v1/accounts/{}/licenses/{}/entitlements", license.org_id(), license.id()) } },
        },
        "links": { "self": format!("/v1/accounts/{}/licenses/{}", license.org_id(), license.id()) },
    })
}

pub fn machine(license: &ApiLicense, machine: &ApiMachine, now: OffsetDateTime) -> Value {
    let fields = license.policy().fields();
    let status = machine.heartbeat(fields.require_heartbeat, fields.heartbeat_seconds, now);
    let next = machine
        .last_heartbeat_at
        .map(|t| ts(t.into_inner() + time::Duration::seconds(i64::from(fields.heartbeat_seconds))));
    json!({
        "id": machine.id.to_string(),
        "type": "machines",
        "attributes": {
            "fingerprint": machine.fingerprint,
            "cores": machine.cores,
            "ip": machine.ip,
            "hostname": machine.hostname,
            "platform": machine.platform,
            "name": machine.name,
            "requireHeartbeat": fields.require_heartbeat,
            "heartbeatStatus": status.as_str(),
            "heartbeatDuration": fields.heartbeat_seconds,
            "lastHeartbeat": ts_opt(machine.last_heartbeat_at),
            "nextHeartbeat": next,
            "metadata": object(&machine.metadata),
            "created": ts(machine.created_at.into_inner()),
            "updated": ts(machine.updated_at.into_inner()),
        },
        "relationships": {
            "account": relation("accounts", license.org_id()),
            "license": relation("licenses", license.id()),
            "components": { "links": { "related": format!("/v1/accounts/{}/machines/{}/components", license.org_id(), machine.id) } },
        },
        "links": { "self": format!("/v1/accounts/{}/machines/{}", license.org_id(), machine.id) },
    })
}

pub fn entitlement(license: &ApiLicense, (e, created, updated): &(Entitlement, Timestamp, Timestamp)) -> Value {
    json!({
        "id": e.id.to_string(),
        "type": "entitlements",
        "attributes": {
            "name": e.name,
            "code": e.code,
            "metadata": {},
            "created": ts(created.into_inner()),
            "updated": ts(updated.into_inner()),
        },
        "relationships": { "account": relation("accounts", license.org_id()) },
        "links": { "self": format!("/v1/accounts/{}/entitlements/{}", license.org_id(), e.id) },
    })
}

/// A machine's component (Keygen's `components` resource: `fingerprint`,
/// `name`, `metadata`, `created`, `updated`; related to its account,
/// license and machine).
pub fn component(license: &ApiLicense, c: &ApiComponent) -> Value {
    json!({
        "id": c.id.to_string(),
        "type": "components",
        "attributes": {
            "fingerprint": c.fingerprint,
            "name": c.name,
            "metadata": object(&c.metadata),
            "created": ts(c.created_at.into_inner()),
            "updated": ts(c.updated_at.into_inner()),
        },
        "relationships": {
            "account": relation("accounts", license.org_id()),
            "license": relation("licenses", license.id()),
            "machine": relation("machines", c.machine_id),
        },
        "links": { "self": format!("/v1/accounts/{}/components/{}", license.org_id(), c.id) },
    })
}
