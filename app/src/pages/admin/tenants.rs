//! `/admin`: every organization, newest first, with search and pages.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::frame::AdminFrame;
use crate::{
    api::platform::{
        MAX_TENANT_SEARCH_LEN, ReactivateOrganization, RestoreOrganization, SetOrganizationPlan, SuspendOrganization,
        list_tenants,
    },
    components::{
        errors::PageError,
        forms::{FormError, field_error, form_error},
        list::{Columns, Empty, ListTable, Paging, SearchForm},
        org_form::OrgActionForm,
        pagination::{Pager, use_page_number},
    },
    model::{
        Plan, Tenant, TenantStatus,
        listing::{DEFAULT_PAGE_SIZE, count_label},
    },
};

const BUTTON: &str =
    "rounded-md border border-slate-300 px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50";
const FIELD: &str = "mt-1 block w-28 rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-900";

#[component]
pub fn PlatformPage() -> impl IntoView {
    let query = use_query_map();
    let search = Memo::new(move |_| query.with(|q| q.get("q").unwrap_or_default()));
    let page = use_page_number();
    let tenants = Resource::new(
        move || (search.get(), page.get()),
        |(search, page)| list_tenants(search, Some(DEFAULT_PAGE_SIZE), Some((page - 1) * DEFAULT_PAGE_SIZE)),
    );
    view! {
        <Title text="Organizations · Platform admin · Atrium" />
        <AdminFrame>
            <div class="max-w-7xl">
                <h1 class="text-2xl font-bold tracking-tight text-slate-900">"Organizations"</h1>
                <SearchForm
                    id="tenant-search"
                    label="Search by name or address"
                    value=search
                    maxlength=MAX_TENANT_SEARCH_LEN
                />
                <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match tenants.await {
                            Ok(page) => {
                                let q = search.get_untracked();
                                let href = move |offset: u32| {
                                    let mut query = form_urlencoded::Serializer::new(String::new());
                                    if !q.is_empty() {
                                        query.append_pair("q", &q);
                                    }
                                    query.append_pair("page", &(offset / DEFAULT_PAGE_SIZE + 1).to_string());
                                    format!("/admin?{}", query.finish())
                                };
                                let position = page.position();
                                view! {
                                    <ListTable items=page.items row=|tenant| view! { <TenantRow tenant /> }>
                                        <Columns slot>
                                            <th scope="col">"Organization"</th>
                                            <th scope="col">"Plan"</th>
                                            <th scope="col">"Status"</th>
                                            <th scope="col" class="text-right">"Members"</th>
                                            <th scope="col" class="text-right">"Projects"</th>
                                            <th scope="col" class="text-right">"Tasks"</th>
                                            <th scope="col" class="text-right">"Licenses"</th>
                                            <th scope="col">"Created"</th>
                                            <th scope="col"><span class="sr-only">"Actions"</span></th>
                                        </Columns>
                                        <Empty slot>"No organizations match this search."</Empty>
                                        <Paging slot>
                                            <Pager position noun="organizations" href />
                                        </Paging>
                                    </ListTable>
                                }
                                    .into_any()
                            }
                            Err(error) => view! { <PageError error /> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </AdminFrame>
    }
}

/// "3 / 10", or "3" without a limit.
fn of_limit(used: i64, limit: Option<u32>) -> String {
    match limit {
        Some(limit) => format!("{} / {}", count_label(used, false), count_label(i64::from(limit), false)),
        None => count_label(used, false),
    }
}

/// One organization; its actions update the row from what they return.
#[component]
fn TenantRow(tenant: Tenant) -> impl IntoView {
    let suspend = ServerAction::<SuspendOrganization>::new();
    let reactivate = ServerAction::<ReactivateOrganization>::new();
    let restore = ServerAction::<RestoreOrganization>::new();
    let set_plan = ServerAction::<SetOrganizationPlan>::new();
    let current = RwSignal::new(tenant);
    for value in [suspend.value(), reactivate.value(), restore.value()] {
        Effect::new(move |_| {
            if let Some(Ok(updated)) = value.get() {
                current.set(updated);
            }
        });
    }
    Effect::new(move |_| {
        if let Some(Ok(updated)) = set_plan.value().get() {
            current.set(updated);
        }
    });
    let error = Signal::derive(move || {
        [form_error(suspend).get(), form_error(reactivate).get(), form_error(restore).get()]
            .into_iter()
            .flatten()
            .next()
    });
    move || {
        let tenant = current.get();
        let id = tenant.id.to_string();
        let status_class = match tenant.status {
            TenantStatus::Active => "text-emerald-700",
            TenantStatus::Suspended => "font-semibold text-amber-700",
            TenantStatus::Deleted => "font-semibold text-red-700",
        };
        let created = tenant.created_at.date().to_string();
        let name = tenant.name.clone();
        let audit_href = format!("/admin/audit?org={id}");
        view! {
            <tr class="align-top">
                <td class="py-2 pr-4">
                    <span class="font-medium text-slate-900">{tenant.name.clone()}</span>
                    <span class="block text-xs text-slate-500">{format!("/o/{}", tenant.slug)}</span>
                    <FormError message=error />
                </td>
                <td class="py-2 pr-4">{tenant.plan.label()}</td>
                <td class=format!("py-2 pr-4 {status_class}")>{tenant.status.label()}</td>
                <td class="py-2 pr-4 text-right tabular-nums">{of_limit(tenant.members, tenant.limits.members)}</td>
                <td class="py-2 pr-4 text-right tabular-nums">{of_limit(tenant.projects, tenant.limits.projects)}</td>
                <td class="py-2 pr-4 text-right tabular-nums">{count_label(tenant.tasks, false)}</td>
                <td class="py-2 pr-4 text-right tabular-nums">{of_limit(tenant.licenses, tenant.limits.licenses)}</td>
                <td class="whitespace-nowrap py-2 pr-4 text-slate-600">{created}</td>
                <td class="py-2">
                    <div class="flex flex-wrap justify-end gap-2">
                        {match tenant.status {
                            TenantStatus::Active => {
                                view! {
                                    <OrgActionForm action=suspend org=id.clone()>
                                        <button type="submit" class=BUTTON aria-label=format!("Suspend {name}")>
                                            "Suspend"
                                        </button>
                                    </OrgActionForm>
                                }
                                    .into_any()
                            }
                            TenantStatus::Suspended => {
                                view! {
                                    <OrgActionForm action=reactivate org=id.clone()>
                                        <button type="submit" class=BUTTON aria-label=format!("Reactivate {name}")>
                                            "Reactivate"
                                        </button>
                                    </OrgActionForm>
                                }
                                    .into_any()
                            }
                            TenantStatus::Deleted => {
                                view! {
                                    <OrgActionForm action=restore org=id.clone()>
                                        <button type="submit" class=BUTTON aria-label=format!("Restore {name}")>
                                            "Restore"
                                        </button>
                                    </OrgActionForm>
                                }
                                    .into_any()
                            }
                        }}
                        <a href=audit_href class=BUTTON>"Audit log"</a>
                    </div>
                    <PlanForm tenant=tenant.clone() set_plan />
                </td>
            </tr>
        }
    }
}

/// The plan and the three limits of one organization, behind a
/// disclosure; errors show next to each field.
#[component]
fn PlanForm(tenant: Tenant, set_plan: ServerAction<SetOrganizationPlan>) -> impl IntoView {
    let id = tenant.id.to_string();
    let field = {
        let id = id.clone();
        move |name: &'static str| format!("{name}-{id}")
    };
    let limit = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    let limit_field = move |label: &'static str, name: &'static str, value: Option<u32>, field_id: String| {
        let error = field_error(set_plan, name);
        view! {
            <div>
                <label for=field_id.clone() class="block text-xs font-medium text-slate-700">{label}</label>
                <input
                    id=field_id.clone()
                    name=name
                    inputmode="numeric"
                    value=limit(value)
                    placeholder="No limit"
                    aria-invalid=move || error.with(Option::is_some).to_string()
                    aria-describedby=format!("{field_id}-error")
                    class=FIELD
                />
                <p id=format!("{field_id}-error") class="text-xs text-red-700">{move || error.get()}</p>
            </div>
        }
    };
    view! {
        <details class="mt-2 text-right">
            <summary class="cursor-pointer text-xs font-medium text-indigo-700">
                {format!("Plan and limits of {}", tenant.name)}
            </summary>
            <OrgActionForm action=set_plan org=id.clone() attr:class="mt-2 flex flex-wrap items-start justify-end gap-2 text-left">
                <div>
                    <label for=field("plan") class="block text-xs font-medium text-slate-700">"Plan"</label>
                    <select id=field("plan") name="plan" class=FIELD>
                        {Plan::ALL
                            .into_iter()
                            .map(|plan| {
                                view! {
                                    <option value=plan.as_str() selected=plan == tenant.plan>{plan.label()}</option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                {limit_field("Members", "members", tenant.limits.members, field("members"))}
                {limit_field("Projects", "projects", tenant.limits.projects, field("projects"))}
                {limit_field("Licenses", "licenses", tenant.limits.licenses, field("licenses"))}
                {limit_field("Storage (MiB)", "storage", tenant.limits.storage_mb, field("storage"))}
                <button type="submit" class=format!("{BUTTON} mt-5")>"Save plan"</button>
            </OrgActionForm>
            <p class="text-xs text-slate-500">
                "Changing the plan keeps the limits typed here; empty means no limit."
            </p>
        </details>
    }
}
