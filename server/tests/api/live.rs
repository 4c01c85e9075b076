//! The organization's change stream (`/o/{org}/events`): a change by one
//! member reaches another's open stream, a reconnect with
//! `Last-Event-ID` misses and repeats nothing, what a role may not see is
//! not sent, a removed member's stream ends, and a change made through
//! one app process reaches a stream held by another on the same database.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::Value;

use crate::helpers::{Org, Person, TwoProcesses, Visitor, slug};

/// An open event stream, read event by event.
struct Stream {
    body: futures_util::stream::BoxStream<'static, reqwest::Result<axum::body::Bytes>>,
    buffer: String,
}

/// One server-sent event: its id, name and data.
#[derive(Debug, Clone)]
struct Sent {
    id: Option<String>,
    event: String,
    data: String,
}

impl Stream {
    async fn open(visitor: &Visitor, org: &str, last_event_id: Option<&str>) -> Self {
        let mut request = visitor.client.get(visitor.url(&format!("/o/{org}/events")));
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
        Self { body: response.bytes_stream().boxed(), buffer: String::new() }
    }

    /// The next event other than a keep-alive comment, within `within`.
    async fn next(&mut self, within: Duration) -> Option<Sent> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut sent = Sent { id: None, event: "message".into(), data: String::new() };
                for line in block.lines() {
                    if let Some(id) = line.strip_prefix("id:") {
                        sent.id = Some(id.trim().to_owned());
                    } else if let Some(event) = line.strip_prefix("event:") {
                        sent.event = event.trim().to_owned();
                    } else if let Some(data) = line.strip_prefix("data:") {
                        sent.data.push_str(data.trim());
                    }
                }
                if sent.data.is_empty() && sent.id.is_none() {
                    continue;
                }
                return Some(sent);
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next()).await.ok()??.ok()?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next `change` event's data.
    async fn change(&mut self, within: Duration) -> Option<(String, Value)> {
        let sent = self.next(within).await?;
        assert_eq!(sent.event, "change", "{sent:?}");
        Some((sent.id.unwrap(), serde_json::from_str(&sent.data).unwrap()))
    }
}

#[tokio::test]
async fn a_change_reaches_another_members_open_stream_and_a_reconnect_misses_and_repeats_nothing() {
    let org = Org::new().await;
    let (member, ..) = org.person("watcher", app::model::Role::Member).await;
    let project = org.app.project(&org.slug, "Live").await;
    let mut stream = Stream::open(&member, &org.slug, None).await;

    let task = org.app.task(&org.slug, &project, &[("title", "Seen live")]).await;
    let (id, change) = stream.change(Duration::from_secs(3)).await.expect("the change arrives");
    assert_eq!((change["type"].as_str(), change["resource_id"].as_str()), (Some("task.created"), task["id"].as_str()));
    assert_eq!(change["seq"].to_string(), id);
    // Who made it, so a page can tell its person's own changes apart.
    assert!(change["actor_id"].as_str().is_some_and(|actor| !actor.is_empty()), "{change}");
    drop(stream);

    // Two changes while disconnected; the reconnect gets both, in order,
    // and not the one it had.
    org.app.task(&org.slug, &project, &[("title", "While away 1")]).await;
    org.app.task(&org.slug, &project, &[("title", "While away 2")]).await;
    let mut stream = Stream::open(&member, &org.slug, Some(&id)).await;
    let (first, one) = stream.change(Duration::from_secs(3)).await.unwrap();
    let (second, two) = stream.change(Duration::from_secs(3)).await.unwrap();
    assert!(first.parse::<i64>().unwrap() > id.parse::<i64>().unwrap());
    assert!(second.parse::<i64>().unwrap() > first.parse::<i64>().unwrap(), "in order");
    assert_eq!((one["type"].as_str(), two["type"].as_str()), (Some("task.created"), Some("task.created")));
    assert!(stream.next(Duration::from_millis(1500)).await.is_none(), "nothing twice");

    // Licensing is not a Guest's to see; the work is.
    let (guest, _, guest_id) = org.person("guest", app::model::Role::Guest).await;
    let mut guest_stream = Stream::open(&guest, &org.slug, None).await;
    crate::licensing::policy(&org.app, &org.slug, &[("name", "Pro")]).await;
    org.app.task(&org.slug, &project, &[("title", "After the policy")]).await;
    let (_, seen) = guest_stream.change(Duration::from_secs(3)).await.unwrap();
    assert_eq!(seen["type"], "task.created", "the policy was not sent to a Guest: {seen}");

    // A removed member's stream ends at once.
    org.app.ok("remove_member", &org.form(&[("user", &guest_id)])).await;
    let ended = guest_stream.next(Duration::from_secs(3)).await.expect("told");
    assert_eq!(ended.event, "error", "{ended:?}");
    assert!(guest_stream.next(Duration::from_secs(2)).await.is_none(), "and closed");
}

/// Two app processes on one database: a change made through one reaches
/// a stream held by the other within a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_through_one_process_reaches_a_stream_on_another_within_a_second() {
    let processes = TwoProcesses::start(&[]).await;
    let (on_a, on_b) = (&processes.a, &processes.b);
    let org = slug(&on_a.signed_up(&Person::new("two")).await).to_owned();
    let project = on_a.project(&org, "Shared").await;
    // The owner's session (kept in the database) on the other process:
    // cookies are per host, not per port.
    let owner_on_b = Visitor { address: on_b.address.clone(), client: on_a.client.clone() };
    let mut stream = Stream::open(&owner_on_b, &org, None).await;
    let task = on_a.task(&org, &project, &[("title", "Across processes")]).await;
    // From the moment the change is acknowledged.
    let started = tokio::time::Instant::now();
    let (_, change) = stream.change(Duration::from_secs(3)).await.expect("the change crosses processes");
    let took = started.elapsed();
    assert_eq!(change["resource_id"].as_str(), task["id"].as_str());
    assert!(took < Duration::from_secs(1), "within a second: {took:?}");
}
