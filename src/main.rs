//! The trunk entry: mounts the yew app in the browser. Natively it only points at the runner.

#[cfg(target_arch = "wasm32")]
fn main() {
    barrierscope::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("barrierscope is the browser app; build it with trunk. For headless runs use: cargo run --release --bin barrierscope-sim -- SCENARIO.json");
    std::process::exit(2);
}
