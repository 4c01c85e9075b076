//! Label chips.

use leptos::prelude::*;

use crate::model::LabelColor;

/// A small coloured label.
#[component]
pub fn LabelChip(name: String, color: LabelColor) -> impl IntoView {
    view! {
        <span class=format!(
            "inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset {}",
            color.chip_class(),
        )>{name}</span>
    }
}
