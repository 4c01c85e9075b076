//! Who makes a change, as the audit log records it: a signed-in member on
//! the dashboard, or an API token acting for the member who created it.
//! Both doors (server functions and the REST API) hand the same [`Actor`]
//! to the shared rules, so an event reads the same whichever door it came
//! through.

use crate::{
    error::AppError,
    model::{ApiTokenId, AuditAction, OrgId, UserId},
    server::db::{
        Db,
        audit::{self, Origin},
    },
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
    /// Records `action` in organization `org`'s audit log: done by this
    /// actor to `target` (a kind and an id), with `details` (a JSON
    /// object; an API request's token is added as `api_token`, its id and
    /// name).
    pub async fn audit(
        &self,
        db: &Db,
        org: OrgId,
        action: AuditAction,
        target: Option<(&'static str, String)>,
        mut details: serde_json::Value,
    ) -> Result<(), AppError> {
        if let (Some((id, name)), Some(object)) = (&self.token, details.as_object_mut()) {
            object.insert("api_token".into(), serde_json::json!({ "id": id, "name": name }));
        }
        let event = audit::NewEvent {
            action,
            org: Some(org),
            actor: Some(self.user),
            actor_email: Some(&self.email),
            target,
            origin: &self.origin,
            details,
        };
        Ok(audit::record(db, event).await?)
    }
}
