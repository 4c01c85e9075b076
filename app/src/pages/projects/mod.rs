//! `/o/{org}/projects` and `/o/{org}/projects/{id}`.

mod board;
mod cycles;
mod detail;
mod feedback;
mod labels;
mod list;
mod shortcuts;
mod state;
mod task_panel;
mod toolbar;

pub use detail::ProjectPage;
pub use list::ProjectsPage;
