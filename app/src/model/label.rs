//! Labels: an organization's tags for tasks.

use serde::{Deserialize, Serialize};

use super::{LabelId, text::one_line_text};

one_line_text!(
    /// A label's name: 1–50 characters, unique in the organization
    /// (compared case-insensitively).
    LabelName,
    max = 50,
    noun = "A label name",
    empty = "Enter a name for the label."
);

/// A label's colour, from a fixed palette: the stylesheet has a class for
/// each, so pages need no inline styles (which the CSP forbids).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum LabelColor {
    #[default]
    Gray,
    Red,
    Orange,
    Amber,
    Green,
    Teal,
    Blue,
    Indigo,
    Purple,
    Pink,
}

impl LabelColor {
    pub const ALL: [LabelColor; 10] = [
        LabelColor::Gray,
        LabelColor::Red,
        LabelColor::Orange,
        LabelColor::Amber,
        LabelColor::Green,
        LabelColor::Teal,
        LabelColor::Blue,
        LabelColor::Indigo,
        LabelColor::Purple,
        LabelColor::Pink,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LabelColor::Gray => "gray",
            LabelColor::Red => "red",
            LabelColor::Orange => "orange",
            LabelColor::Amber => "amber",
            LabelColor::Green => "green",
            LabelColor::Teal => "teal",
            LabelColor::Blue => "blue",
            LabelColor::Indigo => "indigo",
            LabelColor::Purple => "purple",
            LabelColor::Pink => "pink",
        }
    }

    /// The classes of a label chip of this colour (`style/main.css` has one
    /// per palette colour, so the CSP needs no inline styles).
    pub fn chip_class(self) -> &'static str {
        match self {
            LabelColor::Gray => "chip chip-gray",
            LabelColor::Red => "chip chip-red",
            LabelColor::Orange => "chip chip-orange",
            LabelColor::Amber => "chip chip-amber",
            LabelColor::Green => "chip chip-green",
            LabelColor::Teal => "chip chip-teal",
            LabelColor::Blue => "chip chip-blue",
            LabelColor::Indigo => "chip chip-indigo",
            LabelColor::Purple => "chip chip-purple",
            LabelColor::Pink => "chip chip-pink",
        }
    }
}

/// The text was not a palette colour.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose one of the palette colours.")]
pub struct UnknownColor;

impl std::str::FromStr for LabelColor {
    type Err = UnknownColor;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LabelColor::ALL.into_iter().find(|c| c.as_str() == s).ok_or(UnknownColor)
    }
}

/// Labels one organization may have (every project page sends them all).
pub const MAX_LABELS: usize = 200;

/// A label of the organization.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Label {
    pub id: LabelId,
    pub name: String,
    pub color: LabelColor,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colors_round_trip_through_their_names() {
        for color in LabelColor::ALL {
            assert_eq!(color.as_str().parse::<LabelColor>(), Ok(color));
        }
        assert!("#ff0000".parse::<LabelColor>().is_err());
    }

    #[test]
    fn label_names_are_1_to_50_characters() {
        assert!(LabelName::parse(&"l".repeat(50)).is_ok());
        assert!(LabelName::parse(&"l".repeat(51)).is_err());
    }
}
