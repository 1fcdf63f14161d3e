//! The trunk entry: mounts the yew app in the browser (not in a What-if Web Worker, which loads
//! the same module). Natively it only points at the runner.

#[cfg(target_arch = "wasm32")]
fn main() {
    // In a What-if Web Worker (no window) the module only serves `whatif_variant`.
    if web_sys::window().is_some() {
        barrierscope::ui::start();
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("barrierscope is the browser app; build it with trunk. For headless runs use: cargo run --release --bin barrierscope-sim -- SCENARIO.json");
    std::process::exit(2);
}
