//! Throwaway databases and generated data for tests, benchmarks, load
//! tests and the demo (the server's `seed-load` and `seed-demo`); nothing a
//! request runs calls it.

use sqlx::{Connection, Executor, PgConnection};

use super::{
    ConnectError, Db, Timestamp,
    scope::Scope,
    sql::{Arg, Sql, bind_args},
    with_pool,
};
use crate::{
    model::{LabelId, OrgId, Priority, TaskDescription, TaskFields, TaskId, TaskTitle, UserId},
    server::handles::Writer,
};

/// The `i`th task of a generated project, varied the way real ones are:
/// priorities in turn, a due date on every third (spread over 90 days from
/// November 2026), `assignee` on every second, `label` on every fourth.
/// Titles are `Task 0000042 about the launch plan`.
pub fn sample_task(i: usize, assignee: UserId, label: LabelId) -> TaskFields {
    let days = i64::try_from(i % 90).unwrap_or(0);
    TaskFields {
        title: TaskTitle::parse(&format!("Task {i:07} about the launch plan")).unwrap_or_else(|_| unreachable!()),
        description: TaskDescription::parse("Write it down, check it twice, then ship it to the people who asked.")
            .unwrap_or_else(|_| unreachable!()),
        priority: Priority::ALL[i % Priority::ALL.len()],
        due_on: i.is_multiple_of(3).then(|| time::macros::date!(2026 - 11 - 01) + time::Duration::days(days)),
        assignee: i.is_multiple_of(2).then_some(assignee),
        cycle: None,
        labels: if i.is_multiple_of(4) { vec![label] } else { Vec::new() },
    }
}

/// The PostgreSQL server to test against, from `TEST_DATABASE_URL`, when
/// that is a `postgres:` URL. CI sets it; without it the PostgreSQL half of
/// the tests is skipped (and says so).
///
/// # Panics
/// When `TEST_REQUIRE_POSTGRES` is set (CI sets it) and there is no such
/// URL: a run that asked for both backends fails rather than quietly
/// testing one.
pub fn postgres_test_url() -> Option<String> {
    let url = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| url.starts_with("postgres:") || url.starts_with("postgresql:"));
    if url.is_none() && std::env::var_os("TEST_REQUIRE_POSTGRES").is_some() {
        panic!("TEST_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not a postgres:// URL");
    }
    url
}

/// The role tests connect as on PostgreSQL: not a superuser, without
/// BYPASSRLS and not the tables' owner, so row-level security applies to
/// every statement the application runs, as it does in production.
pub const APP_ROLE: &str = "atrium_app";

/// A migrated database of its own on the server at `server_url`, named
/// `atrium_test_<uuid>`, connected as [`APP_ROLE`]. Drop it with
/// [`drop_postgres`] when done.
pub async fn fresh_postgres(server_url: &str) -> Result<(Db, String), ConnectError> {
    let name = create_postgres(server_url, None).await?;
    let owner = Db::connect(&with_database(server_url, &name), 2).await?;
    owner.migrate().await.map_err(|e| ConnectError::Sqlx(e.into()))?;
    owner.close().await;
    grant_app_role(server_url, &name).await?;
    let db = Db::connect(&app_database_url(server_url, &name), 4).await?;
    Ok((db, name))
}

/// Creates [`APP_ROLE`] on the server when it is missing, and lets it use
/// database `name` and its tables (the tables' grants travel with a
/// database used as a template, the database's own do not: grant again on
/// each copy).
pub async fn grant_app_role(server_url: &str, name: &str) -> Result<(), sqlx::Error> {
    let mut admin = PgConnection::connect(&with_database(server_url, name)).await?;
    let create = format!("CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS");
    if let Err(err) = admin.execute(create.as_str()).await {
        // Made already, perhaps by a test running at the same moment.
        let code = err.as_database_error().and_then(|e| e.code()).unwrap_or_default();
        if code != "42710" && code != "23505" {
            return Err(err);
        }
    }
    for grant in [
        // The session store makes its own schema at start-up.
        format!(r#"GRANT CONNECT, CREATE ON DATABASE "{name}" TO {APP_ROLE}"#),
        format!("GRANT USAGE, CREATE ON SCHEMA public TO {APP_ROLE}"),
        format!("GRANT ALL ON ALL TABLES IN SCHEMA public TO {APP_ROLE}"),
        format!("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}"),
    ] {
        admin.execute(grant.as_str()).await?;
    }
    admin.close().await
}

/// Creates an empty database `atrium_test_<uuid>` on the server at
/// `server_url`, a copy of `template` when given, and returns its name.
pub async fn create_postgres(server_url: &str, template: Option<&str>) -> Result<String, sqlx::Error> {
    let name = format!("atrium_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(server_url).await?;
    let statement = match template {
        // A small template copies fastest file by file.
        Some(template) => format!(r#"CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY"#),
        None => format!(r#"CREATE DATABASE "{name}""#),
    };
    admin.execute(statement.as_str()).await?;
    admin.close().await?;
    Ok(name)
}

/// The URL of database `name` on the server at `server_url`, as the
/// server URL's user (the owner of what it creates).
pub fn database_url(server_url: &str, name: &str) -> String {
    with_database(server_url, name)
}

/// The URL of database `name` on the server at `server_url`, as
/// [`APP_ROLE`] (no password: the test server trusts local connections).
pub fn app_database_url(server_url: &str, name: &str) -> String {
    with_user(&with_database(server_url, name), APP_ROLE)
}

/// `url` with its user replaced by `user` (and no password).
fn with_user(url: &str, user: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[scheme_end..];
    let host_start = rest.find('/').map_or(rest.len(), |i| i);
    let host = match rest[..host_start].rfind('@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    format!("{}{user}@{host}", &url[..scheme_end])
}

/// Drops the database `name` on the server at `server_url`, closing any
/// connection still open to it.
pub async fn drop_database(server_url: &str, name: &str) -> Result<(), sqlx::Error> {
    let mut admin = PgConnection::connect(server_url).await?;
    admin.execute(format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#).as_str()).await?;
    admin.close().await
}

/// Closes `db` and drops the database `name` made by [`fresh_postgres`].
pub async fn drop_postgres(db: Db, server_url: &str, name: &str) -> Result<(), sqlx::Error> {
    db.close().await;
    drop_database(server_url, name).await
}

/// `url` with its database (the path) replaced by `name`; the query string
/// is kept.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

/// Moves tasks of the organization of `ctx` into the past, for generated
/// history: each `(task, created_at, completed_at)` sets the creation time
/// and, on a task that is done, the completion time (`None` leaves an open
/// task open). The repositories stamp "now"; a demo's chart needs weeks.
/// One transaction.
pub async fn backdate_tasks(
    db: &Db,
    ctx: &Writer,
    rows: &[(TaskId, Timestamp, Option<Timestamp>)],
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE tasks SET created_at = $1, updated_at = COALESCE($2, $1), \
               completed_at = CASE WHEN completed_at IS NULL THEN NULL ELSE COALESCE($2, completed_at) END \
               WHERE org_id = $3 AND id = $4";
    with_pool!(db, Scope::tenant(ctx.org_id()), conn => {
        let mut tx = super::begin_write(&mut *conn).await?;
        for (id, created_at, completed_at) in rows {
            sqlx::query(sql).bind(*created_at).bind(*completed_at).bind(ctx.org_id()).bind(*id).execute(&mut *tx).await?;
        }
        tx.commit().await
    })
}

#[cfg(test)]
mod tests {
    use super::{with_database, with_user};

    #[test]
    fn the_user_is_replaced_and_the_rest_kept() {
        assert_eq!(with_user("postgres://postgres@h:5432/x?a=b", "app"), "postgres://app@h:5432/x?a=b");
        assert_eq!(with_user("postgres://u:pw@h/x", "app"), "postgres://app@h/x");
        assert_eq!(with_user("postgres://h:5432/x", "app"), "postgres://app@h:5432/x");
    }

    #[test]
    fn the_database_name_is_replaced_and_the_query_kept() {
        assert_eq!(with_database("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
        assert_eq!(with_database("postgres://u@h/test?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}

/// One plan of a statement: which planner made it, and its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// `"sqlite"`; on PostgreSQL `"custom"` (planned for the arguments
    /// given) or `"generic"` (planned for any arguments).
    pub kind: &'static str,
    /// SQLite: `EXPLAIN QUERY PLAN`'s details (`SEARCH t USING INDEX
    /// tasks_open_idx (org_id=? AND project_id=?)`); PostgreSQL:
    /// `EXPLAIN`'s text lines.
    pub lines: Vec<String>,
}

/// The plans the database makes for `sql`, run as the tenant `org` (on
/// PostgreSQL row-level security's policies are part of the plan).
///
/// PostgreSQL plans a prepared statement (sqlx prepares every statement)
/// for its arguments on its first five runs, then switches to a generic
/// plan when that costs no more on average; both are returned, the
/// generic one read through `PREPARE` with `plan_cache_mode =
/// force_generic_plan` (PostgreSQL 15 has no `EXPLAIN (GENERIC_PLAN)`).
///
/// # Errors
/// What the database answers (a statement it cannot plan).
pub async fn explain(db: &Db, org: OrgId, sql: &Sql) -> Result<Vec<Plan>, sqlx::Error> {
    let args = sql.args().iter().cloned();
    match db {
        Db::Sqlite(_) => {
            let text = format!("EXPLAIN QUERY PLAN {}", sql.text());
            let rows: Vec<(i64, i64, i64, String)> = with_pool!(db, Scope::tenant(org), conn => {
                bind_args!(sqlx::query_as(&text), args).fetch_all(&mut *conn).await?
            });
            Ok(vec![Plan { kind: "sqlite", lines: rows.into_iter().map(|row| row.3).collect() }])
        }
        Db::Postgres(pool) => {
            let mut conn = super::scope::acquire(pool, Scope::tenant(org)).await?;
            let text = format!("EXPLAIN {}", sql.text());
            let custom: Vec<String> = bind_args!(sqlx::query_scalar(&text), args).fetch_all(&mut *conn).await?;
            let types: Vec<&str> = sql.args().iter().map(postgres_type).collect();
            let values: Vec<String> = sql.args().iter().map(postgres_literal).collect();
            sqlx::raw_sql("SET plan_cache_mode = force_generic_plan").execute(&mut *conn).await?;
            let prepare = format!("PREPARE atrium_explain ({}) AS {}", types.join(", "), sql.text());
            let generic = match sqlx::raw_sql(&prepare).execute(&mut *conn).await {
                Ok(_) => {
                    let execute = format!("EXPLAIN EXECUTE atrium_explain ({})", values.join(", "));
                    let generic = sqlx::query_scalar(&execute).fetch_all(&mut *conn).await;
                    sqlx::raw_sql("DEALLOCATE atrium_explain").execute(&mut *conn).await?;
                    generic
                }
                Err(err) => Err(err),
            };
            // The connection goes back to the pool as it came.
            sqlx::raw_sql("RESET plan_cache_mode").execute(&mut *conn).await?;
            Ok(vec![Plan { kind: "custom", lines: custom }, Plan { kind: "generic", lines: generic? }])
        }
    }
}

/// The PostgreSQL type an argument is bound as.
fn postgres_type(arg: &Arg) -> &'static str {
    match arg {
        Arg::Uuid(_) | Arg::NullUuid => "uuid",
        Arg::Text(_) | Arg::NullText => "text",
        Arg::Date(_) | Arg::NullDate => "date",
        Arg::Time(_) | Arg::NullTime => "timestamptz",
        Arg::Int(_) => "int8",
    }
}

/// An argument as a PostgreSQL literal.
fn postgres_literal(arg: &Arg) -> String {
    let quoted = |text: &str| format!("'{}'", text.replace('\'', "''"));
    match arg {
        Arg::Uuid(id) => quoted(&id.to_string()),
        Arg::Text(text) => quoted(text),
        Arg::Date(date) => quoted(&date.to_string()),
        Arg::Time(time) => {
            let text = time.into_inner().format(&time::format_description::well_known::Rfc3339);
            quoted(&text.unwrap_or_default())
        }
        Arg::Int(n) => n.to_string(),
        Arg::NullUuid | Arg::NullText | Arg::NullDate | Arg::NullTime => "NULL".to_owned(),
    }
}
