//! `/api/v1/members`: the organization's members, listed and searched,
//! their roles changed, removed, by the dashboard's rules
//! (`app::server::members`).
//!
//! A member answers as `{user_id, display_name, email, role,
//! two_factor}`; `email` only for tokens whose role sees addresses,
//! `two_factor` only for Admin tokens. Reads need any token; changes an
//! Admin token (the matrix's `ManageMembers`), and only Owners touch the
//! Admin and Owner roles, so a token (at most Admin) changes and removes
//! Members and Guests only.

use app::{
    model::{Action, Member, Page, Role, UserId},
    server::{AppState, members as rules},
};
use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{
    ApiClient,
    body::{self, Json, QueryParams},
    conditional::{IfMatch, checked, resource, stale},
    paging,
    problem::{ApiError, Refusals},
};

/// The path parameter of one member.
const USER: &str = "The member's user id (a UUID).";

/// The list's query.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MemberListQuery {
    /// Search in names (and email addresses, for roles that see them), up
    /// to 100 characters.
    #[serde(default)]
    q: String,
    /// Members per page: 25, 50 (default) or 100.
    limit: Option<u32>,
    /// Members to skip (default 0).
    #[param(minimum = 0)]
    offset: Option<i32>,
}

/// `GET /members`: a page of the organization's members by name, with
/// `total` and a `Link` header (`rel="next"`, `rel="prev"`). Any token.
/// Errors: 422 on `q` (too long), `limit`, or an unknown parameter.
#[utoipa::path(get, path = "/members", tag = "members", params(MemberListQuery),
    responses((status = 200, description = "A page of members; `Link` names the pages around it.", body = Page<Member>), Refusals))]
pub async fn list_members(
    State(state): State<AppState>,
    client: ApiClient,
    QueryParams(query): QueryParams<MemberListQuery>,
) -> Result<Response, ApiError> {
    client.org().check(Action::ViewWork)?;
    let offset = body::offset(query.offset)?;
    let page = rules::list_page(&state.db, client.org(), ("q", &query.q), query.limit, Some(offset)).await?;
    let q = query.q.trim();
    let search = if q.is_empty() {
        String::new()
    } else {
        format!("q={}&", form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>())
    };
    Ok(paging::listed(&page, &paging::offset_links(&page, &format!("/api/v1/members?{search}"))))
}

/// A member's new role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    /// `owner`, `admin`, `member` or `guest`.
    #[schema(value_type = Role)]
    role: String,
}

/// `PATCH /members/{user}`: gives the member a role; answers them as they
/// are now. Admin tokens, for Members and Guests (the Admin and Owner
/// roles are the Owners'). Recorded as `member.role_changed`.
///
/// Errors: 403 beyond the token's role; 404 for someone not a member
/// here; 409 when the last Owner would step down or the role changed
/// meanwhile; 422 on `role`.
#[utoipa::path(patch, path = "/members/{user}", tag = "members", request_body = RoleBody,
    params(("user" = UserId, Path, description = USER), ("If-Match" = Option<String>, Header, description = "Change only if the ETag is still this.")),
    responses((status = 200, description = "The member, with the new role.", body = Member), Refusals))]
pub async fn change_member_role(
    State(state): State<AppState>,
    client: ApiClient,
    Path(user): Path<String>,
    headers: HeaderMap,
    Json(body): Json<RoleBody>,
) -> Result<Response, ApiError> {
    let admin = client.org().admin(Action::ManageMembers)?;
    let condition = IfMatch::from_headers(&headers)?;
    let current = rules::find(&state.db, &admin, &user).await?;
    let seen = checked(condition.as_ref(), &current)?;
    let member =
        rules::change_role(&state.db, &admin, &client.0.actor, (&user, &body.role), seen).await.map_err(stale)?;
    Ok(resource(StatusCode::OK, &member))
}

/// `DELETE /members/{user}`: removes the member; their tasks here are
/// unassigned. Admin tokens, for Members and Guests. Recorded as
/// `member.removed`.
///
/// Errors: 403 beyond the token's role; 404 for someone not a member
/// here; 409 for the token's creator (they leave instead).
#[utoipa::path(delete, path = "/members/{user}", tag = "members", params(("user" = UserId, Path, description = USER)),
    responses((status = 204, description = "Removed."), Refusals))]
pub async fn remove_member(
    State(state): State<AppState>,
    client: ApiClient,
    Path(user): Path<String>,
) -> Result<StatusCode, ApiError> {
    let admin = client.org().admin(Action::ManageMembers)?;
    rules::remove(&state.db, &admin, &client.0.actor, &user).await?;
    Ok(StatusCode::NO_CONTENT)
}
