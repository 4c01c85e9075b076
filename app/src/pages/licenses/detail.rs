//! `/o/{org}/licenses/{id}`: one license with its machines, entitlements
//! and validation count; Admins suspend, reinstate, renew and delete it
//! and deactivate its machines.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::{
    status::{heartbeat_label, status_badge},
    style::{BUTTON, CARD},
};
use crate::{
    api::licensing::{
        DeactivateMachine, DeleteLicense, RenewLicense, SetLicenseBanned, SetLicenseSuspended, get_license,
    },
    components::{
        errors::PageError,
        format::when,
        forms::{FormError, form_error},
        org::{org_href, use_org},
    },
    model::{Action, LicenseDetail, LicenseStatus},
};

#[component]
pub fn LicensePage() -> impl IntoView {
    let org = use_org();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("license").unwrap_or_default()));
    let suspend = ServerAction::<SetLicenseSuspended>::new();
    let ban = ServerAction::<SetLicenseBanned>::new();
    let renew = ServerAction::<RenewLicense>::new();
    let delete = ServerAction::<DeleteLicense>::new();
    let deactivate = ServerAction::<DeactivateMachine>::new();
    let license = Resource::new(
        move || (org.slug.get(), id.get(), suspend.version().get(), renew.version().get(), deactivate.version().get()),
        |(slug, id, ..)| get_license(slug, id),
    );
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            navigate(&org_href(&org.slug.get_untracked(), "/licenses"), Default::default());
        }
    });
    let error = Signal::derive(move || {
        [
            form_error(suspend).get(),
            form_error(ban).get(),
            form_error(renew).get(),
            form_error(delete).get(),
            form_error(deactivate).get(),
        ]
        .into_iter()
        .flatten()
        .next()
    });
    view! {
        <Title text="License · Atrium" />
        <div class="max-w-5xl">
            <a href=move || org_href(&org.slug.get(), "/licenses") class="text-sm text-indigo-700 hover:underline">
                "← Licenses"
            </a>
            <FormError message=error />
            <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    org.loaded().await;
                    match license.await {
                        Ok(detail) => {
                            view! { <LicenseView detail suspend ban renew delete deactivate /> }.into_any()
                        }
                        Err(error) => view! { <PageError error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn LicenseView(
    detail: LicenseDetail,
    suspend: ServerAction<SetLicenseSuspended>,
    ban: ServerAction<SetLicenseBanned>,
    renew: ServerAction<RenewLicense>,
    delete: ServerAction<DeleteLicense>,
    deactivate: ServerAction<DeactivateMachine>,
) -> impl IntoView {
    let org = use_org();
    let manage = org.can_untracked(Action::ManageLicenses);
    let l = detail.license.clone();
    let id = l.id.to_string();
    let banned = l.status == LicenseStatus::Banned;
    let suspended = detail.suspended;
    let machines_heading = match detail.max_machines {
        Some(max) => format!("Machines ({} of {max})", detail.machines.len()),
        None => format!("Machines ({})", detail.machines.len()),
    };
    let hidden = move |license: String| {
        view! {
            <input type="hidden" name="org" value=move || org.slug.get() />
            <input type="hidden" name="license" value=license />
        }
    };
    view! {
        <h1 class="mt-2 font-mono text-xl font-bold tracking-tight text-slate-900">{l.key.clone()}</h1>
        <p class="mt-1 text-sm text-slate-600">
            {l.name.clone().unwrap_or_else(|| "Unnamed license".into())}
            {l.owner_email.clone().map(|e| format!(" · {e}"))}
        </p>
        <dl class="mt-4 grid grid-cols-2 gap-4 text-sm sm:grid-cols-4">
            <div>
                <dt class="text-slate-500">"Status"</dt>
                <dd>{status_badge(l.status)}</dd>
            </div>
            <div>
                <dt class="text-slate-500">"Policy"</dt>
                <dd class="text-slate-900">{l.policy_name.clone()}</dd>
            </div>
            <div>
                <dt class="text-slate-500">"Expires"</dt>
                <dd class="text-slate-900">{l.expiry.map_or_else(|| "Never".to_owned(), when)}</dd>
            </div>
            <div>
                <dt class="text-slate-500">"Validations"</dt>
                <dd class="text-slate-900">
                    {detail.validations}
                    {detail.last_validated_at.map(|at| format!(" · last {}", when(at)))}
                </dd>
            </div>
        </dl>
        {manage
            .then(|| {
                let (a, b, c, d) = (id.clone(), id.clone(), id.clone(), id.clone());
                view! {
                    <div class="mt-4 flex flex-wrap gap-2">
                        <ActionForm action=suspend>
                            {hidden(a)}
                            <input type="hidden" name="suspended" value=(!suspended).to_string() />
                            <button type="submit" class=BUTTON>{if suspended { "Reinstate" } else { "Suspend" }}</button>
                        </ActionForm>
                        <ActionForm action=ban>
                            {hidden(d)}
                            <input type="hidden" name="banned" value=(!banned).to_string() />
                            <button type="submit" class=BUTTON>{if banned { "Unban" } else { "Ban" }}</button>
                        </ActionForm>
                        <ActionForm action=renew>
                            {hidden(b)}
                            <button type="submit" class=BUTTON>"Renew"</button>
                        </ActionForm>
                        <ActionForm action=delete>
                            {hidden(c)}
                            <button type="submit" class=BUTTON aria-label=format!("Delete license {}", l.key)>
                                "Delete"
                            </button>
                        </ActionForm>
                    </div>
                }
            })}
        <section class=CARD aria-labelledby="machines-heading">
            <h2 id="machines-heading" class="text-lg font-semibold text-slate-900">{machines_heading}</h2>
            {if detail.machines.is_empty() {
                view! {
                    <p class="mt-2 text-sm text-slate-500">
                        "No machines yet. The software activates one with this key (POST /v1/machines)."
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <div class="table-scroll" tabindex="0">
                        <table class="list-table mt-3">
                            <thead>
                                <tr>
                                    <th scope="col">"Fingerprint"</th>
                                    <th scope="col">"Hostname"</th>
                                    <th scope="col">"Platform"</th>
                                    <th scope="col" class="text-right">"Cores"</th>
                                    <th scope="col">"Heartbeat"</th>
                                    <th scope="col">"Last seen"</th>
                                    <th scope="col"><span class="sr-only">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                {detail
                                    .machines
                                    .into_iter()
                                    .map(|m| {
                                        let fingerprint = m.fingerprint.clone();
                                        let license = id.clone();
                                        view! {
                                            <tr>
                                                <td class="py-2 pr-4 font-mono">{m.fingerprint.clone()}</td>
                                                <td class="py-2 pr-4">{m.hostname.clone().unwrap_or_default()}</td>
                                                <td class="py-2 pr-4">{m.platform.clone().unwrap_or_default()}</td>
                                                <td class="py-2 pr-4 text-right tabular-nums">
                                                    {m.cores.map(|c| c.to_string()).unwrap_or_default()}
                                                </td>
                                                <td class="py-2 pr-4">{heartbeat_label(m.heartbeat)}</td>
                                                <td class="whitespace-nowrap py-2 pr-4 text-slate-600">{when(m.last_seen)}</td>
                                                <td class="py-2 text-right">
                                                    {manage
                                                        .then(|| {
                                                            view! {
                                                                <ActionForm action=deactivate>
                                                                    <input type="hidden" name="org" value=move || org.slug.get() />
                                                                    <input type="hidden" name="license" value=license.clone() />
                                                                    <input type="hidden" name="machine" value=m.id.to_string() />
                                                                    <button
                                                                        type="submit"
                                                                        class=BUTTON
                                                                        aria-label=format!("Deactivate {fingerprint}")
                                                                    >
                                                                        "Deactivate"
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
                    </div>
                }
                    .into_any()
            }}
        </section>
        <section class=CARD aria-labelledby="entitlements-heading">
            <h2 id="entitlements-heading" class="text-lg font-semibold text-slate-900">"Entitlements"</h2>
            {if detail.entitlements.is_empty() {
                view! { <p class="mt-2 text-sm text-slate-500">"Its policy grants none."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-2 text-sm">
                        {detail
                            .entitlements
                            .into_iter()
                            .map(|e| view! { <li><span class="font-mono">{e.code}</span> " · " {e.name}</li> })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
        <section class=CARD aria-labelledby="metadata-heading">
            <h2 id="metadata-heading" class="text-lg font-semibold text-slate-900">"Metadata"</h2>
            <pre class="mt-2 overflow-x-auto rounded bg-slate-50 p-3 text-xs text-slate-800">{detail.metadata}</pre>
        </section>
    }
}
