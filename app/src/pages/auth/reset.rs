//! `/forgot-password` (ask for a link) and `/reset-password?token=` (set a
//! new password with it).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{AuthCard, NewPasswordField};
use crate::{
    api::{
        account::{ForgotPassword, LinkState, ResetPassword, check_link},
        draft::typed_values,
    },
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

/// The token of a mailed link, from `?token=`.
pub(super) fn use_token() -> Memo<String> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|q| q.get("token").unwrap_or_default()))
}

/// What a link that does not work says, with where to get a new one.
#[component]
pub(super) fn LinkExpired(#[prop(into)] again: String, again_label: &'static str) -> impl IntoView {
    view! {
        <p role="alert" class="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            "This link has expired or was used already."
        </p>
        <p class="mt-4 text-sm">
            <a href=again class=LINK>{again_label}</a>
        </p>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = use_token();
    let link = Resource::new(move || token.get(), |token| check_link("reset_password".into(), token));
    let reset = ServerAction::<ResetPassword>::new();
    view! {
        <Title text="Choose a new password · Atrium" />
        <AuthCard title="Choose a new password">
            <Suspense fallback=|| view! { <p class="text-slate-500">"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    match link.await {
                        Ok(LinkState::Valid { email }) => {
                            view! {
                                <ActionForm action=reset attr:class="space-y-4" attr:novalidate=true>
                                    <FormError message=form_error(reset) />
                                    <p class="text-sm text-slate-600">
                                        "For " <strong class="text-slate-900">{email.clone()}</strong>
                                        ". Every session of the account will be signed out."
                                    </p>
                                    // For the strength meter's own words and password managers.
                                    <input type="hidden" name="email" value=email autocomplete="username" disabled=true />
                                    <input type="hidden" name="token" value=move || token.get() />
                                    <NewPasswordField label="New password" error=field_error(reset, "password") />
                                    <SubmitButton label="Set the password" pending_label="Saving…" pending=reset.pending() />
                                </ActionForm>
                            }
                                .into_any()
                        }
                        Ok(LinkState::Invalid) => {
                            view! { <LinkExpired again="/forgot-password" again_label="Ask for a new link" /> }.into_any()
                        }
                        Err(error) => view! { <p role="alert" class="text-red-700">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </AuthCard>
    }
}
