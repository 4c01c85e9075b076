//! Saved views: a project's task list as a URL, named and kept.

use serde::{Deserialize, Serialize};

use super::{ProjectId, SavedViewId, text::one_line_text};

one_line_text!(
    /// A saved view's name: 1–60 characters.
    ViewName,
    max = 60,
    noun = "A view name",
    empty = "Enter a name for the view."
);

/// A saved view as its reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedView {
    pub id: SavedViewId,
    pub project_id: ProjectId,
    pub name: String,
    /// The list's query string in canonical form (`?priority=high&sort=due`),
    /// empty for the default list; see `TaskQuery::to_query_string`.
    pub query: String,
    /// Shown to every member of the organization; otherwise to its author
    /// only.
    pub shared: bool,
    /// Saved by the person reading it (who may delete it).
    pub mine: bool,
    /// Its author's name; `None` once their account is gone.
    pub created_by: Option<String>,
}
