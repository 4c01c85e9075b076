//! The platform admin through HTTP: the tenant list, suspension, plans and
//! limits, and the whole audit log; 404 for everyone else.

use app::model::{Plan, Role};
use serde_json::Value;

use crate::helpers::{Org, Person, field_error, join, platform_admin, slug, spawn_app, spawn_app_with};

#[tokio::test]
async fn the_admin_area_is_not_found_for_anyone_but_platform_admins() {
    let app = spawn_app().await;
    app.signed_up(&Person::new("user")).await;
    for name in ["list_tenants", "list_platform_audit_events"] {
        assert_eq!(app.call(name, &[]).await.status(), 404, "{name}");
        assert_eq!(app.visitor().call(name, &[]).await.status(), 401, "{name} signed out");
    }
    assert_eq!(app.get("/admin").await.status(), 404);
    assert_eq!(app.get("/admin/audit").await.status(), 404);
    assert_eq!(app.get("/admin/audit.csv").await.status(), 404);

    let admin = platform_admin(&app).await;
    assert_eq!(admin.get("/admin").await.status(), 200);
    let csv = admin.get("/admin/audit.csv?action=user.signed_up").await;
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    assert_eq!(text.lines().count(), 3, "a header and two sign-ups: {text}");
}

#[tokio::test]
async fn tenants_list_with_sizes_search_and_pages() {
    let app = spawn_app().await;
    let owner = Person::new("own");
    let org = slug(&app.signed_up(&owner).await).to_owned();
    let project = app.project(&org, "Launch").await;
    for title in ["One", "Two", "Three"] {
        app.task(&org, &project, &[("title", title)]).await;
    }
    let member = Person::new("mem");
    app.visitor().signed_up(&member).await;
    join(&app, &org, &owner, &member, Role::Member).await;
    for n in 0..26 {
        app.ok("create_organization", &[("name", &format!("Venture {n:02}"))]).await;
    }

    let admin = platform_admin(&app).await;
    let first = admin.ok("list_tenants", &[]).await;
    // 26 ventures, own's, mem's and the admin's own: 29, newest first.
    assert_eq!((first["total"].as_i64(), first["items"].as_array().unwrap().len()), (Some(29), 25));
    assert_eq!(first["items"][1]["name"], "Venture 25");
    let second = admin.ok("list_tenants", &[("offset", "25")]).await;
    let names: Vec<&str> = second["items"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Venture 01", "Venture 00", "mem Works", "own Works"]);
    let found = admin.ok("list_tenants", &[("search", "OWN W")]).await;
    assert_eq!(found["total"], 1);
    let own = &found["items"][0];
    assert_eq!(
        (own["members"].as_i64(), own["projects"].as_i64(), own["tasks"].as_i64(), own["status"].as_str()),
        (Some(2), Some(1), Some(3), Some("active"))
    );
    assert_eq!(own["plan"], "enterprise");
    let long = "x".repeat(101);
    assert!(!field_error(admin.call("list_tenants", &[("search", &long)]).await, "search").await.is_empty());
}

#[tokio::test]
async fn a_suspended_organization_can_be_read_and_nothing_in_it_changed() {
    let org = Org::new().await;
    let app = &org.app;
    let project = app.project(&org.slug, "Launch").await;
    let (member, _, _) = org.person("mem", Role::Member).await;
    let admin = platform_admin(app).await;
    let id = app.ok("get_org_settings", &org.form(&[])).await["org"]["id"].as_str().unwrap().to_owned();
    app.ok("invite_member", &org.form(&[("email", "later@example.com"), ("role", "member")])).await;
    let link = app.invitation_link("later@example.com");

    let suspended = admin.ok("suspend_organization", &[("org", &id)]).await;
    assert_eq!(suspended["status"], "suspended");
    assert_eq!(admin.call("suspend_organization", &[("org", &id)]).await.status(), 409);
    // Reading works; every change answers 403 with the reason.
    assert_eq!(member.call("list_projects", &org.form(&[])).await.status(), 200);
    for (client, name, form) in [
        (&member, "create_project", org.form(&[("name", "More")])),
        (&member, "create_task", org.form(&[("project", &project), ("title", "More")])),
        (&**app, "invite_member", org.form(&[("email", "x@example.com"), ("role", "guest")])),
        (&**app, "update_org_settings", org.form(&[("name", "X"), ("slug", &org.slug)])),
    ] {
        let response = client.call(name, &form).await;
        assert_eq!(response.status(), 403, "{name}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["kind"], "suspended", "{name}: {body}");
    }
    let shell = member.ok("get_org_shell", &org.form(&[])).await;
    assert_eq!(shell["org"]["suspended"], true);
    let page = member.get(&format!("/o/{}/projects", org.slug)).await.text().await.unwrap();
    assert!(page.contains("is suspended"), "the page says so");
    // Nobody joins a suspended organization.
    let token = link.trim_start_matches("/invite/");
    let joiner = app.visitor();
    let accepted = joiner
        .call(
            "accept_invitation_with_signup",
            &[("token", token), ("display_name", "Later"), ("password", "quiet otter lamp harbor 97")],
        )
        .await;
    assert_eq!(accepted.status(), 403);

    let active = admin.ok("reactivate_organization", &[("org", &id)]).await;
    assert_eq!(active["status"], "active");
    assert_eq!(member.call("create_project", &org.form(&[("name", "More")])).await.status(), 200);
    let log = app.ok("list_audit_events", &org.form(&[])).await;
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"organization.suspended") && actions.contains(&"organization.reactivated"));
}

#[tokio::test]
async fn plan_limits_refuse_what_goes_over_with_a_clear_error() {
    let org = Org::new().await;
    let app = &org.app;
    let admin = platform_admin(app).await;
    let id = app.ok("get_org_settings", &org.form(&[])).await["org"]["id"].as_str().unwrap().to_owned();

    let bad = admin.call("set_organization_plan", &[("org", &id), ("plan", "gold"), ("members", "-1")]).await;
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["detail"]["fields"]["plan"], "Choose free, pro or enterprise.");
    assert!(body["detail"]["fields"]["members"].as_str().unwrap().starts_with("Enter a whole number"));
    let form = [("org", id.as_str()), ("plan", "pro"), ("members", "2"), ("projects", "2"), ("licenses", "")];
    let set = admin.ok("set_organization_plan", &form).await;
    assert_eq!((set["plan"].as_str(), set["limits"]["projects"].as_i64()), (Some("pro"), Some(2)));
    assert!(set["limits"]["licenses"].is_null());

    // Projects: two, then a clear refusal; the trash frees a place, and
    // restoring into a full plan is refused too.
    let first = app.project(&org.slug, "One").await;
    app.project(&org.slug, "Two").await;
    let over = app.call("create_project", &org.form(&[("name", "Three")])).await;
    assert_eq!(over.status(), 403);
    let body: Value = over.json().await.unwrap();
    assert_eq!(body["kind"], "limit_reached");
    let message = app::error::AppError::LimitReached { resource: "projects".into(), limit: 2 }.to_string();
    assert_eq!(message, "Your organization's plan allows 2 projects. Ask a platform admin for a higher limit.");
    app.ok("delete_project", &org.form(&[("project", &first)])).await;
    app.project(&org.slug, "Three").await;
    assert_eq!(app.call("restore_project", &org.form(&[("project", &first)])).await.status(), 403);

    // Members: the owner and one invitation fill two seats.
    app.ok("invite_member", &org.form(&[("email", "first@example.com"), ("role", "member")])).await;
    let full = app.call("invite_member", &org.form(&[("email", "second@example.com"), ("role", "member")])).await;
    assert_eq!(
        field_error(full, "email").await,
        "Your organization's plan allows 2 members. Ask a platform admin for a higher limit."
    );
    // Inviting the same address again renews its seat.
    app.ok("invite_member", &org.form(&[("email", "first@example.com"), ("role", "guest")])).await;
    // Lowered below what is in use: the invitation can no longer be accepted.
    admin.ok("set_organization_plan", &[("org", &id), ("plan", "pro"), ("members", "1"), ("projects", "2")]).await;
    let token = app.invitation_link("first@example.com").trim_start_matches("/invite/").to_owned();
    let joiner = app.visitor();
    let refused = joiner
        .call(
            "accept_invitation_with_signup",
            &[("token", &token), ("display_name", "First"), ("password", "quiet otter lamp harbor 97")],
        )
        .await;
    assert_eq!(refused.status(), 409);
    // ... and no account was made for it.
    assert_eq!(joiner.login("first@example.com", "quiet otter lamp harbor 97").await.status(), 401);
    let settings = app.ok("get_org_settings", &org.form(&[])).await;
    assert_eq!((settings["usage"]["members"].as_i64(), settings["usage"]["projects"].as_i64()), (Some(2), Some(2)));

    let log = admin.ok("list_platform_audit_events", &[("org", &id), ("action", "organization.plan_changed")]).await;
    assert_eq!(log["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn new_organizations_get_the_configured_default_plan() {
    let app = spawn_app_with(|config| config.default_plan = Plan::Free).await;
    let org = slug(&app.signed_up(&Person::new("free")).await).to_owned();
    let settings = app.ok("get_org_settings", &[("org", &org)]).await;
    assert_eq!(settings["usage"]["plan"], "free");
    assert_eq!(settings["usage"]["limits"]["members"], 10);
    let second = crate::helpers::location(&app.call("create_organization", &[("name", "Second")]).await);
    let settings = app.ok("get_org_settings", &[("org", slug(&second))]).await;
    assert_eq!(settings["usage"]["limits"]["projects"], 10);
}

#[tokio::test]
async fn the_platform_log_holds_every_organization_and_peoples_own_events() {
    let app = spawn_app().await;
    let owner = Person::new("own");
    let org = slug(&app.signed_up(&owner).await).to_owned();
    let other = app.visitor();
    other.signed_up(&Person::new("oth")).await;
    let admin = platform_admin(&app).await;
    // A sign-in belongs to no organization: only the platform sees it.
    assert_eq!(app.visitor().login(&owner.email, &owner.password).await.status(), 200);
    let sign_ins = admin.ok("list_platform_audit_events", &[("action", "user.signed_in")]).await;
    assert_eq!(sign_ins["items"][0]["actor_email"], owner.email.as_str());
    let org_log = app.ok("list_audit_events", &[("org", &org), ("action", "user.signed_in")]).await;
    assert!(org_log["items"].as_array().unwrap().is_empty());
    // Sign-ups of all three, each with the organization it made.
    let signups = admin.ok("list_platform_audit_events", &[("action", "user.signed_up")]).await;
    assert_eq!(signups["items"].as_array().unwrap().len(), 3);
    let id = app.ok("get_org_settings", &[("org", &org)]).await["org"]["id"].as_str().unwrap().to_owned();
    let only = admin.ok("list_platform_audit_events", &[("org", &id)]).await;
    assert!(
        only["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["action"] == "organization.created" || e["target_id"] == id.as_str())
    );
    assert_eq!(admin.call("list_platform_audit_events", &[("org", "nope")]).await.status(), 404);
}
