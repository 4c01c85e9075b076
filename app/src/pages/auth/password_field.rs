//! The password field of the forms that set a new password, with its
//! strength meter.

use leptos::prelude::*;

use crate::{
    api::account::estimate_password,
    components::forms::PasswordField,
    model::{Password, PasswordStrength},
};

/// The password field of the forms that set a password (sign-up, sign-up
/// from an invitation, reset, change), named `password`: the length rules,
/// the hint, and a strength meter.
///
/// Once hydrated, the meter asks the server (`estimate_password`) about
/// what is typed, 300 ms after the last keystroke, with the form's
/// `email`, `display_name` and `organization_name` fields as the person's
/// own words: the same judgement the form gets when it is sent. Without
/// JavaScript there is no meter; the rules still apply on submit.
#[component]
pub(crate) fn NewPasswordField(
    #[prop(default = "Password")] label: &'static str,
    #[prop(optional)] id: Option<&'static str>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let (strength, set_strength) = signal(None::<PasswordStrength>);
    let generation = StoredValue::new(0_u64);
    // The pending 300 ms wait, cancelled when the field goes away: a
    // form sent at once (as password managers do) navigates before it
    // ends, and nothing of a disposed field may be touched after.
    let pending = StoredValue::new(None::<TimeoutHandle>);
    on_cleanup(move || {
        if let Some(Some(handle)) = pending.try_get_value() {
            handle.clear();
        }
    });
    let on_input = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
            return;
        };
        if input.name() != "password" {
            return;
        }
        let password = input.value();
        let field = |name: &str| {
            input
                .form()
                .and_then(|form| form.query_selector(&format!("[name={name}]")).ok().flatten())
                .and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok())
                .map(|el| el.value())
                .unwrap_or_default()
        };
        let (email, name, organization) = (field("email"), field("display_name"), field("organization_name"));
        let Some(mine) = generation.try_update_value(|g| {
            *g += 1;
            *g
        }) else {
            return;
        };
        if let Some(Some(handle)) = pending.try_get_value() {
            handle.clear();
        }
        if password.is_empty() {
            set_strength.try_set(None);
            return;
        }
        // `try_` throughout: the field may be gone by the time the wait
        // or the answer ends (then nothing is done).
        let current = move || generation.try_get_value() == Some(mine);
        let handle = set_timeout_with_handle(
            move || {
                pending.try_set_value(None);
                if !current() {
                    return;
                }
                leptos::task::spawn_local(async move {
                    let estimate = estimate_password(password, email, name, organization).await;
                    if current() {
                        set_strength.try_set(estimate.ok());
                    }
                });
            },
            std::time::Duration::from_millis(300),
        );
        pending.try_set_value(handle.ok());
    };
    view! {
        <div on:input=on_input>
            <PasswordField
                label
                name="password"
                id=id.unwrap_or("field-password")
                autocomplete="new-password"
                minlength=Password::MIN_LEN
                maxlength=Password::MAX_LEN
                hint="At least 12 characters. A few unrelated words make a strong one."
                error
            />
            <StrengthMeter strength />
        </div>
    }
}

/// Five bars and a word for a password's strength, with why it would be
/// refused; read out politely as it changes.
#[component]
fn StrengthMeter(strength: ReadSignal<Option<PasswordStrength>>) -> impl IntoView {
    view! {
        <div aria-live="polite" data-testid="password-strength">
            {move || {
                strength
                    .get()
                    .map(|strength| {
                        let (word, colour) = match (strength.score, strength.problem.is_some()) {
                            (_, true) if strength.score >= 3 => ("Refused", "bg-red-500"),
                            (0, _) => ("Too guessable", "bg-red-500"),
                            (1, _) => ("Weak", "bg-orange-500"),
                            (2, _) => ("Fair", "bg-amber-500"),
                            (3, _) => ("Strong", "bg-emerald-500"),
                            _ => ("Very strong", "bg-emerald-600"),
                        };
                        let filled = usize::from(strength.score) + 1;
                        view! {
                            <div class="mt-1 flex items-center gap-2">
                                <div class="flex flex-1 gap-1" aria-hidden="true">
                                    {(0..5)
                                        .map(|i| {
                                            let class = if i < filled { colour } else { "bg-slate-200" };
                                            view! { <span class=format!("h-1.5 flex-1 rounded {class}")></span> }
                                        })
                                        .collect_view()}
                                </div>
                                <span class="whitespace-nowrap text-right text-xs font-medium text-slate-700">
                                    {format!("Strength: {word}")}
                                </span>
                            </div>
                            {strength.problem.map(|problem| view! { <p class="mt-1 text-xs text-slate-600">{problem}</p> })}
                        }
                    })
            }}
        </div>
    }
}
