//! `/organizations/new`: a signed-in person creates another organization.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{auth::get_current_user, draft::typed_values, orgs::CreateOrganization},
    components::{
        errors::PageError,
        forms::{FormError, SubmitButton, TextField, field_error, form_error},
    },
    error::AppError,
    model::OrgName,
    pages::auth::card::AuthCard,
};

#[component]
pub fn NewOrganizationPage() -> impl IntoView {
    let user = Resource::new_blocking(|| (), |()| get_current_user());
    view! {
        <Title text="New organization · Atrium" />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(_)) => view! { <NewOrganizationForm /> }.into_any(),
                    Ok(None) => view! { <PageError error=AppError::Unauthenticated /> }.into_any(),
                    Err(error) => view! { <PageError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn NewOrganizationForm() -> impl IntoView {
    let create = ServerAction::<CreateOrganization>::new();
    let typed = typed_values(create);
    view! {
        <AuthCard title="Create an organization">
            <p class="mb-4 text-sm text-slate-600">
                "You will be its Owner. Switch between your organizations from the menu at the top left."
            </p>
            <ActionForm action=create attr:class="space-y-4" attr:novalidate=true>
                <FormError message=form_error(create) />
                <TextField
                    label="Organization name"
                    name="name"
                    autocomplete="organization"
                    required=true
                    maxlength=OrgName::MAX_LEN
                    value=typed("name")
                    error=field_error(create, "name")
                />
                <SubmitButton label="Create organization" pending_label="Creating…" pending=create.pending() />
            </ActionForm>
            <p class="mt-6 text-center text-sm">
                <a href="/" class="font-medium text-indigo-700 hover:underline">"Cancel"</a>
            </p>
        </AuthCard>
    }
}
