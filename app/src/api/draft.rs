//! What a form posted without JavaScript, for the page that shows its
//! errors.
//!
//! Without JavaScript an `ActionForm` is a plain HTML form post. When the
//! server function fails, Leptos redirects the browser back to the form's
//! page with the error in the query (`__path`, `__err`), and the page shows
//! it next to its field; but it is a new page, and its inputs would be
//! empty. The server keeps the posted fields for that one redirect (see the
//! server's `form_drafts` middleware) and puts them in the request of the
//! page as a [`FormDraft`]; [`form_draft`] hands them to the form, which
//! refills its inputs. Bad input loses nothing, scripts or not.

use leptos::{prelude::*, server_fn::ServerFn};
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

/// The draft of the last plain post of `action`'s server function, when
/// the page being rendered shows that post's errors; `None` otherwise, and
/// always in the browser (there a failed submit never leaves the page, so
/// the inputs still hold what was typed).
pub fn form_draft<S>(_action: ServerAction<S>) -> Option<FormDraft>
where
    S: ServerFn + 'static,
{
    #[cfg(feature = "ssr")]
    {
        let parts = use_context::<http::request::Parts>()?;
        parts.extensions.get::<FormDraft>().filter(|draft| draft.path == S::PATH).cloned()
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// [`form_draft`] as a lookup: `typed("name")` is what the failed post
/// sent as `name`, if this page shows its errors. The lookup is `Copy`, so
/// views that re-render (`<Show>`) can call it.
pub fn typed_values<S>(action: ServerAction<S>) -> impl Fn(&str) -> Option<String> + Copy + Send + Sync + 'static
where
    S: ServerFn + 'static,
{
    let draft = StoredValue::new(form_draft(action));
    move |name| draft.with_value(|draft| draft.as_ref().and_then(|draft| draft.value(name)).map(str::to_owned))
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
