//! `api_idempotency_keys`: the first answer to a create sent with an
//! `Idempotency-Key` header, so a client retrying after a lost answer
//! gets that answer again instead of a second resource (the IETF
//! httpapi "The Idempotency-Key HTTP Header Field" draft, as Stripe
//! implements it).
//!
//! A key belongs to one token and lives [`KEY_HOURS`] hours. The row is
//! claimed before the request runs (no answer yet), so a retry that
//! arrives while the first is still running is told so instead of
//! running twice.

use time::{Duration, OffsetDateTime};

use crate::{model::ApiTokenId, server::handles::OrgCtx};

use super::scope::Scope;
use super::{Db, Timestamp, with_pool};

/// How long a key's answer is kept, in hours.
pub const KEY_HOURS: i64 = 24;

/// A claim with no answer after this long was abandoned (its process
/// died mid-request: requests end within a minute), and the key may run
/// again.
pub const ABANDONED: Duration = Duration::minutes(2);

/// A stored answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    /// The headers worth replaying (`Location`, `ETag`), as name and value.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new: run the request, then [`store`] (or [`release`]).
    Fresh,
    /// The first request with this key is still running.
    InProgress,
    /// The first request's answer.
    Replay(StoredAnswer),
    /// The key was used with another request (method, path or body).
    Mismatch,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    fingerprint: Vec<u8>,
    status: Option<i32>,
    headers: Option<String>,
    body: Option<Vec<u8>>,
}

/// Claims `key` of `token` for the request whose SHA-256 is
/// `fingerprint`; see [`Claim`]. A key older than [`KEY_HOURS`], or a
/// claim [`ABANDONED`] without an answer, is forgotten first.
#[tracing::instrument(
    name = "idempotency::claim",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), api_token = %token)
)]
pub async fn claim(
    db: &Db,
    ctx: &OrgCtx,
    token: ApiTokenId,
    key: &str,
    fingerprint: &[u8],
) -> Result<Claim, sqlx::Error> {
    let org = ctx.org_id();
    let now = OffsetDateTime::now_utc();
    let expired = Timestamp::from(now - Duration::hours(KEY_HOURS));
    let abandoned = Timestamp::from(now - ABANDONED);
    let forget = "DELETE FROM api_idempotency_keys WHERE org_id = $1 AND token_id = $2 AND key = $3 \
                  AND (created_at < $4 OR (status IS NULL AND created_at < $5))";
    let insert = "INSERT INTO api_idempotency_keys (token_id, org_id, key, fingerprint, created_at) \
                  VALUES ($1, $2, $3, $4, $5) ON CONFLICT (token_id, key) DO NOTHING";
    let select = "SELECT fingerprint, status, headers, body FROM api_idempotency_keys \
                  WHERE org_id = $1 AND token_id = $2 AND key = $3";
    let (inserted, row) = with_pool!(db, Scope::tenant(org), conn => {
        sqlx::query(forget).bind(org).bind(token).bind(key).bind(expired).bind(abandoned).execute(&mut *conn).await?;
        let inserted = sqlx::query(insert)
            .bind(token)
            .bind(org)
            .bind(key)
            .bind(fingerprint)
            .bind(Timestamp::from(now))
            .execute(&mut *conn)
            .await?
            .rows_affected();
        let row = if inserted == 1 {
            None
        } else {
            sqlx::query_as::<_, KeyRow>(select).bind(org).bind(token).bind(key).fetch_optional(&mut *conn).await?
        };
        (inserted, row)
    });
    if inserted == 1 {
        return Ok(Claim::Fresh);
    }
    // Released by the first request between the two statements: it
    // failed, and a retry now may run; the client retries once more.
    let Some(row) = row else { return Ok(Claim::InProgress) };
    if row.fingerprint != fingerprint {
        return Ok(Claim::Mismatch);
    }
    Ok(match (row.status, row.body) {
        (Some(status), Some(body)) => Claim::Replay(StoredAnswer {
            status: u16::try_from(status).unwrap_or(500),
            headers: row.headers.and_then(|text| serde_json::from_str(&text).ok()).unwrap_or_default(),
            body,
        }),
        _ => Claim::InProgress,
    })
}

/// Keeps `answer` as the answer to `key`.
#[tracing::instrument(
    name = "idempotency::store",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), api_token = %token)
)]
pub async fn store(
    db: &Db,
    ctx: &OrgCtx,
    token: ApiTokenId,
    key: &str,
    answer: &StoredAnswer,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE api_idempotency_keys SET status = $4, headers = $5, body = $6 \
               WHERE org_id = $1 AND token_id = $2 AND key = $3";
    let headers = serde_json::to_string(&answer.headers).unwrap_or_else(|_| "[]".to_owned());
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query(sql)
            .bind(ctx.org_id())
            .bind(token)
            .bind(key)
            .bind(i32::from(answer.status))
            .bind(headers)
            .bind(&answer.body)
            .execute(&mut *conn)
            .await?;
    });
    Ok(())
}

/// Forgets the claim on `key` (the request failed and changed nothing), so
/// a retry runs it again.
#[tracing::instrument(
    name = "idempotency::release",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name(), api_token = %token)
)]
pub async fn release(db: &Db, ctx: &OrgCtx, token: ApiTokenId, key: &str) -> Result<(), sqlx::Error> {
    let sql = "DELETE FROM api_idempotency_keys WHERE org_id = $1 AND token_id = $2 AND key = $3 AND status IS NULL";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        sqlx::query(sql).bind(ctx.org_id()).bind(token).bind(key).execute(&mut *conn).await?;
    });
    Ok(())
}

/// Forgets every key older than [`KEY_HOURS`] (the hourly maintenance).
/// Returns how many.
#[tracing::instrument(
    name = "idempotency::forget_expired",
    level = "debug",
    skip_all,
    fields(db.system.name = db.system_name())
)]
pub async fn forget_expired(db: &Db) -> Result<u64, sqlx::Error> {
    let cutoff = Timestamp::from(OffsetDateTime::now_utc() - Duration::hours(KEY_HOURS));
    let sql = "DELETE FROM api_idempotency_keys WHERE created_at < $1";
    Ok(with_pool!(db, Scope::maintenance(), conn => {
        sqlx::query(sql).bind(cutoff).execute(&mut *conn).await?.rows_affected()
    }))
}
