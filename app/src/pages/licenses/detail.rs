//! `/o/{org}/licenses/{id}`: one license with its machines, entitlements
//! and validation count; Admins suspend, reinstate, renew and delete it
//! and deactivate its machines.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};
use time::OffsetDateTime;

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
        list::{Columns, Empty, ListTable},
        live::use_changes,
        org::{org_href, use_org},
        org_form::OrgActionForm,
    },
    model::{Action, Entitlement, LicenseDetail, LicenseItem, LicenseStatus, Machine, license::LicenseCheckIn},
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
    // This license changed, or a machine (of any license: the event does
    // not say which) was activated, deactivated or culled.
    use_changes().on(
        move |change| {
            (change.is(&["license."]) && change.resource_id == id.get_untracked()) || change.is(&["machine."])
        },
        None,
        move || license.refetch(),
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

/// The license: what it is, what the organization may do with it (for
/// Admins), its machines, its entitlements and its metadata.
#[component]
fn LicenseView(
    detail: LicenseDetail,
    suspend: ServerAction<SetLicenseSuspended>,
    ban: ServerAction<SetLicenseBanned>,
    renew: ServerAction<RenewLicense>,
    delete: ServerAction<DeleteLicense>,
    deactivate: ServerAction<DeactivateMachine>,
) -> impl IntoView {
    let manage = use_org().can_untracked(Action::ManageLicenses);
    let LicenseDetail {
        license,
        suspended,
        metadata,
        max_machines,
        machines,
        entitlements,
        validations,
        last_validated_at,
        check_in,
    } = detail;
    let id = license.id.to_string();
    view! {
        <LicenseSummary license=license.clone() validations last_validated_at check_in />
        {manage.then(|| view! { <LicenseActions license suspended suspend ban renew delete /> })}
        <Machines license=id machines max_machines manage deactivate />
        <Entitlements entitlements />
        <Metadata metadata />
    }
}

/// The license's key, name and owner, with its status, policy, expiry and
/// validations, and its check-ins when its policy requires them.
#[component]
fn LicenseSummary(
    license: LicenseItem,
    validations: u64,
    last_validated_at: Option<OffsetDateTime>,
    check_in: Option<LicenseCheckIn>,
) -> impl IntoView {
    view! {
        <h1 class="mt-2 font-mono text-xl font-bold tracking-tight text-slate-900">{license.key.clone()}</h1>
        <p class="mt-1 text-sm text-slate-600">
            {license.name.clone().unwrap_or_else(|| "Unnamed license".into())}
            {license.owner_email.clone().map(|e| format!(" · {e}"))}
        </p>
        <dl class="mt-4 grid grid-cols-2 gap-4 text-sm sm:grid-cols-4">
            <div>
                <dt class="text-slate-500">"Status"</dt>
                <dd>{status_badge(license.status)}</dd>
            </div>
            <div>
                <dt class="text-slate-500">"Policy"</dt>
                <dd class="text-slate-900">{license.policy_name.clone()}</dd>
            </div>
            <div>
                <dt class="text-slate-500">"Expires"</dt>
                <dd class="text-slate-900">{license.expiry.map_or_else(|| "Never".to_owned(), when)}</dd>
            </div>
            <div>
                <dt class="text-slate-500">"Validations"</dt>
                <dd class="text-slate-900">
                    {validations}
                    {last_validated_at.map(|at| format!(" · last {}", when(at)))}
                </dd>
            </div>
            {check_in.map(check_in_terms)}
        </dl>
    }
}

/// The last and next check-in (of a policy that requires them), the next
/// marked when it has passed.
fn check_in_terms(check_in: LicenseCheckIn) -> impl IntoView {
    let next_class = if check_in.overdue { "font-medium text-red-700" } else { "text-slate-900" };
    view! {
        <div>
            <dt class="text-slate-500">"Last check-in"</dt>
            <dd class="text-slate-900">{check_in.last.map_or_else(|| "Never".to_owned(), when)}</dd>
        </div>
        <div>
            <dt class="text-slate-500">"Next check-in"</dt>
            <dd class=next_class>
                {when(check_in.next)}
                {check_in.overdue.then_some(" · overdue")}
                <span class="block text-xs font-normal text-slate-500">{format!("Checks in {}", check_in.rule.label())}</span>
            </dd>
        </div>
    }
}

/// An Admin's buttons for the license: suspend or reinstate (`suspended`
/// says which), ban or unban, renew, delete.
#[component]
fn LicenseActions(
    license: LicenseItem,
    suspended: bool,
    suspend: ServerAction<SetLicenseSuspended>,
    ban: ServerAction<SetLicenseBanned>,
    renew: ServerAction<RenewLicense>,
    delete: ServerAction<DeleteLicense>,
) -> impl IntoView {
    let banned = license.status == LicenseStatus::Banned;
    let id = license.id.to_string();
    let (a, b, c, d) = (id.clone(), id.clone(), id.clone(), id);
    let field = |license: String| view! { <input type="hidden" name="license" value=license /> };
    view! {
        <div class="mt-4 flex flex-wrap gap-2">
            <OrgActionForm action=suspend>
                {field(a)}
                <input type="hidden" name="suspended" value=(!suspended).to_string() />
                <button type="submit" class=BUTTON>{if suspended { "Reinstate" } else { "Suspend" }}</button>
            </OrgActionForm>
            <OrgActionForm action=ban>
                {field(b)}
                <input type="hidden" name="banned" value=(!banned).to_string() />
                <button type="submit" class=BUTTON>{if banned { "Unban" } else { "Ban" }}</button>
            </OrgActionForm>
            <OrgActionForm action=renew>
                {field(c)}
                <button type="submit" class=BUTTON>"Renew"</button>
            </OrgActionForm>
            <OrgActionForm action=delete>
                {field(d)}
                <button type="submit" class=BUTTON aria-label=format!("Delete license {}", license.key)>
                    "Delete"
                </button>
            </OrgActionForm>
        </div>
    }
}

/// The machines activated with the license (`max_machines`: its policy's
/// limit), each with a Deactivate button for Admins (`manage`).
#[component]
fn Machines(
    license: String,
    machines: Vec<Machine>,
    max_machines: Option<u32>,
    manage: bool,
    deactivate: ServerAction<DeactivateMachine>,
) -> impl IntoView {
    let heading = match max_machines {
        Some(max) => format!("Machines ({} of {max})", machines.len()),
        None => format!("Machines ({})", machines.len()),
    };
    view! {
        <section class=CARD aria-labelledby="machines-heading">
            <h2 id="machines-heading" class="text-lg font-semibold text-slate-900">{heading}</h2>
            <ListTable
                items=machines
                spacing="mt-3"
                row=move |machine| view! { <MachineRow machine license=license.clone() manage deactivate /> }
            >
                <Columns slot>
                    <th scope="col">"Fingerprint"</th>
                    <th scope="col">"Hostname"</th>
                    <th scope="col">"Platform"</th>
                    <th scope="col" class="text-right">"Cores"</th>
                    <th scope="col">"Heartbeat"</th>
                    <th scope="col">"Last seen"</th>
                    <th scope="col"><span class="sr-only">"Actions"</span></th>
                </Columns>
                <Empty slot>"No machines yet. The software activates one with this key (POST /v1/machines)."</Empty>
            </ListTable>
        </section>
    }
}

/// One machine of `license`, with its Deactivate button when `manage`.
#[component]
fn MachineRow(
    machine: Machine,
    license: String,
    manage: bool,
    deactivate: ServerAction<DeactivateMachine>,
) -> impl IntoView {
    let label = format!("Deactivate {}", machine.fingerprint);
    let components = (!machine.components.is_empty()).then(|| {
        let list = format!("Components of {}", machine.fingerprint);
        view! {
            <ul aria-label=list class="mt-1 font-sans text-xs text-slate-500">
                {machine
                    .components
                    .iter()
                    .map(|c| {
                        view! {
                            <li>
                                {c.name.clone()} " · " <span class="font-mono">{c.fingerprint.clone()}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
    });
    let button = manage.then(|| {
        view! {
            <OrgActionForm action=deactivate>
                <input type="hidden" name="license" value=license />
                <input type="hidden" name="machine" value=machine.id.to_string() />
                <button type="submit" class=BUTTON aria-label=label>
                    "Deactivate"
                </button>
            </OrgActionForm>
        }
    });
    view! {
        <tr>
            <td class="py-2 pr-4 font-mono">{machine.fingerprint.clone()} {components}</td>
            <td class="py-2 pr-4">{machine.hostname.unwrap_or_default()}</td>
            <td class="py-2 pr-4">{machine.platform.unwrap_or_default()}</td>
            <td class="py-2 pr-4 text-right tabular-nums">{machine.cores.map(|c| c.to_string()).unwrap_or_default()}</td>
            <td class="py-2 pr-4">{heartbeat_label(machine.heartbeat)}</td>
            <td class="whitespace-nowrap py-2 pr-4 text-slate-600">{when(machine.last_seen)}</td>
            <td class="py-2 text-right">{button}</td>
        </tr>
    }
}

/// The entitlements the license's policy grants.
#[component]
fn Entitlements(entitlements: Vec<Entitlement>) -> impl IntoView {
    let list = if entitlements.is_empty() {
        view! { <p class="mt-2 text-sm text-slate-500">"Its policy grants none."</p> }.into_any()
    } else {
        view! {
            <ul class="mt-2 text-sm">
                {entitlements
                    .into_iter()
                    .map(|e| view! { <li><span class="font-mono">{e.code}</span> " · " {e.name}</li> })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <section class=CARD aria-labelledby="entitlements-heading">
            <h2 id="entitlements-heading" class="text-lg font-semibold text-slate-900">"Entitlements"</h2>
            {list}
        </section>
    }
}

/// The license's metadata (pretty JSON).
#[component]
fn Metadata(metadata: String) -> impl IntoView {
    view! {
        <section class=CARD aria-labelledby="metadata-heading">
            <h2 id="metadata-heading" class="text-lg font-semibold text-slate-900">"Metadata"</h2>
            <pre class="mt-2 overflow-x-auto rounded bg-slate-50 p-3 text-xs text-slate-800">{metadata}</pre>
        </section>
    }
}
