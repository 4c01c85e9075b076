//! `users`: accounts, and sign-up (an account with its first organization).

use crate::model::{DisplayName, Email, OrgId, OrgName, OrgSummary, Role, SessionId, SessionUser, Theme, UserId};

use super::scope::Scope;
use super::{
    Db, Timestamp, UniqueKey,
    events::{self, NewEvent},
    orgs, with_pool,
};

/// The unique email constraint (`users_email_key`).
pub const EMAIL_KEY: UniqueKey = UniqueKey { postgres: "users_email_key", sqlite: "users.email" };

/// A row of `users`. `Debug` leaves the password hash out.
#[derive(Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    pub is_platform_admin: bool,
    /// When the person proved they read mail at `email`; `None`: not yet.
    pub email_verified_at: Option<Timestamp>,
    /// When two-factor authentication was turned on; `None`: off.
    pub totp_enabled_at: Option<Timestamp>,
    pub theme: Theme,
    /// The organization they opened last ([`remember_org`]).
    pub last_org_id: Option<OrgId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("display_name", &self.display_name)
            .field("is_platform_admin", &self.is_platform_admin)
            .finish_non_exhaustive()
    }
}

impl UserRow {
    pub fn to_session_user(&self) -> SessionUser {
        SessionUser {
            id: self.id,
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            is_platform_admin: self.is_platform_admin,
            email_verified: self.email_verified_at.is_some(),
            theme: self.theme,
        }
    }
}

/// What a new account is made of. The password is already hashed.
#[derive(Debug, Clone, Copy)]
pub struct NewUser<'a> {
    pub email: &'a Email,
    pub display_name: &'a DisplayName,
    pub password_hash: &'a str,
    pub is_platform_admin: bool,
    /// The address is known to be theirs already (they followed an
    /// invitation mailed to it).
    pub email_verified: bool,
}

impl NewUser<'_> {
    fn into_row(self) -> UserRow {
        let now = Timestamp::now();
        UserRow {
            id: UserId::new(),
            email: self.email.as_str().to_owned(),
            display_name: self.display_name.as_str().to_owned(),
            password_hash: self.password_hash.to_owned(),
            is_platform_admin: self.is_platform_admin,
            email_verified_at: self.email_verified.then_some(now),
            totp_enabled_at: None,
            theme: Theme::System,
            last_org_id: None,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Creating an account failed.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    /// Another account has this email (compared case-insensitively).
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl CreateUserError {
    fn from_insert(err: sqlx::Error) -> Self {
        if EMAIL_KEY.violated_by(&err) { Self::EmailTaken } else { Self::Db(err) }
    }
}

const INSERT_USER: &str = "INSERT INTO users \
     (id, email, display_name, name_key, password_hash, is_platform_admin, email_verified_at, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// The columns of a [`UserRow`], from `users u`.
macro_rules! user_columns {
    () => {
        "u.id, u.email, u.display_name, u.password_hash, u.is_platform_admin, u.email_verified_at, \
         u.totp_enabled_at, u.theme, u.last_org_id, u.created_at, u.updated_at"
    };
}

const SELECT_USER: &str = concat!("SELECT ", user_columns!(), " FROM users u");

macro_rules! bind_user {
    ($row:expr) => {
        sqlx::query(INSERT_USER)
            .bind($row.id)
            .bind(&$row.email)
            .bind(&$row.display_name)
            .bind(name_key(&$row.display_name))
            .bind(&$row.password_hash)
            .bind($row.is_platform_admin)
            .bind($row.email_verified_at)
            .bind($row.created_at)
            .bind($row.updated_at)
    };
}

/// The key a person's name is sorted and compared by: Unicode lowercase,
/// made here so both backends agree (SQLite's `lower()` folds ASCII only).
pub fn name_key(display_name: &str) -> String {
    display_name.to_lowercase()
}

/// Creates an account that belongs to no organization (the platform-admin
/// command uses it).
#[tracing::instrument(name = "users::insert", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn insert(db: &Db, new: NewUser<'_>) -> Result<UserRow, CreateUserError> {
    let row = new.into_row();
    with_pool!(db, Scope::accounts(), conn => bind_user!(row).execute(&mut *conn).await.map(|_| ()))
        .map_err(CreateUserError::from_insert)?;
    Ok(row)
}

/// Sign-up: creates the account, an organization named `org_name` on
/// `plan` with a unique slug derived from it, and the account's Owner membership, in one
/// transaction, which records the event `event` makes of the account and
/// the organization. Nothing is left behind when any step fails.
#[tracing::instrument(
    name = "users::insert_with_organization",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn insert_with_organization(
    db: &Db,
    new: NewUser<'_>,
    (org_name, plan): (&OrgName, crate::model::Plan),
    event: impl Fn(&UserRow, &OrgSummary) -> NewEvent,
) -> Result<(UserRow, OrgSummary), CreateUserError> {
    let row = new.into_row();
    // Two sign-ups may pick the same free slug at once; the loser retries
    // with the winner's slug now taken.
    let mut attempts_left = 3;
    loop {
        let result = with_pool!(db, Scope::memberships(), conn => async {
            let mut tx = super::begin_write(&mut *conn).await?;
            bind_user!(row).execute(&mut *tx).await.map_err(CreateUserError::from_insert)?;
            let org = orgs::insert_in_tx!(tx, org_name, plan, row.id, Role::Owner, row.created_at);
            events::record(&mut *tx, &event(&row, &org)).await?;
            tx.commit().await?;
            Ok::<_, CreateUserError>(org)
        }.await);
        attempts_left -= 1;
        match result {
            Err(CreateUserError::Db(err)) if attempts_left > 0 && orgs::SLUG_KEY.violated_by(&err) => continue,
            Err(err) => return Err(err),
            Ok(org) => return Ok((row, org)),
        }
    }
}

/// The event of an account and its organization made outside a request
/// (the demo, the seed, tests): `organization.created` by the account,
/// not audited.
pub fn founded_event(user: &UserRow, org: &OrgSummary) -> NewEvent {
    let data = serde_json::json!({ "name": org.name, "slug": org.slug });
    NewEvent::change(org.id, "organization.created", ("organization", org.id.to_string()), Some(user.id), data)
}

/// The account with this email, if any.
#[tracing::instrument(
    name = "users::find_by_email",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn find_by_email(db: &Db, email: &Email) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("{SELECT_USER} WHERE email = $1");
    with_pool!(db, Scope::accounts(), conn => {
        sqlx::query_as::<_, UserRow>(&sql).bind(email.as_str()).fetch_optional(&mut *conn).await
    })
}

/// The account with this id, if any.
#[tracing::instrument(
    name = "users::find_by_id",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn find_by_id(db: &Db, id: UserId) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("{SELECT_USER} WHERE id = $1");
    with_pool!(db, Scope::accounts(), conn => sqlx::query_as::<_, UserRow>(&sql).bind(id).fetch_optional(&mut *conn).await)
}

/// The account `id` while its session `session` has not been ended
/// (signed out elsewhere, revoked, or ended by a password change); `None`
/// otherwise.
#[tracing::instrument(
    name = "users::find_signed_in",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn find_signed_in(db: &Db, id: UserId, session: SessionId) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        user_columns!(),
        " FROM users u JOIN user_sessions s ON s.user_id = u.id AND s.id = $2 WHERE u.id = $1"
    );
    with_pool!(db, Scope::accounts(), conn => {
        sqlx::query_as::<_, UserRow>(sql).bind(id).bind(session).fetch_optional(&mut *conn).await
    })
}

#[derive(sqlx::FromRow)]
struct UserMembershipRow {
    #[sqlx(flatten)]
    user: UserRow,
    org_id: Option<crate::model::OrgId>,
    org_name: Option<String>,
    org_slug: Option<String>,
    org_role: Option<Role>,
    org_suspended: bool,
}

/// The account `id`, signed in with the session `session`, and its
/// membership in the organization `slug`, read together (every request to
/// an organization needs both); `None` when there is no such account or
/// the session has been ended, an inner `None` when it is no member there
/// (or there is no such organization).
#[tracing::instrument(
    name = "users::find_with_membership",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn find_with_membership(
    db: &Db,
    id: UserId,
    session: SessionId,
    slug: &crate::model::OrgSlug,
) -> Result<Option<(UserRow, Option<OrgSummary>)>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        user_columns!(),
        ", o.id AS org_id, o.name AS org_name, o.slug AS org_slug, m.role AS org_role, \
           o.suspended_at IS NOT NULL AS org_suspended \
         FROM users u \
         JOIN user_sessions s ON s.user_id = u.id AND s.id = $3 \
         LEFT JOIN organizations o ON o.slug = $2 AND o.deleted_at IS NULL \
         LEFT JOIN memberships m ON m.org_id = o.id AND m.user_id = u.id \
         WHERE u.id = $1"
    );
    let row = with_pool!(db, Scope::memberships(), conn => {
        sqlx::query_as::<_, UserMembershipRow>(sql)
            .bind(id)
            .bind(slug.as_str())
            .bind(session)
            .fetch_optional(&mut *conn)
            .await?
    });
    Ok(row.map(|row| {
        let membership = match (row.org_id, row.org_name, row.org_slug, row.org_role) {
            (Some(id), Some(name), Some(slug), Some(role)) => {
                Some(OrgSummary { id, name, slug, role, suspended: row.org_suspended })
            }
            _ => None,
        };
        (row.user, membership)
    }))
}

/// Grants or revokes platform-admin rights. Returns false when no account
/// has this email.
#[tracing::instrument(
    name = "users::set_platform_admin",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn set_platform_admin(db: &Db, email: &Email, is_admin: bool) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE users SET is_platform_admin = $1, updated_at = $2 WHERE email = $3";
    let done = with_pool!(db, Scope::accounts(), conn => {
        sqlx::query(sql).bind(is_admin).bind(Timestamp::now()).bind(email.as_str()).execute(&mut *conn).await?
            .rows_affected()
    });
    Ok(done == 1)
}

/// Sets `user`'s display name.
#[tracing::instrument(
    name = "users::set_display_name",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn set_display_name(db: &Db, user: UserId, name: &DisplayName) -> Result<(), sqlx::Error> {
    let sql = "UPDATE users SET display_name = $2, name_key = $3, updated_at = $4 WHERE id = $1";
    with_pool!(db, Scope::accounts(), conn => {
        sqlx::query(sql)
            .bind(user)
            .bind(name.as_str())
            .bind(name_key(name.as_str()))
            .bind(Timestamp::now())
            .execute(&mut *conn)
            .await?;
    });
    Ok(())
}

/// Sets `user`'s password hash (an argon2id PHC string).
#[tracing::instrument(
    name = "users::set_password_hash",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn set_password_hash(db: &Db, user: UserId, password_hash: &str) -> Result<(), sqlx::Error> {
    let sql = "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1";
    with_pool!(db, Scope::accounts(), conn => {
        sqlx::query(sql).bind(user).bind(password_hash).bind(Timestamp::now()).execute(&mut *conn).await?;
    });
    Ok(())
}

/// Marks `email` verified for `user` at `now`: their address becomes
/// `email` when it was another (an email change). `EmailTaken` when
/// another account took that address meanwhile.
#[tracing::instrument(
    name = "users::verify_email",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), user = %user)
)]
pub async fn verify_email(db: &Db, user: UserId, email: &str, now: Timestamp) -> Result<(), CreateUserError> {
    let sql = "UPDATE users SET email = $2, email_verified_at = $3, updated_at = $3 WHERE id = $1";
    with_pool!(db, Scope::accounts(), conn => {
        sqlx::query(sql).bind(user).bind(email).bind(now).execute(&mut *conn).await.map(|_| ())
    })
    .map_err(CreateUserError::from_insert)
}

/// Keeps `theme` as the colour scheme of the account `id`.
#[tracing::instrument(
    name = "users::set_theme",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn set_theme(db: &Db, id: UserId, theme: Theme) -> Result<(), sqlx::Error> {
    let sql = "UPDATE users SET theme = $2, updated_at = $3 WHERE id = $1";
    with_pool!(db, Scope::accounts(), conn => {
        sqlx::query(sql).bind(id).bind(theme).bind(Timestamp::now()).execute(&mut *conn).await.map(drop)
    })
}

/// The organization the account `id` opened last (`users.last_org_id`),
/// if it was remembered and still exists; whether they still belong to it
/// is for the caller to check.
#[tracing::instrument(
    name = "users::last_org",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), id = %id)
)]
pub async fn last_org(db: &Db, id: UserId) -> Result<Option<OrgId>, sqlx::Error> {
    let sql = "SELECT last_org_id FROM users WHERE id = $1";
    let found = with_pool!(db, Scope::accounts(), conn => {
        sqlx::query_scalar::<_, Option<OrgId>>(sql).bind(id).fetch_optional(&mut *conn).await?
    });
    Ok(found.flatten())
}

/// Remembers `org` as the organization `user` opened last, for `/` to
/// open after they sign in again, on any browser. Written only when it
/// changed (the row read for the request already holds the last one), so
/// moving between pages of one organization costs no statement.
#[tracing::instrument(
    name = "users::remember_org",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), org = %org)
)]
pub async fn remember_org(db: &Db, user: &UserRow, org: OrgId) -> Result<(), sqlx::Error> {
    if user.last_org_id == Some(org) {
        return Ok(());
    }
    let sql = "UPDATE users SET last_org_id = $2 WHERE id = $1";
    with_pool!(db, Scope::accounts(), conn => {
        sqlx::query(sql).bind(user.id).bind(org).execute(&mut *conn).await.map(drop)
    })
}
