use crate::helpers::{Person, location, slug, spawn_app};

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
async fn the_dashboard_counts_my_open_and_overdue_work_and_charts_12_weeks_on_the_server() {
    let app = spawn_app().await;
    let path = app.signed_up(&Person::new("week")).await;
    let org = slug(&path);
    let me = app.current_user().await["id"].as_str().unwrap().to_owned();
    let today = time::OffsetDateTime::now_utc().date();
    let work = app.project(org, "Work").await;
    let frozen = app.project(org, "Frozen").await;
    let overdue = app.task(org, &work, &[("title", "Late"), ("due_on", "2000-01-01"), ("assignee", &me)]).await;
    app.task(org, &work, &[("title", "Due today"), ("due_on", &today.to_string())]).await;
    let done_late = app.task(org, &work, &[("title", "Done late"), ("due_on", "2000-01-01")]).await;
    let done = app.task(org, &work, &[("title", "Done"), ("assignee", &me)]).await;
    app.task(org, &frozen, &[("title", "Frozen late"), ("due_on", "2000-01-01"), ("assignee", &me)]).await;
    for task in [&done_late, &done] {
        app.ok("set_task_done", &[("org", org), ("task", task["id"].as_str().unwrap()), ("done", "true")]).await;
    }
    app.ok("set_project_archived", &[("org", org), ("project", &frozen), ("archived", "true")]).await;

    let dashboard = app.ok("get_org_dashboard", &[("org", org)]).await;
    assert_eq!(dashboard["overdue_count"], 1, "open, due before today, in an active project");
    assert_eq!(dashboard["open_task_count"], 2);
    let mine: Vec<&str> =
        dashboard["assigned_to_me"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap()).collect();
    assert_eq!(mine, ["Late"], "open, mine, in an active project");
    assert_eq!(dashboard["assigned_to_me"][0]["id"], overdue["id"]);

    // Twelve consecutive Monday-based weeks, the current one last, holding
    // this week's two completions.
    let weeks = dashboard["completed_per_week"].as_array().unwrap();
    assert_eq!(weeks.len(), 12);
    let starts: Vec<time::Date> =
        weeks.iter().map(|w| serde_json::from_value(w["week_start"].clone()).unwrap()).collect();
    assert!(starts.iter().all(|d| d.weekday() == time::Weekday::Monday));
    assert!(starts.windows(2).all(|w| w[1] - w[0] == time::Duration::weeks(1)));
    assert!(starts[11] <= today && today < starts[11] + time::Duration::weeks(1));
    let counts: Vec<i64> = weeks.iter().map(|w| w["count"].as_i64().unwrap()).collect();
    assert_eq!(counts, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);

    // The chart is SVG in the server's HTML, one bar per week.
    let html = app.get(&path).await.text().await.unwrap();
    let marker = html.find(r#"data-testid="weekly-chart""#).expect("an inline SVG chart");
    let chart = &html[html[..marker].rfind("<svg").unwrap()..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    assert!(chart.contains("Tasks completed per week over the last 12 weeks: 2 in all."), "{chart}");
    assert_eq!(chart.matches("<rect").count(), 12);
    assert!(chart.contains(": 2 completed"), "this week's bar");
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
        .form(&[
            ("email", "nope"),
            ("display_name", "Ada <Typed>"),
            ("password", "secret sauce"),
            ("organization_name", "Typed Org"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let back = location(&response);
    assert!(back.starts_with(&app.url("/signup?")), "{back}");
    assert!(back.contains("__err="));

    // The page rendered at that URL shows the message next to the field,
    // and the inputs hold what was typed, except the password.
    let html = app.client.get(&back).header("accept", "text/html").send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Enter a valid email address"), "{html}");
    for value in [r#"value="nope""#, r#"value="Ada &lt;Typed&gt;""#, r#"value="Typed Org""#] {
        assert!(html.contains(value), "{value} in {html}");
    }
    assert!(!html.contains("secret sauce"));
    // The draft served that one page.
    let again = app.client.get(&back).header("accept", "text/html").send().await.unwrap().text().await.unwrap();
    assert!(again.contains("Enter a valid email address") && !again.contains("Typed Org"));
}

#[tokio::test]
async fn a_failed_plain_post_refills_the_form_it_came_from_only() {
    let app = spawn_app().await;
    let path = app.signed_up(&Person::new("refill")).await;
    let org = slug(&path);
    let page = app.url(&format!("{path}/projects"));
    let long = "n".repeat(101);
    let response = app
        .client
        .post(app.url("/api/create_project"))
        .header("accept", "text/html")
        .header("referer", &page)
        .form(&[("org", org), ("name", long.as_str()), ("description", "Kept description")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let back = location(&response);
    let html = app.client.get(&back).header("accept", "text/html").send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&format!(r#"value="{long}""#)), "the name comes back");
    assert!(html.contains(r#"value="Kept description""#));
    assert!(html.contains("at most 100 characters"), "with its error");
    // The label form on the same page (also a `name` field) stays empty.
    assert_eq!(html.matches(&format!(r#"value="{long}""#)).count(), 1);
}

#[tokio::test]
async fn hidden_form_fields_are_in_the_server_html_so_forms_post_without_javascript() {
    let app = spawn_app().await;
    let html = app.get("/login?next=%2Fo%2Fsomewhere%3Fpage%3D2").await.text().await.unwrap();
    assert!(html.contains(r#"name="next" value="/o/somewhere?page=2""#), "{html}");

    let path = app.signed_up(&Person::new("plain")).await;
    let org = slug(&path);
    let html = app.get(&format!("{path}/projects")).await.text().await.unwrap();
    assert!(html.contains(&format!(r#"name="org" value="{org}""#)), "the create form names its organization");
    let project = app.project(org, "Plain").await;
    let html = app.get(&format!("{path}/projects/{project}")).await.text().await.unwrap();
    assert!(html.contains(&format!(r#"name="org" value="{org}""#)));
    assert!(html.contains(&format!(r#"name="project" value="{project}""#)), "the add-task form names its project");
}
