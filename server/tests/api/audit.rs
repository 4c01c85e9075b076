//! The audit log through HTTP: each action leaves an event, Admins read
//! them with filters, nobody rewrites them.

use app::model::Role;
use serde_json::Value;

use crate::helpers::{Person, field_error, join, slug, spawn_app};

fn actions(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn actions_leave_events_that_admins_read_with_filters() {
    let app = spawn_app().await;
    let owner = Person::new("own");
    let org = app.signed_up(&owner).await;
    let org = slug(&org);
    let project = app.project(org, "Website").await;
    app.ok("set_project_archived", &[("org", org), ("project", &project), ("archived", "true")]).await;
    let person = Person::new("mbr");
    let member = app.visitor();
    member.signed_up(&person).await;
    join(&app, org, &owner, &person, Role::Member).await;
    let member_id = member.current_user().await["id"].as_str().unwrap().to_owned();
    app.ok("change_member_role", &[("org", org), ("user", &member_id), ("role", "guest")]).await;
    app.ok("remove_member", &[("org", org), ("user", &member_id)]).await;

    let all = app.ok("list_audit_events", &[("org", org)]).await;
    assert_eq!(
        actions(&all),
        ["member.removed", "member.role_changed", "project.archived", "project.created", "user.signed_up"]
    );
    let changed = &all["items"][1];
    assert_eq!(changed["actor_email"], owner.email.as_str());
    assert_eq!(changed["target_type"], "member");
    assert_eq!(changed["target_id"], member_id.as_str());
    assert_eq!(changed["ip"], "127.0.0.1");
    let details: Value = serde_json::from_str(changed["details"].as_str().unwrap()).unwrap();
    assert_eq!((details["from"].as_str(), details["to"].as_str()), (Some("member"), Some("guest")));

    // Filters: by type, by person, by day.
    let archived = app.ok("list_audit_events", &[("org", org), ("action", "project.archived")]).await;
    assert_eq!(actions(&archived), ["project.archived"]);
    let owner_id = app.current_user().await["id"].as_str().unwrap().to_owned();
    let by_owner = app.ok("list_audit_events", &[("org", org), ("actor", &owner_id)]).await;
    assert_eq!(by_owner["items"].as_array().unwrap().len(), 5);
    let by_member = app.ok("list_audit_events", &[("org", org), ("actor", &member_id)]).await;
    assert!(actions(&by_member).is_empty());
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let dated = app.ok("list_audit_events", &[("org", org), ("from", &today), ("to", &today)]).await;
    assert_eq!(actions(&dated).len(), 5);
    let old = app.ok("list_audit_events", &[("org", org), ("to", "2020-01-01")]).await;
    assert!(actions(&old).is_empty());
    let response = app.call("list_audit_events", &[("org", org), ("from", "yesterday")]).await;
    assert_eq!(field_error(response, "from").await, "Enter a date as YYYY-MM-DD.");
    let response = app.call("list_audit_events", &[("org", org), ("from", "2026-02-02"), ("to", "2026-02-01")]).await;
    assert_eq!(field_error(response, "to").await, "The end date is before the start date.");
    let response = app.call("list_audit_events", &[("org", org), ("action", "member.promoted")]).await;
    assert_eq!(field_error(response, "action").await, "Choose an event type from the list.");

    // Another organization's log is not this one's.
    let stranger = app.visitor();
    let theirs = stranger.signed_up(&Person::new("other")).await;
    let theirs = stranger.ok("list_audit_events", &[("org", slug(&theirs))]).await;
    assert_eq!(actions(&theirs), ["user.signed_up"]);
    assert_eq!(stranger.call("list_audit_events", &[("org", org)]).await.status(), 404);
}

#[tokio::test]
async fn the_log_pages_by_cursor_and_members_cannot_read_it() {
    let app = spawn_app().await;
    let owner = Person::new("own");
    let org = app.signed_up(&owner).await;
    let org = slug(&org);
    for n in 0..55 {
        app.project(org, &format!("P{n:02}")).await;
    }
    let first = app.ok("list_audit_events", &[("org", org)]).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 50);
    let next = first["next"].as_str().unwrap();
    let second = app.ok("list_audit_events", &[("org", org), ("before", next)]).await;
    assert_eq!(second["items"].as_array().unwrap().len(), 6, "5 projects and the sign-up");
    assert!(second["next"].is_null());
    assert_eq!(actions(&second).last().map(String::as_str), Some("user.signed_up"));

    let person = Person::new("mbr");
    let member = app.visitor();
    member.signed_up(&person).await;
    join(&app, org, &owner, &person, Role::Member).await;
    assert_eq!(member.call("list_audit_events", &[("org", org)]).await.status(), 403);
    let page = member.get(&format!("/o/{org}/audit")).await.text().await.unwrap();
    assert!(!page.contains("P00"), "no events on a member's page");
    assert!(!member.get(&format!("/o/{org}")).await.text().await.unwrap().contains("Audit log"));
    assert!(app.get(&format!("/o/{org}")).await.text().await.unwrap().contains("Audit log"));
}

#[tokio::test]
async fn sign_ins_and_failures_are_recorded() {
    let app = spawn_app().await;
    let person = Person::new("ada");
    app.signed_up(&person).await;
    app.ok("logout", &[]).await;
    assert_eq!(app.login(&person.email, "wrong password, clearly").await.status(), 401);
    assert_eq!(app.login(&person.email, &person.password).await.status(), 200);
    let events = audit_rows(&app).await;
    assert_eq!(
        events,
        [
            ("user.signed_up".to_owned(), Some(person.email.clone()), true),
            ("user.signed_out".to_owned(), Some(person.email.clone()), false),
            ("user.sign_in_failed".to_owned(), Some(person.email.clone()), false),
            ("user.signed_in".to_owned(), Some(person.email.clone()), false),
        ]
    );
}

/// Every event, oldest first: type, email, whether it names an
/// organization.
async fn audit_rows(app: &crate::helpers::TestApp) -> Vec<(String, Option<String>, bool)> {
    use app::server::db::Db;
    let sql = "SELECT action, actor_email, org_id IS NOT NULL FROM audit_events ORDER BY id";
    match &app.db {
        Db::Sqlite(pool) => sqlx::query_as(sql).fetch_all(pool).await.unwrap(),
        Db::Postgres(pool) => sqlx::query_as(sql).fetch_all(pool).await.unwrap(),
    }
}

#[tokio::test]
async fn the_log_exports_as_csv_with_its_filters_for_admins_only() {
    let app = spawn_app().await;
    let owner = Person::new("own");
    let org = app.signed_up(&owner).await;
    let org = slug(&org).to_owned();
    for n in 0..601 {
        app.project(&org, &format!("P{n:03}")).await;
    }
    let response = app.get(&format!("/o/{org}/audit.csv")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let text = response.text().await.unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|line| !line.is_empty()).collect();
    assert_eq!(lines[0], "id,time,event,actor_email,actor_id,target_type,target_id,ip,user_agent,details");
    assert_eq!(lines.len(), 1 + 602, "every event across the batches of 500: 601 projects and the sign-up");
    assert!(lines[1].contains("project.created") && lines[602].contains("user.signed_up"));

    let filtered = app.get(&format!("/o/{org}/audit.csv?action=user.signed_up")).await.text().await.unwrap();
    assert_eq!(filtered.split("\r\n").filter(|line| !line.is_empty()).count(), 2);
    let bad = app.get(&format!("/o/{org}/audit.csv?from=soon")).await;
    assert_eq!(bad.status(), 422);

    let person = Person::new("mbr");
    let member = app.visitor();
    member.signed_up(&person).await;
    join(&app, &org, &owner, &person, Role::Member).await;
    assert_eq!(member.get(&format!("/o/{org}/audit.csv")).await.status(), 403);
    assert_eq!(app.visitor().get(&format!("/o/{org}/audit.csv")).await.status(), 401);
}
