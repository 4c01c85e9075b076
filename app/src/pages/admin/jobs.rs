//! `/admin/jobs`: the platform's background jobs (the hourly maintenance,
//! account mail) with their status and progress; queued and running ones
//! can be cancelled.

use leptos::prelude::*;
use leptos_meta::Title;

use super::AdminFrame;
use crate::{
    api::platform::{CancelPlatformJob, list_platform_jobs},
    components::{
        errors::PageError,
        forms::{FormError, form_error},
    },
    model::{JobItem, JobStatus},
    pages::licenses::when,
};

fn status_class(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Queued => "bg-slate-100 text-slate-700",
        JobStatus::Running => "bg-indigo-100 text-indigo-800",
        JobStatus::Succeeded => "bg-emerald-100 text-emerald-800",
        JobStatus::Failed => "bg-red-100 text-red-800",
        JobStatus::Cancelled => "bg-amber-100 text-amber-900",
    }
}

#[component]
pub fn PlatformJobsPage() -> impl IntoView {
    let cancel = ServerAction::<CancelPlatformJob>::new();
    let jobs = Resource::new(move || cancel.version().get(), |_| list_platform_jobs());
    view! {
        <Title text="Jobs · Platform admin · Atrium" />
        <AdminFrame>
            <div class="max-w-7xl">
                <h1 class="text-2xl font-bold tracking-tight text-slate-900">"Background jobs"</h1>
                <p class="mt-1 text-sm text-slate-600">
                    "The platform's own work: the hourly maintenance and account mail. Failed attempts are retried \
                     with a growing wait; finished jobs are kept for two weeks."
                </p>
                <FormError message=form_error(cancel) />
                <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match jobs.await {
                            Ok(items) if items.is_empty() => {
                                view! { <p class="mt-6 text-sm text-slate-500">"No jobs yet."</p> }.into_any()
                            }
                            Ok(items) => view! { <JobTable items cancel /> }.into_any(),
                            Err(error) => view! { <PageError error /> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </AdminFrame>
    }
}

#[component]
fn JobTable(items: Vec<JobItem>, cancel: ServerAction<CancelPlatformJob>) -> impl IntoView {
    view! {
        <table class="list-table mt-6" aria-label="Jobs">
            <thead>
                <tr>
                    <th scope="col">"Job"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Progress"</th>
                    <th scope="col">"Attempts"</th>
                    <th scope="col">"Queued"</th>
                    <th scope="col">"Finished"</th>
                    <th scope="col"><span class="sr-only">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {items
                    .into_iter()
                    .map(|job| {
                        let progress = match (job.progress_total, &job.progress_message) {
                            (Some(total), message) => {
                                format!("{} of {total}{}", job.progress_done, message.as_ref().map(|m| format!(" · {m}")).unwrap_or_default())
                            }
                            (None, Some(message)) => message.clone(),
                            (None, None) => String::new(),
                        };
                        let id = job.id.to_string();
                        view! {
                            <tr>
                                <td class="py-2 pr-4 font-mono text-sm text-slate-900">{job.kind.clone()}</td>
                                <td class="py-2 pr-4">
                                    <span class=format!("rounded px-1.5 py-0.5 text-xs font-medium {}", status_class(job.status))>
                                        {job.status.label()}
                                    </span>
                                    {job.last_error.clone().map(|error| view! { <p class="mt-1 max-w-md text-xs text-red-700">{error}</p> })}
                                </td>
                                <td class="py-2 pr-4 text-sm text-slate-600">{progress}</td>
                                <td class="py-2 pr-4 text-sm text-slate-600">{format!("{} of {}", job.attempts, job.max_attempts)}</td>
                                <td class="py-2 pr-4 text-sm text-slate-600">{when(job.created_at)}</td>
                                <td class="py-2 pr-4 text-sm text-slate-600">{job.finished_at.map(when).unwrap_or_default()}</td>
                                <td class="py-2 text-right">
                                    {job
                                        .status
                                        .is_active()
                                        .then(|| {
                                            view! {
                                                <ActionForm action=cancel>
                                                    <input type="hidden" name="job" value=id.clone() />
                                                    <button
                                                        type="submit"
                                                        class="rounded-md border border-slate-300 px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50"
                                                        aria-label=format!("Cancel job {}", job.kind)
                                                    >
                                                        "Cancel"
                                                    </button>
                                                </ActionForm>
                                            }
                                        })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
