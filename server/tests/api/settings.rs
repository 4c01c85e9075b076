//! Organization settings through HTTP: name and address (old links
//! redirect members), ownership transfer, deletion and restoring.

use app::model::Role;
use serde_json::Value;

use crate::helpers::{Person, field_error, join, location, platform_admin, slug, spawn_app};

#[tokio::test]
async fn admins_rename_and_move_the_organization_and_old_links_lead_members_there() {
    let app = spawn_app().await;
    let owner = Person::new("own");
    let org = slug(&app.signed_up(&owner).await).to_owned();
    let stranger = app.visitor();
    let other_org = slug(&stranger.signed_up(&Person::new("other")).await).to_owned();

    let form = [("org", org.as_str()), ("name", "Harbor Lights"), ("slug", "harbor")];
    let moved = app.call("update_org_settings", &form).await;
    assert_eq!(moved.status(), 200);
    assert_eq!(location(&moved), "/o/harbor/settings");
    let settings = app.ok("get_org_settings", &[("org", "harbor")]).await;
    assert_eq!(
        (settings["org"]["name"].as_str(), settings["org"]["slug"].as_str()),
        (Some("Harbor Lights"), Some("harbor"))
    );
    // The old slug names nothing now, and its pages send members on.
    assert_eq!(app.call("get_org_shell", &[("org", &org)]).await.status(), 404);
    let old = app.get(&format!("/o/{org}/projects?view=archived")).await;
    assert_eq!(old.status(), 307);
    assert_eq!(location(&old), "/o/harbor/projects?view=archived");
    assert_eq!(app.get("/o/harbor/projects").await.status(), 200);
    // Anyone else learns nothing of where it went.
    assert_eq!(stranger.get(&format!("/o/{org}/projects")).await.status(), 404);

    // Another organization's slug, a malformed one, an empty name.
    let taken = [("org", "harbor"), ("name", "Harbor Lights"), ("slug", other_org.as_str())];
    let message = field_error(app.call("update_org_settings", &taken).await, "slug").await;
    assert_eq!(message, "Another organization has this address. Choose another.");
    let bad = [("org", "harbor"), ("name", " "), ("slug", "Not A Slug")];
    let response = app.call("update_org_settings", &bad).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert!(body["detail"]["fields"]["slug"].as_str().unwrap().starts_with("Use 1 to 48 lowercase"));
    assert!(body["detail"]["fields"]["name"].is_string());

    // Going back to the old slug takes it from the redirects.
    app.ok("update_org_settings", &[("org", "harbor"), ("name", "Harbor Lights"), ("slug", &org)]).await;
    assert_eq!(app.get(&format!("/o/{org}/projects")).await.status(), 200);
    assert_eq!(location(&app.get("/o/harbor").await), format!("/o/{org}"));

    let log = app.ok("list_audit_events", &[("org", &org), ("action", "organization.settings_changed")]).await;
    let changes = log["items"].as_array().unwrap();
    assert_eq!(changes.len(), 2);
    let details: Value = serde_json::from_str(changes[1]["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["slug"]["to"], "harbor");
    assert_eq!(details["name"]["from"], "own Works");
}

#[tokio::test]
async fn members_and_guests_cannot_change_settings_admins_cannot_transfer_or_delete() {
    let app = spawn_app().await;
    let owner = Person::new("own");
    let org = slug(&app.signed_up(&owner).await).to_owned();
    for role in [Role::Admin, Role::Member, Role::Guest] {
        let person = Person::new(role.as_str());
        let client = app.visitor();
        client.signed_up(&person).await;
        join(&app, &org, &owner, &person, role).await;
        let settings = client.call("get_org_settings", &[("org", &org)]).await.status();
        let update = client.call("update_org_settings", &[("org", &org), ("name", "X"), ("slug", &org)]).await;
        assert_eq!((settings == 200, update.status() == 200), (role == Role::Admin, role == Role::Admin), "{role:?}");
        let me = client.current_user().await["id"].as_str().unwrap().to_owned();
        assert_eq!(client.call("transfer_ownership", &[("org", &org), ("user", &me)]).await.status(), 403);
        let name = app.ok("get_org_settings", &[("org", &org)]).await["org"]["name"].as_str().unwrap().to_owned();
        assert_eq!(client.call("delete_organization", &[("org", &org), ("confirm", &name)]).await.status(), 403);
    }
}

#[tokio::test]
async fn ownership_goes_to_a_member_and_the_owner_becomes_an_admin() {
    let app = spawn_app().await;
    let owner = Person::new("own");
    let org = slug(&app.signed_up(&owner).await).to_owned();
    let heir = Person::new("heir");
    let heir_client = app.visitor();
    heir_client.signed_up(&heir).await;
    join(&app, &org, &owner, &heir, Role::Member).await;
    let heir_id = heir_client.current_user().await["id"].as_str().unwrap().to_owned();
    let my_id = app.current_user().await["id"].as_str().unwrap().to_owned();
    let outsider = app.visitor();
    outsider.signed_up(&Person::new("out")).await;
    let outsider_id = outsider.current_user().await["id"].as_str().unwrap().to_owned();

    // Not a member, oneself, a malformed id: 404.
    for user in [outsider_id.as_str(), my_id.as_str(), "nope"] {
        assert_eq!(app.call("transfer_ownership", &[("org", &org), ("user", user)]).await.status(), 404, "{user}");
    }
    let given = app.call("transfer_ownership", &[("org", &org), ("user", &heir_id)]).await;
    assert_eq!(given.status(), 200);
    assert_eq!(location(&given), format!("/o/{org}/settings"));
    let members = app.ok("list_members", &[("org", &org)]).await;
    let role_of = |id: &str| {
        members.as_array().unwrap().iter().find(|m| m["user_id"] == id).unwrap()["role"].as_str().unwrap().to_owned()
    };
    assert_eq!((role_of(&heir_id), role_of(&my_id)), ("owner".to_owned(), "admin".to_owned()));
    // Now an Admin, the former owner cannot do it again.
    assert_eq!(app.call("transfer_ownership", &[("org", &org), ("user", &heir_id)]).await.status(), 403);
    let log = app.ok("list_audit_events", &[("org", &org), ("action", "organization.ownership_transferred")]).await;
    assert_eq!(log["items"][0]["target_id"], heir_id.as_str());
}

#[tokio::test]
async fn owners_delete_after_typing_the_name_and_a_platform_admin_restores_within_30_days() {
    let app = spawn_app().await;
    let owner = Person::new("own");
    let org = slug(&app.signed_up(&owner).await).to_owned();
    let member = Person::new("mem");
    let member_client = app.visitor();
    member_client.signed_up(&member).await;
    join(&app, &org, &owner, &member, Role::Member).await;
    let org_id = app.ok("get_org_settings", &[("org", &org)]).await["org"]["id"].as_str().unwrap().to_owned();

    let wrong = app.call("delete_organization", &[("org", &org), ("confirm", "own works")]).await;
    assert_eq!(field_error(wrong, "confirm").await, "Type the organization's name, own Works, to confirm.");
    let deleted = app.call("delete_organization", &[("org", &org), ("confirm", "own Works")]).await;
    assert_eq!(deleted.status(), 200);
    assert_eq!(location(&deleted), "/");
    // Gone for its members, pages and switcher alike.
    for client in [&*app, &member_client] {
        assert_eq!(client.call("get_org_shell", &[("org", &org)]).await.status(), 404);
        assert_eq!(client.get(&format!("/o/{org}")).await.status(), 404);
    }
    let switcher = member_client.ok("get_landing", &[]).await;
    assert_ne!(switcher["Organization"], format!("/o/{org}").as_str());

    let admin = platform_admin(&app).await;
    let found = admin.ok("list_tenants", &[("search", "own works")]).await;
    assert_eq!(found["items"][0]["status"], "deleted");
    let restored = admin.ok("restore_organization", &[("org", &org_id)]).await;
    assert_eq!(restored["status"], "active");
    assert_eq!(member_client.call("get_org_shell", &[("org", &org)]).await.status(), 200);
    // Only a deleted organization can be restored.
    assert_eq!(admin.call("restore_organization", &[("org", &org_id)]).await.status(), 409);
    let log = app.ok("list_audit_events", &[("org", &org)]).await;
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(&actions[..2], ["organization.restored", "organization.deleted"]);
}
