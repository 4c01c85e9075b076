//! `/o/{org}/settings/webhooks`: the organization's webhook endpoints
//! (Admins and Owners): add one (its signing secret shown once), choose
//! its events, enable or disable it, rotate its secret, send a test
//! event, and read each endpoint's deliveries with **Redeliver**.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::webhooks::{
        CreateWebhookEndpoint, DeleteWebhookEndpoint, RedeliverWebhook, RotateWebhookSecret, SendWebhookTest,
        UpdateWebhookEndpoint, list_webhook_deliveries, list_webhook_endpoints,
    },
    components::{
        errors::PageError,
        format::when,
        forms::{FormError, SecretField, SubmitButton, TextField, field_error, form_error, reset_after_success},
        list::{Columns, Empty, ListTable},
        org::use_org,
        org_form::OrgActionForm,
    },
    model::webhook::{EVENT_TYPES, WebhookDelivery, WebhookDescription, WebhookEndpoint, WebhookSecret},
};

const CARD: &str = "mt-6 rounded-lg border border-slate-200 bg-white p-6";
const FIELD: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-slate-900";
const BUTTON: &str =
    "rounded-md border border-slate-300 px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50";
const DANGER: &str = "rounded-md border border-red-300 px-2.5 py-1 text-xs font-medium text-red-700 hover:bg-red-50";

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let org = use_org();
    let create = ServerAction::<CreateWebhookEndpoint>::new();
    let rotate = ServerAction::<RotateWebhookSecret>::new();
    let delete = ServerAction::<DeleteWebhookEndpoint>::new();
    let endpoints = Resource::new(
        move || (org.slug.get(), create.version().get(), rotate.version().get(), delete.version().get()),
        |(slug, ..)| list_webhook_endpoints(slug),
    );
    let shown_secret = Signal::derive(move || {
        let rotated = rotate.value().get().and_then(Result::ok);
        let created = create.value().get().and_then(Result::ok);
        // The newest of the two actions wins.
        if rotate.version().get() > 0 && rotated.is_some() { rotated } else { created }
    });
    view! {
        <Title text="Webhooks · Atrium" />
        <div class="max-w-4xl">
            <h1 class="text-2xl font-bold tracking-tight text-slate-900">"Webhooks"</h1>
            <p class="mt-2 text-sm text-slate-600">
                "Atrium posts this organization's events to your endpoints as JSON, signed as the "
                <a href="https://www.standardwebhooks.com/" rel="external" class="font-medium text-indigo-700 underline">
                    "Standard Webhooks"
                </a>
                " specification says (headers webhook-id, webhook-timestamp and webhook-signature): verify each delivery \
                 with its library and the endpoint's secret. Licensing events carry Keygen's names and shapes. A \
                 delivery that fails is tried again for about a day."
            </p>
            <CreateForm create />
            {move || shown_secret.get().map(|shown| view! { <NewSecret shown /> })}
            <section class=CARD aria-labelledby="endpoints-heading">
                <h2 id="endpoints-heading" class="text-lg font-semibold text-slate-900">"Endpoints"</h2>
                <FormError message=form_error(rotate) />
                <FormError message=form_error(delete) />
                <Transition fallback=|| view! { <p class="mt-4 text-slate-500">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        org.loaded().await;
                        match endpoints.await {
                            Ok(items) if items.is_empty() => {
                                view! { <p class="mt-4 text-sm text-slate-600">"No endpoints yet."</p> }.into_any()
                            }
                            Ok(items) => {
                                items
                                    .into_iter()
                                    .map(|endpoint| view! { <EndpointCard endpoint rotate delete /> })
                                    .collect_view()
                                    .into_any()
                            }
                            Err(error) => view! { <PageError error /> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </div>
    }
}

/// The event checkboxes, with `chosen` ticked, and the field's error.
#[component]
fn EventChoice(id_prefix: String, chosen: Vec<String>, #[prop(into)] error: Signal<Option<String>>) -> impl IntoView {
    let error_id = format!("{id_prefix}-events-error");
    let described_by = error_id.clone();
    view! {
        <fieldset class="sm:col-span-2" aria-describedby=described_by>
            <legend class="block text-sm font-medium text-slate-700">"Events"</legend>
            <p class="mt-1 text-sm text-slate-500">"None ticked: every event, including types added later."</p>
            <div class="mt-2 grid gap-1 sm:grid-cols-2">
                {EVENT_TYPES
                    .iter()
                    .map(|(name, meaning)| {
                        let id = format!("{id_prefix}-event-{}", name.replace('.', "-"));
                        let checked = chosen.iter().any(|c| c == name);
                        let label_for = id.clone();
                        view! {
                            <label for=label_for class="flex items-start gap-2 text-sm text-slate-700">
                                <input id=id type="checkbox" name="event_types[]" value=*name checked=checked class="mt-1" />
                                <span>
                                    <span class="font-mono">{*name}</span>
                                    <span class="block text-xs text-slate-500">{*meaning}</span>
                                </span>
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
            <p id=error_id class="mt-1 text-sm text-red-700">{move || error.get()}</p>
        </fieldset>
    }
}

#[component]
fn CreateForm(create: ServerAction<CreateWebhookEndpoint>) -> impl IntoView {
    let form = NodeRef::<leptos::html::Form>::new();
    reset_after_success(create, form);
    let description_error = field_error(create, "description");
    view! {
        <section class=CARD aria-labelledby="add-endpoint-heading">
            <h2 id="add-endpoint-heading" class="text-lg font-semibold text-slate-900">"Add an endpoint"</h2>
            <OrgActionForm action=create node_ref=form attr:class="mt-4 grid gap-4 sm:grid-cols-2" attr:novalidate=true>
                <div class="sm:col-span-2">
                    <FormError message=form_error(create) />
                </div>
                <div class="sm:col-span-2">
                    <TextField
                        label="URL"
                        name="url"
                        id="new-endpoint-url"
                        kind="url"
                        required=true
                        hint="An https:// address that answers 2xx within 10 seconds."
                        error=field_error(create, "url")
                    />
                </div>
                <div class="sm:col-span-2">
                    <label for="new-endpoint-description" class="block text-sm font-medium text-slate-700">
                        "Description (optional)"
                    </label>
                    <input
                        id="new-endpoint-description"
                        name="description"
                        class=FIELD
                        maxlength=WebhookDescription::MAX_LEN
                        aria-invalid=move || description_error.get().is_some().to_string()
                        aria-describedby="new-endpoint-description-error"
                    />
                    <p id="new-endpoint-description-error" class="mt-1 text-sm text-red-700">
                        {move || description_error.get()}
                    </p>
                </div>
                <EventChoice id_prefix="new".into() chosen=Vec::new() error=field_error(create, "event_types") />
                <label for="new-endpoint-enabled" class="flex items-center gap-2 text-sm text-slate-700">
                    <input id="new-endpoint-enabled" type="checkbox" name="enabled" value="on" checked=true />
                    "Enabled: deliver events now"
                </label>
                <div class="self-end sm:w-48">
                    <SubmitButton label="Add endpoint" pending_label="Adding…" pending=create.pending() />
                </div>
            </OrgActionForm>
        </section>
    }
}

/// A signing secret just made: shown once, never again.
#[component]
fn NewSecret(shown: WebhookSecret) -> impl IntoView {
    view! {
        <section class="mt-6 rounded-lg border border-emerald-300 bg-emerald-50 p-6" aria-labelledby="webhook-secret-heading">
            <h2 id="webhook-secret-heading" class="break-all text-lg font-semibold text-slate-900">
                {format!("Signing secret for {}", shown.endpoint.url)}
            </h2>
            <p class="mt-1 text-sm text-slate-700">
                "Copy it into your receiver now: it is shown this once. After a rotation the previous secret also \
                 signs for 24 hours."
            </p>
            <SecretField id="webhook-secret" label="Signing secret" value=shown.secret />
        </section>
    }
}

#[component]
fn EndpointCard(
    endpoint: WebhookEndpoint,
    rotate: ServerAction<RotateWebhookSecret>,
    delete: ServerAction<DeleteWebhookEndpoint>,
) -> impl IntoView {
    let org = use_org();
    let update = ServerAction::<UpdateWebhookEndpoint>::new();
    let test = ServerAction::<SendWebhookTest>::new();
    let redeliver = ServerAction::<RedeliverWebhook>::new();
    let refresh = RwSignal::new(0_u32);
    let current = RwSignal::new(endpoint.clone());
    Effect::new(move |_| {
        if let Some(Ok(changed)) = update.value().get() {
            current.set(changed);
        }
    });
    let id = endpoint.id.to_string();
    let deliveries = Resource::new(
        {
            let id = id.clone();
            move || (org.slug.get(), id.clone(), test.version().get(), redeliver.version().get(), refresh.get())
        },
        |(slug, id, ..)| list_webhook_deliveries(slug, id),
    );
    let prefix = format!("endpoint-{}", endpoint.id);
    let heading_id = format!("{prefix}-heading");
    let labelled_by = heading_id.clone();
    let url_label = endpoint.url.clone();
    let (test_id, rotate_id, delete_id) = (id.clone(), id.clone(), id);
    let test_label = format!("Send a test event to {url_label}");
    let rotate_label = format!("Rotate the secret of {url_label}");
    let delete_label = format!("Delete the endpoint {url_label}");
    view! {
        <article class="mt-4 rounded-md border border-slate-200 p-4" aria-labelledby=labelled_by>
            <h3 id=heading_id class="break-all font-mono text-sm font-semibold text-slate-900">{endpoint.url.clone()}</h3>
            {move || {
                let e = current.get();
                let status = match (e.enabled, e.disabled_reason.clone()) {
                    (true, _) => "Enabled".to_owned(),
                    (false, Some(reason)) => format!("Disabled by Atrium: {reason}"),
                    (false, None) => "Disabled".to_owned(),
                };
                let events = if e.event_types.is_empty() { "Every event".to_owned() } else { e.event_types.join(", ") };
                view! {
                    <dl class="mt-2 grid grid-cols-[8rem_minmax(0,1fr)] gap-x-3 gap-y-1 text-sm">
                        <dt class="text-slate-500">"Status"</dt>
                        <dd class="text-slate-900" data-testid="endpoint-status">{status}</dd>
                        <dt class="text-slate-500">"Description"</dt>
                        <dd class="break-words text-slate-700">{e.description.clone()}</dd>
                        <dt class="text-slate-500">"Events"</dt>
                        <dd class="break-words font-mono text-xs text-slate-700">{events}</dd>
                        <dt class="text-slate-500">"Secret"</dt>
                        <dd class="font-mono text-xs text-slate-700">
                            {format!("{}…", e.secret_start)}
                            {e.previous_secret_until.map(|until| format!(" (the previous one signs too until {})", when(until)))}
                        </dd>
                        {e.failing_since.map(|since| view! {
                            <dt class="text-slate-500">"Failing since"</dt>
                            <dd class="text-red-700">{when(since)}</dd>
                        })}
                    </dl>
                }
            }}
            <div class="mt-3 flex flex-wrap gap-2">
                <OrgActionForm action=test>
                    <input type="hidden" name="endpoint" value=test_id />
                    <button type="submit" class=BUTTON aria-label=test_label>
                        "Send test event"
                    </button>
                </OrgActionForm>
                <OrgActionForm action=rotate>
                    <input type="hidden" name="endpoint" value=rotate_id />
                    <button type="submit" class=BUTTON aria-label=rotate_label>
                        "Rotate secret"
                    </button>
                </OrgActionForm>
                <OrgActionForm action=delete>
                    <input type="hidden" name="endpoint" value=delete_id />
                    <button type="submit" class=DANGER aria-label=delete_label>
                        "Delete"
                    </button>
                </OrgActionForm>
            </div>
            <FormError message=form_error(test) />
            <FormError message=form_error(redeliver) />
            <details class="mt-3">
                <summary class="cursor-pointer text-sm font-medium text-indigo-700">"Edit"</summary>
                <EditForm endpoint update prefix=prefix.clone() />
            </details>
            <div class="mt-4 flex items-center justify-between gap-2">
                <h4 class="text-sm font-semibold text-slate-900">"Deliveries"</h4>
                <button type="button" class=BUTTON on:click=move |_| refresh.update(|n| *n += 1)>
                    "Refresh"
                </button>
            </div>
            <Transition fallback=|| view! { <p class="mt-2 text-sm text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match deliveries.await {
                        Ok(items) => view! { <DeliveryLog items redeliver /> }.into_any(),
                        Err(error) => view! { <PageError error /> }.into_any(),
                    }
                })}
            </Transition>
        </article>
    }
}

#[component]
fn EditForm(endpoint: WebhookEndpoint, update: ServerAction<UpdateWebhookEndpoint>, prefix: String) -> impl IntoView {
    let url_id = format!("{prefix}-url");
    let description_id = format!("{prefix}-description");
    let enabled_id = format!("{prefix}-enabled");
    let enabled_for = enabled_id.clone();
    let (url_for, url_error_id, url_described) = (url_id.clone(), format!("{url_id}-error"), format!("{url_id}-error"));
    let (description_for, description_error_id, description_described) =
        (description_id.clone(), format!("{description_id}-error"), format!("{description_id}-error"));
    let url_error = field_error(update, "url");
    let description_error = field_error(update, "description");
    view! {
        <OrgActionForm action=update attr:class="mt-3 grid gap-4 sm:grid-cols-2" attr:novalidate=true>
            <input type="hidden" name="endpoint" value=endpoint.id.to_string() />
            <div class="sm:col-span-2">
                <FormError message=form_error(update) />
            </div>
            <div class="sm:col-span-2">
                <label for=url_for class="block text-sm font-medium text-slate-700">"URL"</label>
                <input
                    id=url_id
                    name="url"
                    type="url"
                    value=endpoint.url.clone()
                    class=FIELD
                    aria-invalid=move || url_error.get().is_some().to_string()
                    aria-describedby=url_described
                />
                <p id=url_error_id class="mt-1 text-sm text-red-700">{move || url_error.get()}</p>
            </div>
            <div class="sm:col-span-2">
                <label for=description_for class="block text-sm font-medium text-slate-700">"Description"</label>
                <input
                    id=description_id
                    name="description"
                    value=endpoint.description.clone()
                    class=FIELD
                    aria-invalid=move || description_error.get().is_some().to_string()
                    aria-describedby=description_described
                />
                <p id=description_error_id class="mt-1 text-sm text-red-700">
                    {move || description_error.get()}
                </p>
            </div>
            <EventChoice id_prefix=prefix.clone() chosen=endpoint.event_types.clone() error=field_error(update, "event_types") />
            <label for=enabled_for class="flex items-center gap-2 text-sm text-slate-700">
                <input id=enabled_id type="checkbox" name="enabled" value="on" checked=endpoint.enabled />
                "Enabled"
            </label>
            <div class="self-end sm:w-48">
                <SubmitButton label="Save endpoint" pending_label="Saving…" pending=update.pending() />
            </div>
        </OrgActionForm>
    }
}

#[component]
fn DeliveryLog(items: Vec<WebhookDelivery>, redeliver: ServerAction<RedeliverWebhook>) -> impl IntoView {
    view! {
        <ListTable
            items
            spacing="mt-2"
            label="Deliveries"
            row=move |delivery: WebhookDelivery| {
                let answer = match (delivery.status_code, delivery.error.clone()) {
                    (Some(status), _) => status.to_string(),
                    (None, Some(error)) => error,
                    (None, None) => "No answer".to_owned(),
                };
                let ok = delivery.succeeded();
                let label = format!("Redeliver the {} event of {}", delivery.event_type, when(delivery.created_at));
                view! {
                    <tr>
                        <td class="py-2 pr-4 font-mono text-xs text-slate-900">{delivery.event_type.clone()}</td>
                        <td class="py-2 pr-4 text-slate-600">{when(delivery.created_at)}</td>
                        <td class="py-2 pr-4 text-slate-700">{delivery.attempt}</td>
                        <td class=if ok { "py-2 pr-4 text-emerald-700" } else { "py-2 pr-4 text-red-700" }>{answer}</td>
                        <td class="py-2 pr-4 text-slate-600">{format!("{} ms", delivery.duration_ms)}</td>
                        <td class="max-w-xs truncate py-2 pr-4 font-mono text-xs text-slate-600" title=delivery.response_head.clone()>
                            {delivery.response_head.clone()}
                        </td>
                        <td class="py-2 text-right">
                            <OrgActionForm action=redeliver>
                                <input type="hidden" name="delivery" value=delivery.id.to_string() />
                                <button type="submit" class=BUTTON aria-label=label>"Redeliver"</button>
                            </OrgActionForm>
                        </td>
                    </tr>
                }
            }
        >
            <Columns slot>
                <th scope="col">"Event"</th>
                <th scope="col">"When"</th>
                <th scope="col">"Attempt"</th>
                <th scope="col">"Answer"</th>
                <th scope="col">"Took"</th>
                <th scope="col">"Response"</th>
                <th scope="col"><span class="sr-only">"Actions"</span></th>
            </Columns>
            <Empty slot>"No deliveries yet."</Empty>
        </ListTable>
    }
}
