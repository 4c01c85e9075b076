//! Two `atrium` processes on one database, as behind a load balancer:
//! what must be shared between them is (sessions, sign-in lockouts, the
//! job queue, the hourly maintenance).

use std::{path::Path, process::Command, time::Duration};

use serde_json::Value;

use crate::helpers::{Person, TwoProcesses, Visitor, client, slug};

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
    // Four failed sign-ins lock the network out of an account.
    let settings = [("ATRIUM_SIGN_IN_FAILURES_PER_ADDRESS", "4"), ("ATRIUM_SIGN_IN_LOCK_AFTER_FAILURES", "4")];
    let processes = TwoProcesses::start(&settings).await;
    let (on_a, on_b, dir, database_url) = (&processes.a, &processes.b, &processes.dir, &processes.database_url);

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
        .env("DATABASE_URL", database_url)
        .env("ATRIUM_CONFIG", "/nonexistent/atrium.toml")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(promoted.status.success(), "{}", String::from_utf8_lossy(&promoted.stderr));
    let jobs: Vec<Value> = serde_json::from_value(admin.ok("list_platform_jobs", &[]).await).unwrap();
    let maintenance: Vec<&Value> = jobs.iter().filter(|job| job["kind"] == "maintenance").collect();
    assert_eq!(maintenance.len(), 1, "once this hour, not once per process: {maintenance:?}");
}

/// `source`'s count of what validations read, on the server `visitor`
/// talks to (its own `/metrics`: one process, this test's alone).
async fn validation_reads(visitor: &Visitor, source: &str) -> u64 {
    let metrics = visitor.client.get(visitor.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let line = format!("atrium_license_validation_reads_total{{source=\"{source}\"}} ");
    metrics.lines().find_map(|l| l.strip_prefix(&line)).map_or(0, |n| n.trim().parse().unwrap())
}

/// The validation code of `key` asked of `visitor`'s server.
async fn validation_code(visitor: &Visitor, key: &str) -> String {
    let body = serde_json::json!({ "meta": { "key": key } });
    let response = visitor
        .client
        .post(visitor.url("/v1/licenses/actions/validate-key"))
        .header("content-type", "application/vnd.api+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let answer: Value = response.json().await.unwrap();
    answer["meta"]["code"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_validation_cached_on_one_process_answers_a_change_made_on_the_other() {
    let processes = TwoProcesses::start(&[]).await;
    let (on_a, on_b) = (&processes.a, &processes.b);
    let slug = slug(&on_a.signed_up(&Person::new("ada")).await).to_owned();
    let policy = crate::licensing::policy(on_a, &slug, &[("name", "Standard")]).await;
    let (id, key) = crate::licensing::license(on_a, &slug, &policy).await;

    // B hears of A's changes (the license's creation) a moment after they
    // commit; once it has, its first validation reads the database and
    // the next ones what that read. (Its warm-up's entry may or may not
    // have outlived what it heard: at most one more read.)
    assert_eq!(validation_code(on_b, &key).await, "VALID");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let (from_cache, from_db) = (validation_reads(on_b, "cache").await, validation_reads(on_b, "database").await);
    for _ in 0..4 {
        assert_eq!(validation_code(on_b, &key).await, "VALID");
    }
    let (cached, read) =
        (validation_reads(on_b, "cache").await - from_cache, validation_reads(on_b, "database").await - from_db);
    assert_eq!(cached + read, 4, "every validation counted once");
    assert!(read <= 1, "read at most once, then served from what was read: {read} reads, {cached} from the cache");

    // Suspended on A: B, which holds the valid answer, says so as soon as
    // it hears of A's event (at once on PostgreSQL, within the follower's
    // poll on SQLite); well before the cache's own time limit.
    on_a.ok("set_license_suspended", &[("org", &slug), ("license", &id), ("suspended", "true")]).await;
    let limit = app::server::licensing::validation_cache::TTL / 2;
    let started_at = std::time::Instant::now();
    let mut code = validation_code(on_b, &key).await;
    while code != "SUSPENDED" && started_at.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(20)).await;
        code = validation_code(on_b, &key).await;
    }
    assert_eq!(code, "SUSPENDED", "B still answered from before A's change after {limit:?}");
    // And on A itself, at once.
    on_a.ok("set_license_suspended", &[("org", &slug), ("license", &id), ("suspended", "false")]).await;
    assert_eq!(validation_code(on_a, &key).await, "VALID");
    on_a.ok("set_license_suspended", &[("org", &slug), ("license", &id), ("suspended", "true")]).await;
    assert_eq!(validation_code(on_a, &key).await, "SUSPENDED", "the writing process never answers from before");
}
