//! Form fields that show their server-side error beside them.
//!
//! Every input has a visible `<label>`, and its error is tied to it with
//! `aria-describedby`/`aria-invalid`, so screen readers (and Playwright's
//! `getByLabel`) find both.

use leptos::{prelude::*, server_fn::ServerFn};

use crate::{
    error::AppError,
    model::{Member, Priority, UserId},
};

/// The message for `field` from the last result of `action`, if that
/// result was a validation error naming it.
pub fn field_error<S>(action: ServerAction<S>, field: &'static str) -> Signal<Option<String>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || {
        action.value().with(|value| match value {
            Some(Err(err)) => err.field_message(field).map(str::to_owned),
            _ => None,
        })
    })
}

/// The error of the last result of `action` that is not about one field
/// (wrong credentials, rate limits, internal errors), for the form's top.
pub fn form_error<S>(action: ServerAction<S>) -> Signal<Option<String>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || {
        action.value().with(|value| match value {
            Some(Err(AppError::Validation(_))) | None | Some(Ok(_)) => None,
            Some(Err(err)) => Some(err.to_string()),
        })
    })
}

/// Clears `form` each time `action` succeeds, so a create form is ready
/// for the next item (a failed submit keeps what was typed).
pub fn reset_after_success<S>(action: ServerAction<S>, form: NodeRef<leptos::html::Form>)
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if action.value().with(|value| matches!(value, Some(Ok(_))))
            && let Some(form) = form.get()
        {
            form.reset();
        }
    });
}

/// `<option>`s for the members, by name, `selected` one marked.
pub fn member_options(members: &[Member], selected: Option<UserId>) -> impl IntoView + use<> {
    members
        .iter()
        .map(|m| {
            let value = m.user_id.to_string();
            view! { <option value=value selected=selected == Some(m.user_id)>{m.display_name.clone()}</option> }
        })
        .collect_view()
}

/// `<option>`s for the priorities, none to urgent, `selected` one marked.
pub fn priority_options(selected: Option<Priority>) -> impl IntoView + use<> {
    Priority::ALL
        .into_iter()
        .map(|p| view! { <option value=p.as_str() selected=selected == Some(p)>{p.label()}</option> })
        .collect_view()
}

/// A form-level error banner (`role="alert"`), empty when there is none.
#[component]
pub fn FormError(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message.get().map(|message| {
            view! {
                <p role="alert" class="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
                    {message}
                </p>
            }
        })
    }
}

const INPUT_CLASS: &str = "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-slate-900 \
     shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 \
     aria-[invalid=true]:border-red-500";

/// The error line under an input (`{id}-error`).
#[component]
fn FieldMessage(id: String, error: Signal<Option<String>>) -> impl IntoView {
    view! {
        <p id=format!("{id}-error") class="min-h-5 text-sm text-red-700">
            {move || error.get()}
        </p>
    }
}

/// A labelled text input. `name` is the server-function argument it fills;
/// `id` (default `field-{name}`) must be unique on the page, so give one
/// when two forms on a page share a field name.
#[component]
pub fn TextField(
    label: &'static str,
    name: &'static str,
    #[prop(optional)] id: Option<&'static str>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] required: bool,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(optional)] hint: Option<&'static str>,
    /// The initial value: what a failed post sent (see `api::draft`), or
    /// what an edit form starts from.
    #[prop(default = None)]
    value: Option<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = id.map_or_else(|| format!("field-{name}"), str::to_owned);
    view! {
        <div class="space-y-1">
            <label for=id.clone() class="block text-sm font-medium text-slate-700">{label}</label>
            <input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                maxlength=maxlength
                value=value
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby=format!("{id}-error")
                class=INPUT_CLASS
            />
            {hint.map(|hint| view! { <p class="text-xs text-slate-500">{hint}</p> })}
            <FieldMessage id error />
        </div>
    }
}

/// A labelled password input with a "Show password" toggle. The toggle
/// needs the hydrated app; without JavaScript the field still works. `id`
/// (default `field-{name}`) must be unique on the page.
#[component]
pub fn PasswordField(
    label: &'static str,
    name: &'static str,
    #[prop(optional)] id: Option<&'static str>,
    autocomplete: &'static str,
    #[prop(optional)] minlength: Option<usize>,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = id.map_or_else(|| format!("field-{name}"), str::to_owned);
    let (visible, set_visible) = signal(false);
    view! {
        <div class="space-y-1">
            <div class="flex items-center justify-between">
                <label for=id.clone() class="block text-sm font-medium text-slate-700">{label}</label>
                <button
                    type="button"
                    class="text-xs font-medium text-indigo-700 hover:underline"
                    aria-controls=id.clone()
                    aria-pressed=move || visible.get().to_string()
                    on:click=move |_| set_visible.update(|v| *v = !*v)
                >
                    {move || if visible.get() { "Hide password" } else { "Show password" }}
                </button>
            </div>
            <input
                id=id.clone()
                name=name
                type=move || if visible.get() { "text" } else { "password" }
                autocomplete=autocomplete
                required=true
                minlength=minlength
                maxlength=maxlength
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby=format!("{id}-error")
                class=INPUT_CLASS
            />
            {hint.map(|hint| view! { <p class="text-xs text-slate-500">{hint}</p> })}
            <FieldMessage id error />
        </div>
    }
}

/// The primary submit button; disabled and relabelled while `pending`.
#[component]
pub fn SubmitButton(
    label: &'static str,
    pending_label: &'static str,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            disabled=move || pending.get()
            class="w-full rounded-md bg-indigo-600 px-4 py-2 font-semibold text-white shadow-sm hover:bg-indigo-500 \
                   disabled:cursor-wait disabled:opacity-70"
        >
            {move || if pending.get() { pending_label } else { label }}
        </button>
    }
}

/// A secret shown once (an API token, a webhook signing secret): a
/// read-only field labelled `label` (for screen readers) with a **Copy**
/// button that puts it on the clipboard.
#[component]
pub fn SecretField(id: &'static str, label: &'static str, value: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let to_copy = value.clone();
    view! {
        <div class="mt-3 flex items-center gap-2">
            <label for=id class="sr-only">{label}</label>
            <input
                id=id
                readonly=true
                value=value
                class="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm text-slate-900"
            />
            <button
                type="button"
                class="rounded-md border border-slate-300 px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50"
                on:click=move |_| {
                    let _ = window().navigator().clipboard().write_text(&to_copy);
                    copied.set(true);
                }
            >
                {move || if copied.get() { "Copied" } else { "Copy" }}
            </button>
        </div>
    }
}
