//! The project page's state: its query, data and actions, which the
//! page's parts (board, cycles, toolbar, task panel, shortcuts, feedback)
//! share through context.

use std::collections::HashSet;

use leptos::{html, prelude::*};
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    api::{
        cycles::{CreateCycle, DeleteCycle, list_cycles},
        projects::{ProjectPage as ProjectPageData, get_project_page},
        tasks::{BulkUpdateTasks, CreateTask, EmptyTaskTrash, PatchTask, SetTaskDone, UpdateTask, list_tasks},
    },
    components::{
        live::use_changes,
        org::{OrgContext, org_href, use_org},
    },
    error::{AppError, FieldErrors},
    model::{Action, Cycle, Page, TaskId, TaskItem, TaskParams, TaskQuery},
};

/// The id of the element around the task list, which a change by
/// someone else renders again.
pub const TASK_LIST: &str = "task-list";

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
    pub org: OrgContext,
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
    /// The state of the project page of the current route: its query,
    /// its data and the actions on it.
    pub fn from_route() -> Self {
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

        let data = Resource::new(
            move || (org.slug.get(), project_id.get()),
            |(slug, project)| get_project_page(slug, project),
        );
        let tasks = Resource::new(
            move || (org.slug.get(), project_id.get(), query.get(), changes.get()),
            |(slug, project, query, _)| list_tasks(slug, project, TaskParams::from(&query)),
        );
        let cycles = Resource::new(
            move || (org.slug.get(), project_id.get(), changes.get()),
            |(slug, project, _)| list_cycles(slug, project),
        );

        // Others' changes: the list and cycles read again (held back while
        // the person works in the list); what frames the page (the project,
        // its labels and members) too, held back while they work anywhere
        // on it.
        let live_changes = use_changes();
        live_changes.on(
            |change| change.is(&["task.", "tasks.", "cycle.", "label."]),
            Some(TASK_LIST),
            move || {
                tasks.refetch();
                cycles.refetch();
            },
        );
        live_changes.on(
            move |change| {
                change.is(&["label.", "member.", "invitation.accepted"])
                    || (change.is(&["project."]) && change.resource_id == project_id.get_untracked())
            },
            Some("main"),
            move || data.refetch(),
        );

        ProjectState {
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
        }
    }

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
