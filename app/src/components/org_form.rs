//! The form of an action done in an organization: every such server
//! function takes the organization as its `org` argument.

use leptos::{
    html::Form,
    prelude::*,
    server_fn::{Http, ServerFn, client::Client, codec::PostUrl, request::ClientReq},
    web_sys::FormData,
};
use serde::de::DeserializeOwned;

use crate::components::org::use_org;

/// An [`ActionForm`] whose server function takes an `org` argument: the
/// `<form>` with a hidden `org` input, then `children` (the other fields
/// and the buttons). Attributes given as `attr:…` (a class, an id, an
/// `aria-label`) go on the `<form>`.
///
/// - `action`: the server action the form dispatches once hydrated, and
///   posts to without JavaScript;
/// - `org`: the organization's slug (or, on the platform admin's pages, its
///   id); by default the current organization's slug (`use_org`), so only
///   pages under the organization layout may leave it out;
/// - `node_ref`: where to keep the `<form>` element (to reset it).
#[component]
pub fn OrgActionForm<ServFn, OutputProtocol>(
    action: ServerAction<ServFn>,
    #[prop(optional, into)] org: Option<Signal<String>>,
    #[prop(optional)] node_ref: Option<NodeRef<Form>>,
    children: Children,
) -> impl IntoView
where
    ServFn: DeserializeOwned + ServerFn<Protocol = Http<PostUrl, OutputProtocol>> + Clone + Send + Sync + 'static,
    <<ServFn::Client as Client<ServFn::Error>>::Request as ClientReq<ServFn::Error>>::FormData: From<FormData>,
    ServFn::Output: Send + Sync + 'static,
    ServFn::Error: Send + Sync + 'static,
    <ServFn as ServerFn>::Client: Client<<ServFn as ServerFn>::Error>,
{
    let org = org.unwrap_or_else(|| use_org().slug.into());
    let node_ref = node_ref.unwrap_or_default();
    view! {
        <ActionForm action node_ref>
            <input type="hidden" name="org" value=move || org.get() />
            {children()}
        </ActionForm>
    }
}
