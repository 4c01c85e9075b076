//! `atrium seed-load`: a database shaped for load tests and size checks.
//!
//! One organization whose owner signs in with the given password, with a
//! member, a label and one project of `tasks` tasks; and a second
//! organization with `other_tasks` tasks, so every query runs beside
//! another tenant's rows. Tasks vary the way real ones do
//! (`testing::sample_task`), and one in a hundred is done. Prints what a
//! load test needs as one line of JSON.

use app::{
    model::{
        Action, DisplayName, Email, LabelColor, LabelName, OrgName, Password, Plan, ProjectDescription, ProjectName,
        Role, TaskFields,
    },
    server::{
        Config,
        auth::password,
        ctx::{OrgCtx, Writer},
        db::{ConnectError, Db, labels, orgs, projects, tasks, testing, users},
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
) -> Result<Seeded, SeedError> {
    let password = Password::parse(password_text.to_owned()).map_err(|e| SeedError::Input(format!("password: {e}")))?;
    let db = Db::connect(config.database_url.expose_secret(), config.database_max_connections).await?;
    db.migrate().await?;
    let hash = password::hash(&password).await?;

    let owner = format!("{label}-owner@example.com");
    let (org, project, seeded_label) = tenant(&db, &owner, &format!("{label} Load"), &hash, task_count).await?;
    let (other_org, other_project, _) =
        tenant(&db, &format!("{label}-other@example.com"), &format!("{label} Other"), &hash, other_task_count).await?;
    // Statistics for the planner, as autovacuum or `PRAGMA optimize` would
    // gather on a database in use.
    match &db {
        Db::Sqlite(pool) => sqlx::query("ANALYZE").execute(pool).await.map(drop)?,
        // As autovacuum would have by then: dead row versions from the
        // completions gone, visibility known.
        Db::Postgres(pool) => sqlx::query("VACUUM ANALYZE").execute(pool).await.map(drop)?,
    }
    db.close().await;
    Ok(Seeded { email: owner, org, project, label: seeded_label, other_org, other_project })
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
    let new = users::NewUser { email: &email, display_name: &name, password_hash: hash, is_platform_admin: false };
    let (owner, org) =
        users::insert_with_organization(db, new, &org_name, Plan::Enterprise).await.map_err(|e| input("owner", &e))?;
    let ctx = OrgCtx::load(db, owner.id, &org.slug).await?;
    let admin = ctx.admin(Action::TrashProjects)?;

    let member_email = Email::parse(&format!("member.{}", email.as_str())).map_err(|e| input("email", &e))?;
    let member_name = DisplayName::parse("Load Member").map_err(|e| input("name", &e))?;
    let new = users::NewUser {
        email: &member_email,
        display_name: &member_name,
        password_hash: hash,
        is_platform_admin: false,
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
