//! The task list: quick add, the bulk bar, and the table.

use leptos::{ev, prelude::*};

use super::{
    detail::{ProjectState, use_project},
    shortcuts::install_shortcuts,
};
use crate::{
    api::{
        draft::typed_values,
        tasks::{BulkUpdateTasks, CreateTask, PatchTask, TaskField},
    },
    components::{
        forms::{FormError, field_error, form_error, member_options, priority_options, reset_after_success},
        labels::LabelChip,
        pagination::Pager,
    },
    model::{Action, Page, StatusFilter, Task, TaskId, TaskTitle, task::format_date},
};

const SMALL_FIELD: &str = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm";
const BUTTON: &str =
    "rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm text-slate-700 hover:bg-slate-50";
/// A button whose action deletes: red, so it is not taken for another.
const DANGER_BUTTON: &str =
    "rounded-md border border-red-300 bg-white px-2.5 py-1.5 text-sm text-red-700 hover:bg-red-50";

#[component]
pub fn TaskBoard() -> impl IntoView {
    let state = use_project();
    install_shortcuts(state);
    view! {
        <Show when=move || state.writable() && state.query.get().status != StatusFilter::Trash>
            <QuickAdd />
        </Show>
        <Show when=move || state.writable()>
            <BulkBar />
        </Show>
        <Show when=move || {
            state.writable() && state.query.get().status == StatusFilter::Trash && state.org.can(Action::PurgeTasks)
        }>
            <EmptyTrash />
        </Show>
        <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading tasks…"</p> }>
            {move || Suspend::new(async move {
                match state.tasks.await {
                    Ok(page) => view! { <TaskTable page /> }.into_any(),
                    Err(error) => {
                        view! {
                            <p role="alert" class="mt-6 text-sm text-red-700">
                                {error.to_string()}
                            </p>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// One line to add a task: title, and optionally priority, due date and
/// assignee. The rest is in the task's panel. `c` focuses the title.
#[component]
fn QuickAdd() -> impl IntoView {
    let state = use_project();
    let create: ServerAction<CreateTask> = state.create;
    let form = NodeRef::<leptos::html::Form>::new();
    reset_after_success(create, form);
    let typed = typed_values(create);
    let typed_priority = typed("priority").and_then(|p| p.parse().ok());
    let typed_assignee = typed("assignee").and_then(|a| a.parse().ok());
    let members = move || state.data.get().and_then(Result::ok).map(|d| d.members).unwrap_or_default();
    view! {
        <ActionForm
            action=create
            node_ref=form
            attr:class="mt-6 flex flex-wrap items-start gap-2 rounded-lg border border-slate-200 bg-white p-3"
            attr:aria-label="New task"
        >
            <input type="hidden" name="org" value=move || state.org.slug.get() />
            <input type="hidden" name="project" value=move || state.project_id.get() />
            <div class="min-w-64 flex-1">
                <label for="new-task-title" class="sr-only">"New task title"</label>
                <input
                    id="new-task-title"
                    node_ref=state.quick_add
                    name="title"
                    value=typed("title")
                    required=true
                    maxlength=TaskTitle::MAX_LEN
                    placeholder="Add a task… (press c)"
                    aria-describedby="new-task-title-error"
                    aria-invalid=move || field_error(create, "title").with(Option::is_some).to_string()
                    class="w-full rounded-md border border-slate-300 px-3 py-1.5 text-sm"
                />
                <p id="new-task-title-error" class="text-xs text-red-700">{move || field_error(create, "title").get()}</p>
            </div>
            <label class="sr-only" for="new-task-priority">"Priority"</label>
            <select id="new-task-priority" name="priority" class=SMALL_FIELD>
                {priority_options(typed_priority)}
            </select>
            <label class="sr-only" for="new-task-due">"Due date"</label>
            <input id="new-task-due" type="date" name="due_on" value=typed("due_on") class=SMALL_FIELD />
            <label class="sr-only" for="new-task-assignee">"Assignee"</label>
            <select id="new-task-assignee" name="assignee" class=SMALL_FIELD>
                <option value="">"Unassigned"</option>
                {move || member_options(&members(), typed_assignee)}
            </select>
            <button type="submit" class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-500">
                "Add task"
            </button>
        </ActionForm>
        <p class="text-xs text-red-700">{move || field_error(create, "due_on").get()}</p>
        <FormError message=form_error(create) />
    }
}

/// Actions on the ticked tasks. The row checkboxes belong to this form
/// through their `form` attribute, so it also works without JavaScript.
#[component]
fn BulkBar() -> impl IntoView {
    let state = use_project();
    let bulk: ServerAction<BulkUpdateTasks> = state.bulk;
    let count = move || state.selected.with(|s| s.len());
    let data = move || state.data.get().and_then(Result::ok);
    let in_trash = move || state.query.get().status == StatusFilter::Trash;
    let confirm_purge = move |event: ev::MouseEvent| {
        let message = format!("Delete {} selected task(s) for good? This cannot be undone.", count());
        if !window().confirm_with_message(&message).unwrap_or(false) {
            event.prevent_default();
        }
    };
    view! {
        <ActionForm
            action=bulk
            attr:id="bulk-form"
            attr:aria-label="Bulk actions"
            attr:class="mt-3 flex flex-wrap items-center gap-2 text-sm"
        >
            <input type="hidden" name="org" value=move || state.org.slug.get() />
            <span class="mr-2 text-slate-600" aria-live="polite">{move || format!("{} selected", count())}</span>
            <Show when=in_trash>
                <button type="submit" name="action" value="restore" class=BUTTON>"Restore"</button>
                <Show when=move || state.org.can(Action::PurgeTasks)>
                    <button type="submit" name="action" value="purge" class=DANGER_BUTTON on:click=confirm_purge>
                        "Delete forever"
                    </button>
                </Show>
            </Show>
            <Show when=move || !in_trash()>
            <button type="submit" name="action" value="complete" class=BUTTON>"Complete"</button>
            <button type="submit" name="action" value="reopen" class=BUTTON>"Reopen"</button>
            <label class="sr-only" for="bulk-assignee">"Assign selected to"</label>
            <select id="bulk-assignee" name="assignee" class=SMALL_FIELD>
                <option value="">"Nobody"</option>
                {move || member_options(&data().map(|d| d.members).unwrap_or_default(), None)}
            </select>
            <button type="submit" name="action" value="assign" class=BUTTON>"Assign"</button>
            <label class="sr-only" for="bulk-project">"Move selected to"</label>
            <select id="bulk-project" name="project" class=SMALL_FIELD>
                <option value="">"Move to…"</option>
                {move || {
                    let current = state.project_id.get();
                    data()
                        .map(|d| d.projects)
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|p| p.id.to_string() != current && p.archived_at.is_none())
                        .map(|p| view! { <option value=p.id.to_string()>{p.name}</option> })
                        .collect_view()
                }}
            </select>
            <button type="submit" name="action" value="move" class=BUTTON>"Move"</button>
            <button type="submit" name="action" value="trash" class=DANGER_BUTTON>
                "Delete"
            </button>
            </Show>
        </ActionForm>
        <p class="text-xs text-red-700">
            {move || field_error(bulk, "ids").get().or_else(|| field_error(bulk, "project").get())}
        </p>
        <FormError message=form_error(bulk) />
    }
}

/// Deletes every task in this project's trash for good (Admins and
/// Owners), after a confirmation.
#[component]
fn EmptyTrash() -> impl IntoView {
    let state = use_project();
    let empty = state.empty_trash;
    let confirm = move |event: ev::MouseEvent| {
        if !window().confirm_with_message("Delete every task in the trash for good?").unwrap_or(false) {
            event.prevent_default();
        }
    };
    view! {
        <ActionForm action=empty attr:class="mt-2">
            <input type="hidden" name="org" value=move || state.org.slug.get() />
            <input type="hidden" name="project" value=move || state.project_id.get() />
            <button type="submit" class=DANGER_BUTTON on:click=confirm>"Empty trash"</button>
        </ActionForm>
        <FormError message=form_error(empty) />
    }
}

#[component]
fn TaskTable(page: Page<Task>) -> impl IntoView {
    let state = use_project();
    let ids: Vec<_> = page.items.iter().map(|t| t.id).collect();
    if page.items.is_empty() {
        return view! { <p class="mt-6 text-sm text-slate-500">"No tasks match."</p> }.into_any();
    }
    let all_ticked = {
        let ids = ids.clone();
        move || state.selected.with(|s| ids.iter().all(|id| s.contains(id)))
    };
    let tick_all = {
        let all_ticked = all_ticked.clone();
        move |_| {
            let select = !all_ticked();
            state.selected.update(|s| {
                for id in &ids {
                    if select {
                        s.insert(*id);
                    } else {
                        s.remove(id);
                    }
                }
            });
        }
    };
    let query = state.query.get_untracked();
    let href = move |offset| state.href(&query.at_offset(offset), None);
    view! {
        <table class="mt-4 w-full text-left text-sm" aria-label="Tasks">
            <thead class="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
                <tr>
                    <th scope="col" class="w-8 py-2">
                        <input type="checkbox" aria-label="Select all tasks on this page" prop:checked=all_ticked.clone() on:change=tick_all />
                    </th>
                    <th scope="col" class="w-8 py-2"><span class="sr-only">"Done"</span></th>
                    <th scope="col" class="py-2 pr-3 font-medium">"Title"</th>
                    <th scope="col" class="py-2 pr-3 font-medium">"Priority"</th>
                    <th scope="col" class="py-2 pr-3 font-medium">"Assignee"</th>
                    <th scope="col" class="py-2 pr-3 font-medium">"Due"</th>
                    <th scope="col" class="py-2 font-medium">"Labels"</th>
                </tr>
            </thead>
            <tbody class="divide-y divide-slate-100">
                {page.items.iter().cloned().enumerate().map(|(index, task)| view! { <TaskRow task index /> }).collect_view()}
            </tbody>
        </table>
        <Pager position=page.position() noun="tasks" href />
    }
    .into_any()
}

/// An inline edit of one field of `task`, dispatched when a row's control
/// changes.
fn patch_on_change(state: ProjectState, task: TaskId, field: TaskField) -> impl Fn(ev::Event) + 'static {
    move |event: ev::Event| {
        state.patch.dispatch(PatchTask {
            org: state.slug(),
            task: task.to_string(),
            field,
            value: event_target_value(&event),
        });
    }
}

#[component]
fn TaskRow(task: Task, index: usize) -> impl IntoView {
    let state = use_project();
    let id = task.id;
    let trashed = task.is_trashed();
    let writable = state.writable_untracked() && !trashed;
    let done = task.is_done();
    let data = state.data.get_untracked().and_then(Result::ok);
    let today = data.as_ref().map(|d| d.today);
    let members = data.as_ref().map(|d| d.members.clone()).unwrap_or_default();
    let overdue = today.is_some_and(|today| task.is_overdue(today));
    let panel_href = state.href(&state.query.get_untracked(), Some(id));
    let title = task.title.clone();
    let done_label = StoredValue::new(format!("{} {title}", if done { "Reopen" } else { "Complete" }));

    let toggle_selected = move |_| {
        state.selected.update(|s| {
            if !s.remove(&id) {
                s.insert(id);
            }
        })
    };
    let set_priority = patch_on_change(state, id, TaskField::Priority);
    let set_assignee = patch_on_change(state, id, TaskField::Assignee);
    let assignee_id = task.assignee.as_ref().map(|a| a.id);

    view! {
        <tr
            data-task=id.to_string()
            data-cursor=move || (state.cursor.get() == Some(index)).to_string()
            class="align-top data-[cursor=true]:bg-indigo-50"
        >
            <td class="py-2">
                <input
                    type="checkbox"
                    form="bulk-form"
                    name="ids[]"
                    value=id.to_string()
                    aria-label=format!("Select {title}")
                    prop:checked=move || state.selected.with(|s| s.contains(&id))
                    on:change=toggle_selected
                />
            </td>
            <td class="py-1.5">
                {if writable {
                    view! {
                        <ActionForm action=state.done>
                            <input type="hidden" name="org" value=state.slug() />
                            <input type="hidden" name="task" value=id.to_string() />
                            <input type="hidden" name="done" value=(!done).to_string() />
                            <button
                                type="submit"
                                aria-label=done_label.get_value()
                                aria-pressed=done.to_string()
                                class="flex h-5 w-5 items-center justify-center rounded-full border border-slate-400 text-xs \
                                       text-white hover:border-indigo-600 aria-pressed:border-green-600 aria-pressed:bg-green-600"
                            >
                                {done.then_some("✓")}
                            </button>
                        </ActionForm>
                    }
                        .into_any()
                } else {
                    view! { <span class="pr-2 text-xs text-slate-500">{if done { "Done" } else { "Open" }}</span> }.into_any()
                }}
            </td>
            <td class="py-2 pr-3">
                {if trashed {
                    view! { <span class="text-slate-600">{task.title.clone()}</span> }.into_any()
                } else {
                    view! {
                        <a
                            href=panel_href
                            class=if done { "text-slate-500 line-through hover:underline" } else { "font-medium text-slate-900 hover:underline" }
                        >
                            {task.title.clone()}
                        </a>
                    }
                        .into_any()
                }}
            </td>
            <td class="py-1.5 pr-3">
                {if writable {
                    view! {
                        <select aria-label=format!("Priority of {title}") class="rounded border-slate-200 bg-transparent text-sm" on:change=set_priority>
                            {priority_options(Some(task.priority))}
                        </select>
                    }
                        .into_any()
                } else {
                    view! { <span>{task.priority.label()}</span> }.into_any()
                }}
            </td>
            <td class="py-1.5 pr-3">
                {if writable {
                    view! {
                        <select aria-label=format!("Assignee of {title}") class="rounded border-slate-200 bg-transparent text-sm" on:change=set_assignee>
                            <option value="" selected=assignee_id.is_none()>"Unassigned"</option>
                            {member_options(&members, assignee_id)}
                        </select>
                    }
                        .into_any()
                } else {
                    view! { <span>{task.assignee.as_ref().map(|a| a.display_name.clone()).unwrap_or_default()}</span> }.into_any()
                }}
            </td>
            <td class=if overdue { "py-2 pr-3 font-medium text-red-700" } else { "py-2 pr-3 text-slate-600" }>
                {task.due_on.map(format_date)}
                {overdue.then(|| view! { <span class="sr-only">" (overdue)"</span> })}
            </td>
            <td class="py-2">
                <span class="flex flex-wrap gap-1">
                    {task.labels.iter().map(|l| view! { <LabelChip name=l.name.clone() color=l.color /> }).collect_view()}
                </span>
            </td>
        </tr>
    }
}
