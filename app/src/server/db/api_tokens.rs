//! `api_tokens`: an organization's bearer tokens for software acting for
//! it, and the networks each was used from (`api_token_networks`).
//!
//! Only the SHA-256 of a secret is stored (`secret_hash`, unique): the
//! secret has 256 random bits, so a fast hash is enough to make the table
//! useless to a reader (OWASP ASVS 5.0 V11.4: a slow password hash is for
//! low-entropy secrets).

use time::{Duration, OffsetDateTime};

use crate::{
    model::{ApiToken, ApiTokenId, OrgId, OrgSummary, Role, TokenName, TokenRole, UserId},
    server::handles::Admin,
};

use super::scope::Scope;
use super::{
    Db, Timestamp,
    events::{self, NewEvent},
    with_pool,
};

/// How stale a token's "last used" may get before a use writes it again:
/// a busy token writes once a minute, not once a request.
pub const LAST_USED_RESOLUTION: Duration = Duration::minutes(1);

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: ApiTokenId,
    name: String,
    role: TokenRole,
    secret_start: String,
    created_by_name: Option<String>,
    created_at: Timestamp,
    expires_at: Option<Timestamp>,
    revoked_at: Option<Timestamp>,
    last_used_at: Option<Timestamp>,
    last_used_network: Option<String>,
}

impl From<TokenRow> for ApiToken {
    fn from(row: TokenRow) -> Self {
        let (revoked_at, expires_at) = (row.revoked_at.map(Into::into), row.expires_at.map(Into::into));
        ApiToken {
            status: crate::model::TokenStatus::at(revoked_at, expires_at, OffsetDateTime::now_utc()),
            id: row.id,
            name: row.name,
            role: row.role,
            secret_start: row.secret_start,
            created_by: row.created_by_name,
            created_at: row.created_at.into(),
            expires_at,
            revoked_at,
            last_used_at: row.last_used_at.map(Into::into),
            last_used_network: row.last_used_network,
        }
    }
}

const SELECT_TOKEN: &str = "SELECT t.id, t.name, t.role, t.secret_start, u.display_name AS created_by_name, \
     t.created_at, t.expires_at, t.revoked_at, t.last_used_at, t.last_used_network \
     FROM api_tokens t LEFT JOIN users u ON u.id = t.created_by";

/// What a new token is.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub name: &'a TokenName,
    pub role: TokenRole,
    pub expires_at: Option<OffsetDateTime>,
    /// SHA-256 of the secret.
    pub secret_hash: &'a [u8],
    /// The secret's first characters.
    pub secret_start: &'a str,
}

/// Creates a token, made by the admin of `ctx`, and records the event
/// `event` makes of its id in the same transaction (never the secret).
#[tracing::instrument(
    name = "api_tokens::insert",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn insert(
    db: &Db,
    ctx: &Admin,
    token: NewToken<'_>,
    event: impl FnOnce(ApiTokenId) -> NewEvent,
) -> Result<ApiToken, sqlx::Error> {
    let id = ApiTokenId::new();
    let event = event(id);
    let sql = "INSERT INTO api_tokens (id, org_id, name, role, secret_hash, secret_start, created_by, created_at, \
               expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        sqlx::query(sql)
            .bind(id)
            .bind(ctx.org_id())
            .bind(token.name.as_str())
            .bind(token.role)
            .bind(token.secret_hash)
            .bind(token.secret_start)
            .bind(ctx.user_id())
            .bind(Timestamp::now())
            .bind(token.expires_at.map(Timestamp::from))
            .execute(&mut *tx)
            .await?;
        events::record(&mut *tx, &event).await?;
        tx.commit().await?;
    });
    find(db, ctx, id).await?.ok_or(sqlx::Error::RowNotFound)
}

/// The organization's tokens, newest first (revoked and expired ones too,
/// so the page can say so).
#[tracing::instrument(name = "api_tokens::list", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn list(db: &Db, ctx: &Admin) -> Result<Vec<ApiToken>, sqlx::Error> {
    let sql = format!("{SELECT_TOKEN} WHERE t.org_id = $1 ORDER BY t.created_at DESC, t.id DESC");
    let rows = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_as::<_, TokenRow>(&sql).bind(ctx.org_id()).fetch_all(&mut *conn).await?
    });
    Ok(rows.into_iter().map(ApiToken::from).collect())
}

/// The token `id` of the organization.
#[tracing::instrument(
    name = "api_tokens::find",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), api_token = %id)
)]
pub async fn find(db: &Db, ctx: &Admin, id: ApiTokenId) -> Result<Option<ApiToken>, sqlx::Error> {
    let sql = format!("{SELECT_TOKEN} WHERE t.org_id = $1 AND t.id = $2");
    let row = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query_as::<_, TokenRow>(&sql).bind(ctx.org_id()).bind(id).fetch_optional(&mut *conn).await?
    });
    Ok(row.map(ApiToken::from))
}

/// Revokes the token `id`: it is refused from now on. `None` when the
/// organization has no such token; a token revoked before keeps its first
/// revocation time (`revoked` false). A revocation records the event
/// `event` makes of the token's name and role in the same transaction
/// (none when it was revoked before).
#[tracing::instrument(
    name = "api_tokens::revoke",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), api_token = %id)
)]
pub async fn revoke(
    db: &Db,
    ctx: &Admin,
    id: ApiTokenId,
    event: impl FnOnce(&str, TokenRole) -> NewEvent,
) -> Result<Option<(ApiToken, bool)>, sqlx::Error> {
    let sql = "UPDATE api_tokens SET revoked_at = $3 WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL \
               RETURNING name, role";
    let revoked = with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        let revoked: Option<(String, TokenRole)> =
            sqlx::query_as(sql).bind(ctx.org_id()).bind(id).bind(Timestamp::now()).fetch_optional(&mut *tx).await?;
        if let Some((name, role)) = &revoked {
            events::record(&mut *tx, &event(name, *role)).await?;
        }
        tx.commit().await?;
        u64::from(revoked.is_some())
    });
    Ok(find(db, ctx, id).await?.map(|token| (token, revoked == 1)))
}

/// A token found by its secret, with what deciding whether it may act
/// needs.
#[derive(Debug, Clone)]
pub struct FoundToken {
    pub id: ApiTokenId,
    pub name: String,
    pub role: TokenRole,
    /// The organization, with the token's role (not the creator's).
    pub org: OrgSummary,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked: bool,
    /// The creator; `None` once their account is deleted.
    pub creator: Option<UserId>,
    pub creator_email: Option<String>,
    /// The creator's role in the organization now; `None` once they left.
    pub creator_role: Option<Role>,
    pub last_used_at: Option<OffsetDateTime>,
    pub last_used_network: Option<String>,
}

#[derive(sqlx::FromRow)]
struct FoundRow {
    id: ApiTokenId,
    name: String,
    role: TokenRole,
    org_id: OrgId,
    org_name: String,
    org_slug: String,
    suspended: bool,
    expires_at: Option<Timestamp>,
    revoked: bool,
    created_by: Option<UserId>,
    creator_email: Option<String>,
    creator_role: Option<Role>,
    last_used_at: Option<Timestamp>,
    last_used_network: Option<String>,
}

/// The token whose secret hashes to `secret_hash`, in an organization
/// that is not deleted; `None` otherwise. One statement: the token, its
/// organization and its creator's membership.
#[tracing::instrument(
    name = "api_tokens::find_by_secret",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn find_by_secret(db: &Db, secret_hash: &[u8]) -> Result<Option<FoundToken>, sqlx::Error> {
    let sql = "SELECT t.id, t.name, t.role, o.id AS org_id, o.name AS org_name, o.slug AS org_slug, \
               o.suspended_at IS NOT NULL AS suspended, t.expires_at, t.revoked_at IS NOT NULL AS revoked, \
               t.created_by, u.email AS creator_email, m.role AS creator_role, t.last_used_at, t.last_used_network \
               FROM api_tokens t \
               JOIN organizations o ON o.id = t.org_id AND o.deleted_at IS NULL \
               LEFT JOIN users u ON u.id = t.created_by \
               LEFT JOIN memberships m ON m.org_id = t.org_id AND m.user_id = t.created_by \
               WHERE t.secret_hash = $1";
    let row = with_pool!(db, Scope::api_token(), conn => {
        sqlx::query_as::<_, FoundRow>(sql).bind(secret_hash).fetch_optional(&mut *conn).await?
    });
    Ok(row.map(|row| FoundToken {
        id: row.id,
        name: row.name,
        role: row.role,
        org: OrgSummary {
            id: row.org_id,
            name: row.org_name,
            slug: row.org_slug,
            role: row.role.acts_as(),
            suspended: row.suspended,
        },
        expires_at: row.expires_at.map(Into::into),
        revoked: row.revoked,
        creator: row.created_by,
        creator_email: row.creator_email,
        creator_role: row.creator_role,
        last_used_at: row.last_used_at.map(Into::into),
        last_used_network: row.last_used_network,
    }))
}

/// Notes a use of `token` from `network` (when known): the network joins
/// the token's list, and "last used" moves when it is older than
/// [`LAST_USED_RESOLUTION`] or the network changed. True when the
/// network was not on the list before; then the event `event` makes is
/// recorded with it, in the same transaction.
#[tracing::instrument(
    name = "api_tokens::record_use",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn record_use(
    db: &Db,
    token: &FoundToken,
    network: Option<&str>,
    event: impl FnOnce() -> NewEvent,
) -> Result<bool, sqlx::Error> {
    let now = OffsetDateTime::now_utc();
    let org = token.org.id;
    let new_network = match network {
        Some(network) => {
            let sql = "INSERT INTO api_token_networks (token_id, org_id, network, first_used_at) \
                       VALUES ($1, $2, $3, $4) ON CONFLICT (token_id, network) DO NOTHING";
            let added = with_pool!(db, Scope::tenant(org), conn => {
                let mut tx = super::begin_write(&mut *conn).await?;
                let added = sqlx::query(sql)
                    .bind(token.id)
                    .bind(org)
                    .bind(network)
                    .bind(Timestamp::from(now))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if added == 1 {
                    events::record(&mut *tx, &event()).await?;
                }
                tx.commit().await?;
                added
            });
            added == 1
        }
        None => false,
    };
    let stale = token.last_used_at.is_none_or(|last| now - last >= LAST_USED_RESOLUTION);
    if stale || network.is_some_and(|network| token.last_used_network.as_deref() != Some(network)) {
        let sql = "UPDATE api_tokens SET last_used_at = $3, last_used_network = COALESCE($4, last_used_network) \
                   WHERE org_id = $1 AND id = $2";
        with_pool!(db, Scope::tenant(org), conn => {
            sqlx::query(sql).bind(org).bind(token.id).bind(Timestamp::from(now)).bind(network).execute(&mut *conn).await?;
        });
    }
    Ok(new_network)
}
