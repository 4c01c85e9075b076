//! Sign-up, sign-in, sign-out and who is signed in.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{error::AppError, model::SessionUser};

#[cfg(feature = "ssr")]
use crate::{
    error::FieldErrors,
    model::{AuditAction, DisplayName, Email, OrgName, Password},
    server::{
        auth::{
            lockout::{self, FailureLimits},
            password, session,
        },
        ctx,
        db::Timestamp,
        db::{orgs, users},
    },
};

/// Where `/` sends a visitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Landing {
    /// Nobody is signed in: show the landing page.
    SignedOut,
    /// Signed in: go to this organization's dashboard (a path).
    Organization(String),
    /// Signed in, but a member of no organization.
    NoOrganization(SessionUser),
}

/// `next` when it is a path on this site, else `None`: an absolute or
/// protocol-relative URL would make sign-in an open redirect (OWASP
/// Unvalidated Redirects and Forwards Cheat Sheet).
pub fn safe_next(next: &str) -> Option<&str> {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 2048
        && !next.chars().any(|c| c.is_control() || c == '\\');
    local.then_some(next)
}

/// The dashboard path of an organization.
pub fn org_path(slug: &str) -> String {
    format!("/o/{slug}")
}

#[cfg(feature = "ssr")]
pub(crate) const EMAIL_TAKEN: &str = "An account with this email already exists. Sign in instead.";

/// Creates an account, its organization (the person becomes its Owner) and
/// signs in, then redirects to the new organization's dashboard.
///
/// Arguments are the form fields. Errors: `Validation` per field (`email`
/// malformed or already used, `display_name`, `organization_name`,
/// `password` shorter than 12, longer than 128 or too guessable);
/// `RateLimited` after too many attempts from one IP.
#[server(endpoint = "signup")]
pub async fn signup(
    email: String,
    display_name: String,
    password: String,
    organization_name: String,
) -> Result<(), AppError> {
    let state = ctx::app_state()?;
    state.limits.check_ip(ctx::request_ip(&state)?)?;

    let mut errors = FieldErrors::new();
    let email = errors.check("email", Email::parse(&email));
    let display_name = errors.check("display_name", DisplayName::parse(&display_name));
    let org_name = errors.check("organization_name", OrgName::parse(&organization_name));
    let personal = [
        email.as_ref().map_or("", |e| e.as_str()),
        display_name.as_ref().map_or("", |n| n.as_str()),
        org_name.as_ref().map_or("", |n| n.as_str()),
    ];
    let password = password::check_new(&mut errors, password, &personal);
    // Report a taken email with the other field errors, not in a
    // second round; the unique constraint still decides races.
    if let Some(email) = &email
        && users::find_by_email(&state.db, email).await?.is_some()
    {
        errors.add("email", EMAIL_TAKEN);
    }
    let (Some(email), Some(display_name), Some(org_name), Some(password), true) =
        (email, display_name, org_name, password, errors.is_empty())
    else {
        return Err(AppError::Validation(errors));
    };

    let password_hash = password::hash(&password).await?;
    let new_user = users::NewUser {
        email: &email,
        display_name: &display_name,
        password_hash: &password_hash,
        is_platform_admin: false,
    };
    let (user, org) = users::insert_with_organization(&state.db, new_user, &org_name, state.config.default_plan)
        .await
        .map_err(|err| match err {
            users::CreateUserError::EmailTaken => AppError::field("email", EMAIL_TAKEN),
            users::CreateUserError::Db(err) => AppError::from(err),
        })?;
    tracing::info!(user_id = %user.id, org_id = %org.id, "account created");
    crate::server::db::licensing::ensure_signing_key(&state.db, &state.licensing.kek, org.id).await?;
    let details = serde_json::json!({ "organization": org.name });
    ctx::audit_person(&state, AuditAction::UserSignedUp, Some(org.id), Some(user.id), &user.email, details).await?;

    let session = ctx::request_session().await?;
    session::sign_in(&session, user.id, &state.config).await?;
    let slug = crate::model::OrgSlug::parse(&org.slug).map_err(AppError::internal)?;
    session::remember_org(&session, &slug).await?;
    leptos_axum::redirect(&org_path(&org.slug));
    Ok(())
}

/// Signs in with email and password, then redirects to `next` when it is a
/// local path, else to the organization last opened (or the first).
///
/// Errors: `InvalidCredentials` for an unknown email and a wrong password
/// alike (equal timing through a dummy hash); `Validation` when the email
/// is malformed or the password empty; `RateLimited` after too many
/// requests from one network, or too many failures for this email from it
/// (see `server::auth::lockout`).
#[server(endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    let state = ctx::app_state()?;
    let ip = ctx::request_ip(&state)?;
    state.limits.check_ip(ip)?;

    let mut errors = FieldErrors::new();
    let email = errors.check("email", Email::parse(&email));
    if password.is_empty() {
        errors.add("password", "Enter your password.");
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let limits = FailureLimits::from_config(&state.config);
    lockout::check(&state.db, limits, &email, ip, Timestamp::now()).await?;

    // No account can have a longer password: skip the hashing work.
    let user = if password.chars().count() > Password::MAX_LEN {
        None
    } else {
        let user = users::find_by_email(&state.db, &email).await?;
        let stored_hash = user.as_ref().map(|u| u.password_hash.clone());
        match (password::verify(password, stored_hash).await?, user) {
            (true, Some(user)) => Some(user),
            _ => None,
        }
    };
    let user = match user {
        Some(user) => {
            lockout::record_success(&state.db, &email, ip).await?;
            user
        }
        None => {
            lockout::record_failure(&state.db, limits, &email, ip, Timestamp::now()).await?;
            tracing::info!("sign-in failed");
            let details = serde_json::json!({});
            ctx::audit_person(&state, AuditAction::UserSignInFailed, None, None, email.as_str(), details).await?;
            return Err(AppError::InvalidCredentials);
        }
    };

    let session = ctx::request_session().await?;
    session::sign_in(&session, user.id, &state.config).await?;
    tracing::info!(user_id = %user.id, "signed in");
    let details = serde_json::json!({});
    ctx::audit_person(&state, AuditAction::UserSignedIn, None, Some(user.id), &user.email, details).await?;

    let destination = match next.as_deref().and_then(safe_next) {
        Some(next) => next.to_owned(),
        None => home_path(&state, &session, &user).await?.unwrap_or_else(|| "/".to_owned()),
    };
    leptos_axum::redirect(&destination);
    Ok(())
}

/// Ends the session and redirects to the sign-in page.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let state = ctx::app_state()?;
    let session = ctx::request_session().await?;
    if let Some(user) = ctx::signed_in_user(&state, &session).await? {
        let details = serde_json::json!({});
        ctx::audit_person(&state, AuditAction::UserSignedOut, None, Some(user.id), &user.email, details).await?;
    }
    session::sign_out(&session).await?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in person, or `None`.
#[server(endpoint = "get_current_user")]
pub async fn get_current_user() -> Result<Option<SessionUser>, AppError> {
    let state = ctx::app_state()?;
    let session = ctx::request_session().await?;
    Ok(ctx::signed_in_user(&state, &session).await?.map(|user| user.to_session_user()))
}

/// Where `/` should take the visitor.
#[server(endpoint = "get_landing")]
pub async fn get_landing() -> Result<Landing, AppError> {
    let state = ctx::app_state()?;
    let session = ctx::request_session().await?;
    let Some(user) = ctx::signed_in_user(&state, &session).await? else {
        return Ok(Landing::SignedOut);
    };
    Ok(match home_path(&state, &session, &user).await? {
        Some(path) => Landing::Organization(path),
        None => Landing::NoOrganization(user.to_session_user()),
    })
}

/// The dashboard of the organization last opened in this session if the
/// user still belongs to it, else of their first organization by name.
#[cfg(feature = "ssr")]
async fn home_path(
    state: &crate::server::AppState,
    session: &tower_sessions::Session,
    user: &users::UserRow,
) -> Result<Option<String>, AppError> {
    let organizations = orgs::list_for_user(&state.db, user.id).await?;
    let last = session::last_org(session).await?;
    let chosen = last
        .and_then(|last| organizations.iter().find(|org| org.slug == last.as_str()))
        .or_else(|| organizations.first());
    Ok(chosen.map(|org| org_path(&org.slug)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next("/o/acme?tab=1"), Some("/o/acme?tab=1"));
        for bad in ["https://evil.example/", "//evil.example", "/\\evil.example", "evil", "", "/o/\u{7}x", "/a\\b"] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
