//! Who makes a change, as the audit log records it: a signed-in member on
//! the dashboard, or an API token acting for the member who created it.
//! Both doors (server functions and the REST API) hand the same [`Actor`]
//! to the shared rules, so an event reads the same whichever door it came
//! through.

use crate::{
    model::{ApiTokenId, AuditAction, OrgId, UserId},
    server::db::{audit::Origin, events::NewEvent},
};

/// The person a change is recorded against, where the request came from,
/// and the API token it came through, if any.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: UserId,
    pub email: String,
    pub origin: Origin,
    /// The token (id and name) of an API request; `None` on the dashboard.
    pub token: Option<(ApiTokenId, String)>,
}

impl Actor {
    /// The audited event of `action` by this actor in organization `org`,
    /// done to `target` (a kind and an id), with `details` (a JSON object;
    /// an API request's token is added as `api_token`, its id and name),
    /// for the repository to record in the change's transaction
    /// ([`crate::server::db::events::record`]).
    pub fn event(
        &self,
        org: OrgId,
        action: AuditAction,
        target: (&'static str, String),
        mut details: serde_json::Value,
    ) -> NewEvent {
        if let (Some((id, name)), Some(object)) = (&self.token, details.as_object_mut()) {
            object.insert("api_token".into(), serde_json::json!({ "id": id, "name": name }));
        }
        NewEvent::audited(org, action, target, Some(self.user), Some(self.email.clone()), self.origin.clone(), details)
    }
}
