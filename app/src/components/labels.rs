//! Label chips.

use leptos::prelude::*;

use crate::model::LabelColor;

/// A small coloured label.
#[component]
pub fn LabelChip(name: String, color: LabelColor) -> impl IntoView {
    view! {
        <span class=color.chip_class()>{name}</span>
    }
}
