//! What the change stream (`GET /o/{org}/events`) tells an open page: that
//! a resource changed, never how. The page reads the resource again
//! through its own, authorized, functions.

use serde::{Deserialize, Serialize};

/// One `change` event's data. Its SSE `id` is `seq` too, which a
/// reconnecting `EventSource` sends back as `Last-Event-ID`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The event's position in the organization's outbox (increasing).
    pub seq: i64,
    /// The event's id (a UUID), the one webhooks deliver it under.
    pub id: String,
    /// The event type, such as `task.updated` (the webhook catalogue's
    /// names).
    #[serde(rename = "type")]
    pub kind: String,
    /// What changed: `task`, `file`, `license`, `member`...
    pub resource_type: String,
    /// Its id.
    pub resource_id: String,
    /// Who changed it (a user id), when a person did.
    pub actor_id: Option<String>,
}

impl Change {
    /// Whether its type starts with one of `prefixes` (`"task."`).
    pub fn is(&self, prefixes: &[&str]) -> bool {
        prefixes.iter().any(|prefix| self.kind.starts_with(prefix))
    }
}
