//! `/o/{org}`: the organization dashboard.

use leptos::prelude::*;
use leptos_meta::Title;

use super::slug::use_org_slug;
use crate::{
    api::orgs::get_org_dashboard,
    components::{chart::WeeklyChart, errors::PageError, org::org_href},
    model::{AssignedTask, OrgDashboard, listing::count_label, task::format_date},
};

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
    let OrgDashboard {
        org,
        member_count,
        project_count,
        open_task_count,
        overdue_count,
        overdue_capped,
        assigned_to_me,
        completed_per_week,
        today,
    } = dashboard;
    let slug = org.slug.clone();
    view! {
        <Title text=format!("{} · Atrium", org.name) />
        <h1 class="text-2xl font-bold tracking-tight text-slate-900">{org.name.clone()}</h1>
        <p class="mt-1 text-sm text-slate-600">
            "Your role: " <span class="font-medium text-slate-900">{org.role.label()}</span>
        </p>
        <dl class="mt-8 grid max-w-4xl grid-cols-2 gap-4 lg:grid-cols-4">
            <Stat label="Members" value=count_label(member_count, false) />
            <Stat label="Active projects" value=count_label(project_count, false) />
            <Stat label="Open tasks" value=count_label(open_task_count, false) />
            <Stat label="Overdue" value=count_label(overdue_count, overdue_capped) />
        </dl>
        <div class="mt-10 grid max-w-5xl gap-10 xl:grid-cols-2">
            <section aria-labelledby="mine-heading" class="min-w-0">
                <h2 id="mine-heading" class="text-lg font-semibold text-slate-900">"Assigned to me"</h2>
                {if assigned_to_me.is_empty() {
                    view! { <p class="mt-3 text-sm text-slate-500">"Nothing open is assigned to you."</p> }.into_any()
                } else {
                    view! {
                        <ul class="mt-3 divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
                            {assigned_to_me
                                .into_iter()
                                .map(|task| view! { <AssignedRow task slug=slug.clone() today /> })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }}
            </section>
            <section aria-labelledby="chart-heading" class="min-w-0">
                <h2 id="chart-heading" class="text-lg font-semibold text-slate-900">"Completed per week"</h2>
                <div class="mt-3 rounded-lg border border-slate-200 bg-white p-4">
                    <WeeklyChart weeks=completed_per_week />
                </div>
            </section>
        </div>
    }
}

#[component]
fn AssignedRow(task: AssignedTask, slug: String, today: time::Date) -> impl IntoView {
    let href = org_href(&slug, &format!("/projects/{}?task={}", task.project_id, task.id));
    let overdue = task.due_on.is_some_and(|due| due < today);
    view! {
        <li class="flex items-center justify-between gap-4 px-4 py-3">
            <div class="min-w-0">
                <a href=href class="block truncate font-medium text-slate-900 hover:underline">{task.title}</a>
                <p class="text-xs text-slate-500">{task.project_name}</p>
            </div>
            <span class=if overdue { "shrink-0 text-xs font-medium text-red-700" } else { "shrink-0 text-xs text-slate-500" }>
                {task.due_on.map(|due| format!("{}{}", if overdue { "Overdue · " } else { "Due " }, format_date(due)))}
            </span>
        </li>
    }
}

#[component]
fn Stat(label: &'static str, value: String) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-slate-200 bg-white p-5">
            <dt class="text-sm text-slate-500">{label}</dt>
            <dd class="mt-1 text-3xl font-semibold text-slate-900">{value}</dd>
        </div>
    }
}
