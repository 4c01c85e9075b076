//! The database: one `Db` over SQLite (embedded default) or PostgreSQL
//! (scale-out), chosen once from the URL scheme, and the repositories.
//!
//! Each repository function is written once. [`with_pool!`] expands its body
//! for both pools, so the same SQL text is type-checked against both drivers;
//! dialect arms appear only where the SQL really differs.

pub mod account;
pub mod api_tokens;
pub mod audit;
pub mod backup;
pub mod copy;
pub mod cycles;
pub mod dashboard;
pub mod events;
pub mod files;
pub mod idempotency;
pub mod imports;
pub mod invitations;
pub mod jobs;
pub mod labels;
pub mod license_api;
pub mod licensing;
pub mod members;
pub mod orgs;
pub mod platform;
pub mod projects;
pub mod scope;
pub mod sql;
pub mod task_list;
pub mod tasks;
pub mod testing;
pub(crate) mod text_enum;
mod timestamp;
pub mod users;
pub mod views;
pub mod webhooks;

use std::{
    path::Path,
    str::FromStr,
    time::{Duration, Instant},
};

use sqlx::{
    PgConnection, PgPool, Sqlite, SqliteConnection, SqlitePool, Transaction,
    migrate::{MigrateError, Migrator},
    pool::PoolConnection,
    postgres::PgPoolOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

pub use timestamp::Timestamp;

static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("../migrations/postgres");

/// The default database: a file under `data/`, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/atrium.db?mode=rwc";

/// A connection pool to the active backend. Cheap to clone.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Which backend a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs `$body` with `$conn` bound to a connection (`&mut` a
/// `SqliteConnection` or `PgConnection`) from whichever pool `$db` holds,
/// taken for the tenant `$scope` (a [`scope::Scope`]: on PostgreSQL its
/// row-level security sees only that tenant's rows). The body is compiled
/// once per backend, so one SQL text serves both; it passes `&mut *$conn`
/// to each statement it runs, and may begin a transaction on it
/// ([`begin_write`]). Errors taking the connection propagate
/// with `?`.
macro_rules! with_pool {
    ($db:expr, $scope:expr, $conn:ident => $body:expr) => {
        match $db {
            $crate::server::db::Db::Sqlite(pool) => {
                let mut connection = $crate::server::db::acquire_sqlite(pool).await?;
                let $conn = &mut *connection;
                $body
            }
            $crate::server::db::Db::Postgres(pool) => {
                let mut connection = $crate::server::db::scope::acquire(pool, $scope).await?;
                let $conn = &mut *connection;
                $body
            }
        }
    };
}
pub(crate) use with_pool;

/// A connection from the SQLite pool, the wait recorded
/// (`metrics::POOL_ACQUIRE`); [`with_pool!`] takes every connection here
/// (PostgreSQL's through [`scope::acquire`]).
pub async fn acquire_sqlite(pool: &SqlitePool) -> Result<PoolConnection<Sqlite>, sqlx::Error> {
    let started = Instant::now();
    let connection = pool.acquire().await;
    crate::server::metrics::pool_acquired(started.elapsed());
    connection
}

/// The pool's connections now: open ones (`size`), those of them idle,
/// and the most it may open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

/// A connection that can begin a transaction which writes
/// ([`begin_write`]).
pub trait WriteTransaction: sqlx::Connection + Sized {
    /// The statement that begins a writing transaction on this backend.
    const BEGIN: &'static str;
}

/// SQLite takes the write lock when the transaction begins. A deferred
/// `BEGIN` reads under a snapshot and asks for the lock at its first
/// write; when another connection committed in between, SQLite answers
/// `SQLITE_BUSY_SNAPSHOT` (extended code 517) at once, without waiting
/// on `busy_timeout`, and the request failed with "database is locked".
/// `BEGIN IMMEDIATE` makes concurrent writers queue on the busy timeout
/// instead (<https://www.sqlite.org/lang_transaction.html>).
impl WriteTransaction for SqliteConnection {
    const BEGIN: &'static str = "BEGIN IMMEDIATE";
}

/// PostgreSQL locks rows as statements touch them; a plain `BEGIN`.
impl WriteTransaction for PgConnection {
    const BEGIN: &'static str = "BEGIN";
}

/// Begins a transaction that may write on `conn` (inside [`with_pool!`]:
/// `begin_write(&mut *conn)`). Every transaction of the repositories
/// begins here, never with `sqlx::Connection::begin`, so that on SQLite
/// concurrent writers wait for each other instead of failing.
pub async fn begin_write<C: WriteTransaction>(conn: &mut C) -> Result<Transaction<'_, C::Database>, sqlx::Error> {
    conn.begin_with(C::BEGIN).await
}

/// The database URL could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("unsupported database URL scheme (expected sqlite: or postgres:)")]
    UnsupportedScheme,
    #[error("could not create the database directory {path}: {source}")]
    CreateDir { path: String, source: std::io::Error },
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
}

impl Db {
    /// Connects to `url`: `sqlite:` (file or `sqlite::memory:`) or
    /// `postgres:`/`postgresql:`. SQLite runs in WAL mode with foreign keys
    /// on, `synchronous=NORMAL` and a 5 s busy timeout; the directory of a
    /// database file is created when missing.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, ConnectError> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5));
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            if !in_memory {
                create_parent_dir(options.get_filename())?;
            }
            // An in-memory database lives in one connection.
            let max = if in_memory { 1 } else { max_connections };
            // No ping before each checkout: a local file's connection does
            // not go stale, and with sqlx's SQLite a ping is a round trip
            // to the connection's worker thread, paid by every call.
            let pool =
                SqlitePoolOptions::new().max_connections(max).test_before_acquire(false).connect_with(options).await?;
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(5))
                .connect(url)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            Err(ConnectError::UnsupportedScheme)
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// The backend as OpenTelemetry's database conventions name it
    /// (`db.system.name`): `sqlite` or `postgresql`. The repository
    /// functions' trace spans carry it.
    pub fn system_name(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgresql",
        }
    }

    /// Applies the pending migrations of this backend's folder.
    pub async fn migrate(&self) -> Result<(), MigrateError> {
        match self {
            Db::Sqlite(pool) => SQLITE_MIGRATOR.run(pool).await,
            Db::Postgres(pool) => POSTGRES_MIGRATOR.run(pool).await,
        }
    }

    /// Runs a trivial query: the readiness check.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        with_pool!(self, scope::Scope::maintenance(), conn => sqlx::query("SELECT 1").execute(&mut *conn).await.map(|_| ()))
    }

    /// The pool's connections now (for the metrics' gauges).
    pub fn pool_stats(&self) -> PoolStats {
        let (size, idle, max) = match self {
            Db::Sqlite(pool) => (pool.size(), pool.num_idle(), pool.options().get_max_connections()),
            Db::Postgres(pool) => (pool.size(), pool.num_idle(), pool.options().get_max_connections()),
        };
        PoolStats { size, idle: u32::try_from(idle).unwrap_or(u32::MAX), max }
    }

    /// Closes every connection (graceful shutdown, tests).
    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

fn create_parent_dir(file: &Path) -> Result<(), ConnectError> {
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir)
            .map_err(|source| ConnectError::CreateDir { path: dir.display().to_string(), source }),
        _ => Ok(()),
    }
}

/// A named unique constraint, as each backend reports it: PostgreSQL by the
/// constraint's name, SQLite by `table.column` in its message.
#[derive(Clone, Copy, Debug)]
pub struct UniqueKey {
    pub postgres: &'static str,
    pub sqlite: &'static str,
}

impl UniqueKey {
    /// True when `err` is a violation of this unique constraint.
    pub fn violated_by(&self, err: &sqlx::Error) -> bool {
        let Some(db_err) = err.as_database_error() else { return false };
        if !db_err.is_unique_violation() {
            return false;
        }
        match db_err.constraint() {
            Some(name) => name == self.postgres,
            // "UNIQUE constraint failed: users.email"
            None => db_err.message().rsplit(": ").next() == Some(self.sqlite),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{collections::BTreeSet, fs, path::PathBuf};

    fn migration_names(backend: &str) -> BTreeSet<String> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../migrations").join(backend);
        fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }

    /// Both backends must evolve in lockstep: a migration added to one
    /// folder and not the other fails here.
    #[test]
    fn sqlite_and_postgres_migration_folders_hold_the_same_file_names() {
        let sqlite = migration_names("sqlite");
        let postgres = migration_names("postgres");
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, postgres);
    }

    /// A database file (its folder created on the way) runs in WAL mode,
    /// and every connection of the pool enforces foreign keys.
    #[tokio::test]
    async fn sqlite_files_are_created_in_wal_mode_with_foreign_keys_on() {
        let dir = std::env::temp_dir().join(format!("atrium-db-test-{}", uuid::Uuid::now_v7()));
        let url = format!("sqlite://{}/data/atrium.db?mode=rwc", dir.display());
        let db = super::Db::connect(&url, 2).await.unwrap();
        let super::Db::Sqlite(pool) = &db else { panic!("a SQLite URL gives a SQLite pool") };
        let (mut first, mut second) = (pool.acquire().await.unwrap(), pool.acquire().await.unwrap());
        for conn in [&mut *first, &mut *second] {
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut *conn).await.unwrap();
            assert_eq!(mode, "wal");
            let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&mut *conn).await.unwrap();
            assert_eq!(foreign_keys, 1);
        }
        drop((first, second));
        db.close().await;
        assert!(dir.join("data/atrium.db").is_file());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
