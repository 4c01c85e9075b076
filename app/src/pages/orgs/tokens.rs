//! `/o/{org}/settings/tokens`: the organization's API tokens (Admins and
//! Owners): create one (its secret shown once, with a command that uses
//! it), see when each was last used and from where, revoke.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{
        draft::typed_values,
        tokens::{CreateApiToken, RevokeApiToken, list_api_tokens},
    },
    components::{
        errors::PageError,
        format::when,
        forms::{FormError, SecretField, SubmitButton, TextField, field_error, form_error, reset_after_success},
        list::{Columns, Empty, ListTable},
        org::use_org,
        org_form::OrgActionForm,
    },
    model::{ApiToken, CreatedApiToken, TokenName, TokenRole, TokenStatus},
};

const CARD: &str = "mt-6 rounded-lg border border-slate-200 bg-white p-6";
const FIELD: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-slate-900";
const DANGER: &str = "rounded-md border border-red-300 px-2.5 py-1 text-xs font-medium text-red-700 hover:bg-red-50";

#[component]
pub fn TokensPage() -> impl IntoView {
    let org = use_org();
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(
        move || (org.slug.get(), create.version().get(), revoke.version().get()),
        |(slug, ..)| list_api_tokens(slug),
    );
    view! {
        <Title text="API tokens · Atrium" />
        <div class="max-w-4xl">
            <h1 class="text-2xl font-bold tracking-tight text-slate-900">"API tokens"</h1>
            <p class="mt-2 text-sm text-slate-600">
                "Tokens let scripts and other software act for this organization through the "
                <a href="/docs/api" class="font-medium text-indigo-700 underline">"REST API"</a>
                ". A token acts for you: it stops working if your own role falls below it."
            </p>
            <CreateForm create />
            {move || create.value().get().and_then(Result::ok).map(|created| view! { <NewSecret created /> })}
            <section class=CARD aria-labelledby="tokens-heading">
                <h2 id="tokens-heading" class="text-lg font-semibold text-slate-900">"Tokens"</h2>
                <FormError message=form_error(revoke) />
                <Transition fallback=|| view! { <p class="mt-4 text-slate-500">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        org.loaded().await;
                        match tokens.await {
                            Ok(items) => view! { <TokenList items revoke /> }.into_any(),
                            Err(error) => view! { <PageError error /> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </div>
    }
}

#[component]
fn CreateForm(create: ServerAction<CreateApiToken>) -> impl IntoView {
    let form = NodeRef::<leptos::html::Form>::new();
    reset_after_success(create, form);
    let typed = typed_values(create);
    let expiry_error = field_error(create, "expires_on");
    let role_error = field_error(create, "role");
    view! {
        <section class=CARD aria-labelledby="create-token-heading">
            <h2 id="create-token-heading" class="text-lg font-semibold text-slate-900">"Create a token"</h2>
            <OrgActionForm action=create node_ref=form attr:class="mt-4 grid gap-4 sm:grid-cols-2" attr:novalidate=true>
                <div class="sm:col-span-2">
                    <FormError message=form_error(create) />
                </div>
                <TextField
                    label="Name"
                    name="name"
                    required=true
                    maxlength=TokenName::MAX_LEN
                    hint="What will use it, such as “Billing webhook”."
                    value=typed("name")
                    error=field_error(create, "name")
                />
                <div>
                    <label for="token-role" class="block text-sm font-medium text-slate-700">"Role"</label>
                    <select
                        id="token-role"
                        name="role"
                        class=FIELD
                        aria-invalid=move || role_error.get().is_some().to_string()
                        aria-describedby="token-role-error"
                    >
                        {TokenRole::ALL
                            .iter()
                            .map(|role| {
                                view! {
                                    <option value=role.as_str() selected=*role == TokenRole::Member>
                                        {role.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <p id="token-role-error" class="mt-1 text-sm text-red-700">{move || role_error.get()}</p>
                </div>
                <div>
                    <label for="token-expires" class="block text-sm font-medium text-slate-700">
                        "Expires after (optional)"
                    </label>
                    <input
                        id="token-expires"
                        name="expires_on"
                        type="date"
                        class=FIELD
                        value=typed("expires_on")
                        aria-invalid=move || expiry_error.get().is_some().to_string()
                        aria-describedby="token-expires-hint token-expires-error"
                    />
                    <p id="token-expires-hint" class="mt-1 text-sm text-slate-500">
                        "The token works through this day (UTC). Empty: until revoked."
                    </p>
                    <p id="token-expires-error" class="mt-1 text-sm text-red-700">{move || expiry_error.get()}</p>
                </div>
                <div class="self-end sm:w-48">
                    <SubmitButton label="Create token" pending_label="Creating…" pending=create.pending() />
                </div>
            </OrgActionForm>
        </section>
    }
}

/// The secret of the token just created, with a copy button and a command
/// that uses it: shown once, never again.
#[component]
fn NewSecret(created: CreatedApiToken) -> impl IntoView {
    let command = format!("curl -H \"Authorization: Bearer {}\" {}/projects", created.secret, created.api_url);
    view! {
        <section class="mt-6 rounded-lg border border-emerald-300 bg-emerald-50 p-6" aria-labelledby="secret-heading">
            <h2 id="secret-heading" class="text-lg font-semibold text-slate-900">
                {format!("Token “{}” created", created.token.name)}
            </h2>
            <p class="mt-1 text-sm text-slate-700">
                "Copy its secret now: it is shown this once, and Atrium keeps only a hash of it."
            </p>
            <SecretField id="token-secret" label="Secret" value=created.secret />
            <p class="mt-4 text-sm font-medium text-slate-700" id="token-example-label">"Try it:"</p>
            <pre
                class="mt-1 overflow-x-auto rounded-md bg-slate-900 p-3 text-xs text-slate-100"
                aria-labelledby="token-example-label"
                data-testid="token-example"
            >
                <code>{command}</code>
            </pre>
        </section>
    }
}

#[component]
fn TokenList(items: Vec<ApiToken>, revoke: ServerAction<RevokeApiToken>) -> impl IntoView {
    view! {
        <ListTable
            items
            spacing="mt-4"
            row=move |token: ApiToken| {
                let status = token.status;
                let last_used = match (token.last_used_at, token.last_used_network.clone()) {
                    (Some(at), Some(network)) => format!("{} from {network}", when(at)),
                    (Some(at), None) => when(at),
                    (None, _) => "Never".to_owned(),
                };
                let expires = token
                    .expires_at
                    .map_or_else(|| "Never".to_owned(), |at| crate::model::task::format_date((at - time::Duration::days(1)).date()));
                let revoke_label = format!("Revoke the token {}", token.name);
                let id = token.id.to_string();
                view! {
                    <tr>
                        <td class="py-2 pr-4">
                            <span class="font-medium text-slate-900">{token.name.clone()}</span>
                            <span class="block font-mono text-xs text-slate-500">{format!("{}…", token.secret_start)}</span>
                        </td>
                        <td class="py-2 pr-4 text-slate-700">{token.role.label()}</td>
                        <td class="py-2 pr-4 text-slate-600">
                            {token.created_by.clone().unwrap_or_else(|| "A deleted account".into())}
                            <span class="block text-xs">{when(token.created_at)}</span>
                        </td>
                        <td class="py-2 pr-4 text-slate-600">{expires}</td>
                        <td class="py-2 pr-4 text-slate-600">{last_used}</td>
                        <td class="py-2 pr-4 text-slate-700">{status.label()}</td>
                        <td class="py-2 text-right">
                            {(status != TokenStatus::Revoked)
                                .then(|| {
                                    view! {
                                        <OrgActionForm action=revoke>
                                            <input type="hidden" name="token" value=id />
                                            <button type="submit" class=DANGER aria-label=revoke_label>
                                                "Revoke"
                                            </button>
                                        </OrgActionForm>
                                    }
                                })}
                        </td>
                    </tr>
                }
            }
        >
            <Columns slot>
                <th scope="col">"Name"</th>
                <th scope="col">"Role"</th>
                <th scope="col">"Created by"</th>
                <th scope="col">"Expires after"</th>
                <th scope="col">"Last used"</th>
                <th scope="col">"Status"</th>
                <th scope="col"><span class="sr-only">"Actions"</span></th>
            </Columns>
            <Empty slot>"No tokens yet."</Empty>
        </ListTable>
    }
}
