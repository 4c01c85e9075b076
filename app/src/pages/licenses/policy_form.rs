//! The fields of the policy form, shared by creating a policy and changing
//! one.

use std::sync::Arc;

use leptos::prelude::*;

use super::style::{CHECK, SELECT};
use crate::{
    components::forms::TextField,
    model::{
        Entitlement, ExpirationStrategy, PolicyForm, PolicyName,
        license::{CheckInInterval, ComponentMatchingStrategy},
    },
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
    let unit = values.check_in_interval.clone();
    let matching = values.component_matching_strategy;
    let unit_error = error("check_in_interval");
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
            <label class=CHECK>
                <input type="checkbox" name="require_check_in" value="on" checked=values.require_check_in />
                "Require check-in"
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
        <TextField
            label="Check in every (number of intervals)"
            name="check_in_interval_count"
            hint="With check-in required: 1 to 365. A license that misses its check-in validates as OVERDUE."
            value=text(&values.check_in_interval_count)
            error=error("check_in_interval_count")
        />
        <div class="space-y-1">
            <label for="field-check_in_interval" class="block text-sm font-medium text-slate-700">
                "Check-in interval"
            </label>
            <select
                id="field-check_in_interval"
                name="check_in_interval"
                class=SELECT
                aria-invalid=move || unit_error.with(Option::is_some).to_string()
                aria-describedby="field-check_in_interval-error"
            >
                {CheckInInterval::ALL
                    .into_iter()
                    .map(|i| {
                        let name = format!("{}s", i.as_str());
                        view! { <option value=i.as_str() selected=unit == i.as_str()>{name}</option> }
                    })
                    .collect_view()}
            </select>
            <p id="field-check_in_interval-error" class="min-h-5 text-sm text-red-700">{move || unit_error.get()}</p>
        </div>
        <div class="space-y-1">
            <label for="field-component_matching_strategy" class="block text-sm font-medium text-slate-700">
                "Components that must match"
            </label>
            <select id="field-component_matching_strategy" name="component_matching_strategy" class=SELECT>
                {ComponentMatchingStrategy::ALL
                    .into_iter()
                    .map(|s| view! { <option value=s.as_str() selected=s == matching>{s.label()}</option> })
                    .collect_view()}
            </select>
            <p class="text-xs text-slate-500">
                "Of the hardware components a validation names, how many the machine must have been activated with."
            </p>
        </div>
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
