//! Keyboard shortcuts of the project page, and their help dialog.
//!
//! `j`/`k` move between rows, `x` ticks the row, `c` focuses the new task
//! field, `Enter` opens the row's task, `e` opens it with the title
//! focused, `?` shows this list, `Esc` closes the panel or the help.
//! Shortcuts are ignored while typing in a field.

use leptos::{ev, prelude::*, wasm_bindgen::JsCast};
use leptos_router::hooks::use_navigate;

use super::state::ProjectState;

/// Every shortcut with what it does, for the help dialog.
pub const SHORTCUTS: [(&str, &str); 8] = [
    ("j", "Next task"),
    ("k", "Previous task"),
    ("x", "Select or unselect the task"),
    ("c", "New task"),
    ("Enter", "Open the task"),
    ("e", "Edit the task"),
    ("?", "Show these shortcuts"),
    ("Esc", "Close the task or this help"),
];

/// True when the key event comes from somewhere text is typed.
fn typing(event: &ev::KeyboardEvent) -> bool {
    event.target().and_then(|target| target.dyn_into::<leptos::web_sys::Element>().ok()).is_some_and(|el| {
        matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || el.has_attribute("contenteditable")
    })
}

/// Listens for the page's shortcuts while the page is shown.
pub fn install_shortcuts(state: ProjectState) {
    let navigate = use_navigate();
    let handle = window_event_listener(ev::keydown, move |event| {
        if event.ctrl_key() || event.meta_key() || event.alt_key() {
            return;
        }
        if typing(&event) {
            if event.key() == "Escape"
                && let Some(target) = event.target().and_then(|t| t.dyn_into::<leptos::web_sys::HtmlElement>().ok())
            {
                let _ = target.blur();
            }
            return;
        }
        let ids = state.visible_ids();
        let cursor = state.cursor.get_untracked();
        let current = cursor.and_then(|i| ids.get(i).copied());
        match event.key().as_str() {
            "j" => state.cursor.set(Some(cursor.map_or(0, |i| (i + 1).min(ids.len().saturating_sub(1))))),
            "k" => state.cursor.set(Some(cursor.map_or(0, |i| i.saturating_sub(1)))),
            "x" => {
                if let Some(id) = current {
                    state.selected.update(|s| {
                        if !s.remove(&id) {
                            s.insert(id);
                        }
                    });
                }
            }
            "c" => {
                if let Some(input) = state.quick_add.get_untracked() {
                    event.prevent_default();
                    let _ = input.focus();
                }
            }
            "Enter" | "e" => {
                if let Some(id) = current {
                    event.prevent_default();
                    state.focus_title.set(event.key() == "e");
                    navigate(&state.href(&state.query.get_untracked(), Some(id)), Default::default());
                }
            }
            "?" => state.show_help.update(|shown| *shown = !*shown),
            "Escape" => {
                if state.show_help.get_untracked() {
                    state.show_help.set(false);
                } else if state.open_task.get_untracked().is_some() {
                    navigate(&state.href(&state.query.get_untracked(), None), Default::default());
                }
            }
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());
}

/// The list of shortcuts, shown with `?`.
#[component]
pub fn ShortcutHelp() -> impl IntoView {
    let state = super::state::use_project();
    view! {
        <Show when=move || state.show_help.get()>
            <div
                role="dialog"
                aria-modal="true"
                aria-labelledby="shortcuts-title"
                class="fixed right-8 bottom-8 z-50 w-80 rounded-xl border border-slate-200 bg-white p-5 shadow-2xl"
            >
                <h2 id="shortcuts-title" class="text-base font-semibold text-slate-900">"Keyboard shortcuts"</h2>
                <dl class="mt-3 space-y-1 text-sm">
                    {SHORTCUTS
                        .into_iter()
                        .map(|(key, action)| {
                            view! {
                                <div class="flex justify-between">
                                    <dt><kbd class="rounded border border-slate-300 px-1.5 font-mono text-xs">{key}</kbd></dt>
                                    <dd class="text-slate-600">{action}</dd>
                                </div>
                            }
                        })
                        .collect_view()}
                </dl>
                <button
                    type="button"
                    class="mt-4 rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-50"
                    on:click=move |_| state.show_help.set(false)
                >
                    "Close"
                </button>
            </div>
        </Show>
    }
}
