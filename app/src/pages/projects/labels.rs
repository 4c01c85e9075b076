//! The organization's labels: list, create, delete.

use leptos::prelude::*;

use crate::{
    api::{
        draft::typed_values,
        labels::{CreateLabel, DeleteLabel, list_labels},
    },
    components::{
        forms::{FormError, TextField, field_error, form_error, reset_after_success},
        labels::LabelChip,
        org::use_org,
        org_form::OrgActionForm,
    },
    model::{Action, LabelColor, LabelName},
};

#[component]
pub fn LabelsPanel() -> impl IntoView {
    let org = use_org();
    let create = ServerAction::<CreateLabel>::new();
    let delete = ServerAction::<DeleteLabel>::new();
    let typed = typed_values(create);
    let labels = Resource::new(
        move || (org.slug.get(), create.version().get(), delete.version().get()),
        |(slug, _, _)| list_labels(slug),
    );
    let form = NodeRef::<leptos::html::Form>::new();
    reset_after_success(create, form);
    view! {
        <section aria-labelledby="labels-heading" class="mt-12">
            <h2 id="labels-heading" class="text-lg font-semibold text-slate-900">"Labels"</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    org.loaded().await;
                    let labels = labels.await.unwrap_or_default();
                    if labels.is_empty() {
                        return view! { <p class="mt-2 text-sm text-slate-500">"No labels yet."</p> }.into_any();
                    }
                    view! {
                        <ul class="mt-3 flex flex-wrap gap-3">
                            {labels
                                .into_iter()
                                .map(|label| {
                                    let delete_label = StoredValue::new(format!("Delete label {}", label.name));
                                    let label_id = label.id;
                                    view! {
                                        <li class="flex items-center gap-1">
                                            <LabelChip name=label.name.clone() color=label.color />
                                            <Show when=move || org.can(Action::ManageLabels)>
                                                <OrgActionForm action=delete>
                                                    <input type="hidden" name="label" value=label_id.to_string() />
                                                    <button
                                                        type="submit"
                                                        class="text-xs text-slate-500 hover:text-red-700"
                                                        aria-label=delete_label.get_value()
                                                    >
                                                        "×"
                                                    </button>
                                                </OrgActionForm>
                                            </Show>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                })}
            </Transition>
            <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
            org.loaded().await;
            view! {
            <Show when=move || org.can(Action::ManageLabels)>
                <OrgActionForm action=create node_ref=form attr:class="mt-4 flex flex-wrap items-start gap-3">
                    <TextField
                        label="Label name"
                        name="name"
                        id="new-label-name"
                        required=true
                        maxlength=LabelName::MAX_LEN
                        value=typed("name")
                        error=field_error(create, "name")
                    />
                    <div class="space-y-1">
                        <label for="field-label-color" class="block text-sm font-medium text-slate-700">"Colour"</label>
                        <select
                            id="field-label-color"
                            name="color"
                            class="block rounded-md border border-slate-300 bg-white px-3 py-2"
                        >
                            {LabelColor::ALL
                                .into_iter()
                                .map(|color| {
                                    let selected = typed("color").as_deref() == Some(color.as_str());
                                    view! { <option value=color.as_str() selected=selected>{color.as_str()}</option> }
                                })
                                .collect_view()}
                        </select>
                    </div>
                    <button
                        type="submit"
                        class="mt-6 rounded-md border border-slate-300 px-3 py-2 text-sm font-medium hover:bg-slate-50"
                    >
                        "Add label"
                    </button>
                </OrgActionForm>
                <FormError message=form_error(create) />
            </Show>
            }
            })}
            </Suspense>
        </section>
    }
}
