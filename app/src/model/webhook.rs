//! Webhooks: an organization's endpoints that receive its events, signed
//! as the Standard Webhooks specification says (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature`), and the log of deliveries.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{WebhookDeliveryId, WebhookEndpointId, text::multi_line_text};

multi_line_text!(
    /// What an endpoint is for ("CRM sync"): at most 500 characters, may
    /// be empty.
    WebhookDescription,
    max = 500,
    noun = "A description"
);

/// The text every signing secret starts with (Standard Webhooks), then
/// the base64 of 32 random bytes.
pub const SECRET_PREFIX: &str = "whsec_";

/// The longest URL an endpoint may have, in bytes.
pub const MAX_URL_BYTES: usize = 2000;

/// The types of event an endpoint can ask for, with what each means.
/// Licensing events carry Keygen's names and resource shapes, so a
/// handler written for Keygen's webhooks reads them unchanged.
pub const EVENT_TYPES: &[(&str, &str)] = &[
    ("license.created", "A license was issued."),
    ("license.updated", "A license's name, expiry or metadata changed."),
    ("license.deleted", "A license was deleted (or revoked)."),
    ("license.suspended", "A license was suspended."),
    ("license.reinstated", "A suspended license was reinstated."),
    ("license.renewed", "A license's expiry was extended by its policy's duration."),
    ("license.checked-in", "A license checked in."),
    ("license.banned", "A license's owner was banned."),
    ("license.unbanned", "A banned license's owner was let back."),
    ("machine.created", "A machine was activated on a license."),
    ("machine.deleted", "A machine was deactivated, or culled for a missed heartbeat."),
    ("policy.created", "A policy was created."),
    ("policy.updated", "A policy changed, or its entitlements did."),
    ("policy.deleted", "A policy was deleted."),
    ("entitlement.created", "An entitlement was created."),
    ("entitlement.updated", "An entitlement changed."),
    ("entitlement.deleted", "An entitlement was deleted."),
    ("project.created", "A project was created."),
    ("project.updated", "A project's name or description changed."),
    ("project.archived", "A project was archived."),
    ("project.unarchived", "A project was unarchived."),
    ("project.trashed", "A project was moved to the trash."),
    ("project.restored", "A project came back from the trash."),
    ("project.deleted", "A project was deleted for good (its trash time ran out)."),
    ("task.created", "A task was created."),
    ("task.updated", "A task changed (edited, completed, reopened, assigned, moved, trashed)."),
    ("task.restored", "A task came back from the trash."),
    ("task.deleted", "A task was deleted for good."),
    ("tasks.imported", "A CSV import of tasks finished."),
    ("cycle.created", "A cycle was created."),
    ("cycle.updated", "A cycle was renamed or re-dated."),
    ("cycle.deleted", "A cycle was deleted."),
    ("label.created", "A label was created."),
    ("label.updated", "A label was renamed or recoloured."),
    ("label.deleted", "A label was deleted."),
    ("file.created", "A file was uploaded."),
    ("file.updated", "A file was processed (checksum, type, thumbnail)."),
    ("file.renamed", "A file was renamed."),
    ("file.trashed", "A file was moved to the trash."),
    ("file.restored", "A file came back from the trash."),
    ("member.role-changed", "A member's role changed."),
    ("member.removed", "A member was removed."),
    ("member.left", "A member left."),
    ("invitation.sent", "Someone was invited."),
    ("invitation.accepted", "An invitation was accepted: a new member."),
    ("invitation.revoked", "An invitation was revoked."),
    ("organization.settings-changed", "The organization's name or address changed."),
    ("organization.ownership-transferred", "The organization has a new Owner."),
    ("organization.suspended", "A platform admin suspended the organization."),
    ("organization.reactivated", "A platform admin reactivated the organization."),
    ("organization.plan-changed", "The organization's plan or limits changed."),
    ("api-token.created", "An API token was created."),
    ("api-token.revoked", "An API token was revoked."),
    ("api-token.new-network", "An API token was used from a network it had not been used from."),
];

/// The type of the test event an endpoint's page sends (to that endpoint
/// only, whatever types it asked for).
pub const TEST_EVENT: &str = "webhook.test";

/// Whether `name` is an event type an endpoint can ask for.
pub fn is_event_type(name: &str) -> bool {
    EVENT_TYPES.iter().any(|(known, _)| *known == name)
}

/// An endpoint as the webhooks page lists it: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    pub id: WebhookEndpointId,
    pub url: String,
    pub description: String,
    /// The event types it receives; empty: every type.
    pub event_types: Vec<String>,
    pub enabled: bool,
    /// The secret's first characters (`whsec_` and 4 more), to tell
    /// secrets apart after a rotation.
    pub secret_start: String,
    /// Until when the secret before the last rotation also signs.
    #[serde(with = "time::serde::rfc3339::option")]
    pub previous_secret_until: Option<OffsetDateTime>,
    /// Since when deliveries have failed (the first failure after the
    /// last success).
    #[serde(with = "time::serde::rfc3339::option")]
    pub failing_since: Option<OffsetDateTime>,
    /// Why Atrium disabled it (repeated failures); `None` when enabled,
    /// or disabled by a person.
    pub disabled_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl WebhookEndpoint {
    /// Whether it receives events of `event_type`.
    pub fn wants(&self, event_type: &str) -> bool {
        self.event_types.is_empty() || self.event_types.iter().any(|wanted| wanted == event_type)
    }
}

/// An endpoint just created, or its secret just rotated: the secret,
/// shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSecret {
    pub endpoint: WebhookEndpoint,
    pub secret: String,
}

/// One attempt to deliver an event, as the endpoint's log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    pub id: WebhookDeliveryId,
    /// The event's id: the `webhook-id` header, the same on every attempt
    /// and redelivery.
    pub event_id: uuid::Uuid,
    pub event_type: String,
    /// This delivery's attempt, from 1.
    pub attempt: i64,
    /// The answer's status; `None` when there was no answer (see `error`).
    pub status_code: Option<u16>,
    /// From connecting to the end of the answer's first 1 KB, in
    /// milliseconds.
    pub duration_ms: i64,
    /// The answer's first 1 KB (lossy UTF-8).
    pub response_head: String,
    /// Why there was no usable answer (refused address, timeout, ...).
    pub error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl WebhookDelivery {
    /// Whether the receiver took it (a 2xx answer).
    pub fn succeeded(&self) -> bool {
        self.status_code.is_some_and(|status| (200..300).contains(&status))
    }
}
