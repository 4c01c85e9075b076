//! A progress bar of the upload and import pages.

use leptos::prelude::*;

/// A labelled progress bar with its percentage.
#[component]
pub(super) fn ProgressBar(
    #[prop(into)] label: String,
    #[prop(into)] done: Signal<f64>,
    #[prop(into)] total: Signal<f64>,
) -> impl IntoView {
    let percent = move || {
        let total = total.get();
        if total <= 0.0 { 0 } else { ((done.get().min(total) / total) * 100.0).floor() as i64 }
    };
    view! {
        <div class="flex items-center gap-3">
            <progress
                class="h-2 w-48 overflow-hidden rounded accent-indigo-600"
                aria-label=label
                max=move || total.get().max(1.0)
                value=move || done.get()
            ></progress>
            <span class="w-12 text-right text-xs tabular-nums text-slate-600">{move || format!("{}%", percent())}</span>
        </div>
    }
}
