//! The dashboard's weekly bar chart, as SVG rendered on the server.

use leptos::prelude::*;

use crate::model::WeekCount;

const WIDTH: u32 = 600;
const HEIGHT: u32 = 180;
const TOP: u32 = 20;
const BOTTOM: u32 = 28;

fn short_date(date: time::Date) -> String {
    let format = time::macros::format_description!("[month repr:short] [day padding:none]");
    date.format(&format).unwrap_or_default()
}

/// Tasks completed per week: one bar per week, its count above it and the
/// week's Monday below. Screen readers get a summary title and a title per
/// bar.
#[component]
pub fn WeeklyChart(weeks: Vec<WeekCount>) -> impl IntoView {
    let max = weeks.iter().map(|w| w.count).max().unwrap_or(0).max(1);
    let slot = WIDTH / u32::try_from(weeks.len().max(1)).unwrap_or(1);
    let plot = HEIGHT - TOP - BOTTOM;
    let total: i64 = weeks.iter().map(|w| w.count).sum();
    let summary = format!("Tasks completed per week over the last {} weeks: {total} in all.", weeks.len());
    let bars = weeks
        .into_iter()
        .enumerate()
        .map(|(i, week)| {
            let index = u32::try_from(i).unwrap_or(0);
            let height = u32::try_from(week.count * i64::from(plot) / max).unwrap_or(0);
            let x = index * slot + slot / 5;
            let width = slot * 3 / 5;
            let y = TOP + plot - height;
            let label = short_date(week.week_start);
            let title = format!("Week of {label}: {} completed", week.count);
            view! {
                <g>
                    <title>{title}</title>
                    <rect x=x y=y width=width height=height.max(1) rx="3" class="fill-indigo-500" />
                    <text x=x + width / 2 y=y - 5 text-anchor="middle" class="fill-slate-700 text-[11px]">
                        {week.count}
                    </text>
                    <text x=x + width / 2 y=HEIGHT - 8 text-anchor="middle" class="fill-slate-500 text-[10px]">
                        {label}
                    </text>
                </g>
            }
        })
        .collect_view();
    let aria_label = summary.clone();
    view! {
        <svg
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            role="img"
            aria-label=aria_label
            class="h-auto w-full max-w-3xl"
            data-testid="weekly-chart"
        >
            <title>{summary}</title>
            <line x1="0" y1=HEIGHT - BOTTOM x2=WIDTH y2=HEIGHT - BOTTOM class="stroke-slate-200" />
            {bars}
        </svg>
    }
}
