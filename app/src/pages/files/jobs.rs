//! `/o/{org}/jobs`: the organization's background jobs (file processing,
//! task imports) with status and progress; Members cancel active ones.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::files::{CancelOrgJob, list_org_jobs},
    components::{
        errors::PageError,
        forms::{FormError, form_error},
        jobs::{JobTable, cancel_button},
        live::RefreshWhile,
        org::use_org,
        org_form::OrgActionForm,
    },
    model::{Action, JobItem},
};

/// How often the hydrated page reads the list again while a job is active.
const REFRESH_MS: u64 = 1500;

#[component]
pub fn OrgJobsPage() -> impl IntoView {
    let org = use_org();
    let cancel = ServerAction::<CancelOrgJob>::new();
    let tick = RwSignal::new(0_u32);
    let jobs =
        Resource::new(move || (org.slug.get(), cancel.version().get(), tick.get()), |(slug, ..)| list_org_jobs(slug));
    view! {
        <Title text="Jobs · Atrium" />
        <div class="max-w-6xl">
            <h1 class="text-2xl font-bold tracking-tight text-slate-900">"Background jobs"</h1>
            <p class="mt-1 text-sm text-slate-600">
                "File processing and task imports of this organization. Finished jobs are kept for two weeks."
            </p>
            <FormError message=form_error(cancel) />
            <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match jobs.await {
                        Ok(items) => {
                            let active = items.iter().any(|job| job.status.is_active());
                            if active {
                                // Read again shortly (hydrated); without
                                // JavaScript the page refreshes itself.
                                set_timeout(move || tick.update(|n| *n += 1), std::time::Duration::from_millis(REFRESH_MS));
                            }
                            let can_cancel = org.can_untracked(Action::UploadFiles);
                            let control = move |job: &JobItem| {
                                if can_cancel {
                                    let button = cancel_button(job);
                                    view! {
                                        <OrgActionForm action=cancel>
                                            {button}
                                        </OrgActionForm>
                                    }
                                        .into_any()
                                } else {
                                    ().into_any()
                                }
                            };
                            view! {
                                <RefreshWhile active />
                                <JobTable
                                    items
                                    cancel=control
                                    empty="No jobs yet: they start when files are uploaded or tasks imported."
                                />
                            }
                                .into_any()
                        }
                        Err(error) => view! { <PageError error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
