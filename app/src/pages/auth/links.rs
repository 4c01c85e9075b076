//! Pages that mailed links lead to: `/reset-password?token=` (choose a new
//! password), `/verify-email?token=` (confirm an address) and
//! `/end-sessions?token=` (sign out everywhere, from the failed sign-ins
//! warning). Following a link shows a form; the change happens when it is
//! sent (a POST), so a mail scanner that opens links changes nothing.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{card::AuthCard, password_field::NewPasswordField};
use crate::{
    api::account::{EndAllSessions, LinkState, ResetPassword, VerifyEmail, check_link},
    components::forms::{FormError, SubmitButton, field_error, form_error},
};

/// The frame of a page a mailed link leads to: checks the link's `token`
/// (from `?token=`) for `purpose`, then shows `form` with the address the
/// link was sent to and the token, or says the link no longer works and
/// points to `again`.
#[component]
fn MailedLinkPage(
    purpose: &'static str,
    title: &'static str,
    again: &'static str,
    again_label: &'static str,
    form: fn(String, Memo<String>) -> AnyView,
) -> impl IntoView {
    let query = use_query_map();
    let token = Memo::new(move |_| query.with(|q| q.get("token").unwrap_or_default()));
    let link = Resource::new(move || token.get(), move |token| check_link(purpose.to_owned(), token));
    view! {
        <Title text=format!("{title} · Atrium") />
        <AuthCard title>
            <Suspense fallback=|| view! { <p class="text-slate-500">"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    match link.await {
                        Ok(LinkState::Valid { email }) => form(email, token),
                        Ok(LinkState::Invalid) => {
                            view! {
                                <p
                                    role="alert"
                                    class="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900"
                                >
                                    "This link has expired or was used already."
                                </p>
                                <p class="mt-4 text-sm">
                                    <a href=again class="font-medium text-indigo-700 hover:underline">{again_label}</a>
                                </p>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <p role="alert" class="text-red-700">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </AuthCard>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    fn form(email: String, token: Memo<String>) -> AnyView {
        let reset = ServerAction::<ResetPassword>::new();
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
    view! {
        <MailedLinkPage
            purpose="reset_password"
            title="Choose a new password"
            again="/forgot-password"
            again_label="Ask for a new link"
            form
        />
    }
}

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    fn form(email: String, token: Memo<String>) -> AnyView {
        let verify = ServerAction::<VerifyEmail>::new();
        view! {
            <ActionForm action=verify attr:class="space-y-4">
                <FormError message=form_error(verify) />
                <p class="text-sm text-slate-700">
                    "Confirm that " <strong class="text-slate-900">{email}</strong> " is your address for Atrium."
                </p>
                <input type="hidden" name="token" value=move || token.get() />
                <SubmitButton label="Confirm" pending_label="Confirming…" pending=verify.pending() />
            </ActionForm>
        }
        .into_any()
    }
    view! {
        <MailedLinkPage
            purpose="verify_email"
            title="Confirm your email address"
            again="/account"
            again_label="Send a new link from your account"
            form
        />
    }
}

#[component]
pub fn EndSessionsPage() -> impl IntoView {
    fn form(email: String, token: Memo<String>) -> AnyView {
        let end = ServerAction::<EndAllSessions>::new();
        view! {
            <ActionForm action=end attr:class="space-y-4">
                <FormError message=form_error(end) />
                <p class="text-sm text-slate-700">
                    "Every session of " <strong class="text-slate-900">{email}</strong>
                    " will be signed out, on every device. Choose a new password afterwards if someone else may \
                     know it."
                </p>
                <input type="hidden" name="token" value=move || token.get() />
                <SubmitButton label="Sign out every session" pending_label="Signing out…" pending=end.pending() />
            </ActionForm>
        }
        .into_any()
    }
    view! {
        <MailedLinkPage
            purpose="end_sessions"
            title="Sign out everywhere"
            again="/login"
            again_label="Go to sign in"
            form
        />
    }
}
