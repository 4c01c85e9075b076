//! The fields of a form posted without JavaScript, kept across its error
//! redirect: the server's `form_drafts` layer makes one, the page's form
//! reads it back (`api::draft::form_draft`) to refill its inputs.

use serde::{Deserialize, Serialize};

/// The fields of one failed plain form post, passwords left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormDraft {
    /// The server function's path, `/api/<endpoint>`.
    pub path: String,
    /// `(name, value)` pairs in the order the browser sent them.
    pub fields: Vec<(String, String)>,
}

impl FormDraft {
    /// The draft of an `application/x-www-form-urlencoded` body posted to
    /// `path`. Fields whose name mentions a password are dropped: they are
    /// never stored, and a browser never refills them either.
    pub fn from_form(path: &str, body: &[u8]) -> Self {
        let fields = form_urlencoded::parse(body)
            .filter(|(name, _)| !name.contains("password"))
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        Self { path: path.to_owned(), fields }
    }

    /// The first value posted as `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Every value posted as `name` (checkboxes such as `labels[]`).
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_keeps_every_field_but_passwords() {
        let draft = FormDraft::from_form(
            "/api/signup",
            b"display_name=Ada+L&email=ada%40example.com&password=secret+words&labels%5B%5D=a&labels%5B%5D=b",
        );
        assert_eq!(draft.value("display_name"), Some("Ada L"));
        assert_eq!(draft.value("email"), Some("ada@example.com"));
        assert_eq!(draft.value("password"), None);
        assert_eq!(draft.values("labels[]").collect::<Vec<_>>(), ["a", "b"]);
        assert!(!draft.fields.iter().any(|(_, v)| v.contains("secret")));
    }
}
