//! `/api/v1/.../tasks` with a token: the dashboard's task rules through
//! the REST door (`app::server::tasks`), the dashboard's list parameters
//! and pages, merge patches, conditional updates, idempotent creates, bad
//! input as problems naming the field, roles, and another tenant's ids as
//! 404.

use reqwest::{Method, Response, header};
use serde_json::{Value, json};

use crate::helpers::{Bearer, Org, Person, Visitor, api_token, slug};

async fn token(org: &Org, role: &str) -> Bearer {
    Bearer::new(&org.app, &api_token(&org.app, &org.slug, role).await)
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap_or_else(|| panic!("no id in {value}")).to_owned()
}

fn etag_of(response: &Response) -> String {
    response.headers()[header::ETAG].to_str().unwrap().to_owned()
}

/// The path (under `/api/v1`) of the `Link` header's `rel`, if any.
fn link(response: &Response, rel: &str) -> Option<String> {
    let header = response.headers().get(header::LINK)?.to_str().unwrap().to_owned();
    header.split(", ").find(|part| part.ends_with(&format!("rel=\"{rel}\""))).map(|part| {
        let url = &part[part.find('<').unwrap() + 1..part.find('>').unwrap()];
        url.strip_prefix("/api/v1").unwrap_or_else(|| panic!("{url} is not under /api/v1")).to_owned()
    })
}

fn titles(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|item| item["title"].as_str().unwrap().to_owned()).collect()
}

/// A label of the organization of `visitor`'s `org` (a slug).
async fn label(visitor: &Visitor, org: &str, name: &str) -> String {
    id(&visitor.ok("create_label", &[("org", org), ("name", name)]).await)
}

async fn cycle(visitor: &Visitor, org: &str, project: &str) -> String {
    let form =
        [("org", org), ("project", project), ("name", "C"), ("starts_on", "2026-11-01"), ("ends_on", "2026-11-14")];
    id(&visitor.ok("create_cycle", &form).await)
}

/// Writes `count` tasks titled `{prefix} 0000`, ... of `priority` into
/// `project` at once, by the repository's bulk insert (what seeding and
/// imports use): a list longer than any count cap, without a thousand
/// requests.
async fn insert_tasks(org: &Org, project: &str, prefix: &str, count: usize, priority: app::model::Priority) {
    use app::{
        model::{Action, TaskDescription, TaskFields, TaskTitle, UserId},
        server::{ctx::OrgCtx, db::tasks},
    };
    let me: UserId = org.app.current_user().await["id"].as_str().unwrap().parse().unwrap();
    let ctx = OrgCtx::load(&org.app.db, me, &org.slug).await.unwrap();
    let writer = ctx.writer(Action::EditTasks).unwrap();
    let fields: Vec<TaskFields> = (0..count)
        .map(|n| TaskFields {
            title: TaskTitle::parse(&format!("{prefix} {n:04}")).unwrap(),
            description: TaskDescription::parse("").unwrap(),
            priority,
            due_on: None,
            assignee: None,
            cycle: None,
            labels: Vec::new(),
        })
        .collect();
    tasks::insert_many(&org.app.db, &writer, project.parse().unwrap(), &fields).await.unwrap();
}

#[tokio::test]
async fn a_token_runs_a_task_through_its_whole_life_and_the_dashboard_sees_it() {
    let org = Org::new().await;
    let api = token(&org, "admin").await;
    let app = &org.app;
    let project = app.project(&org.slug, "Launch").await;
    let me = app.current_user().await["id"].as_str().unwrap().to_owned();
    let urgent = label(app, &org.slug, "urgent").await;
    let sprint = cycle(app, &org.slug, &project).await;

    let body = json!({
        "title": "Write the spec",
        "description": "A first draft",
        "priority": "high",
        "due_on": "2026-12-01",
        "assignee": me,
        "cycle": sprint,
        "labels": [urgent],
    });
    let created = api.send(Method::POST, &format!("/projects/{project}/tasks"), &body).await;
    assert_eq!(created.status(), 201);
    let etag = etag_of(&created);
    let location = created.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let task: Value = created.json().await.unwrap();
    let task_id = id(&task);
    assert_eq!(location, format!("/api/v1/tasks/{task_id}"));
    assert_eq!((task["priority"].as_str(), task["due_on"].as_str()), (Some("high"), Some("2026-12-01")));
    assert_eq!(
        (task["assignee"]["id"].as_str(), task["cycle_id"].as_str()),
        (Some(me.as_str()), Some(sprint.as_str()))
    );
    assert_eq!(task["labels"][0]["name"], "urgent");

    let read = api.get(&format!("/tasks/{task_id}")).await;
    assert_eq!(read.status(), 200);
    assert_eq!(etag_of(&read), etag, "the same representation, the same tag");

    // The list: the dashboard's filters and search.
    let tasks = format!("/projects/{project}/tasks");
    api.ok(Method::POST, &tasks, Some(&json!({"title": "Book the venue"}))).await;
    let high = api.ok(Method::GET, &format!("{tasks}?priority=high"), None).await;
    assert_eq!(titles(&high), ["Write the spec"]);
    let mine = api.ok(Method::GET, &format!("{tasks}?assignee={me}&label={urgent}"), None).await;
    assert_eq!(titles(&mine), ["Write the spec"]);
    let searched = api.ok(Method::GET, &format!("{tasks}?q=DRAFT"), None).await;
    assert_eq!(titles(&searched), ["Write the spec"], "search reads the description, case-insensitively");
    assert_eq!(titles(&api.ok(Method::GET, &format!("{tasks}?q=venue"), None).await), ["Book the venue"]);
    assert_eq!(api.ok(Method::GET, &format!("{tasks}?q=nothing+like+it"), None).await["total"], 0);
    let by_title = api.ok(Method::GET, &format!("{tasks}?sort=title&dir=asc"), None).await;
    assert_eq!(titles(&by_title), ["Book the venue", "Write the spec"]);

    // The dashboard sees what the API made.
    let seen = app.ok("get_task", &org.form(&[("task", &task_id)])).await;
    assert_eq!((seen["title"].as_str(), seen["description"].as_str()), (Some("Write the spec"), Some("A first draft")));

    // PATCH: absent stays, null clears.
    let path = format!("/tasks/{task_id}");
    let patched = api.ok(Method::PATCH, &path, Some(&json!({"title": "Write the spec v2", "due_on": null}))).await;
    assert_eq!(patched["title"], "Write the spec v2");
    assert!(patched["due_on"].is_null(), "null cleared the date: {patched}");
    assert_eq!((patched["description"].as_str(), patched["priority"].as_str()), (Some("A first draft"), Some("high")));
    assert_eq!(patched["labels"].as_array().unwrap().len(), 1, "absent labels stay");
    let cleared = api
        .ok(Method::PATCH, &path, Some(&json!({"assignee": null, "labels": null, "cycle": null, "priority": null})))
        .await;
    assert!(cleared["assignee"].is_null() && cleared["cycle_id"].is_null(), "{cleared}");
    assert_eq!((cleared["labels"].as_array().unwrap().len(), cleared["priority"].as_str()), (0, Some("none")));
    assert_eq!(cleared["title"], "Write the spec v2");
    let seen = app.ok("get_task", &org.form(&[("task", &task_id)])).await;
    assert!(seen["assignee"].is_null() && seen["due_on"].is_null(), "the dashboard sees the patch: {seen}");

    // PUT: every field, or 422.
    let whole = json!({
        "title": "Spec",
        "description": "",
        "priority": "low",
        "due_on": "2027-01-15",
        "assignee": me,
        "cycle": null,
        "labels": [urgent],
    });
    let replaced = api.ok(Method::PUT, &path, Some(&whole)).await;
    assert_eq!((replaced["title"].as_str(), replaced["description"].as_str()), (Some("Spec"), Some("")));
    assert_eq!((replaced["due_on"].as_str(), replaced["priority"].as_str()), (Some("2027-01-15"), Some("low")));
    let partial = api.send(Method::PUT, &path, &json!({"title": "Only"})).await;
    assert_eq!(partial.status(), 422, "PUT replaces the whole");

    // Complete, reopen.
    let done = api.ok(Method::POST, &format!("{path}/complete"), None).await;
    assert!(done["completed_at"].is_string());
    let on_dashboard = app.titles(&org.slug, &project, &[("status", "done")]).await;
    assert_eq!(on_dashboard, ["Spec"]);
    let again = api.ok(Method::POST, &format!("{path}/complete"), None).await;
    assert_eq!(again["completed_at"], done["completed_at"], "completing again keeps the moment");
    let reopened = api.ok(Method::POST, &format!("{path}/reopen"), None).await;
    assert!(reopened["completed_at"].is_null());

    // The trash, and out of it.
    let trashed = api.ok(Method::DELETE, &path, None).await;
    assert!(trashed["deleted_at"].is_string(), "{trashed}");
    assert_eq!(api.get(&path).await.status(), 404, "out of reads");
    assert_eq!(api.send(Method::PATCH, &path, &json!({"title": "X"})).await.status(), 404, "and of edits");
    assert_eq!(api.request(Method::DELETE, &path).send().await.unwrap().status(), 404, "already in the trash");
    assert_eq!(titles(&api.ok(Method::GET, &format!("{tasks}?status=trash"), None).await), ["Spec"]);
    assert_eq!(app.titles(&org.slug, &project, &[("status", "trash")]).await, ["Spec"]);
    let restored = api.ok(Method::POST, &format!("{path}/restore"), None).await;
    assert!(restored["deleted_at"].is_null());
    assert_eq!(api.request(Method::POST, &format!("{path}/restore")).send().await.unwrap().status(), 404);
    assert_eq!(api.get(&path).await.status(), 200);

    // Bulk, within the project of the path.
    let venue = id(&api.ok(Method::GET, &format!("{tasks}?q=venue"), None).await["items"][0]);
    let bulk = format!("{tasks}/bulk");
    let outcome = api.ok(Method::POST, &bulk, Some(&json!({"action": "complete", "tasks": [task_id, venue]}))).await;
    assert_eq!(outcome, json!({"affected": 2}));
    assert_eq!(
        app.titles(&org.slug, &project, &[("status", "done"), ("sort", "title")]).await,
        ["Book the venue", "Spec"]
    );
    let outcome =
        api.ok(Method::POST, &bulk, Some(&json!({"action": "assign", "tasks": [venue], "assignee": me}))).await;
    assert_eq!(outcome["affected"], 1);
    let elsewhere = app.project(&org.slug, "Elsewhere").await;
    let moved = json!({"action": "move", "tasks": [venue], "project": elsewhere});
    assert_eq!(api.ok(Method::POST, &bulk, Some(&moved)).await["affected"], 1);
    assert_eq!(app.titles(&org.slug, &elsewhere, &[("status", "all")]).await, ["Book the venue"]);
    let stray = api.send(Method::POST, &bulk, &json!({"action": "trash", "tasks": [task_id, venue]})).await;
    assert_eq!(stray.status(), 404, "a task of another project is not this project's");
    assert_eq!(api.ok(Method::GET, &path, None).await["deleted_at"], Value::Null, "all or nothing");
    let trash = json!({"action": "trash", "tasks": [task_id]});
    assert_eq!(api.ok(Method::POST, &bulk, Some(&trash)).await["affected"], 1);
    let purge = json!({"action": "purge", "tasks": [task_id]});
    assert_eq!(api.ok(Method::POST, &bulk, Some(&purge)).await["affected"], 1);
    assert_eq!(app.call("get_task", &org.form(&[("task", &task_id)])).await.status(), 404, "gone for good");
    assert_eq!(api.ok(Method::GET, &format!("{tasks}?status=trash"), None).await["total"], 0);
}

#[tokio::test]
async fn lists_page_by_cursor_with_link_headers_a_total_and_the_same_filters() {
    let org = Org::new().await;
    let api = token(&org, "read_only").await;
    let project = org.app.project(&org.slug, "Big").await;
    insert_tasks(&org, &project, "Low", 27, app::model::Priority::Low).await;
    let tasks = format!("/projects/{project}/tasks");

    let first = api.get(&format!("{tasks}?priority=low&sort=title&dir=desc")).await;
    assert_eq!(first.status(), 200);
    assert!(link(&first, "prev").is_none(), "the first page has nothing before it");
    let next = link(&first, "next").expect("a next page");
    for carried in ["priority=low", "sort=title", "dir=desc", "after="] {
        assert!(next.contains(carried), "{next} carries {carried}");
    }
    let page: Value = first.json().await.unwrap();
    assert_eq!((page["total"].as_i64(), page["total_capped"].as_bool()), (Some(27), Some(false)));
    assert_eq!(titles(&page).len(), 25);
    assert_eq!(titles(&page)[0], "Low 0026");

    let second = api.get(&next).await;
    assert!(link(&second, "next").is_none(), "the last page");
    let prev = link(&second, "prev").expect("a previous page");
    assert!(prev.contains("before=") && prev.contains("priority=low"), "{prev}");
    let second: Value = second.json().await.unwrap();
    assert_eq!(titles(&second), ["Low 0001", "Low 0000"]);
    let back: Value = api.get(&prev).await.json().await.unwrap();
    assert_eq!(titles(&back), titles(&page), "back to the first page");

    let hundred = api.ok(Method::GET, &format!("{tasks}?per_page=100&status=all"), None).await;
    assert_eq!(
        (titles(&hundred).len(), hundred["limit"].as_u64(), hundred["total"].as_i64()),
        (27, Some(100), Some(27))
    );

    // A filtered total is counted up to 1,000, as on the dashboard.
    insert_tasks(&org, &project, "Urgent", 1_003, app::model::Priority::Urgent).await;
    let capped = api.get(&format!("{tasks}?priority=urgent")).await;
    assert!(link(&capped, "next").unwrap().contains("priority=urgent"));
    let capped: Value = capped.json().await.unwrap();
    assert_eq!((capped["total"].as_i64(), capped["total_capped"].as_bool()), (Some(1_000), Some(true)));
    let dashboard = org.app.list_tasks(&org.slug, &project, &[("priority", "urgent")]).await;
    let dashboard: Value = dashboard.json().await.unwrap();
    assert_eq!((dashboard["total"].clone(), dashboard["total_capped"].clone()), (json!(1_000), json!(true)));
    let unfiltered = api.ok(Method::GET, &tasks, None).await;
    assert_eq!((unfiltered["total"].as_i64(), unfiltered["total_capped"].as_bool()), (Some(1_030), Some(false)));

    // Bad parameters are problems naming the parameter.
    for (query, field) in [
        ("status=closed", "status"),
        ("per_page=30", "per_page"),
        ("colour=blue", "colour"),
        ("due_before=tomorrow", "due_before"),
        ("sort=size", "sort"),
        ("page=0", "page"),
        ("after=nope", "after"),
    ] {
        let response = api.get(&format!("{tasks}?{query}")).await;
        assert_eq!(response.status(), 422, "{query}");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/problem+json");
        let problem: Value = response.json().await.unwrap();
        assert!(problem["errors"][field].is_string(), "{query}: {problem}");
    }
    let unknown_cursor = format!("{tasks}?after={}", uuid::Uuid::now_v7());
    assert_eq!(api.get(&unknown_cursor).await.status(), 404, "a cursor that is no task of this list");
}

#[tokio::test]
async fn bad_input_is_a_problem_that_names_the_field_and_writes_nothing() {
    let org = Org::new().await;
    let api = token(&org, "member").await;
    let project = org.app.project(&org.slug, "Work").await;
    let tasks = format!("/projects/{project}/tasks");
    let them = org.app.visitor();
    let their_org = slug(&them.signed_up(&Person::new("them")).await).to_owned();
    let their_label = label(&them, &their_org, "theirs").await;

    let post = |body: String| {
        api.request(Method::POST, &tasks).header(header::CONTENT_TYPE, "application/json").body(body).send()
    };
    let cases: [(String, u16, Option<&str>); 10] = [
        (r#"{"title": 7}"#.into(), 422, Some("title")),
        (r#"{"title": "A", "colour": "red"}"#.into(), 422, Some("colour")),
        (r#"{"title": "A", "priority": "critical"}"#.into(), 422, Some("priority")),
        (r#"{"title": "A", "due_on": "31/12/2026"}"#.into(), 422, Some("due_on")),
        (r#"{"title": "A", "due_on": "2026-02-30"}"#.into(), 422, Some("due_on")),
        (r#"{"title": "   "}"#.into(), 422, Some("title")),
        (r#"{"title": "A", "labels": "x"}"#.into(), 422, Some("labels")),
        (json!({"title": "A", "labels": vec!["x"; 21]}).to_string(), 422, Some("labels")),
        (format!(r#"{{"title": "A", "labels": ["{their_label}"]}}"#), 404, None),
        (r#"{"title": "A""#.into(), 400, Some("body")),
    ];
    for (body, status, field) in cases {
        let response = post(body.clone()).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{body}");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/problem+json");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["status"], status);
        if let Some(field) = field {
            assert!(problem["errors"][field].is_string(), "{body}: {problem}");
        }
    }
    assert_eq!(api.ok(Method::GET, &format!("{tasks}?status=all"), None).await["total"], 0, "nothing was written");

    let task = id(&api.ok(Method::POST, &tasks, Some(&json!({"title": "Kept"}))).await);
    let path = format!("/tasks/{task}");
    for (body, field) in [
        (json!({"title": null}), "title"),
        (json!({"priority": 3}), "priority"),
        (json!({"due_on": "soon"}), "due_on"),
        (json!({"done": true}), "done"),
    ] {
        let response = api.send(Method::PATCH, &path, &body).await;
        assert_eq!(response.status(), 422, "{body}");
        let problem: Value = response.json().await.unwrap();
        assert!(problem["errors"][field].is_string(), "{body}: {problem}");
    }
    assert_eq!(api.ok(Method::GET, &path, None).await["title"], "Kept");

    let bulk = format!("{tasks}/bulk");
    let too_many: Vec<String> = (0..501).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    for (body, field) in [
        (json!({"action": "explode", "tasks": [task]}), "action"),
        (json!({"action": "complete", "tasks": []}), "tasks"),
        (json!({"action": "complete", "tasks": too_many}), "tasks"),
        (json!({"action": "move", "tasks": [task]}), "project"),
        (json!({"action": "complete"}), "tasks"),
    ] {
        let response = api.send(Method::POST, &bulk, &body).await;
        assert_eq!(response.status(), 422, "{body}");
        let problem: Value = response.json().await.unwrap();
        assert!(problem["errors"][field].is_string(), "{body}: {problem}");
    }
    assert!(api.ok(Method::GET, &path, None).await["completed_at"].is_null(), "nothing was done");
}

#[tokio::test]
async fn another_organizations_ids_answer_404_and_change_nothing() {
    let org = Org::new().await;
    let app = &org.app;
    let api = token(&org, "admin").await;
    let project = app.project(&org.slug, "Ours").await;
    let other_project = app.project(&org.slug, "Also ours").await;
    let ours = id(&api.ok(Method::POST, &format!("/projects/{project}/tasks"), Some(&json!({"title": "Ours"}))).await);
    let ours_elsewhere =
        id(&api.ok(Method::POST, &format!("/projects/{other_project}/tasks"), Some(&json!({"title": "Also"}))).await);

    let them = app.visitor();
    let their_org = slug(&them.signed_up(&Person::new("them")).await).to_owned();
    let theirs = Bearer::new(app, &api_token(&them, &their_org, "admin").await);
    let their_project = them.project(&their_org, "Theirs").await;
    let their_task = id(&them.task(&their_org, &their_project, &[("title", "Theirs")]).await);
    let their_label = label(&them, &their_org, "theirs").await;
    let their_cycle = cycle(&them, &their_org, &their_project).await;
    let their_user = them.current_user().await["id"].as_str().unwrap().to_owned();

    // Their token, our ids.
    let patch = json!({"title": "Taken"});
    for (method, path) in [
        (Method::GET, format!("/tasks/{ours}")),
        (Method::PATCH, format!("/tasks/{ours}")),
        (Method::DELETE, format!("/tasks/{ours}")),
        (Method::POST, format!("/tasks/{ours}/complete")),
        (Method::POST, format!("/tasks/{ours}/reopen")),
        (Method::POST, format!("/tasks/{ours}/restore")),
        (Method::GET, format!("/projects/{project}/tasks")),
        (Method::POST, format!("/projects/{project}/tasks")),
        (Method::GET, "/tasks/not-an-id".to_owned()),
    ] {
        let response = theirs.request(method.clone(), &path).json(&patch).send().await.unwrap();
        assert_eq!(response.status(), 404, "{method} {path}");
    }
    let put = json!({"title": "X", "description": "", "priority": "none", "due_on": null, "assignee": null,
                     "cycle": null, "labels": []});
    assert_eq!(theirs.send(Method::PUT, &format!("/tasks/{ours}"), &put).await.status(), 404);
    let grab = json!({"action": "trash", "tasks": [ours]});
    assert_eq!(theirs.send(Method::POST, &format!("/projects/{project}/tasks/bulk"), &grab).await.status(), 404);
    assert_eq!(theirs.send(Method::POST, &format!("/projects/{their_project}/tasks/bulk"), &grab).await.status(), 404);

    // Our token, their ids.
    let tasks = format!("/projects/{project}/tasks");
    let bulk = format!("{tasks}/bulk");
    let cases: Vec<(Method, String, Value)> = vec![
        (Method::GET, format!("/tasks/{their_task}"), Value::Null),
        (Method::POST, format!("/projects/{their_project}/tasks"), json!({"title": "x"})),
        (Method::POST, tasks.clone(), json!({"title": "x", "assignee": their_user})),
        (Method::POST, tasks.clone(), json!({"title": "x", "labels": [their_label]})),
        (Method::POST, tasks.clone(), json!({"title": "x", "cycle": their_cycle})),
        (Method::PATCH, format!("/tasks/{ours}"), json!({"assignee": their_user})),
        (Method::PATCH, format!("/tasks/{ours}"), json!({"labels": [their_label]})),
        (Method::POST, bulk.clone(), json!({"action": "complete", "tasks": [ours, their_task]})),
        (Method::POST, bulk.clone(), json!({"action": "complete", "tasks": [ours, ours_elsewhere]})),
        (Method::POST, bulk.clone(), json!({"action": "move", "tasks": [ours], "project": their_project})),
        (Method::POST, bulk.clone(), json!({"action": "assign", "tasks": [ours], "assignee": their_user})),
        (Method::GET, format!("{tasks}?label={their_label}"), Value::Null),
        (Method::GET, format!("{tasks}?assignee={their_user}"), Value::Null),
        (Method::GET, format!("{tasks}?after={their_task}"), Value::Null),
    ];
    for (method, path, body) in cases {
        let request = api.request(method.clone(), &path);
        let request = if body.is_null() { request } else { request.json(&body) };
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 404, "{method} {path} {body}");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/problem+json");
    }

    // Nothing moved.
    let mine = api.ok(Method::GET, &format!("/tasks/{ours}"), None).await;
    assert_eq!((mine["title"].as_str(), mine["completed_at"].as_str()), (Some("Ours"), None));
    assert!(mine["assignee"].is_null() && mine["labels"].as_array().unwrap().is_empty());
    assert_eq!(them.titles(&their_org, &their_project, &[]).await, ["Theirs"]);
}

#[tokio::test]
async fn roles_and_archived_projects_refuse_writes_as_the_dashboard_does() {
    let org = Org::new().await;
    let admin = token(&org, "admin").await;
    let member = token(&org, "member").await;
    let reader = token(&org, "read_only").await;
    let project = org.app.project(&org.slug, "Work").await;
    let tasks = format!("/projects/{project}/tasks");
    let task = id(&admin.ok(Method::POST, &tasks, Some(&json!({"title": "Guarded"}))).await);
    let path = format!("/tasks/{task}");

    // A read-only token reads, and writes nothing.
    assert_eq!(reader.get(&tasks).await.status(), 200);
    assert_eq!(reader.get(&path).await.status(), 200);
    let put = json!({"title": "X", "description": "", "priority": "none", "due_on": null, "assignee": null,
                     "cycle": null, "labels": []});
    for (method, route, body) in [
        (Method::POST, tasks.clone(), json!({"title": "No"})),
        (Method::PATCH, path.clone(), json!({"title": "No"})),
        (Method::PUT, path.clone(), put.clone()),
        (Method::POST, format!("{path}/complete"), Value::Null),
        (Method::POST, format!("{path}/reopen"), Value::Null),
        (Method::DELETE, path.clone(), Value::Null),
        (Method::POST, format!("{path}/restore"), Value::Null),
        (Method::POST, format!("{tasks}/bulk"), json!({"action": "complete", "tasks": [task]})),
    ] {
        let request = reader.request(method.clone(), &route);
        let request = if body.is_null() { request } else { request.json(&body) };
        assert_eq!(request.send().await.unwrap().status(), 403, "{method} {route}");
    }
    assert_eq!(admin.ok(Method::GET, &path, None).await["title"], "Guarded", "unchanged");

    // A Member token works tasks, and purges nothing (Admins only).
    assert_eq!(member.ok(Method::POST, &format!("{path}/complete"), None).await["id"], task.as_str());
    member.ok(Method::DELETE, &path, None).await;
    let purge = json!({"action": "purge", "tasks": [task]});
    assert_eq!(member.send(Method::POST, &format!("{tasks}/bulk"), &purge).await.status(), 403);
    member.ok(Method::POST, &format!("{path}/restore"), None).await;

    // An archived project's tasks are read, not changed: 409.
    admin.ok(Method::POST, &format!("/projects/{project}/archive"), None).await;
    assert_eq!(admin.get(&path).await.status(), 200);
    assert_eq!(admin.get(&tasks).await.status(), 200);
    for (method, route, body) in [
        (Method::POST, tasks.clone(), json!({"title": "No"})),
        (Method::PATCH, path.clone(), json!({"title": "No"})),
        (Method::PUT, path.clone(), put),
        (Method::POST, format!("{path}/reopen"), Value::Null),
        (Method::DELETE, path.clone(), Value::Null),
        (Method::POST, format!("{tasks}/bulk"), json!({"action": "reopen", "tasks": [task]})),
    ] {
        let request = admin.request(method.clone(), &route);
        let request = if body.is_null() { request } else { request.json(&body) };
        assert_eq!(request.send().await.unwrap().status(), 409, "{method} {route}");
    }
    // A project in the trash is out of reach: 404.
    admin.ok(Method::POST, &format!("/projects/{project}/unarchive"), None).await;
    admin.ok(Method::DELETE, &format!("/projects/{project}"), None).await;
    assert_eq!(admin.get(&tasks).await.status(), 404);
    assert_eq!(admin.get(&path).await.status(), 404);
}

#[tokio::test]
async fn if_match_makes_an_update_conditional_and_one_of_six_racers_wins() {
    let org = Org::new().await;
    let api = token(&org, "admin").await;
    let project = org.app.project(&org.slug, "Race").await;
    let created = api.send(Method::POST, &format!("/projects/{project}/tasks"), &json!({"title": "Draft"})).await;
    let etag = etag_of(&created);
    let path = format!("/tasks/{}", id(&created.json::<Value>().await.unwrap()));

    let patch = |title: String, tag: String| {
        api.request(Method::PATCH, &path).header(header::IF_MATCH, tag).json(&json!({"title": title})).send()
    };
    // Six clients change the task from the same version at once: exactly
    // one wins, the others are told it changed; none is a 500.
    let racers = (0..6).map(|n| patch(format!("Racer {n}"), etag.clone()));
    let statuses: Vec<u16> =
        futures_util::future::join_all(racers).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 412), "{statuses:?}");
    let winner = api.ok(Method::GET, &path, None).await;
    assert!(winner["title"].as_str().unwrap().starts_with("Racer "), "{winner}");

    let stale = patch("Late".into(), etag.clone()).await.unwrap();
    assert_eq!(stale.status(), 412);
    assert_eq!(stale.headers()[header::CONTENT_TYPE], "application/problem+json");
    let put = json!({"title": "Late", "description": "", "priority": "none", "due_on": null, "assignee": null,
                     "cycle": null, "labels": []});
    let stale_put = api.request(Method::PUT, &path).header(header::IF_MATCH, etag.clone()).json(&put).send();
    assert_eq!(stale_put.await.unwrap().status(), 412);
    assert_eq!(api.ok(Method::GET, &path, None).await["title"], winner["title"], "neither stale write landed");

    let current = api.get(&path).await;
    let fresh = etag_of(&current);
    assert_ne!(fresh, etag);
    assert_eq!(patch("On time".into(), fresh).await.unwrap().status(), 200);
    assert_eq!(patch("Any".into(), "*".into()).await.unwrap().status(), 200);
    assert_eq!(patch("Junk".into(), "not-a-tag".into()).await.unwrap().status(), 400);
    // Completing changes the representation: the tag read before is stale.
    let before = etag_of(&api.get(&path).await);
    api.ok(Method::POST, &format!("{path}/complete"), None).await;
    assert_eq!(patch("After".into(), before).await.unwrap().status(), 412);
}

#[tokio::test]
async fn an_idempotent_retry_of_a_create_answers_the_same_task() {
    let org = Org::new().await;
    let api = token(&org, "member").await;
    let project = org.app.project(&org.slug, "Orders").await;
    let tasks = format!("/projects/{project}/tasks");
    let create = |key: &'static str, title: &'static str| {
        api.request(Method::POST, &tasks).header("idempotency-key", key).json(&json!({"title": title})).send()
    };
    let first = create("task-1", "Ship order 17").await.unwrap();
    assert_eq!(first.status(), 201);
    let (location, etag) = (first.headers()[header::LOCATION].clone(), etag_of(&first));
    let first: Value = first.json().await.unwrap();
    let again = create("task-1", "Ship order 17").await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!((again.headers()[header::LOCATION].clone(), etag_of(&again)), (location, etag));
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    assert_eq!(create("task-1", "Something else").await.unwrap().status(), 422, "the same key, another body");

    let racers = (0..6).map(|_| create("task-2", "Raced"));
    let statuses: Vec<u16> =
        futures_util::future::join_all(racers).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
    let listed = api.ok(Method::GET, &format!("{tasks}?sort=title&dir=asc"), None).await;
    assert_eq!(titles(&listed), ["Raced", "Ship order 17"], "once each: {statuses:?}");
}
