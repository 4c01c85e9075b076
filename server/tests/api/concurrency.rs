//! Several people writing at once: every answer is a success and every
//! row is there, on either backend. On SQLite a transaction that read
//! before writing used to fail with "database is locked"
//! (`SQLITE_BUSY_SNAPSHOT`) when another connection wrote in between;
//! writing transactions now take the write lock when they begin.

use futures_util::future::join_all;
use serde_json::Value;

use crate::{
    files::{import_ended, upload_csv},
    helpers::{Org, Visitor},
};

/// Clients writing at once, and the writes each makes.
const CLIENTS: usize = 8;
const WRITES: usize = 250;

/// One client's share: creates, full and partial updates, completions,
/// bulk changes, and now and then an import, cancelled every other time.
/// Returns the titles it created and the imports it started.
async fn write(client: &Visitor, org: &str, project: &str, n: usize) -> (Vec<String>, Vec<String>) {
    let mut created: Vec<(String, String)> = Vec::new();
    let mut imports = Vec::new();
    for i in 0..WRITES {
        let (name, response) = match i % 10 {
            0..=3 => {
                let title = format!("c{n}-{i}");
                let response =
                    client.call("create_task", &[("org", org), ("project", project), ("title", &title)]).await;
                ("create_task", Some((title, response)))
            }
            4 | 5 => {
                let (id, title) = created.last().cloned().map(|(t, id)| (id, t)).unwrap_or_default();
                let form = [("org", org), ("task", id.as_str()), ("title", title.as_str()), ("priority", "high")];
                ("update_task", Some((String::new(), client.call("update_task", &form).await)))
            }
            6 => {
                let id = created.last().map(|(_, id)| id.clone()).unwrap_or_default();
                let form = [("org", org), ("task", id.as_str()), ("done", "true")];
                ("set_task_done", Some((String::new(), client.call("set_task_done", &form).await)))
            }
            7 | 8 => {
                let action = if i % 10 == 7 { "complete" } else { "reopen" };
                let mut form = vec![("org", org), ("action", action)];
                form.extend(created.iter().rev().take(3).map(|(_, id)| ("ids[]", id.as_str())));
                ("bulk_update_tasks", Some((String::new(), client.call("bulk_update_tasks", &form).await)))
            }
            _ if i % 50 == 9 => {
                let csv = format!("title\nimported {n}-{i}-a\nimported {n}-{i}-b\n");
                let import = upload_csv(client, org, project, &csv).await;
                let form = [("org", org), ("import", import.as_str()), ("title", "0")];
                let job = client.call("start_import", &form).await;
                assert_eq!(job.status(), 200, "start_import: {:?}", job.text().await);
                let job: Value = job.json().await.unwrap();
                if i % 100 == 9 {
                    let cancel = client.call("cancel_org_job", &[("org", org), ("job", job.as_str().unwrap())]).await;
                    // 409: it had ended before the cancel came.
                    assert!([200, 409].contains(&cancel.status().as_u16()), "cancel_org_job: {}", cancel.status());
                }
                imports.push(import);
                ("start_import", None)
            }
            _ => ("none", None),
        };
        if let Some((title, response)) = response {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            assert!(status.is_success(), "{name} answered {status}: {body}");
            if name == "create_task" {
                let task: Value = serde_json::from_str(&body).unwrap();
                created.push((title, task["id"].as_str().unwrap().to_owned()));
            }
        }
    }
    (created.into_iter().map(|(title, _)| title).collect(), imports)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_clients_writing_at_once_all_succeed_and_lose_nothing() {
    let org = Org::new().await;
    let app = &org.app;
    let project = app.project(&org.slug, "Busy").await;
    // One browser each, all signed in as the owner.
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let client = app.visitor();
        let signed_in = client.login(&org.owner.email, &org.owner.password).await;
        assert_eq!(signed_in.status(), 200);
        clients.push(client);
    }
    let done = join_all(clients.iter().enumerate().map(|(n, client)| write(client, &org.slug, &project, n))).await;
    let mut expected: Vec<String> = done.iter().flat_map(|(titles, _)| titles.clone()).collect();
    let mut imported = 0;
    for import in done.iter().flat_map(|(_, imports)| imports) {
        let ended = import_ended(app, &org, import).await;
        assert!(["succeeded", "cancelled"].contains(&ended["import"]["status"].as_str().unwrap()), "{ended}");
        imported += ended["import"]["rows_imported"].as_u64().unwrap();
    }
    let mut titles = app.titles(&org.slug, &project, &[("status", "all"), ("per_page", "100")]).await;
    let listed = app.list_tasks(&org.slug, &project, &[("status", "all")]).await.json::<Value>().await.unwrap();
    assert_eq!(listed["total"].as_u64(), Some(expected.len() as u64 + imported), "every row is there");
    titles.retain(|t| !t.starts_with("imported"));
    expected.sort();
    titles.sort();
    assert!(titles.iter().all(|t| expected.binary_search(t).is_ok()), "no title but the written ones");
}
