//! Toasts: a short message after each completed action, with Undo where
//! the action can be reversed. One polite live region at the foot of the
//! page, so screen readers announce them without moving focus.
//!
//! Without JavaScript the same messages arrive as a flash on the next page
//! (`api::flash`): the server keeps the message in the session and the
//! page after the redirect shows it once.

use leptos::prelude::*;

/// How long a toast stays, in milliseconds.
const SHOW_MS: u64 = 8_000;

#[derive(Clone)]
struct Toast {
    id: u64,
    message: String,
    undo: Option<Callback<()>>,
}

/// The page's toasts (a context provided by [`ToastRegion`]).
#[derive(Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    /// Shows `message`; with `undo`, an Undo button that runs it (and
    /// closes the toast).
    pub fn show(&self, message: impl Into<String>, undo: Option<Callback<()>>) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.items.update(|items| items.push(Toast { id, message: message.into(), undo }));
        let items = self.items;
        set_timeout(
            move || items.update(|items| items.retain(|toast| toast.id != id)),
            std::time::Duration::from_millis(SHOW_MS),
        );
    }

    fn dismiss(&self, id: u64) {
        self.items.update(|items| items.retain(|toast| toast.id != id));
    }
}

/// The toasts of the page (or nothing outside a [`ToastRegion`]).
pub fn use_toasts() -> Option<Toasts> {
    use_context::<Toasts>()
}

/// Shows `message` (and Undo) when the page has a toast region.
pub fn toast(message: impl Into<String>, undo: Option<Callback<()>>) {
    if let Some(toasts) = use_toasts() {
        toasts.show(message, undo);
    }
}

/// Provides [`Toasts`] to everything rendered after it and shows them.
#[component]
pub fn ToastRegion(children: Children) -> impl IntoView {
    let toasts = Toasts { items: RwSignal::new(Vec::new()), next: StoredValue::new(0) };
    provide_context(toasts);
    view! {
        {children()}
        <div
            role="status"
            aria-live="polite"
            aria-label="Notifications"
            class="pointer-events-none fixed inset-x-0 bottom-4 z-50 flex flex-col items-center gap-2 px-4 sm:items-end"
        >
            <For each=move || toasts.items.get() key=|toast| toast.id let:toast>
                <div class="toast pointer-events-auto">
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
                            move |_| toasts.dismiss(id)
                        }
                    >
                        "✕"
                    </button>
                </div>
            </For>
        </div>
    }
}
