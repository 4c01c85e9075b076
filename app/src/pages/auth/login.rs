//! `/login`: sign in, then return to `?next=` (a local path) if given.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::card::AuthCard;
use crate::{
    api::{
        auth::{Login, safe_next},
        draft::typed_values,
    },
    components::forms::{FormError, PasswordField, SubmitButton, TextField, field_error, form_error},
    model::Email,
};

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let typed = typed_values(login);
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next").filter(|next| safe_next(next).is_some()).unwrap_or_default());
    let notice = move || {
        query.with(|q| {
            if q.get("reset").is_some() {
                Some("Your password was changed and every session signed out. Sign in with the new password.")
            } else if q.get("ended").is_some() {
                Some("Every session of the account was signed out.")
            } else {
                None
            }
        })
    };
    view! {
        <Title text="Sign in · Atrium" />
        <AuthCard title="Sign in">
            <ActionForm action=login attr:class="space-y-4" attr:novalidate=true>
                {move || {
                    notice()
                        .map(|notice| {
                            view! {
                                <p
                                    role="status"
                                    class="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900"
                                >
                                    {notice}
                                </p>
                            }
                        })
                }}
                <FormError message=form_error(login) />
                <input type="hidden" name="next" value=next />
                <TextField
                    label="Email"
                    name="email"
                    kind="email"
                    autocomplete="username"
                    required=true
                    maxlength=Email::MAX_LEN
                    value=typed("email")
                    error=field_error(login, "email")
                />
                <PasswordField
                    label="Password"
                    name="password"
                    autocomplete="current-password"
                    error=field_error(login, "password")
                />
                <SubmitButton label="Sign in" pending_label="Signing in…" pending=login.pending() />
            </ActionForm>
            <p class="mt-4 text-center text-sm">
                <a href="/forgot-password" class="font-medium text-indigo-700 hover:underline">"Forgot your password?"</a>
            </p>
            <p class="mt-6 text-center text-sm text-slate-600">
                "New to Atrium? "
                <a href="/signup" class="font-medium text-indigo-700 hover:underline">"Create an account"</a>
            </p>
        </AuthCard>
    }
}
