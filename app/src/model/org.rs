//! Organizations (tenants) as the browser sees them.

use serde::{Deserialize, Serialize};

use super::{OrgId, Role, SessionUser};

/// An organization's name: 1–100 characters after trimming, no control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrgName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgNameError {
    #[error("Enter a name for your organization.")]
    Empty,
    #[error("An organization name has at most {max} characters.", max = OrgName::MAX_LEN)]
    TooLong,
    #[error("An organization name cannot contain control characters.")]
    ControlCharacters,
}

impl OrgName {
    pub const MAX_LEN: usize = 100;

    pub fn parse(input: &str) -> Result<Self, OrgNameError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(OrgNameError::Empty);
        }
        if trimmed.chars().count() > Self::MAX_LEN {
            return Err(OrgNameError::TooLong);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(OrgNameError::ControlCharacters);
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

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

/// The organization dashboard's numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgDashboard {
    pub org: OrgSummary,
    pub member_count: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_name_is_trimmed_and_bounded() {
        assert_eq!(OrgName::parse("  Acme  ").unwrap().as_str(), "Acme");
        assert_eq!(OrgName::parse(""), Err(OrgNameError::Empty));
        assert!(OrgName::parse(&"n".repeat(100)).is_ok());
        assert_eq!(OrgName::parse(&"n".repeat(101)), Err(OrgNameError::TooLong));
    }

    #[test]
    fn slugs_accept_lowercase_digits_and_inner_hyphens_only() {
        assert!(OrgSlug::parse("acme-2").is_ok());
        for bad in ["", "Acme", "-acme", "acme-", "ac--me", "ac me", "acmé", &"a".repeat(49)] {
            assert!(OrgSlug::parse(bad).is_err(), "{bad}");
        }
    }
}
