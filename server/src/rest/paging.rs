//! A list's answer: the page as JSON, and a `Link` header (RFC 8288)
//! naming the pages around it, for every list of the API.

use app::model::Page;
use axum::{
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

/// `page` as JSON with a `Link` header of `links` (each a target and its
/// `rel`, `("/api/v1/...", "next")`), when there are any.
pub fn listed<T: Serialize>(page: &T, links: &[(String, &str)]) -> Response {
    let mut response = axum::Json(page).into_response();
    let header_value = links.iter().map(|(target, rel)| format!("<{target}>; rel=\"{rel}\"")).collect::<Vec<_>>();
    if !header_value.is_empty()
        && let Ok(value) = HeaderValue::from_str(&header_value.join(", "))
    {
        response.headers_mut().insert(header::LINK, value);
    }
    response
}

/// The neighbours of an offset-paged `page`: `next` when items follow,
/// `prev` when items come before, each at `{base}limit=..&offset=..`
/// (`base` is the path and query so far, ending in `?` or `&`).
pub fn offset_links<T>(page: &Page<T>, base: &str) -> Vec<(String, &'static str)> {
    let at = |offset: u32| format!("{base}limit={}&offset={offset}", page.limit);
    let mut links = Vec::new();
    if page.has_more {
        links.push((at(page.offset + page.limit), "next"));
    }
    if page.offset > 0 {
        links.push((at(page.offset.saturating_sub(page.limit)), "prev"));
    }
    links
}
