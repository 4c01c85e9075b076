//! Whose rows a connection may see: the tenant named for PostgreSQL's
//! row-level security (`migrations/postgres/0009_row_level_security.sql`).
//!
//! Every repository function says which tenant it works for when it takes
//! a connection ([`with_pool!`](super::with_pool)): the organization of
//! its role handle for tenant work, and one of [`Scope`]'s named
//! constructors for the few lookups that span organizations. On PostgreSQL the connection's
//! `app.org_id` is set before the function's first statement, so a
//! statement that forgot its `org_id` condition still sees only that
//! organization's rows. SQLite has no row-level security; the scope is
//! PostgreSQL's only.

use sqlx::{PgPool, Postgres, pool::PoolConnection};

use crate::{model::OrgId, server::handles::PlatformAdmin};

/// The tenant a connection works for: one organization
/// ([`Scope::tenant`], from a role handle's `org_id`), or every one, which
/// only the named constructors below give, each for one kind of lookup
/// that spans organizations. A new cross-tenant need gets its own named,
/// documented constructor, so a reader sees why it spans tenants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope(Tenants);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tenants {
    One(OrgId),
    Every,
}

impl Scope {
    /// One organization: its rows only.
    pub const fn tenant(org: OrgId) -> Self {
        Scope(Tenants::One(org))
    }

    /// People and what is theirs alone: accounts, sessions, one-time
    /// tokens, second factors, sign-in failures. These tables belong to no
    /// organization, and the statements filter them by person.
    pub const fn accounts() -> Self {
        Scope(Tenants::Every)
    }

    /// One person's memberships across organizations: the organizations
    /// they belong to (the switcher, sign-in's last organization), the
    /// membership a request is checked against, an old slug's redirect
    /// for its members, and a new organization with its first Owner. The
    /// statements filter by the person.
    pub const fn memberships() -> Self {
        Scope(Tenants::Every)
    }

    /// Organization slugs, one namespace across organizations: changing a
    /// slug drops another organization's redirect of the same name.
    pub const fn slugs() -> Self {
        Scope(Tenants::Every)
    }

    /// An invitation found by its link's token, before anyone knows its
    /// organization.
    pub const fn invitation_link() -> Self {
        Scope(Tenants::Every)
    }

    /// A license found by its key (`/v1`, the self-serve page) or an
    /// organization by the account in a `/v1` path, before anyone knows
    /// the organization; the repository then works in that tenant.
    pub const fn license_key() -> Self {
        Scope(Tenants::Every)
    }

    /// An API token found by its secret's hash, with its organization
    /// and its creator's membership, before anyone knows the organization;
    /// the caller then works in that tenant.
    pub const fn api_token() -> Self {
        Scope(Tenants::Every)
    }

    /// The audit log's writes outside a change's transaction: a person's
    /// events, which belong to no organization (signing in, out, failing
    /// to). An organization's events are written by the change's own
    /// transaction, in its tenant (`events::record`).
    pub const fn audit_log() -> Self {
        Scope(Tenants::Every)
    }

    /// What a platform admin does: every tenant, by the proof of one.
    pub const fn platform(_admin: &PlatformAdmin) -> Self {
        Scope(Tenants::Every)
    }

    /// The background work of every tenant: the job queue's own rows,
    /// the periodic clean-up (trash, abandoned uploads, deleted files,
    /// dead machines, old jobs and imports) and the health probe.
    pub const fn maintenance() -> Self {
        Scope(Tenants::Every)
    }

    /// The value of `app.org_id`: the organization's id, or `*`.
    pub fn setting(self) -> String {
        match self.0 {
            Tenants::One(org) => org.to_string(),
            Tenants::Every => "*".to_owned(),
        }
    }
}

/// A connection from `pool` whose `app.org_id` is `scope`'s, the wait for
/// it recorded (`metrics::POOL_ACQUIRE`). The setting
/// lasts for the connection's session; every checkout through here sets
/// it again, so a connection never carries one function's tenant into
/// the next.
#[tracing::instrument(name = "scope::acquire", level = "debug", skip_all)]
pub async fn acquire(pool: &PgPool, scope: Scope) -> Result<PoolConnection<Postgres>, sqlx::Error> {
    let started = std::time::Instant::now();
    let conn = pool.acquire().await;
    crate::server::metrics::pool_acquired(started.elapsed());
    let mut conn = conn?;
    sqlx::query("SELECT set_config('app.org_id', $1, false)").bind(scope.setting()).execute(&mut *conn).await?;
    Ok(conn)
}
