//! The repository story (`common::story`) on SQLite always, and on
//! PostgreSQL when `TEST_DATABASE_URL` is a postgres URL, so the two
//! backends are held to the same behaviour.

mod common;

use app::server::db::{
    Backend, Db, Timestamp,
    testing::{drop_postgres, fresh_postgres, postgres_test_url},
};

#[tokio::test]
async fn repositories_behave_the_same_on_sqlite() {
    let db = Db::connect("sqlite::memory:", 1).await.unwrap();
    assert_eq!(db.backend(), Backend::Sqlite);
    db.migrate().await.unwrap();
    common::story::run(&db).await;
}

#[tokio::test]
async fn repositories_behave_the_same_on_postgres() {
    let Some(server) = postgres_test_url() else {
        eprintln!("TEST_DATABASE_URL is not a postgres URL: PostgreSQL half skipped");
        return;
    };
    let (db, name) = fresh_postgres(&server).await.expect("a fresh PostgreSQL database");
    assert_eq!(db.backend(), Backend::Postgres);
    common::story::run(&db).await;
    drop_postgres(db, &server, &name).await.unwrap();
}

/// Row-level security on PostgreSQL: a statement without any `org_id`
/// condition, on a connection taken for one organization, sees and changes
/// that organization's rows only; taken for no organization it sees
/// nothing. The test connects as the application's role (no superuser, no
/// BYPASSRLS), like every PostgreSQL test.
#[tokio::test]
async fn row_level_security_hides_other_tenants_on_postgres() {
    use app::{
        model::{ProjectDescription, ProjectName},
        server::{
            ctx::OrgCtx,
            db::{
                projects,
                scope::{self, Scope},
            },
        },
    };
    let Some(server) = postgres_test_url() else {
        eprintln!("TEST_DATABASE_URL is not a postgres URL: PostgreSQL half skipped");
        return;
    };
    let (db, name) = fresh_postgres(&server).await.expect("a fresh PostgreSQL database");
    let (ann, a) = common::sign_up(&db, "Ann Rls", "Rls A").await;
    let (bob, b) = common::sign_up(&db, "Bob Rls", "Rls B").await;
    for (user, org, names) in [(ann, &a, ["A1", "A2"].as_slice()), (bob, &b, ["B1"].as_slice())] {
        let writer = common::writer(&OrgCtx::load(&db, user, &org.slug).await.unwrap());
        for name in names {
            let (name, none) = (ProjectName::parse(name).unwrap(), ProjectDescription::parse("").unwrap());
            projects::insert(&db, &writer, &name, &none, projects::created_event(&writer)).await.unwrap();
        }
    }
    let Db::Postgres(pool) = &db else { unreachable!("fresh_postgres gives PostgreSQL") };
    let count = |scope: Option<Scope>| async move {
        let mut conn = match scope {
            Some(scope) => scope::acquire(pool, scope).await.unwrap(),
            None => {
                let mut conn = pool.acquire().await.unwrap();
                sqlx::query("RESET app.org_id").execute(&mut *conn).await.unwrap();
                conn
            }
        };
        // No org_id condition: what the policies let through.
        let projects: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM projects").fetch_one(&mut *conn).await.unwrap();
        let members: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM memberships").fetch_one(&mut *conn).await.unwrap();
        let orgs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organizations").fetch_one(&mut *conn).await.unwrap();
        (projects, members, orgs)
    };
    assert_eq!(count(Some(Scope::tenant(a.id))).await, (2, 1, 1));
    assert_eq!(count(Some(Scope::tenant(b.id))).await, (1, 1, 1));
    assert_eq!(count(Some(Scope::maintenance())).await, (3, 2, 2));
    assert_eq!(count(None).await, (0, 0, 0), "no tenant named: nothing");

    // Writes without a condition reach only the tenant's rows, and a row
    // for another tenant cannot be written at all.
    let mut conn = scope::acquire(pool, Scope::tenant(a.id)).await.unwrap();
    let changed = sqlx::query("UPDATE projects SET description = 'touched'").execute(&mut *conn).await.unwrap();
    assert_eq!(changed.rows_affected(), 2);
    let foreign = sqlx::query(
        "INSERT INTO projects (id, org_id, name, name_key, description, created_at, updated_at) \
         VALUES ($1, $2, 'Sneaky', 'sneaky', '', now(), now())",
    )
    .bind(uuid::Uuid::now_v7())
    .bind(b.id)
    .execute(&mut *conn)
    .await
    .unwrap_err();
    assert_eq!(foreign.as_database_error().and_then(|e| e.code()).as_deref(), Some("42501"), "{foreign}");
    drop(conn);
    db.close().await;
    app::server::db::testing::drop_database(&server, &name).await.unwrap();
}

#[tokio::test]
async fn migrations_are_idempotent() {
    let db = Db::connect("sqlite::memory:", 1).await.unwrap();
    db.migrate().await.unwrap();
    db.migrate().await.unwrap();
}

#[test]
fn timestamps_are_microsecond_utc() {
    let now = Timestamp::now().into_inner();
    assert_eq!(now.nanosecond() % 1_000, 0);
    assert!(now.offset().is_utc());
}
