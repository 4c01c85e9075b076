//! Pages that mailed links lead to: `/verify-email?token=` (confirm an
//! address) and `/end-sessions?token=` (sign out everywhere, from the
//! failed sign-ins warning). Following the link shows a button; the change
//! happens when it is pressed (a POST), so a mail scanner that opens links
//! changes nothing.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{
    AuthCard,
    reset::{LinkExpired, use_token},
};
use crate::{
    api::account::{EndAllSessions, LinkState, VerifyEmail, check_link},
    components::forms::{FormError, SubmitButton, form_error},
};

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let token = use_token();
    let link = Resource::new(move || token.get(), |token| check_link("verify_email".into(), token));
    let verify = ServerAction::<VerifyEmail>::new();
    view! {
        <Title text="Confirm your email address · Atrium" />
        <AuthCard title="Confirm your email address">
            <Suspense fallback=|| view! { <p class="text-slate-500">"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    match link.await {
                        Ok(LinkState::Valid { email }) => {
                            view! {
                                <ActionForm action=verify attr:class="space-y-4">
                                    <FormError message=form_error(verify) />
                                    <p class="text-sm text-slate-700">
                                        "Confirm that " <strong class="text-slate-900">{email}</strong>
                                        " is your address for Atrium."
                                    </p>
                                    <input type="hidden" name="token" value=move || token.get() />
                                    <SubmitButton label="Confirm" pending_label="Confirming…" pending=verify.pending() />
                                </ActionForm>
                            }
                                .into_any()
                        }
                        Ok(LinkState::Invalid) => {
                            view! { <LinkExpired again="/account" again_label="Send a new link from your account" /> }
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
pub fn EndSessionsPage() -> impl IntoView {
    let token = use_token();
    let link = Resource::new(move || token.get(), |token| check_link("end_sessions".into(), token));
    let end = ServerAction::<EndAllSessions>::new();
    view! {
        <Title text="Sign out everywhere · Atrium" />
        <AuthCard title="Sign out everywhere">
            <Suspense fallback=|| view! { <p class="text-slate-500">"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    match link.await {
                        Ok(LinkState::Valid { email }) => {
                            view! {
                                <ActionForm action=end attr:class="space-y-4">
                                    <FormError message=form_error(end) />
                                    <p class="text-sm text-slate-700">
                                        "Every session of " <strong class="text-slate-900">{email}</strong>
                                        " will be signed out, on every device. Choose a new password afterwards if \
                                         someone else may know it."
                                    </p>
                                    <input type="hidden" name="token" value=move || token.get() />
                                    <SubmitButton
                                        label="Sign out every session"
                                        pending_label="Signing out…"
                                        pending=end.pending()
                                    />
                                </ActionForm>
                            }
                                .into_any()
                        }
                        Ok(LinkState::Invalid) => {
                            view! { <LinkExpired again="/login" again_label="Go to sign in" /> }.into_any()
                        }
                        Err(error) => view! { <p role="alert" class="text-red-700">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </AuthCard>
    }
}
