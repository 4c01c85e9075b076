//! `atrium seed-load`: a database shaped for load tests and size checks.
//!
//! One organization whose owner signs in with the given password, with a
//! member, a label and one project of `tasks` tasks; and a second
//! organization with `other_tasks` tasks, so every query runs beside
//! another tenant's rows. Tasks vary the way real ones do
//! (`testing::sample_task`), and one in a hundred is done. The first
//! organization also issues `licenses` licenses under a strict floating
//! policy with `machines` machines spread over them (the license API's
//! load). Prints what a load test needs as one line of JSON.

use app::{
    model::{
        Action, DisplayName, Email, LabelColor, LabelName, LicenseId, MachineId, OrgName, Password, Plan, PolicyForm,
        ProjectDescription, ProjectName, Role, TaskFields,
    },
    server::{
        Config,
        auth::password,
        ctx::{OrgCtx, Writer},
        db::{
            ConnectError, Db, Timestamp, events::NewEvent, labels, licensing as license_repo, orgs, projects, tasks,
            testing, users,
        },
        licensing::{Licensing, generate_license_key, keys::KeyError},
    },
};
use secrecy::ExposeSecret;

/// Seeding failed; the message says why.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{0}")]
    Input(String),
    #[error("cannot open the database: {0}")]
    Connect(#[from] ConnectError),
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("{0}")]
    App(#[from] app::error::AppError),
    #[error("licensing: {0}")]
    Key(#[from] KeyError),
}

/// What `seed-load` makes, for the load test to use.
#[derive(Debug, serde::Serialize)]
pub struct Seeded {
    pub email: String,
    pub org: String,
    pub project: String,
    /// The label a quarter of the first organization's tasks carry.
    pub label: String,
    pub other_org: String,
    pub other_project: String,
    /// A license of the first organization with machines, and the
    /// fingerprint of one of them (empty when no licenses were made).
    pub license_key: String,
    pub fingerprint: String,
}

/// Tasks written per call of `tasks::insert_many` (one transaction each).
const CHUNK: usize = 10_000;

/// Seeds the database of `config` and returns what was made. `label` makes
/// the emails and organization names unique, so a database can hold
/// several seeded sets.
pub async fn seed_load(
    config: &Config,
    label: &str,
    password_text: &str,
    task_count: usize,
    other_task_count: usize,
    license_count: usize,
    machine_count: usize,
) -> Result<Seeded, SeedError> {
    let password = Password::parse(password_text.to_owned()).map_err(|e| SeedError::Input(format!("password: {e}")))?;
    let db = Db::connect(config.database_url.expose_secret(), config.database_max_connections).await?;
    db.migrate().await?;
    let hash = password::hash(&password).await?;

    let owner = format!("{label}-owner@example.com");
    let (org, project, seeded_label) = tenant(&db, &owner, &format!("{label} Load"), &hash, task_count).await?;
    let (other_org, other_project, _) =
        tenant(&db, &format!("{label}-other@example.com"), &format!("{label} Other"), &hash, other_task_count).await?;
    let licensing = Licensing::from_config(config)?;
    let (license_key, fingerprint) = seed_licenses(&db, &licensing, &owner, &org, license_count, machine_count).await?;
    // Statistics for PostgreSQL's planner, as autovacuum would have
    // gathered them by then (dead row versions from the completions gone,
    // visibility known). SQLite gets none, as the application never
    // gathers any there: its planner then picks indexes by the statements'
    // shape alone, the same whatever the tenants hold (`app/tests/plans.rs`;
    // with `ANALYZE`'s averages it took the live index for open pages
    // after a cursor).
    if let Db::Postgres(pool) = &db {
        sqlx::query("VACUUM ANALYZE").execute(pool).await.map(drop)?;
    }
    db.close().await;
    Ok(Seeded { email: owner, org, project, label: seeded_label, other_org, other_project, license_key, fingerprint })
}

/// Licenses written per transaction.
const LICENSE_CHUNK: usize = 1_000;

/// `count` licenses of the organization `slug` (owned by `owner`) under
/// one strict floating policy allowing 10 machines, with `machines`
/// machines spread evenly over them. Returns the key of the first license
/// and the fingerprint of its first machine.
async fn seed_licenses(
    db: &Db,
    licensing: &Licensing,
    owner: &str,
    slug: &str,
    count: usize,
    machines: usize,
) -> Result<(String, String), SeedError> {
    if count == 0 {
        return Ok((String::new(), String::new()));
    }
    let input = |what: &str, e: &dyn std::fmt::Display| SeedError::Input(format!("{what}: {e}"));
    let email = Email::parse(owner).map_err(|e| input("email", &e))?;
    let user = users::find_by_email(db, &email).await?.ok_or_else(|| SeedError::Input("owner not found".into()))?;
    let ctx = OrgCtx::load(db, user.id, slug).await?;
    let admin = ctx.admin(Action::ManageLicenses)?;
    license_repo::ensure_signing_key(db, &licensing.kek, ctx.org_id()).await?;
    let form = PolicyForm {
        name: "Load".into(),
        floating: true,
        strict: true,
        max_machines: "10".into(),
        duration_days: "365".into(),
        ..PolicyForm::default()
    };
    let (name, fields) = form.parse().map_err(|e| input("policy", &format!("{e:?}")))?;
    let event = |id: app::model::PolicyId| {
        let data = serde_json::json!({ "name": name.as_str() });
        NewEvent::change(ctx.org_id(), "policy.created", ("policy", id.to_string()), Some(ctx.user_id()), data)
    };
    let policy =
        license_repo::create_policy(db, &admin, (&name, &fields), &[], event).await.map_err(|e| input("policy", &e))?;
    let per_license = machines.div_ceil(count);
    let now = Timestamp::now();
    let expiry = Timestamp::from(time::OffsetDateTime::now_utc() + time::Duration::days(365));
    let org = ctx.org_id();
    let mut first = (String::new(), String::new());
    let mut made_machines = 0;
    for start in (0..count).step_by(LICENSE_CHUNK) {
        let mut rows = Vec::new();
        for i in start..count.min(start + LICENSE_CHUNK) {
            let key = generate_license_key();
            let machines: Vec<String> = (0..per_license.min(machines - made_machines))
                .map(|m| format!("{label}-machine-{i}-{m}", label = slug))
                .collect();
            made_machines += machines.len();
            if i == 0 {
                first = (key.clone(), machines.first().cloned().unwrap_or_default());
            }
            rows.push((LicenseId::new(), key, machines));
        }
        macro_rules! write {
            ($pool:expr, $tenant:expr) => {{
                let mut tx = $pool.begin().await?;
                if let Some(tenant) = $tenant {
                    sqlx::query(tenant).bind(org.to_string()).execute(&mut *tx).await?;
                }
                for (id, key, machines) in &rows {
                    sqlx::query(
                        "INSERT INTO licenses (id, org_id, policy_id, key, name, owner_email, expiry, metadata, suspended, \
                         banned, validations_count, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, NULL, NULL, $5, '{}', FALSE, FALSE, 0, $6, $6)",
                    )
                    .bind(*id)
                    .bind(org)
                    .bind(policy)
                    .bind(key)
                    .bind(expiry)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    for fingerprint in machines {
                        sqlx::query(
                            "INSERT INTO machines (id, org_id, license_id, fingerprint, hostname, platform, cores, \
                             metadata, last_heartbeat_at, created_at, updated_at) \
                             VALUES ($1, $2, $3, $4, 'load-host', 'linux/x86_64', 8, '{}', NULL, $5, $5)",
                        )
                        .bind(MachineId::new())
                        .bind(org)
                        .bind(*id)
                        .bind(fingerprint)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
            }};
        }
        // PostgreSQL's row-level security wants the tenant named, even for
        // the tables' owner.
        match db {
            Db::Sqlite(pool) => write!(pool, None::<&str>),
            Db::Postgres(pool) => write!(pool, Some("SELECT set_config('app.org_id', $1, true)")),
        }
    }
    Ok(first)
}

/// One organization with its owner (`email`), a member, a label and a
/// project of `count` tasks. Returns the slug, the project id and the
/// label id.
async fn tenant(
    db: &Db,
    email: &str,
    org_name: &str,
    hash: &str,
    count: usize,
) -> Result<(String, String, String), SeedError> {
    let input = |what: &str, e: &dyn std::fmt::Display| SeedError::Input(format!("{what}: {e}"));
    let email = Email::parse(email).map_err(|e| input("email", &e))?;
    let name = DisplayName::parse("Load Owner").map_err(|e| input("name", &e))?;
    let org_name = OrgName::parse(org_name).map_err(|e| input("organization", &e))?;
    let new = users::NewUser {
        email: &email,
        display_name: &name,
        password_hash: hash,
        is_platform_admin: false,
        email_verified: true,
    };
    let (owner, org) = users::insert_with_organization(db, new, (&org_name, Plan::Enterprise), users::founded_event)
        .await
        .map_err(|e| input("owner", &e))?;
    let ctx = OrgCtx::load(db, owner.id, &org.slug).await?;
    let admin = ctx.admin(Action::TrashProjects)?;

    let member_email = Email::parse(&format!("member.{}", email.as_str())).map_err(|e| input("email", &e))?;
    let member_name = DisplayName::parse("Load Member").map_err(|e| input("name", &e))?;
    let new = users::NewUser {
        email: &member_email,
        display_name: &member_name,
        password_hash: hash,
        is_platform_admin: false,
        email_verified: true,
    };
    let member = users::insert(db, new).await.map_err(|e| input("member", &e))?;
    orgs::add_member(db, &admin, member.id, Role::Member).await?;

    let writer: &Writer = &admin;
    let label = labels::insert(db, writer, &LabelName::parse("bug").map_err(|e| input("label", &e))?, LabelColor::Red)
        .await
        .map_err(|e| input("label", &e))?;
    let project = projects::insert(
        db,
        writer,
        &ProjectName::parse("Launch").map_err(|e| input("project", &e))?,
        &ProjectDescription::parse("").map_err(|e| input("project", &e))?,
        projects::created_event(writer),
    )
    .await
    .map_err(|e| input("project", &e))?;

    let mut made = 0;
    while made < count {
        let chunk: Vec<TaskFields> =
            (made..count.min(made + CHUNK)).map(|i| testing::sample_task(i, member.id, label.id)).collect();
        made += chunk.len();
        let ids = tasks::insert_many(db, writer, project.id, &chunk).await.map_err(|e| input("tasks", &e))?;
        // One in a hundred done.
        let done: Vec<_> = ids.into_iter().step_by(100).collect();
        for ids in done.chunks(500) {
            tasks::set_completed(db, writer, ids, true).await?;
        }
    }
    Ok((org.slug, project.id.to_string(), label.id.to_string()))
}
