//! The colour-scheme cookie: the person's [`Theme`], mirrored from their
//! account so the page shell can put `data-theme` on `<html>` before any
//! data loads (no flash of the wrong scheme). Set (or removed, for
//! "system") whenever someone signs in or up and when they change it,
//! removed when they sign out; absent means "follow the device". A
//! session that ends without signing out leaves it until the next sign-in.

use http::{HeaderValue, header, request::Parts};
use leptos::prelude::use_context;
use tower_sessions::cookie::{Cookie, SameSite, time::Duration};

use super::AppState;
use crate::model::Theme;

/// The explicit theme the request's cookie names, if any (during a render
/// or a server function).
pub fn from_request() -> Option<Theme> {
    let parts = use_context::<Parts>()?;
    request_cookies(&parts, Theme::COOKIE)
        .next()
        .and_then(|cookie| cookie.value().parse().ok())
        .filter(|theme| *theme != Theme::System)
}

/// The cookies called `name` the request sent (RFC 6265 `Cookie`
/// headers, any number of them); unreadable ones are skipped.
pub fn request_cookies<'a>(parts: &'a Parts, name: &'a str) -> impl Iterator<Item = Cookie<'a>> + 'a {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .filter(move |cookie| cookie.name() == name)
}

/// Adds to the response the `Set-Cookie` that makes `theme` the browser's
/// (removing the cookie for [`Theme::System`], when the browser sent one).
/// A year long, `HttpOnly`, `SameSite=Lax`, and `Secure` when the app is
/// served over HTTPS, like the session cookie.
pub fn remember(state: &AppState, theme: Theme) {
    if theme == Theme::System && from_request().is_none() {
        // Nothing to remove: the browser already follows the device.
        return;
    }
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else { return };
    let mut cookie = Cookie::build((Theme::COOKIE, theme.as_str()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.public_origin.is_https())
        .build();
    if theme == Theme::System {
        cookie.make_removal();
    } else {
        cookie.set_max_age(Duration::days(365));
    }
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.append_header(header::SET_COOKIE, value);
    }
}
