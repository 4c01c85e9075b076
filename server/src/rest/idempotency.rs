//! `Idempotency-Key` on POST (the IETF httpapi draft "The
//! Idempotency-Key HTTP Header Field"): a client that lost the answer to
//! a create and sends it again with the same key gets the first answer,
//! not a second resource. Keys belong to a token and last a day
//! (`app::server::db::idempotency`).
//!
//! Only successful answers are kept: a refused request changed nothing,
//! so its retry runs again. A retry while the first request still runs
//! is 409; the same key with another request (method, path or body) is
//! 422.

use app::{
    error::AppError,
    server::{
        AppState,
        api_tokens::ApiCaller,
        db::idempotency::{self, Claim, StoredAnswer},
    },
};
use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderName, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

use super::{MAX_BODY_BYTES, problem::ApiError};

/// The header's name.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Longest key, in characters.
pub const MAX_KEY_LEN: usize = 255;
/// Largest answer kept for a replay, in bytes (answers are single
/// resources, far below this).
const MAX_ANSWER_BYTES: usize = 1024 * 1024;
/// The headers a replay gives again.
const REPLAYED_HEADERS: [HeaderName; 3] = [header::LOCATION, header::ETAG, header::CONTENT_TYPE];

/// Runs a POST with an `Idempotency-Key` at most once per key; see the
/// module docs. Other requests pass through.
pub async fn replay_retries(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST || !request.headers().contains_key(IDEMPOTENCY_KEY) {
        return next.run(request).await;
    }
    match run_once(&state, request, next).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn run_once(state: &AppState, request: Request, next: Next) -> Result<Response, ApiError> {
    let key = request
        .headers()
        .get(IDEMPOTENCY_KEY)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|key| !key.is_empty() && key.len() <= MAX_KEY_LEN && key.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| ApiError::BadRequest {
            field: "Idempotency-Key",
            detail: format!("An Idempotency-Key is 1 to {MAX_KEY_LEN} visible ASCII characters (a UUID, say)."),
        })?
        .to_owned();
    let caller = request
        .extensions()
        .get::<ApiCaller>()
        .cloned()
        .ok_or_else(|| AppError::internal("idempotency outside `authenticate`"))?;
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| ApiError::TooLarge)?;
    let mut fingerprint = Sha256::new();
    fingerprint.update(parts.method.as_str().as_bytes());
    fingerprint.update(b" ");
    fingerprint.update(parts.uri.path_and_query().map_or("", |path| path.as_str()).as_bytes());
    fingerprint.update(b"\n");
    fingerprint.update(&bytes);
    let fingerprint = fingerprint.finalize();

    let (db, org, token) = (&state.db, &caller.org, caller.token);
    match idempotency::claim(db, org, token, &key, &fingerprint).await? {
        Claim::Fresh => {}
        Claim::Replay(answer) => return Ok(replay(answer)),
        Claim::InProgress => {
            return Err(AppError::Conflict(
                "A request with this Idempotency-Key is still running: retry in a moment.".into(),
            )
            .into());
        }
        Claim::Mismatch => {
            return Err(AppError::field("Idempotency-Key", "This key was used with another request.").into());
        }
    }
    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    if !response.status().is_success() {
        idempotency::release(db, org, token, &key).await?;
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    let Ok(body) = to_bytes(body, MAX_ANSWER_BYTES).await else {
        idempotency::release(db, org, token, &key).await?;
        return Err(AppError::internal("an answer too large to keep for Idempotency-Key").into());
    };
    let headers = REPLAYED_HEADERS
        .iter()
        .filter_map(|name| {
            let value = parts.headers.get(name)?.to_str().ok()?;
            Some((name.as_str().to_owned(), value.to_owned()))
        })
        .collect();
    let answer = StoredAnswer { status: parts.status.as_u16(), headers, body: body.to_vec() };
    idempotency::store(db, org, token, &key, &answer).await?;
    Ok(Response::from_parts(parts, Body::from(body)))
}

/// The kept answer, marked as a replay.
fn replay(answer: StoredAnswer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut response = (status, answer.body).into_response();
    let headers = response.headers_mut();
    for (name, value) in answer.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::from_str(&value)) {
            headers.insert(name, value);
        }
    }
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
