use crate::helpers::{Person, location, spawn_app};

#[tokio::test]
async fn signed_out_organization_pages_redirect_to_sign_in_and_back() {
    let app = spawn_app().await;
    let response = app.get("/o/anything?tab=x").await;
    assert_eq!(response.status(), 302);
    assert_eq!(location(&response), "/login?next=%2Fo%2Fanything%3Ftab%3Dx");
}

#[tokio::test]
async fn a_signed_in_non_member_gets_404_for_another_organization() {
    let app = spawn_app().await;
    let owner_org = app.signed_up(&Person::new("owner")).await;
    let stranger = app.visitor();
    stranger.signed_up(&Person::new("stranger")).await;

    for path in [owner_org.as_str(), "/o/no-such-org", "/o/NOT%20A%20SLUG"] {
        let response = stranger.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        let html = response.text().await.unwrap();
        assert!(html.contains("Page not found"), "{path}");
        assert!(!html.contains("owner Works"), "nothing of the other organization leaks");
    }
    // The server function answers the same.
    let response = stranger.call("get_org_dashboard", &[("org", owner_org.trim_start_matches("/o/"))]).await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.text().await.unwrap(), r#"{"kind":"not_found"}"#);
}

#[tokio::test]
async fn the_dashboard_shows_the_organization_role_and_counts() {
    let app = spawn_app().await;
    let path = app.signed_up(&Person::new("dash")).await;
    let response = app.call("get_org_dashboard", &[("org", path.trim_start_matches("/o/"))]).await;
    assert_eq!(response.status(), 200);
    let dashboard: serde_json::Value = response.json().await.unwrap();
    assert_eq!(dashboard["org"]["name"], "dash Works");
    assert_eq!(dashboard["org"]["role"], "owner");
    assert_eq!(dashboard["member_count"], 1);
}

#[tokio::test]
async fn the_landing_page_sends_a_signed_in_person_to_their_organization() {
    let app = spawn_app().await;
    let signed_out = app.get("/").await;
    assert_eq!(signed_out.status(), 200);
    assert!(signed_out.text().await.unwrap().contains("Sign up"));

    let path = app.signed_up(&Person::new("home")).await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 302);
    assert_eq!(location(&response), path);
}

#[tokio::test]
async fn unknown_paths_are_404_pages() {
    let app = spawn_app().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn the_forms_have_visible_labels_for_every_field() {
    let app = spawn_app().await;
    let html = app.get("/signup").await.text().await.unwrap();
    for (id, label) in [
        ("field-display_name", "Your name"),
        ("field-email", "Work email"),
        ("field-password", "Password"),
        ("field-organization_name", "Organization name"),
    ] {
        assert!(html.contains(&format!(r#"for="{id}""#)), "label for {id}");
        assert!(html.contains(label), "{label}");
    }
    assert!(html.contains(r#"action="/api/signup""#), "the form posts without JavaScript too");
}

#[tokio::test]
async fn a_plain_form_post_error_redirects_back_with_the_error_for_the_page() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/signup"))
        .header("accept", "text/html")
        .header("referer", app.url("/signup"))
        .form(&[("email", "nope"), ("display_name", "A"), ("password", "x"), ("organization_name", "O")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let back = location(&response);
    assert!(back.starts_with(&app.url("/signup?")), "{back}");
    assert!(back.contains("__err="));

    // The page rendered at that URL shows the message next to the field.
    let html = app.client.get(&back).header("accept", "text/html").send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Enter a valid email address"), "{html}");
}
