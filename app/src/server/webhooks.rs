//! Webhooks: the rules for an organization's endpoints (Admins and
//! Owners), and delivering events to them through the job queue.
//!
//! - **Signatures** follow the Standard Webhooks specification: headers
//!   `webhook-id` (the event's id, the same on every retry and
//!   redelivery, so receivers drop repeats), `webhook-timestamp` (Unix
//!   seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256>` over
//!   `id.timestamp.body`; two signatures, space-separated, while a
//!   rotated-out secret is still valid), made with the `standardwebhooks`
//!   crate.
//! - **Delivery** is a job (`Job::DeliverWebhook` with a [`Delivery`],
//!   queued by the caller: the job queue calls this module, not the
//!   other way round): each attempt has 10
//!   seconds from connecting to the answer's first 1 KB, follows no
//!   redirect, and is logged. A non-2xx answer or no answer is retried
//!   with the queue's backoff (5 s doubling to an hour) for about a day.
//!   First attempts to one endpoint go in the outbox's order (a delivery
//!   waits, up to [`ORDER_WAIT`], for an older event's first attempt);
//!   a retry can arrive after later events, as with Keygen's webhooks.
//!   An endpoint that has failed without a success for
//!   [`DISABLE_AFTER_DAYS`] days is disabled at its next failure and its
//!   organization's Owners and Admins are mailed.
//! - **Addresses** (OWASP SSRF prevention): the URL must be `https`
//!   (`http` only with `webhook_allow_http`), and every connection's
//!   address, after DNS, must be public (not loopback, private,
//!   link-local, cloud metadata, shared, documentation or multicast)
//!   unless `webhook_allowed_networks` lists it. DNS can change between
//!   saving and delivering, so the check is made when connecting.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
    time::{Duration as StdDuration, Instant},
};

use base64::{Engine, engine::general_purpose::STANDARD};
use rand::{RngCore, rngs::OsRng};
use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::{
    error::{AppError, FieldErrors},
    model::{
        AuditAction, OrgId, WebhookDeliveryId, WebhookEndpointId,
        args::parse_id,
        webhook::{
            EVENT_TYPES, MAX_URL_BYTES, SECRET_PREFIX, TEST_EVENT, WebhookDelivery, WebhookDescription,
            WebhookEndpoint, WebhookSecret, is_event_type,
        },
    },
    server::{
        AppState,
        actor::Actor,
        config::Config,
        db::{
            Db, Timestamp,
            audit::Origin,
            events::NewEvent,
            webhooks::{self as db_webhooks, DeliveryTarget, EndpointFields, NewDelivery, SealedSecret},
        },
        handles::Admin,
        licensing::{keys::KeyEncryptionKey, resources},
    },
};

/// How long one attempt may take, from connecting to the end of the
/// answer's first kilobyte.
pub const DELIVERY_TIMEOUT: StdDuration = StdDuration::from_secs(10);
/// How much of an answer is read and logged, in bytes.
pub const RESPONSE_HEAD_BYTES: usize = 1024;
/// Attempts per delivery: with the queue's backoff (5 s doubling to an
/// hour) the last is about a day after the first.
pub const DELIVERY_ATTEMPTS: i64 = 32;
/// How long a first attempt waits for an older event's first attempt on
/// the same endpoint (then it goes anyway: that event's delivery was
/// lost or is stuck, and must not hold the rest).
pub const ORDER_WAIT: Duration = Duration::MINUTE;
/// How soon a delivery waiting for an older one looks again.
const ORDER_RETRY: Duration = Duration::milliseconds(200);
/// Days an endpoint may fail without a success before its next failure
/// disables it.
pub const DISABLE_AFTER_DAYS: i64 = 3;
/// How long a rotated-out secret keeps signing.
pub const PREVIOUS_SECRET_HOURS: i64 = 24;
/// Endpoints per organization.
pub const MAX_ENDPOINTS: usize = 20;
/// Deliveries the endpoint's log shows.
pub const LOG_LENGTH: i64 = 50;

/// An endpoint's settings, as typed.
#[derive(Debug, Clone, Default)]
pub struct EndpointForm {
    pub url: String,
    pub description: String,
    /// Empty: every type.
    pub event_types: Vec<String>,
    pub enabled: bool,
}

/// Checks `form`, naming each bad field: `url` (absolute, `https` or,
/// when allowed, `http`, a host, no user name or password, at most
/// [`MAX_URL_BYTES`], not a literal non-public address),
/// `description`, `event_types` (known types).
fn parse_form(config: &Config, form: &EndpointForm) -> Result<(String, String, Vec<String>), AppError> {
    let mut errors = FieldErrors::new();
    let url = match check_url(config, form.url.trim()) {
        Ok(url) => url,
        Err(message) => {
            errors.add("url", message);
            String::new()
        }
    };
    let description = match WebhookDescription::parse(&form.description) {
        Ok(description) => description.as_str().to_owned(),
        Err(err) => {
            errors.add("description", err.to_string());
            String::new()
        }
    };
    let mut types: Vec<String> = Vec::new();
    for name in form.event_types.iter().map(|name| name.trim()).filter(|name| !name.is_empty()) {
        if !is_event_type(name) {
            errors.add("event_types", format!("“{name}” is not an event type: choose from the list."));
        } else if !types.iter().any(|known| known == name) {
            types.push(name.to_owned());
        }
    }
    // In the list's order, so the page and the API read the same.
    types.sort_by_key(|name| EVENT_TYPES.iter().position(|(known, _)| known == name));
    if errors.is_empty() { Ok((url, description, types)) } else { Err(AppError::Validation(errors)) }
}

fn check_url(config: &Config, text: &str) -> Result<String, String> {
    if text.is_empty() {
        return Err("Enter the URL that receives the events.".into());
    }
    if text.len() > MAX_URL_BYTES {
        return Err(format!("A URL has at most {MAX_URL_BYTES} characters."));
    }
    let url = url::Url::parse(text).map_err(|_| "Enter a whole URL, like https://example.com/webhooks.".to_owned())?;
    match url.scheme() {
        "https" => {}
        "http" if config.webhook_allow_http => {}
        "http" => return Err("Use an https:// URL: events carry your organization's data.".into()),
        _ => return Err("Use an https:// URL.".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Leave the user name and password out of the URL: check the signature instead.".into());
    }
    if url.host().is_none() {
        return Err("The URL needs a host name.".into());
    }
    if literal_ip(&url).is_some_and(|ip| !Networks::from_config(config).permits(ip)) {
        return Err("This address is not public: deliveries cannot go there.".into());
    }
    Ok(url.to_string())
}

/// The address written in `url` as its host, if it is one (not a name).
fn literal_ip(url: &url::Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    }
}

/// A new signing secret: `whsec_` and the base64 of 32 random bytes.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

fn seal(kek: &KeyEncryptionKey, id: WebhookEndpointId, secret: &str) -> SealedSecret {
    SealedSecret {
        sealed: kek.seal(id.0, secret.as_bytes()),
        start: secret.chars().take(SECRET_PREFIX.len() + 4).collect(),
    }
}

fn endpoint_id(id: &str) -> Result<WebhookEndpointId, AppError> {
    parse_id(id)
}

/// An endpoint as the audit log names it.
fn target(id: WebhookEndpointId) -> (&'static str, String) {
    ("webhook_endpoint", id.to_string())
}

/// What the audit log keeps of an endpoint's settings (never its secret).
fn settings(url: &str, description: &str, event_types: &[String], enabled: bool) -> serde_json::Value {
    json!({ "url": url, "description": description, "event_types": event_types, "enabled": enabled })
}

/// The organization's endpoints, oldest first.
pub async fn list(db: &Db, admin: &Admin) -> Result<Vec<WebhookEndpoint>, AppError> {
    Ok(db_webhooks::list(db, admin).await?)
}

/// The endpoint `id` (text). Errors: `NotFound`.
pub async fn find(db: &Db, admin: &Admin, id: &str) -> Result<WebhookEndpoint, AppError> {
    db_webhooks::find(db, admin, endpoint_id(id)?).await?.ok_or(AppError::NotFound)
}

/// Adds an endpoint (see [`parse_form`]); the answer holds its signing
/// secret, shown this once. At most [`MAX_ENDPOINTS`]. Recorded as
/// `webhook_endpoint.created`.
///
/// Errors: `Validation` naming `url`, `description` or `event_types`.
pub async fn create(
    state: &AppState,
    admin: &Admin,
    actor: &Actor,
    form: &EndpointForm,
) -> Result<WebhookSecret, AppError> {
    let (url, description, event_types) = parse_form(&state.config, form)?;
    if db_webhooks::list(&state.db, admin).await?.len() >= MAX_ENDPOINTS {
        return Err(AppError::field("url", format!("An organization has at most {MAX_ENDPOINTS} endpoints.")));
    }
    let id = WebhookEndpointId::new();
    let secret = new_secret();
    let fields =
        EndpointFields { url: &url, description: &description, event_types: &event_types, enabled: form.enabled };
    let details = settings(&url, &description, &event_types, form.enabled);
    let event = actor.event(admin.org_id(), AuditAction::WebhookEndpointCreated, target(id), details);
    let sealed = seal(&state.licensing.kek, id, &secret);
    let endpoint = db_webhooks::insert(&state.db, admin, id, (&fields, &sealed), &event).await?;
    Ok(WebhookSecret { endpoint, secret })
}

/// Changes the endpoint `id`'s settings (as [`create`]); enabling it
/// again forgets why it was disabled. Recorded as
/// `webhook_endpoint.updated`.
///
/// Errors: as [`create`]; `NotFound`.
pub async fn update(
    state: &AppState,
    admin: &Admin,
    actor: &Actor,
    id: &str,
    form: &EndpointForm,
) -> Result<WebhookEndpoint, AppError> {
    let id = endpoint_id(id)?;
    let (url, description, event_types) = parse_form(&state.config, form)?;
    let fields =
        EndpointFields { url: &url, description: &description, event_types: &event_types, enabled: form.enabled };
    let details = settings(&url, &description, &event_types, form.enabled);
    let event = actor.event(admin.org_id(), AuditAction::WebhookEndpointUpdated, target(id), details);
    db_webhooks::update(&state.db, admin, id, &fields, &event).await?.ok_or(AppError::NotFound)
}

/// Gives the endpoint `id` a new secret, shown this once; the one it had
/// goes on signing (beside the new one) for [`PREVIOUS_SECRET_HOURS`].
/// Recorded as `webhook_endpoint.secret_rotated`.
///
/// Errors: `NotFound`.
pub async fn rotate_secret(
    state: &AppState,
    admin: &Admin,
    actor: &Actor,
    id: &str,
) -> Result<WebhookSecret, AppError> {
    let id = endpoint_id(id)?;
    let secret = new_secret();
    let until = OffsetDateTime::now_utc() + Duration::hours(PREVIOUS_SECRET_HOURS);
    let sealed = seal(&state.licensing.kek, id, &secret);
    let details = json!({ "secret_start": sealed.start, "previous_secret_until": until.unix_timestamp() });
    let event = actor.event(admin.org_id(), AuditAction::WebhookSecretRotated, target(id), details);
    let endpoint =
        db_webhooks::rotate(&state.db, admin, id, (&sealed, until), &event).await?.ok_or(AppError::NotFound)?;
    Ok(WebhookSecret { endpoint, secret })
}

/// Deletes the endpoint `id` and its log; deliveries still queued for it
/// end without sending. Recorded as `webhook_endpoint.deleted`.
///
/// Errors: `NotFound`.
pub async fn delete(db: &Db, admin: &Admin, actor: &Actor, id: &str) -> Result<(), AppError> {
    let endpoint = find(db, admin, id).await?;
    let details = json!({ "url": endpoint.url });
    let event = actor.event(admin.org_id(), AuditAction::WebhookEndpointDeleted, target(endpoint.id), details);
    if db_webhooks::delete(db, admin, endpoint.id, &event).await? { Ok(()) } else { Err(AppError::NotFound) }
}

/// The endpoint `id`'s latest deliveries, newest first. Errors: `NotFound`.
pub async fn deliveries(db: &Db, admin: &Admin, id: &str) -> Result<Vec<WebhookDelivery>, AppError> {
    let endpoint = find(db, admin, id).await?;
    Ok(db_webhooks::deliveries(db, admin, endpoint.id, LOG_LENGTH).await?)
}

/// The body of an event's delivery: Standard Webhooks' `type`,
/// `timestamp` (RFC 3339) and `data`.
pub fn message(event_type: &str, at: OffsetDateTime, data: serde_json::Value) -> String {
    json!({ "type": event_type, "timestamp": resources::ts(at), "data": data }).to_string()
}

/// One event to deliver to one endpoint: `payload` is the body as sent,
/// the same on every attempt and redelivery.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Delivery {
    pub org: OrgId,
    pub endpoint: WebhookEndpointId,
    /// The event's id: the `webhook-id` header.
    pub event: uuid::Uuid,
    pub event_type: String,
    pub payload: String,
}

/// A `webhook.test` event for the endpoint `id` (enabled or not: it is
/// how one checks a receiver before enabling it), for the caller to
/// queue.
///
/// Errors: `NotFound`.
pub async fn test_event(db: &Db, admin: &Admin, id: &str) -> Result<Delivery, AppError> {
    let endpoint = find(db, admin, id).await?;
    let event = uuid::Uuid::now_v7();
    let data = json!({
        "id": event,
        "endpoint": endpoint.id,
        "organization": admin.org_id(),
        "message": "A test event from Atrium: your endpoint receives and verifies deliveries.",
    });
    let payload = message(TEST_EVENT, OffsetDateTime::now_utc(), data);
    Ok(Delivery { org: admin.org_id(), endpoint: endpoint.id, event, event_type: TEST_EVENT.to_owned(), payload })
}

/// The logged delivery `delivery`'s event once more, to its endpoint,
/// with the same `webhook-id` and body, for the caller to queue.
///
/// Errors: `NotFound`.
pub async fn redelivery(db: &Db, admin: &Admin, delivery: &str) -> Result<Delivery, AppError> {
    let delivery: WebhookDeliveryId = parse_id(delivery)?;
    let (endpoint, event, event_type, payload) =
        db_webhooks::delivered_event(db, admin, delivery).await?.ok_or(AppError::NotFound)?;
    Ok(Delivery { org: admin.org_id(), endpoint, event, event_type, payload })
}

/// Whether events of `event_type` are licensing's, delivered in Keygen's
/// webhook shape.
pub fn is_licensing(event_type: &str) -> bool {
    ["license.", "machine.", "policy.", "entitlement."].iter().any(|prefix| event_type.starts_with(prefix))
}

/// Keygen's JSON:API type of a licensing resource kind.
fn keygen_type(kind: &str) -> String {
    match kind {
        "policy" => "policies".to_owned(),
        other => format!("{other}s"),
    }
}

/// A licensing event's resource as it is now, in Keygen's shape (the
/// `/v1` API's, license keys included, as in Keygen's payloads); `None`
/// when it is gone (a deletion) or not licensing's.
async fn keygen_resource(
    db: &Db,
    org: OrgId,
    event: &db_webhooks::OutboxEvent,
) -> Result<Option<serde_json::Value>, AppError> {
    use crate::server::db::license_api;
    let now = OffsetDateTime::now_utc();
    let id = event.resource_id.as_str();
    Ok(match event.resource_type.as_str() {
        "license" => match id.parse() {
            Ok(id) => license_api::license_in(db, org, id).await?.map(|license| resources::license(&license, now)),
            Err(_) => None,
        },
        "machine" => match id.parse() {
            Ok(id) => match license_api::machine_in(db, org, id).await? {
                Some(found) => license_api::license_in(db, org, found.license_id)
                    .await?
                    .map(|license| resources::machine(&license, &found.machine, now)),
                None => None,
            },
            Err(_) => None,
        },
        "policy" => match id.parse() {
            Ok(id) => license_api::policy_in(db, org, id).await?.map(|policy| resources::policy(org, &policy)),
            Err(_) => None,
        },
        "entitlement" => match id.parse() {
            Ok(id) => license_api::entitlement_in(db, org, id).await?.map(|e| resources::entitlement(org, &e)),
            Err(_) => None,
        },
        _ => None,
    })
}

/// The body that delivers `event` to the endpoint at `url`: Standard
/// Webhooks' envelope (`type`, `timestamp`, `data`). For licensing
/// events `data` is Keygen's `webhook-events` resource, whose
/// `attributes.event` is the type and `attributes.payload` the resource
/// document (`keygen`: the resource in Keygen's shape, else what the
/// change recorded) as a JSON string, as Keygen's webhook handlers read
/// them; for the others it is `{id, type, attributes}` of the resource.
pub fn event_message(event: &db_webhooks::OutboxEvent, url: &str, keygen: Option<&serde_json::Value>) -> String {
    let data: serde_json::Value = serde_json::from_str(&event.data).unwrap_or_else(|_| json!({}));
    let at = event.created_at.into_inner();
    let body = if is_licensing(&event.kind) {
        let at_text = resources::ts(at);
        let resource = match keygen {
            Some(resource) => json!({ "data": resource }),
            None => json!({
                "data": { "id": event.resource_id, "type": keygen_type(&event.resource_type), "attributes": data }
            }),
        };
        json!({
            "id": event.id,
            "type": "webhook-events",
            "attributes": {
                "endpoint": url,
                "event": event.kind,
                "payload": resource.to_string(),
                "status": "DELIVERING",
                "lastResponseCode": null,
                "lastResponseBody": null,
                "created": at_text,
                "updated": at_text,
            },
        })
    } else {
        json!({ "id": event.resource_id, "type": event.resource_type, "attributes": data })
    };
    message(&event.kind, at, body)
}

/// The deliveries of `org`'s outbox event `event`: one to each enabled
/// endpoint that wants its type (none when the event is gone).
#[tracing::instrument(name = "webhooks::fan_out", level = "debug", skip_all, fields(org = %org, event = %event))]
pub async fn fan_out(db: &Db, org: OrgId, event: uuid::Uuid) -> Result<Vec<Delivery>, AppError> {
    let Some(event) = db_webhooks::event(db, org, event).await? else { return Ok(Vec::new()) };
    let subscribers = db_webhooks::subscribers(db, org, &event.kind).await?;
    let keygen = if is_licensing(&event.kind) && !subscribers.is_empty() {
        keygen_resource(db, org, &event).await?
    } else {
        None
    };
    Ok(subscribers
        .into_iter()
        .map(|(endpoint, url)| Delivery {
            org,
            endpoint,
            event: event.id,
            event_type: event.kind.clone(),
            payload: event_message(&event, &url, keygen.as_ref()),
        })
        .collect())
}

/// A message to mail: to, subject, body.
pub type Mail = (String, &'static str, String);

/// How one attempt ended, for the job.
#[derive(Debug, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver answered 2xx; or there was nothing to do (the endpoint
    /// was deleted or disabled since).
    Done,
    /// Not tried: an older event is still on its way to this endpoint.
    /// Try again after this long.
    Waiting(Duration),
    /// Worth another attempt.
    Failed(String),
    /// The endpoint was disabled after this failure: no more attempts.
    /// `mails` tell its organization's Owners and Admins (the job queue
    /// sends them).
    Disabled { reason: String, mails: Vec<Mail> },
}

/// Makes one attempt at `delivery` (attempt number `attempt`), and logs
/// it.
///
/// Errors: the database's (the job is retried).
#[tracing::instrument(
    name = "webhooks::deliver",
    level = "debug",
    skip_all,
    fields(
        org = %delivery.org,
        endpoint = %delivery.endpoint,
        event = %delivery.event,
        event_type = %delivery.event_type,
    )
)]
pub async fn deliver(state: &AppState, delivery: &Delivery, attempt: i64) -> Result<Attempt, AppError> {
    let Delivery { org, endpoint, event, event_type, payload } = delivery;
    let (org, endpoint, event, event_type, payload) = (*org, *endpoint, *event, event_type.as_str(), payload.as_str());
    let Some(target) = db_webhooks::target(&state.db, org, endpoint).await? else { return Ok(Attempt::Done) };
    // A disabled endpoint still gets the test events its page sends.
    if !target.enabled && event_type != TEST_EVENT {
        return Ok(Attempt::Done);
    }
    // First attempts go in the outbox's order: an older event still on
    // its way to this endpoint goes first (waited for at most
    // ORDER_WAIT from its recording).
    let since = Timestamp::from(OffsetDateTime::now_utc() - ORDER_WAIT);
    if attempt == 1
        && event_type != TEST_EVENT
        && db_webhooks::earlier_untried(&state.db, org, endpoint, event, since).await?
    {
        return Ok(Attempt::Waiting(ORDER_RETRY));
    }
    let signature = sign(&state.licensing.kek, endpoint, &target, event, payload)?;
    let started = Instant::now();
    let answer = post(&state.config, &target.url, event, &signature, payload).await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let (status_code, response_head, error) = match &answer {
        Ok((status, head)) => (Some(*status), head.as_str(), None),
        Err(error) => (None, "", Some(error.as_str())),
    };
    let logged = NewDelivery {
        endpoint,
        event_id: event,
        event_type,
        payload,
        attempt,
        status_code,
        duration_ms,
        response_head,
        error,
    };
    let failing_since = db_webhooks::log_delivery(&state.db, org, &logged).await?;
    let failure = match answer {
        Ok((status, _)) if (200..300).contains(&status) => return Ok(Attempt::Done),
        Ok((status, _)) => format!("the endpoint answered {status}"),
        Err(error) => error,
    };
    let days = Duration::days(DISABLE_AFTER_DAYS);
    if failing_since.is_some_and(|since| OffsetDateTime::now_utc() - since.into_inner() >= days) && target.enabled {
        let reason = format!("Every delivery failed for {DISABLE_AFTER_DAYS} days (last: {failure}).");
        let details = json!({ "url": target.url, "reason": reason });
        let event = NewEvent::audited(
            org,
            AuditAction::WebhookEndpointDisabled,
            self::target(endpoint),
            None,
            None,
            Origin::default(),
            details,
        );
        let mails = if db_webhooks::disable(&state.db, org, endpoint, &reason, &event).await? {
            admin_mails(state, org, &target.url, &reason).await?
        } else {
            Vec::new()
        };
        return Ok(Attempt::Disabled { reason, mails });
    }
    Ok(Attempt::Failed(failure))
}

/// What tells `org`'s Owners and Admins that Atrium disabled `url`.
async fn admin_mails(state: &AppState, org: OrgId, url: &str, reason: &str) -> Result<Vec<Mail>, AppError> {
    let admins = db_webhooks::admin_emails(&state.db, org).await?;
    Ok(admins
        .into_iter()
        .map(|(email, slug)| {
            let settings = format!("{}/o/{slug}/settings/webhooks", state.public_origin.as_str());
            let body = format!(
                "Atrium disabled the webhook endpoint {url}.\n\n{reason}\n\nFix the receiver, then enable the \
                 endpoint again on {settings} (its deliveries log shows each attempt's answer)."
            );
            (email, "A webhook endpoint was disabled", body)
        })
        .collect())
}

/// The `webhook-signature` header: the current secret's signature, and
/// the rotated-out secret's while it is still valid.
fn sign(
    kek: &KeyEncryptionKey,
    endpoint: WebhookEndpointId,
    target: &DeliveryTarget,
    event: uuid::Uuid,
    payload: &str,
) -> Result<(String, i64), AppError> {
    let now = OffsetDateTime::now_utc();
    let mut secrets = vec![target.secret_sealed.as_str()];
    if let (Some(previous), Some(until)) = (&target.previous_secret_sealed, target.previous_secret_until)
        && until.into_inner() > now
    {
        secrets.push(previous);
    }
    let mut signatures = Vec::new();
    for sealed in secrets {
        let secret = kek.open(endpoint.0, sealed).map_err(AppError::internal)?;
        let secret = String::from_utf8(secret).map_err(AppError::internal)?;
        let signer = standardwebhooks::Webhook::new(&secret).map_err(|err| AppError::internal(err.to_string()))?;
        let signature = signer
            .sign(&event.to_string(), now.unix_timestamp(), payload.as_bytes())
            .map_err(|err| AppError::internal(err.to_string()))?;
        signatures.push(signature);
    }
    Ok((signatures.join(" "), now.unix_timestamp()))
}

/// Posts `payload` to `url`: the answer's status and first
/// [`RESPONSE_HEAD_BYTES`], or why there was none, all within
/// [`DELIVERY_TIMEOUT`].
async fn post(
    config: &Config,
    url: &str,
    event: uuid::Uuid,
    (signature, timestamp): &(String, i64),
    payload: &str,
) -> Result<(u16, String), String> {
    let networks = Arc::new(Networks::from_config(config));
    let parsed = url::Url::parse(url).map_err(|err| format!("the URL is not usable: {err}"))?;
    // An address written in the URL is connected to without asking the
    // resolver, so it is checked here.
    if literal_ip(&parsed).is_some_and(|ip| !networks.permits(ip)) {
        return Err("refused: the address is not public".into());
    }
    if parsed.scheme() == "http" && !config.webhook_allow_http {
        return Err("refused: plain http is not allowed".into());
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(DELIVERY_TIMEOUT)
        .connect_timeout(DELIVERY_TIMEOUT)
        .dns_resolver(Arc::new(GuardedResolver(networks)))
        .user_agent("Atrium-Webhooks/1")
        .build()
        .map_err(|err| format!("no HTTP client: {err}"))?;
    let request = client
        .post(parsed)
        .header("content-type", "application/json")
        .header("webhook-id", event.to_string())
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(payload.to_owned());
    let work = async {
        let mut response = request.send().await.map_err(describe)?;
        let status = response.status().as_u16();
        let mut head = Vec::new();
        while head.len() < RESPONSE_HEAD_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => head.extend_from_slice(&chunk),
                Ok(None) => break,
                // The status is the answer; a body cut short is still logged.
                Err(_) => break,
            }
        }
        head.truncate(RESPONSE_HEAD_BYTES);
        Ok((status, String::from_utf8_lossy(&head).into_owned()))
    };
    // reqwest's own timeout covers the body too; this also bounds a
    // resolver that never answers.
    tokio::time::timeout(DELIVERY_TIMEOUT, work).await.unwrap_or_else(|_| Err("timed out after 10 seconds".into()))
}

/// A client error, with its causes, as the log shows it.
fn describe(err: reqwest::Error) -> String {
    if err.is_timeout() {
        return "timed out after 10 seconds".into();
    }
    let mut text = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Where deliveries may connect: public addresses, and the networks the
/// configuration lists.
#[derive(Debug, Clone, Default)]
pub struct Networks {
    allowed: Vec<ipnet::IpNet>,
}

impl Networks {
    /// From `webhook_allowed_networks`; an entry that is not a network
    /// (CIDR) or an address is left out, with a warning in the log.
    pub fn from_config(config: &Config) -> Self {
        let allowed = config
            .webhook_allowed_networks
            .iter()
            .filter_map(|entry| {
                let parsed = entry
                    .parse::<ipnet::IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(ipnet::IpNet::from))
                    .inspect_err(|_| tracing::warn!(%entry, "webhook_allowed_networks: not a network, left out"));
                parsed.ok()
            })
            .collect();
        Self { allowed }
    }

    /// Whether a delivery may connect to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        self.allowed.iter().any(|network| network.contains(&ip)) || is_public(ip)
    }
}

/// Whether `ip` is an ordinary public address: not unspecified,
/// loopback, private (RFC 1918, unique local), shared (RFC 6598),
/// link-local (cloud metadata lives at 169.254.169.254), documentation,
/// benchmarking, reserved, broadcast or multicast; IPv4 inside IPv6
/// (mapped, NAT64) is judged as IPv4.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => is_public_v6(ip),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let segments = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [a, b] = segments[6].to_be_bytes();
        let [c, d] = segments[7].to_be_bytes();
        return is_public_v4(Ipv4Addr::new(a, b, c, d));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (segments[0] & 0xfe00) == 0xfc00
        || (segments[0] & 0xffc0) == 0xfe80
        || (segments[0] == 0x2001 && segments[1] == 0x0db8)
        || segments[..6] == [0, 0, 0, 0, 0, 0])
}

/// Resolves with the system's resolver, then keeps only the addresses
/// [`Networks`] permits: a name that resolves only to refused addresses
/// fails to connect.
struct GuardedResolver(Arc<Networks>);

#[derive(Debug, thiserror::Error)]
#[error("refused: {0} resolves only to addresses that are not public")]
struct Refused(String);

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let networks = Arc::clone(&self.0);
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let permitted: Vec<SocketAddr> = found.into_iter().filter(|addr| networks.permits(addr.ip())).collect();
            if permitted.is_empty() {
                return Err(Box::new(Refused(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(permitted.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(!is_public(refused.parse().unwrap()), "{refused}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:1.1.1.1"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn listed_networks_are_permitted() {
        let config = Config {
            webhook_allowed_networks: vec!["127.0.0.0/8".into(), "10.0.0.7".into(), "junk".into()],
            ..Config::default()
        };
        let networks = Networks::from_config(&config);
        assert!(networks.permits("127.0.0.1".parse().unwrap()));
        assert!(networks.permits("10.0.0.7".parse().unwrap()));
        assert!(!networks.permits("10.0.0.8".parse().unwrap()));
    }

    #[test]
    fn urls_must_be_https_public_and_without_credentials() {
        let config = Config::default();
        assert!(check_url(&config, "https://hooks.example.com/atrium").is_ok());
        for bad in [
            "",
            "hooks.example.com",
            "http://hooks.example.com/",
            "ftp://hooks.example.com/",
            "https://user:pass@hooks.example.com/",
            "https://127.0.0.1/",
            "https://[::1]/",
            "https://169.254.169.254/latest/meta-data",
        ] {
            assert!(check_url(&config, bad).is_err(), "{bad}");
        }
        let open = Config { webhook_allow_http: true, ..Config::default() };
        assert!(check_url(&open, "http://hooks.example.com/").is_ok());
    }

    #[test]
    fn a_message_has_the_standard_webhooks_envelope() {
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let body: serde_json::Value = serde_json::from_str(&message("task.created", at, json!({"id": 1}))).unwrap();
        assert_eq!(body["type"], "task.created");
        assert_eq!(body["timestamp"], "2023-11-14T22:13:20Z");
        assert_eq!(body["data"]["id"], 1);
    }
}
