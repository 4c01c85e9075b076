//! A project's cycles: progress bars, and creating or deleting one.

use leptos::prelude::*;

use super::state::use_project;
use crate::{
    api::draft::typed_values,
    components::{
        forms::{FormError, field_error, form_error, reset_after_success},
        org_form::OrgActionForm,
    },
    model::{Cycle, CycleName, task::format_date},
};

const FIELD: &str = "field-inline block";

#[component]
pub fn CyclesPanel() -> impl IntoView {
    let state = use_project();
    let create = state.create_cycle;
    let form = NodeRef::<leptos::html::Form>::new();
    reset_after_success(create, form);
    let typed = typed_values(create);
    view! {
        // Below `md` the tasks come first: the cycles follow them (the
        // project page's column is a flex column there).
        <section aria-labelledby="cycles-heading" class="mt-6 max-md:order-last">
            <h2 id="cycles-heading" class="text-base font-semibold text-slate-900">"Cycles"</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let cycles = state.cycles.await.unwrap_or_default();
                    if cycles.is_empty() {
                        return view! { <p class="mt-1 text-sm text-slate-500">"No cycles yet."</p> }.into_any();
                    }
                    view! {
                        <ul class="mt-2 grid gap-3 sm:grid-cols-2 xl:grid-cols-3">
                            {cycles.into_iter().map(|cycle| view! { <CycleCard cycle /> }).collect_view()}
                        </ul>
                    }
                        .into_any()
                })}
            </Transition>
            <Show when=move || state.writable()>
                <details class="mt-3">
                    <summary class="cursor-pointer text-sm font-medium text-indigo-700">"New cycle"</summary>
                    <OrgActionForm action=create node_ref=form attr:class="mt-2 flex flex-wrap items-start gap-3">
                        <input type="hidden" name="project" value=move || state.project_id.get() />
                        <div>
                            <label for="cycle-name" class="field-label">"Cycle name"</label>
                            <input id="cycle-name" name="name" value=typed("name") required=true maxlength=CycleName::MAX_LEN class=FIELD />
                            <p class="text-xs text-red-700">{move || field_error(create, "name").get()}</p>
                        </div>
                        <div>
                            <label for="cycle-start" class="field-label">"Starts on"</label>
                            <input id="cycle-start" type="date" name="starts_on" value=typed("starts_on") required=true class=FIELD />
                            <p class="text-xs text-red-700">{move || field_error(create, "starts_on").get()}</p>
                        </div>
                        <div>
                            <label for="cycle-end" class="field-label">"Ends on"</label>
                            <input id="cycle-end" type="date" name="ends_on" value=typed("ends_on") required=true class=FIELD />
                            <p class="text-xs text-red-700">{move || field_error(create, "ends_on").get()}</p>
                        </div>
                        <button type="submit" class="mt-5 rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50">
                            "Add cycle"
                        </button>
                    </OrgActionForm>
                    <FormError message=form_error(create) />
                </details>
            </Show>
        </section>
    }
}

#[component]
fn CycleCard(cycle: Cycle) -> impl IntoView {
    let state = use_project();
    let percent = cycle.percent_done();
    let label = format!("{}: {} of {} tasks done", cycle.name, cycle.done_tasks, cycle.total_tasks);
    let delete_label = StoredValue::new(format!("Delete cycle {}", cycle.name));
    let cycle_id = cycle.id;
    view! {
        <li class="rounded-lg border border-slate-200 bg-white p-3" data-cycle=cycle.id.to_string()>
            <div class="flex items-start justify-between gap-2">
                <div>
                    <p class="font-medium text-slate-900">{cycle.name.clone()}</p>
                    <p class="text-xs text-slate-500">
                        {format!("{} – {}", format_date(cycle.starts_on), format_date(cycle.ends_on))}
                    </p>
                </div>
                <Show when=move || state.writable()>
                    <OrgActionForm action=state.delete_cycle>
                        <input type="hidden" name="cycle" value=cycle_id.to_string() />
                        <button type="submit" aria-label=delete_label.get_value() class="text-xs text-slate-500 hover:text-red-700">
                            "Delete"
                        </button>
                    </OrgActionForm>
                </Show>
            </div>
            <progress
                value=cycle.done_tasks
                max=cycle.total_tasks.max(1)
                aria-label=label
                class="meter mt-2"
            ></progress>
            <p class="mt-1 text-xs text-slate-600" data-testid="cycle-progress">
                {format!("{} / {} done ({percent}%)", cycle.done_tasks, cycle.total_tasks)}
            </p>
        </li>
    }
}
