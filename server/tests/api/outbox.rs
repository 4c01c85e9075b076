//! The event outbox through HTTP: a change and its event (and its audit
//! row, when audited) commit together or not at all. A trigger makes every
//! insert into `events` fail after the change's own statements ran; the
//! server function answers an error and leaves nothing behind. Without the
//! trigger the same change leaves all of it. And a server killed with
//! SIGKILL while clients write keeps every acknowledged change with its
//! event, and no event without its change.

use app::server::db::Db;

use app::model::Role;

use crate::helpers::{Person, join, on_postgres, run_sql, slug, spawn_app};

/// The one number `sql` (a `SELECT COUNT(*) ...`) answers, read across
/// tenants.
async fn count(db: &Db, sql: &str) -> i64 {
    match db {
        Db::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
        Db::Postgres(pool) => {
            let mut tx = pool.begin().await.unwrap();
            sqlx::query("SELECT set_config('app.org_id', '*', true)").execute(&mut *tx).await.unwrap();
            let n = sqlx::query_scalar(sql).fetch_one(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
            n
        }
    }
}

/// Makes every insert into `events` fail.
async fn break_the_outbox(db: &Db) {
    if on_postgres() {
        run_sql(
            db,
            "CREATE FUNCTION events_fail() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'injected failure'; END; $$",
        )
        .await;
        run_sql(db, "CREATE TRIGGER events_fail BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION events_fail()")
            .await;
    } else {
        run_sql(
            db,
            "CREATE TRIGGER events_fail BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
        )
        .await;
    }
}

/// Takes the failure away again. On PostgreSQL only the table's owner may
/// drop a trigger and the application's role is not it: the role makes
/// the trigger's function harmless instead (it owns the function).
async fn mend_the_outbox(db: &Db) {
    if on_postgres() {
        run_sql(
            db,
            "CREATE OR REPLACE FUNCTION events_fail() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RETURN NEW; END; $$",
        )
        .await;
    } else {
        run_sql(db, "DROP TRIGGER events_fail").await;
    }
}

#[tokio::test]
async fn a_change_and_its_event_commit_together_or_not_at_all() {
    let app = spawn_app().await;
    let owner = Person::new("own");
    let org = app.signed_up(&owner).await;
    let org = slug(&org);
    let project = app.project(org, "Kept").await;
    let person = Person::new("mbr");
    let member = app.visitor();
    member.signed_up(&person).await;
    join(&app, org, &owner, &person, Role::Member).await;
    let member_id = member.current_user().await["id"].as_str().unwrap().to_owned();
    // An assigned task, so removing the member is several statements (the
    // task unassigned, the membership deleted) before its event.
    app.task(org, &project, &[("title", "Theirs"), ("assignee", &member_id)]).await;
    let events_before = count(&app.db, "SELECT COUNT(*) FROM events").await;

    break_the_outbox(&app.db).await;
    // An audited change: the project, its event and its audit row.
    let response = app.call("create_project", &[("org", org), ("name", "Doomed")]).await;
    assert!(response.status().is_server_error(), "create_project answered {}", response.status());
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM projects WHERE name = 'Doomed'").await, 0);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM events").await, events_before);
    let created = "SELECT COUNT(*) FROM audit_events WHERE action = 'project.created'";
    assert_eq!(count(&app.db, created).await, 1, "only the first project's audit row");
    // A change the outbox records and the audit log does not: a task.
    let response = app.call("create_task", &[("org", org), ("project", &project), ("title", "Lost")]).await;
    assert!(response.status().is_server_error(), "create_task answered {}", response.status());
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM tasks WHERE title = 'Lost'").await, 0);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM events").await, events_before);

    // A change of several statements: all of them roll back.
    let response = app.call("remove_member", &[("org", org), ("user", &member_id)]).await;
    assert!(response.status().is_server_error(), "remove_member answered {}", response.status());
    // Their membership here (they own an organization of their own too).
    let still = format!("SELECT COUNT(*) FROM memberships WHERE role = 'member' AND user_id = '{member_id}'");
    let still = if on_postgres() { still } else { still.replace(&format!("'{member_id}'"), &blob(&member_id)) };
    assert_eq!(count(&app.db, &still).await, 1, "still a member");
    let assigned = "SELECT COUNT(*) FROM tasks WHERE title = 'Theirs' AND assignee_id IS NOT NULL";
    assert_eq!(count(&app.db, assigned).await, 1, "the task keeps its assignee");
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM audit_events WHERE action = 'member.removed'").await, 0);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM events").await, events_before);

    mend_the_outbox(&app.db).await;
    let doomed = app.project(org, "Doomed").await;
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM projects WHERE name = 'Doomed'").await, 1);
    let event = format!(
        "SELECT COUNT(*) FROM events WHERE type = 'project.created' AND resource_type = 'project' \
         AND resource_id = '{doomed}'"
    );
    assert_eq!(count(&app.db, &event).await, 1);
    let audited = format!("{created} AND target_id = '{doomed}'");
    assert_eq!(count(&app.db, &audited).await, 1);
    let task = app.task(org, &project, &[("title", "Found")]).await;
    let task = task["id"].as_str().unwrap();
    let event = format!("SELECT COUNT(*) FROM events WHERE type = 'task.created' AND resource_id = '{task}'");
    assert_eq!(count(&app.db, &event).await, 1);
    app.ok("remove_member", &[("org", org), ("user", &member_id)]).await;
    assert_eq!(count(&app.db, &still).await, 0);
    assert_eq!(count(&app.db, assigned).await, 0);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM audit_events WHERE action = 'member.removed'").await, 1);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM events WHERE type = 'member.removed'").await, 1);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM events").await, events_before + 3);
}

/// A UUID as SQLite stores it: a 16-byte blob literal.
fn blob(id: &str) -> String {
    format!("X'{}'", id.replace('-', ""))
}

/// Every value of the one column `sql` selects, read across tenants.
async fn column<T>(db: &Db, sql: &str) -> Vec<T>
where
    T: Send + Unpin + for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    match db {
        Db::Sqlite(pool) => sqlx::query_scalar(sql).fetch_all(pool).await.unwrap(),
        Db::Postgres(pool) => {
            let mut tx = pool.begin().await.unwrap();
            sqlx::query("SELECT set_config('app.org_id', '*', true)").execute(&mut *tx).await.unwrap();
            let values = sqlx::query_scalar(sql).fetch_all(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
            values
        }
    }
}

/// A server killed (SIGKILL: no shutdown) while eight clients create
/// tasks: after a restart, every task a client was told about is there
/// with its event, and no event names a task that is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_write_keeps_every_acknowledged_change_with_its_event_and_no_other_event() {
    use crate::helpers::{free_port, started, test_database, visitor_on};
    use std::{
        sync::{Arc, Mutex},
        time::Duration,
    };

    let (database_url, _database) = test_database().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let visitor = visitor_on(port);
    let mut server = started(&database_url, port, dir.path(), &[]).await;
    let org = slug(&visitor.signed_up(&Person::new("kill")).await).to_owned();
    let project = visitor.project(&org, "Crash").await;

    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let (client, url) = (visitor.client.clone(), visitor.url("/api/create_task"));
            let (org, project, acknowledged) = (org.clone(), project.clone(), Arc::clone(&acknowledged));
            tokio::spawn(async move {
                for n in 0.. {
                    let title = format!("Writer {writer} task {n}");
                    let form = [("org", org.as_str()), ("project", project.as_str()), ("title", title.as_str())];
                    let sent = client.post(&url).header("accept", "application/json").form(&form).send().await;
                    let Ok(response) = sent else { return };
                    if response.status() != 200 {
                        return;
                    }
                    let Ok(task) = response.json::<serde_json::Value>().await else { return };
                    acknowledged.lock().unwrap().push(task["id"].as_str().unwrap().to_owned());
                }
            })
        })
        .collect();
    // Killed with writes in flight.
    for _ in 0..200 {
        if acknowledged.lock().unwrap().len() >= 40 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();
    for writer in writers {
        let _ = writer.await;
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 40, "writes were acknowledged before the kill: {}", acknowledged.len());

    // Restarted, the database holds each acknowledged task and its event,
    // and only events of tasks that exist.
    let mut server = started(&database_url, port, dir.path(), &[]).await;
    let db = Db::connect(&database_url, 1).await.unwrap();
    let tasks: Vec<String> =
        column::<uuid::Uuid>(&db, "SELECT id FROM tasks").await.into_iter().map(|id| id.to_string()).collect();
    let events: Vec<String> = column(&db, "SELECT resource_id FROM events WHERE type = 'task.created'").await;
    server.kill().unwrap();
    server.wait().unwrap();
    for id in &acknowledged {
        assert!(tasks.contains(id), "an acknowledged task is kept: {id}");
        assert!(events.contains(id), "with its event: {id}");
    }
    for id in &events {
        assert!(tasks.contains(id), "no event without its task: {id}");
    }
    for id in &tasks {
        assert!(events.contains(id), "no task without its event: {id}");
    }
    assert_eq!(events.len(), tasks.len(), "one event per task");
}
