//! `atrium`: serve the app (default), or manage platform admins.

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: under load glibc's malloc
/// spent a tenth of the server's time contending between threads, and its
/// per-thread arenas kept hundreds of megabytes (argon2's 19 MiB blocks
/// among them) that mimalloc returns to the system.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use server::{admin, config, demo, seed, startup::Application, telemetry};

/// Atrium: a self-hosted multi-tenant workspace.
///
/// Configuration comes from `atrium.toml` (or the file in ATRIUM_CONFIG) and
/// ATRIUM_* environment variables; see the README.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app (the default).
    Serve,
    /// Create a platform-admin account. The password is read from standard
    /// input when it is not a terminal, else prompted for twice.
    CreateAdmin {
        /// The admin's email address (their sign-in name).
        #[arg(long)]
        email: String,
        /// The name shown for the admin.
        #[arg(long, default_value = "Platform admin")]
        name: String,
    },
    /// Make an existing account a platform admin.
    PromoteAdmin {
        #[arg(long)]
        email: String,
    },
    /// Write a consistent snapshot of the SQLite database, while the app
    /// runs, to a new file (restore: stop the app and put the file in the
    /// database's place). PostgreSQL is backed up with pg_dump instead.
    Backup {
        /// The new file (refused when it exists).
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Copy a whole installation from SQLite to a new PostgreSQL database:
    /// every table with ids, timestamps and counters unchanged. The target
    /// is migrated first and must be empty; it is written in one
    /// transaction. Files stay where storage_url points; the new
    /// installation needs the same key encryption key.
    CopyDatabase {
        /// The installation to copy (sqlite://path/to/atrium.db).
        #[arg(long)]
        from: String,
        /// The new database (postgres://user@host/name).
        #[arg(long)]
        to: String,
    },
    /// Fill the database for a load test: an organization whose owner
    /// (`<label>-owner@example.com`) has a project of `--tasks` tasks, and
    /// another organization with `--other-tasks`; the first also issues
    /// `--licenses` licenses with `--machines` machines. Prints JSON with
    /// the owner's email, the organization slugs, project ids, and a
    /// license key with one of its machines' fingerprints.
    SeedLoad {
        /// Makes this set's emails and names unique in the database.
        #[arg(long, default_value = "bench")]
        label: String,
        /// The owners' password (at least 12 characters).
        #[arg(long)]
        password: String,
        #[arg(long, default_value_t = 10_000)]
        tasks: usize,
        #[arg(long, default_value_t = 10_000)]
        other_tasks: usize,
        /// Licenses of the first organization (a strict floating policy).
        #[arg(long, default_value_t = 10_000)]
        licenses: usize,
        /// Machines spread over those licenses.
        #[arg(long, default_value_t = 50_000)]
        machines: usize,
    },
    /// Create a demo organization to look around in: five people (every
    /// role), labels, three projects with cycles and a few hundred tasks
    /// over the last twelve weeks. Prints where to sign in.
    SeedDemo {
        /// The owner's email; the others get `+ari`, `+mo`, `+sam` and
        /// `+gail` addresses beside it.
        #[arg(long, default_value = "demo@example.com")]
        email: String,
        /// Everyone's password (at least 12 characters).
        #[arg(long)]
        password: String,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let config = match config::load() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("atrium: configuration error: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let traces = match telemetry::init(config.log_format, config.otlp_endpoint.as_deref()) {
        Ok(traces) => traces,
        Err(err) => {
            eprintln!("atrium: configuration error: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::CreateAdmin { email, name } => admin::create_admin(&config, &email, &name).await.map_err(Into::into),
        Command::PromoteAdmin { email } => admin::promote_admin(&config, &email).await.map_err(Into::into),
        Command::Backup { to } => admin::backup(&config, &to).await.map_err(Into::into),
        Command::CopyDatabase { from, to } => admin::copy_database(&from, &to).await.map_err(Into::into),
        Command::SeedDemo { email, password } => match demo::seed_demo(&config, &email, &password).await {
            Ok(made) => {
                let site = config.public_url.clone().unwrap_or_default();
                println!("Made the demo organization with {} tasks: {site}/o/{}", made.tasks, made.org);
                println!("Sign in as {} (Owner) with the password you gave; the others:", made.email);
                for (email, role) in &made.people {
                    println!("  {email} ({role})");
                }
                Ok(())
            }
            Err(err) => Err(err.into()),
        },
        Command::SeedLoad { label, password, tasks, other_tasks, licenses, machines } => {
            match seed::seed_load(&config, &label, &password, tasks, other_tasks, licenses, machines).await {
                Ok(seeded) => {
                    println!("{}", serde_json::to_string(&seeded).unwrap_or_default());
                    Ok(())
                }
                Err(err) => Err(err.into()),
            }
        }
    };
    // After the graceful shutdown: the last requests' and jobs' spans
    // go out before the process exits.
    if let Some(traces) = traces {
        traces.shutdown().await;
    }
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "atrium stopped with an error");
            eprintln!("atrium: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(config: app::server::Config) -> Result<(), Box<dyn std::error::Error>> {
    let started = std::time::Instant::now();
    let mut leptos_options = leptos::config::get_configuration(None)?.leptos_options;
    // cargo-leptos hashes the bundle's file names and lists the hashes in a
    // file beside the binary; run directly (not by cargo-leptos), the
    // binary follows that file unless LEPTOS_HASH_FILES says otherwise.
    if std::env::var_os("LEPTOS_HASH_FILES").is_none() {
        let beside_binary = std::env::current_exe()?.with_file_name(leptos_options.hash_file.as_ref());
        leptos_options.hash_files = beside_binary.exists();
    }
    let app = Application::build(config, leptos_options).await?;
    let startup_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(address = %app.address(), startup_ms, "listening");
    app.run_until_stopped().await?;
    Ok(())
}
