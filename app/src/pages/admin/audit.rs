//! `/admin/audit`: the whole audit log, every organization's events and
//! each person's own (sign-ins and sign-ups belong to no organization and
//! are seen only here); `?org=` narrows it to one organization.

use leptos::prelude::*;
use leptos_meta::Title;

use super::frame::AdminFrame;
use crate::{
    api::platform::list_platform_audit_events,
    pages::orgs::{AuditFilter, AuditLog},
};

#[component]
pub fn PlatformAuditPage() -> impl IntoView {
    let filter = AuditFilter::from_query();
    let events = Resource::new(
        move || filter.get(),
        |f| list_platform_audit_events(f.org, f.action, f.actor, f.from, f.to, f.before),
    );
    view! {
        <Title text="Audit log · Platform admin · Atrium" />
        <AdminFrame>
            <AuditLog
                intro="Everything done on this Atrium, newest first: every organization's events and people's own sign-ins. Entries cannot be changed or deleted."
                base=Signal::derive(|| "/admin/audit".to_owned())
                filter
                events
                people=None
            />
        </AdminFrame>
    }
}
