//! The class lists the licensing pages repeat.

pub(super) const CARD: &str = "mt-6 rounded-lg border border-slate-200 bg-white p-6";
pub(super) const BUTTON: &str =
    "rounded-md border border-slate-300 px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50";
pub(super) const SELECT: &str =
    "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900";
pub(super) const CHECK: &str = "flex items-center gap-2 text-sm text-slate-700";
