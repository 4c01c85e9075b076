//! Bounded text inputs: names, titles, descriptions.
//!
//! Each input type is a newtype made by one of two macros, so the rule
//! lives once: trimmed, at most N characters (Unicode scalar values, as the
//! browser's `maxlength` counts them, near enough), no control characters
//! (a one-line text allows none, a multi-line text allows line breaks and
//! tabs).

/// Why a text input was rejected (shown next to its field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Required but blank. The message names what to enter.
    #[error("{0}")]
    Empty(&'static str),
    #[error("{noun} has at most {max} characters.")]
    TooLong { noun: &'static str, max: usize },
    #[error("{noun} cannot contain control characters.")]
    ControlCharacters { noun: &'static str },
}

#[doc(hidden)]
pub fn parse_bounded(
    input: &str,
    max: usize,
    noun: &'static str,
    empty: Option<&'static str>,
    multi_line: bool,
) -> Result<String, TextError> {
    let trimmed = input.trim();
    if let (true, Some(message)) = (trimmed.is_empty(), empty) {
        return Err(TextError::Empty(message));
    }
    if trimmed.chars().count() > max {
        return Err(TextError::TooLong { noun, max });
    }
    let allowed = |c: char| multi_line && matches!(c, '\n' | '\r' | '\t');
    if trimmed.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(TextError::ControlCharacters { noun });
    }
    Ok(trimmed.to_owned())
}

/// Defines a required one-line text newtype:
/// `one_line_text!(Name, max = 100, noun = "A name", empty = "Enter a name.")`.
macro_rules! one_line_text {
    ($(#[$meta:meta])* $name:ident, max = $max:expr, noun = $noun:expr, empty = $empty:expr) => {
        $crate::model::text::bounded_text!($(#[$meta])* $name, $max, $noun, Some($empty), false);
    };
}

/// Defines an optional (may be empty) multi-line text newtype:
/// `multi_line_text!(Description, max = 2000, noun = "A description")`.
macro_rules! multi_line_text {
    ($(#[$meta:meta])* $name:ident, max = $max:expr, noun = $noun:expr) => {
        $crate::model::text::bounded_text!($(#[$meta])* $name, $max, $noun, None, true);
    };
}

macro_rules! bounded_text {
    ($(#[$meta:meta])* $name:ident, $max:expr, $noun:expr, $empty:expr, $multi:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Most characters allowed, after trimming.
            pub const MAX_LEN: usize = $max;

            /// Trims `input` and checks it; see the module docs.
            pub fn parse(input: &str) -> Result<Self, $crate::model::text::TextError> {
                $crate::model::text::parse_bounded(input, $max, $noun, $empty, $multi).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// An enum stored and sent as its snake_case name, with a label for people.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            /// What people read.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s)
                    .ok_or_else(|| format!(concat!("unknown ", stringify!($name), " {:?}"), s))
            }
        }
    };
}

pub(crate) use {bounded_text, multi_line_text, named_enum, one_line_text};

#[cfg(test)]
mod tests {
    use super::*;

    one_line_text!(Title, max = 5, noun = "A title", empty = "Enter a title.");
    multi_line_text!(Notes, max = 5, noun = "Notes");

    #[test]
    fn one_line_text_is_trimmed_required_and_bounded() {
        assert_eq!(Title::parse("  abc ").unwrap().as_str(), "abc");
        assert_eq!(Title::parse(" \t\n "), Err(TextError::Empty("Enter a title.")));
        assert!(Title::parse(&"a".repeat(Title::MAX_LEN)).is_ok());
        assert_eq!(Title::parse("abcdef"), Err(TextError::TooLong { noun: "A title", max: 5 }));
        assert_eq!(Title::parse("a\nb"), Err(TextError::ControlCharacters { noun: "A title" }));
        assert_eq!(TextError::TooLong { noun: "A title", max: 5 }.to_string(), "A title has at most 5 characters.");
    }

    #[test]
    fn multi_line_text_may_be_empty_and_keeps_line_breaks() {
        assert_eq!(Notes::parse("   ").unwrap().as_str(), "");
        assert_eq!(Notes::parse("a\nb\tc").unwrap().as_str(), "a\nb\tc");
        assert!(Notes::parse("a\u{7}").is_err());
        assert!(Notes::parse(&"é".repeat(Notes::MAX_LEN)).is_ok(), "characters, not bytes");
        assert!(Notes::parse("éééééé").is_err());
    }
}
