//! `/o/{org}/projects/{id}`: one project: its cycles and its tasks, listed
//! as the URL says (filters, search, sort, page), with a task panel at
//! `?task={id}`.

use std::collections::HashSet;

use leptos::prelude::*;
use leptos_meta::Title;

use super::{
    board::TaskBoard,
    cycles::CyclesPanel,
    feedback::announce_task_changes,
    shortcuts::ShortcutHelp,
    state::{ProjectState, use_project},
    task_panel::TaskPanel,
    toolbar::Toolbar,
};
use crate::{
    api::projects::{ProjectPage as ProjectPageData, RestoreProject},
    components::{
        errors::PageError,
        forms::FormError,
        org::{org_href, use_org},
        org_form::OrgActionForm,
    },
    model::Action,
    pages::files::tabs::ProjectTabs,
};

#[component]
pub fn ProjectPage() -> impl IntoView {
    let state = ProjectState::from_route();
    let ProjectState { org, data, bulk, .. } = state;
    provide_context(state);

    // Effects run only in the browser, after hydration.
    Effect::new(move |_| state.live.set(true));
    announce_task_changes(state);

    // A bulk action that went through empties the selection.
    Effect::new(move |_| {
        if bulk.value().with(|v| matches!(v, Some(Ok(_)))) {
            state.selected.set(HashSet::new());
        }
    });

    view! {
        // A transition: reading the project again (after someone else
        // changed it) keeps the page up meanwhile.
        <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                org.loaded().await;
                match data.await {
                    Ok(page) if page.project.deleted_at.is_some() => view! { <TrashedProject page /> }.into_any(),
                    Ok(page) => view! { <ProjectBody page /> }.into_any(),
                    Err(error) => view! { <PageError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ProjectBody(page: ProjectPageData) -> impl IntoView {
    let state = use_project();
    let project = page.project;
    let archived = project.archived_at.is_some();
    view! {
        <Title text=format!("{} · Atrium", project.name) />
        <div class="flex gap-6">
            <div class="flex min-w-0 flex-1 flex-col">
                <header>
                    <a
                        href=org_href(&state.slug(), "/projects")
                        class="text-sm text-slate-500 hover:underline"
                    >
                        "← Projects"
                    </a>
                    <h1 class="mt-1 text-2xl font-bold tracking-tight text-slate-900">{project.name.clone()}</h1>
                    <p class="mt-1 max-w-3xl whitespace-pre-line text-sm text-slate-600">{project.description.clone()}</p>
                    <ProjectTabs slug=state.slug() project=project.id.to_string() current="tasks" />
                    {archived
                        .then(|| {
                            view! {
                                <p role="status" class="mt-3 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
                                    "This project is archived: its tasks are read-only until it is unarchived."
                                </p>
                            }
                        })}
                </header>
                <CyclesPanel />
                <Toolbar />
                <FormError message=Signal::derive(move || {
                    let errors = state.query_errors.get();
                    (!errors.is_empty())
                        .then(|| {
                            let list: Vec<String> = errors.fields.into_values().collect();
                            format!("Some of the list settings in the address were ignored: {}", list.join(" "))
                        })
                }) />
                <TaskBoard />
            </div>
            <Show when=move || state.open_task.get().is_some()>
                <TaskPanel />
            </Show>
        </div>
        <ShortcutHelp />
    }
}

#[component]
fn TrashedProject(page: ProjectPageData) -> impl IntoView {
    let org = use_org();
    let state = use_project();
    let restore = ServerAction::<RestoreProject>::new();
    Effect::new(move |_| {
        if restore.value().with(|v| matches!(v, Some(Ok(_)))) {
            state.data.refetch();
        }
    });
    view! {
        <Title text=format!("{} · Atrium", page.project.name) />
        <h1 class="text-2xl font-bold tracking-tight text-slate-900">{page.project.name.clone()}</h1>
        <p role="status" class="mt-3 max-w-2xl rounded-md bg-slate-100 px-3 py-2 text-sm text-slate-700">
            "This project is in the trash. It will be deleted for good 30 days after it was put there."
        </p>
        <Show when=move || org.can(Action::TrashProjects)>
            <OrgActionForm action=restore attr:class="mt-4">
                <input type="hidden" name="project" value=page.project.id.to_string() />
                <button type="submit" class="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50">
                    "Restore project"
                </button>
            </OrgActionForm>
            <FormError message=crate::components::forms::form_error(restore) />
        </Show>
    }
}
