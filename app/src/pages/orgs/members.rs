//! `/o/{org}/members`: who is in the organization, with search and pages;
//! role changes and removal for those whose role allows them; leaving.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::{
        draft::typed_values,
        invitations::{InviteMember, ResendInvitation, RevokeInvitation, list_invitations},
        members::{ChangeMemberRole, LeaveOrganization, MAX_SEARCH_LEN, RemoveMember, list_members_page},
    },
    components::{
        errors::PageError,
        forms::{FormError, TextField, field_error, form_error, reset_after_success},
        list::{Columns, Empty, ListTable, SearchForm},
        live::use_changes,
        org::{org_href, use_org},
        org_form::OrgActionForm,
        pagination::{Pager, use_page_number},
    },
    model::{Action, Email, Invitation, Member, Role, UserId, listing::DEFAULT_PAGE_SIZE},
};

const BUTTON: &str =
    "rounded-md border border-slate-300 px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50";
const DANGER: &str = "rounded-md border border-red-300 px-2.5 py-1 text-xs font-medium text-red-700 hover:bg-red-50";
const PRIMARY: &str = "rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500";
const FIELD: &str = "rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-900";

#[component]
pub fn MembersPage() -> impl IntoView {
    let org = use_org();
    let query = use_query_map();
    let search = Memo::new(move |_| query.with(|q| q.get("q").unwrap_or_default()));
    let page = use_page_number();

    let change_role = ServerAction::<ChangeMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let leave = ServerAction::<LeaveOrganization>::new();

    let list = Resource::new(
        move || (org.slug.get(), search.get(), page.get(), change_role.version().get(), remove.version().get()),
        |(slug, search, page, _, _)| {
            list_members_page(slug, search, Some(DEFAULT_PAGE_SIZE), Some((page - 1) * DEFAULT_PAGE_SIZE))
        },
    );
    // Someone joined, left, was removed or changed role.
    use_changes().on(
        |change| change.is(&["member.", "invitation.accepted", "organization.ownership-transferred"]),
        Some("member-list"),
        move || list.refetch(),
    );
    let row_error = Signal::derive(move || {
        [
            form_error(change_role).get(),
            form_error(remove).get(),
            change_role.value().with(|v| match v {
                Some(Err(err)) => err.field_message("role").map(str::to_owned),
                _ => None,
            }),
        ]
        .into_iter()
        .flatten()
        .next()
    });

    view! {
        <Title text="Members · Atrium" />
        <div class="max-w-5xl">
            <h1 class="text-2xl font-bold tracking-tight text-slate-900">"Members"</h1>
            <SearchForm id="member-search" label="Search members" value=search maxlength=MAX_SEARCH_LEN />
            <div class="mt-4">
                <FormError message=row_error />
            </div>
            <div id="member-list">
            <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    org.loaded().await;
                    match list.await {
                        Ok(page) => {
                            let slug = org.slug.get_untracked();
                            let q = search.get_untracked();
                            let href = move |offset: u32| {
                                let page = offset / DEFAULT_PAGE_SIZE + 1;
                                let mut query = form_urlencoded::Serializer::new(String::new());
                                if !q.is_empty() {
                                    query.append_pair("q", &q);
                                }
                                query.append_pair("page", &page.to_string());
                                org_href(&slug, &format!("/members?{}", query.finish()))
                            };
                            view! {
                                <MemberTable items=page.items.clone() change_role remove />
                                <Pager position=page.position() noun="members" href />
                            }
                                .into_any()
                        }
                        Err(error) => view! { <PageError error /> }.into_any(),
                    }
                })}
            </Transition>
            </div>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    org.loaded().await;
                    org.can(Action::InviteMembers).then(|| view! { <Invitations /> })
                })}
            </Suspense>
            <LeaveSection leave />
        </div>
    }
}

/// The signed-in member's id, once the layout has loaded.
fn me() -> Option<UserId> {
    use_org().shell.get_untracked().and_then(Result::ok).map(|shell| shell.user.id)
}

#[component]
fn MemberTable(
    items: Vec<Member>,
    change_role: ServerAction<ChangeMemberRole>,
    remove: ServerAction<RemoveMember>,
) -> impl IntoView {
    let org = use_org();
    let sees_emails = org.can(Action::ViewMemberEmails);
    let my_role = org.acting_role_untracked();
    let sees_two_factor = items.iter().any(|member| member.two_factor.is_some());
    let me = me();
    view! {
        <ListTable
            items
            row=move |member| {
                let is_me = me == Some(member.user_id);
                let roles = my_role.assignable_roles(member.role);
                let removable = !is_me && my_role.can_remove(member.role);
                view! {
                    <tr>
                        <td class="py-2 pr-4 font-medium text-slate-900">
                            {member.display_name.clone()}
                            {is_me.then(|| view! { <span class="ml-2 text-xs text-slate-500">"(you)"</span> })}
                        </td>
                        {sees_emails
                            .then(|| {
                                view! {
                                    <td class="py-2 pr-4 text-slate-600">
                                        {member.email.clone().unwrap_or_default()}
                                    </td>
                                }
                            })}
                        {member
                            .two_factor
                            .map(|on| {
                                let (text, class) = if on {
                                    ("On", "rounded bg-emerald-100 px-1.5 py-0.5 text-xs font-medium text-emerald-800")
                                } else {
                                    ("Off", "rounded bg-slate-100 px-1.5 py-0.5 text-xs font-medium text-slate-600")
                                };
                                view! {
                                    <td class="py-2 pr-4">
                                        <span class=class>{text}</span>
                                    </td>
                                }
                            })}
                        <td class="py-2 pr-4">
                            <RoleCell member=member.clone() roles change_role />
                        </td>
                        <td class="py-2 text-right">
                            {removable.then(|| view! { <RemoveButton member=member.clone() remove /> })}
                        </td>
                    </tr>
                }
            }
        >
            <Columns slot>
                <th scope="col">"Name"</th>
                {sees_emails.then(|| view! { <th scope="col">"Email"</th> })}
                {sees_two_factor.then(|| view! { <th scope="col">"Two-factor"</th> })}
                <th scope="col">"Role"</th>
                <th scope="col"><span class="sr-only">"Actions"</span></th>
            </Columns>
            <Empty slot>"No members match this search."</Empty>
        </ListTable>
    }
}

/// The member's role: a form to change it when the viewer may, else text.
#[component]
fn RoleCell(member: Member, roles: Vec<Role>, change_role: ServerAction<ChangeMemberRole>) -> impl IntoView {
    if roles.is_empty() {
        return view! { <span class="text-slate-700">{member.role.label()}</span> }.into_any();
    }
    let select_id = format!("role-{}", member.user_id);
    view! {
        <OrgActionForm action=change_role attr:class="flex items-center gap-2">
            <input type="hidden" name="user" value=member.user_id.to_string() />
            <label for=select_id.clone() class="sr-only">{format!("Role of {}", member.display_name)}</label>
            <select id=select_id name="role" class=FIELD>
                {roles
                    .into_iter()
                    .map(|role| view! { <option value=role.as_str() selected=role == member.role>{role.label()}</option> })
                    .collect_view()}
            </select>
            <button type="submit" class=BUTTON aria-label=format!("Change the role of {}", member.display_name)>
                "Change"
            </button>
        </OrgActionForm>
    }
        .into_any()
}

/// "Remove", then a confirmation; works without JavaScript (`<details>`).
#[component]
fn RemoveButton(member: Member, remove: ServerAction<RemoveMember>) -> impl IntoView {
    view! {
        <details class="inline-block text-left">
            <summary class=format!("{DANGER} cursor-pointer list-none")>"Remove"</summary>
            <OrgActionForm action=remove attr:class="mt-2 flex items-center gap-2">
                <input type="hidden" name="user" value=member.user_id.to_string() />
                <span class="text-xs text-slate-600">"Their tasks here will be unassigned."</span>
                <button type="submit" class=DANGER>{format!("Remove {}", member.display_name)}</button>
            </OrgActionForm>
        </details>
    }
}

/// Inviting people, and the invitations still pending (Admins and Owners).
#[component]
fn Invitations() -> impl IntoView {
    let org = use_org();
    let invite = ServerAction::<InviteMember>::new();
    let resend = ServerAction::<ResendInvitation>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let pending = Resource::new(
        move || (org.slug.get(), invite.version().get(), resend.version().get(), revoke.version().get()),
        |(slug, ..)| list_invitations(slug),
    );
    use_changes().on(|change| change.is(&["invitation."]), None, move || pending.refetch());
    let form = NodeRef::<leptos::html::Form>::new();
    reset_after_success(invite, form);
    let typed = typed_values(invite);
    let my_role = org.acting_role_untracked();
    let roles: Vec<Role> = Role::ALL.into_iter().filter(|role| my_role.can(Action::managing(*role))).collect();
    let row_error =
        Signal::derive(move || [form_error(resend).get(), form_error(revoke).get()].into_iter().flatten().next());
    view! {
        <section aria-labelledby="invite-heading" class="mt-10 rounded-lg border border-slate-200 bg-white p-5">
            <h2 id="invite-heading" class="text-base font-semibold text-slate-900">"Invite people"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "They get an email with a link that works once, for 7 days."
            </p>
            <OrgActionForm action=invite node_ref=form attr:class="mt-3 grid gap-3 sm:grid-cols-[2fr_1fr_auto] sm:items-start">
                <TextField
                    label="Email"
                    name="email"
                    id="invite-email"
                    kind="email"
                    required=true
                    maxlength=Email::MAX_LEN
                    value=typed("email")
                    error=field_error(invite, "email")
                />
                <div class="space-y-1">
                    <label for="invite-role" class="block text-sm font-medium text-slate-700">"Role"</label>
                    <select id="invite-role" name="role" class=format!("{FIELD} block w-full py-2")>
                        {roles
                            .into_iter()
                            .map(|role| {
                                view! { <option value=role.as_str() selected=role == Role::Member>{role.label()}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                <button type="submit" class=format!("{PRIMARY} sm:mt-6")>"Send invitation"</button>
            </OrgActionForm>
            <FormError message=form_error(invite) />
            <div class="mt-3">
                <FormError message=row_error />
            </div>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let items = pending.await.unwrap_or_default();
                    (!items.is_empty()).then(|| view! { <PendingInvitations items resend revoke /> })
                })}
            </Transition>
        </section>
    }
}

#[component]
fn PendingInvitations(
    items: Vec<Invitation>,
    resend: ServerAction<ResendInvitation>,
    revoke: ServerAction<RevokeInvitation>,
) -> impl IntoView {
    view! {
        <h3 class="mt-5 text-sm font-semibold text-slate-900">"Pending invitations"</h3>
        <ListTable
            items
            spacing="mt-2"
            row=move |invitation| {
                let expires = if invitation.expired {
                    "Expired".to_owned()
                } else {
                    crate::model::task::format_date(invitation.expires_at.date())
                };
                let (resend_id, revoke_id) = (invitation.id.to_string(), invitation.id.to_string());
                let resend_label = format!("Resend the invitation to {}", invitation.email);
                let revoke_label = format!("Revoke the invitation to {}", invitation.email);
                view! {
                    <tr>
                        <td class="py-2 pr-4 text-slate-900">{invitation.email}</td>
                        <td class="py-2 pr-4 text-slate-700">{invitation.role.label()}</td>
                        <td class="py-2 pr-4 text-slate-600">{invitation.invited_by}</td>
                        <td class="py-2 pr-4 text-slate-600">{expires}</td>
                        <td class="flex justify-end gap-2 py-2">
                            <OrgActionForm action=resend>
                                <input type="hidden" name="invitation" value=resend_id />
                                <button type="submit" class=BUTTON aria-label=resend_label>
                                    "Resend"
                                </button>
                            </OrgActionForm>
                            <OrgActionForm action=revoke>
                                <input type="hidden" name="invitation" value=revoke_id />
                                <button type="submit" class=DANGER aria-label=revoke_label>
                                    "Revoke"
                                </button>
                            </OrgActionForm>
                        </td>
                    </tr>
                }
            }
        >
            <Columns slot>
                <th scope="col">"Email"</th>
                <th scope="col">"Role"</th>
                <th scope="col">"Invited by"</th>
                <th scope="col">"Expires"</th>
                <th scope="col"><span class="sr-only">"Actions"</span></th>
            </Columns>
        </ListTable>
    }
}

/// Leaving the organization, with a confirmation.
#[component]
fn LeaveSection(leave: ServerAction<LeaveOrganization>) -> impl IntoView {
    view! {
        <section aria-labelledby="leave-heading" class="mt-10 rounded-lg border border-red-200 bg-white p-5">
            <h2 id="leave-heading" class="text-base font-semibold text-slate-900">"Leave this organization"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "You lose access at once; your tasks here are unassigned. The last Owner cannot leave: "
                "make another member an Owner first."
            </p>
            <details class="mt-3">
                <summary class=format!("{DANGER} inline-block cursor-pointer list-none")>"Leave…"</summary>
                <OrgActionForm action=leave attr:class="mt-3">
                    <button type="submit" class=DANGER>"Yes, leave this organization"</button>
                </OrgActionForm>
            </details>
            <div class="mt-3">
                <FormError message=form_error(leave) />
            </div>
        </section>
    }
}
