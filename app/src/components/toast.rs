//! Toasts: a short message after each completed action, with Undo where
//! the action can be reversed. One polite live region ("Notifications")
//! at the foot of the page, so screen readers announce them without moving
//! focus; not `role="status"`, which the pages' own messages use.
//!
//! A toast stays 8 seconds, and as long as the pointer or the keyboard
//! focus is on the region (WCAG 2.2.1: time enough to reach Undo). Undo
//! belongs to the page that offered it ([`UndoScope`]): when that page
//! goes, its toasts keep their message and lose the button.
//!
//! Without JavaScript the same messages arrive as a flash on the next page
//! (`server::flash`): the server keeps the message in the session and the
//! page after the redirect shows it once.

use leptos::prelude::*;

/// How long a toast stays, in milliseconds, once nobody is on it.
const SHOW_MS: u64 = 8_000;

#[derive(Clone)]
struct Toast {
    id: u64,
    message: String,
    undo: Option<Callback<()>>,
    /// The [`UndoScope`] its Undo came from.
    scope: Option<u64>,
}

/// The page's toasts (a context provided by [`ToastRegion`]).
#[derive(Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
    /// The pointer or the focus is on the region: nothing expires.
    held: RwSignal<bool>,
}

/// Where a page's Undo actions live: made once when the page is set up,
/// so each Undo is owned by the page (not by the effect that showed the
/// toast, which a later toast would dispose of), and taken off the toasts
/// when the page goes (its actions go with it).
#[derive(Clone)]
pub struct UndoScope {
    id: u64,
    owner: Owner,
}

impl Toasts {
    /// Shows `message` without Undo.
    pub fn show(&self, message: impl Into<String>) {
        self.push(message.into(), None, None);
    }

    /// Shows `message` with an Undo button that runs `undo` (and closes
    /// the toast), for as long as the page of `scope` is there.
    pub fn show_undoable(
        &self,
        scope: &UndoScope,
        message: impl Into<String>,
        undo: impl Fn() + Send + Sync + 'static,
    ) {
        let undo = scope.owner.with(|| Callback::new(move |()| undo()));
        self.push(message.into(), Some(undo), Some(scope.id));
    }

    /// A scope for the Undo actions of the page being set up.
    pub fn undo_scope(&self) -> UndoScope {
        let id = self.next_id();
        let items = self.items;
        on_cleanup(move || {
            items.try_update(|items| {
                for toast in items.iter_mut().filter(|toast| toast.scope == Some(id)) {
                    toast.undo = None;
                }
            });
        });
        UndoScope { id, owner: Owner::current().unwrap_or_default() }
    }

    fn next_id(&self) -> u64 {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        id
    }

    fn push(&self, message: String, undo: Option<Callback<()>>, scope: Option<u64>) {
        let id = self.next_id();
        self.items.update(|items| items.push(Toast { id, message, undo, scope }));
        self.expire_later(id);
    }

    /// Removes toast `id` after [`SHOW_MS`], or later while it is held.
    fn expire_later(&self, id: u64) {
        let toasts = *self;
        set_timeout(
            move || {
                if toasts.held.try_get_untracked().unwrap_or(false) {
                    toasts.expire_later(id);
                } else {
                    toasts.dismiss(id);
                }
            },
            std::time::Duration::from_millis(SHOW_MS),
        );
    }

    fn dismiss(&self, id: u64) {
        self.items.try_update(|items| items.retain(|toast| toast.id != id));
    }
}

/// The toasts of the page (or nothing outside a [`ToastRegion`]).
pub fn use_toasts() -> Option<Toasts> {
    use_context::<Toasts>()
}

/// Provides [`Toasts`] to everything rendered after it and shows them.
#[component]
pub fn ToastRegion(children: Children) -> impl IntoView {
    let toasts = Toasts { items: RwSignal::new(Vec::new()), next: StoredValue::new(0), held: RwSignal::new(false) };
    provide_context(toasts);
    let hold = move |held: bool| toasts.held.set(held);
    view! {
        {children()}
        <div
            role="region"
            aria-live="polite"
            aria-label="Notifications"
            class="pointer-events-none fixed inset-x-0 bottom-4 z-50 flex flex-col items-center gap-2 px-4 sm:items-end"
        >
            <For each=move || toasts.items.get() key=|toast| (toast.id, toast.undo.is_some()) let:toast>
                <div
                    class="toast pointer-events-auto"
                    on:mouseenter=move |_| hold(true)
                    on:mouseleave=move |_| hold(false)
                    on:focusin=move |_| hold(true)
                    on:focusout=move |_| hold(false)
                >
                    <span>{toast.message.clone()}</span>
                    {toast
                        .undo
                        .map(|undo| {
                            let id = toast.id;
                            view! {
                                <button
                                    type="button"
                                    class="font-semibold underline"
                                    on:click=move |_| {
                                        toasts.held.set(false);
                                        toasts.dismiss(id);
                                        undo.run(());
                                    }
                                >
                                    "Undo"
                                </button>
                            }
                        })}
                    <button
                        type="button"
                        aria-label="Dismiss"
                        class="opacity-70 hover:opacity-100"
                        on:click={
                            let id = toast.id;
                            move |_| {
                                toasts.held.set(false);
                                toasts.dismiss(id);
                            }
                        }
                    >
                        "✕"
                    </button>
                </div>
            </For>
        </div>
    }
}
