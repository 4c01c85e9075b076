//! Building and running the application.

use std::{future::IntoFuture, net::SocketAddr, sync::Arc, time::Duration};

use app::{
    App,
    server::{
        AppState, Config,
        auth::{breached, password, rate_limit::AuthLimits},
        config::PublicUrlError,
        db::{ConnectError, Db, events, license_api},
        jobs,
        licensing::Licensing,
        mail::Mailer,
        session_store::SessionDb,
        storage::Storage,
    },
    shell,
};
use axum::{Router, middleware::from_fn_with_state, routing::get, serve::ListenerExt};
use leptos::config::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_sessions::{ExpiredDeletion, Expiry, SessionManagerLayer, cookie::SameSite};
use tracing::Instrument;

use crate::{health, listener::GuardedListener, middleware};

/// Longest a request may take before it is answered 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest an upload (a file, a CSV to import) may take to arrive.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(3600);
/// How often expired sessions are deleted from the store.
const SESSION_SWEEP_PERIOD: Duration = Duration::from_secs(3600);
/// How often idle rate-limit buckets are forgotten.
const LIMITER_SWEEP_PERIOD: Duration = Duration::from_secs(60);
const TALLY_PERIOD: Duration = Duration::from_secs(5);
const CULL_PERIOD: Duration = Duration::from_secs(30);

/// Start-up failed.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot open the database: {0}")]
    Connect(#[from] ConnectError),
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot prepare the session store: {0}")]
    Sessions(#[source] sqlx::Error),
    #[error("cannot listen on {address}: {source}")]
    Bind { address: SocketAddr, source: std::io::Error },
    #[error(transparent)]
    PublicUrl(#[from] PublicUrlError),
    #[error("cannot prepare password hashing: {0}")]
    Hashing(app::error::AppError),
    #[error("mail: {0}")]
    Mail(#[from] app::server::mail::MailError),
    #[error("licensing: {0}")]
    Licensing(#[from] app::server::licensing::keys::KeyError),
    #[error("file storage: {0}")]
    Storage(#[source] app::server::storage::StorageError),
}

/// A built application, bound to its port, not yet serving.
pub struct Application {
    listener: TcpListener,
    address: SocketAddr,
    router: Router,
    state: AppState,
    sessions: SessionDb,
}

impl Application {
    /// Opens and migrates the database, prepares the session store and binds
    /// the listener (`config.listen`, else Leptos's `site_addr`; port 0
    /// picks a free port, see [`Application::port`]).
    pub async fn build(config: Config, leptos_options: LeptosOptions) -> Result<Self, StartupError> {
        let db = Db::connect(config.database_url.expose_secret(), config.database_max_connections).await?;
        db.migrate().await?;
        let sessions = SessionDb::for_db(&db).await.map_err(StartupError::Sessions)?;
        password::warm_up().await.map_err(StartupError::Hashing)?;
        breached::warm_up();

        let requested = config.listen.unwrap_or(leptos_options.site_addr);
        let listener =
            TcpListener::bind(requested).await.map_err(|source| StartupError::Bind { address: requested, source })?;
        let address = listener.local_addr().map_err(|source| StartupError::Bind { address: requested, source })?;
        let public_origin = Arc::new(config.public_origin(address)?);
        let mailer = Arc::new(Mailer::from_config(&config)?);
        let licensing = Arc::new(Licensing::from_config(&config)?);
        let config_storage_url = config.storage_url.clone();

        let state = AppState {
            leptos_options,
            export_slots: Arc::new(tokio::sync::Semaphore::new((config.database_max_connections / 4).max(1) as usize)),
            db,
            limits: Arc::new(AuthLimits::new(&config)),
            config: Arc::new(config),
            public_origin,
            mailer,
            licensing,
            jobs: Arc::new(app::server::queue::Queue::default()),
            storage: Storage::open(&config_storage_url).map_err(StartupError::Storage)?,
            streams: Arc::default(),
            lifecycle: Arc::default(),
            api_document: Arc::new(serde_json::to_value(crate::rest::openapi()).unwrap_or_default()),
            license_api_document: Arc::new(serde_json::to_value(crate::v1::openapi()).unwrap_or_default()),
        };
        let router = router(state.clone(), sessions.clone());
        Ok(Self { listener, address, router, state, sessions })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The bound address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The database, for tests that set up data directly.
    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// Serves until Ctrl-C or SIGTERM, then stops gracefully: `/ready`
    /// answers 503 at once while the process serves on for
    /// `shutdown_drain_seconds`; then it stops accepting, and requests,
    /// uploads and jobs in flight get `shutdown_timeout_seconds` to finish
    /// (jobs still running are handed back to the queue; requests are cut
    /// off). Ends with `Ok` when it stopped so.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Self { listener, router, state, sessions, .. } = self;
        let sweeper = tokio::spawn(sessions.continuously_delete_expired(SESSION_SWEEP_PERIOD));
        let limits = state.limits.clone();
        let limiter_sweeper = tokio::spawn(async move {
            let mut tick = tokio::time::interval(LIMITER_SWEEP_PERIOD);
            loop {
                tick.tick().await;
                limits.forget_idle();
            }
        });
        let process = uuid::Uuid::new_v4().simple().to_string();
        let workers: Vec<tokio::task::JoinHandle<()>> =
            (0..jobs::WORKERS).map(|n| tokio::spawn(jobs::work(state.clone(), format!("{process}-{n}")))).collect();
        let scheduler = tokio::spawn(jobs::schedule(state.clone()));
        let licensing = tokio::spawn(maintain_licensing(state.clone()));
        // Every process's committed changes, for this process's caches.
        let follower = {
            let state = state.clone();
            tokio::spawn(async move {
                let cache = &state.licensing.validations;
                events::follow(state.db.clone(), |following| cache.set_following(following)).await;
            })
        };
        let listener = GuardedListener::new(listener, state.config.response_write_timeout()).tap_io(|_| {});
        let (drain, timeout) = (state.config.shutdown_drain(), state.config.shutdown_timeout());
        let lifecycle = state.lifecycle.clone();
        let stop_accepting = async move {
            shutdown_signal().await;
            lifecycle.stop();
            tokio::time::sleep(drain).await;
            tracing::info!("no longer accepting connections");
        };
        let served = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(stop_accepting)
            .into_future();
        // In-flight requests get the timeout, counted from the end of the
        // drain; what still runs then is cut off.
        let lifecycle = state.lifecycle.clone();
        let cut_off = async move {
            lifecycle.stopped().await;
            tokio::time::sleep(drain + timeout).await;
        };
        let served = tokio::select! {
            served = served => served,
            () = cut_off => {
                tracing::warn!("requests still in flight when the shutdown timeout ran out were cut off");
                Ok(())
            }
        };
        sweeper.abort();
        limiter_sweeper.abort();
        // The workers stop by themselves: they claim nothing new once the
        // process is stopping, and hand back a job still running at the
        // timeout (with a margin to record that). One stuck past it is
        // aborted: its lease runs out and another process takes the job.
        scheduler.abort();
        let aborts: Vec<_> = workers.iter().map(tokio::task::JoinHandle::abort_handle).collect();
        let all_stopped = futures_util::future::join_all(workers);
        if tokio::time::timeout(drain + timeout + jobs::HAND_BACK_MARGIN, all_stopped).await.is_err() {
            tracing::warn!("job workers did not stop in time");
            for worker in aborts {
                worker.abort();
            }
        }
        licensing.abort();
        follower.abort();
        if let Err(err) = state.licensing.tally.flush(&state.db).await {
            tracing::error!(error = %err, "writing validation counts failed");
        }
        state.db.close().await;
        served
    }
}

/// The whole HTTP surface: probes, metrics, the Leptos app and its server
/// functions, static files, wrapped in sessions, the cross-site check,
/// security headers, compression, a timeout, request ids, request logs
/// and, outermost, the request metrics.
pub fn router(state: AppState, sessions: SessionDb) -> Router {
    // Before Leptos sets plain Tokio (it keeps an executor already set).
    let _already_set = any_spawner::Executor::init_custom_executor(SpannedTokio);
    let https = state.public_origin.is_https();
    let idle = time::Duration::try_from(state.config.session_idle_timeout()).unwrap_or(time::Duration::MINUTE * 30);
    let session_layer = SessionManagerLayer::new(sessions)
        // The __Host- prefix pins the cookie to this host, path / and
        // Secure (RFC 6265bis §4.1.3.2); it only works over HTTPS.
        .with_name(if https { "__Host-atrium_session" } else { "atrium_session" })
        .with_secure(https)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle));

    let state_for_api = state.clone();
    let routes = generate_route_list(App);
    let leptos_options = state.leptos_options.clone();
    let app = Router::new()
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .route("/metrics", get(crate::metrics::scrape::scrape))
        .route("/o/{org}/projects/{project}/tasks.csv", get(crate::export::tasks_csv))
        .route("/o/{org}/audit.csv", get(crate::export::audit_csv))
        .route("/admin/audit.csv", get(crate::export::platform_audit_csv))
        .route("/o/{org}/events", get(crate::live::org_events))
        .merge(crate::files::routes())
        .leptos_routes_with_context(&state, routes, || (), move || shell(leptos_options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(from_fn_with_state(
            Arc::new(app::server_fns::argument_names().into_keys().collect()),
            middleware::server_fn_span::trace_server_function,
        ))
        .layer(axum::middleware::from_fn(middleware::request_memo::insert_request_memo))
        .layer(from_fn_with_state(
            middleware::static_cache::HashedNames(state.leptos_options.hash_files),
            middleware::static_cache::cache_static_files,
        ))
        .layer(axum::middleware::from_fn(middleware::server_fn_status::status_from_app_error))
        .layer(axum::middleware::from_fn(middleware::form_drafts::keep_form_drafts))
        .layer(from_fn_with_state(
            Arc::new(app::server_fns::argument_names()),
            middleware::server_fn_args::reject_unknown_arguments,
        ))
        .layer(from_fn_with_state(state.clone(), middleware::moved_orgs::redirect_moved_organizations))
        .layer(session_layer)
        .layer(from_fn_with_state(state.public_origin.clone(), middleware::origin::refuse_cross_site))
        .with_state(state);
    let app = app.merge(crate::v1::router(state_for_api.clone())).merge(crate::rest::router(state_for_api));
    let app = middleware::security_headers::apply(app, https)
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(time_limit));
    crate::metrics::install();
    crate::metrics::http::apply(middleware::request_id::apply(app))
}

/// Leptos's executor, for the tasks a page's render spawns (its
/// resources, which call server functions and so the repository): Tokio,
/// each task inside the span it was spawned from, so a page's repository
/// spans nest under its request's in a trace as its log lines do.
struct SpannedTokio;

impl any_spawner::CustomExecutor for SpannedTokio {
    fn spawn(&self, fut: any_spawner::PinnedFuture<()>) {
        tokio::spawn(fut.in_current_span());
    }

    fn spawn_local(&self, fut: any_spawner::PinnedLocalFuture<()>) {
        tokio::task::spawn_local(fut.in_current_span());
    }

    fn poll_local(&self) {}
}

/// Answers 408 to a request not answered within [`REQUEST_TIMEOUT`], or
/// [`UPLOAD_TIMEOUT`] for uploads, whose bodies take as long as the
/// network needs. (Streamed bodies, downloads and event streams, are not
/// limited here: the listener's write timeout ends stalled ones.)
async fn time_limit(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let upload = request.method() == axum::http::Method::POST && crate::files::is_upload_path(request.uri().path());
    let limit = if upload { UPLOAD_TIMEOUT } else { REQUEST_TIMEOUT };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => axum::response::IntoResponse::into_response(axum::http::StatusCode::REQUEST_TIMEOUT),
    }
}

/// Writes validation counts every few seconds and deactivates machines
/// whose heartbeats stopped, every [`CULL_PERIOD`].
async fn maintain_licensing(state: AppState) {
    let mut tick = tokio::time::interval(TALLY_PERIOD);
    let mut last_cull: Option<tokio::time::Instant> = None;
    loop {
        tick.tick().await;
        if let Err(err) = state.licensing.tally.flush(&state.db).await {
            tracing::error!(error = %err, "writing validation counts failed");
        }
        if last_cull.is_none_or(|at| at.elapsed() >= CULL_PERIOD) {
            last_cull = Some(tokio::time::Instant::now());
            match license_api::cull_dead_machines(&state.db, time::OffsetDateTime::now_utc()).await {
                Ok(0) => {}
                Ok(culled) => tracing::info!(culled, "deactivated machines whose heartbeats stopped"),
                Err(err) => tracing::error!(error = %err, "culling dead machines failed"),
            }
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
