//! `/signup`: create an account and its organization.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{card::AuthCard, password_field::NewPasswordField};
use crate::{
    api::{auth::Signup, draft::typed_values},
    components::forms::{FormError, SubmitButton, TextField, field_error, form_error},
    model::{DisplayName, Email, OrgName},
};

#[component]
pub fn SignupPage() -> impl IntoView {
    let signup = ServerAction::<Signup>::new();
    let typed = typed_values(signup);
    view! {
        <Title text="Sign up · Atrium" />
        <AuthCard title="Create your organization">
            <ActionForm action=signup attr:class="space-y-4" attr:novalidate=true>
                <FormError message=form_error(signup) />
                <TextField
                    label="Your name"
                    name="display_name"
                    autocomplete="name"
                    required=true
                    maxlength=DisplayName::MAX_LEN
                    value=typed("display_name")
                    error=field_error(signup, "display_name")
                />
                <TextField
                    label="Work email"
                    name="email"
                    kind="email"
                    autocomplete="email"
                    required=true
                    maxlength=Email::MAX_LEN
                    value=typed("email")
                    error=field_error(signup, "email")
                />
                <NewPasswordField error=field_error(signup, "password") />
                <TextField
                    label="Organization name"
                    name="organization_name"
                    autocomplete="organization"
                    required=true
                    maxlength=OrgName::MAX_LEN
                    value=typed("organization_name")
                    error=field_error(signup, "organization_name")
                />
                <SubmitButton label="Create account" pending_label="Creating account…" pending=signup.pending() />
            </ActionForm>
            <p class="mt-6 text-center text-sm text-slate-600">
                "Already have an account? "
                <a href="/login" class="font-medium text-indigo-700 hover:underline">"Sign in"</a>
            </p>
        </AuthCard>
    }
}
