//! Cycles: time-boxed iterations of a project.

use serde::{Deserialize, Serialize};
use time::Date;

use super::{CycleId, ProjectId, text::one_line_text};

one_line_text!(
    /// A cycle's name: 1–100 characters.
    CycleName,
    max = 100,
    noun = "A cycle name",
    empty = "Enter a name for the cycle."
);

/// Cycles one project may have (its page sends them all).
pub const MAX_CYCLES: usize = 100;

/// A cycle with its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Cycle {
    pub id: CycleId,
    pub project_id: ProjectId,
    pub name: String,
    pub starts_on: Date,
    pub ends_on: Date,
    /// Tasks of the cycle that are done.
    pub done_tasks: i64,
    /// All tasks of the cycle.
    pub total_tasks: i64,
}

impl Cycle {
    /// Done tasks as a whole percentage of all (0 for an empty cycle).
    pub fn percent_done(&self) -> u8 {
        if self.total_tasks <= 0 {
            return 0;
        }
        u8::try_from(self.done_tasks.clamp(0, self.total_tasks) * 100 / self.total_tasks).unwrap_or(100)
    }
}

/// A cycle's dates: the end is not before the start.
pub fn check_cycle_dates(starts_on: Date, ends_on: Date) -> Result<(), String> {
    if ends_on < starts_on { Err("The end date cannot be before the start date.".to_owned()) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn cycle(done: i64, total: i64) -> Cycle {
        Cycle {
            id: CycleId::new(),
            project_id: ProjectId::new(),
            name: "C".into(),
            starts_on: date!(2026 - 11 - 01),
            ends_on: date!(2026 - 11 - 14),
            done_tasks: done,
            total_tasks: total,
        }
    }

    #[test]
    fn progress_is_a_rounded_down_percentage() {
        assert_eq!(cycle(0, 0).percent_done(), 0);
        assert_eq!(cycle(1, 3).percent_done(), 33);
        assert_eq!(cycle(3, 3).percent_done(), 100);
    }

    #[test]
    fn a_cycle_may_be_one_day_but_not_end_before_it_starts() {
        assert!(check_cycle_dates(date!(2026 - 11 - 01), date!(2026 - 11 - 01)).is_ok());
        assert!(check_cycle_dates(date!(2026 - 11 - 02), date!(2026 - 11 - 01)).is_err());
    }
}
