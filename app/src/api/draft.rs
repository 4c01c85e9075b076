//! What a form posted without JavaScript, for the page that shows its
//! errors.
//!
//! Without JavaScript an `ActionForm` is a plain HTML form post. When the
//! server function fails, Leptos redirects the browser back to the form's
//! page with the error in the query (`__path`, `__err`), and the page shows
//! it next to its field; but it is a new page, and its inputs would be
//! empty. The server keeps the posted fields for that one redirect (see the
//! server's `form_drafts` middleware) and puts them in the request of the
//! page as a [`FormDraft`] (`model::draft`); [`form_draft`] hands them to the form, which
//! refills its inputs. Bad input loses nothing, scripts or not.

use leptos::{prelude::*, server_fn::ServerFn};

use crate::model::draft::FormDraft;

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
