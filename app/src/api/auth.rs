//! Sign-up, sign-in, sign-out and who is signed in.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{error::AppError, model::SessionUser};

#[cfg(feature = "ssr")]
use crate::{
    error::FieldErrors,
    model::{AuditAction, DisplayName, Email, OrgName, OrgSummary, Password},
    server::{
        auth::{
            device,
            lockout::{self, FailureLimits},
            password, session,
        },
        ctx,
        db::Timestamp,
        db::{events::NewEvent, orgs, users},
        jobs::{self, Job},
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
        email_verified: false,
    };
    let origin = ctx::request_origin(&state)?;
    // Recorded in the sign-up's transaction, in the new organization's
    // log, as before (a target of the organization).
    let event = |user: &users::UserRow, org: &OrgSummary| {
        let details = serde_json::json!({ "organization": org.name });
        let target = ("organization", org.id.to_string());
        let email = Some(user.email.clone());
        NewEvent::audited(org.id, AuditAction::UserSignedUp, target, Some(user.id), email, origin.clone(), details)
    };
    let plan = state.config.default_plan;
    let (user, org) = users::insert_with_organization(&state.db, new_user, (&org_name, plan), event).await.map_err(
        |err| match err {
            users::CreateUserError::EmailTaken => AppError::field("email", EMAIL_TAKEN),
            users::CreateUserError::Db(err) => AppError::from(err),
        },
    )?;
    tracing::info!(user_id = %user.id, org_id = %org.id, "account created");
    crate::server::db::licensing::ensure_signing_key(&state.db, &state.licensing.kek, org.id).await?;

    crate::api::account::send_sign_up_verification(&state, &user).await?;

    let session = ctx::request_session().await?;
    ctx::sign_in(&state, &session, &user).await?;
    users::remember_org(&state.db, &user, org.id).await?;
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
    // Read before the attempt is counted: a browser that signed in to this
    // account before is not refused by the account-wide ceiling.
    let account = users::find_by_email(&state.db, &email).await?;
    let trusted = account.as_ref().is_some_and(|user| device::trusted(&state, user.id));
    let attempt = lockout::begin(&state.db, limits, &email, ip, trusted, Timestamp::now()).await?;

    // No account can have a longer password: skip the hashing work.
    let user = if password.chars().count() > Password::MAX_LEN {
        None
    } else {
        let stored_hash = account.as_ref().map(|u| u.password_hash.clone());
        match (password::verify(password, stored_hash).await?, account) {
            (true, Some(user)) => Some(user),
            _ => None,
        }
    };
    let Some(user) = user else {
        sign_in_failed(&state, limits, &email, ip, attempt, true).await?;
        return Err(AppError::InvalidCredentials);
    };

    let session = ctx::request_session().await?;
    let next = next.filter(|next| safe_next(next).is_some());
    if user.totp_enabled_at.is_some() {
        // The password was right; the session is not signed in until the
        // second factor is given too (ASVS 5.0 V6.3.3, V6.5).
        // The failure count is cleared only once the code is right too.
        attempt.released(&state.db).await?;
        session::begin_second_factor(&session, &state.db, user.id, &user.password_hash, next).await?;
        leptos_axum::redirect("/login/two-factor");
        return Ok(());
    }
    attempt.succeeded(&state.db).await?;
    finish_sign_in(&state, &session, &user, next, serde_json::json!({})).await
}

/// Records a wrong password or code for `email` from `ip` (its attempt
/// stays counted), and tells the owner by mail when this network has just
/// reached the limit where it is slowed, or every network together the
/// account's ceiling.
#[cfg(feature = "ssr")]
async fn sign_in_failed(
    state: &crate::server::AppState,
    limits: FailureLimits,
    email: &Email,
    ip: Option<std::net::IpAddr>,
    attempt: lockout::Attempt,
    audit_failure: bool,
) -> Result<(), AppError> {
    let (failures, account_failures) = attempt.failed();
    crate::server::metrics::sign_in_failed();
    if audit_failure {
        tracing::info!("sign-in failed");
        let details = serde_json::json!({});
        ctx::audit_person(state, AuditAction::UserSignInFailed, None, None, email.as_str(), details).await?;
    }
    let address = if failures == limits.per_address {
        Some(ip.map_or_else(|| "an unknown address".to_owned(), |ip| ip.to_string()))
    } else if account_failures == limits.per_email {
        Some(crate::server::notices::MANY_NETWORKS.to_owned())
    } else {
        None
    };
    if let Some(address) = address {
        let failures = failures.max(account_failures);
        let details = serde_json::json!({ "failures": failures });
        ctx::audit_person(state, AuditAction::UserSignInThrottled, None, None, email.as_str(), details).await?;
        // A job, like a password reset: the time taken must not tell
        // whether the account exists.
        let warning = Job::SignInWarning { email: email.as_str().to_owned(), failures, address };
        jobs::enqueue(state, &warning).await?;
    }
    Ok(())
}

/// Signs `user` in on `session`, records it, and goes to `next` (a local
/// path) or the organization last opened.
#[cfg(feature = "ssr")]
async fn finish_sign_in(
    state: &crate::server::AppState,
    session: &tower_sessions::Session,
    user: &users::UserRow,
    next: Option<String>,
    details: serde_json::Value,
) -> Result<(), AppError> {
    ctx::sign_in(state, session, user).await?;
    // Past every factor: this browser is the owner's from now on.
    device::remember(state, user.id);
    crate::server::metrics::sign_in_succeeded();
    tracing::info!(user_id = %user.id, "signed in");
    ctx::audit_person(state, AuditAction::UserSignedIn, None, Some(user.id), &user.email, details).await?;
    let destination = match next.as_deref().and_then(safe_next) {
        Some(next) => next.to_owned(),
        None => home_path(state, user).await?.unwrap_or_else(|| "/".to_owned()),
    };
    leptos_axum::redirect(&destination);
    Ok(())
}

/// The second step of signing in with two-factor on: a 6-digit code from
/// the authenticator app, or one of the recovery codes (used up). Only
/// after a right password in this session, within 5 minutes, and at most
/// [`session::PENDING_ATTEMPTS`] codes tried, and while the password given
/// is still the account's (a reset meanwhile ends it); then the password
/// is asked again. The codes tried are counted in the database per pending
/// sign-in, before each is checked, so parallel requests on one session
/// get no more tries than sequential ones. A wrong code also counts as a
/// failed sign-in for the account from this network and from all networks
/// (`auth::lockout`), so neither starting over with the password nor
/// spreading guesses over many networks gives more guesses (ASVS 5.0
/// V6.3.1).
///
/// Errors: `Validation` on `code`; `Conflict` when no sign-in is waiting
/// for a code (expired, or its codes used up); `RateLimited`.
#[server(endpoint = "login_code")]
pub async fn login_code(code: String) -> Result<(), AppError> {
    use crate::server::{auth::two_factor, db::account};
    let state = ctx::app_state()?;
    let ip = ctx::request_ip(&state)?;
    state.limits.check_ip(ip)?;
    let session = ctx::request_session().await?;
    let expired = || AppError::Conflict("Your sign-in has expired. Enter your email and password again.".into());
    let used_up = || AppError::Conflict("Too many wrong codes. Enter your email and password again.".into());
    let pending = session::pending_second_factor(&session).await?.ok_or_else(expired)?;
    let attempt_id = pending.attempt_id.ok_or_else(expired)?;
    let user = users::find_by_id(&state.db, pending.user_id)
        .await?
        .filter(|user| session::password_digest(&user.password_hash) == pending.password_digest)
        .ok_or_else(expired)?;
    let email = Email::parse(&user.email).map_err(AppError::internal)?;
    let allowed = i64::from(session::PENDING_ATTEMPTS);
    let tried = lockout::count_code_attempt(&state.db, attempt_id, Timestamp::now()).await?;
    if tried > allowed {
        session::end_second_factor(&session).await?;
        return Err(used_up());
    }
    let limits = FailureLimits::from_config(&state.config);
    let trusted = device::trusted(&state, user.id);
    let attempt = lockout::begin(&state.db, limits, &email, ip, trusted, Timestamp::now()).await?;
    let totp = account::totp(&state.db, user.id).await?.ok_or_else(expired)?;
    let Some(sealed) = totp.totp_secret.filter(|_| totp.totp_enabled_at.is_some()) else {
        attempt.released(&state.db).await?;
        return Err(expired());
    };
    let secret = two_factor::open(&state.licensing.kek, user.id, &sealed)?;
    let now = Timestamp::now();
    let used = match two_factor::matching_step(&secret, &code, crate::api::account::unix_now()) {
        Some(step) => account::accept_totp_step(&state.db, user.id, step).await?.then_some("totp"),
        None => {
            let hash = two_factor::recovery_code_hash(&code);
            account::use_recovery_code(&state.db, user.id, &hash, now).await?.then_some("recovery_code")
        }
    };
    let Some(method) = used else {
        sign_in_failed(&state, limits, &email, ip, attempt, false).await?;
        let left = allowed - tried;
        let details = serde_json::json!({ "attempts_left": left });
        ctx::audit_person(&state, AuditAction::UserTwoFactorFailed, None, Some(user.id), &user.email, details).await?;
        if left == 0 {
            session::end_second_factor(&session).await?;
            return Err(used_up());
        }
        return Err(AppError::field("code", format!("That code is not right. {left} attempts left.")));
    };
    attempt.succeeded(&state.db).await?;
    lockout::forget_code_attempts(&state.db, attempt_id).await?;
    if method == "recovery_code" {
        let left = account::recovery_codes_left(&state.db, user.id).await?;
        let details = serde_json::json!({ "codes_left": left });
        ctx::audit_person(&state, AuditAction::UserRecoveryCodeUsed, None, Some(user.id), &user.email, details).await?;
    }
    finish_sign_in(&state, &session, &user, pending.next, serde_json::json!({ "second_factor": method })).await
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
    session::sign_out(&session, &state.db).await?;
    crate::server::theme::remember(&state, crate::model::Theme::System);
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
    Ok(match home_path(&state, &user).await? {
        Some(path) => Landing::Organization(path),
        None => Landing::NoOrganization(user.to_session_user()),
    })
}

/// The dashboard of the organization the user opened last (on any
/// browser, kept with the account) if they still belong to it, else of
/// their first organization by name.
#[cfg(feature = "ssr")]
async fn home_path(state: &crate::server::AppState, user: &users::UserRow) -> Result<Option<String>, AppError> {
    let organizations = orgs::list_for_user(&state.db, user.id).await?;
    let last = users::last_org(&state.db, user.id).await?;
    let chosen =
        last.and_then(|last| organizations.iter().find(|org| org.id == last)).or_else(|| organizations.first());
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
