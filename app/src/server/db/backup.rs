//! A consistent copy of a running SQLite database, for `atrium backup`.

use std::path::Path;

use super::Db;

/// Why a snapshot was not written.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "this database is PostgreSQL: back it up with pg_dump (see the README's Operations section), not atrium backup"
    )]
    NotSqlite,
    #[error("{0} exists already: name a new file, so no backup is overwritten")]
    Exists(String),
    #[error("the database holds no Atrium installation (is DATABASE_URL right?)")]
    Empty,
    #[error("the snapshot failed: {0}")]
    Db(#[from] sqlx::Error),
}

/// Writes a consistent snapshot of the SQLite database `db` to the new file
/// `to`, with SQLite's `VACUUM INTO` (<https://sqlite.org/lang_vacuum.html>):
/// it reads in one transaction, so the processes writing meanwhile are not
/// stopped and the copy holds every transaction committed before it began
/// and none after; it is also compacted.
///
/// Errors: [`BackupError::Exists`] when `to` exists, [`BackupError::NotSqlite`]
/// on PostgreSQL, [`BackupError::Empty`] when the database was never
/// migrated (a mistyped path opens a new, empty file), or the database's
/// own.
#[tracing::instrument(name = "backup::snapshot", level = "debug", skip_all, fields(db.system.name = db.system_name()))]
pub async fn snapshot(db: &Db, to: &Path) -> Result<(), BackupError> {
    let Db::Sqlite(pool) = db else { return Err(BackupError::NotSqlite) };
    if to.exists() {
        return Err(BackupError::Exists(to.display().to_string()));
    }
    let migrated: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = '_sqlx_migrations'")
        .fetch_one(pool)
        .await?;
    if migrated == 0 {
        return Err(BackupError::Empty);
    }
    sqlx::query("VACUUM INTO ?").bind(to.to_string_lossy().into_owned()).execute(pool).await?;
    Ok(())
}
