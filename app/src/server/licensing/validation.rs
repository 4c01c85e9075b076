//! License validation: Keygen's rules, in Keygen's order
//! (`LicenseValidationService` of keygen-api), over facts the repository
//! loaded in a few indexed lookups.
//!
//! The result is `(valid, detail, code)`. The first rule that fails wins;
//! an expired license fails early under `REVOKE_ACCESS`, and otherwise is
//! reported last with `valid` set by the policy's expiration strategy
//! (true for `MAINTAIN_ACCESS` and `ALLOW_ACCESS`).

use serde::Deserialize;
use time::OffsetDateTime;

use crate::model::{ExpirationStrategy, HeartbeatStatus, MachineId, PolicyId, license::ComponentMatchingStrategy};

/// What validation needs to know of a license.
#[derive(Debug, Clone)]
pub struct LicenseFacts {
    pub banned: bool,
    /// The license, or its whole organization, is suspended.
    pub suspended: bool,
    pub expiry: Option<OffsetDateTime>,
    pub owner_email: Option<String>,
    pub policy: PolicyFacts,
    /// Machines activated on the license.
    pub machine_count: u64,
    /// The license's machines the scope names (by fingerprint or id).
    pub scoped_machines: Vec<MachineFacts>,
    /// Codes of the entitlements the license has.
    pub entitlements: Vec<String>,
    /// When its next check-in is due, under a policy that requires them
    /// (`model::license::CheckIn::next`); `None`: no check-ins required.
    pub next_check_in: Option<OffsetDateTime>,
}

#[derive(Debug, Clone)]
pub struct PolicyFacts {
    pub id: PolicyId,
    pub product: Option<String>,
    pub floating: bool,
    pub strict: bool,
    pub max_machines: Option<u32>,
    pub require_heartbeat: bool,
    pub heartbeat_seconds: u32,
    pub expiration_strategy: ExpirationStrategy,
    /// How many of the scope's components the machine must have.
    pub component_matching_strategy: ComponentMatchingStrategy,
}

#[derive(Debug, Clone)]
pub struct MachineFacts {
    pub id: MachineId,
    pub fingerprint: String,
    pub created_at: OffsetDateTime,
    pub last_heartbeat_at: Option<OffsetDateTime>,
    /// Fingerprints of its components; the repository loads only those
    /// the scope's `components` name (none without that scope).
    pub components: Vec<String>,
}

/// The `meta.scope` of a validation request. Only keys present are
/// checked; an empty `product` counts as absent (`keygen-rs` sends one
/// when its config names no product).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationScope {
    pub product: Option<String>,
    pub policy: Option<String>,
    pub machine: Option<String>,
    pub fingerprint: Option<String>,
    pub fingerprints: Option<Vec<String>>,
    pub entitlements: Option<Vec<String>>,
    /// Matched against the license owner's email.
    pub user: Option<String>,
    pub components: Option<Vec<String>>,
    pub checksum: Option<String>,
    pub version: Option<String>,
    pub environment: Option<String>,
}

impl ValidationScope {
    /// The fingerprints asked about (`fingerprint` or `fingerprints`),
    /// without duplicates; `None` when neither key is present.
    pub fn fingerprints(&self) -> Option<Vec<String>> {
        let mut list = match (&self.fingerprint, &self.fingerprints) {
            (Some(one), _) => vec![one.clone()],
            (None, Some(many)) => many.clone(),
            (None, None) => return None,
        };
        list.sort();
        list.dedup();
        Some(list)
    }
}

/// A validation's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub valid: bool,
    pub detail: &'static str,
    pub code: &'static str,
}

const fn no(detail: &'static str, code: &'static str) -> Outcome {
    Outcome { valid: false, detail, code }
}

impl LicenseFacts {
    fn expired(&self, now: OffsetDateTime) -> bool {
        self.expiry.is_some_and(|expiry| expiry < now)
    }

    fn heartbeat(&self, machine: &MachineFacts, now: OffsetDateTime) -> HeartbeatStatus {
        HeartbeatStatus::of(
            self.policy.require_heartbeat,
            self.policy.heartbeat_seconds,
            machine.created_at,
            machine.last_heartbeat_at,
            now,
        )
    }

    fn no_machine(&self, what: &'static str) -> Option<Outcome> {
        match (self.machine_count, self.policy.floating, what) {
            (0, false, "machine") => Some(no("machine is not activated (has no associated machine)", "NO_MACHINE")),
            (0, true, "machine") => Some(no("machine is not activated (has no associated machines)", "NO_MACHINES")),
            (0, false, _) => Some(no("fingerprint is not activated (has no associated machine)", "NO_MACHINE")),
            (0, true, _) => Some(no("fingerprint is not activated (has no associated machines)", "NO_MACHINES")),
            _ => None,
        }
    }
}

/// Validates `license` (`None`: no such key or id) against `scope` at
/// `now`.
pub fn validate(license: Option<&LicenseFacts>, scope: Option<&ValidationScope>, now: OffsetDateTime) -> Outcome {
    let Some(license) = license else { return no("does not exist", "NOT_FOUND") };
    if license.banned {
        return no("is banned", "BANNED");
    }
    if license.suspended {
        return no("is suspended", "SUSPENDED");
    }
    let expired = license.expired(now);
    if expired && license.policy.expiration_strategy == ExpirationStrategy::RevokeAccess {
        return no("is expired", "EXPIRED");
    }
    // Keygen checks a missed check-in next, before any scope.
    if license.next_check_in.is_some_and(|next| next < now) {
        return no("is overdue for check in", "OVERDUE");
    }
    if let Some(scope) = scope
        && let Some(outcome) = check_scope(license, scope, now)
    {
        return outcome;
    }
    let expired_outcome =
        Outcome { valid: license.policy.expiration_strategy.expired_is_valid(), detail: "is expired", code: "EXPIRED" };
    if !license.policy.strict {
        return if expired { expired_outcome } else { Outcome { valid: true, detail: "is valid", code: "VALID" } };
    }
    let count = license.machine_count;
    if !license.policy.floating {
        if count == 0 {
            return no("must have exactly 1 associated machine", "NO_MACHINE");
        }
        if count > u64::from(license.policy.max_machines.unwrap_or(1)) {
            return no("has too many associated machines", "TOO_MANY_MACHINES");
        }
    } else {
        if count == 0 {
            return no("must have at least 1 associated machine", "NO_MACHINES");
        }
        if let Some(max) = license.policy.max_machines
            && count > u64::from(max)
        {
            return no("has too many associated machines", "TOO_MANY_MACHINES");
        }
    }
    if expired { expired_outcome } else { Outcome { valid: true, detail: "is valid", code: "VALID" } }
}

fn check_scope(license: &LicenseFacts, scope: &ValidationScope, now: OffsetDateTime) -> Option<Outcome> {
    if scope.environment.is_some() {
        return Some(no("environment scope does not match", "ENVIRONMENT_SCOPE_MISMATCH"));
    }
    if let Some(product) = scope.product.as_deref().filter(|p| !p.is_empty())
        && license.policy.product.as_deref() != Some(product)
    {
        return Some(no("product scope does not match", "PRODUCT_SCOPE_MISMATCH"));
    }
    if let Some(policy) = &scope.policy
        && *policy != license.policy.id.to_string()
    {
        return Some(no("policy scope does not match", "POLICY_SCOPE_MISMATCH"));
    }
    if let Some(user) = &scope.user
        && !license.owner_email.as_deref().is_some_and(|email| email.eq_ignore_ascii_case(user))
    {
        return Some(no("user scope does not match", "USER_SCOPE_MISMATCH"));
    }
    if let Some(wanted) = &scope.entitlements {
        if wanted.is_empty() {
            return Some(no("entitlements scope is empty", "ENTITLEMENTS_SCOPE_EMPTY"));
        }
        if !wanted.iter().all(|code| license.entitlements.contains(code)) {
            return Some(no("is missing one or more required entitlements", "ENTITLEMENTS_MISSING"));
        }
    }
    if let Some(machine) = &scope.machine {
        if let Some(outcome) = license.no_machine("machine") {
            return Some(outcome);
        }
        let Some(found) = license.scoped_machines.iter().find(|m| m.id.to_string() == *machine) else {
            return Some(no(
                "machine is not activated (does not match any associated machines)",
                "MACHINE_SCOPE_MISMATCH",
            ));
        };
        match license.heartbeat(found, now) {
            HeartbeatStatus::NotStarted if license.policy.require_heartbeat => {
                return Some(no("machine heartbeat is required", "HEARTBEAT_NOT_STARTED"));
            }
            HeartbeatStatus::Dead => return Some(no("machine heartbeat is dead", "HEARTBEAT_DEAD")),
            _ => {}
        }
    }
    if let Some(fingerprints) = scope.fingerprints() {
        if fingerprints.is_empty() {
            return Some(no("fingerprint scope is empty", "FINGERPRINT_SCOPE_EMPTY"));
        }
        if let Some(outcome) = license.no_machine("fingerprint") {
            return Some(outcome);
        }
        let matching: Vec<&MachineFacts> =
            license.scoped_machines.iter().filter(|m| fingerprints.contains(&m.fingerprint)).collect();
        let statuses: Vec<HeartbeatStatus> = matching.iter().map(|m| license.heartbeat(m, now)).collect();
        let dead = statuses.iter().filter(|s| **s == HeartbeatStatus::Dead).count();
        if !matching.is_empty() && dead == fingerprints.len() {
            return Some(no("machine heartbeat is dead", "HEARTBEAT_DEAD"));
        }
        if statuses.iter().all(|s| *s == HeartbeatStatus::Dead) {
            let detail = if fingerprints.len() > 1 {
                "one or more fingerprint is not activated (does not match any associated machines)"
            } else {
                "fingerprint is not activated (does not match any associated machines)"
            };
            return Some(no(detail, "FINGERPRINT_SCOPE_MISMATCH"));
        }
        if license.policy.require_heartbeat && statuses.contains(&HeartbeatStatus::NotStarted) {
            return Some(no("machine heartbeat is required", "HEARTBEAT_NOT_STARTED"));
        }
    }
    if let Some(components) = &scope.components
        && let Some(outcome) = check_components(license, scope.fingerprint.as_deref(), components)
    {
        return Some(outcome);
    }
    if scope.checksum.is_some() {
        return Some(no(
            "checksum scope is not valid (does not match any accessible artifacts)",
            "CHECKSUM_SCOPE_MISMATCH",
        ));
    }
    if scope.version.is_some() {
        return Some(no(
            "version scope is not valid (does not match any accessible releases)",
            "VERSION_SCOPE_MISMATCH",
        ));
    }
    None
}

/// The `components` scope (Keygen's rules, after the fingerprint scope
/// has passed): a single `fingerprint` is required, since components are
/// matched on one machine; the list, without duplicates, must not be
/// empty; and the machine of that fingerprint must have enough of them by
/// the policy's [`ComponentMatchingStrategy`], else
/// `COMPONENTS_SCOPE_MISMATCH` with the strategy's detail.
fn check_components(license: &LicenseFacts, fingerprint: Option<&str>, components: &[String]) -> Option<Outcome> {
    let Some(fingerprint) = fingerprint else {
        return Some(no("fingerprint scope is required when using the components scope", "FINGERPRINT_SCOPE_REQUIRED"));
    };
    let mut asked: Vec<&String> = components.iter().collect();
    asked.sort();
    asked.dedup();
    if asked.is_empty() {
        return Some(no("components scope is empty", "COMPONENTS_SCOPE_EMPTY"));
    }
    let machine = license.scoped_machines.iter().find(|m| m.fingerprint == fingerprint);
    let matched = machine.map_or(0, |m| asked.iter().filter(|c| m.components.contains(c)).count());
    let strategy = license.policy.component_matching_strategy;
    if strategy.satisfied(matched, asked.len()) {
        return None;
    }
    let detail = match strategy {
        ComponentMatchingStrategy::MatchAny => {
            "one or more component is not activated (does not match any associated components)"
        }
        ComponentMatchingStrategy::MatchTwo => {
            "one or more component is not activated (does not match at least 2 associated components)"
        }
        ComponentMatchingStrategy::MatchMost => {
            "one or more component is not activated (does not match enough associated components)"
        }
        ComponentMatchingStrategy::MatchAll => {
            "one or more component is not activated (does not match all associated components)"
        }
    };
    Some(no(detail, "COMPONENTS_SCOPE_MISMATCH"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::{Duration, macros::datetime};

    const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    fn license(strategy: ExpirationStrategy) -> LicenseFacts {
        LicenseFacts {
            banned: false,
            suspended: false,
            expiry: None,
            owner_email: Some("ada@example.com".into()),
            policy: PolicyFacts {
                id: PolicyId::new(),
                product: None,
                floating: false,
                strict: true,
                max_machines: Some(1),
                require_heartbeat: false,
                heartbeat_seconds: 600,
                expiration_strategy: strategy,
                component_matching_strategy: ComponentMatchingStrategy::MatchAny,
            },
            machine_count: 0,
            scoped_machines: vec![],
            entitlements: vec!["pro".into()],
            next_check_in: None,
        }
    }

    fn machine(fingerprint: &str) -> MachineFacts {
        MachineFacts {
            id: MachineId::new(),
            fingerprint: fingerprint.into(),
            created_at: NOW - Duration::minutes(1),
            last_heartbeat_at: None,
            components: vec![],
        }
    }

    fn fingerprint(fp: &str) -> ValidationScope {
        ValidationScope { fingerprint: Some(fp.into()), ..ValidationScope::default() }
    }

    #[test]
    fn a_node_locked_strict_license_needs_its_machine() {
        let mut lic = license(ExpirationStrategy::RestrictAccess);
        assert_eq!(validate(Some(&lic), Some(&fingerprint("a")), NOW).code, "NO_MACHINE");
        assert_eq!(validate(Some(&lic), None, NOW).code, "NO_MACHINE");
        lic.machine_count = 1;
        assert_eq!(validate(Some(&lic), Some(&fingerprint("b")), NOW).code, "FINGERPRINT_SCOPE_MISMATCH");
        lic.scoped_machines = vec![machine("a")];
        let ok = validate(Some(&lic), Some(&fingerprint("a")), NOW);
        assert!(ok.valid && ok.code == "VALID");
        assert_eq!(validate(None, None, NOW).code, "NOT_FOUND");
    }

    #[test]
    fn expiry_follows_the_policys_strategy() {
        for (strategy, valid) in [
            (ExpirationStrategy::RestrictAccess, false),
            (ExpirationStrategy::RevokeAccess, false),
            (ExpirationStrategy::MaintainAccess, true),
            (ExpirationStrategy::AllowAccess, true),
        ] {
            let mut lic = license(strategy);
            lic.policy.strict = false;
            lic.expiry = Some(NOW - Duration::days(1));
            let outcome = validate(Some(&lic), None, NOW);
            assert_eq!((outcome.valid, outcome.code), (valid, "EXPIRED"), "{strategy:?}");
        }
    }

    #[test]
    fn state_and_scope_rules_report_their_codes() {
        let mut lic = license(ExpirationStrategy::RestrictAccess);
        lic.policy.strict = false;
        let ents = ValidationScope { entitlements: Some(vec!["pro".into(), "sso".into()]), ..Default::default() };
        assert_eq!(validate(Some(&lic), Some(&ents), NOW).code, "ENTITLEMENTS_MISSING");
        let product = ValidationScope { product: Some("desk".into()), ..Default::default() };
        assert_eq!(validate(Some(&lic), Some(&product), NOW).code, "PRODUCT_SCOPE_MISMATCH");
        let empty_product = ValidationScope { product: Some(String::new()), ..Default::default() };
        assert_eq!(validate(Some(&lic), Some(&empty_product), NOW).code, "VALID");
        lic.suspended = true;
        assert_eq!(validate(Some(&lic), None, NOW).code, "SUSPENDED");
        lic.banned = true;
        assert_eq!(validate(Some(&lic), None, NOW).code, "BANNED");
    }

    #[test]
    fn heartbeats_and_machine_limits() {
        let mut lic = license(ExpirationStrategy::RestrictAccess);
        lic.policy.require_heartbeat = true;
        lic.machine_count = 1;
        lic.scoped_machines = vec![machine("a")];
        assert_eq!(validate(Some(&lic), Some(&fingerprint("a")), NOW).code, "HEARTBEAT_NOT_STARTED");
        lic.scoped_machines[0].last_heartbeat_at = Some(NOW - Duration::minutes(11));
        assert_eq!(validate(Some(&lic), Some(&fingerprint("a")), NOW).code, "HEARTBEAT_DEAD");
        lic.scoped_machines[0].last_heartbeat_at = Some(NOW - Duration::minutes(1));
        assert_eq!(validate(Some(&lic), Some(&fingerprint("a")), NOW).code, "VALID");
        lic.policy.floating = true;
        lic.policy.max_machines = Some(2);
        lic.machine_count = 3;
        assert_eq!(validate(Some(&lic), Some(&fingerprint("a")), NOW).code, "TOO_MANY_MACHINES");
    }

    #[test]
    fn an_overdue_check_in_fails_after_bans_and_revoked_expiry_and_before_scopes() {
        let mut lic = license(ExpirationStrategy::RestrictAccess);
        lic.policy.strict = false;
        lic.next_check_in = Some(NOW + Duration::seconds(1));
        assert_eq!(validate(Some(&lic), None, NOW).code, "VALID");
        lic.next_check_in = Some(NOW - Duration::seconds(1));
        let overdue = validate(Some(&lic), Some(&fingerprint("not-activated")), NOW);
        assert_eq!((overdue.valid, overdue.detail, overdue.code), (false, "is overdue for check in", "OVERDUE"));
        lic.expiry = Some(NOW - Duration::days(1));
        assert_eq!(validate(Some(&lic), None, NOW).code, "OVERDUE", "before a restricted expiry");
        lic.policy.expiration_strategy = ExpirationStrategy::RevokeAccess;
        assert_eq!(validate(Some(&lic), None, NOW).code, "EXPIRED", "after a revoked one");
        lic.suspended = true;
        assert_eq!(validate(Some(&lic), None, NOW).code, "SUSPENDED");
    }

    #[test]
    fn components_match_on_the_fingerprints_machine_by_the_policys_strategy() {
        let mut lic = license(ExpirationStrategy::RestrictAccess);
        lic.machine_count = 1;
        let mut activated = machine("fp");
        activated.components = vec!["disk".into(), "cpu".into(), "board".into()];
        lic.scoped_machines = vec![activated];
        let scope = |components: &[&str]| ValidationScope {
            fingerprint: Some("fp".into()),
            components: Some(components.iter().map(|c| c.to_string()).collect()),
            ..ValidationScope::default()
        };
        let code = |lic: &LicenseFacts, components: &[&str]| validate(Some(lic), Some(&scope(components)), NOW).code;
        assert_eq!(code(&lic, &["disk", "gpu"]), "VALID");
        assert_eq!(code(&lic, &["gpu"]), "COMPONENTS_SCOPE_MISMATCH");
        assert_eq!(code(&lic, &[]), "COMPONENTS_SCOPE_EMPTY");
        let without_fingerprint = ValidationScope { fingerprint: None, ..scope(&["disk"]) };
        assert_eq!(validate(Some(&lic), Some(&without_fingerprint), NOW).code, "FINGERPRINT_SCOPE_REQUIRED");
        lic.policy.component_matching_strategy = ComponentMatchingStrategy::MatchTwo;
        assert_eq!(code(&lic, &["disk", "gpu"]), "COMPONENTS_SCOPE_MISMATCH");
        assert_eq!(code(&lic, &["disk", "disk"]), "COMPONENTS_SCOPE_MISMATCH", "a duplicate counts once");
        assert_eq!(code(&lic, &["disk", "cpu", "gpu"]), "VALID");
        lic.policy.component_matching_strategy = ComponentMatchingStrategy::MatchMost;
        assert_eq!(code(&lic, &["disk", "gpu", "ram"]), "COMPONENTS_SCOPE_MISMATCH");
        assert_eq!(code(&lic, &["disk", "cpu", "ram"]), "VALID");
        lic.policy.component_matching_strategy = ComponentMatchingStrategy::MatchAll;
        let all = validate(Some(&lic), Some(&scope(&["disk", "cpu", "ram"])), NOW);
        assert_eq!(
            (all.code, all.detail),
            (
                "COMPONENTS_SCOPE_MISMATCH",
                "one or more component is not activated (does not match all associated components)"
            )
        );
        assert_eq!(code(&lic, &["disk", "cpu", "board"]), "VALID");
        // The fingerprint scope is checked first.
        let other = ValidationScope { fingerprint: Some("other".into()), ..scope(&["disk"]) };
        assert_eq!(validate(Some(&lic), Some(&other), NOW).code, "FINGERPRINT_SCOPE_MISMATCH");
    }
}
