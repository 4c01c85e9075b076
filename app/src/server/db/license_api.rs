//! The public license API's reads and writes. A call starts from a license
//! key (the only cross-tenant lookup: the key names the organization), and
//! everything after it is scoped to that organization and license.

use std::collections::HashMap;

use time::{Duration, OffsetDateTime};

use crate::{
    model::{Entitlement, EntitlementId, LicenseId, MachineId, OrgId, PolicyId, license::HEARTBEAT_GRACE_SECONDS},
    server::{
        handles::LicenseViewer,
        licensing::validation::{LicenseFacts, MachineFacts, PolicyFacts},
    },
};

use super::{
    Db, Timestamp,
    events::{self, NewEvent},
    licensing::{LicenseFilter, MACHINE_COLUMNS, POLICY_COLUMNS, PolicyRow, filter_licenses, license_machines_sql},
    scope::Scope,
    sql::{Sql, bind_args},
    with_pool,
};

pub use super::licensing::MachineRow as ApiMachine;

/// A license as the API authenticates and serves it, with its policy, its
/// organization's state and signing key.
///
/// A capability: only this module makes one, from the license a key names
/// ([`find_by_key`], [`find_for_validation`]), and the functions that act
/// on a license's machines take one, so they act within the license (and
/// organization) of a key that was checked. Its fields are read through
/// its accessors.
#[derive(Debug, sqlx::FromRow)]
pub struct ApiLicense {
    #[sqlx(rename = "license_id")]
    id: LicenseId,
    org_id: OrgId,
    key: String,
    #[sqlx(rename = "license_name")]
    name: Option<String>,
    owner_email: Option<String>,
    expiry: Option<Timestamp>,
    metadata: String,
    suspended: bool,
    banned: bool,
    last_validated_at: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
    last_check_in_at: Option<Timestamp>,
    org_suspended: bool,
    sealed_secret_key: Option<String>,
    /// Machines activated on it.
    machine_count: i64,
    #[sqlx(flatten)]
    policy: PolicyRow,
}

/// Why a license key may not be used for anything but validating itself
/// (Keygen's license-key authentication: `LICENSE_BANNED`,
/// `LICENSE_SUSPENDED`, `LICENSE_EXPIRED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UseRefusal {
    /// The license is banned.
    Banned,
    /// The license is suspended.
    Suspended,
    /// Its organization is suspended by a platform admin (Keygen has no
    /// such state; the API answers it as a suspended license).
    OrgSuspended,
    /// Expired under the `REVOKE_ACCESS` expiration strategy.
    Expired,
}

impl UseRefusal {
    /// The sentence the license holder's self-serve page shows.
    pub fn message(self) -> &'static str {
        match self {
            UseRefusal::Banned => "This license is banned: its machines cannot be changed.",
            UseRefusal::Suspended => "This license is suspended: its machines cannot be changed.",
            UseRefusal::OrgSuspended => {
                "The organization that issued this license is suspended: its machines cannot be changed."
            }
            UseRefusal::Expired => "This license has expired: its machines cannot be changed.",
        }
    }
}

impl ApiLicense {
    /// The right to read this license, which its key proves.
    pub fn readable(&self) -> super::licensing::ReadableLicense {
        super::licensing::held(self.org_id, self.id).0
    }

    /// The right to change this license's machines, which its key proves
    /// (callers first ask [`ApiLicense::use_refusal`]).
    pub fn managed(&self) -> super::licensing::ManagedLicense {
        super::licensing::held(self.org_id, self.id).1
    }

    /// The license's id.
    pub fn id(&self) -> LicenseId {
        self.id
    }

    /// The organization that issued it (whose key signs its answers).
    pub fn org_id(&self) -> OrgId {
        self.org_id
    }

    /// The license key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The name its issuer gave it, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The holder's email, when the issuer gave one.
    pub fn owner_email(&self) -> Option<&str> {
        self.owner_email.as_deref()
    }

    /// When it expires; `None`: never.
    pub fn expiry(&self) -> Option<Timestamp> {
        self.expiry
    }

    /// Its metadata, a JSON object as text.
    pub fn metadata(&self) -> &str {
        &self.metadata
    }

    /// Suspended by its issuer.
    pub fn suspended(&self) -> bool {
        self.suspended
    }

    /// Banned by its issuer.
    pub fn banned(&self) -> bool {
        self.banned
    }

    /// Its last validation as written (the tally writes them every few
    /// seconds).
    pub fn last_validated_at(&self) -> Option<Timestamp> {
        self.last_validated_at
    }

    /// When it was issued.
    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }

    /// Its last check-in (`POST /v1/licenses/{id}/actions/check-in`);
    /// `None`: never checked in.
    pub fn last_check_in_at(&self) -> Option<Timestamp> {
        self.last_check_in_at
    }

    /// When its next check-in is due, when its policy requires them: an
    /// interval after the last or, failing one, after its issue (Keygen's
    /// `nextCheckIn`). Past it, the license validates as `OVERDUE`.
    pub fn next_check_in(&self) -> Option<OffsetDateTime> {
        let rule = self.policy.fields().required_check_in()?;
        Some(rule.next(self.last_check_in_at.map(Timestamp::into_inner), self.created_at.into_inner()))
    }

    /// When its row last changed.
    pub fn updated_at(&self) -> Timestamp {
        self.updated_at
    }

    /// Whether its organization is suspended by a platform admin.
    pub fn org_suspended(&self) -> bool {
        self.org_suspended
    }

    /// The organization's signing key, sealed with the key-encryption key
    /// (`licensing::keys`); `None` until the organization has one.
    pub fn sealed_secret_key(&self) -> Option<&str> {
        self.sealed_secret_key.as_deref()
    }

    /// Machines activated on it.
    pub fn machine_count(&self) -> i64 {
        self.machine_count
    }

    /// Its policy.
    pub fn policy(&self) -> &PolicyRow {
        &self.policy
    }

    pub fn expired(&self, now: OffsetDateTime) -> bool {
        self.expiry.is_some_and(|e| e.into_inner() < now)
    }

    /// Whether the key may be used, at `now`, for anything but validating
    /// itself: activating, deactivating and pinging machines through
    /// `/v1`, and the holder's self-serve page releasing a machine. Both
    /// doors ask this one function. `None` when it may.
    pub fn use_refusal(&self, now: OffsetDateTime) -> Option<UseRefusal> {
        if self.banned {
            Some(UseRefusal::Banned)
        } else if self.suspended {
            Some(UseRefusal::Suspended)
        } else if self.org_suspended {
            Some(UseRefusal::OrgSuspended)
        } else if self.expired(now)
            && self.policy.fields().expiration_strategy == crate::model::ExpirationStrategy::RevokeAccess
        {
            Some(UseRefusal::Expired)
        } else {
            None
        }
    }

    /// The validation facts, given the machines the scope names and the
    /// entitlement codes.
    pub fn facts(&self, scoped: &[ApiMachine], entitlements: Vec<String>) -> LicenseFacts {
        let fields = self.policy.fields();
        LicenseFacts {
            banned: self.banned,
            suspended: self.suspended || self.org_suspended,
            expiry: self.expiry.map(Timestamp::into_inner),
            owner_email: self.owner_email.clone(),
            policy: PolicyFacts {
                id: self.policy.id,
                product: fields.product,
                floating: fields.floating,
                strict: fields.strict,
                max_machines: fields.max_machines,
                require_heartbeat: fields.require_heartbeat,
                heartbeat_seconds: fields.heartbeat_seconds,
                expiration_strategy: fields.expiration_strategy,
                component_matching_strategy: fields.component_matching_strategy,
            },
            machine_count: self.machine_count.max(0) as u64,
            scoped_machines: scoped
                .iter()
                .map(|m| MachineFacts {
                    id: m.id,
                    fingerprint: m.fingerprint.clone(),
                    created_at: m.created_at.into_inner(),
                    last_heartbeat_at: m.last_heartbeat_at.map(Timestamp::into_inner),
                    components: m.components.clone(),
                })
                .collect(),
            entitlements,
            next_check_in: self.next_check_in(),
        }
    }
}

/// `SELECT <license columns> FROM <license joins>`, then `extra_columns`
/// and `extra_joins`, `WHERE condition` (of a live organization).
fn license_select_with(extra_columns: &str, extra_joins: &str, condition: &str) -> String {
    format!(
        "SELECT l.id AS license_id, l.org_id, l.key, l.name AS license_name, l.owner_email, l.expiry, l.metadata, \
         l.suspended, l.banned, l.last_validated_at, l.created_at, l.updated_at, l.last_check_in_at, \
         (o.suspended_at IS NOT NULL) AS org_suspended, k.sealed_secret_key, \
         (SELECT COUNT(*) FROM machines mc WHERE mc.license_id = l.id) AS machine_count, {POLICY_COLUMNS}{extra_columns} \
         FROM licenses l JOIN policies p ON p.id = l.policy_id JOIN organizations o ON o.id = l.org_id \
         LEFT JOIN organization_signing_keys k ON k.org_id = l.org_id{extra_joins} \
         WHERE {condition} AND o.deleted_at IS NULL"
    )
}

fn license_select(condition: &str) -> String {
    license_select_with("", "", condition)
}

/// The license with this key, in any organization (the key is unique
/// across tenants; deleted organizations' licenses are gone).
#[tracing::instrument(
    name = "license_api::find_by_key",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn find_by_key(db: &Db, key: &str) -> Result<Option<ApiLicense>, sqlx::Error> {
    let sql = license_select("l.key = $1");
    with_pool!(db, Scope::license_key(), conn => sqlx::query_as::<_, ApiLicense>(&sql).bind(key).fetch_optional(&mut *conn).await)
}

/// The condition on machines `m` that the scope names: a fingerprint in
/// `fingerprints` or the id `machine`, its arguments bound to `sql`;
/// `None` when the scope names no machine.
fn scope_condition(sql: &mut Sql, fingerprints: &[String], machine: Option<&str>) -> Option<String> {
    let machine_id = machine.and_then(|m| m.parse::<MachineId>().ok());
    let mut terms = Vec::new();
    if !fingerprints.is_empty() {
        let list: Vec<String> = fingerprints.iter().map(|f| sql.bind(f.as_str())).collect();
        terms.push(format!("m.fingerprint IN ({})", list.join(", ")));
    }
    if let Some(id) = machine_id {
        terms.push(format!("m.id = {}", sql.bind(id)));
    }
    (!terms.is_empty()).then(|| terms.join(" OR "))
}

/// The column `c_fingerprint` and the join that bring, with each machine
/// `m`, the fingerprints of its components that are in `components` (a
/// row per machine and component found): the join's arguments bound to
/// `sql`. Without `components`, a NULL column and no join, so a
/// validation without the components scope reads what it read before.
fn components_join(sql: &mut Sql, components: &[String]) -> (&'static str, String) {
    if components.is_empty() {
        return (", CAST(NULL AS TEXT) AS c_fingerprint", String::new());
    }
    let list: Vec<String> = components.iter().map(|c| sql.bind(c.as_str())).collect();
    (
        ", c.fingerprint AS c_fingerprint",
        format!(
            " LEFT JOIN machine_components c ON c.machine_id = m.id AND c.org_id = m.org_id AND c.fingerprint IN ({})",
            list.join(", ")
        ),
    )
}

/// Folds the rows of a machine joined with its components
/// ([`components_join`]) into one machine each, its components filled.
fn with_components(rows: impl IntoIterator<Item = (ApiMachine, Option<String>)>) -> Vec<ApiMachine> {
    let mut machines: Vec<ApiMachine> = Vec::new();
    for (machine, component) in rows {
        let at = match machines.iter().position(|m| m.id == machine.id) {
            Some(at) => at,
            None => {
                machines.push(machine);
                machines.len() - 1
            }
        };
        machines[at].components.extend(component);
    }
    machines
}

/// A machine row with one of its components' fingerprints, NULL when none
/// matched ([`components_join`]).
#[derive(sqlx::FromRow)]
struct MachineWithComponent {
    #[sqlx(flatten)]
    machine: ApiMachine,
    c_fingerprint: Option<String>,
}

/// The license's machines whose fingerprint is in `fingerprints` or whose
/// id is `machine`, each with the fingerprints of its components that are
/// in `components` (the validation scope's; duplicates are harmless), in
/// one statement.
#[tracing::instrument(
    name = "license_api::scoped_machines",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn scoped_machines(
    db: &Db,
    license: &ApiLicense,
    fingerprints: &[String],
    machine: Option<&str>,
    components: &[String],
) -> Result<Vec<ApiMachine>, sqlx::Error> {
    let mut sql = Sql::new("");
    let Some(condition) = scope_condition(&mut sql, fingerprints, machine) else { return Ok(Vec::new()) };
    let (org, id) = (sql.bind(license.org_id), sql.bind(license.id));
    let (column, join) = components_join(&mut sql, components);
    sql.push(&format!(
        "SELECT {MACHINE_COLUMNS}{column} FROM machines m{join} \
         WHERE m.org_id = {org} AND m.license_id = {id} AND ({condition})"
    ));
    let rows = with_pool!(db, Scope::tenant(license.org_id), conn => {
        bind_args!(sqlx::query_as::<_, MachineWithComponent>(sql.text()), sql.args().iter().cloned()).fetch_all(&mut *conn).await?
    });
    Ok(with_components(rows.into_iter().map(|row| (row.machine, row.c_fingerprint))))
}

/// A license row joined with at most one of its machines (`m_` columns,
/// all NULL when no machine matched).
#[derive(sqlx::FromRow)]
struct LicenseWithMachine {
    #[sqlx(flatten)]
    license: ApiLicense,
    m_id: Option<MachineId>,
    m_fingerprint: Option<String>,
    m_name: Option<String>,
    m_hostname: Option<String>,
    m_platform: Option<String>,
    m_ip: Option<String>,
    m_cores: Option<i32>,
    m_metadata: Option<String>,
    m_last_heartbeat_at: Option<Timestamp>,
    m_created_at: Option<Timestamp>,
    m_updated_at: Option<Timestamp>,
    c_fingerprint: Option<String>,
}

impl LicenseWithMachine {
    fn machine(&self) -> Option<ApiMachine> {
        Some(ApiMachine {
            id: self.m_id?,
            fingerprint: self.m_fingerprint.clone()?,
            name: self.m_name.clone(),
            hostname: self.m_hostname.clone(),
            platform: self.m_platform.clone(),
            ip: self.m_ip.clone(),
            cores: self.m_cores,
            metadata: self.m_metadata.clone().unwrap_or_else(|| "{}".into()),
            last_heartbeat_at: self.m_last_heartbeat_at,
            created_at: self.m_created_at?,
            updated_at: self.m_updated_at?,
            components: Vec::new(),
        })
    }
}

/// A license as [`find_for_validation`] reads it: the license, its
/// machines in scope, its entitlements' codes.
pub type ForValidation = (ApiLicense, Vec<ApiMachine>, Vec<String>);

/// What validating the license with this key needs: the license (with its
/// policy, organization state, signing key and machine count) and its
/// machines the scope names, each with the fingerprints of its components
/// that are in `components`, in one statement (the machines and their
/// components joined to the license row), then the codes of its
/// entitlements when `entitlements` is asked. `None`: no such key.
#[tracing::instrument(
    name = "license_api::find_for_validation",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn find_for_validation(
    db: &Db,
    key: &str,
    fingerprints: &[String],
    machine: Option<&str>,
    components: &[String],
    entitlements: bool,
) -> Result<Option<ForValidation>, sqlx::Error> {
    let mut sql = Sql::new("");
    let key_arg = sql.bind(key);
    let on = scope_condition(&mut sql, fingerprints, machine).unwrap_or_else(|| "FALSE".to_owned());
    let (component_column, component_join) = components_join(&mut sql, components);
    sql.push(&license_select_with(
        &format!(
            ", m.id AS m_id, m.fingerprint AS m_fingerprint, m.name AS m_name, m.hostname AS m_hostname, \
             m.platform AS m_platform, m.ip AS m_ip, m.cores AS m_cores, m.metadata AS m_metadata, \
             m.last_heartbeat_at AS m_last_heartbeat_at, m.created_at AS m_created_at, m.updated_at AS m_updated_at\
             {component_column}"
        ),
        &format!(" LEFT JOIN machines m ON m.license_id = l.id AND m.org_id = l.org_id AND ({on}){component_join}"),
        &format!("l.key = {key_arg}"),
    ));
    let codes = "SELECT e.code FROM entitlements e JOIN policy_entitlements pe ON pe.entitlement_id = e.id \
                 WHERE pe.org_id = $1 AND pe.policy_id = $2";
    // The key is the only cross-tenant lookup; the machines and
    // entitlements are bound to the license it finds.
    with_pool!(db, Scope::license_key(), conn => {
        let rows = bind_args!(sqlx::query_as::<_, LicenseWithMachine>(sql.text()), sql.args().iter().cloned())
            .fetch_all(&mut *conn)
            .await?;
        let machines = with_components(rows.iter().filter_map(|row| Some((row.machine()?, row.c_fingerprint.clone()))));
        let Some(row) = rows.into_iter().next() else { return Ok(None) };
        let license = row.license;
        let codes: Vec<String> = if entitlements {
            sqlx::query_scalar(codes).bind(license.org_id).bind(license.policy.id).fetch_all(&mut *conn).await?
        } else {
            Vec::new()
        };
        Ok(Some((license, machines, codes)))
    })
}

/// The entitlements the license's policy grants.
#[tracing::instrument(
    name = "license_api::entitlements",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn entitlements(
    db: &Db,
    license: &ApiLicense,
) -> Result<Vec<(Entitlement, Timestamp, Timestamp)>, sqlx::Error> {
    let sql = "SELECT e.id, e.code, e.name, e.created_at, e.updated_at FROM entitlements e \
               JOIN policy_entitlements pe ON pe.entitlement_id = e.id \
               WHERE pe.org_id = $1 AND pe.policy_id = $2 ORDER BY e.code";
    let rows: Vec<(EntitlementId, String, String, Timestamp, Timestamp)> = with_pool!(db, Scope::tenant(license.org_id), conn => {
        sqlx::query_as(sql).bind(license.org_id).bind(license.policy.id).fetch_all(&mut *conn).await?
    });
    Ok(rows.into_iter().map(|(id, code, name, c, u)| (Entitlement { id, code, name }, c, u)).collect())
}

/// The license's machines, oldest first.
#[tracing::instrument(
    name = "license_api::machines",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn machines(db: &Db, license: &ApiLicense) -> Result<Vec<ApiMachine>, sqlx::Error> {
    let sql = license_machines_sql();
    with_pool!(db, Scope::tenant(license.org_id), conn => sqlx::query_as::<_, ApiMachine>(&sql).bind(license.org_id).bind(license.id).fetch_all(&mut *conn).await)
}

/// The license's machine with this id or, failing that, this fingerprint.
#[tracing::instrument(
    name = "license_api::find_machine",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn find_machine(
    db: &Db,
    license: &ApiLicense,
    id_or_fingerprint: &str,
) -> Result<Option<ApiMachine>, sqlx::Error> {
    let by_id =
        format!("SELECT {MACHINE_COLUMNS} FROM machines m WHERE m.org_id = $1 AND m.license_id = $2 AND m.id = $3");
    let by_fingerprint = format!(
        "SELECT {MACHINE_COLUMNS} FROM machines m WHERE m.org_id = $1 AND m.license_id = $2 AND m.fingerprint = $3"
    );
    let org = license.org_id;
    with_pool!(db, Scope::tenant(org), conn => {
        if let Ok(id) = id_or_fingerprint.parse::<MachineId>()
            && let Some(found) = sqlx::query_as::<_, ApiMachine>(&by_id).bind(org).bind(license.id).bind(id).fetch_optional(&mut *conn).await?
        {
            return Ok(Some(found));
        }
        sqlx::query_as::<_, ApiMachine>(&by_fingerprint).bind(org).bind(license.id).bind(id_or_fingerprint).fetch_optional(&mut *conn).await
    })
}

/// A machine to activate.
#[derive(Debug, Clone, Default)]
pub struct NewMachine {
    pub fingerprint: String,
    pub name: Option<String>,
    pub hostname: Option<String>,
    pub platform: Option<String>,
    pub ip: Option<String>,
    pub cores: Option<i32>,
    pub metadata: String,
    /// Its hardware components, stored with it (checked by the caller:
    /// fingerprints unique among them).
    pub components: Vec<NewComponent>,
}

/// A component of a machine to activate (Keygen's `components`
/// relationship of a machine: a fingerprint unique on the machine, a
/// name, metadata).
#[derive(Debug, Clone, Default)]
pub struct NewComponent {
    pub fingerprint: String,
    pub name: String,
    /// A JSON object as text.
    pub metadata: String,
}

/// A machine's component as the API serves it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiComponent {
    pub id: uuid::Uuid,
    pub machine_id: MachineId,
    pub fingerprint: String,
    pub name: String,
    /// A JSON object as text.
    pub metadata: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Why an activation was refused.
#[derive(Debug, thiserror::Error)]
pub enum ActivationError {
    #[error("has already been taken")]
    FingerprintTaken,
    #[error("machine count has exceeded maximum allowed for license ({0})")]
    LimitExceeded(u32),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

const FINGERPRINT_KEY: super::UniqueKey = super::UniqueKey {
    postgres: "machines_license_fingerprint_key",
    sqlite: "machines.license_id, machines.fingerprint",
};

/// Activates a machine on the license, with its components, unless the
/// fingerprint is taken or the policy's machine limit, or `ceiling` (the
/// server's limit per license, `max_machines_per_license`, which holds for
/// policies without a maximum too), is reached. Atomic: the license row is
/// locked on PostgreSQL and the limit checked in the insert itself, so two
/// activations at once cannot both take the last place; the components go
/// in the same transaction (one statement), so a machine is never there
/// without them, and so does the event `event` makes of the new machine's
/// id.
#[tracing::instrument(
    name = "license_api::activate",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn activate(
    db: &Db,
    license: &ApiLicense,
    (new, ceiling): (&NewMachine, u32),
    event: impl FnOnce(MachineId) -> NewEvent,
) -> Result<ApiMachine, ActivationError> {
    let org = license.org_id;
    let max = license.policy.fields().max_machines.map_or(ceiling, |max| max.min(ceiling));
    let id = MachineId::new();
    let event = event(id);
    let now = Timestamp::now();
    let lock = match db.backend() {
        super::Backend::Postgres => Some("SELECT id FROM licenses WHERE id = $1 FOR UPDATE"),
        super::Backend::Sqlite => None,
    };
    let insert = "INSERT INTO machines (id, org_id, license_id, fingerprint, name, hostname, platform, ip, cores, metadata, \
                  last_heartbeat_at, created_at, updated_at) \
                  SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, $11 \
                  WHERE (SELECT COUNT(*) FROM machines WHERE license_id = $3) < $12";
    let select = format!("SELECT {MACHINE_COLUMNS} FROM machines m WHERE m.id = $1");
    const TAKEN: &str = "SELECT COUNT(*) FROM machines WHERE license_id = $1 AND fingerprint = $2";
    let components = (!new.components.is_empty()).then(|| {
        let mut sql = Sql::new(
            "INSERT INTO machine_components (id, org_id, machine_id, fingerprint, name, metadata, created_at, updated_at) VALUES ",
        );
        for (i, component) in new.components.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.arg(uuid::Uuid::now_v7()).push(", ").arg(org).push(", ").arg(id).push(", ");
            sql.arg(component.fingerprint.as_str()).push(", ").arg(component.name.as_str()).push(", ");
            sql.arg(component.metadata.as_str()).push(", ").arg(now).push(", ").arg(now).push(")");
        }
        sql
    });
    with_pool!(db, Scope::tenant(org), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        if let Some(lock) = lock {
            sqlx::query(lock).bind(license.id).execute(&mut *tx).await?;
        }
        let added = sqlx::query(insert)
            .bind(id)
            .bind(org)
            .bind(license.id)
            .bind(&new.fingerprint)
            .bind(&new.name)
            .bind(&new.hostname)
            .bind(&new.platform)
            .bind(&new.ip)
            .bind(new.cores)
            .bind(&new.metadata)
            .bind(now)
            .bind(i64::from(max))
            .execute(&mut *tx)
            .await;
        match added {
            Err(err) if FINGERPRINT_KEY.violated_by(&err) => Err(ActivationError::FingerprintTaken),
            Err(err) => Err(err.into()),
            Ok(done) if done.rows_affected() == 0 => {
                let taken: i64 = sqlx::query_scalar(TAKEN).bind(license.id).bind(&new.fingerprint).fetch_one(&mut *tx).await?;
                if taken > 0 {
                    Err(ActivationError::FingerprintTaken)
                } else {
                    Err(ActivationError::LimitExceeded(max))
                }
            }
            Ok(_) => {
                if let Some(components) = &components {
                    bind_args!(sqlx::query(components.text()), components.args().iter().cloned()).execute(&mut *tx).await?;
                }
                let row = sqlx::query_as::<_, ApiMachine>(&select).bind(id).fetch_one(&mut *tx).await?;
                events::record(&mut *tx, &event).await?;
                tx.commit().await?;
                Ok(row)
            }
        }
    })
}

/// Where a machine was activated or deactivated from, for the audit log
/// ([`machine_event`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The `/v1` API, with the license's key: no person acts.
    Api,
    /// The self-serve page, by the key's holder: the owner's email stands
    /// for them.
    SelfServe,
}

/// The audited event of `action` (a machine activated or deactivated) on
/// `license`'s `machine` (its id and fingerprint), from `origin`: no
/// person acts (`via` the API), or the owner's email stands for them
/// (`via` the self-serve page).
pub fn machine_event(
    origin: &super::audit::Origin,
    license: &ApiLicense,
    action: crate::model::AuditAction,
    machine: (MachineId, &str),
    via: Via,
) -> NewEvent {
    let (id, fingerprint) = machine;
    let (via, actor_email) = match via {
        Via::Api => ("api", None),
        Via::SelfServe => ("self-serve", license.owner_email.clone()),
    };
    let details = serde_json::json!({ "license": license.id.to_string(), "fingerprint": fingerprint, "via": via });
    NewEvent::audited(license.org_id, action, ("machine", id.to_string()), None, actor_email, origin.clone(), details)
}

/// The audited event of `action` on `license` itself (a check-in) through
/// the API, from `origin`: no person acts.
pub fn license_event(
    origin: &super::audit::Origin,
    license: &ApiLicense,
    action: crate::model::AuditAction,
) -> NewEvent {
    let target = ("license", license.id.to_string());
    let details = serde_json::json!({ "via": "api" });
    NewEvent::audited(license.org_id, action, target, None, None, origin.clone(), details)
}

/// Checks the license in now (Keygen's `check-in` action: its
/// `lastCheckIn` becomes now, and its next check-in is due an interval
/// later). Returns the license as it is now; `None` if it is gone. The
/// caller checks that its policy requires check-ins. Concurrent check-ins
/// are one single-row update each, the last to write winning; none
/// waits on a lock beyond its own statement. A check-in records `event`
/// in the same transaction.
#[tracing::instrument(
    name = "license_api::check_in",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn check_in(db: &Db, license: &ApiLicense, event: &NewEvent) -> Result<Option<ApiLicense>, sqlx::Error> {
    let org = license.org_id;
    let update = "UPDATE licenses SET last_check_in_at = $3, updated_at = $3 WHERE org_id = $1 AND id = $2";
    let select = license_select("l.org_id = $1 AND l.id = $2");
    with_pool!(db, Scope::tenant(org), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let checked =
            sqlx::query(update).bind(org).bind(license.id).bind(Timestamp::now()).execute(&mut *tx).await?.rows_affected();
        if checked == 1 {
            events::record(&mut *tx, event).await?;
        }
        let license = sqlx::query_as::<_, ApiLicense>(&select).bind(org).bind(license.id).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(license)
    })
}

/// The components of the license's machine `machine`, oldest first
/// (none for another license's machine).
#[tracing::instrument(
    name = "license_api::components",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), machine = %machine)
)]
pub async fn components(db: &Db, license: &ApiLicense, machine: MachineId) -> Result<Vec<ApiComponent>, sqlx::Error> {
    let sql = "SELECT c.id, c.machine_id, c.fingerprint, c.name, c.metadata, c.created_at, c.updated_at \
               FROM machine_components c JOIN machines m ON m.id = c.machine_id \
               WHERE c.org_id = $1 AND m.license_id = $2 AND c.machine_id = $3 ORDER BY c.created_at, c.id";
    let org = license.org_id;
    with_pool!(db, Scope::tenant(org), conn => {
        sqlx::query_as::<_, ApiComponent>(sql).bind(org).bind(license.id).bind(machine).fetch_all(&mut *conn).await
    })
}

/// Records a heartbeat; returns the machine as it is now.
#[tracing::instrument(
    name = "license_api::ping",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), machine = %machine)
)]
pub async fn ping(db: &Db, license: &ApiLicense, machine: MachineId) -> Result<Option<ApiMachine>, sqlx::Error> {
    let update =
        "UPDATE machines SET last_heartbeat_at = $4, updated_at = $4 WHERE org_id = $1 AND license_id = $2 AND id = $3";
    let select = format!("SELECT {MACHINE_COLUMNS} FROM machines m WHERE m.org_id = $1 AND m.id = $2");
    let org = license.org_id;
    with_pool!(db, Scope::tenant(org), conn => {
        let done = sqlx::query(update).bind(org).bind(license.id).bind(machine).bind(Timestamp::now()).execute(&mut *conn).await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        sqlx::query_as::<_, ApiMachine>(&select).bind(org).bind(machine).fetch_optional(&mut *conn).await
    })
}

/// Deactivates every machine whose policy requires heartbeats and whose
/// last heartbeat (or activation, when none came) is older than the
/// policy's interval plus [`HEARTBEAT_GRACE_SECONDS`] at `now`, in every
/// organization (Keygen's `DEACTIVATE_DEAD` cull), each with its
/// `machine.deleted` event in the same transaction. Returns how many went.
#[tracing::instrument(
    name = "license_api::cull_dead_machines",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn cull_dead_machines(db: &Db, now: OffsetDateTime) -> Result<u64, sqlx::Error> {
    // The interval is per policy: the query takes every machine older than
    // the shortest interval (60 s), the filter below applies each policy's.
    let candidates = "SELECT m.id, COALESCE(m.last_heartbeat_at, m.created_at), p.heartbeat_seconds \
                      FROM machines m JOIN licenses l ON l.id = m.license_id JOIN policies p ON p.id = l.policy_id \
                      WHERE p.require_heartbeat AND COALESCE(m.last_heartbeat_at, m.created_at) < $1";
    let earliest = Timestamp::from(now - Duration::seconds(60 + HEARTBEAT_GRACE_SECONDS));
    let rows: Vec<(MachineId, Timestamp, i32)> = with_pool!(db, Scope::maintenance(), conn => sqlx::query_as(candidates).bind(earliest).fetch_all(&mut *conn).await?);
    let dead: Vec<MachineId> = rows
        .into_iter()
        .filter(|(_, seen, interval)| {
            seen.into_inner() + Duration::seconds(i64::from(*interval) + HEARTBEAT_GRACE_SECONDS) < now
        })
        .map(|(id, _, _)| id)
        .collect();
    let mut culled = 0;
    for chunk in dead.chunks(500) {
        let mut delete = Sql::new("DELETE FROM machines /* maintenance: every organization */ WHERE id IN (");
        delete.arg_list(chunk.iter().copied()).push(") RETURNING id, org_id, license_id, fingerprint");
        culled += with_pool!(db, Scope::maintenance(), conn => {
            let mut tx = super::begin_write(&mut *conn).await?;
            let gone: Vec<(MachineId, OrgId, LicenseId, String)> =
                bind_args!(sqlx::query_as(delete.text()), delete.args().iter().cloned()).fetch_all(&mut *tx).await?;
            // Keygen's name for a machine that went: machine.deleted, by
            // nobody (the heartbeat cull).
            let deleted: Vec<NewEvent> = gone
                .iter()
                .map(|(id, org, license, fingerprint)| {
                    let data = serde_json::json!({
                        "id": id, "license": license, "fingerprint": fingerprint, "reason": "heartbeat-dead",
                    });
                    NewEvent::change(*org, "machine.deleted", ("machine", id.to_string()), None, data)
                })
                .collect();
            events::record_all(&mut *tx, &deleted).await?;
            tx.commit().await?;
            gone.len() as u64
        });
    }
    Ok(culled)
}

/// Validations answered and not yet written: counted in memory and
/// written in one statement per license every few seconds (Keygen, too,
/// touches `last_validated_at` off the request path), so a validation
/// costs no write.
#[derive(Debug, Default)]
pub struct ValidationTally {
    pending: std::sync::Mutex<HashMap<LicenseId, (OrgId, u64, OffsetDateTime)>>,
}

impl ValidationTally {
    pub fn record(&self, org: OrgId, license: LicenseId, at: OffsetDateTime) {
        let mut pending = self.pending.lock().expect("tally lock");
        let entry = pending.entry(license).or_insert((org, 0, at));
        entry.1 += 1;
        entry.2 = entry.2.max(at);
    }

    /// Validations of `license` not yet written.
    pub fn pending(&self, license: LicenseId) -> u64 {
        self.pending.lock().expect("tally lock").get(&license).map_or(0, |e| e.1)
    }

    /// Writes what is pending; what fails to write is counted again.
    #[tracing::instrument(
        name = "license_api::flush",
        level = "debug",
        skip_all,
        fields(db.system.name = db.system_name())
    )]
    pub async fn flush(&self, db: &Db) -> Result<usize, sqlx::Error> {
        let batch: Vec<_> = std::mem::take(&mut *self.pending.lock().expect("tally lock")).into_iter().collect();
        let sql = "UPDATE licenses SET validations_count = validations_count + $3, \
                   last_validated_at = CASE WHEN last_validated_at IS NULL OR last_validated_at < $4 THEN $4 ELSE last_validated_at END \
                   WHERE org_id = $1 AND id = $2";
        let mut written = 0;
        let mut failed = None;
        for (license, (org, count, at)) in batch {
            let result: Result<(), sqlx::Error> = async {
                with_pool!(db, Scope::tenant(org), conn => {
                    sqlx::query(sql).bind(org).bind(license).bind(count as i64).bind(Timestamp::from(at)).execute(&mut *conn).await?;
                });
                Ok(())
            }
            .await;
            match result {
                Ok(()) => written += 1,
                Err(err) => {
                    let mut pending = self.pending.lock().expect("tally lock");
                    let entry = pending.entry(license).or_insert((org, 0, at));
                    entry.1 += count;
                    failed = Some(err);
                }
            }
        }
        match failed {
            Some(err) => Err(err),
            None => Ok(written),
        }
    }
}

// ---------------------------------------------------------------------------
// An organization's licensing, as Keygen's admin API reads it (a token
// acting for a member who may see licensing: `LicenseViewer`)

/// A policy with its times.
#[derive(Debug, sqlx::FromRow)]
pub struct PolicyRecord {
    #[sqlx(flatten)]
    pub policy: PolicyRow,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// An entitlement with its creation and last change.
pub type EntitlementRecord = (Entitlement, Timestamp, Timestamp);

/// A machine with the license it is activated on.
#[derive(Debug, sqlx::FromRow)]
pub struct OrgMachine {
    pub license_id: LicenseId,
    #[sqlx(flatten)]
    pub machine: ApiMachine,
}

/// Which of an organization's machines a list shows.
#[derive(Debug, Clone, Default)]
pub struct MachineFilter {
    pub license: Option<LicenseId>,
    pub fingerprint: Option<String>,
}

/// One page of a list: `limit` items after skipping `offset`, with the
/// number of items in the whole list.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub limit: u32,
    pub offset: u64,
}

impl Window {
    fn bind(self, sql: &mut Sql) -> (String, String) {
        (sql.bind(i64::from(self.limit)), sql.bind(i64::try_from(self.offset).unwrap_or(i64::MAX)))
    }
}

/// Runs `$count` (the whole list's size) and `$list` (the page, rows of
/// `$row`) on organization `$org`'s connection.
macro_rules! page_of {
    ($db:expr, $org:expr, $count:expr, $list:expr, $row:ty) => {{
        let (count, list): (&Sql, &Sql) = (&$count, &$list);
        with_pool!($db, Scope::tenant($org), conn => {
            let total: i64 = bind_args!(sqlx::query_scalar(count.text()), count.args().iter().cloned()).fetch_one(&mut *conn).await?;
            let rows = bind_args!(sqlx::query_as::<_, $row>(list.text()), list.args().iter().cloned()).fetch_all(&mut *conn).await?;
            Ok::<_, sqlx::Error>((rows, total))
        })
    }};
}

/// A page of the organization's licenses passing `filter`, newest first.
#[tracing::instrument(
    name = "license_api::licenses_of",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn licenses_of(
    db: &Db,
    viewer: &LicenseViewer,
    filter: &LicenseFilter,
    window: Window,
) -> Result<(Vec<ApiLicense>, i64), sqlx::Error> {
    let now = OffsetDateTime::now_utc();
    let mut count = Sql::new("SELECT COUNT(*) FROM licenses l");
    filter_licenses(&mut count, viewer.org_id(), filter, now);
    let mut list = Sql::new("");
    filter_licenses(&mut list, viewer.org_id(), filter, now);
    let condition = list.take_text();
    let condition = condition.trim_start().trim_start_matches("WHERE");
    let (limit, offset) = window.bind(&mut list);
    list.push(&format!(
        "{} ORDER BY l.created_at DESC, l.id DESC LIMIT {limit} OFFSET {offset}",
        license_select(condition)
    ));
    page_of!(db, viewer.org_id(), count, list, ApiLicense)
}

/// The organization's license with this id or, failing that, this key.
#[tracing::instrument(
    name = "license_api::license_of",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn license_of(db: &Db, viewer: &LicenseViewer, id_or_key: &str) -> Result<Option<ApiLicense>, sqlx::Error> {
    let org = viewer.org_id();
    let by_id = license_select("l.org_id = $1 AND l.id = $2");
    let by_key = license_select("l.org_id = $1 AND l.key = $2");
    with_pool!(db, Scope::tenant(org), conn => {
        if let Ok(id) = id_or_key.parse::<LicenseId>()
            && let Some(found) = sqlx::query_as::<_, ApiLicense>(&by_id).bind(org).bind(id).fetch_optional(&mut *conn).await?
        {
            return Ok(Some(found));
        }
        sqlx::query_as::<_, ApiLicense>(&by_key).bind(org).bind(id_or_key).fetch_optional(&mut *conn).await
    })
}

/// A page of the organization's machines passing `filter`, oldest first.
#[tracing::instrument(
    name = "license_api::machines_of",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn machines_of(
    db: &Db,
    viewer: &LicenseViewer,
    filter: &MachineFilter,
    window: Window,
) -> Result<(Vec<OrgMachine>, i64), sqlx::Error> {
    let mut conditions = Sql::new("");
    let org = conditions.bind(viewer.org_id());
    conditions.push(&format!(" WHERE m.org_id = {org}"));
    if let Some(license) = filter.license {
        let arg = conditions.bind(license);
        conditions.push(&format!(" AND m.license_id = {arg}"));
    }
    if let Some(fingerprint) = &filter.fingerprint {
        let arg = conditions.bind(fingerprint.clone());
        conditions.push(&format!(" AND m.fingerprint = {arg}"));
    }
    let condition = conditions.take_text();
    let mut count = conditions.clone();
    count.push(&format!("SELECT COUNT(*) FROM machines m{condition}"));
    let mut list = conditions;
    let (limit, offset) = window.bind(&mut list);
    list.push(&format!(
        "SELECT m.license_id, {MACHINE_COLUMNS} FROM machines m{condition} ORDER BY m.created_at, m.id LIMIT {limit} OFFSET {offset}"
    ));
    page_of!(db, viewer.org_id(), count, list, OrgMachine)
}

/// The organization's machine with this id.
#[tracing::instrument(
    name = "license_api::machine_of",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn machine_of(db: &Db, viewer: &LicenseViewer, id: MachineId) -> Result<Option<OrgMachine>, sqlx::Error> {
    machine_in(db, viewer.org_id(), id).await
}

/// `org`'s license with this id, for the webhook fan-out (a job acts for
/// the organization without a person's handle; what it reads goes only
/// to the organization's own endpoints).
#[tracing::instrument(
    name = "license_api::license_in",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org, id = %id)
)]
pub async fn license_in(db: &Db, org: OrgId, id: LicenseId) -> Result<Option<ApiLicense>, sqlx::Error> {
    let sql = license_select("l.org_id = $1 AND l.id = $2");
    with_pool!(db, Scope::tenant(org), conn => sqlx::query_as::<_, ApiLicense>(&sql).bind(org).bind(id).fetch_optional(&mut *conn).await)
}

/// `org`'s machine with this id (see [`license_in`]).
#[tracing::instrument(
    name = "license_api::machine_in",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org, id = %id)
)]
pub async fn machine_in(db: &Db, org: OrgId, id: MachineId) -> Result<Option<OrgMachine>, sqlx::Error> {
    let sql = format!("SELECT m.license_id, {MACHINE_COLUMNS} FROM machines m WHERE m.org_id = $1 AND m.id = $2");
    with_pool!(db, Scope::tenant(org), conn => sqlx::query_as::<_, OrgMachine>(&sql).bind(org).bind(id).fetch_optional(&mut *conn).await)
}

const POLICY_RECORD: &str = "p.created_at, p.updated_at FROM policies p";

/// A page of the organization's policies, oldest first.
#[tracing::instrument(
    name = "license_api::policies_of",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn policies_of(
    db: &Db,
    viewer: &LicenseViewer,
    window: Window,
) -> Result<(Vec<PolicyRecord>, i64), sqlx::Error> {
    let mut count = Sql::new("SELECT COUNT(*) FROM policies p WHERE p.org_id = ");
    count.arg(viewer.org_id());
    let mut list = Sql::new("");
    let org = list.bind(viewer.org_id());
    let (limit, offset) = window.bind(&mut list);
    list.push(&format!(
        "SELECT {POLICY_COLUMNS}, {POLICY_RECORD} WHERE p.org_id = {org} ORDER BY p.created_at, p.id LIMIT {limit} OFFSET {offset}"
    ));
    page_of!(db, viewer.org_id(), count, list, PolicyRecord)
}

/// The organization's policy with this id.
#[tracing::instrument(
    name = "license_api::policy_of",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn policy_of(db: &Db, viewer: &LicenseViewer, id: PolicyId) -> Result<Option<PolicyRecord>, sqlx::Error> {
    policy_in(db, viewer.org_id(), id).await
}

/// `org`'s policy with this id (see [`license_in`]).
#[tracing::instrument(
    name = "license_api::policy_in",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org, id = %id)
)]
pub async fn policy_in(db: &Db, org: OrgId, id: PolicyId) -> Result<Option<PolicyRecord>, sqlx::Error> {
    let sql = format!("SELECT {POLICY_COLUMNS}, {POLICY_RECORD} WHERE p.org_id = $1 AND p.id = $2");
    with_pool!(db, Scope::tenant(org), conn => sqlx::query_as::<_, PolicyRecord>(&sql).bind(org).bind(id).fetch_optional(&mut *conn).await)
}

#[derive(sqlx::FromRow)]
struct EntitlementRecordRow {
    id: EntitlementId,
    code: String,
    name: String,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<EntitlementRecordRow> for EntitlementRecord {
    fn from(r: EntitlementRecordRow) -> Self {
        (Entitlement { id: r.id, code: r.code, name: r.name }, r.created_at, r.updated_at)
    }
}

/// A page of the organization's entitlements (those `policy` grants,
/// when given), by code.
#[tracing::instrument(
    name = "license_api::entitlements_of",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), policy = policy.map(tracing::field::display))
)]
pub async fn entitlements_of(
    db: &Db,
    viewer: &LicenseViewer,
    policy: Option<PolicyId>,
    window: Window,
) -> Result<(Vec<EntitlementRecord>, i64), sqlx::Error> {
    let mut conditions = Sql::new("");
    let org = conditions.bind(viewer.org_id());
    conditions.push(&format!(" WHERE e.org_id = {org}"));
    if let Some(policy) = policy {
        let arg = conditions.bind(policy);
        conditions.push(&format!(
            " AND e.id IN (SELECT pe.entitlement_id FROM policy_entitlements pe WHERE pe.org_id = {org} AND pe.policy_id = {arg})"
        ));
    }
    let condition = conditions.take_text();
    let mut count = conditions.clone();
    count.push(&format!("SELECT COUNT(*) FROM entitlements e{condition}"));
    let mut list = conditions;
    let (limit, offset) = window.bind(&mut list);
    list.push(&format!(
        "SELECT e.id, e.code, e.name, e.created_at, e.updated_at FROM entitlements e{condition} ORDER BY e.code, e.id \
         LIMIT {limit} OFFSET {offset}"
    ));
    let (rows, total) = page_of!(db, viewer.org_id(), count, list, EntitlementRecordRow)?;
    Ok((rows.into_iter().map(EntitlementRecord::from).collect(), total))
}

/// The organization's entitlement with this id.
#[tracing::instrument(
    name = "license_api::entitlement_of",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn entitlement_of(
    db: &Db,
    viewer: &LicenseViewer,
    id: EntitlementId,
) -> Result<Option<EntitlementRecord>, sqlx::Error> {
    entitlement_in(db, viewer.org_id(), id).await
}

/// `org`'s entitlement with this id (see [`license_in`]).
#[tracing::instrument(
    name = "license_api::entitlement_in",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org, id = %id)
)]
pub async fn entitlement_in(db: &Db, org: OrgId, id: EntitlementId) -> Result<Option<EntitlementRecord>, sqlx::Error> {
    let sql =
        "SELECT e.id, e.code, e.name, e.created_at, e.updated_at FROM entitlements e WHERE e.org_id = $1 AND e.id = $2";
    let row = with_pool!(db, Scope::tenant(org), conn => sqlx::query_as::<_, EntitlementRecordRow>(sql).bind(org).bind(id).fetch_optional(&mut *conn).await?);
    Ok(row.map(EntitlementRecord::from))
}
