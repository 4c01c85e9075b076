//! `/o/{org}/projects/{id}`: one project: its cycles and its tasks, listed
//! as the URL says (filters, search, sort, page), with a task panel at
//! `?task={id}`.

use std::collections::HashSet;

use leptos::{html, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{board::TaskBoard, cycles::CyclesPanel, shortcuts::ShortcutHelp, task_panel::TaskPanel, toolbar::Toolbar};
use crate::{
    api::{
        cycles::{CreateCycle, DeleteCycle, list_cycles},
        projects::{ProjectPage as ProjectPageData, RestoreProject, get_project_page},
        tasks::{BulkUpdateTasks, CreateTask, EmptyTaskTrash, PatchTask, SetTaskDone, UpdateTask, list_tasks},
    },
    components::{
        errors::PageError,
        forms::FormError,
        org::{org_href, use_org},
    },
    error::{AppError, FieldErrors},
    model::{Action, Cycle, Page, TaskId, TaskItem, TaskParams, TaskQuery},
    pages::files::ProjectTabs,
};

/// The link to a project's page showing `query`, with the panel of `task`
/// open when given.
pub fn project_href(slug: &str, project: &str, query: &TaskQuery, task: Option<TaskId>) -> String {
    let mut href = org_href(slug, &format!("/projects/{project}{}", query.to_query_string()));
    if let Some(task) = task {
        href.push(if href.contains('?') { '&' } else { '?' });
        href.push_str(&format!("task={task}"));
    }
    href
}

/// The page's state, shared by its parts through context.
#[derive(Clone, Copy)]
pub struct ProjectState {
    pub org: crate::components::org::OrgContext,
    pub project_id: Memo<String>,
    pub query: Memo<TaskQuery>,
    pub query_errors: Memo<FieldErrors>,
    /// The task whose panel is open (`?task=`).
    pub open_task: Memo<Option<TaskId>>,
    pub data: Resource<Result<ProjectPageData, AppError>>,
    pub tasks: Resource<Result<Page<TaskItem>, AppError>>,
    pub cycles: Resource<Result<Vec<Cycle>, AppError>>,
    pub create: ServerAction<CreateTask>,
    pub update: ServerAction<UpdateTask>,
    pub patch: ServerAction<PatchTask>,
    pub done: ServerAction<SetTaskDone>,
    pub bulk: ServerAction<BulkUpdateTasks>,
    pub empty_trash: ServerAction<EmptyTaskTrash>,
    pub create_cycle: ServerAction<CreateCycle>,
    pub delete_cycle: ServerAction<DeleteCycle>,
    /// Tasks ticked for a bulk action.
    pub selected: RwSignal<HashSet<TaskId>>,
    /// The row the keyboard is on (index into the current page).
    pub cursor: RwSignal<Option<usize>>,
    pub show_help: RwSignal<bool>,
    /// Set by the `e` shortcut: the panel focuses its title field.
    pub focus_title: RwSignal<bool>,
    /// True once the page runs in the browser (never on the server): what
    /// only works with JavaScript renders from then on.
    pub live: RwSignal<bool>,
    pub quick_add: NodeRef<html::Input>,
}

impl ProjectState {
    /// The link to this page with `query` (and the panel of `task`).
    pub fn href(&self, query: &TaskQuery, task: Option<TaskId>) -> String {
        project_href(&self.org.slug.get_untracked(), &self.project_id.get_untracked(), query, task)
    }

    pub fn slug(&self) -> String {
        self.org.slug.get_untracked()
    }

    /// Whether the tasks may change: a member in an active project.
    pub fn writable(&self) -> bool {
        self.org.can(Action::EditTasks) && self.data.get().and_then(Result::ok).is_some_and(|data| is_active(&data))
    }

    /// [`ProjectState::writable`] without subscribing (for parts rendered
    /// once, such as a row).
    pub fn writable_untracked(&self) -> bool {
        self.org.can_untracked(Action::EditTasks)
            && self.data.get_untracked().and_then(Result::ok).is_some_and(|data| is_active(&data))
    }

    /// The tasks on the current page, in order.
    pub fn visible_ids(&self) -> Vec<TaskId> {
        self.tasks
            .get_untracked()
            .and_then(Result::ok)
            .map(|page| page.items.iter().map(|t| t.id).collect())
            .unwrap_or_default()
    }
}

fn is_active(data: &ProjectPageData) -> bool {
    data.project.archived_at.is_none() && data.project.deleted_at.is_none()
}

pub fn use_project() -> ProjectState {
    expect_context::<ProjectState>()
}

#[component]
pub fn ProjectPage() -> impl IntoView {
    let org = use_org();
    let params = use_params_map();
    let url = use_query_map();
    let project_id = Memo::new(move |_| params.with(|p| p.get("project").unwrap_or_default()));
    let parsed = Memo::new(move |_| url.with(|q| TaskQuery::from_params(|name| q.get(name))));
    let query = Memo::new(move |_| parsed.get().0);
    let query_errors = Memo::new(move |_| parsed.get().1);
    let open_task = Memo::new(move |_| url.with(|q| q.get("task").and_then(|id| id.parse::<TaskId>().ok())));

    let create = ServerAction::<CreateTask>::new();
    let update = ServerAction::<UpdateTask>::new();
    let patch = ServerAction::<PatchTask>::new();
    let done = ServerAction::<SetTaskDone>::new();
    let bulk = ServerAction::<BulkUpdateTasks>::new();
    let empty_trash = ServerAction::<EmptyTaskTrash>::new();
    let create_cycle = ServerAction::<CreateCycle>::new();
    let delete_cycle = ServerAction::<DeleteCycle>::new();
    let changes = Memo::new(move |_| {
        create.version().get()
            + update.version().get()
            + patch.version().get()
            + done.version().get()
            + bulk.version().get()
            + empty_trash.version().get()
            + create_cycle.version().get()
            + delete_cycle.version().get()
    });

    let data =
        Resource::new(move || (org.slug.get(), project_id.get()), |(slug, project)| get_project_page(slug, project));
    let tasks = Resource::new(
        move || (org.slug.get(), project_id.get(), query.get(), changes.get()),
        |(slug, project, query, _)| list_tasks(slug, project, TaskParams::from(&query)),
    );
    let cycles = Resource::new(
        move || (org.slug.get(), project_id.get(), changes.get()),
        |(slug, project, _)| list_cycles(slug, project),
    );

    let state = ProjectState {
        org,
        project_id,
        query,
        query_errors,
        open_task,
        data,
        tasks,
        cycles,
        create,
        update,
        patch,
        done,
        bulk,
        empty_trash,
        create_cycle,
        delete_cycle,
        selected: RwSignal::new(HashSet::new()),
        cursor: RwSignal::new(None),
        show_help: RwSignal::new(false),
        focus_title: RwSignal::new(false),
        live: RwSignal::new(false),
        quick_add: NodeRef::new(),
    };
    provide_context(state);

    // Effects run only in the browser, after hydration.
    Effect::new(move |_| state.live.set(true));
    super::feedback::announce_task_changes(state);

    // A bulk action that went through empties the selection.
    Effect::new(move |_| {
        if bulk.value().with(|v| matches!(v, Some(Ok(_)))) {
            state.selected.set(HashSet::new());
        }
    });

    view! {
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                org.loaded().await;
                match data.await {
                    Ok(page) if page.project.deleted_at.is_some() => view! { <TrashedProject page /> }.into_any(),
                    Ok(page) => view! { <ProjectBody page /> }.into_any(),
                    Err(error) => view! { <PageError error /> }.into_any(),
                }
            })}
        </Suspense>
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
            <ActionForm action=restore attr:class="mt-4">
                <input type="hidden" name="org" value=move || org.slug.get() />
                <input type="hidden" name="project" value=page.project.id.to_string() />
                <button type="submit" class="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50">
                    "Restore project"
                </button>
            </ActionForm>
            <FormError message=crate::components::forms::form_error(restore) />
        </Show>
    }
}
