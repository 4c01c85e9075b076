//! `/login/two-factor`: the second step of signing in when two-factor is
//! on: a code from the authenticator app, or a recovery code.

use leptos::prelude::*;
use leptos_meta::Title;

use super::card::AuthCard;
use crate::{
    api::auth::LoginCode,
    components::forms::{FormError, SubmitButton, TextField, field_error, form_error},
};

#[component]
pub fn TwoFactorPage() -> impl IntoView {
    let login = ServerAction::<LoginCode>::new();
    view! {
        <Title text="Two-factor authentication · Atrium" />
        <AuthCard title="Two-factor authentication">
            <ActionForm action=login attr:class="space-y-4" attr:novalidate=true>
                <FormError message=form_error(login) />
                <p class="text-sm text-slate-600">
                    "Enter the 6-digit code from your authenticator app. Lost your phone? Enter one of your recovery \
                     codes instead."
                </p>
                <TextField
                    label="Code"
                    name="code"
                    autocomplete="one-time-code"
                    required=true
                    maxlength=40
                    error=field_error(login, "code")
                />
                <SubmitButton label="Verify" pending_label="Verifying…" pending=login.pending() />
            </ActionForm>
            <p class="mt-6 text-center text-sm text-slate-600">
                <a href="/login" class="font-medium text-indigo-700 hover:underline">"Start again"</a>
            </p>
        </AuthCard>
    }
}
