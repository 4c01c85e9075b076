//! The `atrium create-admin` / `promote-admin` commands, run as a process.

use std::{
    io::Write,
    process::{Command, Stdio},
};

use app::{
    model::Email,
    server::db::{Db, users},
};

use crate::helpers::{Person, Visitor, free_port, slug, started, visitor_on};

fn run(database_url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_atrium"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("ATRIUM_CONFIG", "/nonexistent/atrium.toml")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the atrium binary runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn create_admin_makes_a_platform_admin_with_the_piped_password() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/atrium.db?mode=rwc", dir.path().display());

    let output = run(&url, &["create-admin", "--email", "Root@Example.com"], "quiet otter lamp harbor 97\n");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let db = Db::connect(&url, 1).await.unwrap();
    let admin = users::find_by_email(&db, &Email::parse("root@example.com").unwrap()).await.unwrap().unwrap();
    assert!(admin.is_platform_admin);
    assert!(
        app::server::auth::password::verify("quiet otter lamp harbor 97".into(), Some(admin.password_hash))
            .await
            .unwrap()
    );

    // Running it again for the same email refuses and points to promote-admin.
    let again = run(&url, &["create-admin", "--email", "root@example.com"], "quiet otter lamp harbor 97\n");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("promote-admin"));
}

#[tokio::test]
async fn create_admin_refuses_weak_or_missing_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/atrium.db?mode=rwc", dir.path().display());
    for password in ["", "short", "password1234"] {
        let output = run(&url, &["create-admin", "--email", "root@example.com"], &format!("{password}\n"));
        assert!(!output.status.success(), "{password:?} was accepted");
        assert!(String::from_utf8_lossy(&output.stderr).contains("password"));
    }
}

#[tokio::test]
async fn promote_admin_flags_an_existing_account_and_rejects_unknown_emails() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/atrium.db?mode=rwc", dir.path().display());
    let unknown = run(&url, &["promote-admin", "--email", "ghost@example.com"], "");
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no account"));

    // An ordinary account (not made by create-admin, which makes admins).
    let db = Db::connect(&url, 1).await.unwrap();
    let email = Email::parse("ops@example.com").unwrap();
    let name = app::model::DisplayName::parse("Ops").unwrap();
    let new = users::NewUser {
        email: &email,
        display_name: &name,
        password_hash: "x",
        is_platform_admin: false,
        email_verified: false,
    };
    let user = users::insert(&db, new).await.unwrap();
    assert!(!user.is_platform_admin);

    let promoted = run(&url, &["promote-admin", "--email", "OPS@example.com"], "");
    assert!(promoted.status.success(), "{}", String::from_utf8_lossy(&promoted.stderr));
    assert!(users::find_by_id(&db, user.id).await.unwrap().unwrap().is_platform_admin);
}

/// There is no default account: a freshly started app's database holds no
/// user at all, platform admin or not, until someone signs up or an
/// operator runs `create-admin`.
#[tokio::test]
async fn a_new_database_has_no_account_to_sign_in_with() {
    let app = crate::helpers::spawn_app().await;
    let count = "SELECT COUNT(*) FROM users";
    let users: i64 = match &app.db {
        Db::Sqlite(pool) => sqlx::query_scalar(count).fetch_one(pool).await.unwrap(),
        Db::Postgres(pool) => sqlx::query_scalar(count).fetch_one(pool).await.unwrap(),
    };
    assert_eq!(users, 0);
    for email in ["admin@example.com", "root@example.com"] {
        assert_eq!(app.login(email, "correct horse battery staple").await.status(), 401, "{email}");
    }
}

#[tokio::test]
async fn backup_snapshots_a_running_sqlite_database_whole_and_the_copy_serves() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/atrium.db?mode=rwc", dir.path().display());
    let port = free_port();
    let visitor = visitor_on(port);
    let mut server = started(&url, port, dir.path(), &[]).await;
    let ada = Person::new("ada");
    let org = slug(&visitor.signed_up(&ada).await).to_owned();
    let project = visitor.project(&org, "Kept").await;

    // Tasks are being written while the snapshot is taken.
    let writer = Visitor { address: visitor.address.clone(), client: visitor.client.clone() };
    let (org_w, project_w) = (org.clone(), project.clone());
    let writing = tokio::spawn(async move {
        for n in 0..30 {
            writer.task(&org_w, &project_w, &[("title", &format!("Written during the backup {n}"))]).await;
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let copy = dir.path().join("backup.db");
    let output = run(&url, &["backup", "--to", &copy.display().to_string()], "");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("Wrote a snapshot"));
    writing.await.unwrap();
    // A second run to the same file is refused: no backup is overwritten.
    let again = run(&url, &["backup", "--to", &copy.display().to_string()], "");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
    server.kill().unwrap();
    let _ = server.wait();

    // The copy is a whole database, and the app runs on it: Ada signs in
    // and finds her project.
    let copy_url = format!("sqlite://{}", copy.display());
    let Db::Sqlite(pool) = Db::connect(&copy_url, 1).await.unwrap() else { unreachable!("a SQLite URL") };
    let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&pool).await.unwrap();
    assert_eq!(check, "ok");
    pool.close().await;
    let port = free_port();
    let restored = visitor_on(port);
    let mut server = started(&copy_url, port, dir.path(), &[]).await;
    assert_eq!(restored.login(&ada.email, &ada.password).await.status(), 200);
    let projects = restored.ok("list_projects", &[("org", &org)]).await;
    assert!(projects.to_string().contains(&project), "{projects}");
    server.kill().unwrap();
    let _ = server.wait();

    // PostgreSQL is pg_dump's, and says so; an empty database is refused.
    if let Ok(postgres_url) = std::env::var("TEST_DATABASE_URL") {
        let never = dir.path().join("never.db").display().to_string();
        let postgres = run(&postgres_url, &["backup", "--to", &never], "");
        assert!(String::from_utf8_lossy(&postgres.stderr).contains("pg_dump"), "{postgres:?}");
    }
    let empty = format!("sqlite://{}/empty.db?mode=rwc", dir.path().display());
    let refused = run(&empty, &["backup", "--to", &dir.path().join("empty-copy.db").display().to_string()], "");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no Atrium installation"), "{refused:?}");
}
