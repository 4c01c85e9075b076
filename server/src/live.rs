//! `GET /o/{org}/events`: the organization's changes as they happen, as
//! server-sent events read from the event outbox (`db::events`), for the
//! pages other people have open.
//!
//! - **What**: one `change` event per outbox event the member may see,
//!   its SSE `id` the outbox's `seq` and its data a
//!   [`Change`](app::model::Change): what changed,
//!   never how (a page reads the resource again through its own,
//!   authorized, functions). Licensing events go to those who may see
//!   licensing, and the organization's administration (tokens, webhooks,
//!   invitations, settings) to those who may read the audit log.
//! - **Access** is checked again before every read: a member removed, or a
//!   session signed out (on any process), gets an `error` event and the
//!   stream ends.
//! - **Across processes** the outbox is the channel: every stream reads
//!   it every [`POLL`], so a change made through any process sharing the
//!   database reaches every open stream within about half a second. A
//!   change made through the stream's own process wakes it at once
//!   ([`events::RECORDED`]).
//! - **Resuming**: a reconnecting client sends `Last-Event-ID` (the
//!   browser's `EventSource` does) and gets every event after it, none
//!   twice. Without it the stream starts at the present. On PostgreSQL a
//!   `seq` is taken when its transaction inserts the event and becomes
//!   visible when it commits, so a lower `seq` can appear after a higher
//!   one: each read also looks again at the last [`LATE_COMMIT`] of events
//!   after the point the stream started from, and sends what it had not.

use std::{
    collections::BTreeSet,
    convert::Infallible,
    time::{Duration, Instant},
};

use app::{
    error::AppError,
    model::{Action, Change},
    server::{ctx::OrgCtx, db::events, webhooks},
};
use axum::{
    http::HeaderMap,
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures_util::stream;

use crate::{extract::OrgMember, problem::problem};

/// How often a stream reads the outbox.
pub const POLL: Duration = Duration::from_millis(500);
/// How long a stream woken by an event recorded in this process waits
/// for its transaction to commit before reading.
const SETTLE: Duration = Duration::from_millis(30);
/// How long a transaction may take to commit after inserting its event
/// and still have the event sent in order of arrival.
pub const LATE_COMMIT: Duration = Duration::from_secs(5);
/// A stream ends after this long; the browser reconnects with
/// `Last-Event-ID` and misses nothing.
const STREAM_LIFE: Duration = Duration::from_secs(600);
/// Events read at most per poll.
const BATCH: i64 = 200;

/// Whether `ctx` may be told of an event of type `kind`.
fn visible(ctx: &OrgCtx, kind: &str) -> bool {
    let administration = ["api-token.", "webhook-endpoint.", "invitation.", "organization."];
    if webhooks::is_licensing(kind) {
        ctx.can(Action::ViewLicenses)
    } else if administration.iter().any(|prefix| kind.starts_with(prefix)) {
        ctx.can(Action::ViewAudit)
    } else {
        ctx.can(Action::ViewWork)
    }
}

/// Where a stream stands: the outbox position it started after, the
/// newest it has read, and the recent ones it sent (for late commits).
struct Cursor {
    start: i64,
    newest: i64,
    sent: BTreeSet<i64>,
    opened: Instant,
}

/// `GET /o/{org}/events`: see the module docs. A person holds at most
/// [`STREAMS_PER_PERSON`](app::server::streams::STREAMS_PER_PERSON)
/// streams at once: one more answers 429.
pub async fn org_events(member: OrgMember, headers: HeaderMap) -> Response {
    if let Err(err) = member.org.check(Action::ViewWork) {
        return problem(&err);
    }
    let Some(permit) = member.state.streams.open(member.org.user_id()) else {
        return problem(&AppError::RateLimited { retry_after_secs: 5 });
    };
    let org = member.org.org_id();
    let resume = headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<i64>().ok());
    let start = match resume {
        Some(seq) => seq,
        None => match events::last_seq(&member.state.db, org).await {
            Ok(seq) => seq,
            Err(err) => return problem(&AppError::from(err)),
        },
    };
    let cursor = Cursor { start, newest: start, sent: BTreeSet::new(), opened: Instant::now() };
    let changes = stream::unfold(
        (member, cursor, Vec::<Event>::new(), false),
        move |(member, mut cursor, mut ready, ended)| async move {
            loop {
                if let Some(event) = ready.pop() {
                    return Some((Ok::<_, Infallible>(event), (member, cursor, ready, ended)));
                }
                // A stopping process ends its streams: the browser
                // reconnects (to another process) from its last event id.
                if ended || cursor.opened.elapsed() > STREAM_LIFE || member.state.lifecycle.is_stopping() {
                    return None;
                }
                let ctx = match member.recheck().await {
                    Ok(ctx) => ctx,
                    Err(err) => {
                        let event = Event::default().event("error").data(err.to_string());
                        return Some((Ok(event), (member, cursor, ready, true)));
                    }
                };
                let since = time::OffsetDateTime::now_utc() - LATE_COMMIT;
                let after = cursor.start.max(cursor.newest.saturating_sub(10_000));
                match events::list_recent(&member.state.db, org, (after, cursor.newest), since.into(), BATCH).await {
                    Ok(found) => {
                        for event in found {
                            cursor.newest = cursor.newest.max(event.seq);
                            if !cursor.sent.insert(event.seq) || !visible(&ctx, &event.kind) {
                                continue;
                            }
                            let change = Change {
                                seq: event.seq,
                                id: event.id.to_string(),
                                kind: event.kind,
                                resource_type: event.resource_type,
                                resource_id: event.resource_id,
                                actor_id: event.actor_id.map(|id| id.to_string()),
                            };
                            let data = serde_json::to_string(&change).unwrap_or_default();
                            ready.push(Event::default().id(change.seq.to_string()).event("change").data(data));
                        }
                        // Sent in order, oldest first.
                        ready.reverse();
                        // What is older than the late-commit window needs no
                        // remembering.
                        if cursor.sent.len() > 10_000 {
                            let keep = cursor.sent.split_off(&(cursor.newest - 5_000));
                            cursor.sent = keep;
                        }
                    }
                    Err(err) => {
                        let event = Event::default().event("error").data(AppError::from(err).to_string());
                        return Some((Ok(event), (member, cursor, ready, true)));
                    }
                }
                if ready.is_empty() {
                    // The next poll, or sooner when this process records
                    // an event (read once its transaction had time to
                    // commit; one that takes longer is found by a poll).
                    tokio::select! {
                        () = tokio::time::sleep(POLL) => {}
                        () = events::RECORDED.notified() => tokio::time::sleep(SETTLE).await,
                        () = member.state.lifecycle.stopped() => {}
                    }
                }
            }
        },
    );
    let changes = futures_util::StreamExt::map(changes, move |event| {
        let _held = &permit;
        event
    });
    Sse::new(changes).keep_alive(KeepAlive::default()).into_response()
}
