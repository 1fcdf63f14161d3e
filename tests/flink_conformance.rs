//! Real Flink is the judge: every golden case in `tests/flink/` (a scenario and what a real
//! Flink 2.3 MiniCluster did with it, captured by `scripts/flink-reference.sh`) is run on the
//! simulation and compared fact by fact (`barrierscope::conformance`). A fact that differs
//! fails the test with both sides printed. `docs/flink-conformance.md` must be the page these
//! cases generate (`BARRIERSCOPE_BLESS=1` rewrites it).

use barrierscope::conformance::magnitude::{magnitude_markdown, run_magnitude_case, MagnitudeCase};
use barrierscope::conformance::{case_dirs, markdown, run_case, side_by_side, CaseResult};
use std::path::Path;

/// At least one case per rule the issue lists (16).
const MIN_CASES: usize = 16;

fn cases() -> Vec<CaseResult> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/flink");
    case_dirs(&root)
        .expect("tests/flink")
        .iter()
        .map(|d| run_case(d).unwrap_or_else(|e| panic!("{}: {e}", d.display())))
        .collect()
}

#[test]
fn the_simulation_agrees_with_real_flink_on_every_golden_case() {
    let cases = cases();
    assert!(
        cases.len() >= MIN_CASES,
        "{} golden cases, expected at least {MIN_CASES}",
        cases.len()
    );
    let mut report = String::new();
    for c in &cases {
        if !c.differences().is_empty() {
            report.push_str(&format!("== {} ==\n{}\n", c.name, side_by_side(&c.checks)));
        }
    }
    assert!(
        report.is_empty(),
        "the simulation differs from Flink:\n{report}"
    );
}

#[test]
fn every_golden_case_pins_a_rule_and_has_a_flink_capture() {
    for c in cases() {
        assert!(
            !c.description.trim().is_empty(),
            "{}: no description",
            c.name
        );
        // A capture with no checkpoint at all would compare nothing of interest.
        let ids = c
            .checks
            .iter()
            .find(|x| x.fact == "counts.total")
            .expect("counts.total");
        assert_ne!(ids.flink, "0", "{}: Flink triggered nothing", c.name);
    }
}

#[test]
fn the_conformance_page_is_generated_from_the_golden_cases() {
    let page = format!(
        "{}\n{}",
        markdown(&cases()),
        magnitude_markdown(&magnitude_cases())
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/flink-conformance.md");
    if std::env::var_os("BARRIERSCOPE_BLESS").is_some() {
        std::fs::write(&path, &page).expect("write docs/flink-conformance.md");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == page,
        "docs/flink-conformance.md is out of date: run `BARRIERSCOPE_BLESS=1 cargo test --test flink_conformance`"
    );
}

fn magnitude_cases() -> Vec<MagnitudeCase> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/flink-magnitude");
    case_dirs(&root)
        .expect("tests/flink-magnitude")
        .iter()
        .map(|d| run_magnitude_case(d).unwrap_or_else(|e| panic!("{}: {e}", d.display())))
        .collect()
}

#[test]
fn in_flight_magnitudes_agree_with_real_flink_within_a_factor_of_two() {
    let cases = magnitude_cases();
    assert!(cases.len() >= 5, "{} magnitude cases", cases.len());
    let mut report = String::new();
    for c in &cases {
        assert!(
            c.flink.checkpoints >= 3,
            "{}: too few Flink checkpoints",
            c.name
        );
        assert!(
            c.sim.checkpoints >= 3,
            "{}: too few simulated checkpoints",
            c.name
        );
        for k in c.checks.iter().filter(|k| !k.agree) {
            report.push_str(&format!(
                "{}: {}: Flink {:.0}, BarrierScope {:.0}\n",
                c.name, k.figure, k.flink, k.sim
            ));
        }
    }
    assert!(report.is_empty(), "magnitudes differ:\n{report}");
}
