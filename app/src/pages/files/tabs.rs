//! The links between a project's pages (tasks, files, uploads, import).

use leptos::prelude::*;

/// The links between a project's pages.
#[component]
pub fn ProjectTabs(slug: String, project: String, current: &'static str) -> impl IntoView {
    let tabs = [
        ("tasks", "Tasks", ""),
        ("files", "Files", "/files"),
        ("uploads", "Uploads", "/uploads"),
        ("import", "Import", "/import"),
    ];
    view! {
        <nav aria-label="Project" class="mt-3 flex gap-1">
            {tabs
                .into_iter()
                .map(|(key, label, rest)| {
                    view! {
                        <a
                            href=format!("/o/{slug}/projects/{project}{rest}")
                            class="tab"
                            aria-current=(key == current).then_some("page")
                        >
                            {label}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}
