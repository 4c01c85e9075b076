//! `/o/{org}/projects`: active, archived and trashed projects.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::labels::LabelsPanel;
use crate::{
    api::{
        draft::typed_values,
        projects::{
            CreateProject, DeleteProject, ProjectChange, RestoreProject, SetProjectArchived, UpdateProject,
            list_projects,
        },
    },
    components::{
        errors::PageError,
        forms::{FormError, TextField, field_error, form_error, reset_after_success},
        list::{Columns, Empty, ListTable},
        live::use_changes,
        org::{org_href, use_org},
        org_form::OrgActionForm,
        pagination::{Pager, use_page_number},
        toast::use_toasts,
    },
    model::{Action, Project, ProjectDescription, ProjectId, ProjectName, ProjectView, listing::DEFAULT_PAGE_SIZE},
};

const BUTTON: &str =
    "rounded-md border border-slate-300 px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50";
const PRIMARY: &str = "rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500";

#[component]
pub fn ProjectsPage() -> impl IntoView {
    let org = use_org();
    let query = use_query_map();
    let view_mode =
        Memo::new(move |_| query.with(|q| q.get("view").and_then(|v| ProjectView::parse(&v)).unwrap_or_default()));
    let page = use_page_number();

    let create = ServerAction::<CreateProject>::new();
    let update = ServerAction::<UpdateProject>::new();
    let archive = ServerAction::<SetProjectArchived>::new();
    let delete = ServerAction::<DeleteProject>::new();
    let restore = ServerAction::<RestoreProject>::new();
    let editing = RwSignal::new(None::<ProjectId>);

    let list = Resource::new(
        move || {
            let changes = (
                create.version().get(),
                update.version().get(),
                archive.version().get(),
                delete.version().get(),
                restore.version().get(),
            );
            (org.slug.get(), view_mode.get(), page.get(), changes)
        },
        |(slug, view, page, _)| {
            list_projects(slug, view.as_str().to_owned(), Some(DEFAULT_PAGE_SIZE), Some((page - 1) * DEFAULT_PAGE_SIZE))
        },
    );

    announce_project_changes(create, update, archive, delete, restore);
    // Projects made or changed by others (held back while one is edited).
    use_changes().on(|change| change.is(&["project."]), Some("project-list"), move || list.refetch());

    // Close the edit form once its save went through.
    Effect::new(move |_| {
        if update.value().with(|v| matches!(v, Some(Ok(_)))) {
            editing.set(None);
        }
    });

    let row_error = Signal::derive(move || {
        [form_error(archive).get(), form_error(delete).get(), form_error(restore).get()].into_iter().flatten().next()
    });

    view! {
        <Title text="Projects · Atrium" />
        <div class="max-w-5xl">
            <h1 class="text-2xl font-bold tracking-tight text-slate-900">"Projects"</h1>
            <ViewTabs current=view_mode />
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    org.loaded().await;
                    view! {
                        <Show when=move || org.can(Action::EditProjects) && view_mode.get() == ProjectView::Active>
                            <NewProjectForm create />
                        </Show>
                    }
                })}
            </Suspense>
            <div class="mt-4">
                <FormError message=row_error />
            </div>
            <div id="project-list">
            <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    org.loaded().await;
                    match list.await {
                        Ok(page) => {
                            let view = view_mode.get_untracked();
                            let slug = org.slug.get_untracked();
                            let href = move |offset: u32| {
                                let page = offset / DEFAULT_PAGE_SIZE + 1;
                                org_href(&slug, &format!("/projects?view={}&page={page}", view.as_str()))
                            };
                            view! {
                                <ProjectTable items=page.items.clone() view editing update archive delete restore />
                                <Pager position=page.position() noun="projects"
                                    href
                                />
                            }
                                .into_any()
                        }
                        Err(error) => view! { <PageError error /> }.into_any(),
                    }
                })}
            </Transition>
            </div>
            <LabelsPanel />
        </div>
    }
}

#[component]
fn ViewTabs(current: Memo<ProjectView>) -> impl IntoView {
    let org = use_org();
    let tab = move |view: ProjectView, label: &'static str| {
        let href = org_href(&org.slug.get_untracked(), &format!("/projects?view={}", view.as_str()));
        view! {
            <a
                href=href
                aria-current=move || (current.get() == view).then_some("page")
                class="border-b-2 border-transparent px-3 py-2 text-sm text-slate-600 hover:text-slate-900 \
                       aria-[current=page]:border-indigo-600 aria-[current=page]:font-semibold aria-[current=page]:text-indigo-700"
            >
                {label}
            </a>
        }
    };
    view! {
        <nav aria-label="Project views" class="mt-4 flex gap-2 border-b border-slate-200">
            {tab(ProjectView::Active, "Active")}
            {tab(ProjectView::Archived, "Archived")}
            {tab(ProjectView::Trash, "Trash")}
        </nav>
    }
}

#[component]
fn NewProjectForm(create: ServerAction<CreateProject>) -> impl IntoView {
    let form = NodeRef::<leptos::html::Form>::new();
    reset_after_success(create, form);
    let typed = typed_values(create);
    view! {
        <section aria-labelledby="new-project" class="mt-6 rounded-lg border border-slate-200 bg-white p-5">
            <h2 id="new-project" class="text-base font-semibold text-slate-900">"New project"</h2>
            <OrgActionForm action=create node_ref=form attr:class="mt-3 grid gap-3 sm:grid-cols-[1fr_2fr_auto] sm:items-start">
                <TextField
                    label="Project name"
                    name="name"
                    id="new-project-name"
                    required=true
                    maxlength=ProjectName::MAX_LEN
                    value=typed("name")
                    error=field_error(create, "name")
                />
                <TextField
                    label="Description"
                    name="description"
                    id="new-project-description"
                    maxlength=ProjectDescription::MAX_LEN
                    value=typed("description")
                    error=field_error(create, "description")
                />
                <button type="submit" class=format!("{PRIMARY} sm:mt-6")>"Create project"</button>
            </OrgActionForm>
            <FormError message=form_error(create) />
        </section>
    }
}

#[component]
fn ProjectTable(
    items: Vec<Project>,
    view: ProjectView,
    editing: RwSignal<Option<ProjectId>>,
    update: ServerAction<UpdateProject>,
    archive: ServerAction<SetProjectArchived>,
    delete: ServerAction<DeleteProject>,
    restore: ServerAction<RestoreProject>,
) -> impl IntoView {
    let empty = match view {
        ProjectView::Active => "No projects yet. Create the first one above.",
        ProjectView::Archived => "No archived projects.",
        ProjectView::Trash => "The trash is empty. Deleted projects stay here for 30 days.",
    };
    view! {
        <ListTable
            items
            row=move |project| view! { <ProjectRow project view editing update archive delete restore /> }
        >
            <Columns slot>
                <th scope="col">"Name"</th>
                <th scope="col">"Open"</th>
                <th scope="col">"Done"</th>
                <th scope="col"><span class="sr-only">"Actions"</span></th>
            </Columns>
            <Empty slot>{empty}</Empty>
        </ListTable>
    }
}

#[component]
fn ProjectRow(
    project: Project,
    view: ProjectView,
    editing: RwSignal<Option<ProjectId>>,
    update: ServerAction<UpdateProject>,
    archive: ServerAction<SetProjectArchived>,
    delete: ServerAction<DeleteProject>,
    restore: ServerAction<RestoreProject>,
) -> impl IntoView {
    let org = use_org();
    let (open_tasks, done_tasks) = (project.open_tasks, project.done_tasks);
    let id = project.id;
    let href = StoredValue::new(org_href(&org.slug.get_untracked(), &format!("/projects/{id}")));
    let name = StoredValue::new(project.name.clone());
    let description = StoredValue::new(project.description.clone());
    let hidden = move || {
        view! {
            <input type="hidden" name="project" value=id.to_string() />
        }
    };
    view! {
        <tr data-project=id.to_string()>
            <td class="py-3 pr-4 align-top">
                <Show
                    when=move || editing.get() == Some(id)
                    fallback=move || {
                        view! {
                            {if view == ProjectView::Trash {
                                view! { <span class="font-medium text-slate-900">{name.get_value()}</span> }.into_any()
                            } else {
                                view! {
                                    <a href=href.get_value() class="font-medium text-indigo-700 hover:underline">
                                        {name.get_value()}
                                    </a>
                                }
                                    .into_any()
                            }}
                            <p class="mt-0.5 line-clamp-2 text-xs text-slate-500">{description.get_value()}</p>
                        }
                    }
                >
                    <OrgActionForm action=update attr:class="grid gap-2">
                        {hidden()}
                        <label class="sr-only" for=format!("rename-{id}")>"Project name"</label>
                        <input
                            id=format!("rename-{id}")
                            name="name"
                            value=name.get_value()
                            maxlength=ProjectName::MAX_LEN
                            aria-label="Project name"
                            aria-describedby=format!("rename-{id}-error")
                            class="rounded-md border border-slate-300 px-2 py-1"
                        />
                        <p id=format!("rename-{id}-error") class="text-xs text-red-700">
                            {move || field_error(update, "name").get()}
                        </p>
                        <textarea
                            name="description"
                            aria-label="Description"
                            maxlength=ProjectDescription::MAX_LEN
                            class="rounded-md border border-slate-300 px-2 py-1"
                        >
                            {description.get_value()}
                        </textarea>
                        <p class="text-xs text-red-700">{move || field_error(update, "description").get()}</p>
                        <div class="flex gap-2">
                            <button type="submit" class=BUTTON>"Save"</button>
                            <button type="button" class=BUTTON on:click=move |_| editing.set(None)>"Cancel"</button>
                        </div>
                    </OrgActionForm>
                </Show>
            </td>
            <td class="py-3 pr-4 align-top tabular-nums" data-testid="open-count">{open_tasks}</td>
            <td class="py-3 pr-4 align-top tabular-nums" data-testid="done-count">{done_tasks}</td>
            <td class="py-3 align-top">
                <div class="flex flex-wrap justify-end gap-2">
                    <Show when=move || org.can(Action::EditProjects) && view != ProjectView::Trash>
                        <button type="button" class=BUTTON on:click=move |_| editing.set(Some(id))>"Edit"</button>
                        <OrgActionForm action=archive>
                            {hidden()}
                            <input type="hidden" name="archived" value=(view == ProjectView::Active).to_string() />
                            <button type="submit" class=BUTTON>
                                {if view == ProjectView::Active { "Archive" } else { "Unarchive" }}
                            </button>
                        </OrgActionForm>
                    </Show>
                    <Show when=move || org.can(Action::TrashProjects) && view != ProjectView::Trash>
                        <OrgActionForm action=delete>
                            {hidden()}
                            <button type="submit" class=format!("{BUTTON} text-red-700")>"Delete"</button>
                        </OrgActionForm>
                    </Show>
                    <Show when=move || org.can(Action::TrashProjects) && view == ProjectView::Trash>
                        <OrgActionForm action=restore>
                            {hidden()}
                            <button type="submit" class=BUTTON>"Restore"</button>
                        </OrgActionForm>
                    </Show>
                </div>
            </td>
        </tr>
    }
}

/// A toast for each project action that went through, with Undo for an
/// archive (unarchive) and a move to the trash (restore).
fn announce_project_changes(
    create: ServerAction<CreateProject>,
    update: ServerAction<UpdateProject>,
    archive: ServerAction<SetProjectArchived>,
    delete: ServerAction<DeleteProject>,
    restore: ServerAction<RestoreProject>,
) {
    let Some(toasts) = use_toasts() else { return };
    let scope = toasts.undo_scope();
    let org = use_org();
    Effect::new(move |_| {
        if let Some(Ok(project)) = create.value().get() {
            toasts.show(ProjectChange::Created.message(&project));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(project)) = update.value().get() {
            toasts.show(ProjectChange::Saved.message(&project));
        }
    });
    let undo_scope = scope.clone();
    Effect::new(move |_| {
        let Some(Ok(project)) = archive.value().get() else { return };
        let archived = project.archived_at.is_some();
        let change = if archived { ProjectChange::Archived } else { ProjectChange::Unarchived };
        let id = project.id.to_string();
        toasts.show_undoable(&undo_scope, change.message(&project), move || {
            archive.dispatch(SetProjectArchived {
                org: org.slug.get_untracked(),
                project: id.clone(),
                archived: !archived,
            });
        });
    });
    Effect::new(move |_| {
        let Some(Ok(project)) = delete.value().get() else { return };
        let id = project.id.to_string();
        toasts.show_undoable(&scope, ProjectChange::Trashed.message(&project), move || {
            restore.dispatch(RestoreProject { org: org.slug.get_untracked(), project: id.clone() });
        });
    });
    Effect::new(move |_| {
        if let Some(Ok(project)) = restore.value().get() {
            toasts.show(ProjectChange::Restored.message(&project));
        }
    });
}
