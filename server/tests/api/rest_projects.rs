//! `/api/v1/projects` with a token: the dashboard's project rules through
//! the REST door, conditional updates, idempotent creates, bad input as
//! problems naming the field, and another tenant's ids as 404.

use reqwest::{Method, header};
use serde_json::{Value, json};

use crate::helpers::{Bearer, Org, api_token, spawn_app};

async fn admin_api(org: &Org) -> Bearer {
    Bearer::new(&org.app, &api_token(&org.app, &org.slug, "admin").await)
}

#[tokio::test]
async fn a_token_runs_a_project_through_its_whole_life() {
    let org = Org::new().await;
    let api = admin_api(&org).await;
    let created = api.send(Method::POST, "/projects", &json!({"name": "Launch", "description": "Q1"})).await;
    assert_eq!(created.status(), 201);
    let etag = created.headers()[header::ETAG].to_str().unwrap().to_owned();
    let location = created.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let project: Value = created.json().await.unwrap();
    let id = project["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/projects/{id}"));
    assert_eq!(project["name"], "Launch");

    let read = api.get(&format!("/projects/{id}")).await;
    assert_eq!(read.headers()[header::ETAG].to_str().unwrap(), etag, "the same representation, the same tag");
    // The dashboard sees what the API made.
    let listed = org.app.ok("list_projects", &org.form(&[])).await;
    assert_eq!(listed["items"][0]["id"], id.as_str());

    let patched = api.ok(Method::PATCH, &format!("/projects/{id}"), Some(&json!({"name": "Launch v2"}))).await;
    assert_eq!((patched["name"].as_str(), patched["description"].as_str()), (Some("Launch v2"), Some("Q1")));
    let replaced =
        api.ok(Method::PUT, &format!("/projects/{id}"), Some(&json!({"name": "Launch", "description": ""}))).await;
    assert_eq!(replaced["description"], "");
    let put_partial = api.send(Method::PUT, &format!("/projects/{id}"), &json!({"name": "Only"})).await;
    assert_eq!(put_partial.status(), 422, "PUT replaces the whole: description is required");
    let problem: Value = put_partial.json().await.unwrap();
    assert!(problem["errors"]["description"].as_str().unwrap().contains("missing field"), "{problem}");

    let archived = api.ok(Method::POST, &format!("/projects/{id}/archive"), None).await;
    assert!(archived["archived_at"].is_string());
    let listed = api.ok(Method::GET, "/projects?view=archived", None).await;
    assert_eq!(listed["total"], 1);
    api.ok(Method::POST, &format!("/projects/{id}/unarchive"), None).await;
    let trashed = api.ok(Method::DELETE, &format!("/projects/{id}"), None).await;
    assert!(trashed["deleted_at"].is_string());
    let patch_trashed = api.send(Method::PATCH, &format!("/projects/{id}"), &json!({"name": "X"})).await;
    assert_eq!(patch_trashed.status(), 404, "the trash is out of reach of edits");
    let restored = api.ok(Method::POST, &format!("/projects/{id}/restore"), None).await;
    assert!(restored["deleted_at"].is_null());

    let events = org.app.ok("list_audit_events", &org.form(&[("action", "project.created")])).await;
    let event = &events["items"][0];
    assert_eq!(event["target_id"], id.as_str());
    assert!(event["details"].as_str().unwrap().contains("admin script"), "the token is named: {event}");
}

#[tokio::test]
async fn lists_page_with_a_total_and_link_headers() {
    let org = Org::new().await;
    let api = admin_api(&org).await;
    for n in 0..27 {
        api.ok(Method::POST, "/projects", Some(&json!({"name": format!("P{n:02}")}))).await;
    }
    let first = api.get("/projects?limit=25").await;
    let link = first.headers()[header::LINK].to_str().unwrap().to_owned();
    assert!(link.contains("offset=25") && link.contains("rel=\"next\""), "{link}");
    let page: Value = first.json().await.unwrap();
    assert_eq!((page["total"].as_i64(), page["items"].as_array().unwrap().len()), (Some(27), 25));
    let second = api.ok(Method::GET, "/projects?limit=25&offset=25", None).await;
    assert_eq!(second["items"].as_array().unwrap().len(), 2);
    let bad = api.get("/projects?limit=7").await;
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    assert!(body["errors"]["limit"].is_string(), "{body}");
    assert_eq!(api.get("/projects?colour=blue").await.status(), 422, "an unknown parameter is refused");
}

#[tokio::test]
async fn bad_input_is_a_problem_that_names_the_field_and_writes_nothing() {
    let org = Org::new().await;
    let api = admin_api(&org).await;
    let post = |body: &'static str, content_type: &'static str| {
        api.request(Method::POST, "/projects").header(header::CONTENT_TYPE, content_type).body(body).send()
    };
    let cases: [(&str, &str, u16, Option<&str>); 6] = [
        ("{\"name\": ", "application/json", 400, Some("body")),
        ("{\"name\": 7}", "application/json", 422, Some("name")),
        ("{\"name\": \"A\", \"colour\": \"red\"}", "application/json", 422, Some("colour")),
        ("{\"name\": \"   \"}", "application/json", 422, Some("name")),
        ("{\"name\": \"A\"}", "text/plain", 415, None),
        ("[1, 2]", "application/json", 422, Some("body")),
    ];
    for (body, content_type, status, field) in cases {
        let response = post(body, content_type).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{body}");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/problem+json");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["status"], status);
        if let Some(field) = field {
            assert!(problem["errors"][field].is_string(), "{body}: {problem}");
        }
    }
    let huge = format!("{{\"name\": \"A\", \"description\": \"{}\"}}", "x".repeat(1024 * 1024 + 10));
    let response = api.request(Method::POST, "/projects").header(header::CONTENT_TYPE, "application/json").body(huge);
    assert_eq!(response.send().await.unwrap().status(), 413);
    let listed = api.ok(Method::GET, "/projects", None).await;
    assert_eq!(listed["total"], 0, "nothing was written");
    assert_eq!(api.get("/nothing-here").await.status(), 404);
    assert_eq!(api.request(Method::PATCH, "/projects").send().await.unwrap().status(), 405);
}

#[tokio::test]
async fn another_organizations_project_answers_404() {
    let ours = Org::new().await;
    let app = &ours.app;
    let theirs = Bearer::new(app, &{
        let other = crate::helpers::Person::new("other");
        let visitor = app.visitor();
        let path = visitor.signed_up(&other).await;
        api_token(&visitor, crate::helpers::slug(&path), "admin").await
    });
    let project = app.project(&ours.slug, "Ours").await;
    for (method, path) in [
        (Method::GET, format!("/projects/{project}")),
        (Method::PATCH, format!("/projects/{project}")),
        (Method::DELETE, format!("/projects/{project}")),
        (Method::POST, format!("/projects/{project}/archive")),
        (Method::GET, "/projects/not-an-id".to_owned()),
    ] {
        let response = theirs.request(method.clone(), &path).json(&json!({"name": "Theirs"})).send().await.unwrap();
        assert_eq!(response.status(), 404, "{method} {path}");
    }
    assert_eq!(app.ok("get_project_page", &ours.form(&[("project", &project)])).await["project"]["name"], "Ours");
}

#[tokio::test]
async fn if_match_makes_an_update_conditional_and_one_of_two_racers_wins() {
    let org = Org::new().await;
    let api = admin_api(&org).await;
    let created = api.send(Method::POST, "/projects", &json!({"name": "Draft"})).await;
    let etag = created.headers()[header::ETAG].to_str().unwrap().to_owned();
    let id = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let path = format!("/projects/{id}");

    let patch = |name: String, tag: String| {
        api.request(Method::PATCH, &path).header(header::IF_MATCH, tag).json(&json!({"name": name})).send()
    };
    // Several clients change the project from the same version at once:
    // exactly one wins, the others are told it changed; none is a 500.
    let racers = (0..6).map(|n| patch(format!("Racer {n}"), etag.clone()));
    let statuses: Vec<u16> =
        futures_util::future::join_all(racers).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 412), "{statuses:?}");

    let stale = patch("Late".into(), etag.clone()).await.unwrap();
    assert_eq!(stale.status(), 412);
    let current = api.get(&path).await;
    let fresh = current.headers()[header::ETAG].to_str().unwrap().to_owned();
    assert_ne!(fresh, etag);
    assert_eq!(patch("On time".into(), fresh).await.unwrap().status(), 200);
    assert_eq!(patch("Any".into(), "*".into()).await.unwrap().status(), 200);
    assert_eq!(patch("Junk".into(), "not-a-tag".into()).await.unwrap().status(), 400);
}

#[tokio::test]
async fn an_idempotent_retry_answers_the_first_create_and_makes_nothing_more() {
    let org = Org::new().await;
    let api = admin_api(&org).await;
    let create = |key: &'static str, name: &'static str| {
        api.request(Method::POST, "/projects").header("idempotency-key", key).json(&json!({"name": name})).send()
    };
    let first = create("order-1", "Paid").await.unwrap();
    assert_eq!(first.status(), 201);
    let first_location = first.headers()[header::LOCATION].clone();
    let first: Value = first.json().await.unwrap();
    let again = create("order-1", "Paid").await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()[header::LOCATION], first_location);
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    let other = create("order-1", "Something else").await.unwrap();
    assert_eq!(other.status(), 422, "the same key with another body");

    // A refused create is not kept: fixed and retried with its key, it runs.
    let refused = create("order-2", "Paid").await.unwrap();
    assert_eq!(refused.status(), 422, "the name is taken");

    // Retries racing each other: one project.
    let racers = (0..6).map(|_| create("order-3", "Raced"));
    let statuses: Vec<u16> =
        futures_util::future::join_all(racers).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
    let listed = api.ok(Method::GET, "/projects", None).await;
    assert_eq!(listed["total"], 2, "Paid and Raced, once each: {statuses:?}");
}

#[tokio::test]
async fn creates_from_several_clients_at_once_all_land() {
    let org = Org::new().await;
    let api = admin_api(&org).await;
    let other = admin_api(&org).await;
    let creates = (0..12).map(|n| {
        let client = if n % 2 == 0 { &api } else { &other };
        client.request(Method::POST, "/projects").json(&json!({"name": format!("Parallel {n}")})).send()
    });
    let statuses: Vec<u16> =
        futures_util::future::join_all(creates).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    assert_eq!(api.ok(Method::GET, "/projects", None).await["total"], 12);
}

#[tokio::test]
async fn the_api_answers_nothing_without_a_token_even_to_a_browser() {
    let app = spawn_app().await;
    let response = app.client.post(app.url("/api/v1/projects")).json(&json!({"name": "X"})).send().await.unwrap();
    assert_eq!(response.status(), 401);
}
