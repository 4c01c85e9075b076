//! Projects: containers of tasks and cycles.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{
    ProjectId,
    text::{multi_line_text, one_line_text},
};

one_line_text!(
    /// A project's name: 1–100 characters, unique among the organization's
    /// projects that are not in the trash (compared case-insensitively).
    ProjectName,
    max = 100,
    noun = "A project name",
    empty = "Enter a name for the project."
);

multi_line_text!(
    /// A project's description: up to 2,000 characters.
    ProjectDescription,
    max = 2000,
    noun = "A description"
);

/// How long a project stays in the trash before it is deleted for good.
pub const TRASH_RETENTION_DAYS: i64 = 30;

/// A project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
    pub description: String,
    /// Set while the project is archived: read-only in lists, out of the way.
    #[serde(with = "time::serde::rfc3339::option")]
    pub archived_at: Option<OffsetDateTime>,
    /// Set while the project is in the trash.
    #[serde(with = "time::serde::rfc3339::option")]
    pub deleted_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Its open tasks (not in the trash). Kept by the database with every
    /// change to a task, never counted on reading.
    pub open_tasks: i64,
    /// Its done tasks (not in the trash).
    pub done_tasks: i64,
    /// Its tasks in the trash.
    pub trashed_tasks: i64,
}

/// Which projects a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectView {
    /// Neither archived nor in the trash.
    #[default]
    Active,
    Archived,
    /// In the trash (restorable for 30 days).
    Trash,
}

impl ProjectView {
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectView::Active => "active",
            ProjectView::Archived => "archived",
            ProjectView::Trash => "trash",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [ProjectView::Active, ProjectView::Archived, ProjectView::Trash].into_iter().find(|v| v.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_names_are_1_to_100_characters() {
        assert!(ProjectName::parse(" ").is_err());
        assert!(ProjectName::parse(&"p".repeat(100)).is_ok());
        assert!(ProjectName::parse(&"p".repeat(101)).is_err());
    }

    #[test]
    fn descriptions_are_up_to_2000_characters() {
        assert!(ProjectDescription::parse("").is_ok());
        assert!(ProjectDescription::parse(&"d".repeat(2000)).is_ok());
        assert!(ProjectDescription::parse(&"d".repeat(2001)).is_err());
    }
}
