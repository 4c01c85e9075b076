//! Ctrl+K (or ⌘K): a palette to jump to a project by typing part of its
//! name. Arrow keys move, Enter opens, Escape closes.

use leptos::{ev, html, prelude::*};
use leptos_router::hooks::use_navigate;

use crate::{
    api::projects::list_live_projects,
    components::org::{org_href, use_org},
    model::Project,
};

/// Projects whose name contains `text` (case-insensitively), by name.
pub fn matching(projects: &[Project], text: &str) -> Vec<Project> {
    let needle = text.trim().to_lowercase();
    projects.iter().filter(|p| p.name.to_lowercase().contains(&needle)).cloned().collect()
}

#[component]
pub fn ProjectPalette() -> impl IntoView {
    let org = use_org();
    let open = RwSignal::new(false);
    let text = RwSignal::new(String::new());
    let highlighted = RwSignal::new(0_usize);
    let input = NodeRef::<html::Input>::new();
    let navigate = use_navigate();

    // Loaded in the browser when the palette opens, fresh each time.
    let projects = LocalResource::new(move || {
        let slug = org.slug.get();
        let open = open.get();
        async move { if open { list_live_projects(slug).await.unwrap_or_default() } else { Vec::new() } }
    });
    let results = Memo::new(move |_| {
        let all = projects.get().unwrap_or_default();
        matching(&all, &text.get())
    });

    let handle = window_event_listener(ev::keydown, move |event| {
        if (event.ctrl_key() || event.meta_key()) && event.key().eq_ignore_ascii_case("k") {
            event.prevent_default();
            text.set(String::new());
            highlighted.set(0);
            open.update(|open| *open = !*open);
        }
    });
    on_cleanup(move || handle.remove());

    Effect::new(move |_| {
        if open.get()
            && let Some(input) = input.get()
        {
            let _ = input.focus();
        }
    });

    let go = move |project: &Project| {
        open.set(false);
        navigate(&org_href(&org.slug.get_untracked(), &format!("/projects/{}", project.id)), Default::default());
    };

    let on_keydown = move |event: ev::KeyboardEvent| match event.key().as_str() {
        "ArrowDown" => {
            event.prevent_default();
            let len = results.with(Vec::len);
            highlighted.update(|i| *i = if len == 0 { 0 } else { (*i + 1) % len });
        }
        "ArrowUp" => {
            event.prevent_default();
            let len = results.with(Vec::len);
            highlighted.update(|i| *i = if len == 0 { 0 } else { (*i + len - 1) % len });
        }
        "Enter" => {
            event.prevent_default();
            if let Some(project) = results.with(|r| r.get(highlighted.get_untracked()).cloned()) {
                go(&project);
            }
        }
        "Escape" => open.set(false),
        _ => {}
    };

    view! {
        <Show when=move || open.get()>
            <div class="fixed inset-0 z-40 bg-slate-900/30" on:click=move |_| open.set(false)></div>
            <div
                role="dialog"
                aria-modal="true"
                aria-label="Jump to a project"
                class="fixed left-1/2 top-24 z-50 w-full max-w-lg -translate-x-1/2 rounded-xl border border-slate-200 bg-white shadow-2xl"
            >
                <input
                    node_ref=input
                    type="text"
                    aria-label="Project name"
                    placeholder="Jump to a project…"
                    class="w-full rounded-t-xl border-b border-slate-200 px-4 py-3 text-slate-900 focus:outline-none"
                    prop:value=move || text.get()
                    on:input=move |event| {
                        text.set(event_target_value(&event));
                        highlighted.set(0);
                    }
                    on:keydown=on_keydown.clone()
                />
                <ul role="listbox" aria-label="Projects" class="max-h-80 overflow-y-auto py-1">
                    <For
                        each=move || results.get().into_iter().enumerate()
                        key=|(i, project)| (*i, project.id)
                        children=move |(i, project)| {
                            let href = org_href(&org.slug.get_untracked(), &format!("/projects/{}", project.id));
                            let archived = project.archived_at.is_some();
                            view! {
                                <li role="option" class="group" aria-selected=move || (highlighted.get() == i).to_string()>
                                    <a
                                        href=href
                                        class="flex justify-between px-4 py-2 text-sm text-slate-800 hover:bg-slate-50 \
                                               group-aria-selected:bg-indigo-50"
                                        on:click=move |_| open.set(false)
                                    >
                                        <span>{project.name.clone()}</span>
                                        {archived.then(|| view! { <span class="text-xs text-slate-500">"Archived"</span> })}
                                    </a>
                                </li>
                            }
                        }
                    />
                    <Show when=move || results.with(Vec::is_empty)>
                        <li class="px-4 py-2 text-sm text-slate-500">"No project matches."</li>
                    </Show>
                </ul>
            </div>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ProjectId;

    fn project(name: &str) -> Project {
        let now = time::OffsetDateTime::UNIX_EPOCH;
        Project {
            id: ProjectId::new(),
            name: name.into(),
            description: String::new(),
            archived_at: None,
            deleted_at: None,
            created_at: now,
            updated_at: now,
            open_tasks: 0,
            done_tasks: 0,
            trashed_tasks: 0,
        }
    }

    #[test]
    fn matching_is_a_case_insensitive_substring_search() {
        let all = [project("Website Launch"), project("Mobile app"), project("Launchpad")];
        let names: Vec<String> = matching(&all, "LAUNCH").into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["Website Launch", "Launchpad"]);
        assert_eq!(matching(&all, "").len(), 3);
    }
}
