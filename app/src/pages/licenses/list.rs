//! `/o/{org}/licenses`: the organization's licenses, newest first, with
//! search, a status filter and pages; Admins issue new ones here.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::{
    status::status_badge,
    style::{CARD, SELECT},
};
use crate::{
    api::{
        draft::typed_values,
        licensing::{CreateLicense, LICENSES_PER_PAGE, get_licensing, list_licenses},
    },
    components::{
        errors::PageError,
        forms::{FormError, SubmitButton, TextField, field_error, form_error},
        list::{Columns, Empty, ListTable, SearchForm},
        live::use_changes,
        org::{org_href, use_org},
        org_form::OrgActionForm,
        pagination::{Pager, use_page_number},
    },
    model::{LicenseItem, LicenseStatus, Policy},
};

#[component]
pub fn LicensesPage() -> impl IntoView {
    let org = use_org();
    let query = use_query_map();
    let search = Memo::new(move |_| query.with(|q| q.get("q").unwrap_or_default()));
    let status = Memo::new(move |_| query.with(|q| q.get("status").unwrap_or_default()));
    let page = use_page_number();
    let create = ServerAction::<CreateLicense>::new();
    let licenses = Resource::new(
        move || (org.slug.get(), search.get(), status.get(), page.get(), create.version().get()),
        |(slug, q, status, page, _)| list_licenses(slug, q, status, page),
    );
    let licensing = Resource::new(move || org.slug.get(), get_licensing);
    // Licenses issued, changed or deleted, machines activated or not.
    use_changes().on(|change| change.is(&["license.", "machine."]), None, move || licenses.refetch());
    // A license made with JavaScript opens at once.
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            navigate(&org_href(&org.slug.get_untracked(), &format!("/licenses/{id}")), Default::default());
        }
    });
    view! {
        <Title text="Licenses · Atrium" />
        <div class="max-w-6xl">
            <h1 class="text-2xl font-bold tracking-tight text-slate-900">"Licenses"</h1>
            <SearchForm
                id="license-search"
                label="Search key, name or owner"
                value=search
                maxlength=200
                button="Filter"
            >
                <div>
                    <label for="license-status" class="block text-sm font-medium text-slate-700">"Status"</label>
                    <select id="license-status" name="status" class=SELECT>
                        <option value="" selected=move || status.get().is_empty()>"Any"</option>
                        {LicenseStatus::ALL
                            .into_iter()
                            .map(|s| {
                                view! {
                                    <option value=s.slug() selected=move || status.get() == s.slug()>
                                        {s.as_str()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
            </SearchForm>
            <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match licenses.await {
                        Ok(page) => {
                            let (q, st, slug) = (search.get_untracked(), status.get_untracked(), org.slug.get_untracked());
                            let href = move |offset: u32| {
                                let mut query = form_urlencoded::Serializer::new(String::new());
                                if !q.is_empty() {
                                    query.append_pair("q", &q);
                                }
                                if !st.is_empty() {
                                    query.append_pair("status", &st);
                                }
                                query.append_pair("page", &(offset / LICENSES_PER_PAGE + 1).to_string());
                                org_href(&slug, &format!("/licenses?{}", query.finish()))
                            };
                            let position = page.position();
                            view! {
                                <LicenseTable items=page.items />
                                <Pager position noun="licenses" href />
                            }
                                .into_any()
                        }
                        Err(error) => view! { <PageError error /> }.into_any(),
                    }
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match licensing.await {
                        Ok(licensing) if licensing.can_manage => {
                            view! { <NewLicense policies=licensing.policies action=create /> }.into_any()
                        }
                        _ => ().into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn LicenseTable(items: Vec<LicenseItem>) -> impl IntoView {
    let org = use_org();
    view! {
        <ListTable
            items
            row=move |l| {
                let href = org_href(&org.slug.get_untracked(), &format!("/licenses/{}", l.id));
                view! {
                    <tr>
                        <td class="py-2 pr-4">
                            <a href=href class="font-mono text-indigo-700 hover:underline">{l.key.clone()}</a>
                        </td>
                        <td class="py-2 pr-4">{l.name.clone().unwrap_or_default()}</td>
                        <td class="py-2 pr-4">{l.owner_email.clone().unwrap_or_default()}</td>
                        <td class="py-2 pr-4">{l.policy_name.clone()}</td>
                        <td class="py-2 pr-4">{status_badge(l.status)}</td>
                        <td class="whitespace-nowrap py-2 pr-4 text-slate-600">
                            {l.expiry.map_or_else(|| "Never".to_owned(), |e| e.date().to_string())}
                        </td>
                        <td class="py-2 text-right tabular-nums">{l.machines}</td>
                    </tr>
                }
            }
        >
            <Columns slot>
                <th scope="col">"Key"</th>
                <th scope="col">"Name"</th>
                <th scope="col">"Owner"</th>
                <th scope="col">"Policy"</th>
                <th scope="col">"Status"</th>
                <th scope="col">"Expires"</th>
                <th scope="col" class="text-right">"Machines"</th>
            </Columns>
            <Empty slot>"No licenses match. Issue one below."</Empty>
        </ListTable>
    }
}

#[component]
fn NewLicense(policies: Vec<Policy>, action: ServerAction<CreateLicense>) -> impl IntoView {
    let org = use_org();
    let typed = typed_values(action);
    if policies.is_empty() {
        let href = org_href(&org.slug.get_untracked(), "/policies");
        return view! {
            <section class=CARD>
                <p class="text-sm text-slate-600">
                    "To issue licenses, first " <a href=href class="text-indigo-700 hover:underline">"create a policy"</a>
                    "."
                </p>
            </section>
        }
        .into_any();
    }
    let policy_error = field_error(action, "policy");
    let metadata_error = field_error(action, "metadata");
    view! {
        <section class=CARD aria-labelledby="new-license-heading">
            <h2 id="new-license-heading" class="text-lg font-semibold text-slate-900">"New license"</h2>
            <OrgActionForm action attr:class="mt-4 grid grid-cols-2 gap-x-6 gap-y-2" attr:novalidate=true>
                <div class="col-span-2">
                    <FormError message=form_error(action) />
                </div>
                <div class="space-y-1">
                    <label for="field-policy" class="block text-sm font-medium text-slate-700">"Policy"</label>
                    <select
                        id="field-policy"
                        name="policy"
                        class=SELECT
                        aria-invalid=move || policy_error.with(Option::is_some).to_string()
                        aria-describedby="field-policy-error"
                    >
                        {policies
                            .into_iter()
                            .map(|p| {
                                let selected = typed("policy").as_deref() == Some(p.id.to_string().as_str());
                                view! { <option value=p.id.to_string() selected=selected>{p.name}</option> }
                            })
                            .collect_view()}
                    </select>
                    <p id="field-policy-error" class="min-h-5 text-sm text-red-700">{move || policy_error.get()}</p>
                </div>
                <TextField
                    label="Name (optional)"
                    name="name"
                    id="license-name"
                    maxlength=100
                    value=typed("name")
                    error=field_error(action, "name")
                />
                <TextField
                    label="Owner email (optional)"
                    name="owner_email"
                    kind="email"
                    value=typed("owner_email")
                    error=field_error(action, "owner_email")
                />
                <TextField
                    label="Key (empty: generate one)"
                    name="key"
                    maxlength=255
                    value=typed("key")
                    error=field_error(action, "key")
                />
                <div class="col-span-2 space-y-1">
                    <label for="field-metadata" class="block text-sm font-medium text-slate-700">
                        "Metadata (a JSON object, optional)"
                    </label>
                    <textarea
                        id="field-metadata"
                        name="metadata"
                        rows="3"
                        aria-invalid=move || metadata_error.with(Option::is_some).to_string()
                        aria-describedby="field-metadata-error"
                        class="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm"
                    >
                        {typed("metadata").unwrap_or_default()}
                    </textarea>
                    <p id="field-metadata-error" class="min-h-5 text-sm text-red-700">{move || metadata_error.get()}</p>
                </div>
                <div class="col-span-2 w-48">
                    <SubmitButton label="Create license" pending_label="Creating…" pending=action.pending() />
                </div>
            </OrgActionForm>
        </section>
    }
    .into_any()
}
