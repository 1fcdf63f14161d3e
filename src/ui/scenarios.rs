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

/// The key of the shipped scenario that `s` is, unchanged except for its seed.
pub fn key_of(s: &Scenario) -> Option<&'static str> {
    SHIPPED.iter().find_map(|sh| {
        let mut parsed = sh.parse().ok()?;
        parsed.seed = s.seed;
        (parsed == *s).then_some(sh.key)
    })
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
}
