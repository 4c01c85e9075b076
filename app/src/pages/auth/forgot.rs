//! `/forgot-password`: ask for a password reset link (the page it leads
//! to is in `links`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::card::AuthCard;
use crate::{
    api::{account::ForgotPassword, draft::typed_values},
    components::forms::{FormError, SubmitButton, TextField, field_error, form_error},
    model::Email,
};

const NOTICE: &str = "rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900";
const LINK: &str = "font-medium text-indigo-700 hover:underline";

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let forgot = ServerAction::<ForgotPassword>::new();
    let typed = typed_values(forgot);
    let query = use_query_map();
    let sent = move || query.with(|q| q.get("sent").is_some());
    view! {
        <Title text="Reset your password · Atrium" />
        <AuthCard title="Reset your password">
            <Show
                when=sent
                fallback=move || {
                    view! {
                        <p class="mb-4 text-sm text-slate-600">
                            "Enter the address you sign in with. We will send a link to choose a new password."
                        </p>
                        <ActionForm action=forgot attr:class="space-y-4" attr:novalidate=true>
                            <FormError message=form_error(forgot) />
                            <TextField
                                label="Email"
                                name="email"
                                kind="email"
                                autocomplete="username"
                                required=true
                                maxlength=Email::MAX_LEN
                                value=typed("email")
                                error=field_error(forgot, "email")
                            />
                            <SubmitButton label="Send the link" pending_label="Sending…" pending=forgot.pending() />
                        </ActionForm>
                    }
                }
            >
                <p role="status" class=NOTICE>
                    "If an account uses that address, we have sent it a link. It works once, for one hour. \
                     Check your spam folder if nothing arrives."
                </p>
            </Show>
            <p class="mt-6 text-center text-sm text-slate-600">
                <a href="/login" class=LINK>"Back to sign in"</a>
            </p>
        </AuthCard>
    }
}
