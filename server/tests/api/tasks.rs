use serde_json::Value;

use crate::helpers::{Person, field_error, field_message, join, slug, spawn_app};

/// An organization with one project, as its owner.
async fn setup(label: &str) -> (crate::helpers::TestApp, String, String) {
    let app = spawn_app().await;
    let org = app.signed_up(&Person::new(label)).await;
    let org = slug(&org).to_owned();
    let project = app.project(&org, "Work").await;
    (app, org, project)
}

#[tokio::test]
async fn titles_are_1_to_255_characters_after_trimming() {
    let (app, org, project) = setup("title").await;
    let exactly = "t".repeat(255);
    let task = app.task(&org, &project, &[("title", &format!("  {exactly}  "))]).await;
    assert_eq!(task["title"], exactly.as_str());
    for (title, message) in [
        ("t".repeat(256), "A title has at most 255 characters."),
        ("   ".into(), "Enter a title."),
        ("".into(), "Enter a title."),
        ("tab\tin title".into(), "A title cannot contain control characters."),
    ] {
        let response = app.call("create_task", &[("org", &org), ("project", &project), ("title", &title)]).await;
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.unwrap();
        assert_eq!(field_message(&body, "title").as_deref(), Some(message), "{title:?}");
    }
    let missing = app.call("create_task", &[("org", &org), ("project", &project)]).await;
    assert_eq!(missing.status(), 400, "no title argument at all");
}

#[tokio::test]
async fn descriptions_are_up_to_2000_characters_and_other_fields_are_checked() {
    let (app, org, project) = setup("desc").await;
    app.task(&org, &project, &[("title", "ok"), ("description", &"d".repeat(2000))]).await;
    let cases = [
        ("description", "d".repeat(2001), "A description has at most 2000 characters."),
        ("priority", "critical".into(), "Choose a priority: none, low, medium, high or urgent."),
        ("due_on", "2026-02-30".into(), "Enter a date as YYYY-MM-DD."),
    ];
    for (field, value, message) in cases {
        let response =
            app.call("create_task", &[("org", &org), ("project", &project), ("title", "x"), (field, &value)]).await;
        let body: Value = response.json().await.unwrap();
        assert_eq!(field_message(&body, field).as_deref(), Some(message), "{field}");
    }
    // Every bad field at once, not one per round trip.
    let body: Value = app
        .call("create_task", &[("org", &org), ("project", &project), ("title", ""), ("priority", "x"), ("due_on", "x")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["detail"]["fields"].as_object().unwrap().len(), 3);
}

#[tokio::test]
async fn completed_at_is_set_and_cleared_by_the_server_only() {
    let (app, org, project) = setup("done").await;
    // A client-sent completed_at is not an argument: refused by name, and
    // nothing is created.
    let sent =
        [("org", org.as_str()), ("project", &project), ("title", "Ship"), ("completed_at", "2020-01-01T00:00:00Z")];
    assert!(field_error(app.call("create_task", &sent).await, "completed_at").await.contains("Unknown argument"));
    assert!(app.titles(&org, &project, &[("status", "all")]).await.is_empty());
    let task = app.task(&org, &project, &[("title", "Ship")]).await;
    assert_eq!(task["completed_at"], Value::Null);
    let id = task["id"].as_str().unwrap();
    let done = app.ok("set_task_done", &[("org", &org), ("task", id), ("done", "true")]).await;
    let at = done["completed_at"].as_str().unwrap().to_owned();
    assert!(at.starts_with("20"), "{at}");
    let again = app.ok("set_task_done", &[("org", &org), ("task", id), ("done", "true")]).await;
    assert_eq!(again["completed_at"].as_str().unwrap(), at, "completing twice keeps the first time");
    let reopened = app.ok("set_task_done", &[("org", &org), ("task", id), ("done", "false")]).await;
    assert_eq!(reopened["completed_at"], Value::Null);
}

#[tokio::test]
async fn a_full_edit_rewrites_every_field_and_a_patch_only_its_own() {
    let (app, org, project) = setup("edit").await;
    let label: Value = app.ok("create_label", &[("org", &org), ("name", "bug")]).await;
    let cycle: Value = app
        .ok(
            "create_cycle",
            &[
                ("org", &org),
                ("project", &project),
                ("name", "S1"),
                ("starts_on", "2026-11-16"),
                ("ends_on", "2026-11-29"),
            ],
        )
        .await;
    let me = app.current_user().await["id"].as_str().unwrap().to_owned();
    let task = app.task(&org, &project, &[("title", "Draft")]).await;
    let id = task["id"].as_str().unwrap();

    let full = app
        .ok(
            "update_task",
            &[
                ("org", &org),
                ("task", id),
                ("title", "Final"),
                ("description", "All of it"),
                ("priority", "high"),
                ("due_on", "2026-11-30"),
                ("assignee", &me),
                ("cycle", cycle["id"].as_str().unwrap()),
                ("labels[]", label["id"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(full["title"], "Final");
    assert_eq!(full["priority"], "high");
    assert_eq!(full["due_on"], "2026-11-30");
    assert_eq!(full["assignee"]["id"], me.as_str());
    assert_eq!(full["cycle_id"], cycle["id"]);
    assert_eq!(full["labels"][0]["name"], "bug");

    let patched =
        app.ok("patch_task", &[("org", &org), ("task", id), ("field", "priority"), ("value", "urgent")]).await;
    assert_eq!(patched["priority"], "urgent");
    for field in ["title", "description", "due_on", "assignee", "cycle_id", "labels"] {
        assert_eq!(patched[field], full[field], "{field} kept");
    }
    app.ok("patch_task", &[("org", &org), ("task", id), ("field", "due_on"), ("value", "")]).await;
    let cleared = app.ok("patch_task", &[("org", &org), ("task", id), ("field", "assignee")]).await;
    assert_eq!((cleared["due_on"].clone(), cleared["assignee"].clone()), (Value::Null, Value::Null));
    assert_eq!(cleared["labels"], full["labels"], "labels kept");
    let bad = app.call("patch_task", &[("org", &org), ("task", id), ("field", "title"), ("value", " ")]).await;
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(field_message(&body, "title").as_deref(), Some("Enter a title."));
    let unknown = app.call("patch_task", &[("org", &org), ("task", id), ("field", "labels"), ("value", "")]).await;
    assert_eq!(unknown.status(), 400, "not a patchable field");

    // A full edit without labels clears them.
    let bare = app.ok("update_task", &[("org", &org), ("task", id), ("title", "Bare")]).await;
    assert_eq!(bare["labels"], serde_json::json!([]));
    assert_eq!(bare["priority"], "none");
}

#[tokio::test]
async fn every_filter_and_sort_works_through_the_listing() {
    let (app, org, project) = setup("filters").await;
    let me = app.current_user().await["id"].as_str().unwrap().to_owned();
    let label: Value = app.ok("create_label", &[("org", &org), ("name", "bug")]).await;
    let label = label["id"].as_str().unwrap().to_owned();
    let make = |title: &'static str, extra: Vec<(&'static str, String)>| {
        let (app, org, project) = (&app, org.clone(), project.clone());
        async move {
            let mut fields: Vec<(&str, &str)> = vec![("title", title)];
            fields.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
            app.task(&org, &project, &fields).await
        }
    };
    make("Alpha", vec![("priority", "low".into()), ("due_on", "2000-01-10".into()), ("assignee", me.clone())]).await;
    make("bravo", vec![("priority", "urgent".into()), ("due_on", "2999-01-01".into()), ("labels[]", label.clone())])
        .await;
    let charlie =
        make("Charlie", vec![("priority", "medium".into()), ("description", "Contains 100% juice".into())]).await;
    make("delta", vec![("priority", "high".into()), ("due_on", "2999-06-01".into()), ("assignee", me.clone())]).await;
    app.ok("set_task_done", &[("org", &org), ("task", charlie["id"].as_str().unwrap()), ("done", "true")]).await;

    // (list parameters, expected titles in order)
    type Case<'a> = (Vec<(&'a str, &'a str)>, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        (vec![], vec!["delta", "bravo", "Alpha"]),
        (vec![("status", "done")], vec!["Charlie"]),
        (vec![("status", "all")], vec!["delta", "Charlie", "bravo", "Alpha"]),
        (vec![("assignee", "me")], vec!["delta", "Alpha"]),
        (vec![("assignee", "nobody"), ("status", "all")], vec!["Charlie", "bravo"]),
        (vec![("assignee", me.as_str())], vec!["delta", "Alpha"]),
        (vec![("label", label.as_str())], vec!["bravo"]),
        (vec![("priority", "urgent")], vec!["bravo"]),
        (vec![("due_before", "2999-01-01")], vec!["bravo", "Alpha"]),
        (vec![("due_after", "2999-01-01")], vec!["delta", "bravo"]),
        (vec![("due_after", "2999-01-02"), ("due_before", "2999-12-31")], vec!["delta"]),
        (vec![("overdue", "true")], vec!["Alpha"]),
        (vec![("q", "BRAV")], vec!["bravo"]),
        (vec![("q", "100%"), ("status", "all")], vec!["Charlie"]),
        (vec![("sort", "title"), ("dir", "asc"), ("status", "all")], vec!["Alpha", "bravo", "Charlie", "delta"]),
        (vec![("sort", "title"), ("dir", "desc"), ("status", "all")], vec!["delta", "Charlie", "bravo", "Alpha"]),
        (vec![("sort", "created"), ("dir", "asc")], vec!["Alpha", "bravo", "delta"]),
        (vec![("sort", "created"), ("dir", "desc")], vec!["delta", "bravo", "Alpha"]),
        (vec![("sort", "due"), ("dir", "asc"), ("status", "all")], vec!["Alpha", "bravo", "delta", "Charlie"]),
        (vec![("sort", "due"), ("dir", "desc"), ("status", "all")], vec!["delta", "bravo", "Alpha", "Charlie"]),
        (vec![("sort", "priority"), ("dir", "desc")], vec!["bravo", "delta", "Alpha"]),
        (vec![("sort", "priority"), ("dir", "asc")], vec!["Alpha", "delta", "bravo"]),
    ];
    for (params, expected) in cases {
        assert_eq!(app.titles(&org, &project, &params).await, expected, "{params:?}");
    }
    // Updated: touching the oldest open task moves it first.
    let alpha = app.titles(&org, &project, &[("sort", "created"), ("dir", "asc")]).await;
    assert_eq!(alpha[0], "Alpha");
    let alpha_id =
        app.list_tasks(&org, &project, &[("q", "Alpha")]).await.json::<Value>().await.unwrap()["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    app.ok("patch_task", &[("org", &org), ("task", &alpha_id), ("field", "description"), ("value", "touched")]).await;
    assert_eq!(app.titles(&org, &project, &[("sort", "updated"), ("dir", "desc")]).await, ["Alpha", "delta", "bravo"]);
    assert_eq!(app.titles(&org, &project, &[("sort", "updated"), ("dir", "asc")]).await, ["bravo", "delta", "Alpha"]);

    // Overdue means open and due before today: not done, not due today.
    let today = time::OffsetDateTime::now_utc().date().to_string();
    make("foxtrot", vec![("due_on", today.clone())]).await;
    let echo = make("echo", vec![("due_on", "2000-01-01".into())]).await;
    app.ok("set_task_done", &[("org", &org), ("task", echo["id"].as_str().unwrap()), ("done", "true")]).await;
    assert_eq!(app.titles(&org, &project, &[("overdue", "true"), ("status", "all")]).await, ["Alpha"]);
    assert_eq!(app.titles(&org, &project, &[("due_before", &today), ("due_after", &today)]).await, ["foxtrot"]);

    let bad = app.list_tasks(&org, &project, &[("limit", "30")]).await;
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    assert!(field_message(&body, "per_page").is_some());
    let unknown = app.list_tasks(&org, &project, &[("sort", "size")]).await;
    assert_eq!(unknown.status(), 422, "not a sort at all");
    let body: Value = unknown.json().await.unwrap();
    assert!(field_message(&body, "sort").is_some(), "{body}");
}

#[tokio::test]
async fn pagination_reports_total_limit_offset_and_has_more() {
    let (app, org, project) = setup("pages").await;
    for i in 0..30 {
        app.task(&org, &project, &[("title", &format!("Task {i:02}"))]).await;
    }
    let page = |params: Vec<(&'static str, String)>| {
        let (app, org, project) = (&app, org.clone(), project.clone());
        async move {
            let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let response = app.list_tasks(&org, &project, &params).await;
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()
        }
    };
    let first = page(vec![]).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 25);
    assert_eq!(
        (first["total"].as_i64(), first["limit"].as_u64(), first["offset"].as_u64()),
        (Some(30), Some(25), Some(0))
    );
    assert_eq!(first["has_more"], true);
    assert_eq!(first["items"][0]["title"], "Task 29", "newest first");
    let second = page(vec![("offset", "25".into())]).await;
    assert_eq!(second["items"].as_array().unwrap().len(), 5);
    assert_eq!(second["has_more"], false);
    assert_eq!(second["items"][4]["title"], "Task 00");
    let fifty = page(vec![("limit", "50".into())]).await;
    assert_eq!((fifty["items"].as_array().unwrap().len(), fifty["has_more"].as_bool()), (30, Some(false)));
    let hundred = page(vec![("limit", "100".into())]).await;
    assert_eq!((hundred["items"].as_array().unwrap().len(), hundred["limit"].as_u64()), (30, Some(100)));
    let exact = page(vec![("limit", "25".into()), ("offset", "5".into())]).await;
    assert_eq!((exact["items"].as_array().unwrap().len(), exact["has_more"].as_bool()), (25, Some(false)));
    let beyond = page(vec![("offset", "100".into())]).await;
    assert_eq!((beyond["items"].as_array().unwrap().len(), beyond["total"].as_i64()), (0, Some(30)));
}

#[tokio::test]
async fn bulk_actions_complete_reopen_move_assign_and_trash() {
    let (app, org, project) = setup("bulk").await;
    let other = app.project(&org, "Elsewhere").await;
    let me = app.current_user().await["id"].as_str().unwrap().to_owned();
    let mut ids = Vec::new();
    for title in ["a", "b", "c", "d"] {
        ids.push(app.task(&org, &project, &[("title", title)]).await["id"].as_str().unwrap().to_owned());
    }
    let bulk = |action: &'static str, ids: Vec<String>, extra: Vec<(&'static str, String)>| {
        let (app, org) = (&app, org.clone());
        async move {
            let mut form: Vec<(&str, &str)> = vec![("org", &org), ("action", action)];
            form.extend(ids.iter().map(|id| ("ids[]", id.as_str())));
            form.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
            app.call("bulk_update_tasks", &form).await
        }
    };
    let affected = |response: reqwest::Response| async move {
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.unwrap()["affected"].as_u64().unwrap()
    };

    assert_eq!(affected(bulk("complete", ids[..2].to_vec(), vec![]).await).await, 2);
    assert_eq!(app.titles(&org, &project, &[("status", "done"), ("sort", "title"), ("dir", "asc")]).await, ["a", "b"]);
    assert_eq!(affected(bulk("reopen", ids[..1].to_vec(), vec![]).await).await, 1);
    assert_eq!(app.titles(&org, &project, &[("status", "done")]).await, ["b"], "a is open again");
    assert_eq!(affected(bulk("assign", ids.clone(), vec![("assignee", me.clone())]).await).await, 4);
    assert_eq!(app.titles(&org, &project, &[("assignee", "me"), ("status", "all")]).await.len(), 4);
    assert_eq!(affected(bulk("assign", ids[..1].to_vec(), vec![("assignee", String::new())]).await).await, 1);
    assert_eq!(app.titles(&org, &project, &[("assignee", "nobody"), ("status", "all")]).await, ["a"]);
    let frozen = app.project(&org, "Frozen").await;
    app.ok("set_project_archived", &[("org", &org), ("project", &frozen), ("archived", "true")]).await;
    assert_eq!(
        bulk("move", ids[2..].to_vec(), vec![("project", frozen)]).await.status(),
        409,
        "into an archived project"
    );
    assert_eq!(affected(bulk("move", ids[2..].to_vec(), vec![("project", other.clone())]).await).await, 2);
    assert_eq!(app.titles(&org, &other, &[("sort", "title"), ("dir", "asc")]).await, ["c", "d"]);
    assert_eq!(affected(bulk("trash", ids[2..].to_vec(), vec![]).await).await, 2);
    assert!(app.titles(&org, &other, &[("status", "all")]).await.is_empty());
    assert_eq!(app.titles(&org, &other, &[("status", "trash"), ("sort", "title"), ("dir", "asc")]).await, ["c", "d"]);

    // Bad requests change nothing.
    assert_eq!(bulk("complete", vec![], vec![]).await.status(), 422);
    let too_many: Vec<String> = (0..501).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    assert_eq!(bulk("complete", too_many, vec![]).await.status(), 422);
    assert_eq!(bulk("move", ids[..1].to_vec(), vec![]).await.status(), 422, "move needs a project");
    assert_eq!(bulk("explode", ids[..1].to_vec(), vec![]).await.status(), 400);
}

#[tokio::test]
async fn any_id_of_another_organization_answers_404_and_changes_nothing() {
    let (app, org, project) = setup("cross").await;
    let mine = app.task(&org, &project, &[("title", "Mine")]).await["id"].as_str().unwrap().to_owned();
    let other_project = app.project(&org, "Other").await;
    let my_other_cycle: Value = app
        .ok(
            "create_cycle",
            &[
                ("org", &org),
                ("project", &other_project),
                ("name", "X"),
                ("starts_on", "2026-11-01"),
                ("ends_on", "2026-11-02"),
            ],
        )
        .await;

    let them = app.visitor();
    let their_org = them.signed_up(&Person::new("them")).await;
    let their_org = slug(&their_org).to_owned();
    let their_project = them.project(&their_org, "Theirs").await;
    let their_task =
        them.task(&their_org, &their_project, &[("title", "Theirs")]).await["id"].as_str().unwrap().to_owned();
    let their_label =
        them.ok("create_label", &[("org", &their_org), ("name", "theirs")]).await["id"].as_str().unwrap().to_owned();
    let their_cycle = them
        .ok(
            "create_cycle",
            &[
                ("org", &their_org),
                ("project", &their_project),
                ("name", "T"),
                ("starts_on", "2026-11-01"),
                ("ends_on", "2026-11-02"),
            ],
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let their_user = them.current_user().await["id"].as_str().unwrap().to_owned();

    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("get_task", vec![("org", &org), ("task", &their_task)]),
        ("update_task", vec![("org", &org), ("task", &their_task), ("title", "x")]),
        ("patch_task", vec![("org", &org), ("task", &their_task), ("field", "title"), ("value", "x")]),
        ("set_task_done", vec![("org", &org), ("task", &their_task), ("done", "true")]),
        ("create_task", vec![("org", &org), ("project", &their_project), ("title", "x")]),
        ("create_task", vec![("org", &org), ("project", &project), ("title", "x"), ("assignee", &their_user)]),
        ("create_task", vec![("org", &org), ("project", &project), ("title", "x"), ("labels[]", &their_label)]),
        ("create_task", vec![("org", &org), ("project", &project), ("title", "x"), ("cycle", &their_cycle)]),
        ("patch_task", vec![("org", &org), ("task", &mine), ("field", "assignee"), ("value", &their_user)]),
        ("bulk_update_tasks", vec![("org", &org), ("action", "trash"), ("ids[]", &mine), ("ids[]", &their_task)]),
        ("bulk_update_tasks", vec![("org", &org), ("action", "move"), ("ids[]", &mine), ("project", &their_project)]),
        ("bulk_update_tasks", vec![("org", &org), ("action", "assign"), ("ids[]", &mine), ("assignee", &their_user)]),
        ("get_task", vec![("org", &org), ("task", "01234567-89ab-7def-8123-456789abcdef")]),
        ("get_task", vec![("org", &org), ("task", "garbage")]),
    ];
    for (name, form) in cases {
        let response = app.call(name, &form).await;
        assert_eq!(response.status(), 404, "{name} {form:?}");
        assert_eq!(response.text().await.unwrap(), r#"{"kind":"not_found"}"#);
    }
    // Filtering my list by their label or their person is the same 404,
    // in the list and in the export.
    for filter in [("label", their_label.as_str()), ("assignee", their_user.as_str())] {
        assert_eq!(app.list_tasks(&org, &project, &[filter]).await.status(), 404, "{filter:?}");
        let csv = app.get(&format!("/o/{org}/projects/{project}/tasks.csv?{}={}", filter.0, filter.1)).await;
        assert_eq!(csv.status(), 404, "export {filter:?}");
    }

    // Nothing moved: my task is still here, theirs still there.
    assert_eq!(app.titles(&org, &project, &[]).await, ["Mine"]);
    assert_eq!(them.titles(&their_org, &their_project, &[]).await, ["Theirs"]);
    // A cycle of another project of my own organization is a field error.
    let wrong_cycle = app
        .call(
            "create_task",
            &[("org", &org), ("project", &project), ("title", "x"), ("cycle", my_other_cycle["id"].as_str().unwrap())],
        )
        .await;
    assert_eq!(wrong_cycle.status(), 422);
    let body: Value = wrong_cycle.json().await.unwrap();
    assert_eq!(field_message(&body, "cycle").unwrap(), "This cycle belongs to another project.");
}

#[tokio::test]
async fn assignees_must_be_members_and_members_can_be_assigned() {
    let app = spawn_app().await;
    let owner = Person::new("boss");
    let org = app.signed_up(&owner).await;
    let org = slug(&org).to_owned();
    let project = app.project(&org, "P").await;
    let colleague = Person::new("colleague");
    let visitor = app.visitor();
    visitor.signed_up(&colleague).await;
    let colleague_id = visitor.current_user().await["id"].as_str().unwrap().to_owned();

    let before = app
        .call("create_task", &[("org", &org), ("project", &project), ("title", "x"), ("assignee", &colleague_id)])
        .await;
    assert_eq!(before.status(), 404, "not a member yet");
    join(&app, &org, &owner, &colleague, app::model::Role::Member).await;
    let task = app.task(&org, &project, &[("title", "x"), ("assignee", &colleague_id)]).await;
    assert_eq!(task["assignee"]["display_name"], "colleague Tester");
    let members: Value = app.ok("list_members", &[("org", &org)]).await;
    assert_eq!(members.as_array().unwrap().len(), 2);
}
