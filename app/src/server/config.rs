//! Runtime configuration: what an operator may set, with safe defaults.
//!
//! Loaded by the binary from `atrium.toml` (or the file named by
//! `ATRIUM_CONFIG`) and then from `ATRIUM_*` environment variables, which
//! win; `DATABASE_URL` is honoured too. Every key is optional.

use std::{net::SocketAddr, time::Duration};

use secrecy::SecretString;
use serde::Deserialize;

use super::db::DEFAULT_DATABASE_URL;

/// Log line format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines (the default).
    #[default]
    Pretty,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Everything configurable. Field names are the config-file keys; the
/// environment variable is `ATRIUM_` + the key in upper case.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on. Default: Leptos's `site_addr`
    /// (`127.0.0.1:3000`, or `LEPTOS_SITE_ADDR`).
    pub listen: Option<SocketAddr>,
    /// The URL people use to reach Atrium, such as `https://atrium.example.com`.
    /// An `https` URL turns on `Secure` cookies with the `__Host-` prefix and
    /// HSTS. Default: `http://` + the listen address.
    pub public_url: Option<String>,
    /// `sqlite://...` (default `sqlite://data/atrium.db?mode=rwc`) or
    /// `postgres://...`.
    pub database_url: SecretString,
    /// Connection pool size.
    pub database_max_connections: u32,
    /// A session ends after this many minutes without a request (OWASP ASVS
    /// 4.0 §3.3.2, level 2: 30 minutes).
    pub session_idle_timeout_minutes: u64,
    /// A session ends this many hours after sign-in, however active (ASVS
    /// §3.3.2, level 2: 12 hours).
    pub session_absolute_timeout_hours: u64,
    /// Sign-up, sign-in, two-factor code and mailed-link requests allowed
    /// per client network (an IPv4 address, an IPv6 /64) per minute.
    pub auth_requests_per_minute_per_ip: u32,
    /// Requests that send account mail (password reset, verification,
    /// email change), per client network per minute.
    pub account_mail_requests_per_minute_per_ip: u32,
    /// Failed sign-ins for one email from one client network, within the
    /// window, after which that network waits `sign_in_delay_seconds`
    /// after each failure and the account's owner is told by mail (see
    /// `auth::lockout`).
    pub sign_in_failures_per_address: u32,
    /// The wait after each failure past `sign_in_failures_per_address`.
    pub sign_in_delay_seconds: u64,
    /// Failed sign-ins for one email from one network after which that
    /// network is locked out for the window.
    pub sign_in_lock_after_failures: u32,
    /// Failed sign-ins (passwords and two-factor codes) for one email from
    /// all networks together, within the window, after which every
    /// browser is refused for it until the window has passed, except one
    /// holding the account's device cookie (`auth::device`); the owner is
    /// told by mail.
    pub sign_in_failures_per_email: u32,
    /// The window failures are counted in, in minutes; a locked-out
    /// network waits this long after its last failure.
    pub sign_in_failure_window_minutes: u64,
    /// Requests to the license API (`/v1`) per client network (an IPv4
    /// address, an IPv6 /64) per minute; past it, 429 in Keygen's shape.
    pub license_api_requests_per_minute_per_ip: u32,
    /// Requests to the license API per license (by its key) per minute.
    pub license_api_requests_per_minute_per_license: u32,
    /// Requests to the REST API (`/api/v1`) per API token per minute;
    /// past it, 429 with `Retry-After` and `RateLimit-*` headers.
    pub api_requests_per_minute_per_token: u32,
    /// Machines one license may have activated, whatever its policy says
    /// (a floating policy without a maximum too).
    pub max_machines_per_license: u32,
    /// A connection whose client has not taken a write for this many
    /// seconds is closed (a stalled download, a slow reader).
    pub response_write_timeout_seconds: u64,
    /// Take the client IP from the last `X-Forwarded-For` hop. Only enable
    /// behind a reverse proxy that sets that header.
    pub trust_proxy_headers: bool,
    pub log_format: LogFormat,
    /// Where mail goes: an SMTP server as `smtps://user:password@host:465`
    /// (TLS from the start) or `smtp://user:password@host:587` (STARTTLS).
    /// Unset, messages are written as `.eml` files to `mail_dir` instead.
    pub smtp_url: Option<SecretString>,
    /// The sender of every message, `Name <address>`.
    pub mail_from: String,
    /// The folder messages are written to when no SMTP server is set.
    pub mail_dir: std::path::PathBuf,
    /// The plan (`free`, `pro` or `enterprise`) of organizations created
    /// by sign-up or by a person; its limits come with it. A platform admin
    /// changes an organization's plan afterwards.
    pub default_plan: crate::model::Plan,
    /// The key that seals organizations' signing keys at rest: 64 hex
    /// characters (32 bytes, AES-256-GCM). Servers sharing a database must
    /// share it. Unset, the key in `key_file` is used, created on first
    /// start.
    pub key_encryption_key: Option<SecretString>,
    /// Where the key-encryption key is kept when `key_encryption_key` is
    /// not set. Back it up with the database: without it no organization
    /// can sign.
    pub key_file: std::path::PathBuf,
    /// Where project files are stored: a local folder (the default,
    /// `data/files`), or an S3-compatible bucket as `s3://bucket/prefix`
    /// with credentials, region and endpoint from the standard `AWS_*`
    /// environment variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_REGION`, `AWS_ENDPOINT` for MinIO and the like). Objects are
    /// named by id, never by a person's file name.
    pub storage_url: String,
    /// The largest file one upload may hold, in megabytes (MiB). Each
    /// organization's total is limited by its plan (`OrgLimits::storage_mb`).
    pub file_size_limit_mb: u64,
    /// How long a worker's claim on a job lasts without news, in seconds
    /// (it renews it every third of that while the job runs). A job whose
    /// process died is claimed again this long after its last renewal.
    pub job_lease_seconds: u64,
    /// After SIGTERM, how long the process keeps serving while `/ready`
    /// answers 503, in seconds, so load balancers stop sending it
    /// requests before it stops accepting them.
    pub shutdown_drain_seconds: u64,
    /// Then, how long requests, uploads and jobs in flight get to finish,
    /// in seconds. A job still running after that is handed back to the
    /// queue (another process takes it at once) and a request is cut off.
    pub shutdown_timeout_seconds: u64,
    /// Whether webhook endpoints may use plain `http://` URLs (default
    /// no: deliveries carry an organization's data, so only `https://`).
    pub webhook_allow_http: bool,
    /// Networks webhook deliveries may connect to although they are not
    /// public (CIDR, like `10.0.0.0/8` or `127.0.0.1/32`). Loopback,
    /// private, link-local, cloud metadata and other non-public addresses
    /// are refused unless listed here (OWASP SSRF prevention); the check
    /// is made on each connection, after DNS, not only when the URL is
    /// saved.
    pub webhook_allowed_networks: Vec<String>,
    /// Networks (CIDR, or single addresses) whose clients may read
    /// `/metrics`; the client's address is the one rate limits use (the
    /// last `X-Forwarded-For` hop with `trust_proxy_headers`). Others get
    /// 404, unless they bring `metrics_token`. Default: loopback only
    /// (`127.0.0.0/8`, `::1/128`).
    pub metrics_allowed_networks: Vec<String>,
    /// A bearer token that opens `/metrics` from any address
    /// (`Authorization: Bearer <token>`), compared in constant time. Unset:
    /// only `metrics_allowed_networks` may read it.
    pub metrics_token: Option<SecretString>,
    /// The base URL of an OpenTelemetry collector's OTLP/HTTP receiver,
    /// like `http://collector:4318`; traces are sent to
    /// `{otlp_endpoint}/v1/traces` as protobuf (OTLP 1.x, "OTLP/HTTP").
    /// Unset (the default), no trace is recorded or sent. The spans are
    /// the HTTP requests, server-function calls, repository calls and job
    /// runs; the README's "Traces" lists them with their attributes.
    pub otlp_endpoint: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: None,
            public_url: None,
            database_url: SecretString::from(DEFAULT_DATABASE_URL),
            database_max_connections: 8,
            session_idle_timeout_minutes: 30,
            session_absolute_timeout_hours: 12,
            auth_requests_per_minute_per_ip: 30,
            account_mail_requests_per_minute_per_ip: 5,
            sign_in_failures_per_address: 5,
            sign_in_delay_seconds: 60,
            sign_in_lock_after_failures: 10,
            sign_in_failures_per_email: 50,
            sign_in_failure_window_minutes: 15,
            license_api_requests_per_minute_per_ip: 120,
            license_api_requests_per_minute_per_license: 60,
            api_requests_per_minute_per_token: 600,
            max_machines_per_license: 1000,
            response_write_timeout_seconds: 30,
            trust_proxy_headers: false,
            log_format: LogFormat::Pretty,
            smtp_url: None,
            mail_from: "Atrium <atrium@localhost>".to_owned(),
            mail_dir: std::path::PathBuf::from("data/mail"),
            default_plan: crate::model::Plan::Free,
            key_encryption_key: None,
            key_file: std::path::PathBuf::from("data/atrium.key"),
            storage_url: "data/files".to_owned(),
            file_size_limit_mb: 100,
            job_lease_seconds: 60,
            shutdown_drain_seconds: 5,
            shutdown_timeout_seconds: 30,
            webhook_allow_http: false,
            webhook_allowed_networks: Vec::new(),
            metrics_allowed_networks: vec!["127.0.0.0/8".to_owned(), "::1/128".to_owned()],
            metrics_token: None,
            otlp_endpoint: None,
        }
    }
}

/// The public URL is unusable.
#[derive(Debug, thiserror::Error)]
#[error("public_url must be an absolute http(s) URL with no path, like https://atrium.example.com: {0}")]
pub struct PublicUrlError(String);

/// The origin (`scheme://host[:port]`) people reach Atrium at, as browsers
/// send it in the `Origin` header (RFC 6454).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicOrigin {
    origin: String,
    https: bool,
}

impl PublicOrigin {
    pub fn parse(url: &str) -> Result<Self, PublicUrlError> {
        let uri: http::Uri = url.parse().map_err(|e: http::uri::InvalidUri| PublicUrlError(e.to_string()))?;
        let scheme = uri.scheme_str().ok_or_else(|| PublicUrlError(url.to_owned()))?;
        let https = match scheme {
            "https" => true,
            "http" => false,
            _ => return Err(PublicUrlError(url.to_owned())),
        };
        let authority = uri.authority().ok_or_else(|| PublicUrlError(url.to_owned()))?;
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
            return Err(PublicUrlError(url.to_owned()));
        }
        let origin = format!("{scheme}://{}", authority.as_str().to_ascii_lowercase());
        Ok(Self { origin, https })
    }

    /// `scheme://host[:port]`, lowercase, no trailing slash.
    pub fn as_str(&self) -> &str {
        &self.origin
    }

    pub fn is_https(&self) -> bool {
        self.https
    }
}

impl Config {
    pub fn session_idle_timeout(&self) -> Duration {
        Duration::from_secs(self.session_idle_timeout_minutes * 60)
    }

    pub fn response_write_timeout(&self) -> Duration {
        Duration::from_secs(self.response_write_timeout_seconds.max(1))
    }

    /// [`Config::shutdown_drain_seconds`].
    pub fn shutdown_drain(&self) -> Duration {
        Duration::from_secs(self.shutdown_drain_seconds)
    }

    /// [`Config::shutdown_timeout_seconds`].
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_seconds)
    }

    /// [`Config::job_lease_seconds`], at least 3 seconds.
    pub fn job_lease(&self) -> Duration {
        Duration::from_secs(self.job_lease_seconds.max(3))
    }

    /// [`Config::file_size_limit_mb`] in bytes.
    pub fn file_size_limit_bytes(&self) -> u64 {
        self.file_size_limit_mb.saturating_mul(1024 * 1024)
    }

    pub fn session_absolute_timeout(&self) -> Duration {
        Duration::from_secs(self.session_absolute_timeout_hours * 3600)
    }

    /// The public origin: `public_url`, else `http://` + `listen`.
    pub fn public_origin(&self, listen: SocketAddr) -> Result<PublicOrigin, PublicUrlError> {
        match &self.public_url {
            Some(url) => PublicOrigin::parse(url),
            None => PublicOrigin::parse(&format!("http://{listen}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_origin_is_scheme_and_authority_lowercased() {
        let origin = PublicOrigin::parse("https://Atrium.Example.com/").unwrap();
        assert_eq!(origin.as_str(), "https://atrium.example.com");
        assert!(origin.is_https());
        let local = PublicOrigin::parse("http://127.0.0.1:3000").unwrap();
        assert_eq!(local.as_str(), "http://127.0.0.1:3000");
        assert!(!local.is_https());
    }

    #[test]
    fn public_origin_rejects_paths_and_other_schemes() {
        assert!(PublicOrigin::parse("https://example.com/atrium").is_err());
        assert!(PublicOrigin::parse("ftp://example.com").is_err());
        assert!(PublicOrigin::parse("example.com").is_err());
    }
}
