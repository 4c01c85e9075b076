//! The frame every platform admin page sits in.

use leptos::prelude::*;

/// The frame of the admin pages: where you are, the two sections, the
/// way back.
#[component]
pub(super) fn AdminFrame(children: Children) -> impl IntoView {
    let link = "rounded-md px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-100";
    view! {
        <div class="min-h-screen">
            <header class="flex flex-wrap items-center gap-x-4 gap-y-2 border-b border-slate-200 bg-white px-4 py-3 md:px-6">
                <a href="/" class="text-lg font-bold tracking-tight text-indigo-700">"Atrium"</a>
                <span class="rounded bg-slate-800 px-2 py-0.5 text-xs font-semibold uppercase tracking-wide text-white">
                    "Platform admin"
                </span>
                <nav aria-label="Platform admin" class="flex flex-wrap gap-1">
                    <a href="/admin" class=link>"Organizations"</a>
                    <a href="/admin/audit" class=link>"Audit log"</a>
                    <a href="/admin/jobs" class=link>"Jobs"</a>
                </nav>
            </header>
            <main id="main" tabindex="-1" class="p-4 md:p-8">{children()}</main>
        </div>
    }
}
