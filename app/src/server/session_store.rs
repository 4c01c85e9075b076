//! The session store: tower-sessions' sqlx stores, on the active backend.
//!
//! Sessions live in the same database as everything else, so several app
//! processes sharing one PostgreSQL share sessions too.

use async_trait::async_trait;
use tower_sessions::{
    ExpiredDeletion, SessionStore,
    session::{Id, Record},
    session_store,
};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use super::db::Db;

/// A session store over whichever backend the `Db` uses.
#[derive(Clone, Debug)]
pub enum SessionDb {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl SessionDb {
    /// The store for `db`, with its table created if missing (the sessions
    /// table belongs to tower-sessions-sqlx-store, which migrates it).
    pub async fn for_db(db: &Db) -> Result<Self, sqlx::Error> {
        Ok(match db {
            Db::Sqlite(pool) => {
                let store = SqliteStore::new(pool.clone());
                store.migrate().await?;
                SessionDb::Sqlite(store)
            }
            Db::Postgres(pool) => {
                let store = PostgresStore::new(pool.clone());
                store.migrate().await?;
                SessionDb::Postgres(store)
            }
        })
    }
}

#[async_trait]
impl SessionStore for SessionDb {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            SessionDb::Sqlite(store) => store.create(record).await,
            SessionDb::Postgres(store) => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            SessionDb::Sqlite(store) => store.save(record).await,
            SessionDb::Postgres(store) => store.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            SessionDb::Sqlite(store) => store.load(id).await,
            SessionDb::Postgres(store) => store.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            SessionDb::Sqlite(store) => store.delete(id).await,
            SessionDb::Postgres(store) => store.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for SessionDb {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            SessionDb::Sqlite(store) => store.delete_expired().await,
            SessionDb::Postgres(store) => store.delete_expired().await,
        }
    }
}
