//! `invitations`: asking someone by email to join an organization.
//!
//! The link carries a random token of 32 bytes (64 hex digits); only its
//! SHA-256 is stored (OWASP Forgot Password Cheat Sheet: tokens stored
//! hashed, single use, expiring), so reading the table does not let anyone
//! join. An invitation is pending until accepted or revoked and works for
//! [`INVITATION_DAYS`] days; accepting it is a guarded update, so a link
//! works once even when clicked twice at the same moment.

use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::{
    model::{
        Action, Email, Invitation, InvitationId, InvitationStatus, OrgId, Role, UserId, invitation::INVITATION_DAYS,
    },
    server::handles::Admin,
};

use super::scope::Scope;
use super::{
    Db, Timestamp,
    events::{self, NewEvent},
    orgs, with_pool,
};

/// A new link token and the hash that is stored for it.
pub fn new_token() -> (String, String) {
    use rand::RngCore;
    let mut bytes = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let hash = token_hash(&token);
    (token, hash)
}

/// The stored form of a link token: lowercase hex SHA-256.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn expiry(now: Timestamp) -> Timestamp {
    Timestamp::from(OffsetDateTime::from(now) + Duration::days(INVITATION_DAYS))
}

#[derive(sqlx::FromRow)]
struct InvitationRow {
    id: InvitationId,
    email: String,
    role: Role,
    invited_by: String,
    sent_at: Timestamp,
    expires_at: Timestamp,
}

impl From<InvitationRow> for Invitation {
    fn from(row: InvitationRow) -> Self {
        Invitation {
            id: row.id,
            email: row.email,
            role: row.role,
            invited_by: row.invited_by,
            sent_at: row.sent_at.into(),
            expires_at: row.expires_at.into(),
            expired: OffsetDateTime::from(row.expires_at) <= OffsetDateTime::now_utc(),
        }
    }
}

const SELECT_PENDING: &str = "SELECT i.id, i.email, i.role, u.display_name AS invited_by, i.sent_at, i.expires_at \
     FROM invitations i JOIN users u ON u.id = i.invited_by";
const PENDING: &str = "i.accepted_at IS NULL AND i.revoked_at IS NULL";

/// Why [`invite`] wrote nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteRefusal {
    /// A new invitation needs a member seat and the plan has none left:
    /// the limit (`None`: none stored).
    NoSeat(Option<i64>),
    /// The address has a pending invitation with this role, which the
    /// acting Admin may not manage (an Admin replacing an Owner's Admin or
    /// Owner invitation).
    Outranked(Role),
}

/// Invites `email` with `role`, sent by the acting Admin, with the link
/// token whose hash is `token_hash`. Inviting an address that already has
/// a pending invitation renews that one (new token, role, sender and 7
/// days), so the older link stops working: one upsert on the pending
/// invitations' unique index, so two invitations of one address at once
/// cannot both insert. A new invitation holds a member seat
/// ([`orgs::MEMBER_SEATS`]); renewing one needs no new seat. Renewing
/// needs the right over the pending invitation's role as well as over
/// `role` (the caller checks `role`): the upsert's update is guarded on
/// the stored role, so an Admin cannot replace an Owner's invitation as
/// Admin or Owner even when both are sent at once.
///
/// Returns the invitation's id, or why nothing was written. What is
/// written records the event `event` makes of the id in the same
/// transaction.
#[tracing::instrument(
    name = "invitations::invite",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn invite(
    db: &Db,
    ctx: &Admin,
    (email, role): (&Email, Role),
    token_hash: &str,
    event: impl FnOnce(InvitationId) -> NewEvent,
) -> Result<Result<InvitationId, InviteRefusal>, sqlx::Error> {
    let now = Timestamp::now();
    let manageable: Vec<Role> = Role::ALL.into_iter().filter(|held| ctx.role().can(Action::managing(*held))).collect();
    // Role names are fixed identifiers, not input.
    let manageable_sql = manageable.iter().map(|role| format!("'{}'", role.as_str())).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "INSERT INTO invitations (id, org_id, email, role, token_hash, invited_by, created_at, sent_at, \
         expires_at) SELECT $1, $2, $3, $4, $5, $6, $7, $7, $8 \
         WHERE {} OR EXISTS (SELECT 1 FROM invitations WHERE org_id = $2 AND email = $3 \
           AND accepted_at IS NULL AND revoked_at IS NULL) \
         ON CONFLICT (org_id, email) WHERE accepted_at IS NULL AND revoked_at IS NULL DO UPDATE SET \
         role = excluded.role, token_hash = excluded.token_hash, invited_by = excluded.invited_by, \
         sent_at = excluded.sent_at, expires_at = excluded.expires_at \
         WHERE invitations.role IN ({manageable_sql}) \
         RETURNING id",
        orgs::MEMBER_SEATS.has_room("$2")
    );
    let pending_role = "SELECT role FROM invitations WHERE org_id = $1 AND email = $2 \
                        AND accepted_at IS NULL AND revoked_at IS NULL";
    let outcome = orgs::within_quota!(db, ctx.org_id(), orgs::MEMBER_SEATS, tx => {
        let id = sqlx::query_scalar::<_, InvitationId>(&sql)
            .bind(InvitationId::new())
            .bind(ctx.org_id())
            .bind(email.as_str())
            .bind(role)
            .bind(token_hash)
            .bind(ctx.user_id())
            .bind(now)
            .bind(expiry(now))
            .fetch_optional(&mut *tx)
            .await?;
        match id {
            Some(id) => {
                events::record(&mut *tx, &event(id)).await?;
                Some(Ok(id))
            }
            // Refused by the seat guard, or by the role guard on the
            // pending invitation (read in the same transaction).
            None => sqlx::query_scalar::<_, Role>(pending_role)
                .bind(ctx.org_id())
                .bind(email.as_str())
                .fetch_optional(&mut *tx)
                .await?
                .filter(|held| !manageable.contains(held))
                .map(Err),
        }
    })?;
    Ok(match outcome {
        Ok(Ok(id)) => Ok(id),
        Ok(Err(held)) => Err(InviteRefusal::Outranked(held)),
        Err(limit) => Err(InviteRefusal::NoSeat(limit)),
    })
}

/// The organization's pending invitations (expired ones included, so they
/// can be resent), newest first.
#[tracing::instrument(
    name = "invitations::list_pending",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn list_pending(db: &Db, ctx: &Admin) -> Result<Vec<Invitation>, sqlx::Error> {
    let sql = format!("{SELECT_PENDING} WHERE i.org_id = $1 AND {PENDING} ORDER BY i.sent_at DESC, i.id");
    let rows = with_pool!(db, Scope::tenant(ctx.org_id()), conn => sqlx::query_as::<_, InvitationRow>(&sql).bind(ctx.org_id()).fetch_all(&mut *conn).await?);
    Ok(rows.into_iter().map(Invitation::from).collect())
}

/// The pending invitation `id` of the organization, if there is one.
#[tracing::instrument(
    name = "invitations::find_pending",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn find_pending(db: &Db, ctx: &Admin, id: InvitationId) -> Result<Option<Invitation>, sqlx::Error> {
    let sql = format!("{SELECT_PENDING} WHERE i.org_id = $1 AND i.id = $2 AND {PENDING}");
    let row = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_as::<_, InvitationRow>(&sql).bind(ctx.org_id()).bind(id).fetch_optional(&mut *conn).await?
    });
    Ok(row.map(Invitation::from))
}

/// Gives the pending invitation `id` a new token (hash `token_hash`) and 7
/// more days, sent by the acting Admin, and records `event` in the same
/// transaction; `false` (and nothing recorded) when it is not pending.
#[tracing::instrument(
    name = "invitations::renew",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn renew(
    db: &Db,
    ctx: &Admin,
    id: InvitationId,
    token_hash: &str,
    event: &NewEvent,
) -> Result<bool, sqlx::Error> {
    let now = Timestamp::now();
    let sql = "UPDATE invitations SET token_hash = $3, invited_by = $4, sent_at = $5, expires_at = $6 \
               WHERE org_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL";
    let changed = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let changed = sqlx::query(sql)
            .bind(ctx.org_id())
            .bind(id)
            .bind(token_hash)
            .bind(ctx.user_id())
            .bind(now)
            .bind(expiry(now))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 1 {
            events::record(&mut *tx, event).await?;
        }
        tx.commit().await?;
        changed
    });
    Ok(changed == 1)
}

/// Revokes the pending invitation `id`: its link stops working. Records
/// `event` in the same transaction; `false` (and nothing recorded) when
/// it is not pending.
#[tracing::instrument(
    name = "invitations::revoke",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn revoke(db: &Db, ctx: &Admin, id: InvitationId, event: &NewEvent) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE invitations SET revoked_at = $3 \
               WHERE org_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL";
    let changed = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let changed =
            sqlx::query(sql).bind(ctx.org_id()).bind(id).bind(Timestamp::now()).execute(&mut *tx).await?.rows_affected();
        if changed == 1 {
            events::record(&mut *tx, event).await?;
        }
        tx.commit().await?;
        changed
    });
    Ok(changed == 1)
}

/// An invitation as its link finds it, in any state.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkedInvitation {
    pub id: InvitationId,
    pub org_id: OrgId,
    pub organization: String,
    pub slug: String,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub expires_at: Timestamp,
    pub accepted_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    /// The organization is suspended (nobody can join it meanwhile).
    pub suspended: bool,
}

impl LinkedInvitation {
    /// Where it stands at `now`.
    pub fn status(&self, now: OffsetDateTime) -> InvitationStatus {
        if self.accepted_at.is_some() {
            InvitationStatus::Accepted
        } else if self.revoked_at.is_some() {
            InvitationStatus::Revoked
        } else if OffsetDateTime::from(self.expires_at) <= now {
            InvitationStatus::Expired
        } else {
            InvitationStatus::Pending
        }
    }
}

/// The invitation whose link token is `token`, whatever its state; `None`
/// too when its organization was deleted.
#[tracing::instrument(
    name = "invitations::find_by_token",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn find_by_token(db: &Db, token: &str) -> Result<Option<LinkedInvitation>, sqlx::Error> {
    let sql = "SELECT i.id, i.org_id, o.name AS organization, o.slug, i.email, i.role, u.display_name AS invited_by, \
                      i.expires_at, i.accepted_at, i.revoked_at, o.suspended_at IS NOT NULL AS suspended \
               FROM invitations i JOIN organizations o ON o.id = i.org_id AND o.deleted_at IS NULL \
               JOIN users u ON u.id = i.invited_by \
               /* a link names its invitation in every organization */ WHERE i.token_hash = $1";
    with_pool!(db, Scope::invitation_link(), conn => {
        sqlx::query_as::<_, LinkedInvitation>(sql).bind(token_hash(token)).fetch_optional(&mut *conn).await
    })
}

/// What accepting an invitation came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acceptance {
    /// The person is a member now (or already was, keeping their role).
    Joined,
    /// The invitation was no longer pending (used, revoked or expired).
    NotPending,
    /// The organization has as many members as its plan allows (the limit).
    LimitReached(Option<i64>),
}

/// Accepts `invitation` for `user`: marks it accepted (only while it is
/// pending and unexpired, so a link works once) and makes them a member
/// with its role, in one transaction, when the plan has room for one more
/// member ([`orgs::MEMBERS`]: the invitation's held seat becomes theirs).
/// Someone who is a member already keeps their role. A `Joined` records
/// `event` in the same transaction.
#[tracing::instrument(
    name = "invitations::accept",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn accept(
    db: &Db,
    invitation: &LinkedInvitation,
    user: UserId,
    event: &NewEvent,
) -> Result<Acceptance, sqlx::Error> {
    let now = Timestamp::now();
    let mark = "UPDATE invitations SET accepted_at = $2 \
                WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2";
    let member = "SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND user_id = $2";
    let join = format!(
        "INSERT INTO memberships (org_id, user_id, role, created_at) SELECT $1, $2, $3, $4 WHERE {}",
        orgs::MEMBERS.has_room("$1")
    );
    let accepted = orgs::within_quota!(db, invitation.org_id, orgs::MEMBERS, tx => {
        let marked = sqlx::query(mark).bind(invitation.id).bind(now).execute(&mut *tx).await?.rows_affected();
        let already: i64 = sqlx::query_scalar(member).bind(invitation.org_id).bind(user).fetch_one(&mut *tx).await?;
        let outcome = if marked == 0 {
            Some(Acceptance::NotPending)
        } else if already > 0 {
            Some(Acceptance::Joined)
        } else {
            let joined = sqlx::query(&join)
                .bind(invitation.org_id)
                .bind(user)
                .bind(invitation.role)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            (joined == 1).then_some(Acceptance::Joined)
        };
        if outcome == Some(Acceptance::Joined) {
            events::record(&mut *tx, event).await?;
        }
        outcome
    })?;
    Ok(accepted.unwrap_or_else(Acceptance::LimitReached))
}
