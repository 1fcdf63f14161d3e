//! The shipped scenarios (`static/scenarios/*.json`), listed at compile time by `build.rs`.
//! Natively (and with the feature `embed-scenarios`) every file is embedded. The browser bundle
//! embeds only the default scenario: the others are fetched from the page's own `scenarios/`
//! when the picker or a share link first asks for one (`App::fetch_scenario`), and kept here
//! for the rest of the page's life, so that everything after the fetch is synchronous.

use std::cell::RefCell;

use crate::sim::scenario::{Scenario, ScenarioError};

/// One shipped scenario file: its file stem (the share links' `sc=`), its name (the picker's
/// label) and its text, when it is embedded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shipped {
    pub key: &'static str,
    pub name: &'static str,
    json: Option<&'static str>,
}

/// The browser bundle leaves the file out (fetched when asked for); everything else keeps it.
#[cfg(all(target_arch = "wasm32", not(feature = "embed-scenarios")))]
macro_rules! embed {
    ($json:literal) => {
        None
    };
}
#[cfg(not(all(target_arch = "wasm32", not(feature = "embed-scenarios"))))]
macro_rules! embed {
    ($json:literal) => {
        Some($json)
    };
}

include!(concat!(env!("OUT_DIR"), "/scenarios.rs"));

/// The scenario shown when nothing else is asked for (always embedded: build.rs names it too).
pub const DEFAULT_KEY: &str = "happy-path";

thread_local! {
    /// The files fetched so far (each at most once: there are a few dozen at most).
    static FETCHED: RefCell<Vec<(&'static str, &'static str)>> = const { RefCell::new(Vec::new()) };
}

pub fn find(key: &str) -> Option<&'static Shipped> {
    SHIPPED.iter().find(|s| s.key == key)
}

pub fn default_shipped() -> Option<&'static Shipped> {
    find(DEFAULT_KEY).or_else(|| SHIPPED.first())
}

/// Keeps a fetched file's text for `key` (a shipped key; others are ignored).
pub fn keep_fetched(key: &str, text: String) {
    let Some(s) = find(key) else {
        return;
    };
    if s.text().is_none() {
        let text: &'static str = Box::leak(text.into_boxed_str());
        FETCHED.with(|f| f.borrow_mut().push((s.key, text)));
    }
}

impl Shipped {
    /// The file's text: embedded, or fetched already. None: it must be fetched first.
    pub fn text(&self) -> Option<&'static str> {
        self.json.or_else(|| {
            FETCHED.with(|f| {
                f.borrow()
                    .iter()
                    .find(|(k, _)| *k == self.key)
                    .map(|(_, t)| *t)
            })
        })
    }

    /// Where the page fetches the file from (next to the page, as trunk copies it).
    pub fn url(&self) -> String {
        format!("scenarios/{}.json", self.key)
    }

    pub fn parse(&self) -> Result<Scenario, ScenarioError> {
        match self.text() {
            Some(json) => Scenario::from_json(json),
            None => Err(ScenarioError::invalid(self.url(), "not fetched yet")),
        }
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

/// The key of the shipped scenario that `s` is, unchanged except for its seed (among the files
/// embedded or fetched so far).
pub fn key_of(s: &Scenario) -> Option<&'static str> {
    SHIPPED
        .iter()
        .filter(|sh| sh.text().is_some())
        .find_map(|sh| {
            let mut parsed = sh.parse().ok()?;
            parsed.seed = s.seed;
            (parsed == *s).then_some(sh.key)
        })
}

/// The shipped scenario that `s` may be, by its name, whose file is not at hand (neither
/// embedded nor fetched yet): [`key_of`] cannot tell without the file, the only source of the
/// shipped scenario's value (its key and name say nothing of the rest), so the app fetches it and
/// asks [`key_of`] again.
pub fn to_confirm(s: &Scenario) -> Option<&'static Shipped> {
    unconfirmed(SHIPPED, s)
}

fn unconfirmed<'a>(list: &'a [Shipped], s: &Scenario) -> Option<&'a Shipped> {
    list.iter()
        .find(|sh| sh.name == s.name && sh.text().is_none())
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
            assert_eq!(s.name, sc.name, "{}: the picker's label is its name", s.key);
        }
    }

    #[test]
    fn the_browser_bundle_embeds_the_default_scenario_and_fetches_the_others() {
        // build.rs always embeds the default scenario: the page opens without a request.
        assert!(default_shipped().unwrap().json.is_some());
        assert_eq!(default_shipped().unwrap().key, DEFAULT_KEY);
        let fetched = Shipped {
            key: "task-crash",
            name: "fetched",
            json: None,
        };
        assert_eq!(fetched.url(), "scenarios/task-crash.json");
        assert!(fetched.parse().is_err(), "not fetched yet");
    }

    #[test]
    fn a_scenario_named_as_a_shipped_one_not_at_hand_is_fetched_to_be_compared() {
        let crash = find("task-crash").unwrap();
        let mut s = crash.parse().unwrap();
        s.seed += 1;
        let fetched = [Shipped {
            json: None,
            ..*crash
        }];
        // Not at hand: key_of cannot know, the file must be fetched first.
        assert_eq!(unconfirmed(&fetched, &s).map(|f| f.key), Some("task-crash"));
        // At hand (embedded here): key_of decides, nothing to fetch.
        assert_eq!(unconfirmed(std::slice::from_ref(crash), &s), None);
        assert_eq!(to_confirm(&s), None);
        assert_eq!(key_of(&s), Some("task-crash"));
        // Another name: not that one.
        s.name.push_str(" (mine)");
        assert_eq!(unconfirmed(&fetched, &s), None);
        assert_eq!(key_of(&s), None);
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
