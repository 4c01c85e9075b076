//! The person's own account: profile, email change and verification,
//! password change and reset, sessions (devices), two-factor, and the
//! strength meter's estimate.
//!
//! Rules come from OWASP ASVS 5.0 (V6 authentication, V7 session
//! management); each function names the item it follows.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    api::args::parse_id,
    error::FieldErrors,
    model::{AuditAction, DeviceSession, DisplayName, Email, SessionId, TwoFactorEnrolment},
    server::{
        AppState,
        auth::{password, session, two_factor, user_agent},
        ctx,
        db::{
            Timestamp,
            account::{self, TokenPurpose},
            users,
        },
        jobs::{self, Job},
    },
};
use crate::{
    error::AppError,
    model::{AccountOverview, PasswordStrength, Theme},
};

#[cfg(feature = "ssr")]
use crate::server::notices::RESEND_INTERVAL_SECS;

#[cfg(feature = "ssr")]
const WRONG_PASSWORD: &str = "That is not your current password.";

/// Keeps the signed-in person's colour scheme with their account, and in
/// the cookie the page shell reads (see `server::theme`). `theme` is
/// `system`, `light` or `dark`; answers the theme kept.
///
/// Errors: `Unauthenticated`; a field error on `theme`.
#[server(endpoint = "set_theme")]
pub async fn set_theme(theme: String) -> Result<Theme, AppError> {
    let state = ctx::app_state()?;
    let session = ctx::request_session().await?;
    let (_, user) = ctx::signed_in(&state, &session).await?.ok_or(AppError::Unauthenticated)?;
    let theme: Theme = theme.parse().map_err(|_| AppError::field("theme", "Choose light, dark or system."))?;
    users::set_theme(&state.db, user.id, theme).await?;
    crate::server::theme::remember(&state, theme);
    Ok(theme)
}

/// The signed-in person's account: who they are, their sessions (current
/// first in its place by last activity, marked), and two-factor state.
///
/// Errors: `Unauthenticated`.
#[server(endpoint = "get_account")]
pub async fn get_account() -> Result<AccountOverview, AppError> {
    let state = ctx::app_state()?;
    let session = ctx::request_session().await?;
    let (signed_in, user) = ctx::signed_in(&state, &session).await?.ok_or(AppError::Unauthenticated)?;
    let sessions = account::sessions(&state.db, user.id)
        .await?
        .into_iter()
        .map(|row| {
            let (browser, os) = user_agent::describe(row.user_agent.as_deref());
            DeviceSession {
                id: row.id,
                browser,
                os,
                ip: row.ip,
                created_at: row.created_at.into(),
                last_active_at: row.last_active_at.into(),
                current: row.id == signed_in.session_id,
            }
        })
        .collect();
    let two_factor_on = user.totp_enabled_at.is_some();
    let recovery_codes_left = if two_factor_on { account::recovery_codes_left(&state.db, user.id).await? } else { 0 };
    let pending_two_factor = match account::totp(&state.db, user.id).await? {
        Some(account::TotpRow { totp_secret: Some(sealed), totp_enabled_at: None }) => {
            let secret = two_factor::open(&state.licensing.kek, user.id, &sealed)?;
            let enrolment = two_factor::enrolment(&secret, &user.email)?;
            Some(TwoFactorEnrolment { secret: enrolment.secret, url: enrolment.url, qr_image: enrolment.qr_image })
        }
        _ => None,
    };
    Ok(AccountOverview {
        user: user.to_session_user(),
        sessions,
        two_factor: two_factor_on,
        recovery_codes_left,
        pending_two_factor,
        recently_authenticated: session::recently_authenticated(&session).await?,
    })
}

/// Changes the display name. Errors: `Validation` on `display_name`.
#[server(endpoint = "update_profile")]
pub async fn update_profile(display_name: String) -> Result<(), AppError> {
    let (state, _session, user) = ctx::require_user().await?;
    let name = DisplayName::parse(&display_name).map_err(|err| AppError::field("display_name", err.to_string()))?;
    users::set_display_name(&state.db, user.id, &name).await?;
    let details = serde_json::json!({ "display_name": name.as_str() });
    ctx::audit_person(&state, AuditAction::UserProfileUpdated, None, Some(user.id), &user.email, details).await
}

/// Checks `password` against `user`'s; a wrong one goes to `errors` under
/// `field` (re-authentication before changing the email address, the
/// password or two-factor: ASVS 5.0 V7.5.1, and V6.2.3 for the password).
/// A wrong password counts as a failed sign-in for the account from this
/// network (`auth::lockout`), so a stolen session cannot guess the
/// password any faster than the sign-in form allows.
///
/// Errors: `RateLimited` when this network must wait.
#[cfg(feature = "ssr")]
async fn check_current_password(
    errors: &mut FieldErrors,
    state: &AppState,
    user: &users::UserRow,
    password: String,
    field: &str,
) -> Result<(), AppError> {
    use crate::server::auth::{
        device,
        lockout::{self, FailureLimits},
    };
    if password.is_empty() {
        errors.add(field, "Enter your current password.");
        return Ok(());
    }
    let ip = ctx::request_ip(state)?;
    state.limits.check_ip(ip)?;
    let email = Email::parse(&user.email).map_err(AppError::internal)?;
    let limits = FailureLimits::from_config(&state.config);
    let trusted = device::trusted(state, user.id);
    let attempt = lockout::begin(&state.db, limits, &email, ip, trusted, Timestamp::now()).await?;
    if password.chars().count() > crate::model::Password::MAX_LEN
        || !password::verify(password, Some(user.password_hash.clone())).await?
    {
        let _counted = attempt.failed();
        errors.add(field, WRONG_PASSWORD);
    } else {
        // Right: given back, but no count is cleared (that takes a sign-in).
        attempt.released(&state.db).await?;
    }
    Ok(())
}

/// `Ok` when `password` is `user`'s, else a `Validation` error on
/// `password`.
#[cfg(feature = "ssr")]
async fn require_password(state: &AppState, user: &users::UserRow, password: String) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    check_current_password(&mut errors, state, user, password, "password").await?;
    errors.into_result()
}

/// Queues the link that verifies `email` for `user`: the job makes the
/// token, so it is never stored in the clear (not even in a job's input).
#[cfg(feature = "ssr")]
async fn send_verification(state: &AppState, user: &users::UserRow, email: &str) -> Result<(), AppError> {
    jobs::enqueue(state, &Job::VerifyEmail { user: user.id, email: email.to_owned() }).await
}

/// Sends the verification link for the signed-in person's address after
/// sign-up (called there, not from a form).
#[cfg(feature = "ssr")]
pub(crate) async fn send_sign_up_verification(state: &AppState, user: &users::UserRow) -> Result<(), AppError> {
    send_verification(state, user, &user.email).await
}

/// Sends the verification link again to the signed-in person's address.
/// Limited to one per [`RESEND_INTERVAL_SECS`] per person and by the
/// per-network limit of account mail (ASVS 5.0 V2.4.1 anti-automation).
///
/// Errors: `Unauthenticated`; `Conflict` when the address is verified
/// already; `RateLimited`.
#[server(endpoint = "resend_verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    let (state, _session, user) = ctx::require_user().await?;
    if user.email_verified_at.is_some() {
        return Err(AppError::Conflict("Your email address is verified already.".into()));
    }
    state.limits.check_mail(ctx::request_ip(&state)?)?;
    let purpose = TokenPurpose::VerifyEmail;
    if let Some(wait) =
        account::wait_before_another(&state.db, user.id, purpose, RESEND_INTERVAL_SECS, Timestamp::now()).await?
    {
        return Err(AppError::RateLimited { retry_after_secs: u64::try_from(wait).unwrap_or(1) });
    }
    send_verification(&state, &user, &user.email).await
}

/// Starts an email change: asks for the password, then mails a link to
/// the new address; the address changes when the link is followed, and
/// the old address is told (ASVS 5.0 V7.5.1 re-authentication, V6.3.7
/// notification). Returns the new address.
///
/// Errors: `Validation` on `email` (malformed, the same, or taken) and
/// `password` (empty or wrong); `RateLimited`.
#[server(endpoint = "change_email")]
pub async fn change_email(email: String, password: String) -> Result<String, AppError> {
    let (state, _session, user) = ctx::require_user().await?;
    state.limits.check_mail(ctx::request_ip(&state)?)?;
    let mut errors = FieldErrors::new();
    let email = errors.check("email", Email::parse(&email));
    if let Some(new) = &email {
        if new.as_str() == user.email {
            errors.add("email", "This is your address already.");
        } else if users::find_by_email(&state.db, new).await?.is_some() {
            errors.add("email", "Another account uses this address.");
        }
    }
    check_current_password(&mut errors, &state, &user, password, "password").await?;
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    send_verification(&state, &user, email.as_str()).await?;
    let notice = format!(
        "Hello {name},\n\nSomeone signed in to your Atrium account asked to change its email address to {new}. \
         It changes when the link sent there is opened.\n\nIf this was not you, change your password now.\n",
        name = user.display_name,
        new = email.as_str()
    );
    jobs::mail(&state, &user.email, "Your email address is about to change", notice).await?;
    let details = serde_json::json!({ "new_email": email.as_str() });
    ctx::audit_person(&state, AuditAction::UserEmailChangeRequested, None, Some(user.id), &user.email, details).await?;
    Ok(email.as_str().to_owned())
}

/// What a verification link leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkState {
    /// The link works; for an email link, the address it confirms.
    Valid { email: String },
    /// Unknown, used or expired.
    Invalid,
}

/// Whether `token` is a working link for `purpose` (`verify_email`,
/// `reset_password` or `end_sessions`), without using it.
#[server(endpoint = "check_link")]
pub async fn check_link(purpose: String, token: String) -> Result<LinkState, AppError> {
    let state = ctx::app_state()?;
    let purpose = link_purpose(&purpose)?;
    Ok(match account::peek_token(&state.db, &token, purpose, Timestamp::now()).await? {
        Some((_, email)) => LinkState::Valid { email },
        None => LinkState::Invalid,
    })
}

#[cfg(feature = "ssr")]
fn link_purpose(purpose: &str) -> Result<TokenPurpose, AppError> {
    match purpose {
        "verify_email" => Ok(TokenPurpose::VerifyEmail),
        "reset_password" => Ok(TokenPurpose::ResetPassword),
        "end_sessions" => Ok(TokenPurpose::EndSessions),
        _ => Err(AppError::NotFound),
    }
}

#[cfg(feature = "ssr")]
const LINK_USED: &str = "This link has expired or was used already. Ask for a new one.";

/// Verifies an email address with the link's `token` (after sign-up, or
/// the new address of an email change, which then becomes the account's).
/// Redirects to `/account?verified=1`.
///
/// Errors: `Conflict` when the link is unknown, used or expired, or the
/// address was taken by another account meanwhile.
#[server(endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    let state = ctx::app_state()?;
    state.limits.check_ip(ctx::request_ip(&state)?)?;
    let now = Timestamp::now();
    let (user_id, email) = account::use_token(&state.db, &token, TokenPurpose::VerifyEmail, now)
        .await?
        .ok_or_else(|| AppError::Conflict(LINK_USED.into()))?;
    let user = users::find_by_id(&state.db, user_id).await?.ok_or_else(|| AppError::Conflict(LINK_USED.into()))?;
    users::verify_email(&state.db, user_id, &email, now).await.map_err(|err| match err {
        users::CreateUserError::EmailTaken => AppError::Conflict("Another account uses this address now.".into()),
        users::CreateUserError::Db(err) => AppError::from(err),
    })?;
    // A reset link mailed to the old address must not outlive it.
    account::forget_unused_tokens(&state.db, user_id, TokenPurpose::ResetPassword).await?;
    let details = serde_json::json!({ "email": email, "previous_email": user.email });
    ctx::audit_person(&state, AuditAction::UserEmailVerified, None, Some(user_id), &email, details).await?;
    leptos_axum::redirect("/account?verified=1");
    Ok(())
}

/// Changes the password: the current one is needed (ASVS V6.2.3), the new
/// one follows the password rules, and, unless `sign_out_others` is left
/// unchecked, every other session ends (V7.4.3). The person is told by
/// mail.
///
/// Errors: `Validation` on `current_password` and `password`.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    password: String,
    #[server(default)] sign_out_others: Option<String>,
) -> Result<u64, AppError> {
    let state = ctx::app_state()?;
    let session = ctx::request_session().await?;
    let (signed_in, user) = ctx::signed_in(&state, &session).await?.ok_or(AppError::Unauthenticated)?;
    let mut errors = FieldErrors::new();
    check_current_password(&mut errors, &state, &user, current_password, "current_password").await?;
    let personal = [user.email.as_str(), user.display_name.as_str()];
    let new = password::check_new(&mut errors, password, &personal);
    let Some(new) = new.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let hash = password::hash(&new).await?;
    users::set_password_hash(&state.db, user.id, &hash).await?;
    account::forget_unused_tokens(&state.db, user.id, TokenPurpose::ResetPassword).await?;
    let ended = if sign_out_others.is_some() {
        account::delete_sessions(&state.db, user.id, Some(signed_in.session_id)).await?
    } else {
        0
    };
    let body = format!(
        "Hello {},\n\nThe password of your Atrium account was just changed. If this was not you, reset it now at \
         {}/forgot-password.\n",
        user.display_name,
        state.public_origin.as_str()
    );
    jobs::mail(&state, &user.email, "Your password was changed", body).await?;
    let details = serde_json::json!({ "other_sessions_ended": ended });
    ctx::audit_person(&state, AuditAction::UserPasswordChanged, None, Some(user.id), &user.email, details).await?;
    Ok(ended)
}

/// Asks for a password reset link. The answer is the same whether or not
/// an account has this address, and takes the same time: the request only
/// queues a job, which looks the address up and mails the link (OWASP
/// Forgot Password Cheat Sheet; ASVS 5.0 V6.3.8, no account enumeration).
///
/// Goes to `/forgot-password?sent=1`, which says so.
///
/// Errors: `Validation` on a malformed `email`; `RateLimited` per network.
#[server(endpoint = "forgot_password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    let state = ctx::app_state()?;
    state.limits.check_mail(ctx::request_ip(&state)?)?;
    let email = Email::parse(&email).map_err(|err| AppError::field("email", err.to_string()))?;
    ctx::audit_person(
        &state,
        AuditAction::UserPasswordResetRequested,
        None,
        None,
        email.as_str(),
        serde_json::json!({}),
    )
    .await?;
    jobs::enqueue(&state, &Job::PasswordReset { email: email.as_str().to_owned() }).await?;
    leptos_axum::redirect("/forgot-password?sent=1");
    Ok(())
}

/// Sets a new password with a reset link's `token`: single use, one hour
/// (OWASP Forgot Password Cheat Sheet; a reset that does not bypass
/// two-factor, ASVS 5.0 V6.4.3). Every session of the account ends (V7.4.3), the address
/// counts as verified (the link reached it), and the page goes to
/// `/login?reset=1`; two-factor, if on, is still asked at sign-in.
///
/// Errors: `Conflict` when the link is unknown, used or expired;
/// `Validation` on `password`.
#[server(endpoint = "reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    let state = ctx::app_state()?;
    state.limits.check_ip(ctx::request_ip(&state)?)?;
    let now = Timestamp::now();
    let (user_id, _) = account::peek_token(&state.db, &token, TokenPurpose::ResetPassword, now)
        .await?
        .ok_or_else(|| AppError::Conflict(LINK_USED.into()))?;
    let user = users::find_by_id(&state.db, user_id).await?.ok_or_else(|| AppError::Conflict(LINK_USED.into()))?;
    let mut errors = FieldErrors::new();
    let personal = [user.email.as_str(), user.display_name.as_str()];
    let new = password::check_new(&mut errors, password, &personal).ok_or(AppError::Validation(errors))?;
    // Used only now, so a rejected password leaves the link working.
    let (_, email) = account::use_token(&state.db, &token, TokenPurpose::ResetPassword, now)
        .await?
        .ok_or_else(|| AppError::Conflict(LINK_USED.into()))?;
    let hash = password::hash(&new).await?;
    users::set_password_hash(&state.db, user.id, &hash).await?;
    let ended = account::delete_sessions(&state.db, user.id, None).await?;
    if user.email_verified_at.is_none() && email == user.email {
        // Only the address itself could have received the link.
        users::verify_email(&state.db, user.id, &email, now).await.map_err(|err| match err {
            users::CreateUserError::Db(err) => AppError::from(err),
            users::CreateUserError::EmailTaken => AppError::internal("the account's own address is taken"),
        })?;
    }
    let details = serde_json::json!({ "sessions_ended": ended });
    ctx::audit_person(&state, AuditAction::UserPasswordReset, None, Some(user.id), &user.email, details).await?;
    leptos_axum::redirect("/login?reset=1");
    Ok(())
}

/// Ends every session of the account with the link from the mail sent
/// after repeated failed sign-ins (single use, a week). Redirects to
/// `/login?ended=1`.
///
/// Errors: `Conflict` when the link is unknown, used or expired.
#[server(endpoint = "end_all_sessions")]
pub async fn end_all_sessions(token: String) -> Result<(), AppError> {
    let state = ctx::app_state()?;
    state.limits.check_ip(ctx::request_ip(&state)?)?;
    let (user_id, email) = account::use_token(&state.db, &token, TokenPurpose::EndSessions, Timestamp::now())
        .await?
        .ok_or_else(|| AppError::Conflict(LINK_USED.into()))?;
    let ended = account::delete_sessions(&state.db, user_id, None).await?;
    let details = serde_json::json!({ "sessions_ended": ended, "via": "mail" });
    ctx::audit_person(&state, AuditAction::UserSessionsEnded, None, Some(user_id), &email, details).await?;
    leptos_axum::redirect("/login?ended=1");
    Ok(())
}

/// Confirms the password, so that for the next 10 minutes sessions can be
/// ended without it (ASVS 5.0 V7.5.2: authenticate again before ending
/// sessions; a fresh sign-in counts too).
///
/// Errors: `Validation` on `password`; `RateLimited`.
#[server(endpoint = "confirm_password")]
pub async fn confirm_password(password: String) -> Result<(), AppError> {
    let (state, browser, user) = ctx::require_user().await?;
    state.limits.check_ip(ctx::request_ip(&state)?)?;
    require_password(&state, &user, password).await?;
    session::password_confirmed(&browser).await
}

/// `Conflict` unless the person signed in or confirmed their password in
/// the last 10 minutes (see [`confirm_password`]).
#[cfg(feature = "ssr")]
async fn require_recent_authentication(browser: &tower_sessions::Session) -> Result<(), AppError> {
    if session::recently_authenticated(browser).await? {
        Ok(())
    } else {
        Err(AppError::Conflict("Confirm your password to sign sessions out.".into()))
    }
}

/// Signs out one of the person's sessions (`session`, an id from
/// [`get_account`]), at once and wherever it is (ASVS 5.0 V7.5.2), after a
/// recent authentication. Revoking the current session signs this browser
/// out.
///
/// Errors: `NotFound` for an id that is not one of the person's sessions;
/// `Conflict` without a recent authentication.
#[server(endpoint = "revoke_session")]
pub async fn revoke_session(session: String) -> Result<(), AppError> {
    let state = ctx::app_state()?;
    let browser = ctx::request_session().await?;
    let (signed_in, user) = ctx::signed_in(&state, &browser).await?.ok_or(AppError::Unauthenticated)?;
    let id: SessionId = parse_id(&session)?;
    require_recent_authentication(&browser).await?;
    if !account::delete_session(&state.db, user.id, id).await? {
        return Err(AppError::NotFound);
    }
    let details = serde_json::json!({ "session": id.to_string() });
    ctx::audit_person(&state, AuditAction::UserSessionRevoked, None, Some(user.id), &user.email, details).await?;
    if id == signed_in.session_id {
        session::sign_out(&browser, &state.db).await?;
        leptos_axum::redirect("/login");
    }
    Ok(())
}

/// Signs out every session of the person but this one, after a recent
/// authentication. Returns how many.
///
/// Errors: `Conflict` without a recent authentication.
#[server(endpoint = "revoke_other_sessions")]
pub async fn revoke_other_sessions() -> Result<u64, AppError> {
    let state = ctx::app_state()?;
    let browser = ctx::request_session().await?;
    let (signed_in, user) = ctx::signed_in(&state, &browser).await?.ok_or(AppError::Unauthenticated)?;
    require_recent_authentication(&browser).await?;
    let ended = account::delete_sessions(&state.db, user.id, Some(signed_in.session_id)).await?;
    let details = serde_json::json!({ "sessions_ended": ended, "via": "account" });
    ctx::audit_person(&state, AuditAction::UserSessionsEnded, None, Some(user.id), &user.email, details).await?;
    Ok(ended)
}

/// The strength meter's estimate of `password` for a person with the
/// given details (each may be empty): the same judgement the server makes
/// when the form is sent (`auth::password::strength`). Posted, never in a
/// URL; limited per network like the other account requests.
#[server(endpoint = "estimate_password")]
pub async fn estimate_password(
    password: String,
    email: String,
    display_name: String,
    organization_name: String,
) -> Result<PasswordStrength, AppError> {
    let state = ctx::app_state()?;
    state.limits.check_meter(ctx::request_ip(&state)?)?;
    if password.chars().count() > crate::model::Password::MAX_LEN {
        return Ok(PasswordStrength { score: 0, problem: Some("Use at most 128 characters.".into()) });
    }
    // A signed-in person (changing their password) is judged against their
    // own details too.
    let session = ctx::request_session().await?;
    let user = ctx::signed_in_user(&state, &session).await?;
    let (own_email, own_name) = user.map(|u| (u.email, u.display_name)).unwrap_or_default();
    let details = [email.as_str(), display_name.as_str(), organization_name.as_str(), &own_email, &own_name];
    Ok(password::strength(&password, &details))
}

/// Starts enrolling in two-factor: a new secret, kept sealed until a code
/// confirms it; [`get_account`] then shows its QR code. Starting again
/// replaces it.
///
/// Errors: `Conflict` when two-factor is on already.
#[server(endpoint = "start_two_factor")]
pub async fn start_two_factor() -> Result<(), AppError> {
    let (state, _session, user) = ctx::require_user().await?;
    let secret = two_factor::new_secret();
    let sealed = two_factor::seal(&state.licensing.kek, user.id, &secret);
    if !account::start_totp(&state.db, user.id, &sealed).await? {
        return Err(AppError::Conflict("Two-factor authentication is on already.".into()));
    }
    Ok(())
}

/// Turns two-factor on with a `code` from the app (proof it was set up)
/// and the `password` (ASVS 5.0 V7.5.1: a stolen session must not enrol
/// its own authenticator), and returns the ten recovery codes, shown once.
/// The person is told by mail.
///
/// Errors: `Validation` on `code` when it is not the current one, and on
/// `password`; `Conflict` when enrolment was not started or two-factor is
/// on already.
#[server(endpoint = "confirm_two_factor")]
pub async fn confirm_two_factor(code: String, password: String) -> Result<Vec<String>, AppError> {
    let (state, _session, user) = ctx::require_user().await?;
    require_password(&state, &user, password).await?;
    let totp = account::totp(&state.db, user.id).await?.ok_or(AppError::Unauthenticated)?;
    let (Some(sealed), None) = (totp.totp_secret, totp.totp_enabled_at) else {
        return Err(AppError::Conflict("Start setting up two-factor authentication first.".into()));
    };
    let secret = two_factor::open(&state.licensing.kek, user.id, &sealed)?;
    let step = two_factor::matching_step(&secret, &code, unix_now())
        .ok_or_else(|| AppError::field("code", "That code is not right. Enter the 6 digits the app shows now."))?;
    if !account::accept_totp_step(&state.db, user.id, step).await? {
        return Err(AppError::field("code", "That code was used already. Wait for the next one."));
    }
    let (codes, hashes) = two_factor::new_recovery_codes();
    if !account::enable_totp(&state.db, user.id, &hashes, Timestamp::now()).await? {
        return Err(AppError::Conflict("Two-factor authentication is on already.".into()));
    }
    ctx::audit_person(
        &state,
        AuditAction::UserTwoFactorEnabled,
        None,
        Some(user.id),
        &user.email,
        serde_json::json!({}),
    )
    .await?;
    notify(&state, &user, "Two-factor authentication is on", "two-factor authentication was turned on").await?;
    Ok(codes)
}

/// Tells the person by mail that `what` happened to their account, and
/// what to do if it was not them (ASVS 5.0 V6.3.7).
#[cfg(feature = "ssr")]
async fn notify(state: &AppState, user: &users::UserRow, subject: &str, what: &str) -> Result<(), AppError> {
    let body = format!(
        "Hello {name},\n\nOn your Atrium account, {what}. If this was not you, reset your password at \
         {origin}/forgot-password and sign out every session from your account page.\n",
        name = user.display_name,
        origin = state.public_origin.as_str()
    );
    jobs::mail(state, &user.email, subject, body).await
}

/// Turns two-factor off; needs the password (ASVS 5.0 V7.5.1
/// re-authentication before changing the MFA configuration).
///
/// Errors: `Validation` on `password`.
#[server(endpoint = "disable_two_factor")]
pub async fn disable_two_factor(password: String) -> Result<(), AppError> {
    let (state, _session, user) = ctx::require_user().await?;
    require_password(&state, &user, password).await?;
    account::disable_totp(&state.db, user.id).await?;
    ctx::audit_person(
        &state,
        AuditAction::UserTwoFactorDisabled,
        None,
        Some(user.id),
        &user.email,
        serde_json::json!({}),
    )
    .await?;
    notify(&state, &user, "Two-factor authentication is off", "two-factor authentication was turned off").await
}

/// Replaces the recovery codes with ten new ones (the old stop working);
/// needs the password.
///
/// Errors: `Validation` on `password`; `Conflict` when two-factor is off.
#[server(endpoint = "renew_recovery_codes")]
pub async fn renew_recovery_codes(password: String) -> Result<Vec<String>, AppError> {
    let (state, _session, user) = ctx::require_user().await?;
    if user.totp_enabled_at.is_none() {
        return Err(AppError::Conflict("Two-factor authentication is off.".into()));
    }
    require_password(&state, &user, password).await?;
    let (codes, hashes) = two_factor::new_recovery_codes();
    account::replace_recovery_codes(&state.db, user.id, &hashes).await?;
    let details = serde_json::json!({});
    ctx::audit_person(&state, AuditAction::UserRecoveryCodesRenewed, None, Some(user.id), &user.email, details).await?;
    notify(&state, &user, "New recovery codes", "new recovery codes were made (the old ones no longer work)").await?;
    Ok(codes)
}

#[cfg(feature = "ssr")]
pub(crate) fn unix_now() -> u64 {
    u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0)
}
