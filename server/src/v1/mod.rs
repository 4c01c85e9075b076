//! The public license API: Keygen's client protocol (JSON:API documents,
//! `application/vnd.api+json`, license-key authentication with
//! `Authorization: License <key>`), so software that uses a Keygen client
//! such as the `keygen-rs` crate works against Atrium unchanged.
//!
//! Routes answer under `/v1/...` (the organization is found from the
//! license key) and under `/v1/accounts/{organization slug or id}/...`
//! (the path of Keygen's hosted API and its other SDKs). Every response
//! whose organization is known (from the key, or the account in the path)
//! is signed with that organization's Ed25519 key, errors included,
//! because clients verify the signature before they read the status (see
//! `app::server::licensing::signing`). A request naming neither a known
//! key nor an account has no organization to sign for; its answer is
//! unsigned, and a verifying client rejects it.
//!
//! Limits: requests per client network and per license (429
//! `TOO_MANY_REQUESTS` with `Retry-After`; the network's is checked before
//! any key is looked up, so a throttled answer is signed only when the
//! path names the account), bodies up to [`MAX_BODY_BYTES`] (413), and the
//! handlers' own (scope lists, metadata, machines per license). The 429,
//! the 413 and the 404 of an unknown route are answered through
//! [`Call::answer`] like every other, so they are signed when the
//! organization is known.

mod handlers;
mod resources;

use std::collections::HashMap;

use axum::{
    Router,
    body::{Body, Bytes},
    extract::{FromRequest, Request},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::Response,
    routing::{get, post},
};
use serde_json::{Value, json};

use app::{
    model::{OrgId, OrgSlug},
    server::{
        AppState,
        db::{license_api::ApiLicense, licensing as repo},
    },
};

/// The JSON:API media type every document is sent as.
pub const JSON_API: &str = "application/vnd.api+json";
/// The API version Atrium speaks (Keygen's `Keygen-Version`).
pub const API_VERSION: &str = "1.8";

/// The `/v1` router, both with and without the account in the path.
pub fn router(state: AppState) -> Router {
    let api = || {
        Router::new()
            .route("/ping", get(handlers::ping))
            .route("/me", get(handlers::me))
            .route("/licenses/actions/validate-key", post(handlers::validate_key))
            .route("/licenses/{license}/actions/validate", post(handlers::validate).get(handlers::validate))
            .route("/licenses/{license}/machines", get(handlers::license_machines))
            .route("/licenses/{license}/entitlements", get(handlers::license_entitlements))
            .route(
                "/licenses/{license}/actions/check-out",
                post(handlers::check_out_license).get(handlers::check_out_license),
            )
            .route("/machines", post(handlers::activate))
            .route("/machines/{machine}", get(handlers::machine).delete(handlers::deactivate))
            .route("/machines/{machine}/actions/ping", post(handlers::heartbeat))
            .route("/machines/{machine}/actions/ping-heartbeat", post(handlers::heartbeat))
            .route(
                "/machines/{machine}/actions/check-out",
                post(handlers::check_out_machine).get(handlers::check_out_machine),
            )
            .method_not_allowed_fallback(handlers::method_not_allowed)
    };
    Router::new()
        .route("/v1/openapi.json", get(handlers::openapi))
        .nest("/v1/accounts/{account}", api())
        .nest("/v1", api())
        .route("/v1/{*rest}", axum::routing::any(handlers::not_found))
        // Shared behind one `Arc`: a request clones a pointer, not the
        // whole state (Leptos' options are a dozen strings).
        .with_state(std::sync::Arc::new(state))
}

/// An error in Keygen's shape: `{"errors":[{"title","detail","code"}]}`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: String,
    pub code: Option<&'static str>,
    /// A JSON pointer into the request document (`/data/attributes/...`).
    pub pointer: Option<&'static str>,
    /// Seconds for `Retry-After` (429).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn not_found(detail: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            title: "Not found",
            detail: detail.into(),
            code: Some("NOT_FOUND"),
            pointer: None,
            retry_after: None,
        }
    }

    pub fn method_not_allowed(detail: &str) -> Self {
        Self {
            status: StatusCode::METHOD_NOT_ALLOWED,
            title: "Method not allowed",
            detail: detail.into(),
            code: Some("METHOD_NOT_ALLOWED"),
            pointer: None,
            retry_after: None,
        }
    }

    pub fn unauthorized(code: &'static str, detail: &str) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            title: "Unauthorized",
            detail: detail.into(),
            code: Some(code),
            pointer: None,
            retry_after: None,
        }
    }

    pub fn forbidden(code: &'static str, detail: &str) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            title: "Access denied",
            detail: detail.into(),
            code: Some(code),
            pointer: None,
            retry_after: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            title: "Bad request",
            detail: detail.into(),
            code: None,
            pointer: None,
            retry_after: None,
        }
    }

    pub fn unprocessable(code: &'static str, detail: impl Into<String>, pointer: &'static str) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            title: "Unprocessable resource",
            detail: detail.into(),
            code: Some(code),
            pointer: Some(pointer),
            retry_after: None,
        }
    }

    /// 429: too many requests from this network or for this license;
    /// `Retry-After` says when to try again.
    pub fn too_many_requests(retry_after: u64) -> Self {
        Self {
            status: StatusCode::TOO_MANY_REQUESTS,
            title: "Too many requests",
            detail: format!("Too many requests: try again in {retry_after} seconds"),
            code: Some("TOO_MANY_REQUESTS"),
            pointer: None,
            retry_after: Some(retry_after),
        }
    }

    /// 413: the body is over [`MAX_BODY_BYTES`].
    pub fn payload_too_large() -> Self {
        Self {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            title: "Payload too large",
            detail: format!("The request body is larger than {MAX_BODY_BYTES} bytes"),
            code: Some("PAYLOAD_TOO_LARGE"),
            pointer: None,
            retry_after: None,
        }
    }

    pub fn internal(err: impl std::fmt::Display) -> Self {
        let reference = uuid::Uuid::new_v4();
        tracing::error!(%reference, error = %err, "license API request failed");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            title: "Internal server error",
            detail: format!("Something went wrong on our side (reference {reference})."),
            code: None,
            pointer: None,
            retry_after: None,
        }
    }

    fn document(&self) -> Value {
        let mut error = json!({ "title": self.title, "detail": self.detail });
        if let Some(code) = self.code {
            error["code"] = json!(code);
        }
        if let Some(pointer) = self.pointer {
            error["source"] = json!({ "pointer": pointer });
        }
        json!({ "errors": [error] })
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        Self::internal(err)
    }
}

/// One API request: what it asked, and what signing its answer needs.
pub struct Call {
    state: std::sync::Arc<AppState>,
    method: String,
    target: String,
    host: String,
    /// The organization named in the path, as given.
    account: Option<String>,
    /// The key of `Authorization: License <key>`.
    key: Option<String>,
    body: Bytes,
    /// The client's address and user agent, for the audit log.
    ip: Option<String>,
    user_agent: Option<String>,
    /// The organization whose key signs the answer, once known.
    signer: Option<(OrgId, Option<String>)>,
    /// Seconds to wait when this network has spent its requests.
    throttled: Option<u64>,
    /// The body was over [`MAX_BODY_BYTES`] (and is left empty).
    too_large: bool,
}

/// The largest request body read, in bytes; larger ones answer 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

impl<S: Send + Sync> FromRequest<S> for Call
where
    std::sync::Arc<AppState>: axum::extract::FromRef<S>,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let state = <std::sync::Arc<AppState> as axum::extract::FromRef<S>>::from_ref(state);
        let (parts, body) = req.into_parts();
        // The URI as the client sent it (`nest` strips its prefix from
        // `parts.uri`): the signature covers it exactly.
        let uri = parts.extensions.get::<axum::extract::OriginalUri>().map_or(&parts.uri, |original| &original.0);
        let target = uri.path_and_query().map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
        let host = parts.headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default().to_owned();
        let account = target.strip_prefix("/v1/accounts/").and_then(|rest| rest.split('/').next()).map(percent_decode);
        let key = license_key(&parts.headers);
        let user_agent = parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let ip = app::server::auth::client_ip::client_ip(&parts, state.config.trust_proxy_headers);
        let throttled = state.limits.check_license_api(ip).err();
        let ip = ip.map(|ip| ip.to_string());
        // Answered by the handler, once it knows whose key signs the 413.
        let (body, too_large) = read_body(body).await;
        Ok(Self {
            state,
            method: parts.method.as_str().to_owned(),
            target,
            host,
            account,
            key,
            body,
            ip,
            user_agent,
            signer: None,
            throttled,
            too_large,
        })
    }
}

/// Past [`MAX_BODY_BYTES`], a body is still read (and dropped) up to this
/// many bytes, so that the client, still sending, gets to read the 413:
/// a server that stops reading and closes makes the client's TCP stack
/// discard the answer ("lingering close", as web servers do).
const DRAIN_BODY_BYTES: usize = 16 * 1024 * 1024;

/// The body, and whether it was over [`MAX_BODY_BYTES`] (then empty).
async fn read_body(body: Body) -> (Bytes, bool) {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut seen = 0_usize;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { return (Bytes::new(), seen > MAX_BODY_BYTES) };
        seen = seen.saturating_add(chunk.len());
        if seen <= MAX_BODY_BYTES {
            kept.extend_from_slice(&chunk);
        } else if seen > DRAIN_BODY_BYTES {
            break;
        }
    }
    if seen > MAX_BODY_BYTES { (Bytes::new(), true) } else { (Bytes::from(kept), false) }
}

fn percent_decode(text: &str) -> String {
    form_urlencoded::parse(format!("a={text}").as_bytes())
        .next()
        .map_or_else(|| text.to_owned(), |(_, v)| v.into_owned())
}

/// The key of an `Authorization: License <key>` header (Keygen also takes
/// it as the password of Basic authentication, which its clients do not
/// use).
fn license_key(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("license").then(|| key.trim().to_owned()).filter(|k| !k.is_empty())
}

/// What a license key may do besides validating itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Validation: a banned, suspended or expired license still gets its
    /// answer (the validation code says why it is not valid).
    Validate,
    /// Everything else: refused for a banned or suspended license, and for
    /// an expired one under `REVOKE_ACCESS` (Keygen's license-key
    /// authentication).
    Use,
}

impl Call {
    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The query string's parameters.
    pub fn query(&self) -> HashMap<String, String> {
        let query = self.target.split_once('?').map_or("", |(_, q)| q);
        form_urlencoded::parse(query.as_bytes()).into_owned().collect()
    }

    /// Finds the organization the path names (slug or id), to sign with
    /// its key. `NOT_FOUND` when there is none; then `TOO_MANY_REQUESTS`
    /// when this network has spent its requests (before any key is looked
    /// up, so a throttled client learns nothing about keys), and 413 when
    /// the body was too large (left to [`Call::license`] when a key is
    /// given, so its answer is signed).
    pub async fn resolve_account(&mut self) -> Result<Option<OrgId>, ApiError> {
        let org = self.find_account().await?;
        if let Some(wait) = self.throttled {
            return Err(ApiError::too_many_requests(wait));
        }
        if self.too_large && (org.is_some() || self.key.is_none()) {
            return Err(ApiError::payload_too_large());
        }
        Ok(org)
    }

    /// Counts a request for `license` against its own limit.
    /// `TOO_MANY_REQUESTS` when spent.
    pub fn limit_license(&self, license: &ApiLicense) -> Result<(), ApiError> {
        self.state.limits.check_license_api_license(license.id.0).map_err(ApiError::too_many_requests)
    }

    async fn find_account(&mut self) -> Result<Option<OrgId>, ApiError> {
        let Some(account) = self.account.clone() else { return Ok(None) };
        let org = match account.parse::<OrgId>() {
            Ok(id) => repo::organization_exists(&self.state.db, id).await?.then_some(id),
            Err(_) => match OrgSlug::parse(&account) {
                Ok(slug) => repo::organization_by_slug(&self.state.db, &slug).await?,
                Err(_) => None,
            },
        };
        match org {
            Some(org) => {
                self.signer = Some((org, None));
                Ok(Some(org))
            }
            None => Err(ApiError::not_found("The requested account was not found")),
        }
    }

    /// The license of the request's key, which from now on signs the
    /// answer. `LICENSE_INVALID` (401) when the key is missing, unknown,
    /// or of another organization than the path's.
    pub async fn license(&mut self, access: Access) -> Result<ApiLicense, ApiError> {
        let account = self.resolve_account().await?;
        let key = self.key.clone().ok_or_else(|| {
            ApiError::unauthorized(
                "LICENSE_INVALID",
                "You must be authenticated with a license key to complete the request",
            )
        })?;
        let license = app::server::db::license_api::find_by_key(&self.state.db, &key).await?;
        let license = match license {
            Some(license) if account.is_none_or(|org| org == license.org_id) => license,
            _ => return Err(ApiError::unauthorized("LICENSE_INVALID", "License key is invalid")),
        };
        self.signer = Some((license.org_id, license.sealed_secret_key.clone()));
        if self.too_large {
            return Err(ApiError::payload_too_large());
        }
        self.limit_license(&license)?;
        if access == Access::Use
            && let Some(refusal) = license.use_refusal(time::OffsetDateTime::now_utc())
        {
            use app::server::db::license_api::UseRefusal;
            return Err(match refusal {
                UseRefusal::Banned => ApiError::forbidden("LICENSE_BANNED", "License is banned"),
                UseRefusal::Suspended | UseRefusal::OrgSuspended => {
                    ApiError::forbidden("LICENSE_SUSPENDED", "License is suspended")
                }
                UseRefusal::Expired => ApiError::forbidden("LICENSE_EXPIRED", "License is expired"),
            });
        }
        Ok(license)
    }

    /// Signs with the organization of a license found another way (the
    /// validate-key body).
    pub fn sign_for(&mut self, license: &ApiLicense) {
        self.signer = Some((license.org_id, license.sealed_secret_key.clone()));
    }

    /// The answer: `body` as a JSON:API document (none for 204), signed
    /// when the organization is known.
    pub async fn reply(self, status: StatusCode, body: Option<Value>) -> Response {
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let mut response = Response::new(Body::from(bytes.clone()));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        if !bytes.is_empty() {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_API));
        }
        headers.insert("keygen-version", HeaderValue::from_static(API_VERSION));
        if let Some((org, sealed)) = &self.signer {
            match self.state.licensing.signing_key(&self.state.db, *org, sealed.as_deref()).await {
                Ok(key) => {
                    let request = app::server::licensing::signing::SignedRequest {
                        method: &self.method,
                        target: &self.target,
                        host: &self.host,
                    };
                    let signed = app::server::licensing::signing::sign(
                        &key,
                        &org.to_string(),
                        request,
                        &bytes,
                        std::time::SystemTime::now(),
                    );
                    for (name, value) in [
                        ("keygen-date", signed.date),
                        ("keygen-digest", signed.digest),
                        ("keygen-signature", signed.signature),
                    ] {
                        if let Ok(value) = HeaderValue::from_str(&value) {
                            headers.insert(name, value);
                        }
                    }
                }
                Err(err) => {
                    let error = ApiError::internal(err);
                    let mut unsigned = Response::new(Body::from(error.document().to_string()));
                    *unsigned.status_mut() = error.status;
                    return unsigned;
                }
            }
        }
        response
    }

    /// `result` as the answer: the document, or the error's.
    pub async fn answer(self, result: Result<(StatusCode, Option<Value>), ApiError>) -> Response {
        match result {
            Ok((status, body)) => self.reply(status, body).await,
            Err(err) => {
                let status = err.status;
                let mut response = self.reply(status, Some(err.document())).await;
                if let Some(wait) = err.retry_after {
                    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
                }
                if status == StatusCode::UNAUTHORIZED {
                    response
                        .headers_mut()
                        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("License realm=\"keygen\""));
                }
                response
            }
        }
    }
}
