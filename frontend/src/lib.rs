//! The browser entry point: hydrates the server-rendered page.

// Leptos view types nest deeply once component erasure is off (release
// builds).
#![recursion_limit = "512"]

use wasm_bindgen::{JsCast, closure::Closure};

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_panic_banner();
    }));
    leptos::mount::hydrate_body(app::App);
}

/// After a panic the app's script is dead (WebAssembly traps on the
/// unwind): links and forms fall back to full page loads at best, and
/// nothing else on the page reacts. Says so in a banner (`role="alert"`,
/// read out at once) with a button that reloads the page, instead of a
/// page that silently stops working. Built with the DOM alone: nothing of
/// the app may run any more. Shown once, however many panics follow.
fn show_panic_banner() {
    const ID: &str = "app-failed";
    let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
    let (Some(body), None) = (document.body(), document.get_element_by_id(ID)) else { return };
    let build = || -> Result<(), wasm_bindgen::JsValue> {
        let banner = document.create_element("div")?;
        banner.set_id(ID);
        banner.set_attribute("role", "alert")?;
        banner.set_class_name(
            "fixed inset-x-0 top-0 z-50 flex flex-wrap items-center justify-center gap-3 border-b border-red-300 \
             bg-red-50 px-4 py-3 text-sm text-red-900 shadow-lg",
        );
        let text = document.create_element("span")?;
        text.set_text_content(Some("Something went wrong on this page and it stopped responding. Reload it to go on."));
        let button = document.create_element("button")?;
        button.set_attribute("type", "button")?;
        button.set_class_name(
            "rounded-md border border-red-300 bg-white px-3 py-1.5 font-medium text-red-800 hover:bg-red-100",
        );
        button.set_text_content(Some("Reload"));
        let reload = Closure::<dyn FnMut()>::new(|| {
            if let Some(window) = web_sys::window() {
                let _ = window.location().reload();
            }
        });
        button.add_event_listener_with_callback("click", reload.as_ref().unchecked_ref())?;
        reload.forget();
        banner.append_child(&text)?;
        banner.append_child(&button)?;
        body.append_child(&banner)?;
        Ok(())
    };
    let _ = build();
}
