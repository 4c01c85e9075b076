//! Whole-page error states: not found, sign-in required, and the rest.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_location};

use crate::error::AppError;

/// Sets the HTTP status of the page being rendered on the server.
pub fn set_page_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::from_u16(code).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR));
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

/// The 404 page, served with status 404.
#[component]
pub fn NotFound() -> impl IntoView {
    set_page_status(404);
    view! {
        <Title text="Page not found · Atrium" />
        <main id="main" tabindex="-1" class="mx-auto max-w-lg px-6 py-24 text-center">
            <p class="text-sm font-semibold text-indigo-600">"404"</p>
            <h1 class="mt-2 text-3xl font-bold tracking-tight text-slate-900">"Page not found"</h1>
            <p class="mt-4 text-slate-600">
                "This page does not exist, or you do not have access to it."
            </p>
            <a href="/" class="mt-8 inline-block font-medium text-indigo-700 hover:underline">"Go to your dashboard"</a>
        </main>
    }
}

/// The sign-in path that returns to the current page afterwards.
pub fn login_path_returning_here() -> String {
    let location = use_location();
    let path = location.pathname.get_untracked();
    let search = location.search.get_untracked();
    let here = if search.is_empty() { path } else { format!("{path}?{}", search.trim_start_matches('?')) };
    let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
    format!("/login?next={next}")
}

/// The page for an error that ended a page load: a redirect to sign-in for
/// `Unauthenticated`, the 404 page for `NotFound`, otherwise a message
/// (with the reference id of internal errors).
#[component]
pub fn PageError(error: AppError) -> impl IntoView {
    match error {
        AppError::Unauthenticated => view! { <Redirect path=login_path_returning_here() /> }.into_any(),
        AppError::NotFound => view! { <NotFound /> }.into_any(),
        other => {
            set_page_status(other.status_code());
            view! {
                <main id="main" tabindex="-1" class="mx-auto max-w-lg px-6 py-24 text-center">
                    <h1 class="text-2xl font-bold text-slate-900">"We could not load this page"</h1>
                    <p role="alert" class="mt-4 text-slate-600">{other.to_string()}</p>
                </main>
            }
            .into_any()
        }
    }
}
