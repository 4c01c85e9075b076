//! The organization's API tokens (`/o/{org}/settings/tokens`): Admins and
//! Owners list, create and revoke them. The rules are
//! `server::api_tokens`', which these functions only call.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{ApiToken, CreatedApiToken},
};

#[cfg(feature = "ssr")]
use crate::{
    model::Action,
    server::{api_tokens, ctx, db::api_tokens as db_tokens},
};

/// The organization's tokens, newest first, revoked and expired ones too;
/// never their secrets. Admins and Owners.
#[server(endpoint = "list_api_tokens")]
pub async fn list_api_tokens(org: String) -> Result<Vec<ApiToken>, AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageApiTokens)?;
    Ok(db_tokens::list(req.db(), &admin).await?)
}

/// Creates a token: `name` 1–100 characters; `role` `admin`, `member`
/// (default) or `read_only`; `expires_on` a day (`YYYY-MM-DD`, UTC; the
/// token works through it) or empty for none. The answer holds the
/// secret, shown this once. Admins and Owners.
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(
    org: String,
    name: String,
    #[server(default)] role: String,
    #[server(default)] expires_on: String,
) -> Result<CreatedApiToken, AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageApiTokens)?;
    let role = if role.trim().is_empty() { "member" } else { role.trim() };
    let origin = req.state.public_origin.as_str();
    api_tokens::create(req.db(), &admin, &req.actor()?, origin, (&name, role, &expires_on)).await
}

/// Revokes the token `token` (its id): refused from the next request on.
/// Admins and Owners.
#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(org: String, token: String) -> Result<ApiToken, AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::ManageApiTokens)?;
    api_tokens::revoke(req.db(), &admin, &req.actor()?, &token).await
}
