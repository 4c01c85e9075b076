use app::model::Role;
use serde_json::Value;

use crate::helpers::{Person, field_message, join, slug, spawn_app};

#[tokio::test]
async fn project_names_are_1_to_100_characters_and_descriptions_up_to_2000() {
    let app = spawn_app().await;
    let org = app.signed_up(&Person::new("lim")).await;
    let org = slug(&org);
    let cases: [(String, String, &str); 4] = [
        ("p".repeat(101), String::new(), "name"),
        ("   ".into(), String::new(), "name"),
        ("Fine".into(), "d".repeat(2001), "description"),
        ("Also fine".into(), "\u{7}".into(), "description"),
    ];
    for (name, description, field) in cases {
        let response =
            app.call("create_project", &[("org", org), ("name", &name), ("description", &description)]).await;
        assert_eq!(response.status(), 422, "{field}");
        let body: Value = response.json().await.unwrap();
        assert!(field_message(&body, field).is_some(), "{field}: {body}");
    }
    let project =
        app.ok("create_project", &[("org", org), ("name", &"p".repeat(100)), ("description", &"d".repeat(2000))]).await;
    let project = project["id"].as_str().unwrap();

    // Renaming and describing check the same limits.
    for (name, description, field) in
        [("q".repeat(101), "", "name"), (" ".into(), "", "name"), ("Q".into(), &*"d".repeat(2001), "description")]
    {
        let response = app
            .call(
                "update_project",
                &[("org", org), ("project", project), ("name", &name), ("description", description)],
            )
            .await;
        assert_eq!(response.status(), 422, "{field}");
        let body: Value = response.json().await.unwrap();
        assert!(field_message(&body, field).is_some(), "{field}: {body}");
    }
    let renamed: Value =
        app.ok("update_project", &[("org", org), ("project", project), ("name", &"q".repeat(100))]).await;
    assert_eq!(renamed["name"], "q".repeat(100));
}

#[tokio::test]
async fn live_project_names_are_unique_per_organization_case_insensitively() {
    let app = spawn_app().await;
    let org = app.signed_up(&Person::new("uniq")).await;
    let org = slug(&org);
    let first = app.project(org, "Launch").await;
    let response = app.call("create_project", &[("org", org), ("name", "LAUNCH")]).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(field_message(&body, "name").unwrap(), "A project with this name already exists.");

    // Renaming onto a taken name is the same field error, and so is an
    // archived project's name: archived projects are still live.
    let second = app.project(org, "Second").await;
    let response = app.call("update_project", &[("org", org), ("project", &second), ("name", "launch")]).await;
    assert_eq!(response.status(), 422);
    assert_eq!(
        field_message(&response.json().await.unwrap(), "name").unwrap(),
        "A project with this name already exists."
    );
    app.ok("set_project_archived", &[("org", org), ("project", &second), ("archived", "true")]).await;
    assert_eq!(app.call("create_project", &[("org", org), ("name", "Second")]).await.status(), 422);
    app.ok("set_project_archived", &[("org", org), ("project", &second), ("archived", "false")]).await;

    // Another organization may have a Launch too.
    let other = app.visitor();
    let other_org = other.signed_up(&Person::new("uniq2")).await;
    other.project(slug(&other_org), "Launch").await;

    // Trashed, the name is free; restoring into the clash is refused.
    app.ok("delete_project", &[("org", org), ("project", &first)]).await;
    app.project(org, "launch").await;
    let restore = app.call("restore_project", &[("org", org), ("project", &first)]).await;
    assert_eq!(restore.status(), 409);
}

#[tokio::test]
async fn the_project_list_pages_and_counts_open_and_done_tasks() {
    let app = spawn_app().await;
    let org = app.signed_up(&Person::new("list")).await;
    let org = slug(&org);
    for i in 0..30 {
        app.project(org, &format!("Project {i:02}")).await;
    }
    let first: Value = app.ok("list_projects", &[("org", org)]).await;
    assert_eq!(
        (first["items"].as_array().unwrap().len(), first["total"].as_i64(), first["has_more"].as_bool()),
        (25, Some(30), Some(true))
    );
    assert_eq!(first["items"][0]["name"], "Project 00");
    let last: Value = app.ok("list_projects", &[("org", org), ("offset", "25")]).await;
    assert_eq!(
        (last["items"].as_array().unwrap().len(), last["has_more"].as_bool(), last["offset"].as_u64()),
        (5, Some(false), Some(25))
    );
    let big: Value = app.ok("list_projects", &[("org", org), ("limit", "50")]).await;
    assert_eq!(big["items"].as_array().unwrap().len(), 30);
    let hundred: Value = app.ok("list_projects", &[("org", org), ("limit", "100")]).await;
    assert_eq!((hundred["items"].as_array().unwrap().len(), hundred["limit"].as_u64()), (30, Some(100)));
    let odd = app.call("list_projects", &[("org", org), ("limit", "30")]).await;
    assert_eq!(odd.status(), 422);

    let project = first["items"][0]["id"].as_str().unwrap().to_owned();
    for title in ["a", "b", "c"] {
        app.task(org, &project, &[("title", title)]).await;
    }
    let task = app.task(org, &project, &[("title", "d")]).await;
    app.ok("set_task_done", &[("org", org), ("task", task["id"].as_str().unwrap()), ("done", "true")]).await;
    let counted: Value = app.ok("list_projects", &[("org", org), ("limit", "25")]).await;
    assert_eq!(
        (counted["items"][0]["open_tasks"].as_i64(), counted["items"][0]["done_tasks"].as_i64()),
        (Some(3), Some(1))
    );
}

#[tokio::test]
async fn archived_projects_are_read_only_and_trashed_ones_are_gone_until_restored() {
    let app = spawn_app().await;
    let org = app.signed_up(&Person::new("arch")).await;
    let org = slug(&org);
    let project = app.project(org, "Old").await;
    let task = app.task(org, &project, &[("title", "Keep me")]).await;
    let task_id = task["id"].as_str().unwrap();

    app.ok("set_project_archived", &[("org", org), ("project", &project), ("archived", "true")]).await;
    let active: Value = app.ok("list_projects", &[("org", org)]).await;
    assert_eq!(active["total"], 0);
    let archived: Value = app.ok("list_projects", &[("org", org), ("view", "archived")]).await;
    assert_eq!(archived["total"], 1);
    assert_eq!(app.titles(org, &project, &[]).await, ["Keep me"], "still readable");
    for (name, form) in [
        ("create_task", vec![("org", org), ("project", project.as_str()), ("title", "New")]),
        ("set_task_done", vec![("org", org), ("task", task_id), ("done", "true")]),
        ("patch_task", vec![("org", org), ("task", task_id), ("field", "title"), ("value", "Renamed")]),
        ("bulk_update_tasks", vec![("org", org), ("ids[]", task_id), ("action", "trash")]),
        (
            "create_cycle",
            vec![
                ("org", org),
                ("project", &project),
                ("name", "C"),
                ("starts_on", "2026-11-01"),
                ("ends_on", "2026-11-02"),
            ],
        ),
    ] {
        assert_eq!(app.call(name, &form).await.status(), 409, "{name}");
    }

    app.ok("set_project_archived", &[("org", org), ("project", &project), ("archived", "false")]).await;
    let cycle: Value = app
        .ok(
            "create_cycle",
            &[
                ("org", org),
                ("project", &project),
                ("name", "Sprint"),
                ("starts_on", "2026-11-01"),
                ("ends_on", "2026-11-02"),
            ],
        )
        .await;
    let cycle = cycle["id"].as_str().unwrap();
    app.ok("delete_project", &[("org", org), ("project", &project)]).await;
    let trash: Value = app.ok("list_projects", &[("org", org), ("view", "trash")]).await;
    assert_eq!(trash["total"], 1);
    // Every read and write of a trashed project's children answers 404,
    // like another organization's: one readable rule for all of them.
    assert_eq!(app.list_tasks(org, &project, &[]).await.status(), 404);
    for (name, form) in [
        ("get_task", vec![("org", org), ("task", task_id)]),
        ("list_cycles", vec![("org", org), ("project", project.as_str())]),
        ("set_task_done", vec![("org", org), ("task", task_id), ("done", "true")]),
        ("patch_task", vec![("org", org), ("task", task_id), ("field", "title"), ("value", "Renamed")]),
        ("create_task", vec![("org", org), ("project", project.as_str()), ("title", "New")]),
        ("bulk_update_tasks", vec![("org", org), ("ids[]", task_id), ("action", "complete")]),
        (
            "update_cycle",
            vec![("org", org), ("cycle", cycle), ("name", "X"), ("starts_on", "2026-11-01"), ("ends_on", "2026-11-02")],
        ),
        ("delete_cycle", vec![("org", org), ("cycle", cycle)]),
    ] {
        assert_eq!(app.call(name, &form).await.status(), 404, "{name}");
    }
    assert_eq!(app.get(&format!("/o/{org}/projects/{project}/tasks.csv")).await.status(), 404);
    app.ok("restore_project", &[("org", org), ("project", &project)]).await;
    assert_eq!(app.titles(org, &project, &[]).await, ["Keep me"]);
    app.ok("get_task", &[("org", org), ("task", task_id)]).await;
    let cycles: Value = app.ok("list_cycles", &[("org", org), ("project", &project)]).await;
    assert_eq!(cycles.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn guests_read_members_edit_and_only_admins_delete_projects() {
    let app = spawn_app().await;
    let owner = Person::new("own");
    let org_path = app.signed_up(&owner).await;
    let org = slug(&org_path);
    let project = app.project(org, "Shared").await;
    let task = app.task(org, &project, &[("title", "Existing")]).await;
    let task_id = task["id"].as_str().unwrap();
    let label: Value = app.ok("create_label", &[("org", org), ("name", "kept")]).await;
    let label = label["id"].as_str().unwrap();
    let cycle: Value = app
        .ok(
            "create_cycle",
            &[
                ("org", org),
                ("project", &project),
                ("name", "Kept"),
                ("starts_on", "2026-11-01"),
                ("ends_on", "2026-11-02"),
            ],
        )
        .await;
    let cycle = cycle["id"].as_str().unwrap();

    let guest_person = Person::new("gst");
    let guest = app.visitor();
    guest.signed_up(&guest_person).await;
    join(&app, org, &owner, &guest_person, Role::Guest).await;
    let member_person = Person::new("mbr");
    let member = app.visitor();
    member.signed_up(&member_person).await;
    join(&app, org, &owner, &member_person, Role::Member).await;

    // Guests read.
    assert_eq!(guest.titles(org, &project, &[]).await, ["Existing"]);
    assert_eq!(guest.call("get_project_page", &[("org", org), ("project", &project)]).await.status(), 200);
    // ...and change nothing.
    for (name, form) in [
        ("create_project", vec![("org", org), ("name", "Nope")]),
        ("update_project", vec![("org", org), ("project", project.as_str()), ("name", "Nope")]),
        ("create_task", vec![("org", org), ("project", project.as_str()), ("title", "Nope")]),
        ("update_task", vec![("org", org), ("task", task_id), ("title", "Nope")]),
        ("patch_task", vec![("org", org), ("task", task_id), ("field", "priority"), ("value", "high")]),
        ("set_task_done", vec![("org", org), ("task", task_id), ("done", "true")]),
        ("bulk_update_tasks", vec![("org", org), ("ids[]", task_id), ("action", "complete")]),
        ("set_project_archived", vec![("org", org), ("project", project.as_str()), ("archived", "true")]),
        ("delete_project", vec![("org", org), ("project", project.as_str())]),
        ("create_label", vec![("org", org), ("name", "nope")]),
        ("update_label", vec![("org", org), ("label", label), ("name", "nope")]),
        ("delete_label", vec![("org", org), ("label", label)]),
        (
            "update_cycle",
            vec![
                ("org", org),
                ("cycle", cycle),
                ("name", "Nope"),
                ("starts_on", "2026-11-01"),
                ("ends_on", "2026-11-02"),
            ],
        ),
        ("delete_cycle", vec![("org", org), ("cycle", cycle)]),
        (
            "create_cycle",
            vec![
                ("org", org),
                ("project", project.as_str()),
                ("name", "C"),
                ("starts_on", "2026-11-01"),
                ("ends_on", "2026-11-02"),
            ],
        ),
    ] {
        let response = guest.call(name, &form).await;
        assert_eq!(response.status(), 403, "guest {name}");
        assert_eq!(response.text().await.unwrap(), r#"{"kind":"forbidden"}"#);
    }
    // Members create and edit, but deleting a project needs Admin.
    member.task(org, &project, &[("title", "By a member")]).await;
    member.ok("patch_task", &[("org", org), ("task", task_id), ("field", "priority"), ("value", "high")]).await;
    assert_eq!(member.call("delete_project", &[("org", org), ("project", &project)]).await.status(), 403);
    let admin_person = Person::new("adm");
    let admin = app.visitor();
    admin.signed_up(&admin_person).await;
    join(&app, org, &owner, &admin_person, Role::Admin).await;
    admin.ok("delete_project", &[("org", org), ("project", &project)]).await;
    assert_eq!(guest.call("restore_project", &[("org", org), ("project", &project)]).await.status(), 403);
    assert_eq!(member.call("restore_project", &[("org", org), ("project", &project)]).await.status(), 403);
    admin.ok("restore_project", &[("org", org), ("project", &project)]).await;
    app.ok("delete_project", &[("org", org), ("project", &project)]).await;
}

#[tokio::test]
async fn another_organizations_projects_labels_and_cycles_answer_404() {
    let app = spawn_app().await;
    let mine = app.signed_up(&Person::new("mine")).await;
    let mine = slug(&mine).to_owned();
    let theirs_visitor = app.visitor();
    let theirs = theirs_visitor.signed_up(&Person::new("theirs")).await;
    let theirs = slug(&theirs).to_owned();
    let their_project = theirs_visitor.project(&theirs, "Secret").await;
    let their_label: Value = theirs_visitor.ok("create_label", &[("org", &theirs), ("name", "secret")]).await;
    let their_cycle: Value = theirs_visitor
        .ok(
            "create_cycle",
            &[
                ("org", &theirs),
                ("project", &their_project),
                ("name", "S"),
                ("starts_on", "2026-11-01"),
                ("ends_on", "2026-11-02"),
            ],
        )
        .await;
    let label = their_label["id"].as_str().unwrap();
    let cycle = their_cycle["id"].as_str().unwrap();

    // Through my organization, their ids name nothing.
    for (name, form) in [
        ("get_project_page", vec![("org", mine.as_str()), ("project", their_project.as_str())]),
        ("update_project", vec![("org", mine.as_str()), ("project", their_project.as_str()), ("name", "X")]),
        (
            "set_project_archived",
            vec![("org", mine.as_str()), ("project", their_project.as_str()), ("archived", "true")],
        ),
        ("delete_project", vec![("org", mine.as_str()), ("project", their_project.as_str())]),
        ("restore_project", vec![("org", mine.as_str()), ("project", their_project.as_str())]),
        ("create_task", vec![("org", mine.as_str()), ("project", their_project.as_str()), ("title", "X")]),
        ("list_cycles", vec![("org", mine.as_str()), ("project", their_project.as_str())]),
        ("update_label", vec![("org", mine.as_str()), ("label", label), ("name", "X")]),
        ("delete_label", vec![("org", mine.as_str()), ("label", label)]),
        (
            "update_cycle",
            vec![
                ("org", mine.as_str()),
                ("cycle", cycle),
                ("name", "X"),
                ("starts_on", "2026-11-01"),
                ("ends_on", "2026-11-02"),
            ],
        ),
        ("delete_cycle", vec![("org", mine.as_str()), ("cycle", cycle)]),
        ("get_project_page", vec![("org", mine.as_str()), ("project", "not-an-id")]),
    ] {
        let response = app.call(name, &form).await;
        assert_eq!(response.status(), 404, "{name}");
    }
    assert_eq!(app.list_tasks(&mine, &their_project, &[]).await.status(), 404);
    // And their organization itself is not mine to read.
    assert_eq!(app.call("list_projects", &[("org", &theirs)]).await.status(), 404);
    assert_eq!(theirs_visitor.titles(&theirs, &their_project, &[]).await.len(), 0, "theirs is untouched");
}

#[tokio::test]
async fn labels_and_cycles_check_their_fields() {
    let app = spawn_app().await;
    let org = app.signed_up(&Person::new("lc")).await;
    let org = slug(&org);
    let project = app.project(org, "P").await;
    app.ok("create_label", &[("org", org), ("name", &"l".repeat(50)), ("color", "teal")]).await;
    for (name, color, field) in
        [("l".repeat(51), "teal", "name"), ("".into(), "teal", "name"), ("ok".into(), "#ff0000", "color")]
    {
        let body: Value =
            app.call("create_label", &[("org", org), ("name", &name), ("color", color)]).await.json().await.unwrap();
        assert!(field_message(&body, field).is_some(), "{field}: {body}");
    }
    let dup: Value = app.call("create_label", &[("org", org), ("name", &"L".repeat(50))]).await.json().await.unwrap();
    assert_eq!(field_message(&dup, "name").unwrap(), "A label with this name already exists.");

    let inverted = app
        .call(
            "create_cycle",
            &[
                ("org", org),
                ("project", &project),
                ("name", "C"),
                ("starts_on", "2026-11-10"),
                ("ends_on", "2026-11-09"),
            ],
        )
        .await;
    assert_eq!(inverted.status(), 422);
    let body: Value = inverted.json().await.unwrap();
    assert_eq!(field_message(&body, "ends_on").unwrap(), "The end date cannot be before the start date.");
    let missing: Value = app
        .call(
            "create_cycle",
            &[("org", org), ("project", &project), ("name", ""), ("starts_on", ""), ("ends_on", "soon")],
        )
        .await
        .json()
        .await
        .unwrap();
    for field in ["name", "starts_on", "ends_on"] {
        assert!(field_message(&missing, field).is_some(), "{field}");
    }
    let cycle: Value = app
        .ok(
            "create_cycle",
            &[
                ("org", org),
                ("project", &project),
                ("name", "One day"),
                ("starts_on", "2026-11-10"),
                ("ends_on", "2026-11-10"),
            ],
        )
        .await;
    assert_eq!((cycle["done_tasks"].as_i64(), cycle["total_tasks"].as_i64()), (Some(0), Some(0)));
}
