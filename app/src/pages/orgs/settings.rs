//! `/o/{org}/settings`: the organization's name and address (Admins), its
//! plan and what it uses of it, ownership transfer and deletion (Owners).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{
        draft::typed_values,
        orgs::list_members,
        settings::{DeleteOrganization, TransferOwnership, UpdateOrgSettings, get_org_settings},
    },
    components::{
        errors::PageError,
        forms::{FormError, SubmitButton, TextField, field_error, form_error},
        org::use_org,
        org_form::OrgActionForm,
    },
    model::{Action, OrgName, OrgSettings, OrgSlug, file::format_bytes, listing::count_label},
};

const CARD: &str = "mt-6 rounded-lg border border-slate-200 bg-white p-6";
const DANGER_CARD: &str = "mt-6 rounded-lg border border-red-200 bg-white p-6";
const FIELD: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-slate-900";

#[component]
pub fn SettingsPage() -> impl IntoView {
    let org = use_org();
    let settings = Resource::new(move || org.slug.get(), get_org_settings);
    view! {
        <Title text="Settings · Atrium" />
        <div class="max-w-3xl">
            <h1 class="text-2xl font-bold tracking-tight text-slate-900">"Settings"</h1>
            <Suspense fallback=|| view! { <p class="mt-6 text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    org.loaded().await;
                    match settings.await {
                        Ok(settings) => view! { <SettingsView settings /> }.into_any(),
                        Err(error) => view! { <PageError error /> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn SettingsView(settings: OrgSettings) -> impl IntoView {
    let org = use_org();
    view! {
        {if org.can_untracked(Action::ManageSettings) {
            view! { <GeneralForm settings=settings.clone() /> }.into_any()
        } else {
            view! {
                <dl class=CARD>
                    <dt class="text-sm font-medium text-slate-500">"Name"</dt>
                    <dd class="text-slate-900">{settings.org.name.clone()}</dd>
                    <dt class="mt-3 text-sm font-medium text-slate-500">"Address"</dt>
                    <dd class="text-slate-900">{format!("/o/{}", settings.org.slug)}</dd>
                </dl>
            }
                .into_any()
        }}
        <PlanCard settings=settings.clone() />
        {org.can_untracked(Action::TransferOwnership).then(|| view! { <TransferForm /> })}
        {org.can_untracked(Action::DeleteOrganization).then(|| view! { <DeleteForm name=settings.org.name.clone() /> })}
    }
}

#[component]
fn GeneralForm(settings: OrgSettings) -> impl IntoView {
    let update = ServerAction::<UpdateOrgSettings>::new();
    let typed = typed_values(update);
    let name = typed("name").or(Some(settings.org.name.clone()));
    let slug = typed("slug").or(Some(settings.org.slug.clone()));
    view! {
        <section class=CARD aria-labelledby="general-heading">
            <h2 id="general-heading" class="text-lg font-semibold text-slate-900">"Name and address"</h2>
            <OrgActionForm action=update attr:class="mt-4 space-y-4" attr:novalidate=true>
                <FormError message=form_error(update) />
                <TextField
                    label="Organization name"
                    name="name"
                    autocomplete="organization"
                    required=true
                    maxlength=OrgName::MAX_LEN
                    value=name
                    error=field_error(update, "name")
                />
                <TextField
                    label="Address (slug)"
                    name="slug"
                    required=true
                    maxlength=OrgSlug::MAX_LEN
                    hint="Pages live at /o/<slug>. Links to the old address keep working for members."
                    value=slug
                    error=field_error(update, "slug")
                />
                <div class="w-48">
                    <SubmitButton label="Save" pending_label="Saving…" pending=update.pending() />
                </div>
            </OrgActionForm>
        </section>
    }
}

/// "3 of 10" (or "3 · no limit").
fn usage(used: i64, limit: Option<u32>) -> String {
    match limit {
        Some(limit) => format!("{} of {}", count_label(used, false), count_label(i64::from(limit), false)),
        None => format!("{} · no limit", count_label(used, false)),
    }
}

#[component]
fn PlanCard(settings: OrgSettings) -> impl IntoView {
    let plan = settings.usage;
    view! {
        <section class=CARD aria-labelledby="plan-heading">
            <h2 id="plan-heading" class="text-lg font-semibold text-slate-900">
                {format!("Plan: {}", plan.plan.label())}
            </h2>
            <p class="mt-1 text-sm text-slate-600">"A platform admin changes plans and limits."</p>
            <dl class="mt-4 grid grid-cols-2 gap-4 text-sm sm:grid-cols-4">
                <div>
                    <dt class="text-slate-500">"Members and invitations"</dt>
                    <dd class="font-medium text-slate-900">{usage(plan.members, plan.limits.members)}</dd>
                </div>
                <div>
                    <dt class="text-slate-500">"Projects"</dt>
                    <dd class="font-medium text-slate-900">{usage(plan.projects, plan.limits.projects)}</dd>
                </div>
                <div>
                    <dt class="text-slate-500">"Licenses"</dt>
                    <dd class="font-medium text-slate-900">{usage(plan.licenses, plan.limits.licenses)}</dd>
                </div>
                <div>
                    <dt class="text-slate-500">"File storage"</dt>
                    <dd class="font-medium text-slate-900">
                        {match plan.limits.storage_mb {
                            Some(limit) => {
                                format!("{} of {}", format_bytes(plan.storage_bytes), format_bytes(i64::from(limit) * 1024 * 1024))
                            }
                            None => format!("{} · no limit", format_bytes(plan.storage_bytes)),
                        }}
                    </dd>
                </div>
            </dl>
        </section>
    }
}

#[component]
fn TransferForm() -> impl IntoView {
    let org = use_org();
    let transfer = ServerAction::<TransferOwnership>::new();
    let members = Resource::new(move || org.slug.get(), list_members);
    let me = org.shell.get_untracked().and_then(Result::ok).map(|shell| shell.user.id);
    view! {
        <section class=CARD aria-labelledby="transfer-heading">
            <h2 id="transfer-heading" class="text-lg font-semibold text-slate-900">"Transfer ownership"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "The member you choose becomes an Owner, and you become an Admin."
            </p>
            <OrgActionForm action=transfer attr:class="mt-4 flex flex-wrap items-end gap-3">
                <div class="min-w-64">
                    <label for="transfer-user" class="block text-sm font-medium text-slate-700">"New owner"</label>
                    <select id="transfer-user" name="user" required=true class=FIELD>
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                let others: Vec<_> = members
                                    .await
                                    .unwrap_or_default()
                                    .into_iter()
                                    .filter(|m| Some(m.user_id) != me)
                                    .collect();
                                let none = others.is_empty().then(|| {
                                    view! { <option value="" disabled=true selected=true>"No other members yet: invite someone first"</option> }
                                });
                                let options = others
                                    .into_iter()
                                    .map(|m| {
                                        let label = format!("{} ({})", m.display_name, m.role.label());
                                        view! { <option value=m.user_id.to_string()>{label}</option> }
                                    })
                                    .collect_view();
                                view! { {none} {options} }
                            })}
                        </Suspense>
                    </select>
                </div>
                <button
                    type="submit"
                    class="rounded-md border border-slate-300 px-4 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50"
                >
                    "Transfer ownership"
                </button>
            </OrgActionForm>
            <div class="mt-2">
                <FormError message=form_error(transfer) />
            </div>
        </section>
    }
}

#[component]
fn DeleteForm(name: String) -> impl IntoView {
    let delete = ServerAction::<DeleteOrganization>::new();
    view! {
        <section class=DANGER_CARD aria-labelledby="delete-heading">
            <h2 id="delete-heading" class="text-lg font-semibold text-red-800">"Delete this organization"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "Its projects, tasks and members go with it. A platform admin can restore it within 30 days; after that it is gone for good."
            </p>
            <OrgActionForm action=delete attr:class="mt-4 space-y-3" attr:novalidate=true>
                <FormError message=form_error(delete) />
                <TextField
                    label="Type the organization's name to confirm"
                    name="confirm"
                    error=field_error(delete, "confirm")
                />
                <p class="text-sm text-slate-600">
                    "Name: " <strong class="font-semibold text-slate-900">{name}</strong>
                </p>
                <button
                    type="submit"
                    class="rounded-md bg-red-600 px-4 py-2 text-sm font-semibold text-white hover:bg-red-500"
                >
                    "Delete organization"
                </button>
            </OrgActionForm>
        </section>
    }
}
