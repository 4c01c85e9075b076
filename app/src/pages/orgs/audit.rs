//! `/o/{org}/audit`: the organization's audit log, filtered by event type,
//! person and dates, for Admins and Owners; and the log's view that the
//! platform admin's `/admin/audit` shares.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::{
        audit::{AuditPage, list_audit_events},
        orgs::list_members,
    },
    components::{
        errors::PageError,
        list::{Columns, Empty, ListTable, Paging},
        org::{org_href, use_org},
    },
    model::{AuditAction, AuditEvent, Member},
};

const FIELD: &str = "mt-1 block rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-900";
const LINK: &str = "rounded-md border border-slate-300 px-3 py-1 text-sm text-slate-700 hover:bg-slate-50";

/// The URL's filter values, in the order the server functions take them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    /// An organization's id (the platform log only).
    pub org: String,
    pub action: String,
    pub actor: String,
    pub from: String,
    pub to: String,
    pub before: String,
}

impl Filter {
    /// The filter of the current URL's query, reactively.
    pub fn from_query() -> Memo<Filter> {
        let query = use_query_map();
        Memo::new(move |_| {
            query.with(|q| {
                let get = |key: &str| q.get(key).unwrap_or_default();
                Filter {
                    org: get("org"),
                    action: get("action"),
                    actor: get("actor"),
                    from: get("from"),
                    to: get("to"),
                    before: get("before"),
                }
            })
        })
    }

    /// The URL of this filter's page of the log at `base` starting before
    /// `before` (the newest page for `None`).
    fn href(&self, base: &str, before: Option<&str>) -> String {
        format!("{base}?{}", self.query(before))
    }

    /// The CSV download of everything this filter matches.
    fn csv_href(&self, base: &str) -> String {
        format!("{base}.csv?{}", self.query(None))
    }

    /// This filter with `actor` instead.
    fn with_actor(&self, actor: &str) -> Filter {
        Filter { actor: actor.to_owned(), before: String::new(), ..self.clone() }
    }

    /// The URL query: the filters that are set, then `before`.
    fn query(&self, before: Option<&str>) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("org", &self.org),
            ("action", &self.action),
            ("actor", &self.actor),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !value.is_empty() {
                query.append_pair(key, value);
            }
        }
        if let Some(before) = before {
            query.append_pair("before", before);
        }
        query.finish()
    }
}

#[component]
pub fn AuditPageView() -> impl IntoView {
    let org = use_org();
    let filter = Filter::from_query();
    let events = Resource::new(
        move || (org.slug.get(), filter.get()),
        |(slug, f)| list_audit_events(slug, f.action, f.actor, f.from, f.to, f.before),
    );
    let people = Resource::new(move || org.slug.get(), list_members);
    view! {
        <Title text="Audit log · Atrium" />
        <AuditLog
            intro="Everything done in this organization, newest first. Entries cannot be changed or deleted."
            base=Signal::derive(move || org_href(&org.slug.get(), "/audit"))
            filter
            events
            people=Some(people)
        />
    }
}

/// An audit log with its filter form, table, pages and CSV link: an
/// organization's (`/o/{org}/audit`) or the platform's (`/admin/audit`).
/// `base` is the page's path (the CSV is at `{base}.csv`); `people`, the
/// organization's members, fill the person filter (the "Who" cells link
/// to it too).
#[component]
pub fn AuditLog(
    intro: &'static str,
    #[prop(into)] base: Signal<String>,
    filter: Memo<Filter>,
    events: Resource<Result<AuditPage, crate::error::AppError>>,
    people: Option<Resource<Result<Vec<Member>, crate::error::AppError>>>,
) -> impl IntoView {
    view! {
        <div class="max-w-6xl">
            <h1 class="text-2xl font-bold tracking-tight text-slate-900">"Audit log"</h1>
            <p class="mt-1 text-sm text-slate-600">{intro}</p>
            <form method="get" role="search" aria-label="Filter the audit log" class="mt-4 flex flex-wrap items-end gap-3">
                {move || {
                    let org = filter.get().org;
                    (!org.is_empty()).then(|| view! { <input type="hidden" name="org" value=org /> })
                }}
                <div>
                    <label for="audit-action" class="block text-sm font-medium text-slate-700">"Event"</label>
                    <select id="audit-action" name="action" class=FIELD>
                        <option value="">"All events"</option>
                        {move || {
                            let current = filter.get().action;
                            AuditAction::ALL
                                .into_iter()
                                .map(|a| {
                                    view! {
                                        <option value=a.as_str() selected=current == a.as_str()>{a.label()}</option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                </div>
                <div>
                    <label for="audit-actor" class="block text-sm font-medium text-slate-700">"Person"</label>
                    <select id="audit-actor" name="actor" class=FIELD>
                        <option value="">"Anyone"</option>
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                let current = filter.get_untracked().actor;
                                let mut people: Vec<(String, String)> = match people {
                                    Some(people) => {
                                        people
                                            .await
                                            .unwrap_or_default()
                                            .into_iter()
                                            .map(|m| (m.user_id.to_string(), m.display_name))
                                            .collect()
                                    }
                                    None => Vec::new(),
                                };
                                if !current.is_empty() && !people.iter().any(|(id, _)| *id == current) {
                                    people.push((current.clone(), "The person chosen".to_owned()));
                                }
                                people
                                    .into_iter()
                                    .map(|(id, name)| {
                                        let selected = current == id;
                                        view! { <option value=id selected=selected>{name}</option> }
                                    })
                                    .collect_view()
                            })}
                        </Suspense>
                    </select>
                </div>
                <div>
                    <label for="audit-from" class="block text-sm font-medium text-slate-700">"From"</label>
                    <input id="audit-from" type="date" name="from" value=move || filter.get().from class=FIELD />
                </div>
                <div>
                    <label for="audit-to" class="block text-sm font-medium text-slate-700">"To"</label>
                    <input id="audit-to" type="date" name="to" value=move || filter.get().to class=FIELD />
                </div>
                <button type="submit" class=LINK>"Filter"</button>
                <a class=LINK download="" href=move || filter.get().csv_href(&base.get())>
                    "Export CSV"
                </a>
            </form>
            <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match events.await {
                        Ok(page) => {
                            view! { <EventTable page filter=filter.get_untracked() base=base.get_untracked() /> }
                                .into_any()
                        }
                        Err(error) => {
                            match error.field_message("from").or(error.field_message("to")).or(error.field_message("action")) {
                                Some(message) => {
                                    view! {
                                        <p role="alert" class="mt-6 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
                                            {message.to_owned()}
                                        </p>
                                    }
                                        .into_any()
                                }
                                None => view! { <PageError error /> }.into_any(),
                            }
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn EventTable(page: AuditPage, filter: Filter, base: String) -> impl IntoView {
    // The links to other pages, under events only.
    let paging = (!page.items.is_empty()).then(|| {
        let first = (!filter.before.is_empty()).then(|| filter.href(&base, None));
        let older = page.next.as_deref().map(|next| filter.href(&base, Some(next)));
        view! {
            <nav aria-label="Pages" class="mt-4 flex justify-end gap-2 text-sm">
                {first.map(|href| view! { <a href=href class=LINK>"Newest"</a> })}
                {older.map(|href| view! { <a href=href class=LINK rel="next">"Older"</a> })}
            </nav>
        }
    });
    view! {
        <ListTable
            items=page.items
            row=move |event| {
                let actor_href =
                    event.actor_id.map(|id| filter.with_actor(&id.to_string()).href(&base, None));
                view! { <EventRow event actor_href /> }
            }
        >
            <Columns slot>
                <th scope="col">"When (UTC)"</th>
                <th scope="col">"Who"</th>
                <th scope="col">"Event"</th>
                <th scope="col">"Details"</th>
                <th scope="col">"From"</th>
            </Columns>
            <Empty slot>"No events match."</Empty>
            <Paging slot>{paging}</Paging>
        </ListTable>
    }
}

#[component]
fn EventRow(event: AuditEvent, actor_href: Option<String>) -> impl IntoView {
    let when = event
        .created_at
        .format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"))
        .unwrap_or_default();
    let details = describe(&event.details);
    view! {
        <tr>
            <td class="whitespace-nowrap py-2 pr-4 text-slate-600">{when}</td>
            <td class="py-2 pr-4 text-slate-900">
                {match (event.actor_email, actor_href) {
                    (Some(email), Some(href)) => {
                        view! {
                            <a href=href class="hover:underline" title="Only this person's events">
                                {email}
                            </a>
                        }
                            .into_any()
                    }
                    (email, _) => email.unwrap_or_else(|| "—".to_owned()).into_any(),
                }}
            </td>
            <td class="py-2 pr-4 font-medium text-slate-900">{event.action.label()}</td>
            <td class="py-2 pr-4 text-slate-600">{details}</td>
            <td class="py-2 text-slate-500" title=event.user_agent.unwrap_or_default()>
                {event.ip.unwrap_or_default()}
            </td>
        </tr>
    }
}

/// The details object as `key: value` pairs (`name: Website · from: member`).
fn describe(details: &str) -> String {
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(details) {
        Ok(map) => map
            .iter()
            .map(|(key, value)| match value {
                serde_json::Value::String(text) => format!("{key}: {text}"),
                other => format!("{key}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(" · "),
        Err(_) => details.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_read_as_pairs() {
        assert_eq!(describe(r#"{"from":"member","to":"admin"}"#), "from: member · to: admin");
        assert_eq!(describe("{}"), "");
    }

    #[test]
    fn pages_keep_the_filter() {
        let filter = Filter { action: "member.removed".into(), ..Filter::default() };
        assert_eq!(filter.href("/o/acme/audit", Some("abc")), "/o/acme/audit?action=member.removed&before=abc");
        assert_eq!(filter.href("/o/acme/audit", None), "/o/acme/audit?action=member.removed");
        assert_eq!(filter.csv_href("/o/acme/audit"), "/o/acme/audit.csv?action=member.removed");
        let platform = Filter { org: "o1".into(), before: "x".into(), ..Filter::default() }.with_actor("u1");
        assert_eq!(platform.href("/admin/audit", None), "/admin/audit?org=o1&actor=u1");
    }
}
