//! `atrium copy-database`: a whole installation carried from SQLite to
//! PostgreSQL, for the move from one process to several.
//!
//! Every table of the schema is copied row for row, in an order that puts
//! each row after the rows its foreign keys name: ids, timestamps, counters
//! and identity values unchanged. The PostgreSQL schema says how each
//! column is read from SQLite (`uuid` from a 16-byte BLOB, `timestamptz`
//! from RFC 3339 text, `boolean` from 0/1, ...), so a column added by a
//! later migration is copied without a change here; a column that exists
//! on one side only stops the copy (the two migration folders have drifted).
//!
//! Sessions are copied too (tower-sessions' own table, `tower_sessions`
//! in SQLite and `tower_sessions.session` in PostgreSQL, the same encoded
//! record in both), so people stay signed in across the move.
//!
//! Files are not touched: objects stay where `storage_url` points. Signing
//! keys are copied sealed, as they are stored, so the new installation
//! needs the same key encryption key (`key_encryption_key` or `key_file`).

use std::collections::{BTreeMap, BTreeSet};

use futures_util::TryStreamExt;
use sqlx::{
    ConnectOptions, Connection, PgConnection, PgPool, Row, SqliteConnection,
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteRow},
};
use time::Date;
use tower_sessions_sqlx_store::PostgresStore;
use uuid::Uuid;

use super::{POSTGRES_MIGRATOR, SQLITE_MIGRATOR, Timestamp};

/// Rows per `INSERT`: PostgreSQL takes at most 65,535 bind parameters in
/// one statement; 500 rows keep statements small for narrow tables.
const ROWS_PER_INSERT: usize = 500;
const MAX_PARAMETERS: usize = 65_535;

/// What was copied: each table with its rows, in the order copied.
#[derive(Debug)]
pub struct Copied {
    pub tables: Vec<(String, u64)>,
}

impl Copied {
    /// Rows copied in all.
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|(_, rows)| rows).sum()
    }
}

/// Why nothing was copied. The target is written in one transaction, so
/// after any of these it is as it was (migrated, if it was new).
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("--from must be a sqlite: URL (the installation to copy)")]
    FromNotSqlite,
    #[error("--to must be a postgres: URL (the new installation's database)")]
    ToNotPostgres,
    #[error("{0} holds no Atrium installation (is the path right?)")]
    SourceNotInstalled(String),
    #[error(
        "the SQLite database is at migration {found} and this atrium expects {expected}: \
         copy with the atrium version that last ran on it, or start this version on it once (it migrates at start)"
    )]
    SourceVersion { found: i64, expected: i64 },
    #[error("the target database is not empty (table {0} has rows): copy into a new, empty database")]
    TargetNotEmpty(String),
    #[error("the two schemas differ at {0}: this is a bug in the migrations, please report it")]
    SchemaMismatch(String),
    #[error("{table}.{column}: {message}")]
    Value { table: String, column: String, message: String },
    #[error("copied {table}: {source_rows} rows read but {target_rows} in the target")]
    Count { table: String, source_rows: u64, target_rows: u64 },
    #[error("could not migrate the target: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A column as PostgreSQL declares it.
#[derive(Debug)]
struct Column {
    name: String,
    /// `pg_type.typname`: `uuid`, `text`, `int8`, `timestamptz`, ...
    udt: String,
    /// An identity column (or one fed by a sequence): its sequence is
    /// moved past the copied values.
    sequenced: bool,
    identity: bool,
}

/// One value read from SQLite, typed for the PostgreSQL column.
enum Cell {
    Uuid(Option<Uuid>),
    Text(Option<String>),
    Int8(Option<i64>),
    Int4(Option<i32>),
    Int2(Option<i16>),
    Float8(Option<f64>),
    Bool(Option<bool>),
    Bytes(Option<Vec<u8>>),
    Date(Option<Date>),
    Timestamp(Option<Timestamp>),
}

/// Copies the SQLite installation at `from` into the PostgreSQL database
/// at `to`, which is migrated first and must hold no rows.
///
/// The source is read in one read transaction, so a running app may go on
/// writing: the copy holds what was committed when it began (stop the app
/// first to carry everything). The target is written in one transaction
/// with the row-level security policies opened to all tenants (`app.org_id
/// = '*'`) and the tables' own triggers off (the counters they keep are
/// copied as they are), then analyzed for the planner. Every table's row
/// count is checked against the source before the commit. The sessions
/// table (tower-sessions') comes last.
///
/// Errors: see [`CopyError`]; a failure leaves the target without rows.
pub async fn copy_database(from: &str, to: &str) -> Result<Copied, CopyError> {
    if !from.starts_with("sqlite:") {
        return Err(CopyError::FromNotSqlite);
    }
    if !(to.starts_with("postgres:") || to.starts_with("postgresql:")) {
        return Err(CopyError::ToNotPostgres);
    }
    // Never create the source: a mistyped path must not become a new file.
    // The whole-table reads stay open while the target is written, and
    // sqlx would log each as a slow statement.
    let source_options: SqliteConnectOptions =
        from.parse::<SqliteConnectOptions>()?.create_if_missing(false).disable_statement_logging();
    let mut source = SqliteConnection::connect_with(&source_options).await?;
    check_source_version(&mut source, from).await?;

    let target_options: PgConnectOptions = to.parse::<PgConnectOptions>()?.disable_statement_logging();
    let target = PgPoolOptions::new().max_connections(1).connect_with(target_options).await?;
    POSTGRES_MIGRATOR.run(&target).await?;
    PostgresStore::new(target.clone()).migrate().await?;

    let mut conn = target.acquire().await?;
    let tables = target_tables(&mut conn).await?;
    let order = copy_order(&mut conn, &tables).await?;
    drop(conn);

    // One snapshot of the source: a deferred transaction's first read
    // fixes what every later read sees.
    sqlx::query("BEGIN").execute(&mut source).await?;
    let copied = copy_tables(&mut source, &target, &tables, &order).await;
    sqlx::query("ROLLBACK").execute(&mut source).await?;
    let copied = copied?;

    // Statistics for the planner, which would otherwise plan the first
    // queries over tables it believes empty.
    sqlx::query("ANALYZE").execute(&target).await?;
    target.close().await;
    source.close().await?;
    Ok(copied)
}

async fn check_source_version(source: &mut SqliteConnection, from: &str) -> Result<(), CopyError> {
    let installed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = '_sqlx_migrations'")
        .fetch_one(&mut *source)
        .await?;
    if installed == 0 {
        return Err(CopyError::SourceNotInstalled(from.to_owned()));
    }
    let found: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success")
        .fetch_one(&mut *source)
        .await?;
    let expected = SQLITE_MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    if found != expected {
        return Err(CopyError::SourceVersion { found, expected });
    }
    Ok(())
}

/// The target's tables (all but the migrations' own) with their columns,
/// generated ones left out (PostgreSQL computes them).
async fn target_tables(target: &mut PgConnection) -> Result<BTreeMap<String, Vec<Column>>, CopyError> {
    let rows = sqlx::query(
        "SELECT c.table_name, c.column_name, c.udt_name, c.is_identity = 'YES' AS identity, \
                (c.is_identity = 'YES' OR COALESCE(c.column_default LIKE 'nextval(%', false)) AS sequenced \
         FROM information_schema.columns c \
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
           AND c.table_name <> '_sqlx_migrations' AND c.is_generated = 'NEVER' \
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(&mut *target)
    .await?;
    let mut tables: BTreeMap<String, Vec<Column>> = BTreeMap::new();
    for row in rows {
        tables.entry(row.try_get("table_name")?).or_default().push(Column {
            name: row.try_get("column_name")?,
            udt: row.try_get("udt_name")?,
            identity: row.try_get("identity")?,
            sequenced: row.try_get("sequenced")?,
        });
    }
    Ok(tables)
}

/// The tables in an order where every foreign key names a table copied
/// before its own (Kahn's algorithm over the target's foreign keys).
async fn copy_order(
    target: &mut PgConnection,
    tables: &BTreeMap<String, Vec<Column>>,
) -> Result<Vec<String>, CopyError> {
    let references: Vec<(String, String)> = sqlx::query_as(
        "SELECT child.relname::text, parent.relname::text FROM pg_constraint k \
         JOIN pg_class child ON child.oid = k.conrelid \
         JOIN pg_class parent ON parent.oid = k.confrelid \
         JOIN pg_namespace n ON n.oid = child.relnamespace \
         WHERE k.contype = 'f' AND n.nspname = current_schema()",
    )
    .fetch_all(&mut *target)
    .await?;
    let mut needs: BTreeMap<&str, BTreeSet<&str>> = tables.keys().map(|t| (t.as_str(), BTreeSet::new())).collect();
    for (child, parent) in &references {
        if child == parent {
            // A row naming a row of its own table would need the rows in
            // order too; no table has such a key today.
            return Err(CopyError::SchemaMismatch(format!("{child} references itself, which the copy does not order")));
        }
        if let Some(set) = needs.get_mut(child.as_str()) {
            set.insert(parent.as_str());
        }
    }
    let mut order = Vec::with_capacity(tables.len());
    while !needs.is_empty() {
        let ready: Vec<&str> = needs
            .iter()
            .filter(|(_, parents)| parents.iter().all(|p| !needs.contains_key(p)))
            .map(|(t, _)| *t)
            .collect();
        if ready.is_empty() {
            let left: Vec<&str> = needs.keys().copied().collect();
            return Err(CopyError::SchemaMismatch(format!("foreign keys in a cycle among {}", left.join(", "))));
        }
        for table in ready {
            needs.remove(table);
            order.push(table.to_owned());
        }
    }
    Ok(order)
}

async fn copy_tables(
    source: &mut SqliteConnection,
    target: &PgPool,
    tables: &BTreeMap<String, Vec<Column>>,
    order: &[String],
) -> Result<Copied, CopyError> {
    let mut tx = target.begin().await?;
    sqlx::query("SELECT set_config('app.org_id', '*', true)").execute(&mut *tx).await?;
    for table in order.iter().map(|t| quote(t)).chain([SESSIONS_POSTGRES.to_owned()]) {
        let empty: bool =
            sqlx::query_scalar(&format!("SELECT NOT EXISTS (SELECT 1 FROM {table})")).fetch_one(&mut *tx).await?;
        if !empty {
            return Err(CopyError::TargetNotEmpty(table.replace('"', "")));
        }
    }
    let mut copied = Vec::with_capacity(order.len());
    for table in order {
        let columns = &tables[table];
        check_source_columns(source, table, columns).await?;
        sqlx::query(&format!("ALTER TABLE {} DISABLE TRIGGER USER", quote(table))).execute(&mut *tx).await?;
        let rows = copy_table(source, &mut tx, table, &quote(table), columns).await?;
        sqlx::query(&format!("ALTER TABLE {} ENABLE TRIGGER USER", quote(table))).execute(&mut *tx).await?;
        let target_rows: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quote(table))).fetch_one(&mut *tx).await?;
        if u64::try_from(target_rows).ok() != Some(rows) {
            return Err(CopyError::Count {
                table: table.clone(),
                source_rows: rows,
                target_rows: u64::try_from(target_rows).unwrap_or(0),
            });
        }
        for column in columns.iter().filter(|c| c.sequenced) {
            // The next value follows the largest copied one (or starts at 1).
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX({col}), 0) + 1, false) FROM {table}",
                col = quote(&column.name),
                table = quote(table),
            ))
            .bind(table)
            .bind(&column.name)
            .execute(&mut *tx)
            .await?;
        }
        copied.push((table.clone(), rows));
    }
    if let Some(rows) = copy_sessions(source, &mut tx).await? {
        copied.push(("tower_sessions.session".to_owned(), rows));
    }
    tx.commit().await?;
    Ok(Copied { tables: copied })
}

/// tower-sessions' table in PostgreSQL (`PostgresStore`'s defaults).
const SESSIONS_POSTGRES: &str = "\"tower_sessions\".\"session\"";

/// Copies the sessions, when SQLite has their table (the app made it at
/// its first start). The record is the same MessagePack in both stores;
/// the expiry is text in SQLite and `timestamptz` in PostgreSQL.
async fn copy_sessions(source: &mut SqliteConnection, target: &mut PgConnection) -> Result<Option<u64>, CopyError> {
    let present: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'tower_sessions'")
            .fetch_one(&mut *source)
            .await?;
    if present == 0 {
        return Ok(None);
    }
    let column = |name: &str, udt: &str| Column {
        name: name.to_owned(),
        udt: udt.to_owned(),
        sequenced: false,
        identity: false,
    };
    let columns = [column("id", "text"), column("data", "bytea"), column("expiry_date", "timestamptz")];
    Ok(Some(copy_table(source, target, "tower_sessions", SESSIONS_POSTGRES, &columns).await?))
}

/// Stops the copy when SQLite's table lacks a column PostgreSQL has, or
/// has one PostgreSQL lacks (its values would be lost).
async fn check_source_columns(source: &mut SqliteConnection, table: &str, columns: &[Column]) -> Result<(), CopyError> {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT name FROM pragma_table_info(?)").bind(table).fetch_all(&mut *source).await?;
    if names.is_empty() {
        return Err(CopyError::SchemaMismatch(format!("table {table} is missing in SQLite")));
    }
    let source_names: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    let target_names: BTreeSet<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    if let Some(missing) = target_names.difference(&source_names).next() {
        return Err(CopyError::SchemaMismatch(format!("{table}.{missing} is missing in SQLite")));
    }
    if let Some(extra) = source_names.difference(&target_names).next() {
        return Err(CopyError::SchemaMismatch(format!("{table}.{extra} is missing in PostgreSQL")));
    }
    Ok(())
}

/// Streams `table` out of SQLite into `into` (a quoted, possibly
/// schema-qualified PostgreSQL name) in multi-row inserts; returns the rows
/// copied.
async fn copy_table(
    source: &mut SqliteConnection,
    target: &mut PgConnection,
    table: &str,
    into: &str,
    columns: &[Column],
) -> Result<u64, CopyError> {
    let list = columns.iter().map(|c| quote(&c.name)).collect::<Vec<_>>().join(", ");
    let select = format!("SELECT {list} FROM {}", quote(table));
    let overriding = if columns.iter().any(|c| c.identity) { " OVERRIDING SYSTEM VALUE" } else { "" };
    let per_insert = ROWS_PER_INSERT.min(MAX_PARAMETERS / columns.len().max(1));
    let mut rows = sqlx::query(&select).fetch(&mut *source);
    let mut batch: Vec<Vec<Cell>> = Vec::with_capacity(per_insert);
    let mut copied = 0u64;
    while let Some(row) = rows.try_next().await? {
        batch.push(read_row(&row, table, columns)?);
        if batch.len() == per_insert {
            copied += insert(target, into, &list, overriding, columns, std::mem::take(&mut batch)).await?;
        }
    }
    if !batch.is_empty() {
        copied += insert(target, into, &list, overriding, columns, batch).await?;
    }
    Ok(copied)
}

fn read_row(row: &SqliteRow, table: &str, columns: &[Column]) -> Result<Vec<Cell>, CopyError> {
    columns
        .iter()
        .enumerate()
        .map(|(index, column)| {
            let value_error = |err: sqlx::Error| CopyError::Value {
                table: table.to_owned(),
                column: column.name.clone(),
                message: err.to_string(),
            };
            // Unchecked: SQLite's declared types (BLOB, TEXT) say little;
            // decoding the value is the check.
            Ok(match column.udt.as_str() {
                "uuid" => Cell::Uuid(row.try_get_unchecked(index).map_err(value_error)?),
                "text" | "varchar" | "json" | "jsonb" => Cell::Text(row.try_get_unchecked(index).map_err(value_error)?),
                "int8" => Cell::Int8(row.try_get_unchecked(index).map_err(value_error)?),
                "int4" => Cell::Int4(row.try_get_unchecked(index).map_err(value_error)?),
                "int2" => Cell::Int2(row.try_get_unchecked(index).map_err(value_error)?),
                "float8" | "float4" => Cell::Float8(row.try_get_unchecked(index).map_err(value_error)?),
                "bool" => Cell::Bool(row.try_get_unchecked(index).map_err(value_error)?),
                "bytea" => Cell::Bytes(row.try_get_unchecked(index).map_err(value_error)?),
                "date" => Cell::Date(row.try_get_unchecked(index).map_err(value_error)?),
                "timestamptz" => Cell::Timestamp(row.try_get_unchecked(index).map_err(value_error)?),
                other => {
                    return Err(CopyError::Value {
                        table: table.to_owned(),
                        column: column.name.clone(),
                        message: format!("the copy does not know the type {other}"),
                    });
                }
            })
        })
        .collect()
}

/// One multi-row `INSERT`; each placeholder is cast to its column's type
/// (text carries the JSON columns).
async fn insert(
    target: &mut PgConnection,
    into: &str,
    list: &str,
    overriding: &str,
    columns: &[Column],
    batch: Vec<Vec<Cell>>,
) -> Result<u64, CopyError> {
    let mut sql = format!("INSERT INTO {into} ({list}){overriding} VALUES ");
    let mut parameter = 0;
    for (n, _) in batch.iter().enumerate() {
        sql.push_str(if n == 0 { "(" } else { ", (" });
        for (i, column) in columns.iter().enumerate() {
            parameter += 1;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${parameter}::{}", column.udt));
        }
        sql.push(')');
    }
    let mut query = sqlx::query(&sql);
    for row in batch {
        for cell in row {
            query = match cell {
                Cell::Uuid(v) => query.bind(v),
                Cell::Text(v) => query.bind(v),
                Cell::Int8(v) => query.bind(v),
                Cell::Int4(v) => query.bind(v),
                Cell::Int2(v) => query.bind(v),
                Cell::Float8(v) => query.bind(v),
                Cell::Bool(v) => query.bind(v),
                Cell::Bytes(v) => query.bind(v),
                Cell::Date(v) => query.bind(v),
                Cell::Timestamp(v) => query.bind(v),
            };
        }
    }
    Ok(query.execute(&mut *target).await?.rows_affected())
}

/// `name` as a quoted SQL identifier (the names come from the catalog, but
/// quoting keeps a reserved word or a capital letter from breaking the
/// statement).
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn identifiers_are_quoted_with_their_quotes_doubled() {
        assert_eq!(quote("tasks"), "\"tasks\"");
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
    }
}
