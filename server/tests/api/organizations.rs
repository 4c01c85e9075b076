//! Several organizations per person: creating another, switching, and `/`
//! returning to the one used last.

use serde_json::Value;

use crate::helpers::{Person, field_error, location, slug, spawn_app};

#[tokio::test]
async fn a_person_creates_another_organization_and_home_remembers_the_last_used() {
    let app = spawn_app().await;
    let first = app.signed_up(&Person::new("ada")).await;

    let created = app.call("create_organization", &[("name", "Second Venture")]).await;
    assert_eq!(created.status(), 200);
    let second = location(&created);
    assert_eq!(second, "/o/second-venture");
    // Its Owner, listed beside the first in the switcher.
    let shell = app.ok("get_org_shell", &[("org", slug(&second))]).await;
    assert_eq!(shell["org"]["role"], "owner");
    let names: Vec<&str> =
        shell["organizations"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["ada Works", "Second Venture"]);
    // `/` opens the one used last: the new one, then the first again once
    // it is opened.
    assert_eq!(app.ok("get_landing", &[]).await["Organization"], second.as_str());
    app.ok("get_org_shell", &[("org", slug(&first))]).await;
    assert_eq!(app.ok("get_landing", &[]).await["Organization"], first.as_str());

    // The same name again gets the next free slug.
    let again = app.call("create_organization", &[("name", "Second Venture")]).await;
    assert_eq!(location(&again), "/o/second-venture-2");

    let response = app.call("create_organization", &[("name", "   ")]).await;
    assert!(!field_error(response, "name").await.is_empty());
    let response = app.call("create_organization", &[("name", &"n".repeat(101))]).await;
    assert!(!field_error(response, "name").await.is_empty());
    let stranger = app.visitor().call("create_organization", &[("name", "Nope")]).await;
    assert_eq!(stranger.status(), 401);
    let body: Value = stranger.json().await.unwrap();
    assert_eq!(body["kind"], "unauthenticated");
}

#[tokio::test]
async fn the_new_organization_page_needs_a_signed_in_person() {
    let app = spawn_app().await;
    let signed_out = app.get("/organizations/new").await;
    assert_eq!(signed_out.status(), 302);
    assert_eq!(location(&signed_out), "/login?next=%2Forganizations%2Fnew");
    app.signed_up(&Person::new("ada")).await;
    let page = app.get("/organizations/new").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Organization name") && html.contains("Create organization"));
}

#[tokio::test]
async fn the_last_used_organization_is_kept_with_the_person_across_sign_out_and_browsers() {
    let app = spawn_app().await;
    let person = Person::new("ada");
    let first = app.signed_up(&person).await;
    let second = location(&app.call("create_organization", &[("name", "Second Venture")]).await);
    // The first again, then the second: the one used last is not the
    // first by name.
    app.ok("get_org_shell", &[("org", slug(&first))]).await;
    app.ok("get_org_shell", &[("org", slug(&second))]).await;

    assert_eq!(app.call("logout", &[]).await.status(), 200);
    let signed_in = app.login(&person.email, &person.password).await;
    assert_eq!(signed_in.status(), 200);
    assert_eq!(location(&signed_in), second);
    assert_eq!(app.ok("get_landing", &[]).await["Organization"], second.as_str());

    // Another browser of the same person, too.
    let other = app.visitor();
    assert_eq!(location(&other.login(&person.email, &person.password).await), second);
    other.ok("get_org_shell", &[("org", slug(&first))]).await;
    assert_eq!(app.ok("get_landing", &[]).await["Organization"], first.as_str());
}
