//! Licensing as the dashboard manages it: entitlements, policies, licenses
//! and their machines, and the organization's signing key. The public
//! API's lookups are in [`super::license_api`].

use time::{Duration, OffsetDateTime};

use crate::{
    error::AppError,
    model::{
        Entitlement, EntitlementCode, EntitlementId, EntitlementName, ExpirationStrategy, HeartbeatStatus,
        LicenseDetail, LicenseId, LicenseItem, LicenseStatus, Machine, MachineId, OrgId, Page, Policy, PolicyFields,
        PolicyId, PolicyName,
        license::{CheckIn, EXPIRING_WITHIN_DAYS, INACTIVE_AFTER_DAYS, LicenseCheckIn, MachineComponent},
    },
    server::{
        handles::{Admin, LicenseViewer},
        licensing::keys::{self, KeyEncryptionKey},
    },
};

use super::{
    Db, Timestamp, UniqueKey,
    events::{self, NewEvent},
    orgs,
    scope::Scope,
    sql::{Sql, bind_args, contains_pattern},
    with_pool,
};

pub const ENTITLEMENT_CODE_KEY: UniqueKey =
    UniqueKey { postgres: "entitlements_org_code_key", sqlite: "entitlements.org_id, entitlements.code" };
pub const LICENSE_KEY_KEY: UniqueKey = UniqueKey { postgres: "licenses_key_key", sqlite: "licenses.key" };

/// A licensing write failed.
#[derive(Debug, thiserror::Error)]
pub enum LicensingError {
    #[error("no such record")]
    NotFound,
    #[error("an entitlement with this code already exists")]
    CodeTaken,
    #[error("this key is already in use")]
    KeyTaken,
    #[error("the policy still has licenses")]
    PolicyInUse,
    #[error("license limit reached")]
    LimitReached(Option<i64>),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<LicensingError> for AppError {
    fn from(err: LicensingError) -> Self {
        match err {
            LicensingError::NotFound => AppError::NotFound,
            LicensingError::CodeTaken => AppError::field("code", "An entitlement with this code already exists."),
            LicensingError::KeyTaken => {
                AppError::field("key", "This key is already in use. Leave it empty to generate one.")
            }
            LicensingError::PolicyInUse => {
                AppError::Conflict("This policy still has licenses: delete them or leave the policy as it is.".into())
            }
            LicensingError::LimitReached(limit) => orgs::LICENSES.reached(limit),
            LicensingError::Db(err) => err.into(),
        }
    }
}

// ---------------------------------------------------------------------------
// Signing keys

/// The organization's public key (hex), making its key pair first when it
/// has none (organizations from before licensing).
#[tracing::instrument(
    name = "licensing::public_key",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org)
)]
pub async fn public_key(db: &Db, kek: &KeyEncryptionKey, org: OrgId) -> Result<String, sqlx::Error> {
    ensure_signing_key(db, kek, org).await?;
    let sql = "SELECT public_key FROM organization_signing_keys WHERE org_id = $1";
    with_pool!(db, Scope::tenant(org), conn => sqlx::query_scalar(sql).bind(org).fetch_one(&mut *conn).await)
}

/// The organization's sealed secret key.
#[tracing::instrument(
    name = "licensing::sealed_signing_key",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org)
)]
pub async fn sealed_signing_key(db: &Db, org: OrgId) -> Result<String, sqlx::Error> {
    let sql = "SELECT sealed_secret_key FROM organization_signing_keys WHERE org_id = $1";
    with_pool!(db, Scope::tenant(org), conn => sqlx::query_scalar(sql).bind(org).fetch_one(&mut *conn).await)
}

/// Gives `org` its key pair unless it has one. Called when an
/// organization is created, and before any use.
#[tracing::instrument(
    name = "licensing::ensure_signing_key",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org)
)]
pub async fn ensure_signing_key(db: &Db, kek: &KeyEncryptionKey, org: OrgId) -> Result<(), sqlx::Error> {
    let exists = "SELECT COUNT(*) FROM organization_signing_keys WHERE org_id = $1";
    let count: i64 =
        with_pool!(db, Scope::tenant(org), conn => sqlx::query_scalar(exists).bind(org).fetch_one(&mut *conn).await?);
    if count > 0 {
        return Ok(());
    }
    let pair = keys::generate(kek, org);
    let sql = "INSERT INTO organization_signing_keys (org_id, public_key, sealed_secret_key, created_at) \
               VALUES ($1, $2, $3, $4) ON CONFLICT (org_id) DO NOTHING";
    with_pool!(db, Scope::tenant(org), conn => {
        sqlx::query(sql)
            .bind(org)
            .bind(&pair.public_key_hex)
            .bind(&pair.sealed_secret)
            .bind(Timestamp::now())
            .execute(&mut *conn)
            .await
            .map(|_| ())
    })
}

// ---------------------------------------------------------------------------
// Entitlements

#[derive(sqlx::FromRow)]
struct EntitlementRow {
    id: EntitlementId,
    code: String,
    name: String,
}

impl From<EntitlementRow> for Entitlement {
    fn from(r: EntitlementRow) -> Self {
        Entitlement { id: r.id, code: r.code, name: r.name }
    }
}

/// The organization's entitlements, by code.
#[tracing::instrument(
    name = "licensing::entitlements",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn entitlements(db: &Db, ctx: &LicenseViewer) -> Result<Vec<Entitlement>, sqlx::Error> {
    let sql = "SELECT id, code, name FROM entitlements WHERE org_id = $1 ORDER BY code";
    let rows = with_pool!(db, Scope::tenant(ctx.org_id()), conn => sqlx::query_as::<_, EntitlementRow>(sql).bind(ctx.org_id()).fetch_all(&mut *conn).await?);
    Ok(rows.into_iter().map(Entitlement::from).collect())
}

/// Creates an entitlement, and records the event `event` makes of its id
/// in the same transaction.
#[tracing::instrument(
    name = "licensing::create_entitlement",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn create_entitlement(
    db: &Db,
    ctx: &Admin,
    code: &EntitlementCode,
    name: &EntitlementName,
    event: impl FnOnce(EntitlementId) -> NewEvent,
) -> Result<Entitlement, LicensingError> {
    let id = EntitlementId::new();
    let event = event(id);
    let sql =
        "INSERT INTO entitlements (id, org_id, code, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => async {
        let mut tx = super::begin_write(&mut *conn).await?;
        sqlx::query(sql)
            .bind(id)
            .bind(ctx.org_id())
            .bind(code.as_str())
            .bind(name.as_str())
            .bind(Timestamp::now())
            .execute(&mut *tx)
            .await?;
        events::record(&mut *tx, &event).await?;
        tx.commit().await
    }.await)
    .map_err(|err| if ENTITLEMENT_CODE_KEY.violated_by(&err) { LicensingError::CodeTaken } else { err.into() })?;
    Ok(Entitlement { id, code: code.as_str().to_owned(), name: name.as_str().to_owned() })
}

/// Deletes an entitlement; policies stop granting it. Records the event
/// `event` makes of it in the same transaction.
#[tracing::instrument(
    name = "licensing::delete_entitlement",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn delete_entitlement(
    db: &Db,
    ctx: &Admin,
    id: EntitlementId,
    event: impl FnOnce(&Entitlement) -> NewEvent,
) -> Result<Entitlement, LicensingError> {
    let find = "SELECT id, code, name FROM entitlements WHERE org_id = $1 AND id = $2";
    let delete = "DELETE FROM entitlements WHERE org_id = $1 AND id = $2";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let row = sqlx::query_as::<_, EntitlementRow>(find).bind(ctx.org_id()).bind(id).fetch_optional(&mut *tx).await?;
        let deleted: Entitlement = row.ok_or(LicensingError::NotFound)?.into();
        sqlx::query(delete).bind(ctx.org_id()).bind(id).execute(&mut *tx).await?;
        events::record(&mut *tx, &event(&deleted)).await?;
        tx.commit().await?;
        Ok(deleted)
    })
}

/// Changes an entitlement's code and name (codes stay unique), and
/// records `event` in the same transaction.
#[tracing::instrument(
    name = "licensing::update_entitlement",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn update_entitlement(
    db: &Db,
    ctx: &Admin,
    id: EntitlementId,
    (code, name): (&EntitlementCode, &EntitlementName),
    event: &NewEvent,
) -> Result<Entitlement, LicensingError> {
    let sql = "UPDATE entitlements SET code = $3, name = $4, updated_at = $5 WHERE org_id = $1 AND id = $2";
    let done = with_pool!(db, Scope::tenant(ctx.org_id()), conn => async {
        let mut tx = super::begin_write(&mut *conn).await?;
        let done = sqlx::query(sql)
            .bind(ctx.org_id())
            .bind(id)
            .bind(code.as_str())
            .bind(name.as_str())
            .bind(Timestamp::now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if done == 1 {
            events::record(&mut *tx, event).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(done)
    }.await)
    .map_err(|err| if ENTITLEMENT_CODE_KEY.violated_by(&err) { LicensingError::CodeTaken } else { err.into() })?;
    if done == 0 {
        return Err(LicensingError::NotFound);
    }
    Ok(Entitlement { id, code: code.as_str().to_owned(), name: name.as_str().to_owned() })
}

// ---------------------------------------------------------------------------
// Policies

#[derive(Debug, sqlx::FromRow)]
pub struct PolicyRow {
    pub id: PolicyId,
    pub name: String,
    pub product: Option<String>,
    pub max_machines: Option<i32>,
    pub duration_seconds: Option<i64>,
    pub floating: bool,
    pub strict: bool,
    pub require_heartbeat: bool,
    pub heartbeat_seconds: i32,
    pub expiration_strategy: String,
    pub require_check_in: bool,
    /// `day`, `week`, `month`, `year`, with the count; both or neither.
    pub check_in_interval: Option<String>,
    pub check_in_interval_count: Option<i32>,
    pub component_matching_strategy: String,
}

pub(super) const POLICY_COLUMNS: &str = "p.id, p.name, p.product, p.max_machines, p.duration_seconds, p.floating, \
     p.strict, p.require_heartbeat, p.heartbeat_seconds, p.expiration_strategy, \
     p.require_check_in, p.check_in_interval, p.check_in_interval_count, p.component_matching_strategy";

impl PolicyRow {
    pub fn fields(&self) -> PolicyFields {
        PolicyFields {
            product: self.product.clone(),
            max_machines: self.max_machines.and_then(|n| u32::try_from(n).ok()),
            duration_seconds: self.duration_seconds,
            floating: self.floating,
            strict: self.strict,
            require_heartbeat: self.require_heartbeat,
            heartbeat_seconds: u32::try_from(self.heartbeat_seconds)
                .unwrap_or(crate::model::license::DEFAULT_HEARTBEAT_SECONDS),
            expiration_strategy: self.expiration_strategy.parse().unwrap_or(ExpirationStrategy::RestrictAccess),
            require_check_in: self.require_check_in,
            check_in: self.check_in(),
            component_matching_strategy: self.component_matching_strategy.parse().unwrap_or_default(),
        }
    }

    fn check_in(&self) -> Option<CheckIn> {
        stored_check_in(self.check_in_interval.as_deref(), self.check_in_interval_count)
    }
}

/// A check-in interval from its two columns, if both are there and valid.
fn stored_check_in(interval: Option<&str>, count: Option<i32>) -> Option<CheckIn> {
    Some(CheckIn { interval: interval?.parse().ok()?, count: u16::try_from(count?).ok()? })
}

/// A policy's check-in interval as its two columns.
fn check_in_columns(fields: &PolicyFields) -> (Option<&'static str>, Option<i32>) {
    (fields.check_in.map(|c| c.interval.as_str()), fields.check_in.map(|c| i32::from(c.count)))
}

#[derive(sqlx::FromRow)]
struct PolicyEntitlementRow {
    policy_id: PolicyId,
    id: EntitlementId,
    code: String,
    name: String,
}

/// The organization's policies, by name, with what they grant and how
/// many licenses each has.
#[tracing::instrument(
    name = "licensing::policies",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn policies(db: &Db, ctx: &LicenseViewer) -> Result<Vec<Policy>, sqlx::Error> {
    let org = ctx.org_id();
    let sql = format!("SELECT {POLICY_COLUMNS} FROM policies p WHERE p.org_id = $1 ORDER BY p.name, p.id");
    let grants = "SELECT pe.policy_id, e.id, e.code, e.name FROM policy_entitlements pe \
                  JOIN entitlements e ON e.id = pe.entitlement_id WHERE pe.org_id = $1 ORDER BY e.code";
    let counts = "SELECT policy_id, COUNT(*) FROM licenses WHERE org_id = $1 GROUP BY policy_id";
    let (rows, grants, counts) = with_pool!(db, Scope::tenant(org), conn => {
        let rows = sqlx::query_as::<_, PolicyRow>(&sql).bind(org).fetch_all(&mut *conn).await?;
        let grants = sqlx::query_as::<_, PolicyEntitlementRow>(grants).bind(org).fetch_all(&mut *conn).await?;
        let counts: Vec<(PolicyId, i64)> = sqlx::query_as(counts).bind(org).fetch_all(&mut *conn).await?;
        (rows, grants, counts)
    });
    Ok(rows
        .into_iter()
        .map(|row| Policy {
            id: row.id,
            name: row.name.clone(),
            fields: row.fields(),
            entitlements: grants
                .iter()
                .filter(|g| g.policy_id == row.id)
                .map(|g| Entitlement { id: g.id, code: g.code.clone(), name: g.name.clone() })
                .collect(),
            licenses: counts.iter().find(|(id, _)| *id == row.id).map_or(0, |(_, n)| *n as u64),
        })
        .collect())
}

/// Creates a policy granting `entitlements` (ids of other organizations
/// are ignored), and records the event `event` makes of its id in the
/// same transaction.
#[tracing::instrument(
    name = "licensing::create_policy",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn create_policy(
    db: &Db,
    ctx: &Admin,
    (name, fields): (&PolicyName, &PolicyFields),
    entitlements: &[EntitlementId],
    event: impl FnOnce(PolicyId) -> NewEvent,
) -> Result<PolicyId, LicensingError> {
    let id = PolicyId::new();
    let event = event(id);
    let now = Timestamp::now();
    let insert = "INSERT INTO policies (id, org_id, name, product, max_machines, duration_seconds, floating, strict, \
                  require_heartbeat, heartbeat_seconds, expiration_strategy, created_at, updated_at, \
                  require_check_in, check_in_interval, check_in_interval_count, component_matching_strategy) \
                  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15, $16)";
    let (interval, count) = check_in_columns(fields);
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        sqlx::query(insert)
            .bind(id)
            .bind(ctx.org_id())
            .bind(name.as_str())
            .bind(&fields.product)
            .bind(fields.max_machines.map(|n| n as i32))
            .bind(fields.duration_seconds)
            .bind(fields.floating)
            .bind(fields.strict)
            .bind(fields.require_heartbeat)
            .bind(fields.heartbeat_seconds as i32)
            .bind(fields.expiration_strategy.as_str())
            .bind(now)
            .bind(fields.require_check_in)
            .bind(interval)
            .bind(count)
            .bind(fields.component_matching_strategy.as_str())
            .execute(&mut *tx)
            .await?;
        for entitlement in entitlements {
            sqlx::query(GRANT).bind(ctx.org_id()).bind(id).bind(*entitlement).execute(&mut *tx).await?;
        }
        events::record(&mut *tx, &event).await?;
        tx.commit().await?;
    });
    Ok(id)
}

const GRANT: &str = "INSERT INTO policy_entitlements (org_id, policy_id, entitlement_id) \
                     SELECT $1, $2, id FROM entitlements WHERE org_id = $1 AND id = $3";

/// Changes a policy. Its licenses keep their expiry (renewing uses the
/// new duration). Turning check-ins on starts the count of its licenses
/// that never checked in at this moment. Records `event` in the same
/// transaction.
#[tracing::instrument(
    name = "licensing::update_policy",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn update_policy(
    db: &Db,
    ctx: &Admin,
    id: PolicyId,
    (name, fields): (&PolicyName, &PolicyFields),
    entitlements: &[EntitlementId],
    event: &NewEvent,
) -> Result<(), LicensingError> {
    let update = "UPDATE policies SET name = $3, product = $4, max_machines = $5, duration_seconds = $6, floating = $7, \
                  strict = $8, require_heartbeat = $9, heartbeat_seconds = $10, expiration_strategy = $11, updated_at = $12, \
                  require_check_in = $13, check_in_interval = $14, check_in_interval_count = $15, \
                  component_matching_strategy = $16 \
                  WHERE org_id = $1 AND id = $2";
    let (interval, count) = check_in_columns(fields);
    let clear = "DELETE FROM policy_entitlements WHERE org_id = $1 AND policy_id = $2";
    let required = "SELECT require_check_in FROM policies WHERE org_id = $1 AND id = $2";
    let start_counting = "UPDATE licenses SET last_check_in_at = $3 \
                          WHERE org_id = $1 AND policy_id = $2 AND last_check_in_at IS NULL";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let was_required: Option<bool> =
            sqlx::query_scalar(required).bind(ctx.org_id()).bind(id).fetch_optional(&mut *tx).await?;
        let done = sqlx::query(update)
            .bind(ctx.org_id())
            .bind(id)
            .bind(name.as_str())
            .bind(&fields.product)
            .bind(fields.max_machines.map(|n| n as i32))
            .bind(fields.duration_seconds)
            .bind(fields.floating)
            .bind(fields.strict)
            .bind(fields.require_heartbeat)
            .bind(fields.heartbeat_seconds as i32)
            .bind(fields.expiration_strategy.as_str())
            .bind(Timestamp::now())
            .bind(fields.require_check_in)
            .bind(interval)
            .bind(count)
            .bind(fields.component_matching_strategy.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(LicensingError::NotFound);
        }
        // Check-ins turned on: the policy's licenses that never checked
        // in start counting now, so none is overdue the moment the rule
        // appears (Keygen, likewise, counts only from a check-in).
        if fields.require_check_in && was_required == Some(false) {
            sqlx::query(start_counting).bind(ctx.org_id()).bind(id).bind(Timestamp::now()).execute(&mut *tx).await?;
        }
        sqlx::query(clear).bind(ctx.org_id()).bind(id).execute(&mut *tx).await?;
        for entitlement in entitlements {
            sqlx::query(GRANT).bind(ctx.org_id()).bind(id).bind(*entitlement).execute(&mut *tx).await?;
        }
        events::record(&mut *tx, event).await?;
        tx.commit().await?;
    });
    Ok(())
}

/// Grants (`grant`) or withdraws the entitlements `ids` on a policy, in
/// one transaction. Granting one already granted, or withdrawing one not
/// granted, changes nothing.
///
/// Errors: `NotFound` when the policy, or one of the entitlements, is not
/// the organization's (then nothing changes, `event` not recorded
/// either; otherwise it is, in the same transaction).
#[tracing::instrument(
    name = "licensing::set_grants",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), policy = %policy)
)]
pub async fn set_grants(
    db: &Db,
    ctx: &Admin,
    policy: PolicyId,
    (ids, grant): (&[EntitlementId], bool),
    event: &NewEvent,
) -> Result<(), LicensingError> {
    let org = ctx.org_id();
    let policy_exists = "SELECT COUNT(*) FROM policies WHERE org_id = $1 AND id = $2";
    let entitlement_exists = "SELECT COUNT(*) FROM entitlements WHERE org_id = $1 AND id = $2";
    let add = "INSERT INTO policy_entitlements (org_id, policy_id, entitlement_id) VALUES ($1, $2, $3) \
               ON CONFLICT (policy_id, entitlement_id) DO NOTHING";
    let remove = "DELETE FROM policy_entitlements WHERE org_id = $1 AND policy_id = $2 AND entitlement_id = $3";
    with_pool!(db, Scope::tenant(org), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let found: i64 = sqlx::query_scalar(policy_exists).bind(org).bind(policy).fetch_one(&mut *tx).await?;
        if found == 0 {
            return Err(LicensingError::NotFound);
        }
        for id in ids {
            let found: i64 = sqlx::query_scalar(entitlement_exists).bind(org).bind(*id).fetch_one(&mut *tx).await?;
            if found == 0 {
                return Err(LicensingError::NotFound);
            }
            sqlx::query(if grant { add } else { remove }).bind(org).bind(policy).bind(*id).execute(&mut *tx).await?;
        }
        sqlx::query("UPDATE policies SET updated_at = $3 WHERE org_id = $1 AND id = $2")
            .bind(org)
            .bind(policy)
            .bind(Timestamp::now())
            .execute(&mut *tx)
            .await?;
        events::record(&mut *tx, event).await?;
        tx.commit().await?;
        Ok(())
    })
}

/// Deletes a policy that has no licenses, and records the event `event`
/// makes of its name in the same transaction.
#[tracing::instrument(
    name = "licensing::delete_policy",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn delete_policy(
    db: &Db,
    ctx: &Admin,
    id: PolicyId,
    event: impl FnOnce(&str) -> NewEvent,
) -> Result<String, LicensingError> {
    let find = "SELECT name FROM policies WHERE org_id = $1 AND id = $2";
    let used = "SELECT COUNT(*) FROM licenses WHERE org_id = $1 AND policy_id = $2";
    let delete = "DELETE FROM policies WHERE org_id = $1 AND id = $2";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let name: Option<String> = sqlx::query_scalar(find).bind(ctx.org_id()).bind(id).fetch_optional(&mut *tx).await?;
        let name = name.ok_or(LicensingError::NotFound)?;
        let licenses: i64 = sqlx::query_scalar(used).bind(ctx.org_id()).bind(id).fetch_one(&mut *tx).await?;
        if licenses > 0 {
            return Err(LicensingError::PolicyInUse);
        }
        sqlx::query(delete).bind(ctx.org_id()).bind(id).execute(&mut *tx).await?;
        events::record(&mut *tx, &event(&name)).await?;
        tx.commit().await?;
        Ok(name)
    })
}

// ---------------------------------------------------------------------------
// Licenses

/// What the dashboard's license list shows and filters on.
#[derive(Debug, Clone, Default)]
pub struct LicenseFilter {
    /// Part of the key, name or owner email.
    pub search: Option<String>,
    pub status: Option<LicenseStatus>,
    pub policy: Option<PolicyId>,
    /// Only these licenses (none: all).
    pub ids: Vec<LicenseId>,
}

#[derive(sqlx::FromRow)]
struct LicenseRow {
    id: LicenseId,
    key: String,
    name: Option<String>,
    owner_email: Option<String>,
    policy_id: PolicyId,
    policy_name: String,
    expiry: Option<Timestamp>,
    suspended: bool,
    banned: bool,
    last_validated_at: Option<Timestamp>,
    created_at: Timestamp,
    machines: i64,
}

const LICENSE_COLUMNS: &str = "l.id, l.key, l.name, l.owner_email, l.policy_id, p.name AS policy_name, l.expiry, \
     l.suspended, l.banned, l.last_validated_at, l.created_at, \
     (SELECT COUNT(*) FROM machines m WHERE m.license_id = l.id) AS machines";

impl LicenseRow {
    fn item(self, now: OffsetDateTime) -> LicenseItem {
        let created = self.created_at.into_inner();
        let last_active = self.last_validated_at.map_or(created, |t| t.into_inner().max(created));
        let expiry = self.expiry.map(Timestamp::into_inner);
        LicenseItem {
            id: self.id,
            key: self.key,
            name: self.name,
            owner_email: self.owner_email,
            policy_id: self.policy_id,
            policy_name: self.policy_name,
            status: LicenseStatus::of(self.banned, self.suspended, expiry, last_active, now),
            expiry,
            machines: self.machines as u64,
            created_at: created,
        }
    }
}

/// The condition selecting licenses of `status` at `now` (the same rules
/// as [`LicenseStatus::of`]).
fn status_condition(sql: &mut Sql, status: LicenseStatus, now: OffsetDateTime) {
    let now_arg = sql.bind(Timestamp::from(now));
    let soon = sql.bind(Timestamp::from(now + Duration::days(EXPIRING_WITHIN_DAYS)));
    let idle = sql.bind(Timestamp::from(now - Duration::days(INACTIVE_AFTER_DAYS)));
    let fine = "NOT l.banned AND NOT l.suspended";
    let inactive = format!("l.created_at < {idle} AND (l.last_validated_at IS NULL OR l.last_validated_at < {idle})");
    let not_expiring = format!("(l.expiry IS NULL OR l.expiry >= {soon})");
    let condition = match status {
        LicenseStatus::Banned => "l.banned".to_owned(),
        LicenseStatus::Suspended => "NOT l.banned AND l.suspended".to_owned(),
        LicenseStatus::Expired => format!("{fine} AND l.expiry < {now_arg}"),
        LicenseStatus::Expiring => format!("{fine} AND l.expiry >= {now_arg} AND l.expiry < {soon}"),
        LicenseStatus::Inactive => format!("{fine} AND {not_expiring} AND {inactive}"),
        LicenseStatus::Active => format!("{fine} AND {not_expiring} AND NOT ({inactive})"),
    };
    sql.push(" AND ").push(&condition);
}

/// Pushes ` WHERE <condition>` selecting organization `org`'s licenses `l`
/// that pass `filter` at `now`, binding its arguments: the dashboard's
/// list and the license API's share it.
pub(super) fn filter_licenses(conditions: &mut Sql, org: OrgId, filter: &LicenseFilter, now: OffsetDateTime) {
    let org = conditions.bind(org);
    conditions.push(&format!(" WHERE l.org_id = {org}"));
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = conditions.bind(contains_pattern(&search.to_lowercase()));
        conditions.push(&format!(
            " AND (LOWER(l.key) LIKE {pattern} ESCAPE '\\' OR LOWER(COALESCE(l.name, '')) LIKE {pattern} ESCAPE '\\' \
             OR LOWER(COALESCE(l.owner_email, '')) LIKE {pattern} ESCAPE '\\')"
        ));
    }
    if let Some(policy) = filter.policy {
        let p = conditions.bind(policy);
        conditions.push(&format!(" AND l.policy_id = {p}"));
    }
    if let Some(status) = filter.status {
        status_condition(conditions, status, now);
    }
    if !filter.ids.is_empty() {
        conditions.push(" AND l.id IN (").arg_list(filter.ids.iter().copied()).push(")");
    }
}

/// A page of the organization's licenses, newest first.
#[tracing::instrument(
    name = "licensing::licenses",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn licenses(
    db: &Db,
    ctx: &LicenseViewer,
    filter: &LicenseFilter,
    limit: u32,
    offset: u32,
) -> Result<Page<LicenseItem>, sqlx::Error> {
    let now = OffsetDateTime::now_utc();
    let mut conditions = Sql::new("");
    filter_licenses(&mut conditions, ctx.org_id(), filter, now);
    let count = format!("SELECT COUNT(*) FROM licenses l{}", conditions.text());
    let mut page = conditions.clone();
    let lim = page.bind(i64::from(limit) + 1);
    let off = page.bind(i64::from(offset));
    let list = format!(
        "SELECT {LICENSE_COLUMNS} FROM licenses l JOIN policies p ON p.id = l.policy_id{} \
         ORDER BY l.created_at DESC, l.id DESC LIMIT {lim} OFFSET {off}",
        page.text()
    );
    let (total, mut rows) = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let total: i64 = bind_args!(sqlx::query_scalar(&count), conditions.args().iter().cloned()).fetch_one(&mut *conn).await?;
        let rows = bind_args!(sqlx::query_as::<_, LicenseRow>(&list), page.args().iter().cloned()).fetch_all(&mut *conn).await?;
        (total, rows)
    });
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    Ok(Page {
        items: rows.into_iter().map(|r| r.item(now)).collect(),
        total,
        total_capped: false,
        limit,
        offset,
        has_more,
        next: None,
        previous: None,
    })
}

/// A new license, checked.
pub struct NewLicense<'a> {
    pub policy: PolicyId,
    pub key: &'a str,
    pub name: Option<&'a str>,
    pub owner_email: Option<&'a str>,
    pub metadata: &'a serde_json::Map<String, serde_json::Value>,
    /// When it expires; `None`: after the policy's duration (or never).
    pub expiry: Option<OffsetDateTime>,
}

/// Issues a license under one of the organization's policies, expiring
/// when given or else after the policy's duration; counted against the
/// plan's license limit. Records the event `event` makes of its id in the
/// same transaction.
#[tracing::instrument(
    name = "licensing::create_license",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn create_license(
    db: &Db,
    ctx: &Admin,
    new: NewLicense<'_>,
    event: impl FnOnce(LicenseId) -> NewEvent,
) -> Result<LicenseId, LicensingError> {
    let org = ctx.org_id();
    let duration = "SELECT duration_seconds FROM policies WHERE org_id = $1 AND id = $2";
    let duration: Option<Option<i64>> = with_pool!(db, Scope::tenant(org), conn => sqlx::query_scalar(duration).bind(org).bind(new.policy).fetch_optional(&mut *conn).await?);
    let duration = duration.ok_or(LicensingError::NotFound)?;
    let id = LicenseId::new();
    let event = event(id);
    let now = OffsetDateTime::now_utc();
    let expiry = new.expiry.or_else(|| duration.map(|secs| now + Duration::seconds(secs))).map(Timestamp::from);
    let sql = format!(
        "INSERT INTO licenses (id, org_id, policy_id, key, name, owner_email, expiry, metadata, suspended, banned, \
         validations_count, created_at, updated_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, FALSE, FALSE, 0, $9, $9 WHERE {}",
        orgs::LICENSES.has_room("$2")
    );
    let metadata = serde_json::Value::Object(new.metadata.clone()).to_string();
    let added = orgs::within_quota!(db, org, orgs::LICENSES, tx => {
        let inserted = sqlx::query(&sql)
            .bind(id)
            .bind(org)
            .bind(new.policy)
            .bind(new.key)
            .bind(new.name)
            .bind(new.owner_email)
            .bind(expiry)
            .bind(&metadata)
            .bind(Timestamp::from(now))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if inserted == 1 {
            events::record(&mut *tx, &event).await?;
            Some(())
        } else {
            None
        }
    });
    added
        .map_err(|err| if LICENSE_KEY_KEY.violated_by(&err) { LicensingError::KeyTaken } else { err.into() })?
        .map_err(LicensingError::LimitReached)?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct DetailRow {
    #[sqlx(flatten)]
    license: LicenseRow,
    metadata: String,
    max_machines: Option<i32>,
    require_heartbeat: bool,
    heartbeat_seconds: i32,
    validations_count: i64,
    require_check_in: bool,
    check_in_interval: Option<String>,
    check_in_interval_count: Option<i32>,
    last_check_in_at: Option<Timestamp>,
}

#[derive(Debug, sqlx::FromRow)]
pub struct MachineRow {
    pub id: MachineId,
    pub fingerprint: String,
    pub name: Option<String>,
    pub hostname: Option<String>,
    pub platform: Option<String>,
    pub ip: Option<String>,
    pub cores: Option<i32>,
    pub metadata: String,
    pub last_heartbeat_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Fingerprints of its components that a validation scope named,
    /// loaded by the validation lookups only (`license_api::
    /// find_for_validation`, `license_api::scoped_machines`); empty
    /// elsewhere.
    #[sqlx(skip)]
    pub components: Vec<String>,
}

pub(super) const MACHINE_COLUMNS: &str = "m.id, m.fingerprint, m.name, m.hostname, m.platform, m.ip, m.cores, m.metadata, \
     m.last_heartbeat_at, m.created_at, m.updated_at";

/// A license's machines (`$1` the organization, `$2` the license), oldest
/// first: the dashboard's license page and the API's machine list.
pub(super) fn license_machines_sql() -> String {
    format!(
        "SELECT {MACHINE_COLUMNS} FROM machines m WHERE m.org_id = $1 AND m.license_id = $2 ORDER BY m.created_at, m.id"
    )
}

impl MachineRow {
    pub fn heartbeat(&self, require: bool, interval: u32, now: OffsetDateTime) -> HeartbeatStatus {
        HeartbeatStatus::of(
            require,
            interval,
            self.created_at.into_inner(),
            self.last_heartbeat_at.map(Timestamp::into_inner),
            now,
        )
    }

    fn view(&self, require: bool, interval: u32, now: OffsetDateTime) -> Machine {
        let created = self.created_at.into_inner();
        Machine {
            id: self.id,
            fingerprint: self.fingerprint.clone(),
            name: self.name.clone(),
            hostname: self.hostname.clone(),
            platform: self.platform.clone(),
            cores: self.cores,
            heartbeat: self.heartbeat(require, interval, now),
            created_at: created,
            last_seen: self.last_heartbeat_at.map_or(created, Timestamp::into_inner),
            components: Vec::new(),
        }
    }
}

/// A license named through the right to read it: a member who may see
/// the organization's licensing ([`ReadableLicense::viewed`]), or the
/// holder of its key (`ApiLicense::readable`).
#[derive(Debug, Clone, Copy)]
#[must_use]
pub struct ReadableLicense {
    org: OrgId,
    id: LicenseId,
}

impl ReadableLicense {
    /// License `id` of the viewer's organization (absent if it is another
    /// organization's: the queries filter on both).
    pub fn viewed(viewer: &LicenseViewer, id: LicenseId) -> Self {
        Self { org: viewer.org_id(), id }
    }
}

/// A license named through the right to change its machines: an Admin
/// allowed `ManageLicenses` ([`ManagedLicense::managed`]), or the holder
/// of its key (`ApiLicense::managed`, checked by `use_refusal`).
#[derive(Debug, Clone, Copy)]
#[must_use]
pub struct ManagedLicense {
    org: OrgId,
    id: LicenseId,
}

impl ManagedLicense {
    /// License `id` of the admin's organization.
    pub fn managed(admin: &Admin, id: LicenseId) -> Self {
        Self { org: admin.org_id(), id }
    }
}

/// The two rights a license key carries for its own license; only the
/// key's authentication (`license_api`) makes them.
pub(super) fn held(org: OrgId, id: LicenseId) -> (ReadableLicense, ManagedLicense) {
    (ReadableLicense { org, id }, ManagedLicense { org, id })
}

/// One license with its machines and entitlements; `pending_validations`
/// are those this process has answered and not yet written.
#[tracing::instrument(
    name = "licensing::license",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn license(
    db: &Db,
    license: ReadableLicense,
    pending_validations: u64,
) -> Result<Option<LicenseDetail>, sqlx::Error> {
    let ReadableLicense { org, id } = license;
    let now = OffsetDateTime::now_utc();
    let sql = format!(
        "SELECT {LICENSE_COLUMNS}, l.metadata, p.max_machines, p.require_heartbeat, p.heartbeat_seconds, l.validations_count, \
         p.require_check_in, p.check_in_interval, p.check_in_interval_count, l.last_check_in_at \
         FROM licenses l JOIN policies p ON p.id = l.policy_id WHERE l.org_id = $1 AND l.id = $2"
    );
    let components = "SELECT c.machine_id, c.fingerprint, c.name FROM machine_components c \
                      JOIN machines m ON m.id = c.machine_id \
                      WHERE c.org_id = $1 AND m.license_id = $2 ORDER BY c.name, c.fingerprint";
    let machines = license_machines_sql();
    let entitlements = "SELECT e.id, e.code, e.name FROM entitlements e \
                        JOIN policy_entitlements pe ON pe.entitlement_id = e.id \
                        JOIN licenses l ON l.policy_id = pe.policy_id \
                        WHERE l.org_id = $1 AND l.id = $2 ORDER BY e.code";
    let found = with_pool!(db, Scope::tenant(org), conn => {
        match sqlx::query_as::<_, DetailRow>(&sql).bind(org).bind(id).fetch_optional(&mut *conn).await? {
            None => None,
            Some(row) => {
                let machines = sqlx::query_as::<_, MachineRow>(&machines).bind(org).bind(id).fetch_all(&mut *conn).await?;
                let entitlements = sqlx::query_as::<_, EntitlementRow>(entitlements).bind(org).bind(id).fetch_all(&mut *conn).await?;
                let components: Vec<(MachineId, String, String)> = if machines.is_empty() {
                    Vec::new()
                } else {
                    sqlx::query_as(components).bind(org).bind(id).fetch_all(&mut *conn).await?
                };
                Some((row, machines, entitlements, components))
            }
        }
    });
    let Some((row, machines, entitlements, components)) = found else { return Ok(None) };
    let check_in = stored_check_in(row.check_in_interval.as_deref(), row.check_in_interval_count)
        .filter(|_| row.require_check_in)
        .map(|rule| {
            let last = row.last_check_in_at.map(Timestamp::into_inner);
            LicenseCheckIn::of(rule, last, row.license.created_at.into_inner(), now)
        });
    let interval = u32::try_from(row.heartbeat_seconds).unwrap_or(crate::model::license::DEFAULT_HEARTBEAT_SECONDS);
    let metadata = serde_json::from_str::<serde_json::Value>(&row.metadata)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| "{}".into());
    let last_validated_at = row.license.last_validated_at.map(Timestamp::into_inner);
    let suspended = row.license.suspended;
    Ok(Some(LicenseDetail {
        suspended,
        machines: machines
            .iter()
            .map(|m| {
                let mut machine = m.view(row.require_heartbeat, interval, now);
                machine.components = components
                    .iter()
                    .filter(|(owner, ..)| *owner == m.id)
                    .map(|(_, fingerprint, name)| MachineComponent {
                        fingerprint: fingerprint.clone(),
                        name: name.clone(),
                    })
                    .collect();
                machine
            })
            .collect(),
        check_in,
        entitlements: entitlements.into_iter().map(Entitlement::from).collect(),
        validations: row.validations_count as u64 + pending_validations,
        last_validated_at,
        metadata,
        max_machines: row.max_machines.and_then(|n| u32::try_from(n).ok()),
        license: row.license.item(now),
    }))
}

/// A license's on/off states the dashboard sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenseFlag {
    /// Validates as `SUSPENDED`, refused everything else; reinstated by
    /// turning it off.
    Suspended,
    /// Validates as `BANNED` (before suspension), refused everything else.
    Banned,
}

/// Turns `flag` on or off for a license, and records `event` in the same
/// transaction. Returns its key.
#[tracing::instrument(
    name = "licensing::set_flag",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn set_flag(
    db: &Db,
    ctx: &Admin,
    id: LicenseId,
    (flag, on): (LicenseFlag, bool),
    event: &NewEvent,
) -> Result<String, LicensingError> {
    let sql = match flag {
        LicenseFlag::Suspended => {
            "UPDATE licenses SET suspended = $3, updated_at = $4 WHERE org_id = $1 AND id = $2 RETURNING key"
        }
        LicenseFlag::Banned => {
            "UPDATE licenses SET banned = $3, updated_at = $4 WHERE org_id = $1 AND id = $2 RETURNING key"
        }
    };
    let key: Option<String> = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let key: Option<String> = sqlx::query_scalar(sql)
            .bind(ctx.org_id())
            .bind(id)
            .bind(on)
            .bind(Timestamp::now())
            .fetch_optional(&mut *tx)
            .await?;
        if key.is_some() {
            events::record(&mut *tx, event).await?;
        }
        tx.commit().await?;
        key
    });
    key.ok_or(LicensingError::NotFound)
}

/// Renews a license: its expiry moves on by the policy's duration, from
/// the current expiry or from now when it has already passed (Keygen's
/// renewal from expiry). A license of a policy without duration keeps
/// no expiry. Records the event `event` makes of the new expiry in the
/// same transaction. Returns the key and the new expiry.
#[tracing::instrument(
    name = "licensing::renew",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn renew(
    db: &Db,
    ctx: &Admin,
    id: LicenseId,
    event: impl FnOnce(Option<OffsetDateTime>) -> NewEvent,
) -> Result<(String, Option<OffsetDateTime>), LicensingError> {
    let org = ctx.org_id();
    let find = "SELECT l.key, l.expiry, p.duration_seconds FROM licenses l JOIN policies p ON p.id = l.policy_id \
                WHERE l.org_id = $1 AND l.id = $2";
    let update = "UPDATE licenses SET expiry = $3, updated_at = $4 WHERE org_id = $1 AND id = $2";
    with_pool!(db, Scope::tenant(org), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let row: Option<(String, Option<Timestamp>, Option<i64>)> =
            sqlx::query_as(find).bind(org).bind(id).fetch_optional(&mut *tx).await?;
        let (key, expiry, duration) = row.ok_or(LicensingError::NotFound)?;
        let now = OffsetDateTime::now_utc();
        let renewed = duration.map(|secs| expiry.map_or(now, |e| e.into_inner().max(now)) + Duration::seconds(secs));
        sqlx::query(update).bind(org).bind(id).bind(renewed.map(Timestamp::from)).bind(Timestamp::from(now)).execute(&mut *tx).await?;
        events::record(&mut *tx, &event(renewed)).await?;
        tx.commit().await?;
        Ok((key, renewed))
    })
}

/// What changes of a license: each field that is `Some`.
#[derive(Debug, Clone, Default)]
pub struct LicenseChanges {
    /// `Some(None)` clears the name.
    pub name: Option<Option<String>>,
    /// `Some(None)`: never expires.
    pub expiry: Option<Option<OffsetDateTime>>,
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Changes a license's name, expiry or metadata (the fields given), and
/// records `event` in the same transaction.
#[tracing::instrument(
    name = "licensing::update_license",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn update_license(
    db: &Db,
    ctx: &Admin,
    id: LicenseId,
    changes: &LicenseChanges,
    event: &NewEvent,
) -> Result<(), LicensingError> {
    let mut sql = Sql::new("UPDATE licenses SET updated_at = ");
    let now = sql.bind(Timestamp::now());
    sql.push(&now);
    if let Some(name) = &changes.name {
        let arg = sql.bind_optional(name.clone());
        sql.push(&format!(", name = {arg}"));
    }
    if let Some(expiry) = changes.expiry {
        let arg = sql.bind_optional(expiry.map(Timestamp::from));
        sql.push(&format!(", expiry = {arg}"));
    }
    if let Some(metadata) = &changes.metadata {
        let arg = sql.bind(serde_json::Value::Object(metadata.clone()).to_string());
        sql.push(&format!(", metadata = {arg}"));
    }
    let (org, id) = (sql.bind(ctx.org_id()), sql.bind(id));
    sql.push(&format!(" WHERE org_id = {org} AND id = {id}"));
    let changed = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let changed =
            bind_args!(sqlx::query(sql.text()), sql.args().iter().cloned()).execute(&mut *tx).await?.rows_affected();
        if changed == 1 {
            events::record(&mut *tx, event).await?;
        }
        tx.commit().await?;
        changed
    });
    if changed == 0 {
        return Err(LicensingError::NotFound);
    }
    Ok(())
}

/// Deletes a license with its machines, and records `event` in the same
/// transaction. Returns its key.
#[tracing::instrument(
    name = "licensing::delete_license",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn delete_license(db: &Db, ctx: &Admin, id: LicenseId, event: &NewEvent) -> Result<String, LicensingError> {
    let sql = "DELETE FROM licenses WHERE org_id = $1 AND id = $2 RETURNING key";
    let key: Option<String> = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let key: Option<String> = sqlx::query_scalar(sql).bind(ctx.org_id()).bind(id).fetch_optional(&mut *tx).await?;
        if key.is_some() {
            events::record(&mut *tx, event).await?;
        }
        tx.commit().await?;
        key
    });
    key.ok_or(LicensingError::NotFound)
}

/// Deactivates (deletes) one of a license's machines, and records the
/// event `event` makes of its fingerprint in the same transaction.
/// Returns its fingerprint.
#[tracing::instrument(
    name = "licensing::deactivate_machine",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), machine = %machine)
)]
pub async fn deactivate_machine(
    db: &Db,
    license: ManagedLicense,
    machine: MachineId,
    event: impl FnOnce(&str) -> NewEvent,
) -> Result<String, LicensingError> {
    let ManagedLicense { org, id: license } = license;
    let sql = "DELETE FROM machines WHERE org_id = $1 AND license_id = $2 AND id = $3 RETURNING fingerprint";
    let fingerprint: Option<String> = with_pool!(db, Scope::tenant(org), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let fingerprint: Option<String> =
            sqlx::query_scalar(sql).bind(org).bind(license).bind(machine).fetch_optional(&mut *tx).await?;
        if let Some(fingerprint) = &fingerprint {
            events::record(&mut *tx, &event(fingerprint)).await?;
        }
        tx.commit().await?;
        fingerprint
    });
    fingerprint.ok_or(LicensingError::NotFound)
}

// ---------------------------------------------------------------------------
// The API's account in the path

/// Whether a live (not deleted) organization has this id.
#[tracing::instrument(
    name = "licensing::organization_exists",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn organization_exists(db: &Db, id: OrgId) -> Result<bool, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM organizations WHERE id = $1 AND deleted_at IS NULL";
    let n: i64 =
        with_pool!(db, Scope::license_key(), conn => sqlx::query_scalar(sql).bind(id).fetch_one(&mut *conn).await?);
    Ok(n > 0)
}

/// The live organization with this slug.
#[tracing::instrument(
    name = "licensing::organization_by_slug",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn organization_by_slug(db: &Db, slug: &crate::model::OrgSlug) -> Result<Option<OrgId>, sqlx::Error> {
    let sql = "SELECT id FROM organizations WHERE slug = $1 AND deleted_at IS NULL";
    with_pool!(db, Scope::license_key(), conn => sqlx::query_scalar(sql).bind(slug.as_str()).fetch_optional(&mut *conn).await)
}
