//! The organization slug of the current route.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The `{org}` slug of the current route, reactively.
pub(super) fn use_org_slug() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("org").unwrap_or_default()))
}
