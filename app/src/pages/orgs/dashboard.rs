//! `/o/{org}`: the organization dashboard.

use leptos::prelude::*;
use leptos_meta::Title;

use super::use_org_slug;
use crate::{api::orgs::get_org_dashboard, components::errors::PageError, model::OrgDashboard};

#[component]
pub fn OrgDashboardPage() -> impl IntoView {
    let slug = use_org_slug();
    let dashboard = Resource::new(move || slug.get(), get_org_dashboard);
    view! {
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match dashboard.await {
                    Ok(dashboard) => view! { <Dashboard dashboard /> }.into_any(),
                    Err(error) => view! { <PageError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Dashboard(dashboard: OrgDashboard) -> impl IntoView {
    let OrgDashboard { org, member_count } = dashboard;
    view! {
        <Title text=format!("{} · Atrium", org.name) />
        <h1 class="text-2xl font-bold tracking-tight text-slate-900">{org.name.clone()}</h1>
        <p class="mt-1 text-sm text-slate-600">
            "Your role: " <span class="font-medium text-slate-900">{org.role.label()}</span>
        </p>
        <dl class="mt-8 grid max-w-3xl grid-cols-1 gap-4 sm:grid-cols-3">
            <Stat label="Members" value=member_count />
        </dl>
    }
}

#[component]
fn Stat(label: &'static str, value: i64) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-slate-200 bg-white p-5">
            <dt class="text-sm text-slate-500">{label}</dt>
            <dd class="mt-1 text-3xl font-semibold text-slate-900">{value}</dd>
        </div>
    }
}
