//! The table of background jobs that the platform's and an organization's
//! jobs pages share.

use leptos::prelude::*;

use crate::{
    components::{
        format::when,
        list::{Columns, Empty, ListTable},
    },
    model::{JobItem, JobStatus},
};

/// The badge colours of a job's status.
pub fn status_class(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Queued => "bg-slate-100 text-slate-700",
        JobStatus::Running => "bg-indigo-100 text-indigo-800",
        JobStatus::Succeeded => "bg-emerald-100 text-emerald-800",
        JobStatus::Failed => "bg-red-100 text-red-800",
        JobStatus::Cancelled => "bg-amber-100 text-amber-900",
    }
}

/// "12 of 40 · message", the message alone, or nothing.
pub fn progress_text(job: &JobItem) -> String {
    match (job.progress_total, &job.progress_message) {
        (Some(total), message) => {
            format!(
                "{} of {total}{}",
                job.progress_done,
                message.as_ref().map(|m| format!(" · {m}")).unwrap_or_default()
            )
        }
        (None, Some(message)) => message.clone(),
        (None, None) => String::new(),
    }
}

/// Jobs with status, progress, attempts and times, or the `empty` message
/// when there are none; `cancel` gives the control that cancels an active
/// one.
#[component]
pub fn JobTable<F>(items: Vec<JobItem>, cancel: F, empty: &'static str) -> impl IntoView
where
    F: Fn(&JobItem) -> AnyView + 'static,
{
    view! {
        <ListTable
            items
            label="Jobs"
            row=move |job| {
                let progress = progress_text(&job);
                let control = job.status.is_active().then(|| cancel(&job));
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
                        <td class="py-2 text-right">{control}</td>
                    </tr>
                }
            }
        >
            <Columns slot>
                <th scope="col">"Job"</th>
                <th scope="col">"Status"</th>
                <th scope="col">"Progress"</th>
                <th scope="col">"Attempts"</th>
                <th scope="col">"Queued"</th>
                <th scope="col">"Finished"</th>
                <th scope="col"><span class="sr-only">"Actions"</span></th>
            </Columns>
            <Empty slot>{empty}</Empty>
        </ListTable>
    }
}

/// The button that cancels `job`, for an `ActionForm` of the page's own
/// cancel action.
pub fn cancel_button(job: &JobItem) -> impl IntoView + use<> {
    let (id, label) = (job.id.to_string(), format!("Cancel job {}", job.kind));
    view! {
        <input type="hidden" name="job" value=id />
        <button
            type="submit"
            class="rounded-md border border-slate-300 px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50"
            aria-label=label
        >
            "Cancel"
        </button>
    }
}
