//! Spawning the app and talking to it.
//!
//! Each test gets an app of its own with a fresh database: SQLite by
//! default; PostgreSQL when `TEST_BACKEND=postgres`, on the server
//! of `TEST_DATABASE_URL` (the run fails if there is none), each test's
//! database a copy of one migrated template.
//!
//! Files go to a folder of the test's own by default; with
//! `TEST_STORAGE=s3`, to a prefix of the test's own in one bucket of an
//! S3-compatible server ([`storage_url_for`]).

use std::sync::atomic::{AtomicU32, Ordering};

use app::server::{
    Config,
    db::{
        Db,
        testing::{
            app_database_url, create_postgres, drop_database, fresh_postgres, grant_app_role, postgres_test_url,
        },
    },
};
use reqwest::{Response, header};
use secrecy::SecretString;
use serde_json::Value;
use server::startup::Application;

/// A running app with its own database. It derefs to a first
/// [`Visitor`]; [`TestApp::visitor`] makes more (other browsers).
pub struct TestApp {
    visitor: Visitor,
    pub db: Db,
    _storage: Storage,
    /// Where the app writes its mail (`mail_dir`), one `.eml` per message;
    /// its `files` folder is the app's file storage on disk.
    pub mail: tempfile::TempDir,
    /// The app's `storage_url`: read what it stored with
    /// [`TestApp::stored_objects`].
    pub storage_url: String,
}

/// A fresh, migrated database on the suite's backend ([`on_postgres`]):
/// its URL (as the application connects), and its keeper, which removes
/// it when dropped.
pub async fn test_database() -> (String, Storage) {
    if on_postgres() {
        let server = postgres_test_url().expect("TEST_BACKEND=postgres needs TEST_DATABASE_URL");
        let template = postgres_template(&server).await;
        let name = create_postgres(&server, Some(&template)).await.expect("a test database");
        grant_app_role(&server, &name).await.expect("the application's role may use the test database");
        (app_database_url(&server, &name), Storage::Postgres { server, name })
    } else {
        let dir = tempfile::tempdir().unwrap();
        (format!("sqlite://{}/atrium.db?mode=rwc", dir.path().display()), Storage::Sqlite(dir))
    }
}

/// Where a test app's database lives, removed when the test ends.
pub enum Storage {
    Sqlite(#[allow(dead_code, reason = "held for its Drop")] tempfile::TempDir),
    Postgres { server: String, name: String },
}

impl Drop for Storage {
    fn drop(&mut self) {
        if let Storage::Postgres { server, name } = self {
            let (server, name) = (server.clone(), name.clone());
            // Drop runs inside the test's runtime: drop the database from a
            // thread of its own, and wait for it.
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                runtime.block_on(drop_database(&server, &name)).map_err(std::io::Error::other)
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("could not drop a test database: {dropped:?}");
            }
        }
    }
}

/// Whether the HTTP tests run on PostgreSQL (`TEST_BACKEND`).
pub fn on_postgres() -> bool {
    match std::env::var("TEST_BACKEND").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("TEST_BACKEND must be sqlite or postgres, not {other:?}"),
    }
}

/// Whether the HTTP tests store files on an S3-compatible server
/// (`TEST_STORAGE=s3`) rather than on disk (`TEST_STORAGE=disk`, the
/// default).
pub fn on_s3() -> bool {
    match std::env::var("TEST_STORAGE").as_deref() {
        Ok("s3") => true,
        Ok("disk") | Err(_) => false,
        Ok(other) => panic!("TEST_STORAGE must be disk or s3, not {other:?}"),
    }
}

/// The bucket of the S3 tests: `TEST_S3_BUCKET`, else `atrium-test`.
fn test_bucket() -> String {
    std::env::var("TEST_S3_BUCKET").unwrap_or_else(|_| "atrium-test".to_owned())
}

/// The `storage_url` of a test app whose scratch folder is `dir`: its
/// `files` folder on disk; on S3 ([`on_s3`]), a prefix named after `dir`
/// under one of this test process, so tests share the bucket and never see
/// each other's objects (and processes started on the same `dir` share
/// their storage, as they would share a folder).
pub fn storage_url_for(dir: &std::path::Path) -> String {
    if !on_s3() {
        return dir.join("files").display().to_string();
    }
    static RUN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let run = RUN.get_or_init(|| format!("run-{}", uuid::Uuid::new_v4().simple()));
    let name = dir.file_name().expect("a scratch folder with a name").to_string_lossy();
    format!("s3://{}/{run}/{}", test_bucket(), name.trim_start_matches('.'))
}

/// On S3 ([`on_s3`]): fails the test unless the bucket answers, once per
/// process, so a run without a reachable server stops with the reason
/// instead of testing something else.
async fn check_s3() {
    static CHECKED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    if !on_s3() {
        return;
    }
    CHECKED
        .get_or_init(|| async {
            let bucket = test_bucket();
            let endpoint = std::env::var("AWS_ENDPOINT").unwrap_or_else(|_| "(AWS_ENDPOINT unset: AWS itself)".into());
            let listed = match app::server::storage::Storage::open(&format!("s3://{bucket}")) {
                Ok(store) => store.list("atrium-test-reachable").await.map(|_| ()),
                Err(err) => Err(err),
            };
            if let Err(err) = listed {
                panic!(
                    "TEST_STORAGE=s3 needs the bucket {bucket} on an S3 server at {endpoint} \
                     (AWS_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ALLOW_HTTP; \
                     .ci/s3-server starts one): {err}"
                );
            }
        })
        .await;
}

/// The migrated template every PostgreSQL test database is copied from:
/// made once per test process, named after it. Templates of processes that
/// are gone are dropped on the way.
async fn postgres_template(server: &str) -> String {
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            use sqlx::{Connection, PgConnection};
            let mut admin = PgConnection::connect(server).await.expect("the PostgreSQL server of TEST_DATABASE_URL");
            let stale: Vec<String> =
                sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'atrium_template_%'")
                    .fetch_all(&mut admin)
                    .await
                    .unwrap();
            for name in stale {
                let pid = name.trim_start_matches("atrium_template_").split('_').next().unwrap_or_default();
                if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                    drop_database(server, &name).await.unwrap();
                }
            }
            admin.close().await.unwrap();
            let (db, made) = fresh_postgres(server).await.expect("a migrated PostgreSQL database");
            db.close().await;
            let template = format!("atrium_template_{}_{}", std::process::id(), uuid::Uuid::new_v4().simple());
            let mut admin = PgConnection::connect(server).await.unwrap();
            sqlx::query(&format!(r#"ALTER DATABASE "{made}" RENAME TO "{template}""#))
                .execute(&mut admin)
                .await
                .unwrap();
            admin.close().await.unwrap();
            template
        })
        .await
        .clone()
}

impl std::ops::Deref for TestApp {
    type Target = Visitor;
    fn deref(&self) -> &Visitor {
        &self.visitor
    }
}

/// One browser: a client with its own cookie jar that does not follow
/// redirects.
pub struct Visitor {
    pub address: String,
    pub client: reqwest::Client,
}

/// A person with fresh, valid sign-up details.
#[derive(Clone, Debug)]
pub struct Person {
    pub name: String,
    pub email: String,
    pub password: String,
    pub organization: String,
}

impl Person {
    pub fn new(label: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        Self {
            name: format!("{label} Tester"),
            email: format!("{label}.{n}@example.com"),
            password: "quiet otter lamp harbor 97".to_owned(),
            organization: format!("{label} Works"),
        }
    }
}

/// The Leptos options of the workspace metadata (`name = "atrium"`). The
/// built site is not needed: the tests read HTML and JSON, not assets.
pub fn leptos_options() -> leptos::config::LeptosOptions {
    leptos::config::LeptosOptions::builder().output_name("atrium").site_root("target/site").build()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The log writer of this test run's one global subscriber (the server's
/// own, `server::telemetry::subscriber`, at its default level): lines go
/// to the buffer of the thread that logs them when it is capturing
/// ([`capture_log`]), and to standard error with `TEST_LOG=1`. A test's
/// runtime runs on its thread, with its app's requests: so a test reads
/// its own app's lines only. (A global subscriber, not a test's scoped
/// one: tracing caches which events are wanted across threads, so a
/// scoped subscriber misses events when tests run in parallel.)
#[derive(Clone, Copy, Default)]
struct LogWriter;

thread_local! {
    static CAPTURED: std::cell::RefCell<Option<Vec<u8>>> = const { std::cell::RefCell::new(None) };
}

impl std::io::Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if std::env::var_os("TEST_LOG").is_some() {
            std::io::stderr().write_all(bytes)?;
        }
        CAPTURED.with_borrow_mut(|captured| {
            if let Some(captured) = captured {
                captured.extend_from_slice(bytes);
            }
        });
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogWriter;
    fn make_writer(&'a self) -> Self::Writer {
        *self
    }
}

/// Installs the run's global subscriber, once.
fn install_logging() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let subscriber = server::telemetry::subscriber(app::server::config::LogFormat::Pretty, LogWriter);
        let _already_set = tracing::subscriber::set_global_default(subscriber);
    });
}

/// From now on, keeps what is logged on this thread (the test's, where
/// its app runs) for [`captured_log`].
pub fn capture_log() {
    install_logging();
    CAPTURED.with_borrow_mut(|captured| *captured = Some(Vec::new()));
}

/// What was logged on this thread since [`capture_log`].
pub fn captured_log() -> String {
    CAPTURED.with_borrow(|captured| String::from_utf8_lossy(captured.as_deref().unwrap_or_default()).into_owned())
}

/// Spawns the app with the default configuration.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Spawns the app after `configure` has adjusted the configuration.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    install_logging();
    check_s3().await;
    let (database_url, storage) = test_database().await;
    let mail = tempfile::tempdir().unwrap();
    let mut config = Config {
        listen: Some("127.0.0.1:0".parse().unwrap()),
        database_url: SecretString::from(database_url),
        mail_dir: mail.path().to_owned(),
        storage_url: storage_url_for(mail.path()),
        // No limits in the way of tests that make many projects; the tests
        // of limits put their organization on a plan.
        default_plan: app::model::Plan::Enterprise,
        key_encryption_key: Some(SecretString::from("5a".repeat(32))),
        ..Config::default()
    };
    configure(&mut config);
    let storage_url = config.storage_url.clone();
    let app = Application::build(config, leptos_options()).await.expect("the app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.db().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp { visitor: Visitor { address, client: client() }, db, _storage: storage, mail, storage_url }
}

impl TestApp {
    /// The keys of the objects the app has stored under `prefix`
    /// (`files/`, `thumbnails/{org}`, ...; every object for `""`), sorted:
    /// asked of the store itself, on disk or on S3 alike.
    pub async fn stored_objects(&self, prefix: &str) -> Vec<String> {
        let store = app::server::storage::Storage::open(&self.storage_url).expect("the app's storage opens");
        store.list(prefix).await.unwrap_or_else(|err| panic!("listing {prefix} in {}: {err}", self.storage_url))
    }

    /// Every message sent to `to`, oldest first (as raw RFC 5322 text with
    /// quoted-printable soft line breaks undone).
    pub fn mails_to(&self, to: &str) -> Vec<String> {
        let mut mails: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(self.mail.path())
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
            .map(|path| {
                // Quoted-printable: soft line breaks, and `=` itself.
                let text = std::fs::read_to_string(&path).unwrap().replace("=\r\n", "").replace("=3D", "=");
                (std::fs::metadata(&path).unwrap().modified().unwrap(), text)
            })
            .filter(|(_, text)| text.lines().any(|line| line.starts_with("To: ") && line.contains(to)))
            .collect();
        mails.sort_by_key(|(modified, _)| *modified);
        mails.into_iter().map(|(_, text)| text).collect()
    }

    /// The invitation link path (`/invite/{token}`) of the last message to
    /// `to`.
    pub fn invitation_link(&self, to: &str) -> String {
        let mail = self
            .mails_to(to)
            .into_iter()
            .rfind(|mail| mail.contains("/invite/"))
            .unwrap_or_else(|| panic!("no invitation to {to}"));
        let start = mail.find("/invite/").unwrap_or_else(|| panic!("no invitation link in {mail}"));
        mail[start..].chars().take("/invite/".len() + 64).collect()
    }

    /// The newest message to `to` whose subject contains `subject`, waiting
    /// up to five seconds for it (account mail is sent in the background).
    pub async fn mail_about(&self, to: &str, subject: &str) -> String {
        for _ in 0..100 {
            let found = self
                .mails_to(to)
                .into_iter()
                .rfind(|mail| mail.lines().any(|line| line.starts_with("Subject: ") && line.contains(subject)));
            if let Some(mail) = found {
                return mail;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no mail to {to} about {subject:?}: {:?}", self.mails_to(to));
    }

    /// The token of the link to `path` (`/reset-password`, ...) in the
    /// newest mail to `to` about `subject`.
    pub async fn mailed_token(&self, to: &str, subject: &str, path: &str) -> String {
        let mail = self.mail_about(to, subject).await;
        let marker = format!("{path}?token=");
        let start = mail.find(&marker).unwrap_or_else(|| panic!("no {path} link in {mail}")) + marker.len();
        mail[start..].chars().take(64).collect()
    }

    /// Another browser, with no cookies yet.
    pub fn visitor(&self) -> Visitor {
        Visitor { address: self.visitor.address.clone(), client: client() }
    }
}

impl Visitor {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Calls the server function at `/api/{name}` the way the hydrated app
    /// does: a URL-encoded form, JSON back.
    pub async fn call(&self, name: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(&format!("/api/{name}")))
            .header(header::ACCEPT, "application/json")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn signup(&self, person: &Person) -> Response {
        self.call(
            "signup",
            &[
                ("email", &person.email),
                ("display_name", &person.name),
                ("password", &person.password),
                ("organization_name", &person.organization),
            ],
        )
        .await
    }

    /// Signs `person` up and returns their organization's path.
    pub async fn signed_up(&self, person: &Person) -> String {
        let response = self.signup(person).await;
        assert_eq!(response.status(), 200, "sign-up failed: {:?}", response.text().await);
        location(&response)
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.call("login", &[("email", email), ("password", password)]).await
    }

    pub async fn current_user(&self) -> Value {
        self.call("get_current_user", &[]).await.json().await.unwrap()
    }

    /// Calls a server function and decodes its JSON answer, asserting
    /// success.
    pub async fn ok(&self, name: &str, form: &[(&str, &str)]) -> Value {
        let response = self.call(name, form).await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert!(status.is_success(), "{name} answered {status}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    /// Creates a project in `org` (a slug) and returns its id.
    pub async fn project(&self, org: &str, name: &str) -> String {
        let project = self.ok("create_project", &[("org", org), ("name", name)]).await;
        project["id"].as_str().unwrap().to_owned()
    }

    /// Creates a task from `fields` (on top of org and project) and returns
    /// it.
    pub async fn task(&self, org: &str, project: &str, fields: &[(&str, &str)]) -> Value {
        let mut form = vec![("org", org), ("project", project)];
        form.extend_from_slice(fields);
        self.ok("create_task", &form).await
    }

    /// `list_tasks` with URL-style list parameters (`("status", "done")`),
    /// sent as the `query[...]` fields of the server function.
    pub async fn list_tasks(&self, org: &str, project: &str, params: &[(&str, &str)]) -> Response {
        let keys: Vec<String> = params.iter().map(|(k, _)| format!("query[{k}]")).collect();
        let mut form: Vec<(&str, &str)> = vec![("org", org), ("project", project)];
        form.extend(keys.iter().map(String::as_str).zip(params.iter().map(|(_, v)| *v)));
        self.call("list_tasks", &form).await
    }

    /// The titles `list_tasks` answers, in order.
    pub async fn titles(&self, org: &str, project: &str, params: &[(&str, &str)]) -> Vec<String> {
        let response = self.list_tasks(org, project, params).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert!(status.is_success(), "{params:?}: {status} {body}");
        body["items"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap().to_owned()).collect()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).header(header::ACCEPT, "text/html").send().await.unwrap()
    }
}

/// Makes `member` (signed up already) a member of `owner`'s organization
/// `org` (a slug) with `role`, as invitations will.
pub async fn join(app: &TestApp, org: &str, owner: &Person, member: &Person, role: app::model::Role) {
    use app::{
        model::Email,
        server::{
            ctx::OrgCtx,
            db::{orgs, users},
        },
    };
    let find = |email: &str| {
        let email = Email::parse(email).unwrap();
        let db = app.db.clone();
        async move { users::find_by_email(&db, &email).await.unwrap().unwrap() }
    };
    let owner = find(&owner.email).await;
    let member = find(&member.email).await;
    let ctx = OrgCtx::load(&app.db, owner.id, org).await.unwrap();
    let admin = ctx.admin(app::model::Action::TrashProjects).unwrap();
    orgs::add_member(&app.db, &admin, member.id, role).await.unwrap();
}

/// An organization of `owner` with one more person per role given, each
/// signed in in their own client.
pub struct Org {
    pub app: TestApp,
    pub slug: String,
    pub owner: Person,
}

impl Org {
    pub async fn new() -> Self {
        Self::new_with(|_| {}).await
    }

    /// [`Org::new`] in an app whose configuration `configure` adjusted.
    pub async fn new_with(configure: impl FnOnce(&mut Config)) -> Self {
        let app = spawn_app_with(configure).await;
        let owner = Person::new("own");
        let path = app.signed_up(&owner).await;
        Org { slug: slug(&path).to_owned(), app, owner }
    }

    /// Signs a new person up (their own organization comes with it) and
    /// adds them here with `role`.
    pub async fn person(&self, label: &str, role: app::model::Role) -> (Visitor, Person, String) {
        let person = Person::new(label);
        let client = self.app.visitor();
        client.signed_up(&person).await;
        join(&self.app, &self.slug, &self.owner, &person, role).await;
        let id = client.current_user().await["id"].as_str().unwrap().to_owned();
        (client, person, id)
    }

    pub fn form<'a>(&'a self, rest: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut form = vec![("org", self.slug.as_str())];
        form.extend_from_slice(rest);
        form
    }
}

/// A new browser signed in as a new platform admin (signed up, then
/// promoted as `atrium promote-admin` does).
pub async fn platform_admin(app: &TestApp) -> Visitor {
    use app::{model::Email, server::db::users};
    let person = Person::new("platform");
    let client = app.visitor();
    client.signed_up(&person).await;
    assert!(users::set_platform_admin(&app.db, &Email::parse(&person.email).unwrap(), true).await.unwrap());
    client
}

/// The slug of an organization path (`/o/{slug}`).
pub fn slug(org_path: &str) -> &str {
    org_path.trim_start_matches("/o/")
}

/// The message of `field` in a validation error body (decoded already).
pub fn field_message(body: &Value, field: &str) -> Option<String> {
    body["detail"]["fields"][field].as_str().map(str::to_owned)
}

/// The `Location` header of a response.
pub fn location(response: &Response) -> String {
    response
        .headers()
        .get(header::LOCATION)
        .unwrap_or_else(|| panic!("no Location header in {response:?}"))
        .to_str()
        .unwrap()
        .to_owned()
}

/// The message of `field` in a validation error body.
pub async fn field_error(response: Response, field: &str) -> String {
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["kind"], "validation", "{body}");
    body["detail"]["fields"][field].as_str().unwrap_or_else(|| panic!("no error for {field} in {body}")).to_owned()
}

/// The session cookie's `name=value` pair from a `Set-Cookie` header.
pub fn session_cookie(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("atrium_session="))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
}

/// Signs in as `email` from the client address `ip` (with [`with_proxy`],
/// the app trusts `X-Forwarded-For`, as it would behind a proxy).
pub async fn login_from(app: &TestApp, ip: &str, email: &str, password: &str) -> Response {
    client()
        .post(app.url("/api/login"))
        .header(header::ACCEPT, "application/json")
        .header("x-forwarded-for", ip)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// Trusts `X-Forwarded-For` and lifts the per-network request limit, for
/// tests of what happens per address.
pub fn with_proxy(config: &mut Config) {
    config.trust_proxy_headers = true;
    config.auth_requests_per_minute_per_ip = 1000;
}

/// Creates an API token of `org` (a slug) acting as `role` (`admin`,
/// `member`, `read_only`) with this visitor's session, and returns its
/// secret.
pub async fn api_token(visitor: &Visitor, org: &str, role: &str) -> String {
    let created =
        visitor.ok("create_api_token", &[("org", org), ("name", &format!("{role} script")), ("role", role)]).await;
    created["secret"].as_str().unwrap().to_owned()
}

/// A client of the REST API (`/api/v1`) with a bearer token and no
/// cookies.
pub struct Bearer {
    pub address: String,
    pub token: String,
    pub client: reqwest::Client,
}

impl Bearer {
    pub fn new(app: &TestApp, token: &str) -> Self {
        Bearer { address: app.address.clone(), token: token.to_owned(), client: client() }
    }

    /// A request to `/api/v1{path}` with the token.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}/api/v1{path}", self.address)).bearer_auth(&self.token)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(reqwest::Method::GET, path).send().await.unwrap()
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: &Value) -> Response {
        self.request(method, path).json(body).send().await.unwrap()
    }

    /// The JSON of a request that must succeed.
    pub async fn ok(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Value {
        let request = self.request(method.clone(), path);
        let request = match body {
            Some(body) => request.json(body),
            None => request,
        };
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{method} {path} answered {status}: {text}");
        serde_json::from_str(&text).unwrap()
    }
}

/// Runs `sql` on the app's database across tenants (row-level security
/// lifted for the statement on PostgreSQL), for a test that must reach a
/// state no request makes (a token past its expiry).
pub async fn run_sql(db: &Db, sql: &str) {
    match db {
        Db::Sqlite(pool) => {
            sqlx::query(sql).execute(pool).await.unwrap();
        }
        Db::Postgres(pool) => {
            let mut tx = pool.begin().await.unwrap();
            sqlx::query("SELECT set_config('app.org_id', '*', true)").execute(&mut *tx).await.unwrap();
            sqlx::query(sql).execute(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
        }
    }
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The `atrium` binary serving `database_url` on `port`, with a job lease
/// of 3 seconds (so a dead process's job is taken up again soon) and
/// `settings` (`ATRIUM_*` variables) added or overriding.
pub fn serve_with(
    database_url: &str,
    port: u16,
    dir: &std::path::Path,
    settings: &[(&str, &str)],
) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_atrium"))
        .env("DATABASE_URL", database_url)
        .env("ATRIUM_CONFIG", "/nonexistent/atrium.toml")
        .env("ATRIUM_LISTEN", format!("127.0.0.1:{port}"))
        .env("ATRIUM_MAIL_DIR", dir.join("mail"))
        .env("ATRIUM_STORAGE_URL", storage_url_for(dir))
        .env("ATRIUM_KEY_ENCRYPTION_KEY", "5a".repeat(32))
        .env("ATRIUM_DEFAULT_PLAN", "enterprise")
        .env("ATRIUM_JOB_LEASE_SECONDS", "3")
        .envs(settings.iter().copied())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the atrium binary runs")
}

/// [`serve_with`], once it answers `/health` on `port`.
pub async fn started(
    database_url: &str,
    port: u16,
    dir: &std::path::Path,
    settings: &[(&str, &str)],
) -> std::process::Child {
    check_s3().await;
    let process = serve_with(database_url, port, dir, settings);
    until_up(&visitor_on(port)).await;
    process
}

/// A visitor, with cookies of its own, of the server on `port` of this
/// machine.
pub fn visitor_on(port: u16) -> Visitor {
    Visitor { address: format!("http://127.0.0.1:{port}"), client: client() }
}

/// Waits until the server at `visitor` answers `/health`.
pub async fn until_up(visitor: &Visitor) {
    for _ in 0..300 {
        if visitor.client.get(visitor.url("/health")).send().await.is_ok_and(|r| r.status() == 200) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the server did not start");
}

/// Two `atrium` processes on one fresh database, as behind a load
/// balancer, sharing a folder (mail, files) and `settings`; killed when
/// this drops.
pub struct TwoProcesses {
    pub database_url: String,
    pub dir: tempfile::TempDir,
    /// A visitor of each process (cookies of its own).
    pub a: Visitor,
    pub b: Visitor,
    servers: [std::process::Child; 2],
    _database: Storage,
}

impl TwoProcesses {
    /// Starts them one after the other (the first migrates the database).
    pub async fn start(settings: &[(&str, &str)]) -> Self {
        let (database_url, database) = test_database().await;
        let dir = tempfile::tempdir().unwrap();
        let (port_a, port_b) = (free_port(), free_port());
        let server_a = started(&database_url, port_a, dir.path(), settings).await;
        let server_b = started(&database_url, port_b, dir.path(), settings).await;
        Self {
            database_url,
            dir,
            a: visitor_on(port_a),
            b: visitor_on(port_b),
            servers: [server_a, server_b],
            _database: database,
        }
    }
}

impl Drop for TwoProcesses {
    fn drop(&mut self) {
        for server in &mut self.servers {
            let _ = server.kill();
            let _ = server.wait();
        }
    }
}
