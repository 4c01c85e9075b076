//! `atrium seed-demo`: the demo organization, seen the way its people see
//! it, and the command that makes it.

use std::process::Command;

use crate::helpers::spawn_app;

const PASSWORD: &str = "look around the studio 42";

#[tokio::test]
async fn the_demo_organization_has_people_projects_and_weeks_of_history() {
    let app = spawn_app().await;
    let demo = server::demo::create(&app.db, "demo@example.com", PASSWORD).await.unwrap();
    assert_eq!(demo.tasks, 320);

    let response = app.login("demo@example.com", PASSWORD).await;
    assert_eq!(response.status(), 200);
    let org = demo.org.as_str();

    let members = app.ok("list_members", &[("org", org)]).await;
    let roles: Vec<&str> = members.as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles.len(), 5);
    for role in ["owner", "admin", "member", "guest"] {
        assert!(roles.contains(&role), "{role} in {roles:?}");
    }
    let active = app.ok("list_projects", &[("org", org)]).await;
    assert_eq!(active["total"], 2);
    let archived = app.ok("list_projects", &[("org", org), ("view", "archived")]).await;
    assert_eq!(archived["total"], 1);
    let labels = app.ok("list_labels", &[("org", org)]).await;
    assert_eq!(labels.as_array().unwrap().len(), 5);
    let project = active["items"][0]["id"].as_str().unwrap();
    let cycles = app.ok("list_cycles", &[("org", org), ("project", project)]).await;
    let cycles = cycles.as_array().unwrap();
    assert_eq!(cycles.len(), 5);
    assert!(cycles.iter().any(|c| c["total_tasks"].as_i64().unwrap() > 0));

    // The chart has a shape: completions in most of the twelve weeks, and
    // open work left for today.
    let dashboard = app.ok("get_org_dashboard", &[("org", org)]).await;
    let counts: Vec<i64> =
        dashboard["completed_per_week"].as_array().unwrap().iter().map(|w| w["count"].as_i64().unwrap()).collect();
    assert!(counts.iter().filter(|&&c| c > 0).count() >= 8, "{counts:?}");
    assert!(counts.iter().sum::<i64>() > 100, "{counts:?}");
    assert!(dashboard["open_task_count"].as_i64().unwrap() > 50);

    // Everyone signs in with the same password; the guest reads.
    let guest = app.visitor();
    assert_eq!(guest.login("demo+gail@example.com", PASSWORD).await.status(), 200);
    assert_eq!(guest.ok("list_projects", &[("org", org)]).await["total"], 2);

    // A second demo for the same email is refused with the reason.
    let again = server::demo::create(&app.db, "demo@example.com", PASSWORD).await.unwrap_err();
    assert!(again.to_string().contains("already has an account"), "{again}");
}

#[test]
fn the_command_makes_the_demo_and_says_where_to_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/atrium.db?mode=rwc", dir.path().display());
    let output = Command::new(env!("CARGO_BIN_EXE_atrium"))
        .args(["seed-demo", "--email", "dana@example.com", "--password", PASSWORD])
        .env("DATABASE_URL", &url)
        .env("ATRIUM_CONFIG", "/nonexistent/atrium.toml")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("/o/northwind-studio"), "{stdout}");
    assert!(stdout.contains("dana@example.com (Owner)"), "{stdout}");
    assert!(stdout.contains("dana+gail@example.com (Guest)"), "{stdout}");

    let weak = Command::new(env!("CARGO_BIN_EXE_atrium"))
        .args(["seed-demo", "--email", "lee@example.com", "--password", "short"])
        .env("DATABASE_URL", &url)
        .env("ATRIUM_CONFIG", "/nonexistent/atrium.toml")
        .output()
        .unwrap();
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password"));
}
