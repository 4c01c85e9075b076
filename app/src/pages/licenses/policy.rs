//! `/o/{org}/policies/{id}`: one policy, to change (Admins and Owners) or
//! read (Members).

use std::sync::Arc;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::{
    policy_form::{FieldLookup, PolicyInputs},
    style::CARD,
};
use crate::{
    api::licensing::{UpdatePolicy, get_licensing},
    components::{
        errors::{NotFound, PageError},
        forms::{FormError, SubmitButton, field_error, form_error},
        org::{org_href, use_org},
        org_form::OrgActionForm,
    },
    model::PolicyForm,
};

#[component]
pub fn PolicyPage() -> impl IntoView {
    let org = use_org();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("policy").unwrap_or_default()));
    let update = ServerAction::<UpdatePolicy>::new();
    let data = Resource::new(move || org.slug.get(), get_licensing);
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = update.value().get() {
            navigate(&org_href(&org.slug.get_untracked(), "/policies"), Default::default());
        }
    });
    view! {
        <Title text="Policy · Atrium" />
        <div class="max-w-4xl">
            <a href=move || org_href(&org.slug.get(), "/policies") class="text-sm text-indigo-700 hover:underline">
                "← Policies"
            </a>
            <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let licensing = match data.await {
                        Ok(licensing) => licensing,
                        Err(error) => return view! { <PageError error /> }.into_any(),
                    };
                    let Some(policy) = licensing.policies.iter().find(|p| p.id.to_string() == id.get()).cloned() else {
                        return view! { <NotFound /> }.into_any();
                    };
                    let values = PolicyForm::of(&policy);
                    let error: FieldLookup = Arc::new(move |name| field_error(update, name));
                    let heading = format!("Policy: {}", policy.name);
                    let licenses = policy.licenses;
                    if !licensing.can_manage {
                        return view! {
                            <h1 class="mt-2 text-2xl font-bold tracking-tight text-slate-900">{heading}</h1>
                            <p class="mt-2 text-sm text-slate-600">{format!("{licenses} licenses. An admin changes policies.")}</p>
                        }
                            .into_any();
                    }
                    view! {
                        <h1 class="mt-2 text-2xl font-bold tracking-tight text-slate-900">{heading}</h1>
                        <p class="mt-1 text-sm text-slate-600">
                            {format!(
                                "{licenses} licenses follow it. A change applies to them at once; their expiry stays until they are renewed."
                            )}
                        </p>
                        <section class=CARD>
                            <OrgActionForm action=update attr:class="grid grid-cols-2 gap-x-6 gap-y-2" attr:novalidate=true>
                                <input type="hidden" name="policy" value=policy.id.to_string() />
                                <div class="col-span-2">
                                    <FormError message=form_error(update) />
                                </div>
                                <PolicyInputs values entitlements=licensing.entitlements.clone() error />
                                <div class="col-span-2 mt-2 w-48">
                                    <SubmitButton label="Save policy" pending_label="Saving…" pending=update.pending() />
                                </div>
                            </OrgActionForm>
                        </section>
                    }
                        .into_any()
                })}
            </Transition>
        </div>
    }
}
