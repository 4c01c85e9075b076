//! The list controls: status tabs, filters, search, sort, page size, and
//! the CSV export of what is shown. A plain GET form: without JavaScript it
//! reloads the page with the new URL; with it, it navigates in place to the
//! same (clean) URL.

use leptos::{ev::SubmitEvent, prelude::*, wasm_bindgen::JsCast};
use leptos_router::hooks::use_navigate;

use super::state::use_project;
use crate::{
    api::views::{DeleteView, SaveView, list_views},
    components::{
        forms::{field_error, form_error, member_options, priority_options, reset_after_success},
        org_form::OrgActionForm,
        toast::use_toasts,
    },
    model::{
        AssigneeFilter, Label, Member, SortDir, StatusFilter, TaskQuery, TaskSort, listing::PAGE_SIZES,
        task::format_date,
    },
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
                let labels_for_chips = labels.clone();
                let assignee = query.assignee.map(String::from).unwrap_or_default();
                let assignee_user = match query.assignee {
                    Some(AssigneeFilter::User(user)) => Some(user),
                    _ => None,
                };
                let label = query.label.map(|l| l.to_string()).unwrap_or_default();
                let active = active_filters(&query, &members, &labels_for_chips);
                let more = active.iter().filter(|chip| chip.param != "q").count();
                view! {
                    <form method="get" on:submit=on_submit.clone() class="mt-3">
                        <input type="hidden" name="status" value=query.status.as_str() />
                        <div class="flex flex-wrap items-end gap-2">
                            <div class="min-w-0 flex-1 basis-48">
                                <label for="filter-q" class=LABEL>"Search"</label>
                                <input id="filter-q" type="search" name="q" value=query.q.clone() class=FIELD placeholder="Title or description" />
                            </div>
                            <button type="submit" class="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700">
                                "Apply"
                            </button>
                        </div>
                        // The rest behind one button: the list comes first.
                        <details class="mt-2">
                            <summary class="btn inline-flex cursor-pointer list-none items-center gap-1">
                                "Filters and sorting"
                                {(more > 0).then(|| view! { <span class="chip chip-indigo">{more}</span> })}
                            </summary>
                            <div class="mt-2 grid grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-slate-50 p-3 md:grid-cols-4 xl:grid-cols-6">
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
                                <div class="flex items-end">
                                    <button type="submit" class="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700">
                                        "Apply"
                                    </button>
                                </div>
                            </div>
                        </details>
                    </form>
                    <FilterChips chips=active />
                }
            }}
            <SavedViews />
        </section>
    }
}

/// One active filter, shown as a chip that removes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterChip {
    /// The URL parameter it stands for.
    pub param: &'static str,
    /// What people read: "Assignee: Mo Member".
    pub text: String,
    /// The list without it (first page).
    pub without: TaskQuery,
}

/// The filters `query` applies beyond the defaults, each with the query
/// that drops it; sort and order count when they differ from the default.
pub fn active_filters(query: &TaskQuery, members: &[Member], labels: &[Label]) -> Vec<FilterChip> {
    let base = query.first_page();
    let defaults = TaskQuery::default();
    let mut chips = Vec::new();
    let mut chip = |param: &'static str, text: String, clear: &dyn Fn(&mut TaskQuery)| {
        let mut without = base.clone();
        clear(&mut without);
        chips.push(FilterChip { param, text, without });
    };
    if !query.q.is_empty() {
        chip("q", format!("Search: {}", query.q), &|q| q.q.clear());
    }
    if let Some(assignee) = query.assignee {
        let name = match assignee {
            AssigneeFilter::Me => "Me".to_owned(),
            AssigneeFilter::Nobody => "Nobody".to_owned(),
            AssigneeFilter::User(id) => members
                .iter()
                .find(|m| m.user_id == id)
                .map_or_else(|| "a former member".to_owned(), |m| m.display_name.clone()),
        };
        chip("assignee", format!("Assignee: {name}"), &|q| q.assignee = None);
    }
    if let Some(label) = query.label {
        let name = labels.iter().find(|l| l.id == label).map_or_else(|| "removed".to_owned(), |l| l.name.clone());
        chip("label", format!("Label: {name}"), &|q| q.label = None);
    }
    if let Some(priority) = query.priority {
        chip("priority", format!("Priority: {}", priority.label()), &|q| q.priority = None);
    }
    if query.overdue {
        chip("overdue", "Overdue".to_owned(), &|q| q.overdue = false);
    }
    if let Some(day) = query.due_after {
        chip("due_after", format!("Due from {}", format_date(day)), &|q| q.due_after = None);
    }
    if let Some(day) = query.due_before {
        chip("due_before", format!("Due by {}", format_date(day)), &|q| q.due_before = None);
    }
    if query.sort != defaults.sort || query.dir != defaults.dir {
        let order = if query.dir == SortDir::Asc { "ascending" } else { "descending" };
        chip("sort", format!("Sorted by {}, {order}", query.sort.label().to_lowercase()), &|q| {
            q.sort = defaults.sort;
            q.dir = defaults.dir;
        });
    }
    chips
}

/// The active filters as removable chips, and a link that clears them all.
#[component]
fn FilterChips(chips: Vec<FilterChip>) -> impl IntoView {
    let state = use_project();
    if chips.is_empty() {
        return ().into_any();
    }
    let clear_all = state.href(&TaskQuery { status: state.query.get_untracked().status, ..TaskQuery::default() }, None);
    view! {
        <ul aria-label="Active filters" class="mt-2 flex flex-wrap items-center gap-2">
            {chips
                .into_iter()
                .map(|chip| {
                    view! {
                        <li>
                            <a
                                href=state.href(&chip.without, None)
                                aria-label=format!("Remove filter {}", chip.text)
                                class="chip chip-indigo gap-1 hover:bg-indigo-200"
                            >
                                {chip.text.clone()}
                                <span aria-hidden="true">"✕"</span>
                            </a>
                        </li>
                    }
                })
                .collect_view()}
            <li>
                <a href=clear_all class="text-sm text-slate-600 hover:underline">"Clear all"</a>
            </li>
        </ul>
    }
    .into_any()
}

/// The project's saved views (shared, and the reader's own) as links, and
/// a form that saves the list as it is now.
#[component]
fn SavedViews() -> impl IntoView {
    let state = use_project();
    let save = ServerAction::<SaveView>::new();
    let delete = ServerAction::<DeleteView>::new();
    let views = Resource::new(
        move || (state.org.slug.get(), state.project_id.get(), save.version().get(), delete.version().get()),
        |(slug, project, _, _)| list_views(slug, project),
    );
    let form = NodeRef::<leptos::html::Form>::new();
    let disclosure = NodeRef::<leptos::html::Details>::new();
    reset_after_success(save, form);
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(view)) = save.value().get() {
            if let Some(toasts) = toasts {
                toasts.show(format!("Saved the view “{}”.", view.name));
            }
            if let Some(disclosure) = disclosure.get() {
                disclosure.set_open(false);
            }
        }
    });
    let current = move || state.query.get().first_page().to_query_string();
    let can_share = move || state.org.can(crate::model::Action::EditTasks);
    // As `delete_view` allows: one's own views, and shared ones for those
    // who manage the organization's settings.
    let may_delete_shared = move || state.org.can_untracked(crate::model::Action::ManageSettings);
    view! {
        <div class="mt-3 flex flex-wrap items-start gap-2">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let items = views.await.unwrap_or_default();
                    (!items.is_empty())
                        .then(|| {
                            view! {
                                <nav aria-label="Saved views">
                                    <ul class="flex flex-wrap items-center gap-2">
                                        {items
                                            .into_iter()
                                            .map(|view| {
                                                let href = format!(
                                                    "{}{}",
                                                    state.href(&TaskQuery::default(), None),
                                                    view.query,
                                                );
                                                let query = view.query.clone();
                                                let title = if view.shared {
                                                    format!("Shared by {}", view.created_by.clone().unwrap_or_else(|| "a former member".into()))
                                                } else {
                                                    "Only you see this view".to_owned()
                                                };
                                                view! {
                                                    <li class="chip chip-gray gap-1">
                                                        <a
                                                            href=href
                                                            title=title
                                                            aria-current=move || (current() == query).then_some("page")
                                                            class="hover:underline aria-[current=page]:font-bold"
                                                        >
                                                            {view.name.clone()}
                                                            {(!view.shared).then(|| view! { <span class="sr-only">" (private)"</span> })}
                                                        </a>
                                                        {(view.mine || (view.shared && may_delete_shared()))
                                                            .then(|| {
                                                                view! {
                                                                    <OrgActionForm action=delete attr:class="inline">
                                                                        <input type="hidden" name="view" value=view.id.to_string() />
                                                                        <button
                                                                            type="submit"
                                                                            aria-label=format!("Delete view {}", view.name)
                                                                            class="opacity-70 hover:opacity-100"
                                                                        >
                                                                            "✕"
                                                                        </button>
                                                                    </OrgActionForm>
                                                                }
                                                            })}
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                </nav>
                            }
                        })
                })}
            </Transition>
            <details node_ref=disclosure class="relative">
                <summary class="btn cursor-pointer list-none">"Save view"</summary>
                <OrgActionForm
                    action=save
                    node_ref=form
                    attr:class="absolute left-0 z-20 mt-1 w-72 max-w-[calc(100vw-2rem)] space-y-2 rounded-lg border border-slate-200 bg-white p-3 shadow-lg"
                >
                    <input type="hidden" name="project" value=move || state.project_id.get() />
                    <input type="hidden" name="query" value=current />
                    <div>
                        <label for="view-name" class=LABEL>"Name of this list"</label>
                        <input
                            id="view-name"
                            name="name"
                            class=FIELD
                            aria-describedby="view-name-error"
                            aria-invalid=move || field_error(save, "name").get().is_some().to_string()
                        />
                        <p id="view-name-error" class="text-xs text-red-700">
                            {move || field_error(save, "name").get().or_else(|| field_error(save, "query").get())}
                        </p>
                    </div>
                    <Show when=can_share>
                        <div class="flex items-center gap-2">
                            <input id="view-shared" type="checkbox" name="shared" value="on" class="h-4 w-4" />
                            <label for="view-shared" class="text-sm text-slate-700">"Share with the organization"</label>
                        </div>
                    </Show>
                    <p class="text-xs text-red-700">{move || form_error(save).get()}</p>
                    <button type="submit" class="btn" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { "Saving…" } else { "Save" }}
                    </button>
                </OrgActionForm>
            </details>
        </div>
    }
}
