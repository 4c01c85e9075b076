//! `/license`: a license holder (no account) enters their key to see the
//! license's state and machines, and deactivates one to move the license
//! to another computer.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{
    status::{heartbeat_label, status_badge},
    style::{BUTTON, CARD},
};
use crate::{
    api::licensing::{LookUpLicense, ReleaseMachine},
    components::{
        format::when,
        forms::{FormError, SubmitButton, TextField, field_error, form_error},
    },
    model::license::MAX_KEY_LEN,
};

#[component]
pub fn SelfServePage() -> impl IntoView {
    let look_up = ServerAction::<LookUpLicense>::new();
    let release = ServerAction::<ReleaseMachine>::new();
    let key = RwSignal::new(String::new());
    // After a deactivation, look again with the same key.
    Effect::new(move |_| {
        if let Some(Ok(())) = release.value().get() {
            look_up.dispatch(LookUpLicense { key: key.get_untracked() });
        }
    });
    view! {
        <Title text="Your license · Atrium" />
        <main id="main" tabindex="-1" class="mx-auto max-w-3xl px-4 py-10">
            <h1 class="text-2xl font-bold tracking-tight text-slate-900">"Your license"</h1>
            <p class="mt-1 text-sm text-slate-600">
                "Enter your license key to see where it is activated, and free a machine to use it on another one."
            </p>
            <ActionForm
                action=look_up
                attr:class="mt-6 flex items-start gap-3"
                attr:novalidate=true
                on:submit=move |event| {
                    use leptos::wasm_bindgen::JsCast;
                    if let Some(form) = event.target().and_then(|t| t.dyn_into::<leptos::web_sys::HtmlFormElement>().ok())
                        && let Ok(data) = leptos::web_sys::FormData::new_with_form(&form)
                        && let Some(value) = data.get("key").as_string()
                    {
                        key.set(value);
                    }
                }
            >
                <div class="grow">
                    <TextField
                        label="License key"
                        name="key"
                        id="license-key"
                        required=true
                        maxlength=MAX_KEY_LEN
                        error=field_error(look_up, "key")
                    />
                </div>
                <div class="mt-6 w-40">
                    <SubmitButton label="Show license" pending_label="Looking…" pending=look_up.pending() />
                </div>
            </ActionForm>
            <FormError message=form_error(look_up) />
            <FormError message=form_error(release) />
            {move || {
                look_up
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|license| {
                        let heading = match license.max_machines {
                            Some(max) => format!("Machines ({} of {max})", license.machines.len()),
                            None => format!("Machines ({})", license.machines.len()),
                        };
                        view! {
                            <section class=CARD aria-labelledby="held-heading">
                                <h2 id="held-heading" class="text-lg font-semibold text-slate-900">
                                    {license.name.clone().unwrap_or_else(|| "License".into())}
                                </h2>
                                <p class="mt-1 text-sm text-slate-600">
                                    {status_badge(license.status)} " · "
                                    {license
                                        .expiry
                                        .map_or_else(|| "Does not expire".to_owned(), |e| format!("Expires {}", when(e)))}
                                </p>
                                <h3 class="mt-4 text-sm font-semibold text-slate-900">{heading}</h3>
                                {if license.machines.is_empty() {
                                    view! { <p class="mt-1 text-sm text-slate-500">"Not activated on any machine."</p> }
                                        .into_any()
                                } else {
                                    view! {
                                        <ul class="mt-2 divide-y divide-slate-100 text-sm">
                                            {license
                                                .machines
                                                .into_iter()
                                                .map(|m| {
                                                    let label = m.hostname.clone().unwrap_or_else(|| m.fingerprint.clone());
                                                    view! {
                                                        <li class="flex items-center justify-between py-2">
                                                            <span>
                                                                <span class="font-medium text-slate-900">{label.clone()}</span>
                                                                <span class="ml-2 text-slate-600">
                                                                    {m
                                                                        .platform
                                                                        .clone()
                                                                        .into_iter()
                                                                        .chain([
                                                                            heartbeat_label(m.heartbeat).to_owned(),
                                                                            format!("last seen {}", when(m.last_seen)),
                                                                        ])
                                                                        .collect::<Vec<_>>()
                                                                        .join(" · ")}
                                                                </span>
                                                            </span>
                                                            <ActionForm action=release>
                                                                <input type="hidden" name="key" value=move || key.get() />
                                                                <input type="hidden" name="machine" value=m.id.to_string() />
                                                                <button
                                                                    type="submit"
                                                                    class=BUTTON
                                                                    aria-label=format!("Deactivate {label}")
                                                                >
                                                                    "Deactivate"
                                                                </button>
                                                            </ActionForm>
                                                        </li>
                                                    }
                                                })
                                                .collect_view()}
                                        </ul>
                                    }
                                        .into_any()
                                }}
                            </section>
                        }
                    })
            }}
        </main>
    }
}
