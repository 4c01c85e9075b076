//! JSON:API resource objects in Keygen's shapes (the attributes its
//! clients read; `relationships` always present, `metadata` always an
//! object): the `/v1` API's answers, and the licensing events' webhook
//! payloads.

use serde_json::{Value, json};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::{
    model::{LicenseStatus, OrgId},
    server::db::{
        Timestamp,
        license_api::{ApiComponent, ApiLicense, ApiMachine, EntitlementRecord, PolicyRecord},
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

pub fn entitlement(org: OrgId, (e, created, updated): &EntitlementRecord) -> Value {
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
        "relationships": { "account": relation("accounts", org) },
        "links": { "self": format!("/v1/accounts/{org}/entitlements/{}", e.id) },
    })
}

/// The policy attributes of Keygen's that Atrium does not vary: what its
/// policies always do (keys authenticate, machines are counted per
/// license, dead machines are deactivated, no overage). A request may
/// send them only with these values.
pub fn policy_fixed_attributes() -> serde_json::Map<String, Value> {
    let fixed = json!({
        "scheme": Value::Null,
        "encrypted": false,
        "protected": true,
        "usePool": false,
        "requireProductScope": false,
        "requirePolicyScope": false,
        "requireMachineScope": false,
        "requireFingerprintScope": false,
        "requireComponentsScope": false,
        "requireUserScope": false,
        "requireChecksumScope": false,
        "requireVersionScope": false,
        "heartbeatCullStrategy": "DEACTIVATE_DEAD",
        "heartbeatResurrectionStrategy": "NO_REVIVE",
        "heartbeatBasis": "FROM_FIRST_PING",
        "machineUniquenessStrategy": "UNIQUE_PER_LICENSE",
        "machineMatchingStrategy": "MATCH_ANY",
        "componentUniquenessStrategy": "UNIQUE_PER_MACHINE",
        "expirationBasis": "FROM_CREATION",
        "renewalBasis": "FROM_EXPIRY",
        "transferStrategy": "KEEP_EXPIRY",
        "authenticationStrategy": "LICENSE",
        "machineLeasingStrategy": "PER_LICENSE",
        "processLeasingStrategy": "PER_MACHINE",
        "overageStrategy": "NO_OVERAGE",
        "maxProcesses": Value::Null,
        "maxCores": Value::Null,
        "maxUses": Value::Null,
        "maxLicenses": Value::Null,
        "maxUsers": Value::Null,
    });
    match fixed {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

/// A policy in Keygen's shape: its `product` (the product scope clients
/// name) is the `product` relationship's id.
pub fn policy(org: OrgId, record: &PolicyRecord) -> Value {
    let fields = record.policy.fields();
    let id = record.policy.id;
    let mut attributes = json!({
        "name": record.policy.name,
        "duration": fields.duration_seconds,
        "strict": fields.strict,
        "floating": fields.floating,
        "requireHeartbeat": fields.require_heartbeat,
        "heartbeatDuration": fields.heartbeat_seconds,
        "componentMatchingStrategy": fields.component_matching_strategy.as_str(),
        "expirationStrategy": fields.expiration_strategy.as_str(),
        "maxMachines": fields.max_machines,
        "requireCheckIn": fields.require_check_in,
        "checkInInterval": fields.check_in.map(|c| c.interval.as_str()),
        "checkInIntervalCount": fields.check_in.map(|c| c.count),
        "metadata": {},
        "created": ts(record.created_at.into_inner()),
        "updated": ts(record.updated_at.into_inner()),
    });
    if let Value::Object(map) = &mut attributes {
        map.extend(policy_fixed_attributes());
    }
    let product = fields.product.as_ref().map_or(json!({ "data": Value::Null }), |p| relation("products", p));
    json!({
        "id": id.to_string(),
        "type": "policies",
        "attributes": attributes,
        "relationships": {
            "account": relation("accounts", org),
            "product": product,
            "entitlements": { "links": { "related": format!("/v1/accounts/{org}/policies/{id}/entitlements") } },
            "licenses": { "links": { "related": format!("/v1/accounts/{org}/licenses?policy={id}") } },
        },
        "links": { "self": format!("/v1/accounts/{org}/policies/{id}") },
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
