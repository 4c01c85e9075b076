//! `webhook_endpoints` and `webhook_deliveries`: an organization's
//! webhook endpoints and the log of every delivery attempt.
//!
//! A signing secret is kept sealed with the key-encryption key, bound to
//! its endpoint's id (`licensing::keys::KeyEncryptionKey::seal`): unlike
//! an API token's secret it must be read back to sign each delivery.

use time::OffsetDateTime;

use crate::{
    model::{
        OrgId, WebhookDeliveryId, WebhookEndpointId,
        webhook::{WebhookDelivery, WebhookEndpoint},
    },
    server::handles::Admin,
};

use super::events::{self, NewEvent};
use super::scope::Scope;
use super::{Db, Timestamp, with_pool};

/// How the chosen event types are stored: `*` for every type, else each
/// type between commas (`,license.created,task.updated,`), so one is
/// found with `LIKE '%,type,%'` on both backends.
pub fn stored_types(types: &[String]) -> String {
    if types.is_empty() { "*".to_owned() } else { format!(",{},", types.join(",")) }
}

/// The `LIKE` pattern that finds `event_type` in stored types.
pub fn type_pattern(event_type: &str) -> String {
    format!("%,{event_type},%")
}

fn read_types(stored: &str) -> Vec<String> {
    if stored == "*" {
        return Vec::new();
    }
    stored.split(',').filter(|part| !part.is_empty()).map(str::to_owned).collect()
}

#[derive(sqlx::FromRow)]
struct EndpointRow {
    id: WebhookEndpointId,
    url: String,
    description: String,
    event_types: String,
    enabled: bool,
    secret_start: String,
    previous_secret_until: Option<Timestamp>,
    failing_since: Option<Timestamp>,
    disabled_reason: Option<String>,
    created_at: Timestamp,
}

impl From<EndpointRow> for WebhookEndpoint {
    fn from(row: EndpointRow) -> Self {
        WebhookEndpoint {
            id: row.id,
            url: row.url,
            description: row.description,
            event_types: read_types(&row.event_types),
            enabled: row.enabled,
            secret_start: row.secret_start,
            previous_secret_until: row.previous_secret_until.map(Into::into),
            failing_since: row.failing_since.map(Into::into),
            disabled_reason: row.disabled_reason,
            created_at: row.created_at.into(),
        }
    }
}

const SELECT_ENDPOINT: &str = "SELECT id, url, description, event_types, enabled, secret_start, \
     previous_secret_until, failing_since, disabled_reason, created_at FROM webhook_endpoints";

/// An endpoint's settings, as given.
#[derive(Debug, Clone)]
pub struct EndpointFields<'a> {
    pub url: &'a str,
    pub description: &'a str,
    /// Empty: every type.
    pub event_types: &'a [String],
    pub enabled: bool,
}

/// A new endpoint's secret: sealed for `id`, and its first characters.
#[derive(Debug, Clone)]
pub struct SealedSecret {
    pub sealed: String,
    pub start: String,
}

/// Adds the endpoint `id` (its secret sealed for that id), recording
/// `event` in the same transaction.
#[tracing::instrument(
    name = "webhooks::insert",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn insert(
    db: &Db,
    ctx: &Admin,
    id: WebhookEndpointId,
    (fields, secret): (&EndpointFields<'_>, &SealedSecret),
    event: &NewEvent,
) -> Result<WebhookEndpoint, sqlx::Error> {
    let sql = "INSERT INTO webhook_endpoints (id, org_id, url, description, event_types, enabled, secret_sealed, \
               secret_start, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        sqlx::query(sql)
            .bind(id)
            .bind(ctx.org_id())
            .bind(fields.url)
            .bind(fields.description)
            .bind(stored_types(fields.event_types))
            .bind(fields.enabled)
            .bind(&secret.sealed)
            .bind(&secret.start)
            .bind(Timestamp::now())
            .execute(&mut *tx)
            .await?;
        events::record(&mut *tx, event).await?;
        tx.commit().await?;
    });
    find(db, ctx, id).await?.ok_or(sqlx::Error::RowNotFound)
}

/// The organization's endpoints, oldest first.
#[tracing::instrument(name = "webhooks::list", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn list(db: &Db, ctx: &Admin) -> Result<Vec<WebhookEndpoint>, sqlx::Error> {
    let sql = format!("{SELECT_ENDPOINT} WHERE org_id = $1 ORDER BY created_at, id");
    let rows = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_as::<_, EndpointRow>(&sql).bind(ctx.org_id()).fetch_all(&mut *conn).await?
    });
    Ok(rows.into_iter().map(WebhookEndpoint::from).collect())
}

/// The endpoint `id` of the organization.
#[tracing::instrument(
    name = "webhooks::find",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn find(db: &Db, ctx: &Admin, id: WebhookEndpointId) -> Result<Option<WebhookEndpoint>, sqlx::Error> {
    let sql = format!("{SELECT_ENDPOINT} WHERE org_id = $1 AND id = $2");
    let row = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_as::<_, EndpointRow>(&sql).bind(ctx.org_id()).bind(id).fetch_optional(&mut *conn).await?
    });
    Ok(row.map(WebhookEndpoint::from))
}

/// Changes the endpoint's settings, recording `event` with the change.
/// Enabling it forgets why it was disabled and since when it failed.
/// `None` when there is no such endpoint.
#[tracing::instrument(
    name = "webhooks::update",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn update(
    db: &Db,
    ctx: &Admin,
    id: WebhookEndpointId,
    fields: &EndpointFields<'_>,
    event: &NewEvent,
) -> Result<Option<WebhookEndpoint>, sqlx::Error> {
    let sql = "UPDATE webhook_endpoints SET url = $3, description = $4, event_types = $5, enabled = $6, \
               disabled_reason = CASE WHEN $6 THEN NULL ELSE disabled_reason END, \
               failing_since = CASE WHEN $6 AND NOT enabled THEN NULL ELSE failing_since END, updated_at = $7 \
               WHERE org_id = $1 AND id = $2";
    let changed = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let changed = sqlx::query(sql)
            .bind(ctx.org_id())
            .bind(id)
            .bind(fields.url)
            .bind(fields.description)
            .bind(stored_types(fields.event_types))
            .bind(fields.enabled)
            .bind(Timestamp::now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 1 {
            events::record(&mut *tx, event).await?;
        }
        tx.commit().await?;
        changed
    });
    if changed == 0 { Ok(None) } else { find(db, ctx, id).await }
}

/// Replaces the endpoint's secret with `secret`; the one it had signs too
/// until `previous_until`. Records `event` with the change. `None` when
/// there is no such endpoint.
#[tracing::instrument(
    name = "webhooks::rotate",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn rotate(
    db: &Db,
    ctx: &Admin,
    id: WebhookEndpointId,
    (secret, previous_until): (&SealedSecret, OffsetDateTime),
    event: &NewEvent,
) -> Result<Option<WebhookEndpoint>, sqlx::Error> {
    let sql = "UPDATE webhook_endpoints SET previous_secret_sealed = secret_sealed, previous_secret_until = $5, \
               secret_sealed = $3, secret_start = $4, updated_at = $6 WHERE org_id = $1 AND id = $2";
    let changed = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let changed = sqlx::query(sql)
            .bind(ctx.org_id())
            .bind(id)
            .bind(&secret.sealed)
            .bind(&secret.start)
            .bind(Timestamp::from(previous_until))
            .bind(Timestamp::now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 1 {
            events::record(&mut *tx, event).await?;
        }
        tx.commit().await?;
        changed
    });
    if changed == 0 { Ok(None) } else { find(db, ctx, id).await }
}

/// Deletes the endpoint and its log, recording `event` with it. False
/// when there was no such endpoint.
#[tracing::instrument(
    name = "webhooks::delete",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn delete(db: &Db, ctx: &Admin, id: WebhookEndpointId, event: &NewEvent) -> Result<bool, sqlx::Error> {
    let sql = "DELETE FROM webhook_endpoints WHERE org_id = $1 AND id = $2";
    let deleted = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let deleted = sqlx::query(sql).bind(ctx.org_id()).bind(id).execute(&mut *tx).await?.rows_affected();
        if deleted == 1 {
            events::record(&mut *tx, event).await?;
        }
        tx.commit().await?;
        deleted
    });
    Ok(deleted == 1)
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: WebhookDeliveryId,
    event_id: uuid::Uuid,
    event_type: String,
    attempt: i64,
    status_code: Option<i64>,
    duration_ms: i64,
    response_head: String,
    error: Option<String>,
    created_at: Timestamp,
}

impl From<DeliveryRow> for WebhookDelivery {
    fn from(row: DeliveryRow) -> Self {
        WebhookDelivery {
            id: row.id,
            event_id: row.event_id,
            event_type: row.event_type,
            attempt: row.attempt,
            status_code: row.status_code.and_then(|status| u16::try_from(status).ok()),
            duration_ms: row.duration_ms,
            response_head: row.response_head,
            error: row.error,
            created_at: row.created_at.into(),
        }
    }
}

/// The endpoint's latest `limit` deliveries, newest first.
#[tracing::instrument(
    name = "webhooks::deliveries",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), endpoint = %endpoint)
)]
pub async fn deliveries(
    db: &Db,
    ctx: &Admin,
    endpoint: WebhookEndpointId,
    limit: i64,
) -> Result<Vec<WebhookDelivery>, sqlx::Error> {
    let sql = "SELECT id, event_id, event_type, attempt, status_code, duration_ms, response_head, error, created_at \
               FROM webhook_deliveries WHERE org_id = $1 AND endpoint_id = $2 \
               ORDER BY created_at DESC, id DESC LIMIT $3";
    let rows = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_as::<_, DeliveryRow>(sql).bind(ctx.org_id()).bind(endpoint).bind(limit).fetch_all(&mut *conn).await?
    });
    Ok(rows.into_iter().map(WebhookDelivery::from).collect())
}

/// A logged delivery's event, to send again: its endpoint, event id,
/// type and the message as sent.
#[tracing::instrument(
    name = "webhooks::delivered_event",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), delivery = %delivery)
)]
pub async fn delivered_event(
    db: &Db,
    ctx: &Admin,
    delivery: WebhookDeliveryId,
) -> Result<Option<(WebhookEndpointId, uuid::Uuid, String, String)>, sqlx::Error> {
    let sql = "SELECT endpoint_id, event_id, event_type, payload FROM webhook_deliveries \
               WHERE org_id = $1 AND id = $2";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_as(sql).bind(ctx.org_id()).bind(delivery).fetch_optional(&mut *conn).await
    })
}

/// What a delivery needs of its endpoint.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryTarget {
    pub url: String,
    pub enabled: bool,
    pub secret_sealed: String,
    pub previous_secret_sealed: Option<String>,
    pub previous_secret_until: Option<Timestamp>,
    pub failing_since: Option<Timestamp>,
}

/// The endpoint `id` of `org`, for a delivery (a job works for the
/// organization without a person's handle). `None` once deleted.
#[tracing::instrument(
    name = "webhooks::target",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org, id = %id)
)]
pub async fn target(db: &Db, org: OrgId, id: WebhookEndpointId) -> Result<Option<DeliveryTarget>, sqlx::Error> {
    let sql = "SELECT url, enabled, secret_sealed, previous_secret_sealed, previous_secret_until, failing_since \
               FROM webhook_endpoints WHERE org_id = $1 AND id = $2";
    with_pool!(db, Scope::tenant(org), conn => {
        sqlx::query_as::<_, DeliveryTarget>(sql).bind(org).bind(id).fetch_optional(&mut *conn).await
    })
}

/// One attempt, as logged.
#[derive(Debug, Clone)]
pub struct NewDelivery<'a> {
    pub endpoint: WebhookEndpointId,
    pub event_id: uuid::Uuid,
    pub event_type: &'a str,
    pub payload: &'a str,
    pub attempt: i64,
    pub status_code: Option<u16>,
    pub duration_ms: i64,
    pub response_head: &'a str,
    pub error: Option<&'a str>,
}

/// Logs an attempt and keeps the endpoint's failure streak: a 2xx ends
/// it; a failure starts it if none runs. Returns since when the endpoint
/// has been failing (`None` after a success).
#[tracing::instrument(
    name = "webhooks::log_delivery",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org)
)]
pub async fn log_delivery(db: &Db, org: OrgId, delivery: &NewDelivery<'_>) -> Result<Option<Timestamp>, sqlx::Error> {
    let insert = "INSERT INTO webhook_deliveries (id, org_id, endpoint_id, event_id, event_type, payload, attempt, \
                  status_code, duration_ms, response_head, error, created_at) \
                  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
    let succeeded = delivery.status_code.is_some_and(|status| (200..300).contains(&status));
    let streak = if succeeded {
        "UPDATE webhook_endpoints SET failing_since = NULL WHERE org_id = $1 AND id = $2 RETURNING failing_since"
    } else {
        "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $3) WHERE org_id = $1 AND id = $2 \
         RETURNING failing_since"
    };
    let now = Timestamp::now();
    with_pool!(db, Scope::tenant(org), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        sqlx::query(insert)
            .bind(WebhookDeliveryId::new())
            .bind(org)
            .bind(delivery.endpoint)
            .bind(delivery.event_id)
            .bind(delivery.event_type)
            .bind(delivery.payload)
            .bind(delivery.attempt)
            .bind(delivery.status_code.map(i64::from))
            .bind(delivery.duration_ms)
            .bind(delivery.response_head)
            .bind(delivery.error)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let since: Option<Option<Timestamp>> =
            sqlx::query_scalar(streak).bind(org).bind(delivery.endpoint).bind(now).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(since.flatten())
    })
}

/// Disables the endpoint for `reason` (Atrium's, not a person's),
/// recording `event` with it. Whether it was enabled until now.
#[tracing::instrument(
    name = "webhooks::disable",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org, id = %id)
)]
pub async fn disable(
    db: &Db,
    org: OrgId,
    id: WebhookEndpointId,
    reason: &str,
    event: &NewEvent,
) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = $3, updated_at = $4 \
               WHERE org_id = $1 AND id = $2 AND enabled";
    let changed = with_pool!(db, Scope::tenant(org), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let changed =
            sqlx::query(sql).bind(org).bind(id).bind(reason).bind(Timestamp::now()).execute(&mut *tx).await?.rows_affected();
        if changed == 1 {
            events::record(&mut *tx, event).await?;
        }
        tx.commit().await?;
        changed
    });
    Ok(changed == 1)
}

/// Forgets deliveries logged before `before` (the hourly maintenance
/// keeps 30 days).
#[tracing::instrument(
    name = "webhooks::forget_deliveries",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn forget_deliveries(db: &Db, before: Timestamp) -> Result<u64, sqlx::Error> {
    let sql = "DELETE FROM webhook_deliveries WHERE created_at < $1";
    Ok(with_pool!(db, Scope::maintenance(), conn => {
        sqlx::query(sql).bind(before).execute(&mut *conn).await?.rows_affected()
    }))
}

/// The addresses of `org`'s Owners and Admins, who are told when Atrium
/// disables one of its endpoints, each with the organization's slug (for
/// the link to its webhooks page).
#[tracing::instrument(
    name = "webhooks::admin_emails",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org)
)]
pub async fn admin_emails(db: &Db, org: OrgId) -> Result<Vec<(String, String)>, sqlx::Error> {
    let sql = "SELECT u.email, o.slug FROM memberships m JOIN users u ON u.id = m.user_id \
               JOIN organizations o ON o.id = m.org_id \
               WHERE m.org_id = $1 AND m.role IN ('owner', 'admin') ORDER BY u.email";
    with_pool!(db, Scope::tenant(org), conn => sqlx::query_as(sql).bind(org).fetch_all(&mut *conn).await)
}

/// An outbox event (`events`), as webhooks deliver it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxEvent {
    pub id: uuid::Uuid,
    /// The dotted type (`task.created`, `license.suspended`, ...).
    #[sqlx(rename = "type")]
    pub kind: String,
    pub resource_type: String,
    pub resource_id: String,
    /// A JSON object (text).
    pub data: String,
    pub created_at: Timestamp,
}

/// The outbox event `id` of `org`.
#[tracing::instrument(
    name = "webhooks::event",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org)
)]
pub async fn event(db: &Db, org: OrgId, id: uuid::Uuid) -> Result<Option<OutboxEvent>, sqlx::Error> {
    let sql = "SELECT id, type, resource_type, resource_id, data, created_at FROM events WHERE org_id = $1 AND id = $2";
    with_pool!(db, Scope::tenant(org), conn => {
        sqlx::query_as::<_, OutboxEvent>(sql).bind(org).bind(id).fetch_optional(&mut *conn).await
    })
}

/// Whether endpoint `endpoint` of `org` wants an event older than `event`
/// (earlier in the outbox, recorded since `since` and since the endpoint
/// was made) that has not been tried on it yet: its delivery is still on
/// the way (its fan-out or first attempt queued), and should go first.
#[tracing::instrument(
    name = "webhooks::earlier_untried",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org, endpoint = %endpoint)
)]
pub async fn earlier_untried(
    db: &Db,
    org: OrgId,
    endpoint: WebhookEndpointId,
    event: uuid::Uuid,
    since: Timestamp,
) -> Result<bool, sqlx::Error> {
    let sql = "SELECT EXISTS (SELECT 1 FROM events e JOIN webhook_endpoints w ON w.id = $2 AND w.org_id = e.org_id \
                 WHERE e.org_id = $1 AND e.seq < (SELECT seq FROM events WHERE org_id = $1 AND id = $3) \
                   AND e.created_at >= $4 AND e.created_at >= w.created_at \
                   AND e.type NOT LIKE 'webhook-endpoint.%' \
                   AND (w.event_types = '*' OR w.event_types LIKE '%,' || e.type || ',%') \
                   AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d \
                                   WHERE d.endpoint_id = w.id AND d.event_id = e.id))";
    with_pool!(db, Scope::tenant(org), conn => {
        sqlx::query_scalar::<_, bool>(sql).bind(org).bind(endpoint).bind(event).bind(since).fetch_one(&mut *conn).await
    })
}

/// The enabled endpoints of `org` that want events of `event_type`, with
/// their URLs.
#[tracing::instrument(
    name = "webhooks::subscribers",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org)
)]
pub async fn subscribers(
    db: &Db,
    org: OrgId,
    event_type: &str,
) -> Result<Vec<(WebhookEndpointId, String)>, sqlx::Error> {
    let sql = "SELECT id, url FROM webhook_endpoints WHERE org_id = $1 AND enabled \
               AND (event_types = '*' OR event_types LIKE $2) ORDER BY created_at, id";
    with_pool!(db, Scope::tenant(org), conn => {
        sqlx::query_as(sql).bind(org).bind(type_pattern(event_type)).fetch_all(&mut *conn).await
    })
}

/// The statement that queues an event's webhook fan-out in the change's
/// own transaction, only when `org` has an enabled endpoint wanting the
/// type: `$1` job id, `$2` organization, `$3` payload (the job), `$4` the
/// `LIKE` pattern of the type (`%,type,%`), `$5` now. A crash before the
/// commit loses both the change and its deliveries; after it, neither.
pub const QUEUE_FAN_OUT: &str = "INSERT INTO jobs (id, org_id, kind, payload, status, attempts, max_attempts, \
     run_at, cancel_requested, progress_done, unique_key, created_at, updated_at) \
     SELECT $1, $2, 'fan_out_event', $3, 'queued', 0, 5, $5, FALSE, 0, NULL, $5, $5 \
     WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE org_id = $2 AND enabled \
                   AND (event_types = '*' OR event_types LIKE $4))";

/// Whether events of type `kind` go to webhooks. Those about the
/// endpoints themselves (`webhook-endpoint.*`) stay the audit log's: an
/// endpoint is not sent its own creation or its secret's rotation.
pub fn delivered(kind: &str) -> bool {
    !kind.starts_with("webhook-endpoint.")
}

/// The job [`QUEUE_FAN_OUT`] queues for `org`'s event `event`: the JSON
/// of `jobs::Job::FanOutEvent` (written here, below the job queue, and
/// checked against it by the queue's tests).
pub fn fan_out_payload(org: OrgId, event: uuid::Uuid) -> String {
    serde_json::json!({ "kind": "fan_out_event", "org": org, "event": event }).to_string()
}
