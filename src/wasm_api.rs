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

/// One What-if variant, run in a Web Worker: the scenario file `base_json` with the panel's
/// `values` (one per line, in [`crate::sweep::fields::PATHS`]' order, empty: as now) run to
/// `until_ms`; the text of a [`crate::sweep::whatif::VariantResult`] or of an error.
#[cfg(feature = "whatif-ui")]
#[wasm_bindgen]
pub fn whatif_variant(base_json: &str, values: &str, until_ms: Option<f64>) -> String {
    use crate::sweep::whatif::{run_variant, VariantResult};
    let values: Vec<String> = values.split('\n').map(String::from).collect();
    let until = until_ms
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
        .map(|ms| ms as u64);
    match run_variant(base_json, &values, until) {
        Ok(r) => r.encode(),
        Err(e) => VariantResult::encode_error(&e),
    }
}
