//! `/admin/jobs`: the platform's background jobs (the hourly maintenance,
//! account mail) with their status and progress; queued and running ones
//! can be cancelled.

use leptos::prelude::*;
use leptos_meta::Title;

use super::frame::AdminFrame;
use crate::{
    api::platform::{CancelPlatformJob, list_platform_jobs},
    components::{
        errors::PageError,
        forms::{FormError, form_error},
        jobs::{JobTable, cancel_button},
    },
    model::JobItem,
};

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
                            Ok(items) => {
                                let cancel = move |job: &JobItem| {
                                    let button = cancel_button(job);
                                    view! { <ActionForm action=cancel>{button}</ActionForm> }.into_any()
                                };
                                view! { <JobTable items cancel empty="No jobs yet." /> }.into_any()
                            }
                            Err(error) => view! { <PageError error /> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </AdminFrame>
    }
}
