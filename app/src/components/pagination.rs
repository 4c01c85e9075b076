//! Previous / next links with the page position.

use leptos::prelude::*;

/// "Page N of M · T items" with Previous and Next links; `href(offset)`
/// makes the link for the page starting at `offset`.
#[component]
pub fn Pager(
    total: i64,
    limit: u32,
    offset: u32,
    has_more: bool,
    noun: &'static str,
    href: impl Fn(u32) -> String + 'static,
) -> impl IntoView {
    let limit = limit.max(1);
    let page = offset / limit + 1;
    let pages = u32::try_from(((total + i64::from(limit) - 1) / i64::from(limit)).max(1)).unwrap_or(u32::MAX);
    let previous = (offset > 0).then(|| href(offset.saturating_sub(limit)));
    let next = has_more.then(|| href(offset + limit));
    let link = "rounded-md border border-slate-300 px-3 py-1 text-sm text-slate-700 hover:bg-slate-50";
    view! {
        <nav aria-label="Pages" class="mt-4 flex items-center justify-between text-sm text-slate-600">
            <span>{format!("Page {page} of {pages} · {total} {noun}")}</span>
            <span class="flex gap-2">
                {previous.map(|href| view! { <a href=href class=link rel="prev">"Previous"</a> })}
                {next.map(|href| view! { <a href=href class=link rel="next">"Next"</a> })}
            </span>
        </nav>
    }
}
