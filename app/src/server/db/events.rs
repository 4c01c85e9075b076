//! The event outbox (`events`): every change that matters writes its event
//! in the same transaction as the change, so a change never commits
//! without its event, nor an event without its change. The audit log,
//! webhooks and live pages read from it: one record, three consumers.
//!
//! A repository write function takes the [`NewEvent`] its caller built
//! (the rules layer knows the actor, the target and what to say about it)
//! or builds it itself (the changes that are not audited: tasks, cycles,
//! labels, a project's fields), and calls [`record`] on its transaction
//! before committing. An audited event ([`NewEvent::audited`]) writes its
//! `audit_events` row in the same call, so the audit log and the outbox
//! cannot disagree. Events of a person without an organization (signing
//! in, out, up) are not in the outbox: they stay the audit log's alone
//! ([`super::audit::record`]).
//!
//! The table is append-only (triggers refuse UPDATE and DELETE on both
//! backends). On PostgreSQL each insert also notifies the channel
//! `atrium_events` with `<org_id>:<seq>`, delivered when the transaction
//! commits.

use std::future::Future;

use sqlx::{PgConnection, SqliteConnection};

use crate::model::{AuditAction, AuditEventId, OrgId, UserId};

use super::{
    Db, Timestamp,
    audit::Origin,
    scope::Scope,
    sql::{Sql, bind_args},
    with_pool,
};

/// An event to record: what happened (`kind`, a dotted type) to which
/// resource of which organization, by whom, and what to say about it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub org: OrgId,
    /// The dotted type: `task.created`, `project.updated`,
    /// `member.role-changed`, `license.suspended`, ... (see
    /// [`event_type`] for the audited ones).
    pub kind: String,
    /// The kind of the resource (`task`, `project`, `member`, `license`,
    /// ...) and its id.
    pub resource: (&'static str, String),
    /// Who made the change; `None` for the system's own.
    pub actor: Option<UserId>,
    /// A JSON object: the resource, or a summary of the change. Never a
    /// secret (no token, key or password).
    pub data: serde_json::Value,
    /// Set when the change is an audited action: the audit log's row is
    /// written with the event, its target the event's resource and its
    /// details the event's data.
    pub audit: Option<Audited>,
}

/// What the audit log keeps of an audited event besides the event itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audited {
    pub action: AuditAction,
    /// The actor's email as it is now.
    pub actor_email: Option<String>,
    /// Where the request came from.
    pub origin: Origin,
}

impl NewEvent {
    /// A change that the outbox records and the audit log does not (a
    /// task, cycle or label written, a project's fields changed).
    pub fn change(
        org: OrgId,
        kind: &str,
        resource: (&'static str, String),
        actor: Option<UserId>,
        data: serde_json::Value,
    ) -> Self {
        NewEvent { org, kind: kind.to_owned(), resource, actor, data, audit: None }
    }

    /// An audited action: the outbox's event, of type
    /// [`event_type`]`(action)`, and the audit log's row, written
    /// together.
    pub fn audited(
        org: OrgId,
        action: AuditAction,
        resource: (&'static str, String),
        actor: Option<UserId>,
        actor_email: Option<String>,
        origin: Origin,
        details: serde_json::Value,
    ) -> Self {
        NewEvent {
            org,
            kind: event_type(action),
            resource,
            actor,
            data: details,
            audit: Some(Audited { action, actor_email, origin }),
        }
    }
}

/// The outbox type of an audited action: its audit name with `-` for `_`
/// (`member.role_changed` is `member.role-changed`), except where Keygen's
/// webhooks name the same event otherwise (an activated machine is
/// `machine.created`, a deactivated one `machine.deleted`), so that
/// existing Keygen webhook handlers keep working.
pub fn event_type(action: AuditAction) -> String {
    match action {
        AuditAction::MachineActivated => "machine.created".to_owned(),
        AuditAction::MachineDeactivated => "machine.deleted".to_owned(),
        other => other.as_str().replace('_', "-"),
    }
}

/// A connection an event can be recorded on: SQLite's and PostgreSQL's,
/// and so a transaction of either (`&mut *tx`).
pub trait Outbox {
    /// See [`record`].
    fn record_event<'c>(&'c mut self, event: &'c NewEvent)
    -> impl Future<Output = Result<(), sqlx::Error>> + Send + 'c;

    /// See [`record_all`]: events none of which is audited, many rows per
    /// statement.
    fn record_unaudited<'c>(
        &'c mut self,
        events: &'c [NewEvent],
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send + 'c;
}

/// Events one multi-row insert writes: 7 values each stays far below
/// either backend's limit on bound parameters.
const EVENTS_PER_STATEMENT: usize = 500;

/// The body of [`Outbox::record_unaudited`], once per backend.
macro_rules! record_unaudited_body {
    ($conn:expr, $events:expr) => {{
        let events: &[NewEvent] = $events;
        let ids: Vec<uuid::Uuid> = events.iter().map(|_| uuid::Uuid::now_v7()).collect();
        for (chunk, chunk_ids) in events.chunks(EVENTS_PER_STATEMENT).zip(ids.chunks(EVENTS_PER_STATEMENT)) {
            let mut sql = Sql::new(
                "INSERT INTO events (id, org_id, type, resource_type, resource_id, actor_id, data, created_at) VALUES ",
            );
            let now = sql.bind(Timestamp::now());
            for (i, (event, id)) in chunk.iter().zip(chunk_ids).enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" });
                sql.arg(*id).push(", ").arg(event.org).push(", ").arg(event.kind.clone());
                sql.push(", ").arg(event.resource.0.to_owned()).push(", ").arg(event.resource.1.clone());
                sql.push(", ").arg_optional(event.actor).push(", ").arg(event.data.to_string());
                sql.push(&format!(", {now})"));
            }
            bind_args!(sqlx::query(sql.text()), sql.args().iter().cloned()).execute(&mut *$conn).await?;
        }
        // Webhooks: only the organizations with an enabled endpoint pay a
        // statement per event.
        let mut orgs: Vec<OrgId> = events.iter().map(|event| event.org).collect();
        orgs.sort();
        orgs.dedup();
        for org in orgs {
            let listening: Option<i64> = sqlx::query_scalar(HAS_ENDPOINT).bind(org).fetch_optional(&mut *$conn).await?;
            if listening.is_none() {
                continue;
            }
            for (event, id) in events.iter().zip(&ids).filter(|(event, _)| event.org == org) {
                queue_fan_out!($conn, event, *id);
            }
        }
        Ok(())
    }};
}

/// Whether an organization has an enabled webhook endpoint (`$1`).
const HAS_ENDPOINT: &str = "SELECT 1 FROM webhook_endpoints WHERE org_id = $1 AND enabled LIMIT 1";

/// Queues the webhook fan-out of `event` (recorded with `id`) on the same
/// connection, when an enabled endpoint of its organization wants its
/// type (`super::webhooks::QUEUE_FAN_OUT`).
macro_rules! queue_fan_out {
    ($conn:expr, $event:expr, $id:expr) => {{
        let event: &NewEvent = $event;
        if super::webhooks::delivered(&event.kind) {
            sqlx::query(super::webhooks::QUEUE_FAN_OUT)
                .bind(crate::model::JobId::new())
                .bind(event.org)
                .bind(super::webhooks::fan_out_payload(event.org, $id))
                .bind(super::webhooks::type_pattern(&event.kind))
                .bind(Timestamp::now())
                .execute(&mut *$conn)
                .await?;
        }
    }};
}

const INSERT_EVENT: &str = "INSERT INTO events (id, org_id, type, resource_type, resource_id, actor_id, data, created_at) \
                            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

const INSERT_AUDIT: &str = "INSERT INTO audit_events (id, org_id, actor_id, actor_email, action, target_type, \
                            target_id, ip, user_agent, details, created_at) \
                            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

/// The body of [`Outbox::record_event`], once per backend.
macro_rules! record_body {
    ($conn:expr, $event:expr) => {{
        let event: &NewEvent = $event;
        let now = Timestamp::now();
        let data = event.data.to_string();
        let id = uuid::Uuid::now_v7();
        sqlx::query(INSERT_EVENT)
            .bind(id)
            .bind(event.org)
            .bind(event.kind.as_str())
            .bind(event.resource.0)
            .bind(event.resource.1.as_str())
            .bind(event.actor)
            .bind(&data)
            .bind(now)
            .execute(&mut *$conn)
            .await?;
        if let Some(audit) = &event.audit {
            let user_agent = audit
                .origin
                .user_agent
                .as_deref()
                .map(|ua| ua.chars().take(super::audit::MAX_USER_AGENT).collect::<String>());
            sqlx::query(INSERT_AUDIT)
                .bind(AuditEventId::new())
                .bind(event.org)
                .bind(event.actor)
                .bind(audit.actor_email.as_deref())
                .bind(audit.action)
                .bind(event.resource.0)
                .bind(event.resource.1.as_str())
                .bind(audit.origin.ip.as_deref())
                .bind(user_agent)
                .bind(&data)
                .bind(now)
                .execute(&mut *$conn)
                .await?;
        }
        queue_fan_out!($conn, event, id);
        Ok(())
    }};
}

impl Outbox for SqliteConnection {
    async fn record_event(&mut self, event: &NewEvent) -> Result<(), sqlx::Error> {
        record_body!(self, event)
    }

    async fn record_unaudited(&mut self, events: &[NewEvent]) -> Result<(), sqlx::Error> {
        record_unaudited_body!(self, events)
    }
}

impl Outbox for PgConnection {
    async fn record_event(&mut self, event: &NewEvent) -> Result<(), sqlx::Error> {
        record_body!(self, event)
    }

    async fn record_unaudited(&mut self, events: &[NewEvent]) -> Result<(), sqlx::Error> {
        record_unaudited_body!(self, events)
    }
}

/// Woken each time this process records an event, just before its
/// transaction commits: the change streams open in this process then read
/// the outbox at once rather than at their next poll. (Other processes'
/// streams find the event at their next poll.)
pub static RECORDED: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Which organizations changed, and when, for this process's caches of
/// what is read from the database ([`CHANGES`]).
///
/// Each change is a step of one counter: [`Changes::mark`] before reading
/// something of an organization, and the copy kept is current as long as
/// [`Changes::unchanged_since`] that mark. An organization is touched
/// twice per change: when this process records its event (before the
/// commit, so a reader who starts after the writer's answer never keeps
/// the old value), and again when a follower ([`follow`]) sees the event
/// committed (after the commit, on every process, so a reader between
/// the two is caught too).
#[derive(Debug, Default)]
pub struct Changes {
    /// The last step taken.
    step: std::sync::atomic::AtomicU64,
    /// The step of each organization's last change.
    last: std::sync::Mutex<std::collections::HashMap<OrgId, u64>>,
    /// The step of the last change that may concern any organization.
    every: std::sync::atomic::AtomicU64,
}

impl Changes {
    /// Records a change of `org`.
    pub fn touch(&self, org: OrgId) {
        let mut last = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let step = self.step.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        last.insert(org, step);
    }

    /// Records a change that may concern any organization: one made
    /// behind the application's back (SQL by hand, a restored backup),
    /// which its caller knows of.
    pub fn touch_every(&self) {
        let step = self.step.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        self.every.store(step, std::sync::atomic::Ordering::SeqCst);
    }

    /// The current step: taken before a read, to keep with its result.
    pub fn mark(&self) -> u64 {
        self.step.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Whether nothing of `org` changed after `mark`.
    pub fn unchanged_since(&self, org: OrgId, mark: u64) -> bool {
        if self.every.load(std::sync::atomic::Ordering::SeqCst) > mark {
            return false;
        }
        let last = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        last.get(&org).is_none_or(|&step| step <= mark)
    }
}

/// The changes this process knows of (see [`Changes`]). Keyed by
/// organization id, so the several databases a test process opens share
/// it without confusing their organizations.
pub static CHANGES: std::sync::LazyLock<Changes> = std::sync::LazyLock::new(Changes::default);

/// Appends `event` to the outbox on `conn` (the change's transaction:
/// `record(&mut *tx, &event)`), stamped now, and its audit log row when it
/// is audited. The caller commits both with its change, or neither.
#[tracing::instrument(name = "events::record", level = "debug", skip_all)]
pub async fn record<C: Outbox + ?Sized>(conn: &mut C, event: &NewEvent) -> Result<(), sqlx::Error> {
    conn.record_event(event).await?;
    CHANGES.touch(event.org);
    RECORDED.notify_waiters();
    Ok(())
}

/// Appends every event of `events` (see [`record`]), in order: bulk
/// changes (an import's batch of tasks) write theirs 500 to a statement
/// when none is audited.
#[tracing::instrument(name = "events::record_all", level = "debug", skip_all)]
pub async fn record_all<C: Outbox + ?Sized>(conn: &mut C, events: &[NewEvent]) -> Result<(), sqlx::Error> {
    if events.iter().all(|event| event.audit.is_none()) {
        conn.record_unaudited(events).await?;
    } else {
        for event in events {
            conn.record_event(event).await?;
        }
    }
    for event in events {
        CHANGES.touch(event.org);
    }
    RECORDED.notify_waiters();
    Ok(())
}

/// An event as the outbox keeps it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Event {
    /// Its place in the outbox's order.
    pub seq: i64,
    pub id: uuid::Uuid,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub resource_type: String,
    pub resource_id: String,
    pub actor_id: Option<UserId>,
    /// A JSON object (see [`NewEvent::data`]).
    pub data: String,
    pub created_at: Timestamp,
}

/// The events of organization `org` after `after` (a seq; 0 for all), in
/// order, at most `limit`: how a stream resumes.
#[tracing::instrument(
    name = "events::list_after",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org)
)]
pub async fn list_after(db: &Db, org: OrgId, after: i64, limit: i64) -> Result<Vec<Event>, sqlx::Error> {
    let sql = "SELECT seq, id, type, resource_type, resource_id, actor_id, data, created_at FROM events \
               WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";
    with_pool!(db, Scope::tenant(org), conn => {
        sqlx::query_as::<_, Event>(sql).bind(org).bind(after).bind(limit).fetch_all(&mut *conn).await
    })
}

/// The newest `seq` of organization `org`'s events (0 before its first):
/// where a stream that resumes from nothing starts.
#[tracing::instrument(
    name = "events::last_seq",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org)
)]
pub async fn last_seq(db: &Db, org: OrgId) -> Result<i64, sqlx::Error> {
    let sql = "SELECT COALESCE(MAX(seq), 0) FROM events WHERE org_id = $1";
    with_pool!(db, Scope::tenant(org), conn => sqlx::query_scalar(sql).bind(org).fetch_one(&mut *conn).await)
}

/// Organization `org`'s events after `newest`, and those after `after`
/// written since `since` (events whose transaction committed after a
/// later one's: PostgreSQL takes `seq` at insert), in order, at most
/// `limit`. A stream sends what it has not sent yet.
#[tracing::instrument(
    name = "events::list_recent",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org)
)]
pub async fn list_recent(
    db: &Db,
    org: OrgId,
    (after, newest): (i64, i64),
    since: Timestamp,
    limit: i64,
) -> Result<Vec<Event>, sqlx::Error> {
    let sql = "SELECT seq, id, type, resource_type, resource_id, actor_id, data, created_at FROM events \
               WHERE org_id = $1 AND (seq > $2 OR (seq > $3 AND created_at >= $4)) ORDER BY seq LIMIT $5";
    with_pool!(db, Scope::tenant(org), conn => {
        sqlx::query_as::<_, Event>(sql).bind(org).bind(newest).bind(after).bind(since).bind(limit).fetch_all(&mut *conn).await
    })
}

/// The channel PostgreSQL notifies of each event, `<org_id>:<seq>`, when
/// its transaction commits (migration 0021).
pub const CHANNEL: &str = "atrium_events";

/// How often, on SQLite, the follower reads the outbox when this process
/// records nothing (another tool writing the same file).
pub const FOLLOW_POLL: std::time::Duration = std::time::Duration::from_millis(250);

/// After this process records an event, how long the SQLite follower waits
/// for its transaction to commit before reading.
const FOLLOW_SETTLE: std::time::Duration = std::time::Duration::from_millis(20);

/// How long the follower waits before listening again after losing its
/// connection.
const FOLLOW_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// Follows the committed events of every organization for [`CHANGES`],
/// so this process's caches learn of every process's changes; runs until
/// dropped. `following` is told `true` once no change can be missed from
/// then on, and `false` whenever some could be (the connection was lost),
/// before listening again.
///
/// On PostgreSQL it listens to [`CHANNEL`] on a connection of its own,
/// outside `db`'s pool. On SQLite (one process) it reads the events after
/// the last it saw whenever this process records one, and every
/// [`FOLLOW_POLL`].
pub async fn follow(db: Db, following: impl Fn(bool)) {
    match db {
        Db::Postgres(pool) => {
            let options = (*pool.connect_options()).clone();
            loop {
                let listener = async {
                    let own =
                        sqlx::postgres::PgPoolOptions::new().max_connections(1).connect_lazy_with(options.clone());
                    let mut listener = sqlx::postgres::PgListener::connect_with(&own).await?;
                    listener.listen(CHANNEL).await?;
                    Ok::<_, sqlx::Error>(listener)
                };
                match listener.await {
                    Ok(mut listener) => {
                        following(true);
                        loop {
                            match listener.try_recv().await {
                                Ok(Some(notification)) => {
                                    let org = notification.payload().split(':').next().map(str::parse::<OrgId>);
                                    if let Some(Ok(org)) = org {
                                        CHANGES.touch(org);
                                    }
                                }
                                Ok(None) => {
                                    tracing::warn!("the outbox follower lost its connection; listening again");
                                    break;
                                }
                                Err(err) => {
                                    tracing::warn!(error = %err, "the outbox follower failed; listening again");
                                    break;
                                }
                            }
                        }
                    }
                    Err(err) => tracing::warn!(error = %err, "the outbox follower cannot listen; trying again"),
                }
                following(false);
                tokio::time::sleep(FOLLOW_RETRY).await;
            }
        }
        Db::Sqlite(_) => {
            let mut last = loop {
                let newest = async {
                    let sql = "SELECT COALESCE(MAX(seq), 0) FROM events /* the outbox follower, every organization */";
                    with_pool!(&db, Scope::maintenance(), conn => sqlx::query_scalar::<_, i64>(sql).fetch_one(&mut *conn).await)
                };
                match newest.await {
                    Ok(seq) => break seq,
                    Err(err) => tracing::warn!(error = %err, "the outbox follower cannot read the outbox"),
                }
                tokio::time::sleep(FOLLOW_RETRY).await;
            };
            following(true);
            let mut reading = true;
            loop {
                tokio::select! {
                    () = RECORDED.notified() => tokio::time::sleep(FOLLOW_SETTLE).await,
                    () = tokio::time::sleep(FOLLOW_POLL) => {}
                }
                let sql = "SELECT seq, org_id FROM events /* the outbox follower, every organization */ \
                           WHERE seq > $1 ORDER BY seq LIMIT 1000";
                let read = async {
                    with_pool!(&db, Scope::maintenance(), conn => {
                        sqlx::query_as::<_, (i64, OrgId)>(sql).bind(last).fetch_all(&mut *conn).await
                    })
                };
                match read.await {
                    Ok(rows) => {
                        for (seq, org) in rows {
                            CHANGES.touch(org);
                            last = seq;
                        }
                        if !reading {
                            reading = true;
                            following(true);
                        }
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "the outbox follower cannot read the outbox");
                        if reading {
                            reading = false;
                            following(false);
                        }
                    }
                }
            }
        }
    }
}
