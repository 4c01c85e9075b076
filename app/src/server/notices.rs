//! The mail Atrium sends people: composed and sent here, for the server
//! functions that send it at once (invitations) and the jobs that send it
//! later (verification links, password resets, sign-in warnings), so the
//! job queue never calls up into the server functions.
//!
//! Every message is plain text, in the organization's or person's words
//! as stored; links are built on the configured public origin.

use crate::{
    error::AppError,
    model::{Email, Role, UserId, invitation::INVITATION_DAYS},
    server::{
        AppState,
        db::{
            Timestamp,
            account::{self, TokenPurpose},
            users,
        },
    },
};

/// The shortest time between two links of one kind to one account, in
/// seconds: asking again and again must neither flood the inbox nor keep
/// replacing the link being read.
pub const RESEND_INTERVAL_SECS: i64 = 60;

/// The "address" of the owner's warning when every network together has
/// reached the account's ceiling of failed sign-ins.
pub const MANY_NETWORKS: &str = "many addresses";

/// Mails `user` the link that verifies `email` (a fresh token; older links
/// stop working). Nothing when the account is gone. The `verify_email`
/// job.
#[tracing::instrument(name = "notices::mail_verification", level = "debug", skip_all, fields(user = %user))]
pub async fn mail_verification(state: &AppState, user: UserId, email: &str) -> Result<(), AppError> {
    let Some(user) = users::find_by_id(&state.db, user).await? else {
        return Ok(());
    };
    let token = account::issue_token(&state.db, user.id, TokenPurpose::VerifyEmail, email, Timestamp::now()).await?;
    let link = format!("{}/verify-email?token={token}", state.public_origin.as_str());
    let body = format!(
        "Hello {name},\n\nConfirm that {email} is your address for Atrium by opening this link:\n\n{link}\n\n\
         The link works once, for two days. If you did not ask for this, ignore this message.\n",
        name = user.display_name
    );
    state.mailer.send(email, "Confirm your email address", body).await.map_err(AppError::internal)
}

/// Mails a reset link to the account with `email`, if there is one and it
/// got none in the last [`RESEND_INTERVAL_SECS`] (the `password_reset`
/// job).
#[tracing::instrument(name = "notices::send_reset_link", level = "debug", skip_all)]
pub async fn send_reset_link(state: &AppState, email: &Email) -> Result<(), AppError> {
    let Some(user) = users::find_by_email(&state.db, email).await? else {
        return Ok(());
    };
    let purpose = TokenPurpose::ResetPassword;
    if account::wait_before_another(&state.db, user.id, purpose, RESEND_INTERVAL_SECS, Timestamp::now())
        .await?
        .is_some()
    {
        return Ok(());
    }
    let token =
        account::issue_token(&state.db, user.id, TokenPurpose::ResetPassword, &user.email, Timestamp::now()).await?;
    let link = format!("{}/reset-password?token={token}", state.public_origin.as_str());
    let body = format!(
        "Hello {name},\n\nSomeone asked to reset the password of your Atrium account. To choose a new one, open:\n\n\
         {link}\n\nThe link works once, for one hour. Resetting signs you out everywhere.\n\n\
         If you did not ask for this, ignore this message: your password stays as it is.\n",
        name = user.display_name
    );
    state.mailer.send(&user.email, "Reset your Atrium password", body).await.map_err(AppError::internal)
}

/// Tells the owner of `email`, if there is one, that `failures` sign-ins
/// failed from `address` (an IP address, or [`MANY_NETWORKS`]), with a
/// link that ends every session (OWASP ASVS 5.0 V6.3.5: notify of
/// suspicious authentication attempts). The `sign_in_warning` job.
#[tracing::instrument(name = "notices::warn_owner", level = "debug", skip_all, fields(failures = failures))]
pub async fn warn_owner(state: &AppState, email: &Email, failures: i64, address: &str) -> Result<(), AppError> {
    let Some(user) = users::find_by_email(&state.db, email).await? else {
        return Ok(());
    };
    let token =
        account::issue_token(&state.db, user.id, TokenPurpose::EndSessions, &user.email, Timestamp::now()).await?;
    let origin = state.public_origin.as_str();
    let slowed = if address == MANY_NETWORKS {
        "Sign-ins to it from browsers that have not signed in to it before are refused for now; yours, \
         from a browser you signed in with before, are not."
    } else {
        "Sign-ins from there are slowed down now; yours from elsewhere are not."
    };
    let body = format!(
        "Hello {name},\n\nSomeone failed to sign in to your Atrium account {failures} times in a row from \
         {address}. {slowed}\n\n\
         If this was you, there is nothing to do. If not, sign out every session at once:\n\n\
         {origin}/end-sessions?token={token}\n\nand consider choosing a new password: {origin}/forgot-password\n",
        name = user.display_name
    );
    state.mailer.send(&user.email, "Failed sign-ins to your Atrium account", body).await.map_err(AppError::internal)
}

/// An invitation to `email`: who invites (`inviter`'s display name), to
/// which organization (`organization`'s name), as which `role`, with the
/// link for `token`.
pub struct Invitation<'a> {
    pub email: &'a str,
    pub inviter: &'a str,
    pub organization: &'a str,
    pub role: Role,
    pub token: &'a str,
}

/// Sends the invitation mail; its link works once, for
/// [`INVITATION_DAYS`] days.
pub async fn send_invitation(state: &AppState, invitation: Invitation<'_>) -> Result<(), AppError> {
    let Invitation { email, inviter, organization, role, token } = invitation;
    let link = format!("{}/invite/{token}", state.public_origin.as_str());
    let body = format!(
        "{inviter} invited you to join {organization} on Atrium as {role}.\n\n\
         Accept the invitation: {link}\n\n\
         The link works once and expires in {INVITATION_DAYS} days. If you did not expect it, ignore this message.\n",
        role = role.label(),
    );
    let subject = format!("Join {organization} on Atrium");
    state.mailer.send(email, &subject, body).await.map_err(AppError::internal)
}
