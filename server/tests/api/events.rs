//! Server-sent event streams check access on every read: a member removed
//! while watching gets nothing more, and a person holds a bounded number
//! of streams.

use std::time::Duration;

use app::{
    model::{Role, UserId},
    server::{
        ctx::OrgCtx,
        db::{
            Timestamp,
            jobs::{self, NewJob},
        },
        streams::STREAMS_PER_PERSON,
    },
};
use futures_util::StreamExt;

use crate::helpers::{Org, Visitor};

/// A job of the organization that stays queued (due in an hour), so its
/// event stream stays open; its id.
async fn waiting_job(org: &Org) -> String {
    let owner: UserId = org.app.current_user().await["id"].as_str().unwrap().parse().unwrap();
    let ctx = OrgCtx::load(&org.app.db, owner, &org.slug).await.unwrap();
    let job = NewJob {
        org: Some(ctx.org_id()),
        kind: "process_file",
        payload: "{}".into(),
        max_attempts: 1,
        run_at: Timestamp::from(Timestamp::now().into_inner() + time::Duration::hours(1)),
        unique_key: None,
    };
    jobs::enqueue(&org.app.db, job).await.unwrap().unwrap().to_string()
}

/// Opens the job's event stream as `client`.
async fn open(client: &Visitor, org: &Org, job: &str) -> reqwest::Response {
    client.client.get(client.url(&format!("/o/{}/jobs/{job}/events", org.slug))).send().await.unwrap()
}

/// What the stream sends within `wait`, as text, and whether it ended.
async fn read_for(response: reqwest::Response, wait: Duration) -> (String, bool) {
    read_rest(response.bytes_stream(), wait).await
}

/// What is left of `body` within `wait`, and whether it ended.
async fn read_rest<B: AsRef<[u8]>>(
    mut body: impl futures_util::Stream<Item = reqwest::Result<B>> + Unpin,
    wait: Duration,
) -> (String, bool) {
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, body.next()).await {
            Ok(Some(Ok(chunk))) => text.push_str(&String::from_utf8_lossy(chunk.as_ref())),
            Ok(Some(Err(_)) | None) => return (text, true),
            Err(_) => return (text, false),
        }
    }
}

#[tokio::test]
async fn a_member_removed_while_watching_gets_nothing_more_and_the_stream_ends() {
    let org = Org::new().await;
    let job = waiting_job(&org).await;
    let (member, _, member_id) = org.person("watcher", Role::Member).await;
    let stream = open(&member, &org, &job).await;
    assert_eq!(stream.status(), 200);
    let mut body = stream.bytes_stream();
    let first = tokio::time::timeout(Duration::from_secs(10), body.next()).await.unwrap().unwrap().unwrap();
    let first = String::from_utf8_lossy(&first).into_owned();
    assert!(first.contains("event: progress"), "the job as it stood when opened: {first}");
    org.app.ok("remove_member", &org.form(&[("user", &member_id)])).await;
    let (text, ended) = read_rest(body, Duration::from_secs(10)).await;
    assert!(!text.contains("event: progress"), "nothing more after the removal: {text}");
    assert!(text.contains("event: error"), "told that access is gone: {text}");
    assert!(ended, "the stream ended: {text}");
    // Opened again, it is refused outright.
    assert_eq!(open(&member, &org, &job).await.status(), 404);
}

#[tokio::test]
async fn a_person_signed_out_everywhere_gets_nothing_more() {
    let org = Org::new().await;
    let job = waiting_job(&org).await;
    let (member, person, _) = org.person("tab", Role::Member).await;
    let stream = open(&member, &org, &job).await;
    assert_eq!(stream.status(), 200);
    // Signing out in this browser deletes the session's row, which other
    // servers see too.
    let other_browser = org.app.visitor();
    assert_eq!(other_browser.login(&person.email, &person.password).await.status(), 200);
    member.ok("logout", &[]).await;
    let (text, ended) = read_for(stream, Duration::from_secs(10)).await;
    assert!(text.contains("event: error") && ended, "{text}");
}

#[tokio::test]
async fn a_person_holds_a_bounded_number_of_event_streams() {
    let org = Org::new().await;
    let job = waiting_job(&org).await;
    let mut open_streams = Vec::new();
    for _ in 0..STREAMS_PER_PERSON {
        let stream = open(&org.app, &org, &job).await;
        assert_eq!(stream.status(), 200);
        open_streams.push(stream);
    }
    let refused = open(&org.app, &org, &job).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    // Another member is not held up by it.
    let (member, _, _) = org.person("other", Role::Member).await;
    assert_eq!(open(&member, &org, &job).await.status(), 200);
}
