//! The UI: reads the simulation and sends it inputs; never changes its rules.
//!
//! The model parts are pure Rust and tested natively: [`run`] (the timeline, keyframes, time
//! travel and steps to checkpoint events), [`narration`] (steps that follow the run's events),
//! [`model`] (what a subtask shows, status classes, lane packing, the restart backoff), the
//! view models of the components ([`graph_model`], [`timeline_model`], [`panel_model`],
//! [`inspector_model`], [`stats_model`], [`vertex_model`], [`whatif_model`], [`whatif_html`]), [`actions`] (what the panels ask of the app),
//! [`share`] (share links), [`layout`] (where the job graph goes on screen), [`scenarios`] (the
//! shipped scenario files, their pace and lesson tab) and [`format`]. The yew components (wasm
//! only) live in `app` (split by job) and the `view_*` modules, which take view models and
//! `Callback`s and never import the App; one component, `App`, owns the state and the one
//! animation loop.

pub mod actions;
pub mod bundle_model;
pub mod flink_import;
pub mod format;
pub mod graph_model;
pub mod graph_text;
pub mod inspector_model;
pub mod label_place;
pub mod layout;
pub mod model;
pub mod narration;
pub mod panel_model;
pub mod run;
pub mod scenarios;
pub mod share;
pub mod stats_model;
pub mod timeline_model;
pub mod vertex_model;
pub mod whatif_html;
pub mod whatif_model;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
pub mod panic;
#[cfg(target_arch = "wasm32")]
mod view_graph;
#[cfg(target_arch = "wasm32")]
mod view_html;
#[cfg(target_arch = "wasm32")]
mod view_log_help;
#[cfg(target_arch = "wasm32")]
mod view_overtake;
#[cfg(target_arch = "wasm32")]
mod view_pane;
#[cfg(target_arch = "wasm32")]
mod view_panels;
#[cfg(target_arch = "wasm32")]
mod view_runs;
#[cfg(target_arch = "wasm32")]
mod view_stats;
#[cfg(target_arch = "wasm32")]
mod view_story;
#[cfg(target_arch = "wasm32")]
mod view_tabs;
#[cfg(target_arch = "wasm32")]
mod view_timeline;
#[cfg(target_arch = "wasm32")]
mod view_vertices;
#[cfg(all(target_arch = "wasm32", feature = "whatif-ui"))]
mod view_whatif;

#[cfg(target_arch = "wasm32")]
pub use app::App;

/// Mounts the app on the document body (and installs the panic hook first).
#[cfg(target_arch = "wasm32")]
pub fn start() {
    panic::install();
    yew::Renderer::<App>::new().render();
}
