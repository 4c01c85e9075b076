//! The fields of the policy form, shared by creating a policy and changing
//! one.

use std::sync::Arc;

use leptos::prelude::*;

use super::style::{CHECK, SELECT};
use crate::{
    components::forms::TextField,
    model::{Entitlement, ExpirationStrategy, PolicyForm, PolicyName},
};

/// A field's error message, by field name, from whichever action the form
/// posts to.
pub(super) type FieldLookup = Arc<dyn Fn(&'static str) -> Signal<Option<String>> + Send + Sync>;

/// The policy form's fields, filled with `values` (a new policy's, a
/// failed post's, or a stored policy's).
#[component]
pub(super) fn PolicyInputs(values: PolicyForm, entitlements: Vec<Entitlement>, error: FieldLookup) -> impl IntoView {
    let text = |v: &str| (!v.is_empty()).then(|| v.to_owned());
    let strategy = values.expiration_strategy;
    let granted = values.entitlements.clone();
    view! {
        <TextField
            label="Name"
            name="name"
            id="policy-name"
            required=true
            maxlength=PolicyName::MAX_LEN
            value=text(&values.name)
            error=error("name")
        />
        <TextField
            label="Product (optional)"
            name="product"
            hint="Clients that name a product in their validation scope must name this one."
            value=text(&values.product)
            error=error("product")
        />
        <TextField
            label="Duration in days (empty: no expiry)"
            name="duration_days"
            value=text(&values.duration_days)
            error=error("duration_days")
        />
        <div class="space-y-1">
            <label for="field-expiration_strategy" class="block text-sm font-medium text-slate-700">
                "When a license expires"
            </label>
            <select id="field-expiration_strategy" name="expiration_strategy" class=SELECT>
                {ExpirationStrategy::ALL
                    .into_iter()
                    .map(|s| view! { <option value=s.as_str() selected=s == strategy>{s.label()}</option> })
                    .collect_view()}
            </select>
            <p class="text-xs text-slate-500">
                "Restrict: validation fails. Revoke: the key stops working. Maintain and allow: it keeps validating."
            </p>
        </div>
        <fieldset class="col-span-2 mt-2 flex flex-wrap gap-x-6 gap-y-2">
            <legend class="text-sm font-medium text-slate-700">"Rules"</legend>
            <label class=CHECK>
                <input type="checkbox" name="floating" value="on" checked=values.floating />
                "Floating (several machines)"
            </label>
            <label class=CHECK>
                <input type="checkbox" name="strict" value="on" checked=values.strict />
                "Strict (valid only on activated machines)"
            </label>
            <label class=CHECK>
                <input type="checkbox" name="require_heartbeat" value="on" checked=values.require_heartbeat />
                "Require heartbeats"
            </label>
        </fieldset>
        <TextField
            label="Most machines (floating; empty: no limit)"
            name="max_machines"
            value=text(&values.max_machines)
            error=error("max_machines")
        />
        <TextField
            label="Heartbeat interval in minutes (empty: 10)"
            name="heartbeat_minutes"
            value=text(&values.heartbeat_minutes)
            error=error("heartbeat_minutes")
        />
        {(!entitlements.is_empty())
            .then(|| {
                view! {
                    <fieldset class="col-span-2 flex flex-wrap gap-x-6 gap-y-2">
                        <legend class="text-sm font-medium text-slate-700">"Entitlements it grants"</legend>
                        {entitlements
                            .iter()
                            .map(|e| {
                                view! {
                                    <label class=CHECK>
                                        <input
                                            type="checkbox"
                                            name="entitlements[]"
                                            value=e.id.to_string()
                                            checked=granted.contains(&e.id)
                                        />
                                        {format!("{} ({})", e.name, e.code)}
                                    </label>
                                }
                            })
                            .collect_view()}
                    </fieldset>
                }
            })}
    }
}
