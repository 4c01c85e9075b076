//! Signing `/v1` answers in one place: a layer over the router signs
//! whatever a handler answered with the Ed25519 key of the organization
//! the request's [`Call`](super::Call) found (from the license key, or
//! the account in the path), errors included, because Keygen's clients
//! verify the signature before they read the status. The signature covers
//! the request's method, path and query, host, and the answer's date and
//! body digest (`app::server::licensing::signing`, Keygen's
//! `Keygen-Signature` scheme).

use std::sync::{Arc, Mutex, PoisonError};

use axum::{
    body::{Body, to_bytes},
    extract::{OriginalUri, Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use app::{
    model::OrgId,
    server::{
        AppState,
        auth::rate_limit::TokenQuota,
        licensing::signing::{SignedRequest, sign},
    },
};

use super::answer::ApiError;

/// Whose key signs a request's answer: set by the request's `Call` once
/// it knows the organization (with its sealed signing key, when read
/// with the license), read by [`sign_responses`] once the handler has
/// answered. Empty: the answer goes unsigned (no organization is known).
#[derive(Debug, Clone, Default)]
pub struct Signer(Arc<Mutex<Option<SigningOrg>>>);

/// An organization, and its signing key as stored when already read.
type SigningOrg = (OrgId, Option<String>);

/// The API token's quota as counted for this request, set by the
/// request's `Call` once it has counted it; the layer turns it into
/// `RateLimit-*` headers on the answer, errors included (as the REST
/// API does).
#[derive(Debug, Clone, Default)]
pub struct QuotaSlot(Arc<Mutex<Option<TokenQuota>>>);

impl QuotaSlot {
    pub fn set(&self, quota: TokenQuota) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(quota);
    }

    fn take(&self) -> Option<TokenQuota> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

impl Signer {
    /// The answer is signed with `org`'s key; `sealed` is that key as
    /// stored, when already read (it saves a query).
    pub fn set(&self, org: OrgId, sealed: Option<String>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some((org, sealed));
    }

    fn take(&self) -> Option<SigningOrg> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// The layer: gives the request a [`Signer`] and a [`QuotaSlot`], runs
/// the handler, and signs its answer when the signer was set, adding
/// `Keygen-Date`, `Keygen-Digest` and `Keygen-Signature` (and the token's
/// `RateLimit-*` headers when a token was counted). When the
/// organization's key cannot be had, the answer is an unsigned 500 in
/// Keygen's error shape.
pub async fn sign_responses(State(state): State<Arc<AppState>>, mut request: Request, next: Next) -> Response {
    let signer = Signer::default();
    let quota = QuotaSlot::default();
    request.extensions_mut().insert(signer.clone());
    request.extensions_mut().insert(quota.clone());
    let method = request.method().as_str().to_owned();
    // The URI as the client sent it (`nest` strips its prefix from the
    // request's URI): the signature covers it exactly.
    let uri = request.extensions().get::<OriginalUri>().map_or(request.uri(), |original| &original.0);
    let target = uri.path_and_query().map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default().to_owned();

    let mut response = next.run(request).await;
    if let Some(quota) = quota.take() {
        crate::rest::auth::quota_headers(response.headers_mut(), quota);
    }
    let Some((org, sealed)) = signer.take() else { return response };
    let key = match state.licensing.signing_key(&state.db, org, sealed.as_deref()).await {
        Ok(key) => key,
        Err(err) => return unsigned_failure(err),
    };
    let (mut parts, body) = response.into_parts();
    // Answers are small JSON documents, built whole by their handlers.
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(err) => return unsigned_failure(err),
    };
    let request = SignedRequest { method: &method, target: &target, host: &host };
    let signed = sign(&key, &org.to_string(), request, &bytes, std::time::SystemTime::now());
    for (name, value) in
        [("keygen-date", signed.date), ("keygen-digest", signed.digest), ("keygen-signature", signed.signature)]
    {
        if let Ok(value) = HeaderValue::from_str(&value) {
            parts.headers.insert(name, value);
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// A 500 with Keygen's error document and nothing else: there is no key
/// to sign it with.
fn unsigned_failure(err: impl std::fmt::Display) -> Response {
    let error = ApiError::internal(err);
    let mut unsigned = Response::new(Body::from(error.document().to_string()));
    *unsigned.status_mut() = error.status;
    unsigned.into_response()
}
