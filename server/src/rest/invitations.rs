//! `/api/v1/invitations`: the organization's pending invitations, listed,
//! sent (the invitation mail goes out as from the dashboard, in the name
//! of the token's creator), revoked, by the dashboard's rules
//! (`app::server::invitations`).
//!
//! An invitation answers as `{id, email, role, invited_by, sent_at,
//! expires_at, expired}`. Admin tokens only (the matrix's
//! `InviteMembers`); inviting as Admin or Owner is the Owners', so a
//! token invites Members and Guests.

use app::{
    model::{Action, Invitation, InvitationId, Role},
    server::{AppState, invitations as rules},
};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{
    ApiClient,
    body::Json,
    conditional::created,
    problem::{ApiError, Refusals},
};

/// The path parameter of one invitation.
const INVITATION: &str = "The invitation's id (a UUID).";

/// `GET /invitations`: the pending invitations, newest first (expired
/// ones too, `expired` true). Admin tokens.
#[utoipa::path(get, path = "/invitations", tag = "invitations",
    responses((status = 200, description = "The pending invitations, newest first.", body = Vec<Invitation>), Refusals))]
pub async fn list_invitations(
    State(state): State<AppState>,
    client: ApiClient,
) -> Result<axum::Json<Vec<Invitation>>, ApiError> {
    let admin = client.org().admin(Action::InviteMembers)?;
    Ok(axum::Json(rules::list(&state.db, &admin).await?))
}

/// A new invitation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    /// The address to invite (not a member already).
    email: String,
    /// `member` or `guest` (`admin` and `owner` are the Owners' to give).
    #[schema(value_type = Role)]
    role: String,
}

/// `POST /invitations`: invites `email` with `role` and mails them a link
/// that works once, for 7 days; inviting someone already invited sends a
/// new link. 201 with the invitation and its `Location`. Admin tokens.
/// Recorded as `invitation.sent`.
///
/// Errors: 403 for a role beyond the token's; 422 on `email` (malformed,
/// a member already, no seat left) or `role`; 429 past 100 invitation
/// mails an hour.
#[utoipa::path(post, path = "/invitations", tag = "invitations", request_body = NewInvitation,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry answer the first create.")),
    responses((status = 201, description = "Sent; `Location` names it.", body = Invitation), Refusals))]
pub async fn create_invitation(
    State(state): State<AppState>,
    client: ApiClient,
    Json(new): Json<NewInvitation>,
) -> Result<Response, ApiError> {
    let admin = client.org().admin(Action::InviteMembers)?;
    let invitation = rules::invite(&state, &admin, &client.0.actor, &new.email, &new.role).await?;
    Ok(created(&invitation, &format!("/invitations/{}", invitation.id)))
}

/// `DELETE /invitations/{invitation}`: revokes the pending invitation;
/// its link stops working. Admin tokens. Recorded as
/// `invitation.revoked`.
///
/// Errors: 403 for an invitation as Admin or Owner; 404 when it is not a
/// pending invitation here.
#[utoipa::path(delete, path = "/invitations/{invitation}", tag = "invitations",
    params(("invitation" = InvitationId, Path, description = INVITATION)),
    responses((status = 204, description = "Revoked."), Refusals))]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    client: ApiClient,
    Path(invitation): Path<String>,
) -> Result<StatusCode, ApiError> {
    let admin = client.org().admin(Action::InviteMembers)?;
    rules::revoke(&state.db, &admin, &client.0.actor, &invitation).await?;
    Ok(StatusCode::NO_CONTENT)
}
