//! The list controls: status tabs, filters, search, sort, page size, and
//! the CSV export of what is shown. A plain GET form: without JavaScript it
//! reloads the page with the new URL; with it, it navigates in place to the
//! same (clean) URL.

use leptos::{ev::SubmitEvent, prelude::*, wasm_bindgen::JsCast};
use leptos_router::hooks::use_navigate;

use super::detail::use_project;
use crate::{
    components::forms::{member_options, priority_options},
    model::{AssigneeFilter, SortDir, StatusFilter, TaskQuery, TaskSort, listing::PAGE_SIZES, task::format_date},
};

/// Component classes (`style/main.css`): the bar repeats them per field.
const FIELD: &str = "field";
const LABEL: &str = "field-label";

#[component]
pub fn Toolbar() -> impl IntoView {
    let state = use_project();
    let navigate = use_navigate();
    let on_submit = move |event: SubmitEvent| {
        let Some(form) = event.target().and_then(|t| t.dyn_into::<leptos::web_sys::HtmlFormElement>().ok()) else {
            return;
        };
        let Ok(data) = leptos::web_sys::FormData::new_with_form(&form) else { return };
        event.prevent_default();
        let (query, _ignored) = TaskQuery::from_params(|name| data.get(name).as_string());
        navigate(&state.href(&query.first_page(), None), Default::default());
    };

    let status_tab = move |status: StatusFilter| {
        let href = move || state.href(&TaskQuery { status, ..state.query.get().first_page() }, None);
        view! {
            <a
                href=href
                aria-current=move || (state.query.get().status == status).then_some("page")
                class="tab"
            >
                {status.label()}
            </a>
        }
    };

    view! {
        <section aria-label="List settings" class="mt-8">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <nav aria-label="Task status" class="flex gap-1">
                    {StatusFilter::ALL.into_iter().map(status_tab).collect_view()}
                </nav>
                <a
                    href=move || {
                        let query = state.query.get().first_page();
                        format!(
                            "/o/{}/projects/{}/tasks.csv{}",
                            state.org.slug.get(),
                            state.project_id.get(),
                            query.to_query_string(),
                        )
                    }
                    download=""
                    rel="external"
                    class="rounded-md border border-slate-300 px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-50"
                >
                    "Export CSV"
                </a>
            </div>
            // Rebuilt whenever the URL's query changes, so every field shows
            // what the list shows.
            {move || {
                let query = state.query.get();
                let data = state.data.get().and_then(Result::ok);
                let members = data.as_ref().map(|d| d.members.clone()).unwrap_or_default();
                let labels = data.as_ref().map(|d| d.labels.clone()).unwrap_or_default();
                let assignee = query.assignee.map(String::from).unwrap_or_default();
                let assignee_user = match query.assignee {
                    Some(AssigneeFilter::User(user)) => Some(user),
                    _ => None,
                };
                let label = query.label.map(|l| l.to_string()).unwrap_or_default();
                view! {
                    <form
                        method="get"
                        on:submit=on_submit.clone()
                        class="mt-3 grid grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-slate-50 p-3 md:grid-cols-4 xl:grid-cols-6"
                    >
                        <input type="hidden" name="status" value=query.status.as_str() />
                        <div class="col-span-2">
                            <label for="filter-q" class=LABEL>"Search"</label>
                            <input id="filter-q" type="search" name="q" value=query.q.clone() class=FIELD placeholder="Title or description" />
                        </div>
                        <div>
                            <label for="filter-assignee" class=LABEL>"Assignee"</label>
                            <select id="filter-assignee" name="assignee" class=FIELD>
                                <option value="" selected=assignee.is_empty()>"Anyone"</option>
                                <option value="me" selected=query.assignee == Some(AssigneeFilter::Me)>"Me"</option>
                                <option value="nobody" selected=query.assignee == Some(AssigneeFilter::Nobody)>"Nobody"</option>
                                {member_options(&members, assignee_user)}
                            </select>
                        </div>
                        <div>
                            <label for="filter-label" class=LABEL>"Label"</label>
                            <select id="filter-label" name="label" class=FIELD>
                                <option value="" selected=label.is_empty()>"Any label"</option>
                                {labels
                                    .into_iter()
                                    .map(|l| {
                                        let value = l.id.to_string();
                                        let selected = value == label;
                                        view! { <option value=value selected=selected>{l.name}</option> }
                                    })
                                    .collect_view()}
                            </select>
                        </div>
                        <div>
                            <label for="filter-priority" class=LABEL>"Priority"</label>
                            <select id="filter-priority" name="priority" class=FIELD>
                                <option value="" selected=query.priority.is_none()>"Any priority"</option>
                                {priority_options(query.priority)}
                            </select>
                        </div>
                        <div class="flex items-end gap-2 pb-1.5">
                            <input id="filter-overdue" type="checkbox" name="overdue" value="1" checked=query.overdue class="h-4 w-4" />
                            <label for="filter-overdue" class="text-sm text-slate-700">"Overdue only"</label>
                        </div>
                        <div>
                            <label for="filter-due-after" class=LABEL>"Due on or after"</label>
                            <input id="filter-due-after" type="date" name="due_after" value=query.due_after.map(format_date).unwrap_or_default() class=FIELD />
                        </div>
                        <div>
                            <label for="filter-due-before" class=LABEL>"Due on or before"</label>
                            <input id="filter-due-before" type="date" name="due_before" value=query.due_before.map(format_date).unwrap_or_default() class=FIELD />
                        </div>
                        <div>
                            <label for="filter-sort" class=LABEL>"Sort by"</label>
                            <select id="filter-sort" name="sort" class=FIELD>
                                {TaskSort::ALL
                                    .into_iter()
                                    .map(|s| view! { <option value=s.as_str() selected=query.sort == s>{s.label()}</option> })
                                    .collect_view()}
                            </select>
                        </div>
                        <div>
                            <label for="filter-dir" class=LABEL>"Order"</label>
                            <select id="filter-dir" name="dir" class=FIELD>
                                <option value="asc" selected=query.dir == SortDir::Asc>"Ascending"</option>
                                <option value="desc" selected=query.dir == SortDir::Desc>"Descending"</option>
                            </select>
                        </div>
                        <div>
                            <label for="filter-per-page" class=LABEL>"Per page"</label>
                            <select id="filter-per-page" name="per_page" class=FIELD>
                                {PAGE_SIZES
                                    .into_iter()
                                    .map(|n| view! { <option value=n.to_string() selected=query.limit == n>{n}</option> })
                                    .collect_view()}
                            </select>
                        </div>
                        <div class="flex items-end gap-2">
                            <button type="submit" class="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700">
                                "Apply"
                            </button>
                            <a href=state.href(&TaskQuery::default(), None) class="px-2 py-1.5 text-sm text-slate-600 hover:underline">
                                "Clear"
                            </a>
                        </div>
                    </form>
                }
            }}
        </section>
    }
}
