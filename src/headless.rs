//! Running a scenario headless, to its `duration_ms` or an earlier time, with no animation: the
//! one path shared by the native runner (`barrierscope-sim run`) and the browser build's
//! exported functions (`wasm_api`), so that both print byte-identical reports for a run.

use crate::sim::ids::SimTime;
use crate::sim::scenario::{Scenario, ScenarioError};
use crate::sim::Simulation;
use serde::Serialize;

/// How to run: the runner's `--seed` and `--until-ms`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Replaces the scenario's `seed`.
    pub seed: Option<u64>,
    /// Stop here (ms of simulated time); never past the scenario's `duration_ms`.
    pub until_ms: Option<u64>,
}

/// A validated scenario, built at time 0, with the time its run ends. Built and run apart so
/// that a caller can time the run alone ([`HeadlessRun::run`]).
pub struct HeadlessRun {
    sim: Simulation,
    end: SimTime,
}

impl HeadlessRun {
    /// Applies the options and validates the scenario (the errors `Scenario::from_json` gives).
    pub fn new(mut scenario: Scenario, options: RunOptions) -> Result<HeadlessRun, ScenarioError> {
        if let Some(seed) = options.seed {
            scenario.seed = seed;
        }
        let end_ms = options
            .until_ms
            .unwrap_or(scenario.duration_ms)
            .min(scenario.duration_ms);
        Ok(HeadlessRun {
            sim: Simulation::new(scenario)?,
            end: SimTime::from_ms(end_ms),
        })
    }

    /// Processes every event up to the end time.
    pub fn run(mut self) -> Simulation {
        self.sim.run_until(self.end);
        self.sim
    }
}

/// Builds and runs in one go; the report is [`Simulation::report_json`].
pub fn run_headless(scenario: Scenario, options: RunOptions) -> Result<Simulation, ScenarioError> {
    Ok(HeadlessRun::new(scenario, options)?.run())
}

/// How much work a run did: `{"events":N,"records_moved":N}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RunCounts {
    pub events: u64,
    pub records_moved: u64,
}

impl RunCounts {
    pub fn of(sim: &Simulation) -> RunCounts {
        RunCounts {
            events: sim.events_processed(),
            records_moved: sim.records_moved(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO: &str = include_str!("../static/scenarios/happy-path.json");

    #[test]
    fn run_headless_stops_at_until_ms_but_never_past_the_duration() {
        let scenario = Scenario::from_json(SCENARIO).unwrap();
        let duration = scenario.duration_ms;
        let early = RunOptions {
            until_ms: Some(duration / 2),
            ..RunOptions::default()
        };
        let sim = run_headless(scenario.clone(), early).unwrap();
        assert_eq!(sim.now(), SimTime::from_ms(duration / 2));
        let late = RunOptions {
            until_ms: Some(duration * 10),
            ..RunOptions::default()
        };
        let sim = run_headless(scenario, late).unwrap();
        assert_eq!(sim.now(), SimTime::from_ms(duration));
    }

    #[test]
    fn run_headless_seed_replaces_the_scenarios_seed() {
        let scenario = Scenario::from_json(SCENARIO).unwrap();
        let options = RunOptions {
            seed: Some(scenario.seed + 1),
            ..RunOptions::default()
        };
        let sim = run_headless(scenario.clone(), options).unwrap();
        assert_eq!(sim.scenario().seed, scenario.seed + 1);
    }

    #[test]
    fn run_counts_serialize_as_events_and_records_moved() {
        let counts = RunCounts {
            events: 3,
            records_moved: 7,
        };
        assert_eq!(
            serde_json::to_string(&counts).unwrap(),
            r#"{"events":3,"records_moved":7}"#
        );
    }
}
