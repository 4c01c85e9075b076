//! `/docs/api`: the REST API's reference, for people, from the same
//! generated document as `/api/v1/openapi.json` (so it cannot say other
//! than what the server does). Public, served from the app's own assets.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::docs::{get_api_reference, get_license_api_reference},
    components::errors::PageError,
    model::api_reference::{ApiField, ApiOperation, ApiReference, ApiSchema},
};

const CARD: &str = "mt-6 rounded-lg border border-slate-200 bg-white p-5";

#[component]
pub fn ApiDocsPage() -> impl IntoView {
    let reference = Resource::new(|| (), |_| get_api_reference());
    let other = ("/docs/license-api", "The license API (Keygen's protocol, for license keys and licensing by token)");
    view! {
        <Title text="REST API reference · Atrium" />
        <ReferencePage reference other auth="Send an API token as Authorization: Bearer atr_…." />
    }
}

/// `/docs/license-api`: the license API's reference (`/v1`), from the
/// same generated document as `/v1/openapi.json`.
#[component]
pub fn LicenseApiDocsPage() -> impl IntoView {
    let reference = Resource::new(|| (), |_| get_license_api_reference());
    let other = ("/docs/api", "The REST API (projects, tasks, members and the rest, by token)");
    view! {
        <Title text="License API reference · Atrium" />
        <ReferencePage
            reference
            other
            auth="Software on a customer's machine sends its license key as Authorization: License <key>; software acting for the organization sends an API token as Authorization: Bearer atr_…. Every route also answers under /v1/accounts/{account} (the organization's slug or id)."
        />
    }
}

#[component]
fn ReferencePage(
    reference: Resource<Result<ApiReference, crate::error::AppError>>,
    other: (&'static str, &'static str),
    auth: &'static str,
) -> impl IntoView {
    view! {
        <main id="main" tabindex="-1" class="mx-auto max-w-4xl px-4 py-10">
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match reference.await {
                        Ok(reference) => view! { <Reference reference other auth /> }.into_any(),
                        Err(error) => view! { <PageError error /> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn Reference(reference: ApiReference, other: (&'static str, &'static str), auth: &'static str) -> impl IntoView {
    let base = reference.base.clone();
    let (other_href, other_label) = other;
    view! {
        <h1 class="text-2xl font-bold tracking-tight text-slate-900">{reference.title}</h1>
        <p class="mt-2 break-words text-sm text-slate-600">{reference.description}</p>
        <p class="mt-2 text-sm text-slate-600">
            "Paths start at " <code class="break-all">{base.clone()}</code> ". " {auth} " The machine-readable document: "
            <a href=format!("{base}/openapi.json") rel="external" class="break-all font-medium text-indigo-700 underline">
                {format!("{base}/openapi.json")}
            </a> "."
        </p>
        <p class="mt-2 text-sm text-slate-600">
            "See also: " <a href=other_href class="font-medium text-indigo-700 underline">{other_label}</a> "."
        </p>
        <nav aria-label="Routes" class=CARD>
            <h2 class="text-lg font-semibold text-slate-900">"Routes"</h2>
            <ul class="mt-2 space-y-1 text-sm">
                {reference
                    .operations
                    .iter()
                    .map(|operation| {
                        view! {
                            <li>
                                <a href=format!("#{}", operation.operation_id) class="break-all font-mono text-indigo-700 underline">
                                    {format!("{} {}", operation.method, operation.path)}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
        {reference.operations.into_iter().map(|operation| view! { <Operation operation /> }).collect_view()}
        <h2 class="mt-10 text-xl font-semibold text-slate-900">"Schemas"</h2>
        {reference.schemas.into_iter().map(|schema| view! { <Schema schema /> }).collect_view()}
    }
}

#[component]
fn Operation(operation: ApiOperation) -> impl IntoView {
    let heading = format!("{} {}", operation.method, operation.path);
    let label = heading.clone();
    view! {
        <section id=operation.operation_id.clone() class=CARD aria-label=label>
            <h2 class="break-all font-mono text-base font-semibold text-slate-900">{heading}</h2>
            <p class="mt-1 whitespace-pre-line break-words text-sm text-slate-700">{operation.summary}</p>
            {(!operation.description.is_empty())
                .then(|| view! { <p class="mt-1 whitespace-pre-line break-words text-sm text-slate-600">{operation.description}</p> })}
            {(!operation.parameters.is_empty())
                .then(|| view! { <Fields caption="Parameters" fields=operation.parameters /> })}
            {operation
                .body
                .map(|body| {
                    view! {
                        <p class="mt-3 text-sm text-slate-700">
                            "Body: " <a href=format!("#schema-{body}") class="break-all font-mono text-indigo-700 underline">{body.clone()}</a>
                        </p>
                    }
                })}
            <h3 class="mt-3 text-sm font-semibold text-slate-900">"Answers"</h3>
            <dl class="mt-1 grid grid-cols-[4rem_minmax(0,1fr)] gap-x-3 gap-y-1 text-sm">
                {operation
                    .responses
                    .into_iter()
                    .map(|(status, description)| {
                        view! {
                            <dt class="font-mono text-slate-900">{status}</dt>
                            <dd class="whitespace-pre-line break-words text-slate-600">{description}</dd>
                        }
                    })
                    .collect_view()}
            </dl>
        </section>
    }
}

#[component]
fn Schema(schema: ApiSchema) -> impl IntoView {
    view! {
        <section id=format!("schema-{}", schema.name) class=CARD aria-label=format!("Schema {}", schema.name)>
            <h3 class="break-all font-mono text-base font-semibold text-slate-900">{schema.name.clone()}</h3>
            {(!schema.description.is_empty())
                .then(|| view! { <p class="mt-1 whitespace-pre-line break-words text-sm text-slate-600">{schema.description}</p> })}
            {(!schema.fields.is_empty()).then(|| view! { <Fields caption="Fields" fields=schema.fields /> })}
        </section>
    }
}

#[component]
fn Fields(caption: &'static str, fields: Vec<ApiField>) -> impl IntoView {
    view! {
        <div class="table-scroll mt-3" tabindex="0">
            <table class="list-table">
                <caption class="text-left text-sm font-semibold text-slate-900">{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"In / type"</th>
                        <th scope="col">"Required"</th>
                        <th scope="col">"Meaning"</th>
                    </tr>
                </thead>
                <tbody>
                    {fields
                        .into_iter()
                        .map(|field| {
                            view! {
                                <tr>
                                    <td class="font-mono">{field.name}</td>
                                    <td class="font-mono">{field.kind}</td>
                                    <td>{if field.required { "yes" } else { "no" }}</td>
                                    <td class="whitespace-pre-line">{field.description}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
