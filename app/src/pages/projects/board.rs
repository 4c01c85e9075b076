//! The task list: quick add, the bulk bar, and the table.

use leptos::{ev, prelude::*};

use super::{
    shortcuts::install_shortcuts,
    state::{ProjectState, TASK_LIST, use_project},
};
use crate::{
    api::{
        draft::typed_values,
        tasks::{BulkUpdateTasks, CreateTask, PatchTask, TaskField},
    },
    components::{
        confirm::ConfirmButton,
        forms::{FormError, field_error, form_error, member_options, priority_options, reset_after_success},
        labels::LabelChip,
        org::org_href,
        org_form::OrgActionForm,
        pagination::CursorPager,
    },
    model::{Action, Page, StatusFilter, TaskId, TaskItem, TaskQuery, TaskTitle, task::format_date},
};

/// Component classes (`style/main.css`).
const SMALL_FIELD: &str = "field-inline";
const BUTTON: &str = "btn";
/// A button whose action deletes: red, so it is not taken for another.
const DANGER_BUTTON: &str = "btn-danger";

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
        <div id=TASK_LIST>
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
        </div>
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
        <OrgActionForm
            action=create
            node_ref=form
            attr:class="mt-6 flex flex-wrap items-start gap-2 rounded-lg border border-slate-200 bg-white p-3"
            attr:aria-label="New task"
        >
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
            <button
                type="submit"
                disabled=move || create.pending().get()
                class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-500 \
                       disabled:cursor-wait disabled:opacity-70"
            >
                "Add task"
            </button>
        </OrgActionForm>
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
    let purge_question = Signal::derive(move || {
        let count = count();
        let tasks = if count == 1 { "task" } else { "tasks" };
        format!("Delete {count} selected {tasks} for good? This cannot be undone.")
    });
    view! {
        <OrgActionForm
            action=bulk
            attr:id="bulk"
            attr:aria-label="Bulk actions"
            attr:class="mt-3 flex flex-wrap items-center gap-2 text-sm"
        >
            <span class="mr-2 text-slate-600" aria-live="polite">{move || format!("{} selected", count())}</span>
            <Show when=in_trash>
                <button type="submit" name="action" value="restore" class=BUTTON>"Restore"</button>
                <Show when=move || state.org.can(Action::PurgeTasks)>
                    <ConfirmButton
                        label="Delete forever"
                        question=purge_question
                        confirm="Delete forever"
                        name="action"
                        value="purge"
                        class=DANGER_BUTTON
                    />
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
        </OrgActionForm>
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
    view! {
        <OrgActionForm action=empty attr:class="mt-2">
            <input type="hidden" name="project" value=move || state.project_id.get() />
            <ConfirmButton
                label="Empty trash"
                question="Delete every task in the trash for good? This cannot be undone.".to_owned()
                confirm="Empty trash"
                class=DANGER_BUTTON
            />
        </OrgActionForm>
        <FormError message=form_error(empty) />
    }
}

/// What an empty list means, and what to do next: clear the filters, or
/// add (or import) a task.
#[component]
fn EmptyList() -> impl IntoView {
    let state = use_project();
    let query = state.query.get_untracked();
    let unfiltered = TaskQuery { status: query.status, ..TaskQuery::default() };
    let import = org_href(&state.slug(), &format!("/projects/{}/import", state.project_id.get_untracked()));
    let link = "font-medium text-indigo-700 hover:underline";
    let message = if query.first_page() != unfiltered {
        let clear = state.href(&unfiltered, None);
        view! {
            <p>
                "No tasks match these filters. "
                <a href=clear class=link>"Clear the filters"</a>
            </p>
        }
        .into_any()
    } else {
        match query.status {
            StatusFilter::Trash => {
                view! { <p>"The trash is empty. Deleted tasks stay here for 30 days."</p> }.into_any()
            }
            StatusFilter::Done => view! { <p>"No task is done yet."</p> }.into_any(),
            StatusFilter::Open | StatusFilter::All => view! {
                <p>
                    {if query.status == StatusFilter::Open { "No open tasks. " } else { "No tasks yet. " }}
                    "Add one with the line above, or "
                    <a href=import class=link>"import a CSV"</a>
                    "."
                </p>
            }
            .into_any(),
        }
    };
    view! { <div class="mt-6 rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-600">{message}</div> }
}

#[component]
fn TaskTable(page: Page<TaskItem>) -> impl IntoView {
    let state = use_project();
    let ids: Vec<_> = page.items.iter().map(|t| t.id).collect();
    if page.items.is_empty() {
        return view! { <EmptyList /> }.into_any();
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
    let cursor = |id: &Option<String>| id.as_deref().and_then(|id| id.parse::<TaskId>().ok());
    let first = (query.after.is_some() || query.before.is_some() || query.offset > 0)
        .then(|| state.href(&query.first_page(), None));
    let previous = cursor(&page.previous).map(|id| state.href(&query.page_before(id), None));
    let next = cursor(&page.next).map(|id| state.href(&query.page_after(id), None));
    let done = state.done;
    view! {
        // The rows' done toggles submit these two forms (through their
        // `form` attribute), so a row carries a button, not a form.
        <OrgActionForm action=done attr:id="complete" attr:class="hidden">
            <input type="hidden" name="done" value="true" />
        </OrgActionForm>
        <OrgActionForm action=done attr:id="reopen" attr:class="hidden">
            <input type="hidden" name="done" value="false" />
        </OrgActionForm>
        // The words the rows' controls are named with, before each row's
        // title (`aria-labelledby`): "Select <title>", "Complete <title>".
        <span hidden id="l-select">"Select"</span>
        <span hidden id="l-complete">"Complete"</span>
        <span hidden id="l-reopen">"Reopen"</span>
        <table class="tasks" aria-label="Tasks">
            <thead>
                <tr>
                    <th scope="col" class="w-8">
                        <input type="checkbox" aria-label="Select all tasks on this page" prop:checked=all_ticked.clone() on:change=tick_all />
                    </th>
                    <th scope="col" class="w-8"><span class="sr-only">"Done"</span></th>
                    <th scope="col">"Title"</th>
                    <th scope="col">"Priority"</th>
                    <th scope="col">"Assignee"</th>
                    <th scope="col">"Due"</th>
                    <th scope="col">"Labels"</th>
                </tr>
            </thead>
            <tbody>
                {page.items.iter().cloned().enumerate().map(|(index, task)| view! { <TaskRow task index /> }).collect_view()}
            </tbody>
        </table>
        <CursorPager shown=page.items.len() total=page.total_label() noun="tasks" first previous next />
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

/// One task's row. Kept small: the page repeats it fifty times and ships
/// it twice (as HTML, and as the data it hydrates from). The priority and
/// assignee are text on the server; once the page is live, where the
/// member may edit them, they become selects that change the task in
/// place (without JavaScript, the task's panel edits them). Its cells
/// carry no classes: `style/main.css` styles them by position (checkbox,
/// done toggle, title, priority, assignee, due date, labels), and a done
/// title or an overdue date by a data attribute, which, unlike a class,
/// Leptos leaves out when unset.
#[component]
fn TaskRow(task: TaskItem, index: usize) -> impl IntoView {
    let state = use_project();
    let id = task.id;
    let trashed = task.is_trashed();
    let writable = state.writable_untracked() && !trashed;
    let done = task.is_done();
    let today = state.data.get_untracked().and_then(Result::ok).map(|d| d.today);
    let overdue = today.is_some_and(|today| task.is_overdue(today));
    let title = StoredValue::new(task.title.clone());
    // The title's element id: the rows' controls are named after it.
    let title_id = format!("t{index}");
    let done_label = format!("{} {title_id}", if done { "l-reopen" } else { "l-complete" });

    let toggle_selected = move |_| {
        state.selected.update(|s| {
            if !s.remove(&id) {
                s.insert(id);
            }
        })
    };
    let priority = task.priority;
    let assignee = task.assignee.clone();
    let live = state.live;
    let priority_cell = move || {
        if live.get() && writable {
            let set_priority = patch_on_change(state, id, TaskField::Priority);
            view! {
                <select aria-label=format!("Priority of {}", title.get_value()) on:change=set_priority>
                    {priority_options(Some(priority))}
                </select>
            }
            .into_any()
        } else {
            priority.label().into_any()
        }
    };
    let assignee_cell = move || {
        let assignee = assignee.clone();
        if live.get() && writable {
            let set_assignee = patch_on_change(state, id, TaskField::Assignee);
            let members = state.data.get_untracked().and_then(Result::ok).map(|d| d.members).unwrap_or_default();
            let selected = assignee.map(|a| a.id);
            view! {
                <select aria-label=format!("Assignee of {}", title.get_value()) on:change=set_assignee>
                    <option value="" selected=selected.is_none()>"Unassigned"</option>
                    {member_options(&members, selected)}
                </select>
            }
            .into_any()
        } else {
            // Nothing (not an empty string) when unassigned: the cell is
            // then `:empty`, which the phone's layout hides.
            assignee.map(|a| a.display_name).into_any()
        }
    };

    view! {
        <tr data-cursor=move || (state.cursor.get() == Some(index)).then_some("true")>
            <td>
                <input
                    type="checkbox"
                    form="bulk"
                    name="ids[]"
                    value=id.to_string()
                    aria-labelledby=format!("l-select {title_id}")
                    prop:checked=move || state.selected.with(|s| s.contains(&id))
                    on:change=toggle_selected
                />
            </td>
            <td>
                {if writable {
                    view! {
                        // A button's type is `submit` by default.
                        <button
                            form=if done { "reopen" } else { "complete" }
                            name="task"
                            value=id.to_string()
                            aria-labelledby=done_label
                            aria-pressed=done.to_string()
                        >
                            {done.then_some("✓")}
                        </button>
                    }
                        .into_any()
                } else {
                    view! { <span class="state">{if done { "Done" } else { "Open" }}</span> }.into_any()
                }}
            </td>
            <td>
                {if trashed {
                    view! { <span id=title_id.clone()>{task.title.clone()}</span> }.into_any()
                } else {
                    // Relative: the same page, its list, and this task's panel.
                    let mut panel_href = state.query.get_untracked().to_query_string();
                    panel_href.push(if panel_href.is_empty() { '?' } else { '&' });
                    panel_href.push_str(&format!("task={id}"));
                    view! {
                        <a id=title_id.clone() href=panel_href data-done=done.then_some("")>
                            {task.title.clone()}
                        </a>
                    }
                        .into_any()
                }}
            </td>
            <td>{priority_cell}</td>
            <td>{assignee_cell}</td>
            <td data-overdue=overdue.then_some("")>
                {task.due_on.map(format_date)}
                {overdue.then(|| view! { <span class="sr-only">" (overdue)"</span> })}
            </td>
            <td>
                {(!task.labels.is_empty())
                    .then(|| {
                        view! {
                            <span class="labels">
                                {task.labels.into_iter().map(|l| view! { <LabelChip name=l.name color=l.color /> }).collect_view()}
                            </span>
                        }
                    })}
            </td>
        </tr>
    }
}
