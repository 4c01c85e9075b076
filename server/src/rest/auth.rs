//! Who is calling the REST API: the bearer token, turned into its
//! organization's role handle, and counted against its rate limit.

use app::server::{
    AppState,
    api_tokens::{self, ApiCaller, TokenRefused},
    auth::{
        client_ip::client_ip,
        rate_limit::{TokenQuota, client_network},
    },
    ctx::OrgCtx,
    db::audit::{MAX_USER_AGENT, Origin},
};
use axum::{
    extract::{FromRequestParts, Request, State},
    http::{HeaderMap, HeaderValue, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::problem::ApiError;

/// The token's secret from `Authorization: Bearer <secret>` (RFC 6750
/// section 2.1; the scheme is case-insensitive).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| secret.trim())
}

/// Authenticates every REST API request: a missing or refused token is
/// 401 with `WWW-Authenticate: Bearer` (RFC 6750 section 3); a spent
/// quota is 429. The caller goes into the request's extensions for
/// [`ApiClient`], and every answer carries the token's `RateLimit-*`
/// headers.
pub async fn authenticate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let Some(secret) = bearer(&parts.headers) else {
        return ApiError::Token(TokenRefused::Missing).into_response();
    };
    let ip = client_ip(&parts, state.config.trust_proxy_headers);
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .map(|agent| agent.chars().take(MAX_USER_AGENT).collect());
    let origin = Origin { ip: ip.map(|ip| ip.to_string()), user_agent };
    let network = ip.map(|ip| client_network(ip).to_string());
    let caller = match api_tokens::authenticate(&state.db, secret, origin, network).await {
        Ok(Ok(caller)) => caller,
        Ok(Err(refused)) => return ApiError::Token(refused).into_response(),
        Err(err) => return ApiError::App(err).into_response(),
    };
    match state.limits.check_api_token(caller.token.0) {
        Ok(quota) => {
            parts.extensions.insert(caller);
            let mut response = next.run(Request::from_parts(parts, body)).await;
            quota_headers(response.headers_mut(), quota);
            response
        }
        Err(quota) => {
            let mut response =
                ApiError::App(app::error::AppError::RateLimited { retry_after_secs: quota.reset_secs }).into_response();
            quota_headers(response.headers_mut(), quota);
            response
        }
    }
}

/// `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds).
pub(crate) fn quota_headers(headers: &mut HeaderMap, quota: TokenQuota) {
    headers.insert("ratelimit-limit", HeaderValue::from(quota.limit));
    headers.insert("ratelimit-remaining", HeaderValue::from(quota.remaining));
    headers.insert("ratelimit-reset", HeaderValue::from(quota.reset_secs));
}

/// The REST API's caller: its token's reader capability in the
/// organization ([`OrgCtx`], with the token's role; ask it for a stronger
/// one), the token, and the actor its changes are recorded against.
///
/// Taken from what [`authenticate`] found; a route outside the API's
/// router that asks for one is a programming error (500).
pub struct ApiClient(pub ApiCaller);

impl ApiClient {
    /// The token's reader capability.
    pub fn org(&self) -> &OrgCtx {
        &self.0.org
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ApiClient {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<ApiCaller>()
            .cloned()
            .map(ApiClient)
            .ok_or_else(|| ApiError::App(app::error::AppError::internal("an API route outside `authenticate`")))
    }
}
