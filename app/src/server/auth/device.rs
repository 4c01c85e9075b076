//! The device cookie (OWASP "Slow Down Online Guessing Attacks with Device
//! Cookies"): a browser that completed a sign-in for an account, second
//! factor included, is given a cookie naming that account, and is not
//! refused by the account-wide ceiling on failed sign-ins
//! (`auth::lockout`). An attacker spreading guesses over many networks
//! can then lock out new browsers for a while, but not the owner's own.
//! The per-network limits still apply to it.
//!
//! The cookie is `{user id}.{sealed}`: the text `device:` and the expiry
//! (Unix seconds) sealed with the key-encryption key (AES-256-GCM) bound
//! to the user's id, so it cannot be forged or moved to another account.
//! It lasts [`LIFETIME_DAYS`], `HttpOnly`, `SameSite=Lax`, `Secure` over
//! HTTPS, and survives signing out (it proves a past sign-in, it does not
//! sign in).

use http::{HeaderValue, header, request::Parts};
use leptos::prelude::use_context;
use time::OffsetDateTime;
use tower_sessions::cookie::{Cookie, SameSite, time::Duration};

use super::super::AppState;
use crate::model::UserId;

/// The cookie's name.
pub const COOKIE: &str = "atrium_device";
/// How long a device cookie is honoured, in days.
pub const LIFETIME_DAYS: i64 = 180;
const PREFIX: &[u8] = b"device:";

/// Adds to the response the `Set-Cookie` of a device cookie for `user`
/// (during a server function).
pub fn remember(state: &AppState, user: UserId) {
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else { return };
    let expires = OffsetDateTime::now_utc().unix_timestamp() + LIFETIME_DAYS * 86_400;
    let mut payload = PREFIX.to_vec();
    payload.extend_from_slice(&expires.to_be_bytes());
    let value = format!("{user}.{}", state.licensing.kek.seal(user.0, &payload));
    let cookie = Cookie::build((COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.public_origin.is_https())
        .max_age(Duration::days(LIFETIME_DAYS))
        .build();
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.append_header(header::SET_COOKIE, value);
    }
}

/// Whether the request (during a server function) carries an unexpired
/// device cookie for `user`.
pub fn trusted(state: &AppState, user: UserId) -> bool {
    use_context::<Parts>().is_some_and(|parts| trusted_in(state, &parts, user))
}

fn trusted_in(state: &AppState, parts: &Parts, user: UserId) -> bool {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    crate::server::theme::request_cookies(parts, COOKIE).any(|cookie| {
        let Some((id, sealed)) = cookie.value().split_once('.') else { return false };
        if id.parse::<UserId>().ok() != Some(user) {
            return false;
        }
        let Ok(payload) = state.licensing.kek.open(user.0, sealed) else { return false };
        let Some(expires) = payload.strip_prefix(PREFIX).and_then(|rest| <[u8; 8]>::try_from(rest).ok()) else {
            return false;
        };
        i64::from_be_bytes(expires) > now
    })
}
