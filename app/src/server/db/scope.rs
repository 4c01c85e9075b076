//! Whose rows a connection may see: the tenant named for PostgreSQL's
//! row-level security (`migrations/postgres/0009_row_level_security.sql`).
//!
//! Every repository function says which tenant it works for when it takes
//! a connection ([`with_pool!`](super::with_pool)): the organization of
//! its `OrgCtx` for tenant work, [`Scope::EveryTenant`] for the few
//! lookups that span organizations. On PostgreSQL the connection's
//! `app.org_id` is set before the function's first statement, so a
//! statement that forgot its `org_id` condition still sees only that
//! organization's rows. SQLite has no row-level security; the scope is
//! PostgreSQL's only.

use sqlx::{PgPool, Postgres, pool::PoolConnection};

use crate::model::OrgId;

/// The tenant a connection works for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One organization: its rows only.
    Tenant(OrgId),
    /// Every organization: the signed-in person's memberships across
    /// organizations, invitation links, the platform admin, maintenance,
    /// and tables that belong to no tenant (people, sign-in failures).
    EveryTenant,
}

impl Scope {
    /// The value of `app.org_id`: the organization's id, or `*`.
    pub fn setting(self) -> String {
        match self {
            Scope::Tenant(org) => org.to_string(),
            Scope::EveryTenant => "*".to_owned(),
        }
    }
}

/// A connection from `pool` whose `app.org_id` is `scope`'s. The setting
/// lasts for the connection's session; every checkout through here sets
/// it again, so a connection never carries one function's tenant into
/// the next.
pub async fn acquire(pool: &PgPool, scope: Scope) -> Result<PoolConnection<Postgres>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    sqlx::query("SELECT set_config('app.org_id', $1, false)").bind(scope.setting()).execute(&mut *conn).await?;
    Ok(conn)
}
