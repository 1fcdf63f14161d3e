//! The panic hook: if anything panics, the page says so instead of freezing silently. It logs
//! the panic to the console and puts an `error` banner on the page (plain DOM, because the yew
//! app is dead after a panic in wasm) naming the seed and the scenario, with a link that
//! reproduces the run and a reset link. Every piece of text is set as text, never as HTML.
//!
//! The release bundle aborts on a panic at once (scripts/build-dist.sh): the hook does not run
//! there, the panic is a wasm trap, and static/loader.js puts up the same banner through
//! [`crash_banner`].

use std::cell::RefCell;
use wasm_bindgen::JsCast;

/// What the banner needs to know about the run on screen; the app keeps it current.
#[derive(Debug, Clone, Default)]
pub struct PanicContext {
    pub scenario: String,
    pub seed: u64,
    /// The share link's hash (without `#`).
    pub hash: String,
}

thread_local! {
    static CONTEXT: RefCell<PanicContext> = RefCell::new(PanicContext::default());
    static SHOWN: RefCell<bool> = const { RefCell::new(false) };
}

/// Records the run on screen, for the banner.
pub fn set_context(ctx: PanicContext) {
    CONTEXT.with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            *c = ctx;
        }
    });
}

/// Installs the hook (console message plus banner).
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let message = match (
            info.payload().downcast_ref::<&str>(),
            info.payload().downcast_ref::<String>(),
        ) {
            (Some(s), _) => s.to_string(),
            (_, Some(s)) => s.clone(),
            _ => "unknown panic".to_string(),
        };
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        show_banner(&format!("{message}{place}"));
    }));
}

/// The crash banner for a wasm trap (`RuntimeError: unreachable`), which is what a panic is in
/// the release bundle; static/loader.js calls it. Once a banner is up, it does nothing.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = crashBanner)]
pub fn crash_banner(message: &str) {
    show_banner(message);
}

/// Puts the crash banner on the page (once). Public so that the wasm tests can check it.
pub fn show_banner(message: &str) {
    if SHOWN.with(|s| s.replace(true)) {
        return;
    }
    let ctx = CONTEXT.with(|c| c.try_borrow().map(|c| c.clone()).unwrap_or_default());
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = doc.body() else { return };
    // The app's own error banner (if any) gives way to this one.
    if let Ok(Some(old)) = doc.query_selector("[data-testid=error]") {
        old.remove();
    }
    let Ok(banner) = doc.create_element("div") else {
        return;
    };
    banner.set_class_name("banner error crash");
    let _ = banner.set_attribute("data-testid", "error");
    let _ = banner.set_attribute("role", "alert");
    let add = |tag: &str, text: &str| -> Option<web_sys::Element> {
        let el = doc.create_element(tag).ok()?;
        el.set_text_content(Some(text));
        banner.append_child(&el).ok()?;
        Some(el)
    };
    add(
        "strong",
        "BarrierScope crashed: this is a bug in the visualiser.",
    );
    add(
        "span",
        &format!(
            " Scenario “{}”, seed {}. Panic: {message}. ",
            ctx.scenario, ctx.seed
        ),
    );
    if let Some(a) = add("a", "Reproduce this run") {
        // A query string forces a fresh page load (a hash change alone would not).
        let _ = a.set_attribute("href", &format!("?reload#{}", ctx.hash));
        let _ = a.set_attribute("data-testid", "crash-reproduce");
    }
    add("span", " · ");
    if let Some(a) = add("a", "Reset") {
        let _ = a.set_attribute("href", "?reset");
        let _ = a.set_attribute("data-testid", "crash-reset");
        let _ = a.set_attribute("class", "button");
    }
    let _ = body.insert_before(&banner, body.first_child().as_ref());
    if let Some(el) = banner.dyn_ref::<web_sys::HtmlElement>() {
        let _ = el.focus();
    }
}
