//! Plans and the limits they set on an organization.

use serde::{Deserialize, Serialize};

/// What an organization pays for. A plan gives default [`OrgLimits`]; a
/// platform admin may change each limit afterwards.
///
/// Stored as lowercase text (`free`, `pro`, `enterprise`) with a CHECK
/// constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    #[default]
    Free,
    Pro,
    Enterprise,
}

impl Plan {
    pub const ALL: [Plan; 3] = [Plan::Free, Plan::Pro, Plan::Enterprise];

    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Pro => "pro",
            Plan::Enterprise => "enterprise",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Plan::Free => "Free",
            Plan::Pro => "Pro",
            Plan::Enterprise => "Enterprise",
        }
    }

    /// The limits an organization gets when it is put on this plan: Free
    /// 10 members, 10 projects, 100 licenses and 1 GiB of files; Pro 100,
    /// 100, 10,000 and 100 GiB; Enterprise none.
    pub const fn limits(self) -> OrgLimits {
        match self {
            Plan::Free => {
                OrgLimits { members: Some(10), projects: Some(10), licenses: Some(100), storage_mb: Some(1024) }
            }
            Plan::Pro => {
                OrgLimits { members: Some(100), projects: Some(100), licenses: Some(10_000), storage_mb: Some(102_400) }
            }
            Plan::Enterprise => OrgLimits { members: None, projects: None, licenses: None, storage_mb: None },
        }
    }
}

/// The text was not one of the plan names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose free, pro or enterprise.")]
pub struct UnknownPlan;

impl std::str::FromStr for Plan {
    type Err = UnknownPlan;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Plan::ALL.into_iter().find(|plan| plan.as_str() == s).ok_or(UnknownPlan)
    }
}

/// How many of each thing an organization may have; `None` is unlimited.
///
/// Members count people in the organization and pending invitations
/// (an invitation holds a seat until it is accepted, revoked or expires);
/// projects count those not in the trash (archived ones included);
/// licenses count every license; storage counts the bytes of every file,
/// in the trash too, in MiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrgLimits {
    pub members: Option<u32>,
    pub projects: Option<u32>,
    pub licenses: Option<u32>,
    pub storage_mb: Option<u32>,
}

/// The largest limit a platform admin may set.
pub const MAX_LIMIT: u32 = 1_000_000;

/// Parses a limit field: empty is unlimited, else a whole number from 0
/// to [`MAX_LIMIT`].
pub fn parse_limit(text: &str) -> Result<Option<u32>, String> {
    match text.trim() {
        "" => Ok(None),
        text => match text.parse::<u32>() {
            Ok(n) if n <= MAX_LIMIT => Ok(Some(n)),
            _ => Err(format!("Enter a whole number from 0 to {MAX_LIMIT}, or leave empty for no limit.")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_round_trip_through_their_names() {
        for plan in Plan::ALL {
            assert_eq!(plan.as_str().parse::<Plan>(), Ok(plan));
        }
        assert!("gold".parse::<Plan>().is_err());
    }

    #[test]
    fn limits_parse_empty_as_unlimited_and_refuse_the_rest() {
        assert_eq!(parse_limit(" "), Ok(None));
        assert_eq!(parse_limit("12"), Ok(Some(12)));
        assert_eq!(parse_limit("0"), Ok(Some(0)));
        assert!(parse_limit("-1").is_err());
        assert!(parse_limit("2.5").is_err());
        assert!(parse_limit("1000001").is_err());
    }
}
