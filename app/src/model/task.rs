//! Tasks: the unit of work.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::{
    CycleId, LabelColor, LabelId, ProjectId, TaskId, UserId,
    text::{multi_line_text, one_line_text},
};

one_line_text!(
    /// A task's title: 1–255 characters after trimming, not blank.
    TaskTitle,
    max = 255,
    noun = "A title",
    empty = "Enter a title."
);

multi_line_text!(
    /// A task's description: up to 2,000 characters.
    TaskDescription,
    max = 2000,
    noun = "A description"
);

/// How urgent a task is, lowest first. Stored as lowercase text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Priority {
    #[default]
    None,
    Low,
    Medium,
    High,
    Urgent,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Priority; 5] = [Priority::None, Priority::Low, Priority::Medium, Priority::High, Priority::Urgent];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::None => "none",
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Priority::None => "No priority",
            Priority::Low => "Low",
            Priority::Medium => "Medium",
            Priority::High => "High",
            Priority::Urgent => "Urgent",
        }
    }

    /// 0 (none) to 4 (urgent), for sorting.
    pub fn rank(self) -> u8 {
        self as u8
    }
}

/// The text was not a priority name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose a priority: none, low, medium, high or urgent.")]
pub struct UnknownPriority;

impl std::str::FromStr for Priority {
    type Err = UnknownPriority;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Priority::ALL.into_iter().find(|p| p.as_str() == s).ok_or(UnknownPriority)
    }
}

/// A member as shown on a task.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Assignee {
    pub id: UserId,
    pub display_name: String,
}

/// A label as shown on a task.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TaskLabel {
    pub id: LabelId,
    pub name: String,
    pub color: LabelColor,
}

/// A task with what a list shows of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Task {
    pub id: TaskId,
    pub project_id: ProjectId,
    pub title: String,
    pub description: String,
    pub priority: Priority,
    /// Due date (a calendar day, no time zone).
    pub due_on: Option<Date>,
    pub assignee: Option<Assignee>,
    pub cycle_id: Option<CycleId>,
    /// Labels, by name.
    pub labels: Vec<TaskLabel>,
    /// When it was completed; `None` while open. Set and cleared by the
    /// server only.
    #[serde(with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When it was put in the trash; `None` while live. A trashed task is
    /// deleted for good [`TRASH_RETENTION_DAYS`](super::project::TRASH_RETENTION_DAYS)
    /// later.
    #[serde(with = "time::serde::rfc3339::option")]
    pub deleted_at: Option<OffsetDateTime>,
}

/// Most labels one task may carry.
pub const MAX_LABELS: usize = 20;

/// A task as a list shows it: no description (the task's panel reads the
/// whole task), and in JSON no field that is empty or absent, so a page of
/// fifty stays small on the wire and in the page's hydration data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TaskItem {
    pub id: TaskId,
    pub title: String,
    pub priority: Priority,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_on: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<Assignee>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle_id: Option<CycleId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<TaskLabel>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub deleted_at: Option<OffsetDateTime>,
}

impl TaskItem {
    pub fn is_done(&self) -> bool {
        self.completed_at.is_some()
    }

    pub fn is_trashed(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// Open and due before `today`.
    pub fn is_overdue(&self, today: Date) -> bool {
        !self.is_done() && self.due_on.is_some_and(|due| due < today)
    }
}

impl Task {
    pub fn is_done(&self) -> bool {
        self.completed_at.is_some()
    }

    pub fn is_trashed(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// Open and due before `today`.
    pub fn is_overdue(&self, today: Date) -> bool {
        !self.is_done() && self.due_on.is_some_and(|due| due < today)
    }
}

/// Every field of a task, checked: what a create or a full edit writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFields {
    pub title: TaskTitle,
    pub description: TaskDescription,
    pub priority: Priority,
    pub due_on: Option<Date>,
    pub assignee: Option<UserId>,
    pub cycle: Option<CycleId>,
    pub labels: Vec<LabelId>,
}

/// A field an inline edit of the dashboard may change (`patch_task`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskField {
    Title,
    Description,
    Priority,
    DueOn,
    Assignee,
    Cycle,
}

/// Most tasks one bulk action may name.
pub const MAX_BULK: usize = 500;

/// A bulk action on selected tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum BulkAction {
    Complete,
    Reopen,
    /// Move to the project in `project`.
    Move,
    /// Assign to the member in `assignee` (empty: unassign).
    Assign,
    /// Put in the trash (restorable for 30 days).
    Trash,
    /// Take out of the trash.
    Restore,
    /// Delete trashed tasks for good (Admins and Owners).
    Purge,
}

impl BulkAction {
    /// What was done to `count` tasks, for a toast or the flash after a
    /// form without JavaScript: "Moved 3 tasks to the trash."
    pub fn outcome_message(self, count: u64) -> String {
        let tasks = if count == 1 { "1 task".to_owned() } else { format!("{count} tasks") };
        match self {
            BulkAction::Complete => format!("Completed {tasks}."),
            BulkAction::Reopen => format!("Reopened {tasks}."),
            BulkAction::Move => format!("Moved {tasks} to another project."),
            BulkAction::Assign => format!("Assigned {tasks}."),
            BulkAction::Trash => format!("Moved {tasks} to the trash."),
            BulkAction::Restore => format!("Restored {tasks}."),
            BulkAction::Purge => format!("Deleted {tasks} for good."),
        }
    }
}

/// What a bulk action did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BulkOutcome {
    /// Tasks changed (a task already complete is not completed again).
    pub affected: u64,
}

/// A calendar date from a form field: `YYYY-MM-DD`, or empty for none.
pub fn parse_date_field(input: &str) -> Result<Option<Date>, String> {
    let input = input.trim();
    if input.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(input, &format).map(Some).map_err(|_| "Enter a date as YYYY-MM-DD.".to_owned())
}

/// A date as a form field shows it: `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    date.format(&format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn titles_are_trimmed_1_to_255_characters() {
        assert_eq!(TaskTitle::parse("  Write the spec ").unwrap().as_str(), "Write the spec");
        assert!(TaskTitle::parse("   ").is_err());
        assert!(TaskTitle::parse(&"t".repeat(255)).is_ok());
        assert!(TaskTitle::parse(&"t".repeat(256)).is_err());
    }

    #[test]
    fn descriptions_are_up_to_2000_characters() {
        assert!(TaskDescription::parse(&"d".repeat(2000)).is_ok());
        assert!(TaskDescription::parse(&"d".repeat(2001)).is_err());
    }

    #[test]
    fn priorities_order_from_none_to_urgent() {
        assert!(Priority::Urgent > Priority::High && Priority::Low > Priority::None);
        assert_eq!("urgent".parse::<Priority>(), Ok(Priority::Urgent));
        assert!("Urgent".parse::<Priority>().is_err());
    }

    #[test]
    fn date_fields_are_iso_dates_or_empty() {
        assert_eq!(parse_date_field("2026-11-30"), Ok(Some(date!(2026 - 11 - 30))));
        assert_eq!(parse_date_field(" "), Ok(None));
        assert!(parse_date_field("30/11/2026").is_err());
        assert!(parse_date_field("2026-02-30").is_err());
        assert_eq!(format_date(date!(2026 - 01 - 05)), "2026-01-05");
    }
}
