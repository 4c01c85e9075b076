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
//! the 413 and the 404 of an unknown route are answered like every other,
//! so they are signed when the organization is known.
//!
//! Handlers answer an [`Answer`]: a [`Document`] or an [`ApiError`]. One
//! layer over the router, [`signing::sign_responses`], signs what they
//! answer with the key of the organization their [`Call`] found.

mod admin;
mod answer;
mod handlers;
use app::server::licensing::resources;
mod schema;
pub mod signing;

use std::{collections::HashMap, sync::Arc};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::{FromRequest, Request},
    http::{HeaderMap, header},
    middleware::from_fn_with_state,
    response::Response,
};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use app::{
    model::{OrgId, OrgSlug},
    server::{
        AppState,
        api_tokens::{self, ApiCaller},
        db::{audit::Origin, license_api::ApiLicense, licensing as repo},
        licensing::access::{self, Access},
    },
};

pub use answer::{API_VERSION, Answer, ApiError, Document, JSON_API, MAX_BODY_BYTES};
use signing::{QuotaSlot, Signer};

/// The OpenAPI document's frame: what the routes' own annotations do not
/// say (title, version, authentication, tags).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Atrium license API",
        version = "1.8",
        description = "Atrium's public license API follows Keygen's API (keygen.sh, API version 1.8), so software using a Keygen client (such as the `keygen-rs` crate) works against Atrium unchanged.\n\n**Authentication.** License-key authentication: `Authorization: License <key>`, for the license's own resources. Keygen's admin API (licenses, policies, entitlements, and any machine of the organization) takes an API token of the organization: `Authorization: Bearer atr_...`. Validation by key (`licenses/actions/validate-key`), `ping` and this document need neither.\n\n**Documents.** Requests and responses are JSON:API documents with the media type `application/vnd.api+json`. Errors are `{\"errors\":[{\"title\",\"detail\",\"code\",\"source\":{\"pointer\"}}]}`. Every JSON:API response carries `Keygen-Version: 1.8`.\n\n**Signatures.** Every response whose organization is known (from the license key or API token, or the account in the path) is signed with that organization's Ed25519 key, errors included, because clients verify the signature before reading the status. Signed responses carry `Keygen-Date` (an HTTP date), `Keygen-Digest` (`sha-256=<base64 of the body's SHA-256>`) and `Keygen-Signature` (`keyid=\"<organization id>\", algorithm=\"ed25519\", signature=\"<base64>\", headers=\"(request-target) host date digest\"`), the signature being over `(request-target): <lower-case method> <path?query>`, `host: <host>`, `date: <Keygen-Date>` and `digest: <Keygen-Digest>` joined by newlines. A request naming neither a known key nor a known account has no organization to sign for; its answer is unsigned, and a verifying client rejects it.\n\n**Account in the path.** Every route except `/v1/openapi.json` also answers under `/v1/accounts/{account}/...` (operation ids ending in `_for_account`), the path of Keygen's hosted API and its other SDKs, where `{account}` is the organization's slug or id. There an unknown account answers 404 NOT_FOUND, the answer is signed by the account's organization, and a license key or API token of another organization answers 401.\n\n**Other answers.** Unknown paths under the API answer 404 NOT_FOUND, a known path with another method 405; request bodies over 1 MiB answer 413; too many requests 429 with `Retry-After`."
    ),
    servers((url = "/")),
    modifiers(&Authentication),
    security(("LicenseKey" = []), ("bearer" = [])),
    components(schemas(schema::ErrorDocument, schema::Error, schema::ErrorSource)),
    tags(
        (name = "Meta", description = "Service checks and this document."),
        (name = "Licenses", description = "Licenses: validation, machines, entitlements, license files; with an API token, issuing and managing them."),
        (name = "Machines", description = "Activation, heartbeats, deactivation and machine files of a license's machines."),
        (name = "Policies", description = "The organization's policies and the entitlements they grant (API token)."),
        (name = "Entitlements", description = "The organization's entitlements (API token).")
    )
)]
struct ApiDoc;

/// The two ways to authenticate: a license key, an API token.
struct Authentication;

impl Modify for Authentication {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let key = ApiKey::Header(ApiKeyValue::with_description(
            "Authorization",
            "License-key authentication: the header value is `License <key>` (scheme name case-insensitive, one \
             space, then the license key). Basic authentication is not accepted.",
        ));
        components.add_security_scheme("LicenseKey", SecurityScheme::ApiKey(key));
        let bearer = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("An API token of the organization, from its settings: `atr_` and 43 characters."))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
    }
}

/// The routes under `/v1` (or `/v1/accounts/{account}`), each added with
/// its handler's annotation (`routes!`), so a route cannot be served
/// without being described.
fn api() -> OpenApiRouter<Arc<AppState>> {
    let documented = OpenApiRouter::new()
        .routes(routes!(handlers::ping))
        .routes(routes!(handlers::me))
        .routes(routes!(admin::list_licenses, admin::create_license))
        .routes(routes!(handlers::validate_key))
        .routes(routes!(handlers::license, admin::update_license, admin::delete_license))
        .routes(routes!(admin::suspend_license))
        .routes(routes!(admin::reinstate_license))
        .routes(routes!(admin::renew_license))
        .routes(routes!(admin::revoke_license))
        .routes(routes!(admin::list_policies, admin::create_policy))
        .routes(routes!(admin::policy, admin::update_policy, admin::delete_policy))
        .routes(routes!(admin::policy_entitlements, admin::attach_entitlements, admin::detach_entitlements))
        .routes(routes!(admin::list_entitlements, admin::create_entitlement))
        .routes(routes!(admin::entitlement, admin::update_entitlement, admin::delete_entitlement))
        .routes(routes!(handlers::validate, handlers::validate_get))
        .routes(routes!(handlers::license_machines))
        .routes(routes!(handlers::license_entitlements))
        .routes(routes!(handlers::check_out_license, handlers::check_out_license_get))
        .routes(routes!(handlers::check_in_license))
        .routes(routes!(handlers::machines, handlers::activate))
        .routes(routes!(handlers::machine, handlers::deactivate))
        .routes(routes!(handlers::heartbeat))
        .routes(routes!(handlers::machine_components))
        .routes(routes!(handlers::ping_heartbeat))
        .routes(routes!(handlers::check_out_machine, handlers::check_out_machine_get));
    // `OpenApiRouter` has no method-not-allowed fallback: set it on the
    // routes, and keep their document.
    let (routes, document) = documented.split_for_parts();
    let mut api = OpenApiRouter::from(routes.method_not_allowed_fallback(handlers::method_not_allowed));
    *api.get_openapi_mut() = document;
    api
}

/// The prefix of the routes that name the account.
const ACCOUNT_PREFIX: &str = "/v1/accounts/{account}";

/// Every route, documented: this document, then the API both with and
/// without the account in the path.
fn documented() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(handlers::openapi))
        .nest(ACCOUNT_PREFIX, api())
        .nest("/v1", api())
}

/// The routes under [`ACCOUNT_PREFIX`] are the same operations again: each
/// gets the `account` path parameter and an operation id of its own (the
/// handler's, with `_for_account`).
fn describe_accounts(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{
        Required,
        path::{ParameterBuilder, ParameterIn},
    };
    for (path, item) in document.paths.paths.iter_mut() {
        if !path.starts_with(ACCOUNT_PREFIX) {
            continue;
        }
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            let account = ParameterBuilder::new()
                .name("account")
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some("The organization's slug or id."))
                .schema(Some(utoipa::openapi::schema::Object::with_type(utoipa::openapi::schema::Type::String)))
                .build();
            operation.parameters.get_or_insert_with(Vec::new).insert(0, account);
            if let Some(id) = &mut operation.operation_id {
                id.push_str("_for_account");
            }
        }
    }
}

/// The OpenAPI 3.1 document of `/v1`, generated from the handlers'
/// annotations and the schemas of [`schema`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut document = documented().into_openapi();
    describe_accounts(&mut document);
    document
}

/// The `/v1` router, both with and without the account in the path, its
/// answers signed ([`signing::sign_responses`]).
pub fn router(state: AppState) -> Router {
    // Shared behind one `Arc`: a request clones a pointer, not the whole
    // state (Leptos' options are a dozen strings).
    let state = Arc::new(state);
    let (routes, _) = documented().split_for_parts();
    routes
        .route("/v1/{*rest}", axum::routing::any(handlers::not_found))
        .layer(from_fn_with_state(state.clone(), signing::sign_responses))
        .with_state(state)
}

/// One API request: what it asked, and whose key signs its answer.
pub struct Call {
    state: std::sync::Arc<AppState>,
    /// The path and query as the client sent them.
    target: String,
    /// The organization named in the path, as given.
    account: Option<String>,
    /// The key of `Authorization: License <key>`.
    key: Option<String>,
    /// The API token of `Authorization: Bearer <token>` (Keygen's admin
    /// API; see [`Call::token`]).
    bearer: Option<String>,
    /// The client's network (its IPv4 address or IPv6 /64), which an API
    /// token's first use from is audited.
    network: Option<String>,
    body: Bytes,
    /// The client's address and user agent, for the audit log.
    ip: Option<String>,
    user_agent: Option<String>,
    /// Where the organization whose key signs the answer goes once known
    /// (the signing layer's; a fresh one, never read, without the layer).
    signer: Signer,
    /// Where the API token's counted quota goes (the layer's, for the
    /// answer's `RateLimit-*` headers).
    quota: QuotaSlot,
    /// Seconds to wait when this network has spent its requests.
    throttled: Option<u64>,
    /// The body was over [`MAX_BODY_BYTES`] (and is left empty).
    too_large: bool,
}

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
        let account = target.strip_prefix("/v1/accounts/").and_then(|rest| rest.split('/').next()).map(percent_decode);
        let key = license_key(&parts.headers);
        let bearer = crate::rest::auth::bearer(&parts.headers).filter(|b| !b.is_empty()).map(str::to_owned);
        let user_agent = parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let ip = app::server::auth::client_ip::client_ip(&parts, state.config.trust_proxy_headers);
        let throttled = state.limits.check_license_api(ip).err();
        let network = ip.map(|ip| app::server::auth::rate_limit::client_network(ip).to_string());
        let ip = ip.map(|ip| ip.to_string());
        // Answered by the handler, once it knows whose key signs the 413.
        let (body, too_large) = read_body(body).await;
        let signer = parts.extensions.get::<Signer>().cloned().unwrap_or_default();
        let quota = parts.extensions.get::<QuotaSlot>().cloned().unwrap_or_default();
        Ok(Self {
            state,
            target,
            account,
            key,
            bearer,
            network,
            body,
            ip,
            user_agent,
            signer,
            quota,
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
        self.state.limits.check_license_api_license(license.id().0).map_err(ApiError::too_many_requests)
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
                self.signer.set(org, None);
                Ok(Some(org))
            }
            None => Err(ApiError::not_found("The requested account was not found")),
        }
    }

    /// The license of the request's key, which from now on signs the
    /// answer, when it may do what `need` asks (the rules of
    /// `licensing::access`). `LICENSE_INVALID` (401) when the key is
    /// missing, unknown, or of another organization than the path's; 413
    /// for a body over [`MAX_BODY_BYTES`]; `TOO_MANY_REQUESTS` past the
    /// license's limit; `LICENSE_BANNED`, `LICENSE_SUSPENDED` or
    /// `LICENSE_EXPIRED` (403) when the license may only validate itself.
    pub async fn license(&mut self, need: Access) -> Result<ApiLicense, ApiError> {
        let account = self.resolve_account().await?;
        let license = access::license_of_key(&self.state.db, self.key.as_deref(), account).await?;
        self.sign_for(&license);
        if self.too_large {
            return Err(ApiError::payload_too_large());
        }
        self.limit_license(&license)?;
        access::check_use(&license, need, time::OffsetDateTime::now_utc())?;
        Ok(license)
    }

    /// Whether the request comes with an API token (Keygen's admin API)
    /// rather than a license key.
    pub fn has_token(&self) -> bool {
        self.bearer.is_some()
    }

    /// The API token of `Authorization: Bearer <token>`, turned into what
    /// acts for its organization (the token's role, for its creator), whose
    /// key from now on signs the answer. Counted against the token's own
    /// quota, as on the REST API.
    ///
    /// Errors: `TOKEN_INVALID` (401) when the token is missing, unknown,
    /// revoked, expired, of another organization than the path's, or its
    /// creator no longer holds its role; 413 for a body over
    /// [`MAX_BODY_BYTES`]; `TOO_MANY_REQUESTS` past the network's or the
    /// token's limit.
    pub async fn token(&mut self) -> Result<ApiCaller, ApiError> {
        let account = self.resolve_account().await?;
        let Some(secret) = self.bearer.clone() else {
            return Err(ApiError::unauthorized(
                "TOKEN_INVALID",
                "An API token is required: send `Authorization: Bearer <token>`",
            ));
        };
        let origin = Origin { ip: self.ip.clone(), user_agent: self.user_agent.clone() };
        let caller = match api_tokens::authenticate(&self.state.db, &secret, origin, self.network.clone()).await {
            Ok(Ok(caller)) => caller,
            Ok(Err(refused)) => return Err(ApiError::unauthorized("TOKEN_INVALID", &refused.to_string())),
            Err(err) => return Err(err.into()),
        };
        if account.is_some_and(|account| account != caller.org.org_id()) {
            return Err(ApiError::unauthorized("TOKEN_INVALID", "This API token belongs to another account"));
        }
        self.signer.set(caller.org.org_id(), None);
        if self.too_large {
            return Err(ApiError::payload_too_large());
        }
        match self.state.limits.check_api_token(caller.token.0) {
            Ok(quota) => self.quota.set(quota),
            Err(spent) => {
                self.quota.set(spent);
                return Err(ApiError::too_many_requests(spent.reset_secs));
            }
        }
        Ok(caller)
    }

    /// Signs with the organization of a license found another way (the
    /// validate-key body).
    pub fn sign_for(&mut self, license: &ApiLicense) {
        self.signer.set(license.org_id(), license.sealed_secret_key().map(str::to_owned));
    }
}
