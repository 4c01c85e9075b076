//! Organizations (tenants) as the browser sees them.

use serde::{Deserialize, Serialize};

use time::Date;

use super::{OrgId, OrgLimits, Plan, Priority, ProjectId, Role, SessionUser, TaskId, text::one_line_text};

one_line_text!(
    /// An organization's name: 1–100 characters after trimming, no control
    /// characters.
    OrgName,
    max = 100,
    noun = "An organization name",
    empty = "Enter a name for your organization."
);

/// The organization's URL segment in `/o/{slug}`: 1–48 characters of
/// `a-z`, `0-9` and single inner hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrgSlug(String);

/// The text is not a well-formed slug. Such a slug can name no organization,
/// so callers answer it with "not found".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid organization slug")]
pub struct InvalidSlug;

impl OrgSlug {
    pub const MAX_LEN: usize = 48;

    pub fn parse(input: &str) -> Result<Self, InvalidSlug> {
        let well_formed = !input.is_empty()
            && input.len() <= Self::MAX_LEN
            && input.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !input.starts_with('-')
            && !input.ends_with('-')
            && !input.contains("--");
        if well_formed { Ok(Self(input.to_owned())) } else { Err(InvalidSlug) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for OrgSlug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An organization the signed-in person belongs to, with their role in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSummary {
    pub id: OrgId,
    pub name: String,
    pub slug: String,
    pub role: Role,
    /// Suspended by a platform admin: readable, not changeable.
    pub suspended: bool,
}

impl OrgSummary {
    /// Whether the member may do `action` here: their role allows it
    /// (`model::permission`) and, while the organization is suspended, it
    /// changes nothing.
    pub fn can(&self, action: super::Action) -> bool {
        self.role.can(action) && !(self.suspended && action.changes_data())
    }
}

/// An organization's plan, its limits, and what it uses of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanUsage {
    pub plan: Plan,
    pub limits: OrgLimits,
    /// Members and pending invitations.
    pub members: i64,
    /// Projects not in the trash.
    pub projects: i64,
    /// Licenses issued (and not deleted).
    pub licenses: i64,
    /// Bytes of every file, in the trash too.
    pub storage_bytes: i64,
}

/// The settings page: the organization and its plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSettings {
    pub org: OrgSummary,
    pub usage: PlanUsage,
}

/// Everything the signed-in layout needs: who is signed in, the current
/// organization, and the others for the switcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgShell {
    pub user: SessionUser,
    pub org: OrgSummary,
    /// Every organization of the user, the current one included, by name.
    pub organizations: Vec<OrgSummary>,
}

/// The organization dashboard: counts, my open tasks, and completions per
/// week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgDashboard {
    pub org: OrgSummary,
    pub member_count: i64,
    /// Active projects (neither archived nor in the trash).
    pub project_count: i64,
    /// Open tasks in active projects.
    pub open_task_count: i64,
    /// Open tasks in active projects due before today (UTC).
    pub overdue_count: i64,
    /// True when the overdue count stopped at its cap (then it reads
    /// "1,000+").
    pub overdue_capped: bool,
    /// The signed-in member's open tasks, soonest due first (at most 10).
    pub assigned_to_me: Vec<AssignedTask>,
    /// Tasks completed per week, oldest first: the last 12 weeks (Monday
    /// to Sunday, UTC), the current one last.
    pub completed_per_week: Vec<WeekCount>,
    /// The server's date (UTC) the numbers were taken on: what "overdue"
    /// means here.
    pub today: Date,
}

/// An open task as the dashboard lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignedTask {
    pub id: TaskId,
    pub title: String,
    pub project_id: ProjectId,
    pub project_name: String,
    pub priority: Priority,
    pub due_on: Option<Date>,
}

/// How many tasks were completed in the week starting `week_start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekCount {
    /// A Monday.
    pub week_start: Date,
    pub count: i64,
}

/// The Mondays starting the `weeks` weeks up to and including the one of
/// `today`, oldest first.
pub fn week_starts(today: Date, weeks: u8) -> Vec<Date> {
    let monday = today - time::Duration::days(i64::from(today.weekday().number_days_from_monday()));
    (0..i64::from(weeks)).rev().map(|back| monday - time::Duration::weeks(back)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_name_is_1_to_100_characters() {
        assert_eq!(OrgName::parse("  Acme  ").unwrap().as_str(), "Acme");
        assert!(OrgName::parse("").is_err());
        assert!(OrgName::parse(&"n".repeat(100)).is_ok());
        assert!(OrgName::parse(&"n".repeat(101)).is_err());
    }

    #[test]
    fn week_starts_are_the_mondays_of_the_last_weeks_oldest_first() {
        use time::macros::date;
        // 2026-11-21 is a Saturday.
        let weeks = week_starts(date!(2026 - 11 - 21), 3);
        assert_eq!(weeks, vec![date!(2026 - 11 - 02), date!(2026 - 11 - 09), date!(2026 - 11 - 16)]);
        assert_eq!(week_starts(date!(2026 - 11 - 16), 1), vec![date!(2026 - 11 - 16)], "a Monday starts its own week");
    }

    #[test]
    fn slugs_accept_lowercase_digits_and_inner_hyphens_only() {
        assert!(OrgSlug::parse("acme-2").is_ok());
        for bad in ["", "Acme", "-acme", "acme-", "ac--me", "ac me", "acmé", &"a".repeat(49)] {
            assert!(OrgSlug::parse(bad).is_err(), "{bad}");
        }
    }
}
