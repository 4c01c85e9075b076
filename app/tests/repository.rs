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
