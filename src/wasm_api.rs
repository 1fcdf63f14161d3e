//! Functions the browser build exports to JavaScript (trunk puts them on `window.wasmBindings`):
//! run a scenario headless in the page, exactly as the native runner does (both through
//! [`crate::headless::run_headless`]). The browser tests use them to check that the wasm build and
//! the native runner print byte-identical reports, and the benchmark uses them to time the
//! simulation compiled to wasm. The What-if panel's Web Workers call [`whatif_variant`].

use crate::headless::{run_headless, RunCounts, RunOptions};
use crate::sim::scenario::Scenario;
use crate::sim::Simulation;
use wasm_bindgen::prelude::*;

fn run(scenario_json: &str, until_ms: Option<f64>) -> Result<Simulation, JsValue> {
    let error = |e: crate::sim::scenario::ScenarioError| JsValue::from_str(&e.to_string());
    let scenario = Scenario::from_json(scenario_json).map_err(error)?;
    let options = RunOptions {
        seed: None,
        // A time that is not a finite number >= 0 means the whole run.
        until_ms: until_ms
            .filter(|ms| ms.is_finite() && *ms >= 0.0)
            .map(|ms| ms as u64),
    };
    run_headless(scenario, options).map_err(error)
}

/// The runner's JSON report for a scenario run to `until_ms` (default: its `duration_ms`).
#[wasm_bindgen]
pub fn simulate_report(scenario_json: &str, until_ms: Option<f64>) -> Result<String, JsValue> {
    Ok(run(scenario_json, until_ms)?.report_json())
}

/// Runs a scenario and returns `{"events":N,"records_moved":N}` (the caller times it).
#[wasm_bindgen]
pub fn simulate_counts(scenario_json: &str, until_ms: Option<f64>) -> Result<String, JsValue> {
    let sim = run(scenario_json, until_ms)?;
    serde_json::to_string(&RunCounts::of(&sim)).map_err(|e| JsValue::from_str(&e.to_string()))
}

/// One What-if variant, run in a Web Worker: the scenario file `base_json` with `sets` (one
/// `KEY=VALUE` per line, as the sweep's `--set`) run to `until_ms`; the JSON of a
/// [`crate::sweep::whatif::VariantResult`], or `{"error": "..."}`.
#[wasm_bindgen]
pub fn whatif_variant(base_json: &str, sets: &str, until_ms: Option<f64>) -> String {
    let sets: Vec<String> = sets
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    let until = until_ms
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
        .map(|ms| ms as u64);
    match crate::sweep::whatif::run_variant(base_json, &sets, until) {
        Ok(r) => serde_json::to_string(&r).unwrap_or_default(),
        Err(e) => serde_json::json!({ "error": e }).to_string(),
    }
}
