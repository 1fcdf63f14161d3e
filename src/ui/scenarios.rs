//! The shipped scenarios (`static/scenarios/*.json`), embedded at compile time by `build.rs`
//! so that the picker and share links work offline without a request.

use crate::sim::scenario::{Scenario, ScenarioError};

/// One shipped scenario file: its file stem (the share links' `sc=`) and its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shipped {
    pub key: &'static str,
    pub json: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/scenarios.rs"));

/// The scenario shown when nothing else is asked for.
pub const DEFAULT_KEY: &str = "happy-path";

pub fn find(key: &str) -> Option<&'static Shipped> {
    SHIPPED.iter().find(|s| s.key == key)
}

pub fn default_shipped() -> Option<&'static Shipped> {
    find(DEFAULT_KEY).or_else(|| SHIPPED.first())
}

impl Shipped {
    pub fn parse(&self) -> Result<Scenario, ScenarioError> {
        Scenario::from_json(self.json)
    }
}

/// A tab of the sidebar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Checkpoints,
    ExactlyOnce,
    Settings,
    Log,
    Vertices,
}

impl Tab {
    pub const ALL: [Tab; 5] = [
        Tab::Checkpoints,
        Tab::ExactlyOnce,
        Tab::Vertices,
        Tab::Settings,
        Tab::Log,
    ];

    /// The tab's name in hooks (`tab-{key}`).
    pub fn key(self) -> &'static str {
        match self {
            Tab::Checkpoints => "checkpoints",
            Tab::ExactlyOnce => "exactly-once",
            Tab::Settings => "settings",
            Tab::Log => "log",
            Tab::Vertices => "vertices",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Tab::Checkpoints => "Checkpoints",
            Tab::ExactlyOnce => "Exactly-once",
            Tab::Settings => "Settings",
            Tab::Log => "Log",
            Tab::Vertices => "Vertices",
        }
    }

    pub fn hint(self) -> &'static str {
        match self {
            Tab::Checkpoints => {
                "Checkpoint statistics as Flink's web UI shows them: latest, history, summary"
            }
            Tab::ExactlyOnce => {
                "Committed output against what the sources read: duplicates and losses"
            }
            Tab::Settings => "Flink's checkpoint options, applied live",
            Tab::Log => "Every event of the run, newest first",
            Tab::Vertices => {
                "Flink's job vertex table: records, bytes, busy and backpressured time"
            }
        }
    }
}

/// The tab that carries a scenario's lesson, open when it loads.
pub fn lesson_tab(key: Option<&str>) -> Tab {
    match key {
        Some("at-least-once-duplicates") => Tab::ExactlyOnce,
        _ => Tab::Checkpoints,
    }
}

/// The benchmarks (2-hour runs of 256-subtask jobs) are listed apart from the lessons.
pub fn is_benchmark(key: &str) -> bool {
    key.starts_with("bench-")
}

/// How fast a scenario plays at first: chosen so that its story's point (its last narration
/// step) shows within about [`STORY_BUDGET_MS`] of real time after Play.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pace {
    /// log10 of the speed factor.
    pub speed_log: f64,
    /// Play checkpoint activity slower (the checkpoint close-up), for a story told in the
    /// first seconds (one checkpoint's journey).
    pub closeup: bool,
}

/// Real time a story may take to make its point, ms.
pub const STORY_BUDGET_MS: f64 = 15_000.0;
/// Real time the close-up may spend on one checkpoint, ms.
pub const CLOSEUP_BUDGET_MS: f64 = 3_000.0;
/// How much slower checkpoint activity plays in the close-up.
pub const CLOSEUP_FACTOR: f64 = 20.0;

pub fn pace(s: &Scenario) -> Pace {
    let last = s.steps.iter().map(|st| st.at_ms).max();
    match last {
        None => Pace {
            speed_log: 0.0,
            closeup: false,
        },
        Some(ms) if ms <= 2_000 => Pace {
            speed_log: (0.25f64).log10(),
            closeup: true,
        },
        Some(ms) => {
            // About 11 s for the story, rounded down to the slider's 0.05 steps.
            let speed = ms as f64 / 11_000.0;
            Pace {
                speed_log: (speed.log10() / 0.05).floor() * 0.05,
                closeup: false,
            }
        }
    }
}

/// The key of the shipped scenario that `s` is, unchanged except for its seed.
pub fn key_of(s: &Scenario) -> Option<&'static str> {
    SHIPPED.iter().find_map(|sh| {
        let mut parsed = sh.parse().ok()?;
        parsed.seed = s.seed;
        (parsed == *s).then_some(sh.key)
    })
}

/// For the view models' tests: a fresh run of shipped scenario `key`, played to `ms`.
#[cfg(test)]
pub fn shipped_run_at(key: &str, ms: u64) -> crate::sim::Simulation {
    let s = find(key).expect("shipped").parse().expect("parses");
    let mut sim = crate::sim::Simulation::new(s).expect("validates");
    sim.run_until(crate::sim::ids::SimTime::from_ms(ms));
    sim
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_scenario_parses_and_the_default_exists() {
        assert!(default_shipped().is_some());
        for s in SHIPPED {
            let sc = s.parse().unwrap_or_else(|e| panic!("{}: {e}", s.key));
            assert_eq!(key_of(&sc), Some(s.key));
        }
    }

    #[test]
    fn every_lesson_makes_its_point_within_fifteen_seconds_at_its_default_pace() {
        for sh in SHIPPED {
            let s = sh.parse().unwrap();
            let Some(last) = s.steps.iter().map(|st| st.at_ms).max() else {
                assert!(is_benchmark(sh.key), "{} has no story", sh.key);
                continue;
            };
            let p = pace(&s);
            let speed = 10f64.powf(p.speed_log);
            let mut real = last as f64 / speed;
            if p.closeup {
                // Every checkpoint triggered before the last step may take the close-up budget.
                let mut sim = crate::sim::Simulation::new(s.clone()).unwrap();
                sim.run_until(crate::sim::ids::SimTime::from_ms(last));
                real += sim.stats().counts.total as f64 * CLOSEUP_BUDGET_MS;
            }
            assert!(
                real <= STORY_BUDGET_MS,
                "{}: {real:.0} ms of real time",
                sh.key
            );
            assert!(
                real >= 4_000.0,
                "{}: {real:.0} ms is too fast to follow",
                sh.key
            );
        }
    }
}
