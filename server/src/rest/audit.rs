//! `/api/v1/audit-events`: the organization's audit log, newest first,
//! with the dashboard's filters (`app::server::audit`). Admin tokens only
//! (`audit_viewer`).

use app::{
    model::AuditPage,
    server::{
        AppState,
        audit::{FilterText, list_page},
        db::audit::AuditScope,
    },
};
use axum::{extract::State, response::Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{
    ApiClient,
    body::QueryParams,
    paging,
    problem::{ApiError, Refusals},
};

/// The log's filters, each optional.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// An event type (`member.role_changed`, `project.created`, ...).
    #[serde(default)]
    action: String,
    /// A person's user id: the events they made.
    #[serde(default)]
    actor: String,
    /// From this day (`YYYY-MM-DD`, UTC), inclusive.
    #[serde(default)]
    from: String,
    /// To this day (`YYYY-MM-DD`, UTC), inclusive.
    #[serde(default)]
    to: String,
    /// The page's cursor: events older than this event id (from `next`).
    #[serde(default)]
    before: String,
}

/// `GET /audit-events`: 50 events a page, newest first, as `{items,
/// next}` (`next` the `before` of the page after), and a `Link` header
/// (`rel="next"`) to it with the same filters. An event's `details` is a
/// JSON object as text; a change made through a token names it there
/// (`api_token`). Admin tokens.
///
/// Errors: 403 below Admin; 422 on `action`, `from`, `to` (also `from`
/// after `to`) or an unknown parameter; 404 for a malformed `actor` or
/// `before`.
#[utoipa::path(get, path = "/audit-events", tag = "audit", params(AuditQuery),
    responses((status = 200, description = "A page of events; `Link` names the next.", body = AuditPage), Refusals))]
pub async fn list_audit_events(
    State(state): State<AppState>,
    client: ApiClient,
    QueryParams(query): QueryParams<AuditQuery>,
) -> Result<Response, ApiError> {
    let viewer = client.org().audit_viewer()?;
    let filter = FilterText {
        action: &query.action,
        actor: &query.actor,
        from: &query.from,
        to: &query.to,
        before: &query.before,
    };
    let page = list_page(&state.db, &AuditScope::Organization(viewer), filter).await?;
    let next = page.next.as_deref().map(|next| {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (key, value) in
            [("action", &query.action), ("actor", &query.actor), ("from", &query.from), ("to", &query.to)]
        {
            if !value.trim().is_empty() {
                serializer.append_pair(key, value.trim());
            }
        }
        serializer.append_pair("before", next);
        (format!("/api/v1/audit-events?{}", serializer.finish()), "next")
    });
    Ok(paging::listed(&page, next.as_slice()))
}
