//! The audit log (`audit_events`): recording what was done, and reading an
//! organization's events. The table is append-only (triggers refuse UPDATE
//! and DELETE on both backends). An organization's events are written by
//! the event outbox ([`super::events`]) in the change's transaction; this
//! module writes a person's own events and reads them all.

use time::{Date, OffsetDateTime};

use crate::{
    model::{AuditAction, AuditEvent, AuditEventId, OrgId, UserId},
    server::handles::{Admin, AuditViewer, PlatformAdmin},
};

use super::scope::Scope;
use super::{
    Db, Timestamp,
    sql::{Sql, bind_args},
    with_pool,
};

/// Where a request came from, as the audit log keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub ip: Option<String>,
    /// The `User-Agent` header, cut to 512 characters.
    pub user_agent: Option<String>,
}

/// Longest user agent kept, in characters.
pub const MAX_USER_AGENT: usize = 512;

/// An event to record.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub action: AuditAction,
    /// `None` for a person's own events (sign-in, sign-out).
    pub org: Option<OrgId>,
    pub actor: Option<UserId>,
    pub actor_email: Option<&'a str>,
    /// `member`, `project`, `organization` or `user`, with the id.
    pub target: Option<(&'static str, String)>,
    pub origin: &'a Origin,
    /// A JSON object of what changed.
    pub details: serde_json::Value,
}

/// Appends `event` to the log, stamped now, in a statement of its own: for
/// a person's events outside any organization (signing in and out). An
/// organization's events go with their change instead, in its
/// transaction, with their outbox row ([`super::events::record`]).
#[tracing::instrument(name = "audit::record", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn record(db: &Db, event: NewEvent<'_>) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO audit_events (id, org_id, actor_id, actor_email, action, target_type, target_id, ip, \
               user_agent, details, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    let (target_type, target_id) = event.target.map_or((None, None), |(kind, id)| (Some(kind), Some(id)));
    let user_agent = event.origin.user_agent.as_deref().map(|ua| ua.chars().take(MAX_USER_AGENT).collect::<String>());
    with_pool!(db, Scope::audit_log(), conn => {
        sqlx::query(sql)
            .bind(AuditEventId::new())
            .bind(event.org)
            .bind(event.actor)
            .bind(event.actor_email)
            .bind(event.action)
            .bind(target_type)
            .bind(target_id)
            .bind(event.origin.ip.as_deref())
            .bind(user_agent)
            .bind(event.details.to_string())
            .bind(Timestamp::now())
            .execute(&mut *conn)
            .await?;
    });
    Ok(())
}

/// Which of an organization's events to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub action: Option<AuditAction>,
    pub actor: Option<UserId>,
    /// From this day (UTC), inclusive.
    pub from: Option<Date>,
    /// To this day (UTC), inclusive.
    pub to: Option<Date>,
    /// Events older than this one (the next page's cursor).
    pub before: Option<AuditEventId>,
}

/// A page of events, newest first, and the cursor of the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPage {
    pub items: Vec<AuditEvent>,
    pub next: Option<AuditEventId>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: AuditEventId,
    action: AuditAction,
    actor_id: Option<UserId>,
    actor_email: Option<String>,
    target_type: Option<String>,
    target_id: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    details: String,
    created_at: Timestamp,
}

impl From<EventRow> for AuditEvent {
    fn from(row: EventRow) -> Self {
        AuditEvent {
            id: row.id,
            action: row.action,
            actor_id: row.actor_id,
            actor_email: row.actor_email,
            target_type: row.target_type,
            target_id: row.target_id,
            ip: row.ip,
            user_agent: row.user_agent,
            details: row.details,
            created_at: row.created_at.into(),
        }
    }
}

/// Whose events to read.
#[derive(Debug, Clone)]
pub enum AuditScope {
    /// One organization's, for whoever may read its log.
    Organization(AuditViewer),
    /// Everyone's, for platform admins: every organization's events and
    /// each person's own (sign-ins, sign-ups: no organization), or only
    /// those of the organization given.
    Platform(PlatformAdmin, Option<OrgId>),
}

/// The events of `scope` matching `filter`, newest first (ids are UUID
/// v7, so id order is time order), `limit` at a time. Pages go by keyset
/// (`before`), so a deep page costs what the first does; the log is not
/// counted.
#[tracing::instrument(name = "audit::list", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn list(db: &Db, scope: &AuditScope, filter: &AuditFilter, limit: u32) -> Result<EventPage, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT id, action, actor_id, actor_email, target_type, target_id, ip, user_agent, details, created_at \
         FROM audit_events WHERE 1 = 1",
    );
    match scope {
        AuditScope::Organization(admin) => {
            sql.push(" AND org_id = ").arg(admin.org_id());
        }
        AuditScope::Platform(_, Some(org)) => {
            sql.push(" AND org_id = ").arg(*org);
        }
        AuditScope::Platform(_, None) => {}
    }
    if let Some(action) = filter.action {
        sql.push(" AND action = ").arg(action.as_str());
    }
    if let Some(actor) = filter.actor {
        sql.push(" AND actor_id = ").arg(actor);
    }
    if let Some(from) = filter.from {
        sql.push(" AND created_at >= ").arg(Timestamp::from(from.midnight().assume_utc()));
    }
    if let Some(to) = filter.to {
        let end = to.next_day().map_or(OffsetDateTime::now_utc(), |day| day.midnight().assume_utc());
        sql.push(" AND created_at < ").arg(Timestamp::from(end));
    }
    if let Some(before) = filter.before {
        sql.push(" AND id < ").arg(before);
    }
    sql.push(" ORDER BY id DESC LIMIT ").arg(i64::from(limit) + 1);
    let tenant = match scope {
        AuditScope::Organization(viewer) => Scope::tenant(viewer.org_id()),
        AuditScope::Platform(admin, _) => Scope::platform(admin),
    };
    let mut rows = with_pool!(db, tenant, conn => {
        bind_args!(sqlx::query_as::<_, EventRow>(sql.text()), sql.args().iter().cloned()).fetch_all(&mut *conn).await?
    });
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(|row| row.id) } else { None };
    Ok(EventPage { items: rows.into_iter().map(AuditEvent::from).collect(), next })
}

/// How many `action` events the organization of `ctx` has recorded since
/// `since` (a rate over the log itself: the same count on every server).
/// Reads the `(org_id, action, id)` index from the first id of that
/// instant (ids are UUID v7, so id order is time order).
#[tracing::instrument(
    name = "audit::count_since",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn count_since(db: &Db, ctx: &Admin, action: AuditAction, since: OffsetDateTime) -> Result<i64, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM audit_events WHERE org_id = $1 AND action = $2 AND id >= $3";
    let first = first_id_at(since);
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_scalar(sql).bind(ctx.org_id()).bind(action.as_str()).bind(first).fetch_one(&mut *conn).await
    })
}

/// The smallest UUID v7 of the millisecond `at` (RFC 9562 section 5.7:
/// 48 bits of Unix milliseconds, then the version and variant, the rest
/// zero).
fn first_id_at(at: OffsetDateTime) -> uuid::Uuid {
    let millis = u64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
    let mut bytes = [0_u8; 16];
    bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    bytes[6] = 0x70;
    bytes[8] = 0x80;
    uuid::Uuid::from_bytes(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_first_id_of_an_instant_sorts_before_every_id_made_then_or_later() {
        let now = time::OffsetDateTime::now_utc();
        let made = uuid::Uuid::now_v7();
        let first = super::first_id_at(now - time::Duration::milliseconds(1));
        assert_eq!(first.get_version_num(), 7);
        assert!(first < made, "{first} < {made}");
        assert!(super::first_id_at(now + time::Duration::seconds(1)) > made);
    }
}
