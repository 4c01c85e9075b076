//! Asking before a destructive action, in an accessible modal dialog
//! instead of `window.confirm`.

use leptos::{ev, prelude::*};

/// A submit button of the surrounding form that asks `question` first.
///
/// Hydrated, a press opens a native modal `<dialog>`: the rest of the page
/// is inert, so focus stays in the dialog; it starts on "Cancel"; Escape
/// or "Cancel" close it and the browser returns focus to the button. The
/// dialog's own submit button, `confirm` (carrying the same `name` and
/// `value`), submits the form. Without JavaScript the button submits at
/// once: the action itself checks what it must.
#[component]
pub fn ConfirmButton(
    /// The button's text.
    label: &'static str,
    /// What the dialog asks; may change with the page (a count).
    #[prop(into)]
    question: Signal<String>,
    /// The dialog's submit button, naming the action ("Delete forever").
    confirm: &'static str,
    #[prop(optional)] name: Option<&'static str>,
    #[prop(optional)] value: Option<&'static str>,
    #[prop(default = "btn-danger")] class: &'static str,
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let cancel = NodeRef::<leptos::html::Button>::new();
    let id = format!("confirm-{}", label.to_lowercase().replace(' ', "-"));
    let labelled_by = id.clone();
    let open = move |event: ev::MouseEvent| {
        if let Some(dialog) = dialog.get() {
            event.prevent_default();
            let _ = dialog.show_modal();
            // The safe choice first, whatever the browser's autofocus does.
            if let Some(cancel) = cancel.get() {
                let _ = cancel.focus();
            }
        }
    };
    let close = move |_| {
        if let Some(dialog) = dialog.get() {
            dialog.close();
        }
    };
    view! {
        <button type="submit" name=name value=value class=class on:click=open>
            {label}
        </button>
        <dialog
            node_ref=dialog
            aria-labelledby=labelled_by
            class="m-auto w-[min(28rem,calc(100vw-2rem))] rounded-lg border border-slate-200 bg-white p-5 text-slate-900 \
                   shadow-xl backdrop:bg-slate-900/50"
        >
            <p id=id class="text-sm">{move || question.get()}</p>
            <div class="mt-4 flex justify-end gap-2">
                <button type="button" node_ref=cancel class="btn" autofocus on:click=close>
                    "Cancel"
                </button>
                <button type="submit" name=name value=value class=class on:click=close>
                    {confirm}
                </button>
            </div>
        </dialog>
    }
}
