//! Operators' commands: platform-admin bootstrap (there is no default
//! account and no default password: an operator runs
//! `atrium create-admin --email ...` and types (or pipes) a password), and
//! `atrium backup` and `atrium copy-database`.

use std::io::{BufRead, IsTerminal};

use app::{
    model::{DisplayName, Email, Password},
    server::{
        Config,
        auth::password,
        db::{ConnectError, Db, backup::BackupError, copy::CopyError, users},
    },
};
use secrecy::ExposeSecret;

/// A platform-admin command failed; the message says why.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Input(String),
    #[error("cannot open the database: {0}")]
    Connect(#[from] ConnectError),
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("cannot read the password: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    App(#[from] app::error::AppError),
    #[error("{0}")]
    Backup(#[from] BackupError),
    #[error("{0}")]
    Copy(#[from] CopyError),
}

/// `atrium backup --to <file>`: a consistent snapshot of the running
/// SQLite database (`db::backup::snapshot`), its size printed.
pub async fn backup(config: &Config, to: &std::path::Path) -> Result<(), AdminError> {
    let db = Db::connect(config.database_url.expose_secret(), 1).await?;
    let written = app::server::db::backup::snapshot(&db, to).await;
    db.close().await;
    written?;
    let bytes = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
    println!("Wrote a snapshot of the database to {} ({bytes} bytes).", to.display());
    Ok(())
}

/// `atrium copy-database --from sqlite://... --to postgres://...`: the
/// whole installation at `from` copied into the new database `to`
/// (`db::copy::copy_database`); prints each table's rows and what the
/// operator must carry over by hand.
pub async fn copy_database(from: &str, to: &str) -> Result<(), AdminError> {
    let copied = app::server::db::copy::copy_database(from, to).await?;
    for (table, rows) in &copied.tables {
        println!("{table:<32} {rows:>10} rows");
    }
    println!("Copied {} rows in {} tables.", copied.rows(), copied.tables.len());
    println!(
        "Files were not moved: point storage_url at the same storage (or copy its objects). \
         Keep the same key_encryption_key or key_file: the signing keys are copied sealed with it."
    );
    Ok(())
}

async fn open(config: &Config) -> Result<Db, AdminError> {
    let db = Db::connect(config.database_url.expose_secret(), 2).await?;
    db.migrate().await?;
    Ok(db)
}

/// Reads the password: one line from standard input when it is piped,
/// else a hidden prompt, typed twice.
fn read_password() -> Result<String, AdminError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first = rpassword::prompt_password("Password for the new platform admin: ")?;
    let second = rpassword::prompt_password("Repeat the password: ")?;
    if first != second {
        return Err(AdminError::Input("the two passwords differ".into()));
    }
    Ok(first)
}

/// Creates a platform-admin account with `email` and `name`; the password
/// comes from [`read_password`] and must meet the sign-up rules.
pub async fn create_admin(config: &Config, email: &str, name: &str) -> Result<(), AdminError> {
    let email = Email::parse(email).map_err(|e| AdminError::Input(format!("email: {e}")))?;
    let name = DisplayName::parse(name).map_err(|e| AdminError::Input(format!("name: {e}")))?;
    let password = Password::parse(read_password()?).map_err(|e| AdminError::Input(format!("password: {e}")))?;
    if let Some(weakness) = password::weakness(&password, &[email.as_str(), name.as_str()]) {
        return Err(AdminError::Input(format!("password: {weakness}")));
    }
    let db = open(config).await?;
    let hash = password::hash(&password).await?;
    let new = users::NewUser {
        email: &email,
        display_name: &name,
        password_hash: &hash,
        is_platform_admin: true,
        email_verified: true,
    };
    let user = users::insert(&db, new).await.map_err(|err| match err {
        users::CreateUserError::EmailTaken => {
            AdminError::Input(format!("{email} already has an account; use `atrium promote-admin --email {email}`"))
        }
        users::CreateUserError::Db(err) => AdminError::Db(err),
    })?;
    tracing::info!(user_id = %user.id, "platform admin created");
    println!("Created platform admin {email}.");
    db.close().await;
    Ok(())
}

/// Makes the existing account with `email` a platform admin.
pub async fn promote_admin(config: &Config, email: &str) -> Result<(), AdminError> {
    let email = Email::parse(email).map_err(|e| AdminError::Input(format!("email: {e}")))?;
    let db = open(config).await?;
    let found = users::set_platform_admin(&db, &email, true).await?;
    db.close().await;
    if !found {
        return Err(AdminError::Input(format!("no account has the email {email}")));
    }
    tracing::info!(email = %email, "platform admin promoted");
    println!("{email} is now a platform admin.");
    Ok(())
}
