//! `/o/{org}/projects/{id}/uploads` (a project's upload sessions and
//! their statistics) and `/o/{org}/uploads/{session}` (one session, live
//! while it runs).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::{
    progress::ProgressBar,
    status::{file_status_badge, upload_status_badge},
    style::{BUTTON, CARD},
    tabs::ProjectTabs,
};
use crate::{
    api::files::{
        CancelUploadSession, DeleteUploadSession, SessionPage, UploadsPage as UploadsData, get_upload_session,
        list_upload_sessions,
    },
    components::{
        errors::PageError,
        format::{duration, when},
        forms::{FormError, form_error},
        list::{Columns, Empty, ListTable},
        live::{RefreshWhile, listen},
        org::{org_href, use_org},
        org_form::OrgActionForm,
        pagination::{Pager, use_page_number},
    },
    model::{Action, ProjectFile, UploadSession, UploadStatus, file::format_bytes},
};

#[component]
pub fn UploadsPage() -> impl IntoView {
    let org = use_org();
    let params = use_params_map();
    let project = Memo::new(move |_| params.with(|p| p.get("project").unwrap_or_default()));
    let page = use_page_number();
    let data = Resource::new(
        move || (org.slug.get(), project.get(), page.get()),
        |(slug, project, page)| list_upload_sessions(slug, project, Some(page)),
    );
    view! {
        <Title text="Uploads · Atrium" />
        <div class="max-w-6xl">
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => view! { <UploadsBody page /> }.into_any(),
                        Err(error) => view! { <PageError error /> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn UploadsBody(page: UploadsData) -> impl IntoView {
    let org = use_org();
    let slug = org.slug.get_untracked();
    let project_id = page.project.id.to_string();
    let stats = page.stats;
    let position = page.sessions.position();
    let limit = page.sessions.limit.max(1);
    let base = format!("/o/{slug}/projects/{project_id}/uploads");
    let stat = |label: &'static str, value: String| {
        view! {
            <div>
                <dt class="text-slate-500">{label}</dt>
                <dd class="text-lg font-semibold text-slate-900">{value}</dd>
            </div>
        }
    };
    view! {
        <Title text=format!("Uploads · {} · Atrium", page.project.name) />
        <header>
            <a href=format!("/o/{slug}/projects") class="text-sm text-slate-500 hover:underline">"← Projects"</a>
            <h1 class="mt-1 text-2xl font-bold tracking-tight text-slate-900">{page.project.name.clone()}</h1>
            <ProjectTabs slug=slug.clone() project=project_id.clone() current="uploads" />
        </header>
        <section class=CARD aria-label="Upload statistics">
            <dl class="grid grid-cols-2 gap-4 text-sm sm:grid-cols-4">
                {stat("Sessions", stats.sessions.to_string())}
                {stat("Files uploaded", stats.files_uploaded.to_string())}
                {stat("Data uploaded", format_bytes(stats.bytes_uploaded))}
                {stat("Refused", format!("{:.1}%", stats.failure_rate() * 100.0))}
            </dl>
        </section>
        <section class=CARD aria-labelledby="sessions-heading">
            <h2 id="sessions-heading" class="text-lg font-semibold text-slate-900">"Upload sessions"</h2>
            <SessionTable
                sessions=page.sessions.items.clone()
                slug=slug.clone()
                files_href=format!("/o/{slug}/projects/{project_id}/files")
            />
            <Pager position noun="sessions" href=move |offset| format!("{base}?page={}", offset / limit + 1) />
        </section>
    }
}

/// The project's upload sessions, or, with none, the way to start one
/// (`files_href`: the project's files page).
#[component]
fn SessionTable(sessions: Vec<UploadSession>, slug: String, files_href: String) -> impl IntoView {
    view! {
        <ListTable
            items=sessions
            spacing="mt-4"
            label="Upload sessions"
            row=move |session| {
                view! {
                    <tr>
                        <td class="py-2 pr-4">
                            <a href=format!("/o/{slug}/uploads/{}", session.id) class="font-medium text-indigo-700 hover:underline">
                                {when(session.created_at)}
                            </a>
                        </td>
                        <td class="py-2 pr-4 text-slate-600">{session.created_by.clone().unwrap_or_else(|| "Former member".into())}</td>
                        <td class="py-2 pr-4 text-slate-600">{session.cycle_name.clone().unwrap_or_default()}</td>
                        <td class="py-2 pr-4">{upload_status_badge(session.status)}</td>
                        <td class="py-2 pr-4 text-slate-600">
                            {format!("{} of {} uploaded, {} refused", session.files_uploaded, session.files_total, session.files_failed)}
                        </td>
                        <td class="py-2 pr-4 text-slate-600">{format_bytes(session.bytes_uploaded)}</td>
                        <td class="py-2 pr-4 text-slate-600">{duration(session.duration())}</td>
                    </tr>
                }
            }
        >
            <Columns slot>
                <th scope="col">"Started"</th>
                <th scope="col">"By"</th>
                <th scope="col">"Cycle"</th>
                <th scope="col">"Status"</th>
                <th scope="col">"Files"</th>
                <th scope="col">"Data"</th>
                <th scope="col">"Duration"</th>
            </Columns>
            <Empty slot>
                "No uploads yet. "
                <a href=files_href class="text-indigo-700 hover:underline">
                    "Upload files"
                </a>
                " to start one."
            </Empty>
        </ListTable>
    }
}

#[component]
pub fn UploadSessionPage() -> impl IntoView {
    let org = use_org();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("session").unwrap_or_default()));
    let cancel = ServerAction::<CancelUploadSession>::new();
    let delete = ServerAction::<DeleteUploadSession>::new();
    let data = Resource::new(
        move || (org.slug.get(), id.get(), cancel.version().get()),
        |(slug, id, _)| get_upload_session(slug, id),
    );
    let error = Signal::derive(move || form_error(cancel).get().or_else(|| form_error(delete).get()));
    view! {
        <Title text="Upload session · Atrium" />
        <div class="max-w-6xl">
            <FormError message=error />
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => view! { <SessionBody page cancel delete /> }.into_any(),
                        Err(error) => view! { <PageError error /> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn SessionBody(
    page: SessionPage,
    cancel: ServerAction<CancelUploadSession>,
    delete: ServerAction<DeleteUploadSession>,
) -> impl IntoView {
    let org = use_org();
    let slug = org.slug.get_untracked();
    let project_id = page.project.id.to_string();
    let session = RwSignal::new(page.session.clone());
    let files = RwSignal::new(page.files.clone());
    let live = page.session.status == UploadStatus::InProgress || page.files.iter().any(|f| f.status.is_pending());
    if live {
        let url = format!("/o/{slug}/uploads/{}/events", page.session.id);
        Effect::new(move |started: Option<()>| {
            if started.is_none() {
                listen(url.clone(), move |update: SessionUpdate, _| {
                    session.set(update.session);
                    files.set(update.files);
                });
            }
        });
    }
    let navigate = use_navigate();
    let uploads = format!("/o/{slug}/projects/{project_id}/uploads");
    Effect::new({
        let uploads = uploads.clone();
        move |_| {
            if let Some(Ok(_)) = delete.value().get() {
                navigate(&uploads, Default::default());
            }
        }
    });
    let can_change = org.can_untracked(Action::UploadFiles);
    let id = page.session.id.to_string();
    view! {
        <RefreshWhile active=live />
        <a href=uploads class="text-sm text-slate-500 hover:underline">{format!("← Uploads of {}", page.project.name)}</a>
        <h1 class="mt-1 text-2xl font-bold tracking-tight text-slate-900">
            {format!("Upload of {}", when(page.session.created_at))}
        </h1>
        {move || {
            let s = session.get();
            view! {
                <section class=CARD aria-label="Session">
                    <div class="flex flex-wrap items-center gap-3">
                        {upload_status_badge(s.status)}
                        <span class="text-sm text-slate-600">
                            {format!(
                                "{} of {} files uploaded, {} refused · {} · {} · by {}",
                                s.files_uploaded,
                                s.files_total,
                                s.files_failed,
                                format_bytes(s.bytes_uploaded),
                                duration(s.duration()),
                                s.created_by.clone().unwrap_or_else(|| "a former member".into()),
                            )}
                        </span>
                        {s.cycle_name.clone().map(|cycle| view! { <span class="text-sm text-slate-600">{format!("Cycle: {cycle}")}</span> })}
                    </div>
                    <div class="mt-3">
                        <ProgressBar
                            label="Files arrived"
                            done=Signal::stored((s.files_uploaded + s.files_failed) as f64)
                            total=Signal::stored(s.files_total.max(1) as f64)
                        />
                    </div>
                    {(!s.failures.is_empty())
                        .then(|| {
                            view! {
                                <ul class="mt-3 space-y-1 text-sm text-red-700" aria-label="Refused files">
                                    {s
                                        .failures
                                        .iter()
                                        .map(|f| view! { <li>{format!("{}: {}", f.name, f.reason)}</li> })
                                        .collect_view()}
                                </ul>
                            }
                        })}
                </section>
            }
        }}
        {can_change
            .then(|| {
                let id = id.clone();
                move || {
                    let id = id.clone();
                    let in_progress = session.with(|s| s.status == UploadStatus::InProgress);
                    view! {
                        <div class="mt-4 flex gap-2">
                            {if in_progress {
                                view! {
                                    <OrgActionForm action=cancel>
                                        <input type="hidden" name="session" value=id />
                                        <button type="submit" class=BUTTON>"Cancel upload"</button>
                                    </OrgActionForm>
                                }
                                    .into_any()
                            } else {
                                view! {
                                    <OrgActionForm action=delete>
                                        <input type="hidden" name="session" value=id />
                                        <button type="submit" class=BUTTON>"Delete session and its files"</button>
                                    </OrgActionForm>
                                }
                                    .into_any()
                            }}
                        </div>
                    }
                }
            })}
        <section class=CARD aria-labelledby="session-files">
            <h2 id="session-files" class="text-lg font-semibold text-slate-900">"Files"</h2>
            {move || view! { <SessionFiles items=files.get() slug=org_href(&org.slug.get_untracked(), "") /> }}
        </section>
    }
}

/// What the session's event stream sends.
#[derive(Debug, Clone, serde::Deserialize)]
struct SessionUpdate {
    session: UploadSession,
    files: Vec<ProjectFile>,
}

/// The files sent in an upload session, or that none has arrived yet.
#[component]
fn SessionFiles(items: Vec<ProjectFile>, slug: String) -> impl IntoView {
    view! {
        <ListTable
            items
            spacing="mt-3"
            label="Session files"
            row=move |file| {
                view! {
                    <tr data-file=file.name.clone()>
                        <td class="py-2 pr-4">
                            {if file.deleted_at.is_some() {
                                view! { <span>{format!("{} (deleted)", file.name)}</span> }.into_any()
                            } else {
                                view! {
                                    <a href=format!("{slug}/files/{}/download", file.id) rel="external" download="" class="text-indigo-700 hover:underline">
                                        {file.name.clone()}
                                    </a>
                                }
                                    .into_any()
                            }}
                        </td>
                        <td class="py-2 pr-4 text-slate-600">{format_bytes(file.size_bytes)}</td>
                        <td class="py-2 pr-4 text-slate-600">{file.content_type.clone().unwrap_or_default()}</td>
                        <td class="py-2 pr-4" data-status=file.status.as_str()>
                            {file_status_badge(file.status)}
                            {file.failure.clone().map(|reason| view! { <p class="mt-1 text-xs text-red-700">{reason}</p> })}
                        </td>
                    </tr>
                }
            }
        >
            <Columns slot>
                <th scope="col">"Name"</th>
                <th scope="col">"Size"</th>
                <th scope="col">"Type"</th>
                <th scope="col">"Status"</th>
            </Columns>
            <Empty slot>"No file has arrived."</Empty>
        </ListTable>
    }
}
