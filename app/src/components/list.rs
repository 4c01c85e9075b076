//! The parts of a list page: its search form, and the list as a table with
//! its empty state and pager.

use leptos::prelude::*;

/// The class of a list page's small buttons.
const BUTTON: &str =
    "rounded-md border border-slate-300 px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50";

/// A list page's search: a GET form (`role="search"`) with a labelled
/// search box named `q`, any filters given as `children` beside it, and a
/// submit button. Sending it loads the page again with `?q=…` (and the
/// filters), which the list reads.
///
/// - `id`: the search box's id (its label's `for`);
/// - `label`: the search box's label;
/// - `value`: what is searched for now (the URL's `q`);
/// - `maxlength`: the longest search the server takes;
/// - `button`: the submit button's text ("Search" unless given);
/// - `children`: filters beside the box, each a `<div>` with a label and a
///   field (with filters, the row wraps on narrow screens).
#[component]
pub fn SearchForm(
    id: &'static str,
    label: &'static str,
    #[prop(into)] value: Signal<String>,
    maxlength: usize,
    #[prop(default = "Search")] button: &'static str,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let (form_class, box_class) = match children {
        Some(_) => ("mt-4 flex flex-wrap items-end gap-3", "w-full sm:w-auto"),
        None => ("mt-4 flex items-end gap-2", "min-w-0 flex-1 sm:flex-none"),
    };
    view! {
        <form method="get" role="search" class=form_class>
            <div class=box_class>
                <label for=id class="block text-sm font-medium text-slate-700">
                    {label}
                </label>
                <input
                    id=id
                    type="search"
                    name="q"
                    maxlength=maxlength
                    value=move || value.get()
                    class="mt-1 w-full rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-900 sm:w-72"
                />
            </div>
            {children.map(|children| children())}
            <button type="submit" class=BUTTON>
                {button}
            </button>
        </form>
    }
}

/// The header cells of a [`ListTable`]: its `<th scope="col">`s.
#[slot]
pub struct Columns {
    children: Children,
}

/// What a [`ListTable`] without rows says instead, as a muted paragraph.
#[slot]
pub struct Empty {
    children: Children,
}

/// What follows a [`ListTable`], with rows or without: its pager.
#[slot]
pub struct Paging {
    children: Children,
}

/// A list as a table (class `list-table`) in a box that scrolls sideways
/// on narrow screens (focusable, so the keyboard scrolls it too); with no
/// items, the [`Empty`] message instead, when there is one; then the
/// [`Paging`], if any.
///
/// - `items`: what is listed, a row each, in order;
/// - `row`: an item's `<tr>`;
/// - `columns` (slot): the header row's cells;
/// - `empty` (slot, optional): what is said instead of the table when there
///   are no items (without it, the table shows with its header only);
/// - `paging` (slot, optional): the pager, shown after the table or the
///   message;
/// - `label`: the table's accessible name, where a page lists several
///   things;
/// - `spacing`: the margin class above the table or the message (`mt-6`
///   unless given).
#[component]
pub fn ListTable<T, R, V>(
    items: Vec<T>,
    row: R,
    columns: Columns,
    #[prop(optional)] empty: Option<Empty>,
    #[prop(optional)] paging: Option<Paging>,
    #[prop(optional)] label: Option<&'static str>,
    #[prop(default = "mt-6")] spacing: &'static str,
) -> impl IntoView
where
    T: 'static,
    R: FnMut(T) -> V + 'static,
    V: IntoView + 'static,
{
    let list = if let (true, Some(empty)) = (items.is_empty(), empty) {
        view! { <p class=format!("{spacing} text-sm text-slate-500")>{(empty.children)()}</p> }.into_any()
    } else {
        view! {
            <div class="table-scroll" tabindex="0">
                <table class=format!("list-table {spacing}") aria-label=label>
                    <thead>
                        <tr>{(columns.children)()}</tr>
                    </thead>
                    <tbody>{items.into_iter().map(row).collect_view()}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        {list}
        {paging.map(|paging| (paging.children)())}
    }
}
