//! What makes pages live once hydrated: server-sent events (the routes of
//! `server::files` in the server crate) and file uploads that report their
//! progress. Without JavaScript, the pages refresh themselves instead
//! ([`RefreshWhile`]).

use leptos::prelude::*;
use serde::de::DeserializeOwned;

/// Listens to the event stream at `url` (after hydration) and hands each
/// `progress` and `done` event's JSON to `on_event` (with `true` for
/// `done`, after which the stream is closed). Closed when the calling
/// component goes.
pub fn listen<T, F>(url: String, on_event: F)
where
    T: DeserializeOwned + 'static,
    F: Fn(T, bool) + 'static,
{
    #[cfg(feature = "hydrate")]
    {
        use std::rc::Rc;
        use wasm_bindgen::{JsCast, closure::Closure};

        let Ok(source) = web_sys::EventSource::new(&url) else {
            return;
        };
        let on_event = Rc::new(on_event);
        for (name, done) in [("progress", false), ("done", true)] {
            let on_event = Rc::clone(&on_event);
            let source_for_close = source.clone();
            let handler = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                let Some(text) = event.data().as_string() else { return };
                if let Ok(value) = serde_json::from_str::<T>(&text) {
                    on_event(value, done);
                }
                if done {
                    source_for_close.close();
                }
            });
            let _ = source.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
            handler.forget();
        }
        // The server's `error` event, or a lost connection: stop (the
        // page's own data stays as it was).
        let source_for_error = source.clone();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| source_for_error.close());
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        let stored = StoredValue::new_local(source);
        on_cleanup(move || stored.with_value(|source| source.close()));
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (url, on_event);
    }
}

/// Without JavaScript, reloads the page every `seconds` while `active`
/// (a `<noscript>` refresh: hydrated pages listen to events instead).
///
/// The `<meta>` goes in as the `<noscript>`'s inner HTML, never as an
/// element: a page the router renders in the browser would otherwise insert
/// a live refresh, which fires after the person has navigated elsewhere.
/// Parsed with scripting on, `<noscript>` content stays inert text.
#[component]
pub fn RefreshWhile(active: bool, #[prop(default = 2)] seconds: u32) -> impl IntoView {
    active.then(|| {
        view! { <noscript inner_html=format!(r#"<meta http-equiv="refresh" content="{seconds}">"#) /> }
    })
}

/// How one file's upload ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    Stored,
    /// The server's reason (an RFC 7807 `detail`), or the network's.
    Refused(String),
}

/// Sends `file` to `url` as a multipart form (`session`, `size`, then
/// `file`) with `XMLHttpRequest`, so its upload progress is known:
/// `on_progress(bytes_sent)` as it goes, `on_end` once answered.
///
/// `announce_only` sends the file's name and size with none of its bytes:
/// for a file the page knows is over the size limit, which the server
/// then refuses on its announced size and lists in the session as refused.
#[cfg(feature = "hydrate")]
pub fn send_file(
    url: &str,
    session: &str,
    file: &web_sys::File,
    announce_only: bool,
    on_progress: impl Fn(f64) + 'static,
    on_end: impl FnOnce(Sent) + 'static,
) {
    use std::{cell::RefCell, rc::Rc};
    use wasm_bindgen::{JsCast, closure::Closure};

    let end = Rc::new(RefCell::new(Some(Box::new(on_end) as Box<dyn FnOnce(Sent)>)));
    let finish = move |sent: Sent| {
        if let Some(end) = end.borrow_mut().take() {
            end(sent);
        }
    };
    let (Ok(request), Ok(form)) = (web_sys::XmlHttpRequest::new(), web_sys::FormData::new()) else {
        finish(Sent::Refused("This browser cannot upload files here.".into()));
        return;
    };
    let _ = form.append_with_str("session", session);
    let _ = form.append_with_str("size", &file.size().to_string());
    let nothing = web_sys::Blob::new();
    let body: &web_sys::Blob = match (&nothing, announce_only) {
        (Ok(nothing), true) => nothing,
        _ => file,
    };
    let _ = form.append_with_blob_and_filename("file", body, &file.name());
    if request.open_with_async("POST", url, true).is_err() {
        finish(Sent::Refused("The upload could not start.".into()));
        return;
    }
    let _ = request.set_request_header("Accept", "application/json");
    if let Ok(upload) = request.upload() {
        let progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |event: web_sys::ProgressEvent| {
            on_progress(event.loaded());
        });
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
        progress.forget();
    }
    let finish = Rc::new(finish);
    let loaded = {
        let request = request.clone();
        let finish = Rc::clone(&finish);
        Closure::<dyn FnMut()>::new(move || {
            let status = request.status().unwrap_or(0);
            if (200..300).contains(&status) {
                finish(Sent::Stored);
            } else {
                let text = request.response_text().ok().flatten().unwrap_or_default();
                let detail = serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|problem| problem.get("detail").and_then(|d| d.as_str()).map(str::to_owned))
                    .unwrap_or_else(|| format!("The server refused the file ({status})."));
                finish(Sent::Refused(detail));
            }
        })
    };
    request.set_onload(Some(loaded.as_ref().unchecked_ref()));
    loaded.forget();
    let failed = Closure::<dyn FnMut()>::new(move || {
        finish(Sent::Refused("The connection was lost during the upload.".into()));
    });
    request.set_onerror(Some(failed.as_ref().unchecked_ref()));
    failed.forget();
    if request.send_with_opt_form_data(Some(&form)).is_err() {
        // onerror reports it.
    }
}
