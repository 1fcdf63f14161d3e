//! The native runner `barrierscope-sim`: exit 0 and one JSON report on stdout for a good
//! scenario, exit 2 and exactly one line on stderr for a bad one, the same bytes for the same
//! run, and its options.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;
use std::path::PathBuf;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_barrierscope-sim");

/// Writes `content` to a file of its own in the temp directory.
fn file(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("barrierscope-runner-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn run_bin(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("runner starts")
}

fn good_scenario() -> String {
    let mut s = pipeline();
    s.name = "runner-test".into();
    s.faults.push(kill(2_500, "counter#1"));
    s.to_json()
}

fn assert_one_line_error(out: &Output, needle: &str) {
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        out.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(err.lines().count(), 1, "stderr: {err:?}");
    assert!(err.ends_with('\n'));
    assert!(err.starts_with("barrierscope-sim: "), "{err}");
    assert!(err.contains(needle), "`{err}` lacks `{needle}`");
}

#[test]
fn runner_prints_a_json_report_and_exits_0() {
    let path = file("good.json", &good_scenario());
    let out = run_bin(&[path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stderr.is_empty());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(v["scenario"], "runner-test");
    assert_eq!(v["end_ms"], 5_000);
    assert_eq!(v["job_status"], "RUNNING");
    assert_eq!(v["restarts"][0]["cause"], "kill counter#1");
    assert_eq!(v["counts"]["restored"], 1);
    assert!(v["counts"]["completed"].as_u64().unwrap() >= 3);
    assert_eq!(v["exactly_once"]["duplicates"], 0);
    assert_eq!(v["exactly_once"]["lost"], 0);
    assert_eq!(v["invariant_violations"].as_array().unwrap().len(), 0);
    // Flink's REST names on every history row.
    let row = &v["history"][0];
    for key in [
        "id",
        "status",
        "checkpoint_type",
        "is_savepoint",
        "trigger_timestamp",
        "latest_ack_timestamp",
        "end_to_end_duration",
        "num_subtasks",
        "num_acknowledged_subtasks",
        "state_size",
        "checkpointed_size",
        "persisted_data",
        "processed_data",
        "failure_timestamp",
    ] {
        assert!(row.get(key).is_some(), "history row lacks `{key}`: {row}");
    }
    for key in [
        "end_to_end_duration",
        "state_size",
        "checkpointed_size",
        "persisted_data",
    ] {
        for stat in ["min", "max", "avg", "p50", "p90", "p99"] {
            assert!(v["summary"][key][stat].is_u64(), "summary.{key}.{stat}");
        }
    }
}

#[test]
fn runner_output_is_byte_identical_for_two_runs() {
    let path = file("twice.json", &good_scenario());
    let a = run_bin(&[path.to_str().unwrap()]);
    let b = run_bin(&[path.to_str().unwrap()]);
    assert_eq!(a.status.code(), Some(0));
    assert!(!a.stdout.is_empty());
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn runner_output_matches_the_library_report() {
    let text = good_scenario();
    let path = file("same.json", &text);
    let out = run_bin(&[path.to_str().unwrap()]);
    let mut sim = barrierscope::sim::Simulation::from_json(&text).unwrap();
    sim.run_to_end();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        sim.report_json() + "\n"
    );
}

#[test]
fn runner_seed_option_overrides_the_scenario_seed() {
    let path = file("seed.json", &good_scenario());
    let p = path.to_str().unwrap();
    let a = run_bin(&[p, "--seed", "42"]);
    let b = run_bin(&[p, "--seed", "43"]);
    let va: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let vb: serde_json::Value = serde_json::from_slice(&b.stdout).unwrap();
    assert_eq!(va["seed"], 42);
    assert_eq!(vb["seed"], 43);
    // The seed draws the first trigger delay: the trigger times differ.
    assert_ne!(
        va["history"][0]["trigger_timestamp"],
        vb["history"][0]["trigger_timestamp"]
    );
}

#[test]
fn runner_until_option_stops_early_but_never_past_the_duration() {
    let path = file("until.json", &good_scenario());
    let p = path.to_str().unwrap();
    let v: serde_json::Value =
        serde_json::from_slice(&run_bin(&[p, "--until-ms", "1200"]).stdout).unwrap();
    assert_eq!(v["end_ms"], 1_200);
    let v: serde_json::Value =
        serde_json::from_slice(&run_bin(&[p, "--until-ms", "99999"]).stdout).unwrap();
    assert_eq!(v["end_ms"], 5_000);
}

#[test]
fn runner_reports_a_json_syntax_error_on_one_line_with_its_position() {
    let path = file("syntax.json", "{\n  \"name\": \"x\",\n  oops\n}");
    let out = run_bin(&[path.to_str().unwrap()]);
    assert_one_line_error(&out, "invalid scenario JSON at line 3, column 3");
    assert_one_line_error(&out, "syntax.json: ");
}

#[test]
fn runner_reports_a_validation_error_on_one_line_with_its_field() {
    let mut s = pipeline();
    s.checkpointing.interval_ms = Some(5);
    let path = file("invalid.json", &s.to_json());
    let out = run_bin(&[path.to_str().unwrap()]);
    assert_one_line_error(&out, "checkpointing.interval_ms: must be >= 10 ms");
}

#[test]
fn runner_reports_a_missing_file_on_one_line() {
    let out = run_bin(&["/nonexistent/barrierscope/none.json"]);
    assert_one_line_error(&out, "cannot read");
}

#[test]
fn runner_without_arguments_prints_its_usage() {
    assert_one_line_error(&run_bin(&[]), "usage: barrierscope-sim SCENARIO.json");
}

#[test]
fn runner_rejects_bad_options() {
    let path = file("opts.json", &good_scenario());
    let p = path.to_str().unwrap();
    assert_one_line_error(
        &run_bin(&[p, "--seed", "x"]),
        "--seed: `x` is not a whole number",
    );
    assert_one_line_error(&run_bin(&[p, "--seed"]), "--seed needs a value");
    assert_one_line_error(&run_bin(&[p, "--until-ms", "-1"]), "--until-ms: `-1`");
    assert_one_line_error(&run_bin(&[p, "--fast"]), "unexpected argument `--fast`");
    assert_one_line_error(&run_bin(&[p, p]), "unexpected argument");
}
