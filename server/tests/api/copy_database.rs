//! `atrium copy-database`: a seeded SQLite installation (the demo, a file,
//! a license, jobs) carried to PostgreSQL, then served from there.

use std::process::{Command, Output, Stdio};

use app::server::db::{
    Db, Timestamp,
    testing::{app_database_url, create_postgres, database_url, drop_database, grant_app_role, postgres_test_url},
};
use keygen_rs::{config::KeygenConfig, license::LicenseValidationRequest};
use reqwest::{
    header,
    multipart::{Form, Part},
};
use sha2::{Digest, Sha256};
use sqlx::Row;
use uuid::Uuid;

use crate::{
    helpers::{Visitor, free_port, on_postgres, started, storage_url_for, visitor_on},
    licensing::{license, policy},
};

const PASSWORD: &str = "moving day lantern 4711";

/// Runs `atrium <args>` on `database_url` with the settings the test
/// servers use (the same key encryption key, so sealed keys open).
fn atrium(database_url: &str, dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_atrium"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("ATRIUM_CONFIG", "/nonexistent/atrium.toml")
        .env("ATRIUM_STORAGE_URL", storage_url_for(dir))
        .env("ATRIUM_KEY_ENCRYPTION_KEY", "5a".repeat(32))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("the atrium binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every table's rows, counted on both sides (PostgreSQL's tables name
/// the set; the migrations' own table is left out).
async fn row_counts(sqlite: &Db, postgres: &Db) -> Vec<(String, i64, i64)> {
    let (Db::Sqlite(sqlite), Db::Postgres(postgres)) = (sqlite, postgres) else { unreachable!("one of each") };
    let mut conn = postgres.acquire().await.unwrap();
    sqlx::query("SELECT set_config('app.org_id', '*', false)").execute(&mut *conn).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_sqlx_migrations' \
         ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let mut counts = Vec::new();
    for table in tables {
        let count = format!("SELECT COUNT(*) FROM {table}");
        let on_sqlite: i64 = sqlx::query_scalar(&count).fetch_one(sqlite).await.unwrap();
        let on_postgres: i64 = sqlx::query_scalar(&count).fetch_one(&mut *conn).await.unwrap();
        counts.push((table, on_sqlite, on_postgres));
    }
    counts
}

/// `(id, created_at)` of every row of `table`, in id order.
async fn ids_and_times(db: &Db, table: &str) -> Vec<(Uuid, Timestamp)> {
    let sql = format!("SELECT id, created_at FROM {table} ORDER BY id");
    match db {
        Db::Sqlite(pool) => sqlx::query(&sql)
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get::<Uuid, _>(0), r.get::<Timestamp, _>(1)))
            .collect(),
        Db::Postgres(pool) => {
            let mut conn = pool.acquire().await.unwrap();
            sqlx::query("SELECT set_config('app.org_id', '*', false)").execute(&mut *conn).await.unwrap();
            sqlx::query(&sql)
                .fetch_all(&mut *conn)
                .await
                .unwrap()
                .iter()
                .map(|r| (r.get::<Uuid, _>(0), r.get::<Timestamp, _>(1)))
                .collect()
        }
    }
}

/// The license's validation by `keygen-rs`, which checks the answer's
/// signature against `public_key`.
async fn validation_code(visitor: &Visitor, key: &str, public_key: &str) -> String {
    let config = KeygenConfig {
        api_url: visitor.url(""),
        license_key: Some(key.to_owned()),
        public_key: Some(public_key.to_owned()),
        ..KeygenConfig::default()
    };
    let result = keygen_rs::validate_with_config(config, &LicenseValidationRequest::default())
        .await
        .expect("a validation answer signed with the organization's key");
    result.meta.code
}

/// What the person sees of the installation, to compare before and after.
async fn overview(visitor: &Visitor, org: &str) -> (serde_json::Value, Vec<i64>) {
    let projects = visitor.ok("list_projects", &[("org", org)]).await;
    let mut totals = Vec::new();
    for project in projects.to_string().split("\"id\":\"").skip(1).map(|s| s.split('"').next().unwrap().to_owned()) {
        let page = visitor.list_tasks(org, &project, &[]).await;
        if page.status() == 200 {
            let body: serde_json::Value = page.json().await.unwrap();
            if let Some(total) = body["total"].as_i64() {
                totals.push(total);
            }
        }
    }
    (projects, totals)
}

#[tokio::test]
async fn a_seeded_sqlite_installation_moves_to_postgresql_whole_and_serves_from_there() {
    // Both backends in one test: the PostgreSQL pass of the suite
    // (TEST_BACKEND=postgres) would only run it again.
    let Some(server_url) = postgres_test_url().filter(|_| !on_postgres()) else { return };
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite://{}/atrium.db?mode=rwc", dir.path().display());

    // The demo organization, then a file, a license and the jobs they make.
    let seeded = atrium(&sqlite_url, dir.path(), &["seed-demo", "--email", "demo@example.com", "--password", PASSWORD]);
    assert!(seeded.status.success(), "{}", text(&seeded.stderr));
    let org = text(&seeded.stdout).split("/o/").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    let port = free_port();
    let before = visitor_on(port);
    let mut sqlite_server = started(&sqlite_url, port, dir.path(), &[]).await;
    assert_eq!(before.login("demo@example.com", PASSWORD).await.status(), 200);
    let project = before.project(&org, "Moving").await;
    let notes = "Carried over byte for byte\n".repeat(2000).into_bytes();
    let uploaded = before
        .client
        .post(before.url(&format!("/o/{org}/projects/{project}/files")))
        .header(header::ACCEPT, "application/json")
        .multipart(Form::new().part("file", Part::bytes(notes.clone()).file_name("notes.txt")))
        .send()
        .await
        .unwrap();
    assert!(uploaded.status().is_success(), "{}", uploaded.text().await.unwrap());
    let mut file_id = None;
    for _ in 0..200 {
        let files = before.ok("list_files", &[("org", &org), ("project", &project)]).await;
        if let Some(file) = files["files"]["items"].as_array().and_then(|items| items.first()).cloned()
            && file["status"] == "ready"
        {
            file_id = Some(file["id"].as_str().unwrap().to_owned());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let file_id = file_id.expect("the file was processed");
    let policy_id = policy(&before, &org, &[("name", "Desktop"), ("duration_days", "365")]).await;
    let (_, key) = license(&before, &org, &policy_id).await;
    let public_key = before.ok("get_licensing", &[("org", &org)]).await["public_key"].as_str().unwrap().to_owned();
    assert_eq!(validation_code(&before, &key, &public_key).await, "VALID");
    let seen_before = overview(&before, &org).await;
    assert!(!seen_before.1.is_empty(), "the demo projects have tasks: {:?}", seen_before.0);
    sqlite_server.kill().unwrap();
    let _ = sqlite_server.wait();

    // The copy into a new database, as the application's own role (which
    // then owns what the copy makes, as in production); a second copy
    // into it is refused.
    let name = create_postgres(&server_url, None).await.unwrap();
    grant_app_role(&server_url, &name).await.unwrap();
    let postgres_url = app_database_url(&server_url, &name);
    let copied = atrium(&sqlite_url, dir.path(), &["copy-database", "--from", &sqlite_url, "--to", &postgres_url]);
    assert!(copied.status.success(), "{}", text(&copied.stderr));
    assert!(text(&copied.stdout).contains("Copied"), "{}", text(&copied.stdout));
    let again = atrium(&sqlite_url, dir.path(), &["copy-database", "--from", &sqlite_url, "--to", &postgres_url]);
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("not empty"), "{}", text(&again.stderr));

    // Every table has every row; ids and timestamps are unchanged.
    let sqlite = Db::connect(&sqlite_url, 1).await.unwrap();
    let postgres = Db::connect(&database_url(&server_url, &name), 1).await.unwrap();
    let counts = row_counts(&sqlite, &postgres).await;
    for (table, on_sqlite, on_postgres) in &counts {
        assert_eq!(on_sqlite, on_postgres, "{table}");
    }
    for table in ["users", "organizations", "projects", "tasks", "licenses", "jobs", "audit_events"] {
        let (a, b) = (ids_and_times(&sqlite, table).await, ids_and_times(&postgres, table).await);
        assert!(!a.is_empty(), "the seed made {table}");
        assert_eq!(a, b, "{table}");
    }
    sqlite.close().await;
    postgres.close().await;

    // Served from PostgreSQL: the old session still works, the password
    // signs in, the file downloads, and the license validates with the
    // same public key.
    let port = free_port();
    let mut postgres_server = started(&postgres_url, port, dir.path(), &[]).await;
    let carried = Visitor { address: format!("http://127.0.0.1:{port}"), client: before.client.clone() };
    assert_eq!(overview(&carried, &org).await, seen_before);
    let fresh = visitor_on(port);
    assert_eq!(fresh.login("demo@example.com", PASSWORD).await.status(), 200);
    let download = fresh.get(&format!("/o/{org}/files/{file_id}/download")).await;
    assert_eq!(download.status(), 200);
    assert_eq!(Sha256::digest(download.bytes().await.unwrap()), Sha256::digest(&notes));
    let licensing = fresh.ok("get_licensing", &[("org", &org)]).await;
    assert_eq!(licensing["public_key"], public_key.as_str());
    assert_eq!(validation_code(&fresh, &key, &public_key).await, "VALID");
    // New rows follow the copied ones (the sequences moved on).
    fresh.task(&org, &project, &[("title", "Written after the move")]).await;
    assert_eq!(fresh.titles(&org, &project, &[]).await, ["Written after the move"]);
    postgres_server.kill().unwrap();
    let _ = postgres_server.wait();
    drop_database(&server_url, &name).await.unwrap();
}

#[tokio::test]
async fn copy_database_refuses_wrong_directions_and_missing_sources() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite://{}/atrium.db", dir.path().display());
    let missing = atrium(&sqlite_url, dir.path(), &["copy-database", "--from", &sqlite_url, "--to", "postgres://x/y"]);
    assert!(!missing.status.success());
    assert!(!dir.path().join("atrium.db").exists(), "a mistyped source is not created");
    let backwards = atrium(
        &sqlite_url,
        dir.path(),
        &["copy-database", "--from", "postgres://x/y", "--to", &format!("sqlite://{}/b.db", dir.path().display())],
    );
    assert!(!backwards.status.success());
    assert!(text(&backwards.stderr).contains("--from must be a sqlite"), "{}", text(&backwards.stderr));
}
