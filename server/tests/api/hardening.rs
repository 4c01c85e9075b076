//! The task trash, bounded inputs, arguments a function does not know, and
//! exports that cannot hold the database.

use std::time::Duration;

use app::{
    model::{Action, Email, ProjectId, Role, TaskDescription, TaskTitle},
    server::{
        ctx::OrgCtx,
        db::{tasks, users},
    },
};
use serde_json::Value;

use crate::helpers::{Person, field_error, join, slug, spawn_app, spawn_app_with};

#[tokio::test]
async fn deleted_tasks_go_to_a_trash_members_restore_and_only_admins_empty() {
    let app = spawn_app().await;
    let owner = Person::new("own");
    let org = app.signed_up(&owner).await;
    let org = slug(&org);
    let project = app.project(org, "Bin").await;
    let keep = app.task(org, &project, &[("title", "Keep")]).await["id"].as_str().unwrap().to_owned();
    let oops = app.task(org, &project, &[("title", "Oops")]).await["id"].as_str().unwrap().to_owned();
    let member = Person::new("mem");
    let member_app = app.visitor();
    member_app.signed_up(&member).await;
    join(&app, org, &owner, &member, Role::Member).await;
    let bulk = |who: &'static str, action: &'static str, ids: Vec<String>| {
        let who = if who == "member" { &member_app } else { &*app };
        async move {
            let mut form: Vec<(&str, &str)> = vec![("org", org), ("action", action)];
            form.extend(ids.iter().map(|id| ("ids[]", id.as_str())));
            who.call("bulk_update_tasks", &form).await
        }
    };

    // A member deletes: the task leaves the list for the trash.
    assert_eq!(bulk("member", "trash", vec![oops.clone()]).await.status(), 200);
    assert_eq!(app.titles(org, &project, &[]).await, ["Keep"]);
    assert_eq!(app.titles(org, &project, &[("status", "trash")]).await, ["Oops"]);
    assert_eq!(app.call("get_task", &[("org", org), ("task", &oops)]).await.status(), 404);
    // ... and restores it.
    assert_eq!(bulk("member", "restore", vec![oops.clone()]).await.status(), 200);
    assert_eq!(app.titles(org, &project, &[("sort", "title"), ("dir", "asc")]).await, ["Keep", "Oops"]);
    // Deleting for good is not a member's to do.
    bulk("member", "trash", vec![oops.clone()]).await;
    assert_eq!(bulk("member", "purge", vec![oops.clone()]).await.status(), 403);
    let empty = [("org", org), ("project", project.as_str())];
    assert_eq!(member_app.call("empty_task_trash", &empty).await.status(), 403);
    assert_eq!(bulk("owner", "purge", vec![keep.clone()]).await.status(), 404, "only trashed tasks are purged");
    let purged: Value = bulk("owner", "purge", vec![oops.clone()]).await.json().await.unwrap();
    assert_eq!(purged["affected"], 1);
    assert_eq!(bulk("owner", "restore", vec![oops.clone()]).await.status(), 404, "gone for good");
    bulk("owner", "trash", vec![keep.clone()]).await;
    let emptied: Value = app.ok("empty_task_trash", &empty).await;
    assert_eq!(emptied["affected"], 1);
    assert!(app.titles(org, &project, &[("status", "all")]).await.is_empty());
    assert!(app.titles(org, &project, &[("status", "trash")]).await.is_empty());
}

#[tokio::test]
async fn list_arguments_have_maximums_answered_with_422() {
    let app = spawn_app().await;
    let org = app.signed_up(&Person::new("lists")).await;
    let org = slug(&org);
    let project = app.project(org, "Lists").await;

    let labels: Vec<String> = (0..21).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    let mut form = vec![("org", org), ("project", project.as_str()), ("title", "Labelled")];
    form.extend(labels.iter().map(|id| ("labels[]", id.as_str())));
    let message = field_error(app.call("create_task", &form).await, "labels").await;
    assert_eq!(message, "Choose at most 20 labels.");

    let ids: Vec<String> = (0..501).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    let mut form = vec![("org", org), ("action", "complete")];
    form.extend(ids.iter().map(|id| ("ids[]", id.as_str())));
    let message = field_error(app.call("bulk_update_tasks", &form).await, "ids").await;
    assert_eq!(message, "Choose at most 500 tasks.");

    // Far beyond any list: refused before it is read, not a 500.
    let huge = "x".repeat(100 * 1024);
    let response = app.call("create_task", &[("org", org), ("project", &project), ("title", &huge)]).await;
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn arguments_a_function_does_not_know_are_refused_by_name() {
    let app = spawn_app().await;
    let org = app.signed_up(&Person::new("args")).await;
    let org = slug(&org);
    let project = app.project(org, "Args").await;

    let response = app.call("create_label", &[("org", org), ("name", "bug"), ("colour", "red")]).await;
    let message = field_error(response, "colour").await;
    assert!(message.contains("Unknown argument") && message.contains("color"), "{message}");
    let listed: Value = app.ok("list_labels", &[("org", org)]).await;
    assert!(listed.as_array().unwrap().is_empty(), "nothing was created");

    // Inside the list query, the URL's own names work...
    for i in 0..30 {
        app.task(org, &project, &[("title", &format!("T{i:02}"))]).await;
    }
    let page: Value = app.list_tasks(org, &project, &[("per_page", "50")]).await.json().await.unwrap();
    assert_eq!((page["limit"].as_u64(), page["items"].as_array().unwrap().len()), (Some(50), 30));
    let page: Value = app.list_tasks(org, &project, &[("page", "2")]).await.json().await.unwrap();
    assert_eq!((page["offset"].as_u64(), page["items"].as_array().unwrap().len()), (Some(25), 5));
    // ... and a name it does not know is refused, not ignored.
    let message = field_error(app.list_tasks(org, &project, &[("perpage", "50")]).await, "perpage").await;
    assert!(message.contains("Unknown list parameter"), "{message}");
}

/// Several clients that stop reading their CSV downloads hold no database
/// connection: with a pool of two, three stalled exports leave the app
/// answering. (An export that read in one long transaction held one
/// connection per download for as long as the client took.)
#[tokio::test]
async fn stalled_exports_do_not_hold_the_pool() {
    let app = spawn_app_with(|config| config.database_max_connections = 2).await;
    let owner = Person::new("exp");
    let org = app.signed_up(&owner).await;
    let org = slug(&org).to_owned();
    let project: ProjectId = app.project(&org, "Big").await.parse().unwrap();

    // About 10 MB of CSV: more than the sockets buffer, so a client that
    // does not read stalls the server's writes.
    let user = users::find_by_email(&app.db, &Email::parse(&owner.email).unwrap()).await.unwrap().unwrap();
    let writer = OrgCtx::load(&app.db, user.id, &org).await.unwrap().writer(Action::EditTasks).unwrap();
    let description = TaskDescription::parse(&"lorem ipsum ".repeat(166)).unwrap();
    for i in 0..5_000 {
        let mut fields = common_fields(&format!("Task {i}"));
        fields.description = description.clone();
        tasks::insert(&app.db, &writer, project, &fields).await.unwrap();
    }

    let url = app.url(&format!("/o/{org}/projects/{project}/tasks.csv?status=all"));
    let mut stalled = Vec::new();
    for _ in 0..3 {
        let response = app.client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        stalled.push(response); // headers read, body left unread
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let answered = tokio::time::timeout(
        Duration::from_secs(10),
        app.call("list_tasks", &[("org", &org), ("project", &project.to_string())]),
    )
    .await
    .expect("the app still answers while three downloads stall");
    assert_eq!(answered.status(), 200);
    drop(stalled);
}

fn common_fields(title: &str) -> app::model::TaskFields {
    app::model::TaskFields {
        title: TaskTitle::parse(title).unwrap(),
        description: TaskDescription::parse("").unwrap(),
        priority: app::model::Priority::None,
        due_on: None,
        assignee: None,
        cycle: None,
        labels: Vec::new(),
    }
}
