//! The card that account-entry forms sit in.

use leptos::prelude::*;

/// The centred card that account-entry forms sit in.
#[component]
pub(crate) fn AuthCard(#[prop(into)] title: String, children: Children) -> impl IntoView {
    view! {
        <main id="main" tabindex="-1" class="flex min-h-screen items-start justify-center bg-slate-50 px-4 py-16">
            <div class="w-full max-w-md">
                <a href="/" class="block text-center text-xl font-bold tracking-tight text-indigo-700">"Atrium"</a>
                <div class="mt-6 rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
                    <h1 class="mb-6 text-2xl font-bold tracking-tight text-slate-900">{title}</h1>
                    {children()}
                </div>
            </div>
        </main>
    }
}
