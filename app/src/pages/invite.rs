//! `/invite/{token}`: the page an invitation mail links to. It shows what
//! the invitation is and offers the one way on: join (signed in as the
//! invited person), sign in first (they have an account), or sign up with
//! the invited email (they have none).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    api::{
        auth::Logout,
        invitations::{AcceptInvitation, AcceptInvitationWithSignup, get_invitation},
    },
    components::{
        errors::PageError,
        forms::{FormError, SubmitButton, TextField, field_error, form_error},
    },
    model::{DisplayName, InvitationStatus, InvitationView},
    pages::auth::{card::AuthCard, password_field::NewPasswordField},
};

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.with(|p| p.get("token").unwrap_or_default()));
    let invitation = Resource::new_blocking(move || token.get(), get_invitation);
    view! {
        <Title text="Invitation · Atrium" />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match invitation.await {
                    Ok(view) => view! { <Invitation view token=token.get_untracked() /> }.into_any(),
                    Err(error) => view! { <PageError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Invitation(view: InvitationView, token: String) -> impl IntoView {
    let title = format!("Join {}", view.organization);
    let summary =
        format!("{} invited {} to join {} as {}.", view.invited_by, view.email, view.organization, view.role.label());
    let next = match view.status {
        InvitationStatus::Expired => closed("This invitation has expired. Ask whoever invited you for a new one."),
        InvitationStatus::Accepted => closed("This invitation has been used already. Sign in to continue."),
        InvitationStatus::Revoked => closed("This invitation was withdrawn."),
        InvitationStatus::Pending => match &view.signed_in_as {
            Some(email) if *email == view.email => view! { <Accept token /> }.into_any(),
            Some(email) => view! { <WrongPerson signed_in_as=email.clone() invited=view.email.clone() /> }.into_any(),
            None if view.has_account => {
                let next: String = form_urlencoded::byte_serialize(format!("/invite/{token}").as_bytes()).collect();
                view! {
                    <a
                        href=format!("/login?next={next}")
                        class="block w-full rounded-md bg-indigo-600 px-4 py-2 text-center font-semibold text-white hover:bg-indigo-500"
                    >
                        "Sign in to accept"
                    </a>
                }
                    .into_any()
            }
            None => view! { <SignUpAndJoin token email=view.email.clone() /> }.into_any(),
        },
    };
    view! {
        <AuthCard title=title>
            <p class="mb-6 text-slate-700">{summary}</p>
            {next}
        </AuthCard>
    }
}

fn closed(message: &'static str) -> AnyView {
    view! {
        <p role="alert" class="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            {message}
        </p>
    }
    .into_any()
}

#[component]
fn Accept(token: String) -> impl IntoView {
    let accept = ServerAction::<AcceptInvitation>::new();
    view! {
        <ActionForm action=accept attr:class="space-y-4">
            <FormError message=form_error(accept) />
            <input type="hidden" name="token" value=token />
            <SubmitButton label="Join the organization" pending_label="Joining…" pending=accept.pending() />
        </ActionForm>
    }
}

#[component]
fn WrongPerson(signed_in_as: String, invited: String) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    view! {
        <p role="alert" class="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            {format!("You are signed in as {signed_in_as}, but this invitation is for {invited}. Sign out, then open the link again.")}
        </p>
        <ActionForm action=logout attr:class="mt-4">
            <button type="submit" class="font-medium text-indigo-700 hover:underline">"Sign out"</button>
        </ActionForm>
    }
}

#[component]
fn SignUpAndJoin(token: String, email: String) -> impl IntoView {
    let signup = ServerAction::<AcceptInvitationWithSignup>::new();
    view! {
        <ActionForm action=signup attr:class="space-y-4" attr:novalidate=true>
            <FormError message=form_error(signup) />
            <input type="hidden" name="token" value=token />
            <div class="space-y-1">
                <label for="invite-email" class="block text-sm font-medium text-slate-700">"Email"</label>
                <input
                    id="invite-email"
                    type="email"
                    value=email
                    readonly=true
                    class="block w-full rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-slate-700"
                />
            </div>
            <TextField
                label="Your name"
                name="display_name"
                autocomplete="name"
                required=true
                maxlength=DisplayName::MAX_LEN
                error=field_error(signup, "display_name")
            />
            <NewPasswordField error=field_error(signup, "password") />
            <SubmitButton label="Create account and join" pending_label="Joining…" pending=signup.pending() />
        </ActionForm>
    }
}
