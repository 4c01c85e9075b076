//! `/o/{org}/policies`: the organization's public key, its entitlements and
//! its policies. Members read; Admins and Owners manage.

use std::sync::Arc;

use leptos::prelude::*;
use leptos_meta::Title;

use super::{
    policy_form::{FieldLookup, PolicyInputs},
    style::{BUTTON, CARD},
};
use crate::{
    api::{
        draft::typed_values,
        licensing::{CreateEntitlement, CreatePolicy, DeleteEntitlement, DeletePolicy, Licensing, get_licensing},
    },
    components::{
        errors::PageError,
        forms::{FormError, SubmitButton, TextField, field_error, form_error, reset_after_success},
        list::{Columns, Empty, ListTable},
        org::{org_href, use_org},
        org_form::OrgActionForm,
    },
    model::{Entitlement, EntitlementCode, EntitlementName, Policy, PolicyForm, license::ComponentMatchingStrategy},
};

#[component]
pub fn PoliciesPage() -> impl IntoView {
    let org = use_org();
    let create_policy = ServerAction::<CreatePolicy>::new();
    let delete_policy = ServerAction::<DeletePolicy>::new();
    let create_entitlement = ServerAction::<CreateEntitlement>::new();
    let delete_entitlement = ServerAction::<DeleteEntitlement>::new();
    let data = Resource::new(
        move || {
            (
                org.slug.get(),
                create_policy.version().get(),
                delete_policy.version().get(),
                create_entitlement.version().get(),
                delete_entitlement.version().get(),
            )
        },
        |(slug, ..)| get_licensing(slug),
    );
    view! {
        <Title text="Policies · Atrium" />
        <div class="max-w-5xl">
            <h1 class="text-2xl font-bold tracking-tight text-slate-900">"Policies"</h1>
            <p class="mt-1 text-sm text-slate-600">
                "A policy says how its licenses behave: how many machines, how long, what happens when they expire."
            </p>
            <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(licensing) => {
                            view! {
                                <PublicKey key=licensing.public_key.clone() />
                                <PolicyList licensing=licensing.clone() delete=delete_policy />
                                {licensing
                                    .can_manage
                                    .then(|| {
                                        view! {
                                            <NewPolicy
                                                entitlements=licensing.entitlements.clone()
                                                action=create_policy
                                            />
                                        }
                                    })}
                                <Entitlements
                                    licensing
                                    create=create_entitlement
                                    delete=delete_entitlement
                                />
                            }
                                .into_any()
                        }
                        Err(error) => view! { <PageError error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// The organization's Ed25519 public key, for client apps to verify
/// signatures with.
#[component]
fn PublicKey(key: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let to_copy = key.clone();
    view! {
        <section class=CARD aria-labelledby="public-key-heading">
            <h2 id="public-key-heading" class="text-lg font-semibold text-slate-900">"Public key"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "Ed25519, hex. Embed it in your app: Keygen clients verify every API response and license file with it."
            </p>
            <div class="mt-3 flex items-center gap-2">
                <label for="public-key" class="sr-only">"Public key"</label>
                <input
                    id="public-key"
                    readonly=true
                    value=key
                    class="block w-full rounded-md border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-sm text-slate-900"
                />
                <button
                    type="button"
                    class=BUTTON
                    on:click=move |_| {
                        let _ = window().navigator().clipboard().write_text(&to_copy);
                        copied.set(true);
                    }
                >
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </div>
        </section>
    }
}

/// A policy's duration as people read it: whole days, or days and hours
/// for one given in seconds through the API (a year there is 365 days
/// and 5.8 hours).
fn duration_label(seconds: Option<i64>) -> String {
    match seconds {
        None => "No expiry".into(),
        Some(s) if s % 86_400 == 0 => format!("{} days", s / 86_400),
        Some(s) => {
            let (days, hours) = (s / 86_400, (s % 86_400) as f64 / 3_600.0);
            format!("{days} days {hours:.1} hours")
        }
    }
}

#[component]
fn PolicyList(licensing: Licensing, delete: ServerAction<DeletePolicy>) -> impl IntoView {
    let org = use_org();
    let can_manage = licensing.can_manage;
    let empty = if can_manage {
        "No policies yet. Create one below, then issue licenses under it."
    } else {
        "No policies yet. An admin creates them."
    };
    view! {
        <FormError message=form_error(delete) />
        <ListTable
            items=licensing.policies
            row=move |policy: Policy| {
                let f = policy.fields.clone();
                let machines = match (f.floating, f.max_machines) {
                    (false, _) => "Node-locked (1)".to_owned(),
                    (true, Some(n)) => format!("Floating, up to {n}"),
                    (true, None) => "Floating, no limit".to_owned(),
                };
                let mut rules = Vec::new();
                if f.strict {
                    rules.push("Strict".to_owned());
                }
                if f.require_heartbeat {
                    rules.push(format!("Heartbeat every {} min", f.heartbeat_seconds / 60));
                }
                if let Some(check_in) = f.required_check_in() {
                    rules.push(format!("Check in {}", check_in.label()));
                }
                if f.component_matching_strategy != ComponentMatchingStrategy::MatchAny {
                    rules.push(format!("Components: {}", f.component_matching_strategy.label().to_lowercase()));
                }
                if let Some(product) = &f.product {
                    rules.push(format!("Product {product}"));
                }
                let entitlements = policy
                    .entitlements
                    .iter()
                    .map(|e| e.code.clone())
                    .collect::<Vec<_>>()
                    .join(", ");
                let name = policy.name.clone();
                view! {
                    <tr>
                        <td class="py-2 pr-4 font-medium">
                            <a
                                href=org_href(&org.slug.get_untracked(), &format!("/policies/{}", policy.id))
                                class="text-indigo-700 hover:underline"
                            >
                                {policy.name.clone()}
                            </a>
                        </td>
                        <td class="py-2 pr-4">{machines}</td>
                        <td class="py-2 pr-4">{duration_label(f.duration_seconds)}</td>
                        <td class="py-2 pr-4">
                            {if rules.is_empty() { "—".to_owned() } else { rules.join(" · ") }}
                        </td>
                        <td class="py-2 pr-4">{f.expiration_strategy.label()}</td>
                        <td class="py-2 pr-4">
                            {if entitlements.is_empty() { "—".to_owned() } else { entitlements }}
                        </td>
                        <td class="py-2 pr-4 text-right tabular-nums">{policy.licenses}</td>
                        <td class="py-2 text-right">
                            {(can_manage && policy.licenses == 0)
                                .then(|| {
                                    view! {
                                        <OrgActionForm action=delete>
                                            <input type="hidden" name="policy" value=policy.id.to_string() />
                                            <button
                                                type="submit"
                                                class=BUTTON
                                                aria-label=format!("Delete policy {name}")
                                            >
                                                "Delete"
                                            </button>
                                        </OrgActionForm>
                                    }
                                })}
                        </td>
                    </tr>
                }
            }
        >
            <Columns slot>
                <th scope="col">"Policy"</th>
                <th scope="col">"Machines"</th>
                <th scope="col">"Duration"</th>
                <th scope="col">"Rules"</th>
                <th scope="col">"On expiry"</th>
                <th scope="col">"Entitlements"</th>
                <th scope="col" class="text-right">"Licenses"</th>
                <th scope="col"><span class="sr-only">"Actions"</span></th>
            </Columns>
            <Empty slot>{empty}</Empty>
        </ListTable>
    }
}

#[component]
fn NewPolicy(entitlements: Vec<Entitlement>, action: ServerAction<CreatePolicy>) -> impl IntoView {
    let typed = typed_values(action);
    let form = NodeRef::<leptos::html::Form>::new();
    reset_after_success(action, form);
    // What a failed plain post sent, so nothing typed is lost.
    let values = PolicyForm {
        name: typed("name").unwrap_or_default(),
        product: typed("product").unwrap_or_default(),
        max_machines: typed("max_machines").unwrap_or_default(),
        duration_days: typed("duration_days").unwrap_or_default(),
        floating: typed("floating").is_some(),
        strict: typed("strict").is_some(),
        require_heartbeat: typed("require_heartbeat").is_some(),
        heartbeat_minutes: typed("heartbeat_minutes").unwrap_or_default(),
        expiration_strategy: typed("expiration_strategy").and_then(|s| s.parse().ok()).unwrap_or_default(),
        entitlements: Vec::new(),
        duration_seconds: None,
        require_check_in: typed("require_check_in").is_some(),
        check_in_interval: typed("check_in_interval").unwrap_or_default(),
        check_in_interval_count: typed("check_in_interval_count").unwrap_or_default(),
        component_matching_strategy: typed("component_matching_strategy")
            .and_then(|s| s.parse().ok())
            .unwrap_or_default(),
    };
    let error: FieldLookup = Arc::new(move |name| field_error(action, name));
    view! {
        <section class=CARD aria-labelledby="new-policy-heading">
            <h2 id="new-policy-heading" class="text-lg font-semibold text-slate-900">"New policy"</h2>
            <OrgActionForm action node_ref=form attr:class="mt-4 grid grid-cols-2 gap-x-6 gap-y-2" attr:novalidate=true>
                <div class="col-span-2">
                    <FormError message=form_error(action) />
                </div>
                <PolicyInputs values entitlements error />
                <div class="col-span-2 mt-2 w-48">
                    <SubmitButton label="Create policy" pending_label="Creating…" pending=action.pending() />
                </div>
            </OrgActionForm>
        </section>
    }
}

#[component]
fn Entitlements(
    licensing: Licensing,
    create: ServerAction<CreateEntitlement>,
    delete: ServerAction<DeleteEntitlement>,
) -> impl IntoView {
    let typed = typed_values(create);
    let form = NodeRef::<leptos::html::Form>::new();
    reset_after_success(create, form);
    view! {
        <section class=CARD aria-labelledby="entitlements-heading">
            <h2 id="entitlements-heading" class="text-lg font-semibold text-slate-900">"Entitlements"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "Features a policy grants; clients check them by code with the entitlements validation scope."
            </p>
            <FormError message=form_error(delete) />
            {if licensing.entitlements.is_empty() {
                view! { <p class="mt-3 text-sm text-slate-500">"No entitlements yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-3 divide-y divide-slate-100 text-sm">
                        {licensing
                            .entitlements
                            .into_iter()
                            .map(|e| {
                                let code = e.code.clone();
                                view! {
                                    <li class="flex items-center justify-between py-2">
                                        <span>
                                            <span class="font-mono text-slate-900">{e.code.clone()}</span>
                                            <span class="ml-2 text-slate-600">{e.name.clone()}</span>
                                        </span>
                                        {licensing
                                            .can_manage
                                            .then(|| {
                                                view! {
                                                    <OrgActionForm action=delete>
                                                        <input type="hidden" name="entitlement" value=e.id.to_string() />
                                                        <button
                                                            type="submit"
                                                            class=BUTTON
                                                            aria-label=format!("Delete entitlement {code}")
                                                        >
                                                            "Delete"
                                                        </button>
                                                    </OrgActionForm>
                                                }
                                            })}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            {licensing
                .can_manage
                .then(|| {
                    view! {
                        <OrgActionForm
                            action=create
                            node_ref=form
                            attr:class="mt-4 grid grid-cols-3 items-start gap-4"
                            attr:novalidate=true
                        >
                            <div class="col-span-3">
                                <FormError message=form_error(create) />
                            </div>
                            <TextField
                                label="Code"
                                name="code"
                                id="entitlement-code"
                                required=true
                                maxlength=EntitlementCode::MAX_LEN
                                value=typed("code")
                                error=field_error(create, "code")
                            />
                            <TextField
                                label="Entitlement name"
                                name="name"
                                id="entitlement-name"
                                required=true
                                maxlength=EntitlementName::MAX_LEN
                                value=typed("name")
                                error=field_error(create, "name")
                            />
                            <div class="mt-6">
                                <SubmitButton label="Add entitlement" pending_label="Adding…" pending=create.pending() />
                            </div>
                        </OrgActionForm>
                    }
                })}
        </section>
    }
}
