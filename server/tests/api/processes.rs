//! Two `atrium` processes on one database, as behind a load balancer:
//! what must be shared between them is (sessions, sign-in lockouts, the
//! job queue, the hourly maintenance).

use std::{path::Path, process::Command, time::Duration};

use serde_json::Value;

use crate::helpers::{Person, Visitor, client, free_port, started, test_database, visitor_on};

/// The mails in `dir` (the processes' shared mail folder) to `to` whose
/// subject is `subject`.
fn mails(dir: &Path, to: &str, subject: &str) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path()).ok())
        .filter(|mail| mail.lines().any(|l| l.starts_with("To: ") && l.contains(to)))
        .filter(|mail| mail.lines().any(|l| l == format!("Subject: {subject}")))
        .count()
}

#[tokio::test]
async fn two_processes_share_sessions_lockouts_jobs_and_the_hourly_maintenance() {
    let (database_url, _database) = test_database().await;
    let dir = tempfile::tempdir().unwrap();
    let (port_a, port_b) = (free_port(), free_port());
    let on_a = visitor_on(port_a);
    let on_b = visitor_on(port_b);
    // Four failed sign-ins lock the network out of an account.
    let settings = [("ATRIUM_SIGN_IN_FAILURES_PER_ADDRESS", "4"), ("ATRIUM_SIGN_IN_LOCK_AFTER_FAILURES", "4")];
    // One after the other: the first migrates the database.
    let mut server_a = started(&database_url, port_a, dir.path(), &settings).await;
    let mut server_b = started(&database_url, port_b, dir.path(), &settings).await;

    // A session made on one process works on the other (cookies are per
    // host, not per port)...
    let ada = Person::new("ada");
    let org_path = on_a.signed_up(&ada).await;
    let ada_on_b = Visitor { address: on_b.address.clone(), client: on_a.client.clone() };
    let me: Value = ada_on_b.ok("get_current_user", &[]).await;
    assert_eq!(me["email"], ada.email.to_lowercase(), "{me}");
    assert_eq!(ada_on_b.client.get(ada_on_b.url(&org_path)).send().await.unwrap().status(), 200);
    // ...and signing out on one ends it on both.
    on_a.ok("logout", &[]).await;
    let signed_out = ada_on_b.ok("get_current_user", &[]).await;
    assert!(signed_out.is_null(), "signed out on the other process too: {signed_out}");

    // A job queued on one process runs once, whichever worker takes it.
    on_b.ok("forgot_password", &[("email", &ada.email)]).await;
    let mail_dir = dir.path().join("mail");
    let subject = "Reset your Atrium password";
    for _ in 0..100 {
        if mails(&mail_dir, &ada.email, subject) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(mails(&mail_dir, &ada.email, subject), 1, "one reset mail, sent once");

    // The lockout trips at its number whichever process answers: four
    // wrong passwords, two on each, lock this network out of the account
    // on both (each process alone saw two).
    let guesser_a = Visitor { address: on_a.address.clone(), client: client() };
    let guesser_b = Visitor { address: on_b.address.clone(), client: client() };
    for (n, guesser) in [&guesser_a, &guesser_b, &guesser_a, &guesser_b].into_iter().enumerate() {
        let wrong = guesser.login(&ada.email, &format!("not the password, guess {n}")).await;
        assert_eq!(wrong.status(), 401, "failure {n} is counted as one");
    }
    for guesser in [&guesser_a, &guesser_b] {
        let right = guesser.login(&ada.email, &ada.password).await;
        assert_eq!(right.status(), 429, "locked on both processes");
    }

    // The hourly maintenance, scheduled by both at start, ran once (as a
    // platform admin sees it: someone signed up and made one with the
    // binary's own command).
    let admin = Visitor { address: on_b.address.clone(), client: client() };
    let root = Person::new("root");
    admin.signed_up(&root).await;
    let promoted = Command::new(env!("CARGO_BIN_EXE_atrium"))
        .args(["promote-admin", "--email", &root.email])
        .env("DATABASE_URL", &database_url)
        .env("ATRIUM_CONFIG", "/nonexistent/atrium.toml")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(promoted.status.success(), "{}", String::from_utf8_lossy(&promoted.stderr));
    let jobs: Vec<Value> = serde_json::from_value(admin.ok("list_platform_jobs", &[]).await).unwrap();
    let maintenance: Vec<&Value> = jobs.iter().filter(|job| job["kind"] == "maintenance").collect();
    assert_eq!(maintenance.len(), 1, "once this hour, not once per process: {maintenance:?}");

    server_a.kill().unwrap();
    server_b.kill().unwrap();
    let _ = (server_a.wait(), server_b.wait());
}
