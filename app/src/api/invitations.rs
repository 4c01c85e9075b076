//! Invitations: Admins invite by email with a role, resend and revoke; the
//! invited person opens the link and joins, signing up first when they
//! have no account.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{Invitation, InvitationView},
};

#[cfg(feature = "ssr")]
use serde_json::json;

#[cfg(feature = "ssr")]
use crate::{
    api::auth::{EMAIL_TAKEN, org_path},
    error::FieldErrors,
    model::{Action, AuditAction, DisplayName, Email, InvitationStatus},
    server::{
        AppState,
        auth::password,
        ctx,
        db::{
            events::NewEvent,
            invitations::{self, Acceptance, LinkedInvitation},
            orgs, users,
        },
        invitations as rules,
    },
};

#[cfg(feature = "ssr")]
pub use crate::server::invitations::INVITATION_MAILS_PER_HOUR;

/// Invites `email` to the organization with `role` (`admin`, `member` or
/// `guest`; `owner` too for Owners) and mails them a link that works once,
/// for 7 days. Inviting someone already invited sends a new link (the old
/// one stops working) and needs the right over both roles, the pending
/// one and the new one. Admins and Owners; only Owners invite Admins and
/// Owners.
///
/// Errors: `Validation` on `email` (malformed, already a member, no seat
/// left) or `role`; `Forbidden` beyond the caller's role, for the new
/// role or the pending invitation's.
#[server(endpoint = "invite_member")]
pub async fn invite_member(org: String, email: String, role: String) -> Result<Invitation, AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::InviteMembers)?;
    rules::invite(&req.state, &admin, &req.actor()?, &email, &role).await
}

/// The organization's pending invitations, newest first (expired ones
/// too, to resend). Admins and Owners.
#[server(endpoint = "list_invitations")]
pub async fn list_invitations(org: String) -> Result<Vec<Invitation>, AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::InviteMembers)?;
    rules::list(req.db(), &admin).await
}

/// Sends the pending invitation `invitation` (an id) again with a new link
/// and 7 more days; the old link stops working.
///
/// Errors: `NotFound` when it is not a pending invitation here;
/// `Forbidden` for an Admin resending an invitation as Admin or Owner.
#[server(endpoint = "resend_invitation")]
pub async fn resend_invitation(org: String, invitation: String) -> Result<Invitation, AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::InviteMembers)?;
    rules::resend(&req.state, &admin, &req.actor()?, &invitation).await
}

/// Revokes the pending invitation `invitation` (an id): its link stops
/// working.
///
/// Errors: `NotFound` when it is not a pending invitation here;
/// `Forbidden` for an Admin revoking an invitation as Admin or Owner.
#[server(endpoint = "revoke_invitation")]
pub async fn revoke_invitation(org: String, invitation: String) -> Result<(), AppError> {
    let req = ctx::org_request(&org).await?;
    let admin = req.org.admin(Action::InviteMembers)?;
    rules::revoke(req.db(), &admin, &req.actor()?, &invitation).await
}

/// The invitation of the link token `token`, for its page: whatever its
/// state, with whether its email has an account and who is signed in.
///
/// Errors: `NotFound` for a token no invitation has.
#[server(endpoint = "get_invitation")]
pub async fn get_invitation(token: String) -> Result<InvitationView, AppError> {
    let state = ctx::app_state()?;
    let session = ctx::request_session().await?;
    let invitation = invitations::find_by_token(&state.db, token.trim()).await?.ok_or(AppError::NotFound)?;
    let email = Email::parse(&invitation.email).map_err(AppError::internal)?;
    let has_account = users::find_by_email(&state.db, &email).await?.is_some();
    let signed_in_as = ctx::signed_in_user(&state, &session).await?.map(|user| user.email);
    Ok(InvitationView {
        status: invitation.status(time::OffsetDateTime::now_utc()),
        organization: invitation.organization,
        email: invitation.email,
        role: invitation.role,
        invited_by: invitation.invited_by,
        has_account,
        signed_in_as,
    })
}

/// The pending invitation of `token`, or why it cannot be used.
#[cfg(feature = "ssr")]
async fn usable(state: &AppState, token: &str) -> Result<LinkedInvitation, AppError> {
    let invitation = invitations::find_by_token(&state.db, token.trim()).await?.ok_or(AppError::NotFound)?;
    match invitation.status(time::OffsetDateTime::now_utc()) {
        InvitationStatus::Pending if invitation.suspended => Err(AppError::Suspended),
        InvitationStatus::Pending => Ok(invitation),
        InvitationStatus::Expired => Err(AppError::Conflict("This invitation has expired. Ask for a new one.".into())),
        InvitationStatus::Accepted => Err(AppError::Conflict("This invitation has been used already.".into())),
        InvitationStatus::Revoked => Err(AppError::Conflict("This invitation was withdrawn.".into())),
    }
}

/// The answer to joining an organization that has no member seat left.
#[cfg(feature = "ssr")]
fn full(invitation: &LinkedInvitation) -> AppError {
    AppError::Conflict(format!(
        "{} has as many members as its plan allows. Ask the person who invited you to make room.",
        invitation.organization
    ))
}

/// Joins `invitation`'s organization as `user` (signed in),
/// records it, and redirects to its dashboard.
#[cfg(feature = "ssr")]
async fn join(state: &AppState, invitation: &LinkedInvitation, user: &users::UserRow) -> Result<(), AppError> {
    let details = json!({ "role": invitation.role.as_str() });
    let event = NewEvent::audited(
        invitation.org_id,
        AuditAction::InvitationAccepted,
        ("organization", invitation.org_id.to_string()),
        Some(user.id),
        Some(user.email.clone()),
        ctx::request_origin(state)?,
        details,
    );
    match invitations::accept(&state.db, invitation, user.id, &event).await? {
        Acceptance::Joined => {}
        Acceptance::NotPending => return Err(AppError::Conflict("This invitation has been used already.".into())),
        Acceptance::LimitReached(_) => return Err(full(invitation)),
    }
    users::remember_org(&state.db, user, invitation.org_id).await?;
    leptos_axum::redirect(&org_path(&invitation.slug));
    Ok(())
}

/// Accepts the invitation of `token` as the signed-in person, whose email
/// must be the invited one, and redirects to the organization.
///
/// Errors: `Unauthenticated` when signed out; `NotFound` for an unknown
/// token; `Conflict` when it expired, was used or revoked, or is for
/// another email.
#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(token: String) -> Result<(), AppError> {
    let (state, _, user) = ctx::require_user().await?;
    let invitation = usable(&state, &token).await?;
    if user.email != invitation.email {
        return Err(AppError::Conflict(format!(
            "This invitation is for {}. Sign out and sign in as that person to accept it.",
            invitation.email
        )));
    }
    join(&state, &invitation, &user).await
}

/// Accepts the invitation of `token` by creating the invited person's
/// account (the invited email; `display_name` and `password` as in
/// sign-up), signing them in, and redirecting to the organization.
///
/// Errors: `Validation` on `display_name` or `password`, or on `email`
/// when the address has an account already (sign in instead);
/// `NotFound`/`Conflict` as [`accept_invitation`].
#[server(endpoint = "accept_invitation_with_signup")]
pub async fn accept_invitation_with_signup(
    token: String,
    display_name: String,
    password: String,
) -> Result<(), AppError> {
    let state = ctx::app_state()?;
    state.limits.check_ip(ctx::request_ip(&state)?)?;
    let invitation = usable(&state, &token).await?;
    // No account made for an organization that cannot take its member.
    if !orgs::MEMBERS.has_room_now(&state.db, invitation.org_id).await? {
        return Err(full(&invitation));
    }
    let email = Email::parse(&invitation.email).map_err(AppError::internal)?;
    let mut errors = FieldErrors::new();
    let display_name = errors.check("display_name", DisplayName::parse(&display_name));
    let personal = [email.as_str(), display_name.as_ref().map_or("", |n| n.as_str()), &invitation.organization];
    let password = password::check_new(&mut errors, password, &personal);
    errors.into_result()?;
    let (Some(display_name), Some(password)) = (display_name, password) else {
        return Err(AppError::internal("checked above"));
    };
    let password_hash = password::hash(&password).await?;
    let new_user = users::NewUser {
        email: &email,
        display_name: &display_name,
        password_hash: &password_hash,
        is_platform_admin: false,
        email_verified: true,
    };
    let user = users::insert(&state.db, new_user).await.map_err(|err| match err {
        users::CreateUserError::EmailTaken => AppError::field("email", EMAIL_TAKEN),
        users::CreateUserError::Db(err) => AppError::from(err),
    })?;
    let session = ctx::request_session().await?;
    ctx::sign_in(&state, &session, &user).await?;
    let details = json!({ "invitation": invitation.id.to_string() });
    ctx::audit_person(&state, AuditAction::UserSignedUp, None, Some(user.id), &user.email, details).await?;
    join(&state, &invitation, &user).await
}
