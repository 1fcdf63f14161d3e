//! Functions the browser build exports to JavaScript (trunk puts them on `window.wasmBindings`):
//! run a scenario headless in the page, exactly as the native runner does. The browser tests use
//! them to check that the wasm build and the native runner print byte-identical reports, and the
//! benchmark uses them to time the simulation compiled to wasm.

use crate::sim::ids::SimTime;
use crate::sim::Simulation;
use wasm_bindgen::prelude::*;

fn run(scenario_json: &str, until_ms: Option<f64>) -> Result<Simulation, JsValue> {
    let mut sim =
        Simulation::from_json(scenario_json).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let end = sim.end_time();
    let until = match until_ms {
        Some(ms) if ms.is_finite() && ms >= 0.0 => SimTime::from_ms(ms as u64).min(end),
        _ => end,
    };
    sim.run_until(until);
    Ok(sim)
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
    Ok(format!(
        "{{\"events\":{},\"records_moved\":{}}}",
        sim.events_processed(),
        sim.records_moved()
    ))
}
