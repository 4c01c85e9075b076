//! What makes pages live once hydrated: server-sent events (a job's
//! progress, the routes of `server::files` in the server crate; the
//! organization's changes, [`OrgChanges`]) and file uploads that report
//! their progress. Without JavaScript, pages work as they are served, and
//! those waiting on a job refresh themselves ([`RefreshWhile`]).

use leptos::prelude::*;
use serde::de::DeserializeOwned;

use crate::model::Change;

/// How long changes gather before pages hear of them: a bulk edit of
/// fifty tasks is one refresh, not fifty.
#[cfg(feature = "hydrate")]
const GATHER_MS: u64 = 100;
/// How often a refresh held back (see [`OrgChanges::on`]) looks again.
#[cfg(feature = "hydrate")]
const HELD_RETRY_MS: u64 = 500;

/// The organization's change stream (`GET /o/{org}/events`), shared by
/// the pages under the organization layout: one `EventSource` per open
/// page, opened once hydrated while a page listens, closed when none
/// does. Between processes the server reads its outbox; this side only
/// hears "something changed" and pages read their data again.
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub struct OrgChanges {
    /// The last gathered changes.
    latest: RwSignal<Vec<Change>>,
    /// How many parts of the page listen.
    listeners: RwSignal<usize>,
}

impl OrgChanges {
    /// Opens (and closes) the stream of the organization at `slug` as
    /// pages start (and stop) listening. For the organization layout.
    pub fn provide(slug: Memo<String>) -> Self {
        let changes = OrgChanges { latest: RwSignal::new(Vec::new()), listeners: RwSignal::new(0) };
        provide_context(changes);
        #[cfg(feature = "hydrate")]
        {
            let open = StoredValue::new_local(None::<(String, web_sys::EventSource)>);
            Effect::new(move |_| {
                let wanted = (changes.listeners.get() > 0).then(|| slug.get());
                open.update_value(|open| {
                    if open.as_ref().map(|(slug, _)| slug) != wanted.as_ref() {
                        if let Some((_, source)) = open.take() {
                            source.close();
                        }
                        *open = wanted.and_then(|slug| stream(&slug, changes.latest).map(|source| (slug, source)));
                    }
                });
            });
            on_cleanup(move || {
                open.update_value(|open| {
                    if let Some((_, source)) = open.take() {
                        source.close();
                    }
                })
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = slug;
        changes
    }

    /// Calls `refresh` (in the browser, within about a second) after a
    /// change `matches` by anyone, this person included. The page reads
    /// its data again there, through its own authorized functions.
    ///
    /// `region` is the id of the element a refresh renders again: while
    /// the person has a field in it focused, or has typed in one (a text
    /// field, text area or select whose value is not what was served),
    /// the refresh is held back and tried again every half second, so
    /// nothing typed or chosen is lost. The returned signal is true while
    /// a refresh is held back (a page may say so).
    pub fn on(
        self,
        matches: impl Fn(&Change) -> bool + 'static,
        region: Option<&'static str>,
        refresh: impl Fn() + 'static,
    ) -> Signal<bool> {
        let held = RwSignal::new(false);
        #[cfg(feature = "hydrate")]
        {
            use std::rc::Rc;

            Effect::new(move |_| self.listeners.update(|n| *n += 1));
            on_cleanup(move || {
                self.listeners.try_update(|n| *n = n.saturating_sub(1));
            });
            let pending = StoredValue::new(false);
            let try_refresh: Rc<dyn Fn()> = Rc::new(move || {
                if !pending.try_get_value().unwrap_or(false) {
                    return;
                }
                if region.is_some_and(busy) {
                    if !held.get_untracked() {
                        held.set(true);
                    }
                } else {
                    pending.set_value(false);
                    if held.get_untracked() {
                        held.set(false);
                    }
                    refresh();
                }
            });
            // While held back, look again until the person is done.
            let timer = StoredValue::new_local(None::<IntervalHandle>);
            let retry = Rc::clone(&try_refresh);
            let stop = move || {
                if let Some(handle) = timer.try_update_value(Option::take).flatten() {
                    handle.clear();
                }
            };
            Effect::new(move |_| {
                stop();
                if held.get() {
                    let retry = Rc::clone(&retry);
                    let every = std::time::Duration::from_millis(HELD_RETRY_MS);
                    timer.set_value(set_interval_with_handle(move || retry(), every).ok());
                }
            });
            on_cleanup(stop);
            Effect::watch(
                move || self.latest.get(),
                move |latest, _, _| {
                    if latest.iter().any(&matches) {
                        pending.set_value(true);
                        try_refresh();
                    }
                },
                false,
            );
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (matches, region, refresh);
        held.into()
    }
}

/// The organization's change stream; only under the organization layout.
pub fn use_changes() -> OrgChanges {
    expect_context::<OrgChanges>()
}

/// Opens `/o/{slug}/events` and sets `latest` to each batch of changes
/// gathered over [`GATHER_MS`]. The browser reconnects on its own after a
/// lost connection (sending `Last-Event-ID`, so nothing is missed); the
/// server's `error` event (access lost) closes it for good.
#[cfg(feature = "hydrate")]
fn stream(slug: &str, latest: RwSignal<Vec<Change>>) -> Option<web_sys::EventSource> {
    use std::{cell::RefCell, rc::Rc};
    use wasm_bindgen::{JsCast, closure::Closure};

    let source = web_sys::EventSource::new(&format!("/o/{slug}/events")).ok()?;
    let gathered = Rc::new(RefCell::new(Vec::<Change>::new()));
    let on_change = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let Some(change) = event.data().as_string().and_then(|text| serde_json::from_str::<Change>(&text).ok()) else {
            return;
        };
        let first = gathered.borrow().is_empty();
        gathered.borrow_mut().push(change);
        if first {
            let gathered = Rc::clone(&gathered);
            set_timeout(
                move || {
                    latest.try_set(gathered.take());
                },
                std::time::Duration::from_millis(GATHER_MS),
            );
        }
    });
    let _ = source.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
    on_change.forget();
    // An `error` the server sent (a MessageEvent, with its reason) means
    // this person may no longer read the organization: stop. A lost
    // connection (a plain Event) is the browser's to retry.
    let source_for_error = source.clone();
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        if event.is_instance_of::<web_sys::MessageEvent>() {
            source_for_error.close();
        }
    });
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    Some(source)
}

/// Puts every form in the element with id `region` back as it was
/// served, dropping what the person typed there (their choice, such as
/// "discard your edits"): a refresh then shows the data read again. (A
/// refresh updates fields in place, and a browser keeps what a person
/// typed into a field over a new served value.)
pub fn discard_edits(region: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;

        let Some(region) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(region))
        else {
            return;
        };
        let Ok(forms) = region.query_selector_all("form") else { return };
        for form in (0..forms.length()).filter_map(|i| forms.item(i)) {
            if let Some(form) = form.dyn_ref::<web_sys::HtmlFormElement>() {
                form.reset();
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = region;
}

/// Whether the person is at work in the element with id `region`: a field
/// of it has focus, or holds something other than what was served.
#[cfg(feature = "hydrate")]
fn busy(region: &str) -> bool {
    use wasm_bindgen::JsCast;

    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return false;
    };
    let Some(region) = document.get_element_by_id(region) else {
        return false;
    };
    // Ticks and chosen files are kept in the page's state, not the
    // field, so only what is typed or picked from a list counts.
    let editable = "input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=submit]):not([type=file]), \
                    textarea, select";
    if let Some(active) = document.active_element()
        && region.contains(Some(&active))
        && active.matches(editable).unwrap_or(false)
    {
        return true;
    }
    let Ok(fields) = region.query_selector_all(editable) else {
        return false;
    };
    (0..fields.length()).filter_map(|i| fields.item(i)).any(|field| {
        if let Some(input) = field.dyn_ref::<web_sys::HtmlInputElement>() {
            input.value() != input.default_value()
        } else if let Some(text) = field.dyn_ref::<web_sys::HtmlTextAreaElement>() {
            text.default_value().is_ok_and(|served| served != text.value())
        } else if let Some(select) = field.dyn_ref::<web_sys::HtmlSelectElement>() {
            // What was served: the option marked `selected`, or the first.
            let served = select
                .query_selector("option[selected]")
                .ok()
                .flatten()
                .or_else(|| select.query_selector("option").ok().flatten())
                .and_then(|option| option.get_attribute("value"))
                .unwrap_or_default();
            select.value() != served
        } else {
            false
        }
    })
}

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
