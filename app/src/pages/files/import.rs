//! `/o/{org}/projects/{id}/import` (choose a CSV file) and
//! `/o/{org}/imports/{import}` (map its columns, preview, import with live
//! progress, download the refused rows).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    progress::ProgressBar,
    status::import_status_badge,
    style::{BUTTON, CARD, LABEL, PRIMARY, SELECT},
    tabs::ProjectTabs,
};
use crate::{
    api::{
        files::{CancelOrgJob, ImportPage as ImportData, StartImport, get_import, list_imports, preview_import},
        projects::get_project_page,
    },
    components::{
        errors::PageError,
        format::when,
        forms::{FormError, field_error, form_error},
        jobs::progress_text,
        list::{Columns, ListTable},
        live::{RefreshWhile, listen},
        org::use_org,
        org_form::OrgActionForm,
    },
    model::{Action, ImportField, ImportMapping, ImportStatus, JobItem, file::format_bytes},
};

/// What the upload's `?error=` says, for people.
fn upload_error(code: &str) -> Option<&'static str> {
    match code {
        "no_file" => Some("Choose a CSV file."),
        "too_large" => Some("The file is larger than 10 MB. Split it, and import the parts one by one."),
        "not_csv" => Some("This file cannot be read as CSV: its first line must name the columns."),
        "storage_full" => {
            Some("Your organization's storage is full: delete files, or ask a platform admin for more room.")
        }
        _ => None,
    }
}

#[component]
pub fn ImportUploadPage() -> impl IntoView {
    let org = use_org();
    let params = use_params_map();
    let query = use_query_map();
    let project = Memo::new(move |_| params.with(|p| p.get("project").unwrap_or_default()));
    let error = Memo::new(move |_| query.with(|q| q.get("error").and_then(|code| upload_error(&code))));
    let page =
        Resource::new(move || (org.slug.get(), project.get()), |(slug, project)| get_project_page(slug, project));
    let recent = Resource::new(move || (org.slug.get(), project.get()), |(slug, project)| list_imports(slug, project));
    view! {
        <Title text="Import tasks · Atrium" />
        <div class="max-w-5xl">
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let page = match page.await {
                        Ok(page) => page,
                        Err(error) => return view! { <PageError error /> }.into_any(),
                    };
                    let slug = org.slug.get_untracked();
                    let project_id = page.project.id.to_string();
                    let can_import = org.can_untracked(Action::UploadFiles) && page.project.archived_at.is_none();
                    let imports = recent.await.unwrap_or_default();
                    view! {
                        <header>
                            <a href=format!("/o/{slug}/projects") class="text-sm text-slate-500 hover:underline">"← Projects"</a>
                            <h1 class="mt-1 text-2xl font-bold tracking-tight text-slate-900">{page.project.name.clone()}</h1>
                            <ProjectTabs slug=slug.clone() project=project_id.clone() current="import" />
                        </header>
                        {can_import
                            .then(|| {
                                view! {
                                    <section class=CARD aria-labelledby="import-heading">
                                        <h2 id="import-heading" class="text-lg font-semibold text-slate-900">"Import tasks from a CSV file"</h2>
                                        <p class="mt-1 text-sm text-slate-600">
                                            "A file exported from Atrium imports as it is. For other files you choose which column holds \
                                             which field, and see the first rows checked before anything is imported."
                                        </p>
                                        <form
                                            method="post"
                                            action=format!("/o/{slug}/projects/{project_id}/imports")
                                            enctype="multipart/form-data"
                                            class="mt-4 flex flex-wrap items-end gap-4"
                                        >
                                            <div>
                                                <label for="import-file" class=LABEL>"CSV file"</label>
                                                <input
                                                    id="import-file"
                                                    type="file"
                                                    name="file"
                                                    accept=".csv,text/csv"
                                                    required=true
                                                    aria-invalid=move || error.get().is_some().then_some("true")
                                                    aria-describedby="import-file-error"
                                                    class="mt-1 block text-sm"
                                                />
                                                <p id="import-file-error" class="mt-1 text-sm text-red-700">{move || error.get()}</p>
                                            </div>
                                            <button type="submit" class=PRIMARY>"Continue"</button>
                                        </form>
                                    </section>
                                }
                            })}
                        <section class=CARD aria-labelledby="imports-heading">
                            <h2 id="imports-heading" class="text-lg font-semibold text-slate-900">"Recent imports"</h2>
                            {if imports.is_empty() {
                                view! { <p class="mt-3 text-sm text-slate-500">"No imports yet."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="mt-3 divide-y divide-slate-100 text-sm">
                                        {imports
                                            .into_iter()
                                            .map(|import| {
                                                view! {
                                                    <li class="flex flex-wrap items-center gap-3 py-2">
                                                        <a href=format!("/o/{slug}/imports/{}", import.id) class="font-medium text-indigo-700 hover:underline">
                                                            {import.file_name.clone()}
                                                        </a>
                                                        {import_status_badge(import.status)}
                                                        <span class="text-slate-600">
                                                            {format!("{} imported, {} refused · {}", import.rows_imported, import.rows_failed, when(import.created_at))}
                                                        </span>
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                }
                                    .into_any()
                            }}
                        </section>
                    }
                        .into_any()
                })}
            </Suspense>
        </div>
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let org = use_org();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("import").unwrap_or_default()));
    let start = ServerAction::<StartImport>::new();
    let cancel = ServerAction::<CancelOrgJob>::new();
    let finished = RwSignal::new(0_u32);
    let data = Resource::new(
        move || (org.slug.get(), id.get(), start.version().get(), cancel.version().get(), finished.get()),
        |(slug, id, ..)| get_import(slug, id),
    );
    let error = Signal::derive(move || form_error(start).get().or_else(|| form_error(cancel).get()));
    view! {
        <Title text="Import tasks · Atrium" />
        <div class="max-w-6xl">
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => view! { <ImportBody page start cancel finished /> }.into_any(),
                        Err(error) => view! { <PageError error /> }.into_any(),
                    }
                })}
            </Suspense>
            <FormError message=error />
        </div>
    }
}

#[component]
fn ImportBody(
    page: ImportData,
    start: ServerAction<StartImport>,
    cancel: ServerAction<CancelOrgJob>,
    finished: RwSignal<u32>,
) -> impl IntoView {
    let org = use_org();
    let slug = org.slug.get_untracked();
    let import = page.import.clone();
    let project_id = page.project.id.to_string();
    view! {
        <a href=format!("/o/{slug}/projects/{project_id}/import") class="text-sm text-slate-500 hover:underline">
            {format!("← Imports into {}", page.project.name)}
        </a>
        <h1 class="mt-1 text-2xl font-bold tracking-tight text-slate-900">{format!("Import of {}", import.file_name)}</h1>
        <p class="mt-1 flex items-center gap-3 text-sm text-slate-600">
            {import_status_badge(import.status)}
            {format!("{} · {} columns · uploaded {}", format_bytes(import.size_bytes), import.columns.len(), when(import.created_at))}
        </p>
        {if import.status == ImportStatus::Draft {
            view! { <MappingForm page=page.clone() start /> }.into_any()
        } else {
            view! { <ImportProgress page=page.clone() cancel finished /> }.into_any()
        }}
    }
}

/// The columns' mapping, the preview it gives, and the import button.
#[component]
fn MappingForm(page: ImportData, start: ServerAction<StartImport>) -> impl IntoView {
    let org = use_org();
    let slug = org.slug.get_untracked();
    let import_id = page.import.id.to_string();
    let columns = page.import.columns.clone();
    let mapping = RwSignal::new(page.mapping.clone());
    let preview = Resource::new(move || mapping.get(), {
        let (slug, import_id) = (slug.clone(), import_id.clone());
        move |mapping: ImportMapping| {
            let column = move |field| mapping.column(field).map(|c| c.to_string()).unwrap_or_default();
            preview_import(
                slug.clone(),
                import_id.clone(),
                column(ImportField::Title),
                column(ImportField::Description),
                column(ImportField::Status),
                column(ImportField::Priority),
                column(ImportField::DueOn),
                column(ImportField::Assignee),
                column(ImportField::Labels),
                column(ImportField::Cycle),
            )
        }
    });
    let title_error = field_error(start, "title");
    let can_import = org.can_untracked(Action::UploadFiles);
    view! {
        <section class=CARD aria-labelledby="mapping-heading">
            <h2 id="mapping-heading" class="text-lg font-semibold text-slate-900">"Columns"</h2>
            <p class="mt-1 text-sm text-slate-600">"Choose the column that fills each task field. Only the title is required."</p>
            <OrgActionForm action=start attr:class="mt-4">
                <input type="hidden" name="import" value=import_id.clone() />
                <div class="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-4">
                    {ImportField::ALL
                        .into_iter()
                        .map(|field| {
                            let id = format!("map-{}", field.as_str());
                            let chosen = page.mapping.column(field);
                            let columns = columns.clone();
                            view! {
                                <div>
                                    <label for=id.clone() class=LABEL>{field.label()}</label>
                                    <select
                                        id=id
                                        name=field.as_str()
                                        class=SELECT
                                        on:change=move |event| {
                                            let value = event_target_value(&event);
                                            mapping.update(|m| {
                                                m.0.retain(|(f, _)| *f != field);
                                                if let Ok(column) = value.parse::<usize>() {
                                                    m.0.push((field, column));
                                                }
                                            });
                                        }
                                    >
                                        <option value="">"(none)"</option>
                                        {columns
                                            .iter()
                                            .enumerate()
                                            .map(|(i, name)| {
                                                view! { <option value=i.to_string() selected=chosen == Some(i)>{name.clone()}</option> }
                                            })
                                            .collect_view()}
                                    </select>
                                    {(field == ImportField::Title)
                                        .then(|| view! { <p class="mt-1 text-xs text-red-700">{move || title_error.get()}</p> })}
                                </div>
                            }
                        })
                        .collect_view()}
                </div>
                {can_import
                    .then(|| {
                        view! {
                            <button type="submit" class=format!("{PRIMARY} mt-4") disabled=move || start.pending().get()>
                                {move || if start.pending().get() { "Starting…" } else { "Import tasks" }}
                            </button>
                        }
                    })}
            </OrgActionForm>
        </section>
        <section class=CARD aria-labelledby="preview-heading">
            <h2 id="preview-heading" class="text-lg font-semibold text-slate-900">"Preview"</h2>
            <p class="mt-1 text-sm text-slate-600">"The first rows as they would be imported. Rows with errors are skipped and listed in a report."</p>
            <Transition fallback=|| view! { <p class="mt-3 text-slate-500">"Checking…"</p> }>
                {move || Suspend::new(async move {
                    match preview.await {
                        Ok(rows) => {
                            view! {
                                <ListTable
                                    items=rows
                                    spacing="mt-3"
                                    label="Preview"
                                    row=|row| {
                                        let bad = !row.errors.is_empty();
                                        view! {
                                            <tr class=if bad { "bg-red-50 align-top" } else { "align-top" }>
                                                <td class="py-1 pr-3 tabular-nums">{row.line}</td>
                                                {row.cells.iter().map(|c| view! { <td class="max-w-[12rem] truncate py-1 pr-3">{c.clone()}</td> }).collect_view()}
                                                <td class="py-1 text-xs text-red-700">{row.errors.join(" ")}</td>
                                            </tr>
                                        }
                                    }
                                >
                                    <Columns slot>
                                        <th scope="col">"Line"</th>
                                        {ImportField::ALL.into_iter().map(|f| view! { <th scope="col">{f.label()}</th> }).collect_view()}
                                        <th scope="col">"Problems"</th>
                                    </Columns>
                                </ListTable>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <p class="mt-3 text-sm text-red-700">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// How many times the page of an import whose job has ended looks again
/// for the import's end before it leaves that to a reload.
const RECHECKS: u32 = 6;

/// The running or finished import: its job's progress, live.
#[component]
fn ImportProgress(page: ImportData, cancel: ServerAction<CancelOrgJob>, finished: RwSignal<u32>) -> impl IntoView {
    let org = use_org();
    let slug = org.slug.get_untracked();
    let import = page.import.clone();
    let job = RwSignal::new(page.job.clone());
    let running = import.status == ImportStatus::Importing;
    match page.job.as_ref() {
        // The job runs (or waits for a worker): follow it live.
        Some(current) if running && current.status.is_active() => {
            let url = format!("/o/{slug}/jobs/{}/events", current.id);
            Effect::new(move |started: Option<()>| {
                if started.is_none() {
                    listen(url.clone(), move |item: JobItem, done| {
                        job.set(Some(item));
                        if done {
                            finished.update(|n| *n += 1);
                        }
                    });
                }
            });
        }
        // The job has ended and the import is about to say how: look
        // again after 1, 2, 4 ... 32 seconds, then leave it to a reload,
        // instead of reopening an event stream that ends at once.
        _ if running && finished.get_untracked() < RECHECKS => {
            let delay = std::time::Duration::from_secs(1 << finished.get_untracked().min(5));
            Effect::new(move |started: Option<()>| {
                if started.is_none() {
                    set_timeout(move || _ = finished.try_update(|n| *n += 1), delay);
                }
            });
        }
        _ => {}
    }
    let project_href = format!("/o/{slug}/projects/{}", import.project_id);
    let errors_href = format!("/o/{slug}/imports/{}/errors.csv", import.id);
    let can_cancel = org.can_untracked(Action::UploadFiles);
    view! {
        <RefreshWhile active=running />
        <section class=CARD aria-labelledby="progress-heading">
            <h2 id="progress-heading" class="text-lg font-semibold text-slate-900">"Progress"</h2>
            {move || {
                job.get()
                    .map(|job| {
                        let done = job.progress_done as f64;
                        let total = job.progress_total.unwrap_or(0) as f64;
                        view! {
                            <div class="mt-3">
                                <ProgressBar label="Import progress" done=Signal::stored(done) total=Signal::stored(total) />
                                <p class="mt-2 text-sm text-slate-600" role="status">{progress_text(&job)}</p>
                                {job.last_error.clone().map(|error| view! { <p class="mt-1 text-sm text-red-700">{error}</p> })}
                            </div>
                        }
                    })
            }}
            {(running && can_cancel)
                .then(|| {
                    let id = page.job.as_ref().map(|j| j.id.to_string()).unwrap_or_default();
                    view! {
                        <OrgActionForm action=cancel attr:class="mt-3">
                            <input type="hidden" name="job" value=id />
                            <button type="submit" class=BUTTON>"Cancel import"</button>
                        </OrgActionForm>
                    }
                })}
            {(!running)
                .then(|| {
                    view! {
                        <p class="mt-3 text-sm text-slate-800" role="status">
                            {format!(
                                "{} tasks imported, {} rows refused{}.",
                                import.rows_imported,
                                import.rows_failed,
                                match import.status {
                                    ImportStatus::Cancelled => " (cancelled: the batches before the cancel are imported, nothing after)",
                                    ImportStatus::Failed => " (the import stopped)",
                                    _ => "",
                                },
                            )}
                        </p>
                        {import.error.clone().map(|error| view! { <p class="mt-1 text-sm text-red-700">{error}</p> })}
                        <p class="mt-2 flex gap-4 text-sm">
                            <a href=project_href.clone() class="text-indigo-700 hover:underline">"See the tasks"</a>
                            {(import.rows_failed > 0)
                                .then(|| {
                                    view! {
                                        <a href=errors_href.clone() rel="external" download="" class="text-indigo-700 hover:underline">
                                            "Download the refused rows (CSV)"
                                        </a>
                                    }
                                })}
                        </p>
                    }
                })}
        </section>
    }
}
