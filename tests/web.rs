//! Browser tests for the wasm build: `cargo test --target wasm32-unknown-unknown` runs them
//! in headless Chromium (see .cargo/config.toml and scripts/test.sh).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

// web-sys features used here (Document, Element, Node, HtmlElement) are enabled by the
// crate's own web-sys list together with yew's.
#[wasm_bindgen_test]
fn mounts_a_div_into_the_document() {
    let document = web_sys::window()
        .expect("a window")
        .document()
        .expect("a document");
    let body = document.body().expect("a body");

    let div = document.create_element("div").expect("create div");
    div.set_id("barrierscope-probe");
    div.set_attribute("data-testid", "probe")
        .expect("set attribute");
    div.set_text_content(Some("BarrierScope"));
    body.append_child(&div).expect("append div");

    let found = document
        .query_selector("[data-testid=probe]")
        .expect("valid selector")
        .expect("the div is in the document");
    assert_eq!(found.id(), "barrierscope-probe");
    assert_eq!(found.text_content().as_deref(), Some("BarrierScope"));

    found.remove();
    assert!(document.get_element_by_id("barrierscope-probe").is_none());
}
