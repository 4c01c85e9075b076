//! The panel of one task (`?task={id}`): every field, editable by Members
//! in an active project, read-only otherwise.

use leptos::{html, prelude::*};

use super::state::use_project;
use crate::{
    api::{draft::form_draft, tasks::get_task},
    components::{
        forms::{FormError, field_error, form_error, member_options, priority_options},
        live::{discard_edits, use_changes},
        org_form::OrgActionForm,
    },
    model::{Task, TaskDescription, TaskTitle, task::format_date},
};

const FIELD: &str =
    "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm disabled:bg-slate-50";
const LABEL: &str = "block text-sm font-medium text-slate-700";

/// The panel's element id: a change to its task by someone else waits
/// while the person edits here.
const PANEL: &str = "task-panel";

#[component]
pub fn TaskPanel() -> impl IntoView {
    let state = use_project();
    // Bumped to read the task again after someone else changed it. The
    // person's own saves read it again already.
    let theirs = RwSignal::new(0_u32);
    let held = use_changes().on(
        move |change| {
            let me = state.org.shell.get_untracked().and_then(Result::ok).map(|shell| shell.user.id.to_string());
            change.is(&["task."])
                && Some(change.resource_id.as_str()) == open_id(state).as_deref()
                && change.actor_id != me
        },
        Some(PANEL),
        move || theirs.update(|n| *n += 1),
    );
    let task = Resource::new(
        move || {
            let changes =
                (state.update.version().get(), state.patch.version().get(), state.done.version().get(), theirs.get());
            (state.org.slug.get(), state.open_task.get(), changes)
        },
        |(slug, id, _)| async move {
            match id {
                Some(id) => get_task(slug, id.to_string()).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let close = move || state.href(&state.query.get(), None);
    view! {
        // A side panel from `md` up; a full-screen sheet on phones.
        <aside
            id=PANEL
            aria-label="Task details"
            class="w-[26rem] shrink-0 rounded-lg border border-slate-200 bg-white p-5 shadow-sm max-md:fixed max-md:inset-0 \
                   max-md:z-40 max-md:w-auto max-md:overflow-y-auto max-md:rounded-none max-md:border-0"
        >
            <div class="flex items-center justify-between">
                <h2 class="text-base font-semibold text-slate-900">"Task"</h2>
                <a href=close aria-label="Close task details" class="text-slate-500 hover:text-slate-900">"✕"</a>
            </div>
            <Show when=move || held.get()>
                <div role="status" class="mt-3 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
                    "Someone else changed this task while you were editing it. Saving keeps your version; "
                    <button
                        type="button"
                        class="font-medium underline"
                        on:click=move |_| {
                            discard_edits(PANEL);
                            theirs.update(|n| *n += 1);
                        }
                    >
                        "discard your edits"
                    </button>
                    " to see theirs."
                </div>
            </Show>
            <Transition fallback=|| view! { <p class="mt-4 text-sm text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match task.await {
                        Ok(Some(task)) => view! { <TaskForm task /> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(error) => view! { <p role="alert" class="mt-4 text-sm text-red-700">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </aside>
    }
}

#[component]
fn TaskForm(task: Task) -> impl IntoView {
    let state = use_project();
    let update = state.update;
    let writable = state.writable_untracked();
    let data = state.data.get_untracked().and_then(Result::ok);
    let members = data.as_ref().map(|d| d.members.clone()).unwrap_or_default();
    // After a failed save without JavaScript, the form shows what was sent
    // rather than what is stored.
    let task_id = task.id.to_string();
    let draft = form_draft(update).filter(|draft| draft.value("task") == Some(task_id.as_str()));
    let typed = |name: &str| draft.as_ref().map(|draft| draft.value(name).unwrap_or_default().to_owned());
    // Each label of the organization, and whether this task has it (or was
    // sent with it).
    let labels: Vec<_> = data
        .as_ref()
        .map(|d| d.labels.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|label| {
            let has = match &draft {
                Some(draft) => draft.values("labels[]").any(|id| id == label.id.to_string()),
                None => task.labels.iter().any(|l| l.id == label.id),
            };
            (label, has)
        })
        .collect();
    let cycles = state.cycles.get_untracked().and_then(Result::ok).unwrap_or_default();
    let title_input = NodeRef::<html::Input>::new();

    // The `e` shortcut asked for the title field.
    Effect::new(move |_| {
        if state.focus_title.get()
            && let Some(input) = title_input.get()
        {
            let _ = input.focus();
            state.focus_title.set(false);
        }
    });

    let assignee = match typed("assignee") {
        Some(sent) => sent.parse().ok(),
        None => task.assignee.as_ref().map(|a| a.id),
    };
    let cycle_id = match typed("cycle") {
        Some(sent) => sent.parse().ok(),
        None => task.cycle_id,
    };
    let priority = typed("priority").and_then(|sent| sent.parse().ok()).unwrap_or(task.priority);
    let title = typed("title").unwrap_or_else(|| task.title.clone());
    let description = typed("description").unwrap_or_else(|| task.description.clone());
    let due_on = typed("due_on").unwrap_or_else(|| task.due_on.map(format_date).unwrap_or_default());
    view! {
        <OrgActionForm action=update attr:class="mt-4 space-y-4">
            <input type="hidden" name="task" value=task.id.to_string() />
            <fieldset disabled=!writable class="space-y-4">
                <div>
                    <label for="task-title" class=LABEL>"Title"</label>
                    <input
                        id="task-title"
                        node_ref=title_input
                        name="title"
                        value=title
                        required=true
                        maxlength=TaskTitle::MAX_LEN
                        aria-describedby="task-title-error"
                        aria-invalid=move || field_error(update, "title").with(Option::is_some).to_string()
                        class=FIELD
                    />
                    <p id="task-title-error" class="text-xs text-red-700">{move || field_error(update, "title").get()}</p>
                </div>
                <div>
                    <label for="task-description" class=LABEL>"Description"</label>
                    <textarea
                        id="task-description"
                        name="description"
                        rows="5"
                        maxlength=TaskDescription::MAX_LEN
                        aria-describedby="task-description-error"
                        class=FIELD
                    >
                        {description}
                    </textarea>
                    <p id="task-description-error" class="text-xs text-red-700">
                        {move || field_error(update, "description").get()}
                    </p>
                </div>
                <div class="grid grid-cols-2 gap-3">
                    <div>
                        <label for="task-priority" class=LABEL>"Priority"</label>
                        <select id="task-priority" name="priority" class=FIELD>
                            {priority_options(Some(priority))}
                        </select>
                    </div>
                    <div>
                        <label for="task-due" class=LABEL>"Due date"</label>
                        <input
                            id="task-due"
                            type="date"
                            name="due_on"
                            value=due_on
                            aria-describedby="task-due-error"
                            class=FIELD
                        />
                        <p id="task-due-error" class="text-xs text-red-700">{move || field_error(update, "due_on").get()}</p>
                    </div>
                    <div>
                        <label for="task-assignee" class=LABEL>"Assignee"</label>
                        <select id="task-assignee" name="assignee" class=FIELD>
                            <option value="" selected=assignee.is_none()>"Unassigned"</option>
                            {member_options(&members, assignee)}
                        </select>
                    </div>
                    <div>
                        <label for="task-cycle" class=LABEL>"Cycle"</label>
                        <select id="task-cycle" name="cycle" class=FIELD>
                            <option value="" selected=cycle_id.is_none()>"No cycle"</option>
                            {cycles
                                .into_iter()
                                .map(|c| view! { <option value=c.id.to_string() selected=cycle_id == Some(c.id)>{c.name}</option> })
                                .collect_view()}
                        </select>
                        <p class="text-xs text-red-700">{move || field_error(update, "cycle").get()}</p>
                    </div>
                </div>
                <fieldset>
                    <legend class=LABEL>"Labels"</legend>
                    {if labels.is_empty() {
                        view! { <p class="mt-1 text-xs text-slate-500">"No labels yet: add them on the Projects page."</p> }.into_any()
                    } else {
                        view! {
                            <div class="mt-1 flex flex-wrap gap-3">
                                {labels
                                    .into_iter()
                                    .map(|(l, has)| {
                                        let input_id = format!("task-label-{}", l.id);
                                        let label_for = input_id.clone();
                                        view! {
                                            <label for=label_for class="flex items-center gap-1 text-sm text-slate-700">
                                                <input id=input_id type="checkbox" name="labels[]" value=l.id.to_string() checked=has />
                                                {l.name}
                                            </label>
                                        }
                                    })
                                    .collect_view()}
                            </div>
                        }
                            .into_any()
                    }}
                </fieldset>
                {writable
                    .then(|| {
                        view! {
                            <button
                                type="submit"
                                disabled=move || update.pending().get()
                                class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500 \
                                       disabled:cursor-wait disabled:opacity-70"
                            >
                                {move || if update.pending().get() { "Saving…" } else { "Save task" }}
                            </button>
                        }
                    })}
            </fieldset>
        </OrgActionForm>
        <FormError message=form_error(update) />
        <p class="mt-4 text-xs text-slate-500">
            {task.completed_at.map(|_| "Completed. ")}
            "Press " <kbd>"Esc"</kbd> " to close."
        </p>
    }
}

/// The open task's id, untracked (for matching changes).
fn open_id(state: super::state::ProjectState) -> Option<String> {
    state.open_task.get_untracked().map(|id| id.to_string())
}
