//! Previous / next links with the page position.

use leptos::prelude::*;

use leptos_router::hooks::use_query_map;

use crate::model::listing::PagePosition;

/// The 1-based `page` of the URL's query (1 when missing or malformed).
pub fn use_page_number() -> Memo<u32> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|q| q.get("page").and_then(|p| p.parse::<u32>().ok()).filter(|p| *p >= 1).unwrap_or(1))
    })
}

/// "Page N of M · T items" with Previous and Next links; `href(offset)`
/// makes the link for the page starting at `offset`.
#[component]
pub fn Pager(position: PagePosition, noun: &'static str, href: impl Fn(u32) -> String + 'static) -> impl IntoView {
    let PagePosition { number, pages, total, previous, next } = position;
    let link = "rounded-md border border-slate-300 px-3 py-1 text-sm text-slate-700 hover:bg-slate-50";
    view! {
        <nav aria-label="Pages" class="mt-4 flex items-center justify-between text-sm text-slate-600">
            <span>{format!("Page {number} of {pages} · {total} {noun}")}</span>
            <span class="flex gap-2">
                {previous.map(|offset| view! { <a href=href(offset) class=link rel="prev">"Previous"</a> })}
                {next.map(|offset| view! { <a href=href(offset) class=link rel="next">"Next"</a> })}
            </span>
        </nav>
    }
}

/// The links around a page of a keyset-paged list: "25 shown · 1,000+
/// tasks" with First, Previous and Next. The hrefs are `None` where there
/// is no such page.
#[component]
pub fn CursorPager(
    shown: usize,
    total: String,
    noun: &'static str,
    first: Option<String>,
    previous: Option<String>,
    next: Option<String>,
) -> impl IntoView {
    let link = "rounded-md border border-slate-300 px-3 py-1 text-sm text-slate-700 hover:bg-slate-50";
    view! {
        <nav aria-label="Pages" class="mt-4 flex items-center justify-between text-sm text-slate-600">
            <span>{format!("{shown} shown · {total} {noun}")}</span>
            <span class="flex gap-2">
                {first.map(|href| view! { <a href=href class=link>"First"</a> })}
                {previous.map(|href| view! { <a href=href class=link rel="prev">"Previous"</a> })}
                {next.map(|href| view! { <a href=href class=link rel="next">"Next"</a> })}
            </span>
        </nav>
    }
}
