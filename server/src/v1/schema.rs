//! The OpenAPI schemas of `/v1`'s JSON:API documents.
//!
//! Documentation only: the handlers build their documents with
//! `serde_json::json!` (`super::resources`) and read request bodies as
//! `serde_json::Value` (Keygen's error pointers need the raw document), so
//! these types are never built or parsed; they describe what the handlers
//! answer and take, for the generated document (`super::openapi`).
#![allow(dead_code)]

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A free-form JSON object.
type Metadata = BTreeMap<String, Value>;

// ---------------------------------------------------------------------------
// Resource identifiers and relationships

/// `{"type": "accounts", "id": <organization id>}`.
#[derive(Serialize, ToSchema)]
pub struct AccountIdentifier {
    #[schema(value_type = String, pattern = "^accounts$")]
    r#type: &'static str,
    /// The organization's id (a UUID).
    #[schema(format = Uuid)]
    id: String,
}

/// A to-one relationship to the organization.
#[derive(Serialize, ToSchema)]
pub struct AccountRelationship {
    data: AccountIdentifier,
}

/// A resource identifier: its type and id.
#[derive(Serialize, ToSchema)]
pub struct Identifier {
    /// The resource type (`licenses`, `machines`, `policies`, `products`,
    /// `entitlements`).
    r#type: String,
    /// The resource's id.
    id: String,
}

/// A to-one relationship.
#[derive(Serialize, ToSchema)]
pub struct ToOne {
    /// Null for none (a policy without a product).
    data: Option<Identifier>,
}

/// The link to a to-many relationship's resources.
#[derive(Serialize, ToSchema)]
pub struct RelatedLinks {
    /// The related resources' path.
    related: String,
}

/// A to-many relationship, named by its link.
#[derive(Serialize, ToSchema)]
pub struct ToManyLink {
    links: RelatedLinks,
}

/// A resource's own link.
#[derive(Serialize, ToSchema)]
pub struct SelfLink {
    /// The resource's path under `/v1/accounts/{account}`.
    #[serde(rename = "self")]
    self_: String,
}

// ---------------------------------------------------------------------------
// Licenses

/// A license's attributes. Attributes Atrium has no notion of are present
/// with fixed values.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LicenseAttributes {
    name: Option<String>,
    key: String,
    /// RFC 3339, UTC; null when unset.
    #[schema(format = DateTime)]
    expiry: Option<String>,
    /// BANNED, then SUSPENDED (the license or its organization), then
    /// EXPIRED, EXPIRING (expires within 3 days), INACTIVE (neither created
    /// nor validated in the last 90 days), else ACTIVE.
    status: app::model::LicenseStatus,
    /// Always 0.
    uses: u32,
    /// The license's own suspension (an organization's suspension shows in
    /// `status`).
    suspended: bool,
    /// Always null.
    #[schema(value_type = Option<String>)]
    scheme: Option<String>,
    /// Always false.
    encrypted: bool,
    strict: bool,
    floating: bool,
    /// Always true.
    protected: bool,
    /// Always null.
    #[schema(value_type = Option<String>)]
    version: Option<String>,
    /// The policy's machine limit; null for none (1 for a node-locked
    /// policy).
    max_machines: Option<u32>,
    /// Always null.
    max_processes: Option<u32>,
    /// Always null.
    max_users: Option<u32>,
    /// Always null.
    max_cores: Option<u32>,
    /// Always null.
    max_uses: Option<u32>,
    require_heartbeat: bool,
    /// Whether its policy requires check-ins (`POST
    /// /v1/licenses/{license}/actions/check-in`).
    require_check_in: bool,
    /// RFC 3339, UTC; null when unset.
    #[schema(format = DateTime)]
    last_validated: Option<String>,
    /// Always null.
    #[schema(format = DateTime)]
    last_check_out: Option<String>,
    /// Its last check-in (RFC 3339, UTC); null when it never checked in.
    #[schema(format = DateTime)]
    last_check_in: Option<String>,
    /// When its policy requires check-ins: when the next is due, an
    /// interval (its policy's `checkInIntervalCount` days, weeks, months or
    /// years) after the last check-in or, failing one, after the license
    /// was issued; past it the license validates as OVERDUE. Null when
    /// check-ins are not required.
    #[schema(format = DateTime)]
    next_check_in: Option<String>,
    /// Free-form metadata; always an object.
    #[schema(value_type = Object)]
    metadata: Metadata,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    created: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    updated: String,
}

/// A license's relationships.
#[derive(Serialize, ToSchema)]
pub struct LicenseRelationships {
    account: AccountRelationship,
    /// `{"type": "policies", "id": ...}`.
    policy: ToOne,
    machines: ToManyLink,
    entitlements: ToManyLink,
}

/// A license resource in Keygen's shape.
#[derive(Serialize, ToSchema)]
pub struct License {
    #[schema(format = Uuid)]
    id: String,
    /// `licenses`.
    #[schema(pattern = "^licenses$")]
    r#type: String,
    attributes: LicenseAttributes,
    relationships: LicenseRelationships,
    links: SelfLink,
}

/// One license.
#[derive(Serialize, ToSchema)]
pub struct LicenseDocument {
    data: License,
}

// ---------------------------------------------------------------------------
// Machines and components

/// A machine's attributes.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MachineAttributes {
    fingerprint: String,
    cores: Option<i32>,
    ip: Option<String>,
    hostname: Option<String>,
    platform: Option<String>,
    name: Option<String>,
    /// The license's policy requires heartbeats.
    require_heartbeat: bool,
    /// ALIVE when the last heartbeat is at most `heartbeatDuration` seconds
    /// old, DEAD when it is older; with no heartbeat yet, NOT_STARTED, or
    /// DEAD when heartbeats are required and the machine was activated more
    /// than `heartbeatDuration` seconds ago.
    heartbeat_status: HeartbeatStatus,
    /// The policy's heartbeat interval, in seconds.
    heartbeat_duration: u32,
    /// RFC 3339, UTC; null when unset.
    #[schema(format = DateTime)]
    last_heartbeat: Option<String>,
    /// `lastHeartbeat` plus `heartbeatDuration` seconds; null before the
    /// first heartbeat.
    #[schema(format = DateTime)]
    next_heartbeat: Option<String>,
    /// Free-form metadata; always an object.
    #[schema(value_type = Object)]
    metadata: Metadata,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    created: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    updated: String,
}

/// A machine's heartbeat status.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HeartbeatStatus {
    NotStarted,
    Alive,
    Dead,
}

/// A machine's relationships.
#[derive(Serialize, ToSchema)]
pub struct MachineRelationships {
    account: AccountRelationship,
    /// `{"type": "licenses", "id": ...}`.
    license: ToOne,
    /// `/v1/accounts/{account}/machines/{machine}/components`.
    components: ToManyLink,
}

/// A machine activated on a license.
#[derive(Serialize, ToSchema)]
pub struct Machine {
    #[schema(format = Uuid)]
    id: String,
    /// `machines`.
    #[schema(pattern = "^machines$")]
    r#type: String,
    attributes: MachineAttributes,
    relationships: MachineRelationships,
    links: SelfLink,
}

/// One machine.
#[derive(Serialize, ToSchema)]
pub struct MachineDocument {
    data: Machine,
}

/// A component's attributes.
#[derive(Serialize, ToSchema)]
pub struct ComponentAttributes {
    fingerprint: String,
    name: String,
    #[schema(value_type = Object)]
    metadata: Metadata,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    created: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    updated: String,
}

/// A component's relationships.
#[derive(Serialize, ToSchema)]
pub struct ComponentRelationships {
    account: AccountRelationship,
    license: ToOne,
    machine: ToOne,
}

/// A machine's hardware component in Keygen's shape.
#[derive(Serialize, ToSchema)]
pub struct Component {
    #[schema(format = Uuid)]
    id: String,
    /// `components`.
    #[schema(pattern = "^components$")]
    r#type: String,
    attributes: ComponentAttributes,
    relationships: ComponentRelationships,
    links: SelfLink,
}

/// The count of a list that is never paged.
#[derive(Serialize, ToSchema)]
pub struct CountMeta {
    count: u64,
}

/// Empty for a license key's lists; with an API token, the list is paged
/// and its links are those of [`PageLinks`].
#[derive(Serialize, ToSchema)]
pub struct EmptyLinks {}

/// A license's machines.
#[derive(Serialize, ToSchema)]
pub struct MachineListDocument {
    data: Vec<Machine>,
    meta: CountMeta,
    links: EmptyLinks,
}

/// A machine's components.
#[derive(Serialize, ToSchema)]
pub struct ComponentListDocument {
    data: Vec<Component>,
    meta: CountMeta,
    links: EmptyLinks,
}

/// A component of a machine being activated.
#[derive(Serialize, ToSchema)]
pub struct NewComponentAttributes {
    /// Stored as sent; unique among the machine's components. Validation's
    /// `components` scope names components by fingerprint.
    #[schema(min_length = 1, max_length = 255)]
    fingerprint: String,
    #[schema(min_length = 1, max_length = 255)]
    name: String,
    #[schema(value_type = Option<Object>)]
    metadata: Option<Metadata>,
}

/// `{"type": "components", "attributes": {...}}`.
#[derive(Serialize, ToSchema)]
pub struct NewComponent {
    /// `components`.
    r#type: Option<String>,
    attributes: NewComponentAttributes,
}

/// The machine's hardware components, stored with it in one transaction
/// (a refused component leaves no machine). At most 100 (422
/// COMPONENTS_LIMIT_EXCEEDED at `/data/relationships/components/data`).
/// Each refusal is a 422 pointing at the component,
/// `/data/relationships/components/data/<i>/attributes/<member>`, with
/// Keygen's code for that path: COMPONENTS_FINGERPRINT_NOT_FOUND or
/// COMPONENTS_NAME_NOT_FOUND (detail `can't be blank`),
/// COMPONENTS_FINGERPRINT_TOO_LONG or COMPONENTS_NAME_TOO_LONG (over 255
/// characters), COMPONENTS_FINGERPRINT_CONFLICT (detail `is duplicated`,
/// at the first of two components with one fingerprint),
/// COMPONENTS_METADATA_INVALID, COMPONENTS_METADATA_TOO_MANY_KEYS,
/// COMPONENTS_METADATA_TOO_LARGE (as a machine's metadata). A list that is
/// not an array, or an item of another type than `components`, is a 400.
#[derive(Serialize, ToSchema)]
pub struct NewComponents {
    #[schema(max_items = 100)]
    data: Vec<NewComponent>,
}

/// The attributes of a machine being activated.
#[derive(Serialize, ToSchema)]
pub struct MachineActivationAttributes {
    /// Trimmed of surrounding whitespace; must be non-blank and at most 255
    /// bytes; unique among the license's machines.
    #[schema(min_length = 1, max_length = 255)]
    fingerprint: String,
    /// Truncated to 255 characters; ignored unless a string (same for
    /// hostname, platform, ip).
    name: Option<String>,
    hostname: Option<String>,
    platform: Option<String>,
    /// Defaults to the client's address.
    ip: Option<String>,
    /// Ignored unless an integer in the 32-bit range.
    cores: Option<i32>,
    #[schema(value_type = Option<Object>)]
    metadata: Option<Metadata>,
}

/// The license a machine is activated on: the authenticated license's id or
/// key (with an API token, any license of the organization); anything else
/// answers 422 LICENSE_NOT_FOUND.
#[derive(Serialize, ToSchema)]
pub struct LicenseReference {
    /// `licenses`.
    r#type: Option<String>,
    id: String,
}

/// `{"data": {"type": "licenses", "id": ...}}`.
#[derive(Serialize, ToSchema)]
pub struct LicenseLink {
    data: LicenseReference,
}

/// The relationships of a machine being activated.
#[derive(Serialize, ToSchema)]
pub struct MachineActivationRelationships {
    license: LicenseLink,
    components: Option<NewComponents>,
}

/// The machine of an activation.
#[derive(Serialize, ToSchema)]
pub struct MachineActivationData {
    /// `machines` (not checked).
    r#type: Option<String>,
    attributes: MachineActivationAttributes,
    relationships: MachineActivationRelationships,
}

/// `POST /v1/machines`: a machine to activate on a license.
#[derive(Serialize, ToSchema)]
pub struct MachineActivation {
    data: MachineActivationData,
}

// ---------------------------------------------------------------------------
// Validation

/// Only keys present (and not null) are checked, in this order:
/// environment, product, policy, user, entitlements, machine,
/// fingerprint/fingerprints, components, checksum, version. The first
/// failing check gives the code.
#[derive(Serialize, ToSchema)]
pub struct ValidationScope {
    /// Atrium has no environments: any value answers
    /// ENVIRONMENT_SCOPE_MISMATCH.
    environment: Option<String>,
    /// Must equal the policy's product; an empty string counts as absent.
    product: Option<String>,
    /// Must equal the license's policy id.
    policy: Option<String>,
    /// Must equal the license owner's email (case-insensitive).
    user: Option<String>,
    /// Entitlement codes the license must all have (an empty list answers
    /// ENTITLEMENTS_SCOPE_EMPTY).
    entitlements: Option<Vec<String>>,
    /// Id of a machine that must be activated on the license (and alive
    /// when heartbeats are required).
    machine: Option<String>,
    /// A fingerprint that must be activated on the license; takes
    /// precedence over `fingerprints`.
    fingerprint: Option<String>,
    /// Fingerprints of which at least one must be activated (an empty list
    /// answers FINGERPRINT_SCOPE_EMPTY).
    fingerprints: Option<Vec<String>>,
    /// Component fingerprints, matched on the machine of `fingerprint`
    /// (required: without it FINGERPRINT_SCOPE_REQUIRED) after the
    /// fingerprint scope has passed. Without duplicates, the list must not
    /// be empty (COMPONENTS_SCOPE_EMPTY) and enough of them must be among
    /// the components the machine was activated with, by its policy's
    /// component matching strategy: MATCH_ANY at least one, MATCH_TWO at
    /// least two, MATCH_MOST at least half rounded up, MATCH_ALL all; else
    /// COMPONENTS_SCOPE_MISMATCH.
    components: Option<Vec<String>>,
    /// Atrium has no artifacts: any value answers CHECKSUM_SCOPE_MISMATCH.
    checksum: Option<String>,
    /// Atrium has no releases: any value answers VERSION_SCOPE_MISMATCH.
    version: Option<String>,
}

/// The `meta` of a validation request.
#[derive(Serialize, ToSchema)]
pub struct ValidationRequestMeta {
    /// Echoed in the answer's `meta.nonce`.
    nonce: Option<i64>,
    scope: Option<ValidationScope>,
}

/// `POST /v1/licenses/{license}/actions/validate` (the body is optional).
#[derive(Serialize, ToSchema)]
pub struct ValidationRequest {
    meta: Option<ValidationRequestMeta>,
}

/// The `meta` of a validation by key.
#[derive(Serialize, ToSchema)]
pub struct ValidateKeyMeta {
    /// The license key to validate.
    #[schema(min_length = 1)]
    key: String,
    /// Echoed in the answer's `meta.nonce`.
    nonce: Option<i64>,
    scope: Option<ValidationScope>,
}

/// `POST /v1/licenses/actions/validate-key`.
#[derive(Serialize, ToSchema)]
pub struct ValidateKeyRequest {
    meta: ValidateKeyMeta,
}

/// The first rule that fails, in Keygen's order: NOT_FOUND, BANNED,
/// SUSPENDED, EXPIRED (first only under REVOKE_ACCESS), OVERDUE (a missed
/// check-in under a policy that requires them), the scope checks, then for
/// strict policies the machine count (NO_MACHINE/NO_MACHINES/
/// TOO_MANY_MACHINES), then EXPIRED, else VALID.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ValidationCode {
    Valid,
    NotFound,
    Banned,
    Suspended,
    Expired,
    Overdue,
    NoMachine,
    NoMachines,
    TooManyMachines,
    EnvironmentScopeMismatch,
    ProductScopeMismatch,
    PolicyScopeMismatch,
    UserScopeMismatch,
    EntitlementsScopeEmpty,
    EntitlementsMissing,
    MachineScopeMismatch,
    HeartbeatNotStarted,
    HeartbeatDead,
    FingerprintScopeEmpty,
    FingerprintScopeMismatch,
    FingerprintScopeRequired,
    ComponentsScopeEmpty,
    ComponentsScopeMismatch,
    ChecksumScopeMismatch,
    VersionScopeMismatch,
}

/// The outcome of a validation.
#[derive(Serialize, ToSchema)]
pub struct ValidationMeta {
    /// When the validation ran (RFC 3339, UTC).
    #[schema(format = DateTime)]
    ts: String,
    /// Whether the license is valid. With code EXPIRED it is true when the
    /// policy's expiration strategy is MAINTAIN_ACCESS or ALLOW_ACCESS (and
    /// false under RESTRICT_ACCESS or REVOKE_ACCESS); every other code but
    /// VALID is false.
    valid: bool,
    /// Human-readable reason, e.g. `is valid`, `does not exist`, `is
    /// expired`, `fingerprint scope is empty`.
    detail: String,
    code: ValidationCode,
    /// The request's `meta.scope` as sent; `{}` when absent or null.
    #[schema(value_type = Object)]
    scope: Metadata,
    /// The request's `meta.nonce`; present only when one was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<i64>,
}

/// A validation's answer.
#[derive(Serialize, ToSchema)]
pub struct ValidationDocument {
    meta: ValidationMeta,
    /// The license validated; null when the key was not found.
    data: Option<License>,
}

// ---------------------------------------------------------------------------
// License and machine files

/// A license or machine file's type.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LicenseFileType {
    LicenseFiles,
    MachineFiles,
}

/// A license or machine file's attributes.
#[derive(Serialize, ToSchema)]
pub struct LicenseFileAttributes {
    /// `-----BEGIN LICENSE FILE-----` (or `MACHINE FILE`), the base64 of
    /// `{"enc","sig","alg"}` wrapped at 80 columns, and `-----END LICENSE
    /// FILE-----` (or `MACHINE FILE`), each line ending in a newline. `alg`
    /// is `aes-256-gcm+ed25519` (`enc` = `b64(ciphertext).b64(iv).b64(tag)`,
    /// AES-256-GCM under the SHA-256 of the license key, or for machine
    /// files of the key followed by the fingerprint) or `base64+ed25519`
    /// (`enc` = base64 of the dataset). `sig` is the organization's Ed25519
    /// signature (base64) over `license/<enc>` or `machine/<enc>`.
    certificate: String,
    /// Seconds the file is valid for.
    #[schema(minimum = 3600, maximum = 31_556_952)]
    ttl: i64,
    /// `issued` plus `ttl` seconds (RFC 3339, UTC).
    #[schema(format = DateTime)]
    expiry: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    issued: String,
}

/// A license or machine file's relationships.
#[derive(Serialize, ToSchema)]
pub struct LicenseFileRelationships {
    account: AccountRelationship,
    license: ToOne,
}

/// A license file (`license-files`) or machine file (`machine-files`). Not
/// stored: each check-out issues a new one with a fresh id.
#[derive(Serialize, ToSchema)]
pub struct LicenseFile {
    #[schema(format = Uuid)]
    id: String,
    r#type: LicenseFileType,
    attributes: LicenseFileAttributes,
    relationships: LicenseFileRelationships,
}

/// A checked-out file (what `include` asked for is inside its
/// certificate's dataset).
#[derive(Serialize, ToSchema)]
pub struct LicenseFileDocument {
    data: LicenseFile,
}

// ---------------------------------------------------------------------------
// Entitlements

/// An entitlement's attributes.
#[derive(Serialize, ToSchema)]
pub struct EntitlementAttributes {
    name: String,
    /// 1 to 64 letters, digits, `-`, `_` and `.`; unique in the
    /// organization. Validation scopes name entitlements by code.
    code: String,
    /// Always empty.
    #[schema(value_type = Object)]
    metadata: Metadata,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    created: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    updated: String,
}

/// An entitlement's relationships.
#[derive(Serialize, ToSchema)]
pub struct EntitlementRelationships {
    account: AccountRelationship,
}

/// An entitlement: a feature a policy grants its licenses.
#[derive(Serialize, ToSchema)]
pub struct Entitlement {
    #[schema(format = Uuid)]
    id: String,
    /// `entitlements`.
    #[schema(pattern = "^entitlements$")]
    r#type: String,
    attributes: EntitlementAttributes,
    relationships: EntitlementRelationships,
    links: SelfLink,
}

/// One entitlement.
#[derive(Serialize, ToSchema)]
pub struct EntitlementDocument {
    data: Entitlement,
}

/// A license's entitlements (never paged).
#[derive(Serialize, ToSchema)]
pub struct EntitlementListDocument {
    data: Vec<Entitlement>,
    meta: CountMeta,
    links: EmptyLinks,
}

/// Entitlements attached to a policy (only those the request named).
#[derive(Serialize, ToSchema)]
pub struct AttachedEntitlementsDocument {
    data: Vec<Entitlement>,
}

/// The attributes of an entitlement to create or change.
#[derive(Serialize, ToSchema)]
pub struct EntitlementInputAttributes {
    /// 1 to 64 letters, digits, `-`, `_` and `.`; unique in the
    /// organization (required to create).
    code: Option<String>,
    /// Required to create.
    name: Option<String>,
}

/// The entitlement of a create or update request.
#[derive(Serialize, ToSchema)]
pub struct EntitlementInput {
    /// `entitlements`.
    r#type: String,
    attributes: EntitlementInputAttributes,
}

/// `POST /v1/entitlements`, `PATCH /v1/entitlements/{entitlement}`.
#[derive(Serialize, ToSchema)]
pub struct EntitlementRequest {
    data: EntitlementInput,
}

/// `{"type": "entitlements", "id": ...}`.
#[derive(Serialize, ToSchema)]
pub struct EntitlementIdentifier {
    /// `entitlements`.
    r#type: String,
    /// The entitlement's id (a UUID).
    id: String,
}

/// The entitlements to attach to or detach from a policy.
#[derive(Serialize, ToSchema)]
pub struct EntitlementRelationshipRequest {
    data: Vec<EntitlementIdentifier>,
}

// ---------------------------------------------------------------------------
// Policies

/// How a license behaves once expired.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(clippy::enum_variant_names, reason = "Keygen's names")]
pub enum ExpirationStrategy {
    RestrictAccess,
    RevokeAccess,
    MaintainAccess,
    AllowAccess,
}

/// How many of a machine's components a validation's `components` scope
/// must match.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(clippy::enum_variant_names, reason = "Keygen's names")]
pub enum ComponentMatchingStrategy {
    MatchAny,
    MatchTwo,
    MatchMost,
    MatchAll,
}

/// The unit of a check-in interval.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CheckInInterval {
    Day,
    Week,
    Month,
    Year,
}

/// A policy's attributes. Attributes Atrium has no notion of (`scheme`,
/// `usePool`, the `require*Scope` flags, the other strategies and limits)
/// are present with fixed values, which a request may send only as they
/// are.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyAttributes {
    name: String,
    /// A license's life, in seconds; null for licenses that never expire.
    duration: Option<i64>,
    strict: bool,
    floating: bool,
    require_heartbeat: bool,
    /// Seconds between heartbeats.
    heartbeat_duration: Option<i64>,
    component_matching_strategy: ComponentMatchingStrategy,
    expiration_strategy: ExpirationStrategy,
    /// The machine limit; null for none.
    max_machines: Option<i32>,
    require_check_in: bool,
    /// Null when check-ins are not required.
    check_in_interval: Option<CheckInInterval>,
    /// Null when check-ins are not required.
    check_in_interval_count: Option<i32>,
    /// Always empty.
    #[schema(value_type = Object)]
    metadata: Metadata,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    created: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    updated: String,
}

/// A policy's relationships.
#[derive(Serialize, ToSchema)]
pub struct PolicyRelationships {
    account: AccountRelationship,
    /// `{"type": "products", "id": <product>}` (the product scope clients
    /// name), or null data.
    product: ToOne,
    entitlements: ToManyLink,
    licenses: ToManyLink,
}

/// A policy: the rules its licenses follow.
#[derive(Serialize, ToSchema)]
pub struct Policy {
    #[schema(format = Uuid)]
    id: String,
    /// `policies`.
    #[schema(pattern = "^policies$")]
    r#type: String,
    attributes: PolicyAttributes,
    relationships: PolicyRelationships,
    links: SelfLink,
}

/// One policy.
#[derive(Serialize, ToSchema)]
pub struct PolicyDocument {
    data: Policy,
}

/// The attributes of a policy to create or change (absent: the default, or
/// unchanged).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyInputAttributes {
    /// Required to create.
    name: Option<String>,
    /// Seconds; null for licenses that never expire.
    duration: Option<i64>,
    strict: Option<bool>,
    floating: Option<bool>,
    require_heartbeat: Option<bool>,
    /// Seconds between heartbeats.
    heartbeat_duration: Option<i64>,
    expiration_strategy: Option<ExpirationStrategy>,
    max_machines: Option<i32>,
    require_check_in: Option<bool>,
    check_in_interval: Option<CheckInInterval>,
    check_in_interval_count: Option<i32>,
    component_matching_strategy: Option<ComponentMatchingStrategy>,
}

/// The relationships of a policy to create or change.
#[derive(Serialize, ToSchema)]
pub struct PolicyInputRelationships {
    /// `{"data": {"type": "products", "id": <product>}}`.
    product: Option<ToOne>,
}

/// The policy of a create or update request.
#[derive(Serialize, ToSchema)]
pub struct PolicyInput {
    /// `policies`.
    r#type: String,
    attributes: Option<PolicyInputAttributes>,
    relationships: Option<PolicyInputRelationships>,
}

/// `POST /v1/policies`, `PATCH /v1/policies/{policy}`.
#[derive(Serialize, ToSchema)]
pub struct PolicyRequest {
    data: PolicyInput,
}

// ---------------------------------------------------------------------------
// Licenses written with an API token

/// The attributes of a license to create or change.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LicenseInputAttributes {
    name: Option<String>,
    /// Generated when absent (create only).
    key: Option<String>,
    /// RFC 3339; else the policy's duration from now.
    #[schema(format = DateTime)]
    expiry: Option<String>,
    /// Replaced whole.
    #[schema(value_type = Option<Object>)]
    metadata: Option<Metadata>,
    suspended: Option<bool>,
    /// The owner's email (create only).
    owner_email: Option<String>,
}

/// The relationships of a license to create.
#[derive(Serialize, ToSchema)]
pub struct LicenseInputRelationships {
    /// `{"data": {"type": "policies", "id": <policy>}}`; required to
    /// create.
    policy: Option<ToOne>,
}

/// The license of a create or update request.
#[derive(Serialize, ToSchema)]
pub struct LicenseInput {
    /// `licenses`.
    r#type: String,
    attributes: Option<LicenseInputAttributes>,
    relationships: Option<LicenseInputRelationships>,
}

/// `POST /v1/licenses`, `PATCH /v1/licenses/{license}`.
#[derive(Serialize, ToSchema)]
pub struct LicenseRequest {
    data: LicenseInput,
}

// ---------------------------------------------------------------------------
// Paged lists

/// The links of a paged list (the request's other parameters kept).
#[derive(Serialize, ToSchema)]
pub struct PageLinks {
    #[serde(rename = "self")]
    self_: String,
    first: String,
    /// Null on the first page.
    prev: Option<String>,
    /// Null on the last page.
    next: Option<String>,
    last: String,
    meta: PageMeta,
}

/// The size of a paged list.
#[derive(Serialize, ToSchema)]
pub struct PageMeta {
    /// Resources in the whole list.
    count: u64,
    /// Pages of this size (at least 1).
    pages: u64,
}

/// A page of licenses.
#[derive(Serialize, ToSchema)]
pub struct LicenseListDocument {
    data: Vec<License>,
    links: PageLinks,
    meta: PageMeta,
}

/// A page of policies.
#[derive(Serialize, ToSchema)]
pub struct PolicyListDocument {
    data: Vec<Policy>,
    links: PageLinks,
    meta: PageMeta,
}

/// A page of entitlements.
#[derive(Serialize, ToSchema)]
pub struct EntitlementPageDocument {
    data: Vec<Entitlement>,
    links: PageLinks,
    meta: PageMeta,
}

// ---------------------------------------------------------------------------
// Other documents

/// `meta` of the ping.
#[derive(Serialize, ToSchema)]
pub struct PingMeta {
    #[schema(format = DateTime)]
    ts: String,
    /// `1.8`.
    version: String,
}

/// The ping's answer.
#[derive(Serialize, ToSchema)]
pub struct PingDocument {
    meta: PingMeta,
}

/// Where an error is in the request document.
#[derive(Serialize, ToSchema)]
pub struct ErrorSource {
    /// JSON pointer into the request document (422 errors), or the query
    /// parameter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pointer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parameter: Option<String>,
}

/// An error in Keygen's shape.
#[derive(Serialize, ToSchema)]
pub struct Error {
    /// `Bad request`, `Unauthorized`, `Access denied`, `Not found`,
    /// `Method not allowed`, `Payload too large`, `Unprocessable
    /// resource`, `Unprocessable entity`, `Too many requests`, `Internal
    /// server error`.
    title: String,
    detail: String,
    /// Keygen's code (e.g. LICENSE_INVALID, TOKEN_INVALID, NOT_FOUND,
    /// FINGERPRINT_TAKEN, MACHINE_LIMIT_EXCEEDED, KEY_BLANK,
    /// COMPONENTS_*); absent for 400 and 500 errors, and for the 422
    /// (`Unprocessable entity`) of checking in a license whose policy does
    /// not require check-ins.
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<ErrorSource>,
}

/// An error answer.
#[derive(Serialize, ToSchema)]
pub struct ErrorDocument {
    #[schema(min_items = 1)]
    errors: Vec<Error>,
}

// ---------------------------------------------------------------------------
// Answers

/// The errors a route may answer, each an [`ErrorDocument`].
#[derive(utoipa::IntoResponses)]
pub enum Refusals {
    /// Malformed: not a JSON:API document, a member of the wrong type, a
    /// bad query parameter.
    #[response(status = 400, content_type = "application/vnd.api+json")]
    BadRequest(ErrorDocument),
    /// No usable license key (`LICENSE_INVALID`) or API token
    /// (`TOKEN_INVALID`): missing, unknown, or of another organization than
    /// the path's.
    #[response(status = 401, content_type = "application/vnd.api+json")]
    Unauthorized(ErrorDocument),
    /// The license may only validate itself (`LICENSE_BANNED`,
    /// `LICENSE_SUSPENDED`, `LICENSE_EXPIRED`), or the token's role may not
    /// do this.
    #[response(status = 403, content_type = "application/vnd.api+json")]
    Forbidden(ErrorDocument),
    /// No such account, or no such resource within the caller's reach.
    #[response(status = 404, content_type = "application/vnd.api+json")]
    NotFound(ErrorDocument),
    /// The body is over 1 MiB.
    #[response(status = 413, content_type = "application/vnd.api+json")]
    TooLarge(ErrorDocument),
    /// A member of the request document is refused; `source.pointer` names
    /// it.
    #[response(status = 422, content_type = "application/vnd.api+json")]
    Unprocessable(ErrorDocument),
    /// Too many requests from this network, for this license or for this
    /// token; `Retry-After` says how many seconds to wait.
    #[response(status = 429, content_type = "application/vnd.api+json")]
    TooManyRequests(ErrorDocument),
    /// The server failed.
    #[response(status = 500, content_type = "application/vnd.api+json")]
    Internal(ErrorDocument),
}

/// The body of a validation by id: a [`ValidationRequest`], though the
/// handler takes any other JSON (or none) as one without `meta`.
pub struct ValidationBody;

impl utoipa::PartialSchema for ValidationBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Ref, SchemaType, Type};
        // Any JSON but null, which the `Option` around this body already
        // allows (a second branch taking null would make it ambiguous).
        let types = vec![Type::Object, Type::Array, Type::String, Type::Number, Type::Boolean];
        let anything = ObjectBuilder::new()
            .schema_type(SchemaType::Array(types))
            .description(Some("Any other JSON: validated without a scope or nonce."));
        AnyOfBuilder::new()
            .item(Ref::from_schema_name("ValidationRequest"))
            .item(anything)
            .description(Some("A ValidationRequest; only an object's `meta` is read, and the body may be left out."))
            .into()
    }
}

impl ToSchema for ValidationBody {
    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        schemas.push((ValidationRequest::name().into_owned(), <ValidationRequest as utoipa::PartialSchema>::schema()));
        <ValidationRequest as ToSchema>::schemas(schemas);
    }
}
