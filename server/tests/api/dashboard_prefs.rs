//! The dashboard's per-person settings and feedback: saved views of a task
//! list, the colour scheme, and the flash a plain form leaves.

use app::model::Role;
use reqwest::header;

use crate::helpers::{Org, field_error, location, spawn_app};

#[tokio::test]
async fn views_are_shared_or_private_and_keep_the_lists_query_in_canonical_form() {
    let org = Org::new().await;
    let app = &org.app;
    let project = app.project(&org.slug, "Launch").await;
    let (member, _, _) = org.person("mo", Role::Member).await;
    let (guest, _, _) = org.person("gail", Role::Guest).await;
    let (admin, _, _) = org.person("ari", Role::Admin).await;

    // Paging is dropped, the rest put in the list's own order.
    let shared = member
        .ok(
            "save_view",
            &org.form(&[
                ("project", &project),
                ("name", "Urgent"),
                ("query", "?page=3&priority=urgent&q=launch"),
                ("shared", "on"),
            ]),
        )
        .await;
    assert_eq!(shared["query"], "?priority=urgent&q=launch");
    assert_eq!(shared["shared"], true);
    let private =
        member.ok("save_view", &org.form(&[("project", &project), ("name", "Mine"), ("query", "assignee=me")])).await;
    assert_eq!(private["query"], "?assignee=me");

    // The author sees both; others see the shared one only.
    let names = |views: serde_json::Value| -> Vec<String> {
        views.as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap().to_owned()).collect()
    };
    let listing = org.form(&[("project", &project)]);
    assert_eq!(names(member.ok("list_views", &listing).await), ["Mine", "Urgent"]);
    assert_eq!(names(app.ok("list_views", &listing).await), ["Urgent"]);
    let seen = guest.ok("list_views", &listing).await;
    assert_eq!(seen[0]["mine"], false);
    assert_eq!(seen[0]["created_by"], "mo Tester");

    // A Guest keeps private views, but cannot share.
    guest.ok("save_view", &org.form(&[("project", &project), ("name", "Guest's"), ("query", "")])).await;
    let sharing =
        guest.call("save_view", &org.form(&[("project", &project), ("name", "Loud"), ("shared", "on")])).await;
    assert_eq!(sharing.status(), 403);

    // Bad input is answered on its field.
    let unnamed = member.call("save_view", &org.form(&[("project", &project), ("name", " ")])).await;
    assert_eq!(field_error(unnamed, "name").await, "Enter a name for the view.");
    let unknown =
        member.call("save_view", &org.form(&[("project", &project), ("name", "Odd"), ("query", "colour=red")])).await;
    assert!(field_error(unknown, "query").await.starts_with("colour: Unknown list parameter"));

    // Another member's private view is as absent as another organization's.
    let private_id = private["id"].as_str().unwrap();
    let response = admin.call("delete_view", &org.form(&[("view", private_id)])).await;
    assert_eq!(response.status(), 404);
    // An Admin may delete a shared view; the author their own.
    admin.ok("delete_view", &org.form(&[("view", shared["id"].as_str().unwrap())])).await;
    member.ok("delete_view", &org.form(&[("view", private_id)])).await;
    assert!(member.ok("list_views", &listing).await.as_array().unwrap().is_empty());

    // Another organization's project answers 404.
    let stranger = app.visitor();
    let path = stranger.signed_up(&crate::helpers::Person::new("eve")).await;
    let theirs = path.trim_start_matches("/o/");
    let response = stranger.call("list_views", &[("org", theirs), ("project", &project)]).await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn the_theme_is_kept_with_the_account_and_rendered_on_html() {
    let org = Org::new().await;
    let app = &org.app;
    let dashboard = format!("/o/{}", org.slug);
    // The page's `<html ...>` tag.
    let html_tag = |html: String| format!("<html{}>", html.split("<html").nth(1).unwrap().split('>').next().unwrap());
    let first = html_tag(app.get(&dashboard).await.text().await.unwrap());
    assert!(!first.contains("data-theme"), "{first}");

    let response = app.call("set_theme", &[("theme", "dark")]).await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().to_owned();
    assert!(cookie.starts_with("atrium_theme=dark;"), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let dark = html_tag(app.get(&dashboard).await.text().await.unwrap());
    assert_eq!(dark, r#"<html lang="en" data-theme="dark">"#);
    assert_eq!(app.current_user().await["theme"], "dark");

    // A new browser of the same person gets it when they sign in.
    let other = app.visitor();
    let response = other.login(&org.owner.email, &org.owner.password).await;
    let cookies: Vec<&str> =
        response.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("atrium_theme=dark;")), "{cookies:?}");

    // "System" removes the cookie: the page follows the device again.
    let response = app.call("set_theme", &[("theme", "system")]).await;
    let cookie = response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().to_owned();
    assert!(cookie.starts_with("atrium_theme=;") && cookie.contains("Max-Age=0"), "{cookie}");
    assert!(!html_tag(app.get(&dashboard).await.text().await.unwrap()).contains("data-theme"));

    let response = app.call("set_theme", &[("theme", "sepia")]).await;
    assert_eq!(field_error(response, "theme").await, "Choose light, dark or system.");
    let signed_out = spawn_app().await;
    assert_eq!(signed_out.call("set_theme", &[("theme", "dark")]).await.status(), 401);
}

#[tokio::test]
async fn a_plain_form_leaves_a_flash_for_the_next_page_once() {
    let org = Org::new().await;
    let app = &org.app;
    let project = app.project(&org.slug, "Launch").await;
    let task = app.task(&org.slug, &project, &[("title", "Write the brief")]).await;
    let page = format!("/o/{}/projects/{project}", org.slug);

    let response = app
        .client
        .post(app.url("/api/set_task_done"))
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, app.url(&page))
        .form(&org.form(&[("task", task["id"].as_str().unwrap()), ("done", "true")]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert!(location(&response).starts_with(&app.url(&page)), "back to the page");
    let html = app.get(&page).await.text().await.unwrap();
    assert!(html.contains("Completed “Write the brief”."), "the flash shows on the next page");
    let again = app.get(&page).await.text().await.unwrap();
    assert!(!again.contains("Completed “Write the brief”."), "once");

    // A hydrated page's call (JSON) leaves none: it shows a toast itself.
    app.ok("set_task_done", &org.form(&[("task", task["id"].as_str().unwrap()), ("done", "false")])).await;
    assert!(!app.get(&page).await.text().await.unwrap().contains("Reopened"));
}

#[tokio::test]
async fn views_are_neither_saved_nor_deleted_in_a_suspended_organization() {
    let org = Org::new().await;
    let app = &org.app;
    let project = app.project(&org.slug, "Launch").await;
    let (member, _, _) = org.person("mo", Role::Member).await;
    let (guest, _, _) = org.person("gail", Role::Guest).await;
    let save = |name: &'static str, shared: bool| {
        let mut form = org.form(&[("project", &project), ("name", name), ("query", "priority=high")]);
        if shared {
            form.push(("shared", "on"));
        }
        form
    };
    let shared = member.ok("save_view", &save("Team", true)).await;
    let private = member.ok("save_view", &save("Mine", false)).await;
    let guests = guest.ok("save_view", &save("Guest's", false)).await;

    let admin = crate::helpers::platform_admin(app).await;
    let id = app.ok("get_org_settings", &org.form(&[])).await["org"]["id"].as_str().unwrap().to_owned();
    admin.ok("suspend_organization", &[("org", &id)]).await;
    let calls = [
        (&member, "save_view", save("Later", false)),
        (&member, "save_view", save("Later, shared", true)),
        (&guest, "save_view", save("Later", false)),
        (&member, "delete_view", org.form(&[("view", private["id"].as_str().unwrap())])),
        (&member, "delete_view", org.form(&[("view", shared["id"].as_str().unwrap())])),
        (&guest, "delete_view", org.form(&[("view", guests["id"].as_str().unwrap())])),
        (&**app, "delete_view", org.form(&[("view", shared["id"].as_str().unwrap())])),
    ];
    for (client, name, form) in calls {
        let response = client.call(name, &form).await;
        assert_eq!(response.status(), 403, "{name} {form:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["kind"], "suspended", "{name}: {body}");
    }
    // Nothing changed, and reading still works.
    let listing = org.form(&[("project", &project)]);
    assert_eq!(member.ok("list_views", &listing).await.as_array().unwrap().len(), 2);
    assert_eq!(guest.ok("list_views", &listing).await.as_array().unwrap().len(), 2);
}
