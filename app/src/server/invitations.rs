//! Invitations' rules for every door (server functions, the REST API):
//! inviting by email with a role (and the mail it sends), resending,
//! revoking, with their audit events and the organization's mail rate.
//! Accepting an invitation is the invited person's, on the dashboard
//! only (`api::invitations`).

use serde_json::json;

use crate::{
    error::{AppError, FieldErrors},
    model::{Action, AuditAction, Email, Invitation, InvitationId, Role, args::parse_id},
    server::{
        AppState,
        actor::Actor,
        ctx::Admin,
        db::{
            Db, audit,
            invitations::{self as db_invitations, InviteRefusal},
            members, orgs, users,
        },
        notices,
    },
};

/// Invitation mails (new and resent) one organization may send per hour:
/// enough for any onboarding, too few to use Atrium as a mail cannon
/// (OWASP ASVS 5.0 V2.4.1, anti-automation).
pub const INVITATION_MAILS_PER_HOUR: i64 = 100;

/// `RateLimited` once the organization has sent
/// [`INVITATION_MAILS_PER_HOUR`] invitation mails in the last hour
/// (counted from its audit log, so across every server).
async fn within_mail_rate(db: &Db, admin: &Admin) -> Result<(), AppError> {
    let hour_ago = time::OffsetDateTime::now_utc() - time::Duration::HOUR;
    if audit::count_since(db, admin, AuditAction::InvitationSent, hour_ago).await? >= INVITATION_MAILS_PER_HOUR {
        return Err(AppError::RateLimited { retry_after_secs: 600 });
    }
    Ok(())
}

/// Sends the invitation mail with the link for `token`, from `actor` (the
/// signed-in member, or the creator of the API token), by their name (see
/// `notices::send_invitation`).
async fn send_invitation(
    state: &AppState,
    admin: &Admin,
    actor: &Actor,
    (email, role): (&str, Role),
    token: &str,
) -> Result<(), AppError> {
    let inviter = users::find_by_id(&state.db, actor.user).await?.ok_or(AppError::Forbidden)?;
    let invitation = notices::Invitation {
        email,
        inviter: inviter.display_name.as_str(),
        organization: &admin.org().name,
        role,
        token,
    };
    notices::send_invitation(state, invitation).await
}

/// `Forbidden` unless `admin`'s role may invite as `role`: Admins invite
/// Members and Guests, Owners anyone (the permission matrix's
/// `Action::managing`).
fn may_invite_as(admin: &Admin, role: Role) -> Result<(), AppError> {
    if admin.role().can(Action::managing(role)) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// The pending invitation `id` (text) of the organization, when `admin`
/// may act on its role.
///
/// Errors: `NotFound` when malformed or not pending here, `Forbidden`
/// beyond the role.
async fn pending_invitation(db: &Db, admin: &Admin, id: &str) -> Result<Invitation, AppError> {
    let id: InvitationId = parse_id(id)?;
    let pending = db_invitations::find_pending(db, admin, id).await?.ok_or(AppError::NotFound)?;
    may_invite_as(admin, pending.role)?;
    Ok(pending)
}

/// The organization's pending invitations, newest first (expired ones
/// too, to resend).
pub async fn list(db: &Db, admin: &Admin) -> Result<Vec<Invitation>, AppError> {
    Ok(db_invitations::list_pending(db, admin).await?)
}

/// Invites `email` with `role` (`admin`, `member` or `guest`; `owner` too
/// for Owners) and mails them a link that works once, for 7 days.
/// Inviting someone already invited sends a new link (the old one stops
/// working) and needs the right over both roles. Recorded as
/// `invitation.sent`.
///
/// Errors: `Validation` on `email` (malformed, already a member, no seat
/// left) or `role`; `Forbidden` beyond the caller's role, for the new
/// role or the pending invitation's; `RateLimited` past
/// [`INVITATION_MAILS_PER_HOUR`].
pub async fn invite(
    state: &AppState,
    admin: &Admin,
    actor: &Actor,
    email: &str,
    role: &str,
) -> Result<Invitation, AppError> {
    let db = &state.db;
    let mut errors = FieldErrors::new();
    let email = errors.check("email", Email::parse(email));
    let role = errors.check("role", role.parse::<Role>().map_err(|_| "Choose Owner, Admin, Member or Guest."));
    errors.into_result()?;
    let (Some(email), Some(role)) = (email, role) else { return Err(AppError::internal("checked above")) };
    may_invite_as(admin, role)?;
    within_mail_rate(db, admin).await?;
    if members::find_by_email(db, admin, &email).await?.is_some() {
        return Err(AppError::field("email", "This person is already a member."));
    }
    let (token, hash) = db_invitations::new_token();
    let details = json!({ "email": email.as_str(), "role": role.as_str() });
    let event = |id: InvitationId| {
        actor.event(admin.org_id(), AuditAction::InvitationSent, ("invitation", id.to_string()), details)
    };
    let invited = db_invitations::invite(db, admin, (&email, role), &hash, event).await?;
    let id = invited.map_err(|refusal| match refusal {
        InviteRefusal::NoSeat(limit) => AppError::field("email", orgs::MEMBER_SEATS.reached(limit).to_string()),
        InviteRefusal::Outranked(_) => AppError::Forbidden,
    })?;
    send_invitation(state, admin, actor, (email.as_str(), role), &token).await?;
    db_invitations::find_pending(db, admin, id).await?.ok_or(AppError::NotFound)
}

/// Sends the pending invitation `id` (text) again with a new link and 7
/// more days; the old link stops working. Recorded as `invitation.sent`
/// (resent).
///
/// Errors: `NotFound` when it is not a pending invitation here;
/// `Forbidden` for an Admin resending an invitation as Admin or Owner;
/// `RateLimited`.
pub async fn resend(state: &AppState, admin: &Admin, actor: &Actor, id: &str) -> Result<Invitation, AppError> {
    let db = &state.db;
    let pending = pending_invitation(db, admin, id).await?;
    within_mail_rate(db, admin).await?;
    let id = pending.id;
    let (token, hash) = db_invitations::new_token();
    let details = json!({ "email": pending.email, "role": pending.role.as_str(), "resent": true });
    let event = actor.event(admin.org_id(), AuditAction::InvitationSent, ("invitation", id.to_string()), details);
    if !db_invitations::renew(db, admin, id, &hash, &event).await? {
        return Err(AppError::NotFound);
    }
    send_invitation(state, admin, actor, (&pending.email, pending.role), &token).await?;
    db_invitations::find_pending(db, admin, id).await?.ok_or(AppError::NotFound)
}

/// Revokes the pending invitation `id` (text): its link stops working.
/// Recorded as `invitation.revoked`.
///
/// Errors: `NotFound` when it is not a pending invitation here;
/// `Forbidden` for an Admin revoking an invitation as Admin or Owner.
pub async fn revoke(db: &Db, admin: &Admin, actor: &Actor, id: &str) -> Result<(), AppError> {
    let pending = pending_invitation(db, admin, id).await?;
    let id = pending.id;
    let details = json!({ "email": pending.email, "role": pending.role.as_str() });
    let event = actor.event(admin.org_id(), AuditAction::InvitationRevoked, ("invitation", id.to_string()), details);
    if !db_invitations::revoke(db, admin, id, &event).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}
