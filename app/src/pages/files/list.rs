//! `/o/{org}/projects/{id}/files`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    progress::ProgressBar,
    status::file_status_badge,
    style::{BUTTON, CARD, LABEL, PRIMARY, SELECT},
    tabs::ProjectTabs,
};
use crate::{
    api::files::{FilesPage as FilesData, RenameFile, TrashFile, list_files},
    components::{
        errors::PageError,
        format::when,
        forms::{FormError, field_error, form_error},
        list::{Columns, Empty, ListTable},
        live::{RefreshWhile, Sent, listen, use_changes},
        org::use_org,
        org_form::OrgActionForm,
        pagination::Pager,
    },
    model::{Action, ProjectFile, file::format_bytes},
};

/// One file of an upload in this page, as it goes.
#[derive(Debug, Clone, PartialEq)]
struct Sending {
    name: String,
    size: f64,
    sent: f64,
    outcome: Option<Sent>,
}

#[component]
pub fn FilesPage() -> impl IntoView {
    let org = use_org();
    let params = use_params_map();
    let query = use_query_map();
    let project = Memo::new(move |_| params.with(|p| p.get("project").unwrap_or_default()));
    let trash = Memo::new(move |_| query.with(|q| q.get("view").as_deref() == Some("trash")));
    let page = Memo::new(move |_| query.with(|q| q.get("page").and_then(|p| p.parse::<u32>().ok())));
    let rename = ServerAction::<RenameFile>::new();
    let move_file = ServerAction::<TrashFile>::new();
    let uploaded = RwSignal::new(0_u32);
    let sending = RwSignal::new(Vec::<Sending>::new());
    let data = Resource::new(
        move || {
            (
                org.slug.get(),
                project.get(),
                trash.get(),
                page.get(),
                rename.version().get(),
                move_file.version().get(),
                uploaded.get(),
            )
        },
        |(slug, project, trash, page, ..)| list_files(slug, project, trash, page),
    );
    // Files uploaded, processed, renamed or trashed by anyone (the event
    // does not say in which project: any file's change reads the page
    // again), held back while the person renames one.
    use_changes().on(|change| change.is(&["file."]), Some("files-page"), move || data.refetch());
    let error = Signal::derive(move || form_error(move_file).get());
    view! {
        <Title text="Files · Atrium" />
        <div id="files-page" class="max-w-6xl">
            // A transition: reading the files again keeps the page up.
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => {
                            view! { <FilesBody page trash=trash.get_untracked() sending uploaded rename move_file /> }
                                .into_any()
                        }
                        Err(error) => view! { <PageError error /> }.into_any(),
                    }
                })}
            </Transition>
            <FormError message=error />
        </div>
    }
}

#[component]
fn FilesBody(
    page: FilesData,
    trash: bool,
    sending: RwSignal<Vec<Sending>>,
    uploaded: RwSignal<u32>,
    rename: ServerAction<RenameFile>,
    move_file: ServerAction<TrashFile>,
) -> impl IntoView {
    let org = use_org();
    let slug = org.slug.get_untracked();
    let project = page.project.clone();
    let project_id = project.id.to_string();
    let can_upload = org.can_untracked(Action::UploadFiles) && project.archived_at.is_none();
    let files = RwSignal::new(page.files.items.clone());
    let pending = page.files.items.iter().any(|f| f.status.is_pending());
    // Statuses change as files are processed: listen while any is pending
    // (the first page, which new files land on).
    if pending && !trash && page.files.offset == 0 {
        let url = format!("/o/{slug}/projects/{project_id}/files/events");
        Effect::new(move |started: Option<()>| {
            if started.is_none() {
                listen(url.clone(), move |items: Vec<ProjectFile>, _| files.set(items));
            }
        });
    }
    let storage = match page.storage_limit_bytes {
        Some(limit) => format!("{} of {} used", format_bytes(page.storage_used_bytes), format_bytes(limit)),
        None => format!("{} used", format_bytes(page.storage_used_bytes)),
    };
    let position = page.files.position();
    let limit = page.files.limit.max(1);
    let pager_base = format!("/o/{slug}/projects/{project_id}/files{}", if trash { "?view=trash&" } else { "?" });
    let stats = page.stats;
    view! {
        <Title text=format!("Files · {} · Atrium", project.name) />
        <header>
            <a href=format!("/o/{slug}/projects") class="text-sm text-slate-500 hover:underline">"← Projects"</a>
            <h1 class="mt-1 text-2xl font-bold tracking-tight text-slate-900">{project.name.clone()}</h1>
            <ProjectTabs slug=slug.clone() project=project_id.clone() current="files" />
        </header>
        <p class="mt-4 text-sm text-slate-600">
            {format!(
                "{storage} · up to {} per file · {} files uploaded in {} sessions, {:.0}% refused",
                format_bytes(page.file_limit_bytes),
                stats.files_uploaded,
                stats.sessions,
                stats.failure_rate() * 100.0,
            )}
        </p>
        {can_upload
            .then(|| {
                view! {
                    <Uploader
                        slug=slug.clone()
                        project=project_id.clone()
                        cycles=page.cycles.clone()
                        file_limit=page.file_limit_bytes
                        sending
                        uploaded
                    />
                }
            })}
        {project
            .archived_at
            .is_some()
            .then(|| {
                view! {
                    <p role="status" class="mt-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
                        "This project is archived: its files are read-only until it is unarchived."
                    </p>
                }
            })}
        <RefreshWhile active=pending />
        <section class=CARD aria-labelledby="files-heading">
            <div class="flex items-center justify-between">
                <h2 id="files-heading" class="text-lg font-semibold text-slate-900">
                    {if trash { "Trash" } else { "Files" }}
                </h2>
                <a
                    href=format!("/o/{slug}/projects/{project_id}/files{}", if trash { "" } else { "?view=trash" })
                    class="text-sm text-indigo-700 hover:underline"
                >
                    {if trash { "Back to files" } else { "Trash" }}
                </a>
            </div>
            {move || {
                view! { <FileTable items=files.get() slug=slug.clone() trash can_change=can_upload rename move_file /> }
            }}
            <Pager
                position
                noun="files"
                href=move |offset| format!("{pager_base}page={}", offset / limit + 1)
            />
        </section>
    }
}

/// The project's files (or its trash), or that there are none.
#[component]
fn FileTable(
    items: Vec<ProjectFile>,
    slug: String,
    trash: bool,
    can_change: bool,
    rename: ServerAction<RenameFile>,
    move_file: ServerAction<TrashFile>,
) -> impl IntoView {
    view! {
        <ListTable
            items
            spacing="mt-4"
            label="Files"
            row=move |file| {
                let base = format!("/o/{slug}/files/{}", file.id);
                let id = file.id.to_string();
                let dimensions = file.width.zip(file.height).map(|(w, h)| format!(" · {w}×{h}"));
                let for_actions = file.clone();
                let actions = can_change.then(move || {
                    let file = for_actions;
                    let label = format!("{} {}", if trash { "Restore" } else { "Delete" }, file.name);
                    let rename_form = (!trash).then(|| {
                        let file = file.clone();
                        view! { <RenameForm file rename /> }
                    });
                    view! {
                        <div class="flex flex-wrap justify-end gap-2">
                            {rename_form}
                            <OrgActionForm action=move_file>
                                <input type="hidden" name="file" value=id.clone() />
                                <input type="hidden" name="trash" value=(!trash).to_string() />
                                <button type="submit" class=BUTTON aria-label=label>
                                    {if trash { "Restore" } else { "Delete" }}
                                </button>
                            </OrgActionForm>
                        </div>
                    }
                });
                view! {
                    <tr class="align-top" data-file=file.name.clone()>
                        <td class="py-2 pr-3">
                            {file
                                .has_thumbnail
                                .then(|| {
                                    view! {
                                        <img
                                            src=format!("{base}/thumbnail")
                                            alt=""
                                            class="h-10 w-10 rounded object-cover"
                                            loading="lazy"
                                        />
                                    }
                                })}
                        </td>
                        <td class="py-2 pr-4">
                            {if trash {
                                view! { <span class="text-slate-900">{file.name.clone()}</span> }.into_any()
                            } else {
                                view! {
                                    <a href=format!("{base}/download") rel="external" download="" class="font-medium text-indigo-700 hover:underline">
                                        {file.name.clone()}
                                    </a>
                                }
                                    .into_any()
                            }}
                            {file.sha256.clone().map(|sha| view! { <span class="block font-mono text-[11px] text-slate-500" title="SHA-256">{sha[..16].to_owned()}</span> })}
                        </td>
                        <td class="py-2 pr-4 whitespace-nowrap text-slate-600">{format_bytes(file.size_bytes)}</td>
                        <td class="py-2 pr-4 text-slate-600">
                            {file.content_type.clone().unwrap_or_default()}
                            {dimensions}
                        </td>
                        <td class="py-2 pr-4" data-status=file.status.as_str()>
                            {file_status_badge(file.status)}
                            {file.failure.clone().map(|reason| view! { <p class="mt-1 max-w-xs text-xs text-red-700">{reason}</p> })}
                        </td>
                        <td class="py-2 pr-4 text-slate-600">
                            {file.uploaded_by.clone().unwrap_or_else(|| "Former member".into())}
                            <span class="block text-xs text-slate-500">{when(file.created_at)}</span>
                        </td>
                        <td class="py-2 text-right">{actions}                                </td>
                    </tr>
                }
            }
        >
            <Columns slot>
                <th scope="col"><span class="sr-only">"Preview"</span></th>
                <th scope="col">"Name"</th>
                <th scope="col">"Size"</th>
                <th scope="col">"Type"</th>
                <th scope="col">"Status"</th>
                <th scope="col">"Uploaded"</th>
                <th scope="col"><span class="sr-only">"Actions"</span></th>
            </Columns>
            <Empty slot>{if trash { "The trash is empty." } else { "No files yet. Upload some above." }}</Empty>
        </ListTable>
    }
}

#[component]
fn RenameForm(file: ProjectFile, rename: ServerAction<RenameFile>) -> impl IntoView {
    let field_id = format!("rename-{}", file.id);
    let error = field_error(rename, "name");
    view! {
        <details class="text-left">
            <summary class=format!("{BUTTON} cursor-pointer list-none")>"Rename"</summary>
            <OrgActionForm action=rename attr:class="mt-2 flex items-start gap-2">
                <input type="hidden" name="file" value=file.id.to_string() />
                <div>
                    <label for=field_id.clone() class="sr-only">{format!("New name for {}", file.name)}</label>
                    <input
                        id=field_id
                        name="name"
                        value=file.name.clone()
                        maxlength="255"
                        class="w-48 rounded-md border border-slate-300 px-2 py-1 text-sm"
                    />
                    {move || error.get().map(|message| view! { <p class="mt-1 text-xs text-red-700">{message}</p> })}
                </div>
                <button type="submit" class=BUTTON>"Save"</button>
            </OrgActionForm>
        </details>
    }
}

/// The upload form. Without JavaScript it posts every chosen file at once
/// and the server answers with the upload session's page. Hydrated, it
/// starts an upload session and sends the files one by one, each with a
/// progress bar of its bytes sent; a file over the size limit is not sent:
/// only its name and size are, for the server to refuse and list in the
/// session with the others.
#[component]
fn Uploader(
    slug: String,
    project: String,
    cycles: Vec<crate::model::Cycle>,
    file_limit: i64,
    sending: RwSignal<Vec<Sending>>,
    uploaded: RwSignal<u32>,
) -> impl IntoView {
    let action = format!("/o/{slug}/projects/{project}/files");
    let input = NodeRef::<leptos::html::Input>::new();
    let cycle = NodeRef::<leptos::html::Select>::new();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let on_submit = {
        let (slug, project, action) = (slug.clone(), project.clone(), action.clone());
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            #[cfg(feature = "hydrate")]
            start_upload(
                slug.clone(),
                project.clone(),
                action.clone(),
                input,
                cycle,
                file_limit,
                sending,
                error,
                busy,
                uploaded,
            );
            #[cfg(not(feature = "hydrate"))]
            let _ = (&slug, &project, &action, input, cycle, file_limit, sending, error, busy, uploaded);
        }
    };
    view! {
        <section class=CARD aria-labelledby="upload-heading">
            <h2 id="upload-heading" class="text-lg font-semibold text-slate-900">"Upload files"</h2>
            <form
                method="post"
                action=action
                enctype="multipart/form-data"
                on:submit=on_submit
                class="mt-3 flex flex-wrap items-end gap-4"
            >
                <div>
                    <label for="upload-files" class=LABEL>"Files"</label>
                    <input
                        id="upload-files"
                        node_ref=input
                        type="file"
                        name="file"
                        multiple=true
                        required=true
                        aria-describedby="upload-error"
                        class="mt-1 block text-sm text-slate-700 file:mr-3 file:rounded-md file:border-0 file:bg-indigo-50 file:px-3 file:py-1.5 file:text-indigo-700"
                    />
                </div>
                {(!cycles.is_empty())
                    .then(|| {
                        view! {
                            <div>
                                <label for="upload-cycle" class=LABEL>"Cycle"</label>
                                <select id="upload-cycle" node_ref=cycle name="cycle" class=SELECT>
                                    <option value="">"No cycle"</option>
                                    {cycles
                                        .iter()
                                        .map(|c| view! { <option value=c.id.to_string()>{c.name.clone()}</option> })
                                        .collect_view()}
                                </select>
                            </div>
                        }
                    })}
                <button type="submit" class=PRIMARY disabled=move || busy.get()>
                    {move || if busy.get() { "Uploading…" } else { "Upload" }}
                </button>
            </form>
            <p id="upload-error" class="mt-2 text-sm text-red-700" role="alert">
                {move || error.get()}
            </p>
            <p class="mt-2 text-xs text-slate-500">
                {format!("Each file may be up to {}. Files are checked after upload: their type is read from their content.", format_bytes(file_limit))}
            </p>
            <ul class="mt-4 space-y-2" aria-label="Uploads">
                <For each=move || sending.get().into_iter().enumerate() key=|(i, item)| (*i, item.name.clone()) let:entry>
                    {
                        let (index, item) = entry;
                        let done = Signal::derive(move || sending.with(|list| list.get(index).map_or(0.0, |i| i.sent)));
                        let total = item.size;
                        let outcome = move || sending.with(|list| list.get(index).and_then(|i| i.outcome.clone()));
                        view! {
                            <li class="flex flex-wrap items-center gap-3 text-sm" data-upload=item.name.clone()>
                                <span class="w-56 truncate text-slate-800">{item.name.clone()}</span>
                                <ProgressBar label=format!("Upload of {}", item.name) done total=Signal::stored(total) />
                                <span class="text-xs">
                                    {move || match outcome() {
                                        None => view! { <span class="text-slate-500">"Sending…"</span> }.into_any(),
                                        Some(Sent::Stored) => view! { <span class="text-emerald-700">"Uploaded"</span> }.into_any(),
                                        Some(Sent::Refused(reason)) => view! { <span class="text-red-700">{reason}</span> }.into_any(),
                                    }}
                                </span>
                            </li>
                        }
                    }
                </For>
            </ul>
        </section>
    }
}

/// Starts an upload session for the chosen files and sends them one by one.
#[cfg(feature = "hydrate")]
#[allow(clippy::too_many_arguments)]
fn start_upload(
    slug: String,
    project: String,
    action: String,
    input: NodeRef<leptos::html::Input>,
    cycle: NodeRef<leptos::html::Select>,
    file_limit: i64,
    sending: RwSignal<Vec<Sending>>,
    error: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    uploaded: RwSignal<u32>,
) {
    use std::rc::Rc;

    let Some(list) = input.get_untracked().and_then(|input| input.files()) else { return };
    let chosen: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
    if chosen.is_empty() {
        error.set(Some("Choose at least one file.".into()));
        return;
    }
    error.set(None);
    let limit = file_limit as f64;
    let too_large = format!("Larger than the {} limit for one file: not sent.", format_bytes(file_limit));
    let items: Vec<Sending> =
        chosen.iter().map(|file| Sending { name: file.name(), size: file.size(), sent: 0.0, outcome: None }).collect();
    // Every file is in the session; one over the limit is announced (its
    // name and size) but none of its bytes are sent.
    let to_send: Vec<(usize, web_sys::File)> = chosen.into_iter().enumerate().collect();
    sending.set(items);
    let bytes: f64 = to_send.iter().map(|(_, f)| f.size()).filter(|size| *size <= limit).sum();
    let cycle = cycle.get_untracked().map(|select| select.value()).unwrap_or_default();
    busy.set(true);
    leptos::task::spawn_local(async move {
        let count = to_send.len() as i64;
        match crate::api::files::start_upload_session(slug, project, cycle, count, bytes as i64).await {
            Ok(session) => {
                let files = Rc::new(to_send);
                let limit = Rc::new((limit, too_large));
                send_all(Rc::new(action), Rc::new(session.to_string()), files, limit, 0, sending, busy, uploaded);
            }
            Err(err) => {
                busy.set(false);
                sending.set(Vec::new());
                error.set(Some(err.to_string()));
            }
        }
    });
}

/// Sends the `at`-th file of `files`, then the next; at the end the list
/// is read again. `limit` is the size limit in bytes and what to say of a
/// file over it should the server not answer why it refused it.
#[cfg(feature = "hydrate")]
#[allow(clippy::too_many_arguments)]
fn send_all(
    url: std::rc::Rc<String>,
    session: std::rc::Rc<String>,
    files: std::rc::Rc<Vec<(usize, web_sys::File)>>,
    limit: std::rc::Rc<(f64, String)>,
    at: usize,
    sending: RwSignal<Vec<Sending>>,
    busy: RwSignal<bool>,
    uploaded: RwSignal<u32>,
) {
    let Some((index, file)) = files.get(at).cloned() else {
        busy.set(false);
        uploaded.update(|n| *n += 1);
        return;
    };
    let too_large = file.size() > limit.0;
    crate::components::live::send_file(
        &url.clone(),
        &session.clone(),
        &file,
        too_large,
        move |sent| {
            sending.update(|list| {
                if let Some(item) = list.get_mut(index) {
                    item.sent = sent;
                }
            })
        },
        move |outcome| {
            sending.update(|list| {
                if let Some(item) = list.get_mut(index) {
                    let outcome = match outcome {
                        Sent::Stored if too_large => Sent::Refused(limit.1.clone()),
                        outcome => outcome,
                    };
                    if outcome == Sent::Stored {
                        item.sent = item.size;
                    }
                    item.outcome = Some(outcome);
                }
            });
            send_all(url, session, files, limit, at + 1, sending, busy, uploaded);
        },
    );
}
