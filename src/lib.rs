//! BarrierScope: Apache Flink's checkpointing, simulated deterministically in pure Rust
//! (`sim`) and animated in the browser with yew (`ui`: its model is plain Rust, its components
//! are wasm only).

pub mod conformance;
pub mod headless;
pub mod import;
pub mod sim;
pub mod sweep;
pub mod ui;

#[cfg(target_arch = "wasm32")]
pub mod wasm_api;
