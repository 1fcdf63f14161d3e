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
    s.faults.push(kill(2_010, "counter#1"));
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
    let ours = &v["barrierscope"];
    assert_eq!(ours["scenario"], "runner-test");
    assert_eq!(ours["end_ms"], 5_000);
    assert_eq!(ours["job_status"], "RUNNING");
    assert_eq!(ours["restarts"][0]["cause"], "kill counter#1");
    assert_eq!(v["counts"]["restored"], 1);
    assert!(v["counts"]["completed"].as_u64().unwrap() >= 3);
    assert_eq!(ours["exactly_once"]["duplicates"], 0);
    assert_eq!(ours["exactly_once"]["lost"], 0);
    assert_eq!(ours["invariant_violations"].as_array().unwrap().len(), 0);
    // Flink 2.3's top level and its names on every history entry, newest first.
    let top: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(
        top,
        ["barrierscope", "counts", "history", "latest", "summary"]
    );
    let history = v["history"].as_array().unwrap();
    assert!(history
        .windows(2)
        .all(|w| w[0]["id"].as_u64() > w[1]["id"].as_u64()));
    let mut classes = std::collections::BTreeSet::new();
    for row in history {
        for key in [
            "className",
            "id",
            "status",
            "is_savepoint",
            "savepointFormat",
            "trigger_timestamp",
            "latest_ack_timestamp",
            "checkpointed_size",
            "state_size",
            "end_to_end_duration",
            "alignment_buffered",
            "processed_data",
            "persisted_data",
            "num_subtasks",
            "num_acknowledged_subtasks",
            "checkpoint_type",
            "tasks",
        ] {
            assert!(row.get(key).is_some(), "history entry lacks `{key}`: {row}");
        }
        let class = row["className"].as_str().unwrap();
        let extra: &[&str] = match class {
            "completed" => &["external_path", "discarded"],
            "failed" => &["failure_timestamp", "failure_message"],
            other => panic!("className {other}"),
        };
        for key in extra {
            assert!(
                row.get(*key).is_some(),
                "{class} entry lacks `{key}`: {row}"
            );
        }
        classes.insert(class);
    }
    // The kill suspends the coordinator: the pending checkpoint fails with Flink's message.
    assert_eq!(classes.len(), 2, "{classes:?}");
    assert!(history.iter().any(|r| r["failure_message"]
        == "Checkpoint Coordinator is suspending."
        && r["barrierscope"]["failure_reason"] == "CHECKPOINT_COORDINATOR_SUSPEND"));
    assert!(v["latest"]["completed"]["id"].is_u64());
    assert!(v["latest"]["restored"]["id"].is_u64());
    for key in [
        "checkpointed_size",
        "state_size",
        "end_to_end_duration",
        "alignment_buffered",
        "processed_data",
        "persisted_data",
    ] {
        for stat in ["min", "max", "avg", "p50", "p90", "p95", "p99", "p999"] {
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
    assert_eq!(va["barrierscope"]["seed"], 42);
    assert_eq!(vb["barrierscope"]["seed"], 43);
    // The seed draws the records' keys: the keyed state differs.
    assert_ne!(va["summary"]["state_size"], vb["summary"]["state_size"]);
}

#[test]
fn runner_until_option_stops_early_but_never_past_the_duration() {
    let path = file("until.json", &good_scenario());
    let p = path.to_str().unwrap();
    let v: serde_json::Value =
        serde_json::from_slice(&run_bin(&[p, "--until-ms", "1200"]).stdout).unwrap();
    assert_eq!(v["barrierscope"]["end_ms"], 1_200);
    let v: serde_json::Value =
        serde_json::from_slice(&run_bin(&[p, "--until-ms", "99999"]).stdout).unwrap();
    assert_eq!(v["barrierscope"]["end_ms"], 5_000);
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

#[test]
fn runner_names_the_field_of_a_type_error() {
    let text = good_scenario().replace("\"interval_ms\": 1000", "\"interval_ms\": \"fast\"");
    assert!(text.contains("\"fast\""));
    let path = file("type-error.json", &text);
    let out = run_bin(&[path.to_str().unwrap()]);
    assert_one_line_error(
        &out,
        "checkpointing.interval_ms: invalid type: string \"fast\", expected u64",
    );
}

#[test]
fn runner_help_lists_the_subcommands_on_stdout_and_exits_0() {
    for args in [&["--help"][..], &["-h"], &["help"]] {
        let out = run_bin(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        assert!(out.stderr.is_empty(), "{args:?}");
        let help = String::from_utf8(out.stdout).unwrap();
        for word in ["run", "flink-compare", "flink-conformance", "Usage:"] {
            assert!(help.contains(word), "{args:?}: help lacks `{word}`: {help}");
        }
    }
}

#[test]
fn runner_run_help_names_its_options() {
    let out = run_bin(&["run", "--help"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let help = String::from_utf8(out.stdout).unwrap();
    for word in ["--seed", "--until-ms", "--stats", "<SCENARIO>"] {
        assert!(help.contains(word), "help lacks `{word}`: {help}");
    }
}

#[test]
fn runner_run_subcommand_prints_the_same_report_as_a_bare_file() {
    let path = file("run-sub.json", &good_scenario());
    let p = path.to_str().unwrap();
    let bare = run_bin(&[p, "--seed", "5", "--until-ms", "3000"]);
    let sub = run_bin(&["run", p, "--seed", "5", "--until-ms", "3000"]);
    let options_first = run_bin(&["--seed", "5", p, "--until-ms", "3000"]);
    assert_eq!(bare.status.code(), Some(0), "{bare:?}");
    assert_eq!(bare.stdout, sub.stdout);
    assert_eq!(bare.stdout, options_first.stdout);
}

#[test]
fn runner_run_subcommand_reports_errors_on_one_line() {
    assert_one_line_error(&run_bin(&["run"]), "usage: barrierscope-sim SCENARIO.json");
    assert_one_line_error(
        &run_bin(&["run", "/nonexistent/barrierscope/none.json"]),
        "cannot read",
    );
}

#[test]
fn runner_stats_are_one_json_object_on_stderr() {
    let path = file("stats.json", &good_scenario());
    let out = run_bin(&[path.to_str().unwrap(), "--stats"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    let stats: serde_json::Value = serde_json::from_str(&err).expect("stats are JSON");
    for key in ["wall_s", "events", "records_moved", "records_per_wall_s"] {
        assert!(stats.get(key).is_some(), "stats lack `{key}`: {err}");
    }
    assert!(stats["events"].as_u64().unwrap() > 0);
    // The report on stdout is the one without --stats.
    assert_eq!(out.stdout, run_bin(&[path.to_str().unwrap()]).stdout);
}

#[test]
fn runner_flink_subcommands_report_errors_on_one_line() {
    assert_one_line_error(&run_bin(&["flink-compare"]), "usage: barrierscope-sim");
    assert_one_line_error(
        &run_bin(&["flink-compare", "/nonexistent/barrierscope"]),
        "/nonexistent/barrierscope/scenario.json: cannot read",
    );
    assert_one_line_error(&run_bin(&["flink-conformance"]), "usage: barrierscope-sim");
    assert_one_line_error(
        &run_bin(&["flink-conformance", "/nonexistent/barrierscope"]),
        "/nonexistent/barrierscope: ",
    );
    assert_one_line_error(
        &run_bin(&["flink-conformance", "/nonexistent/barrierscope", "--bad"]),
        "unexpected argument `--bad`",
    );
}

#[test]
fn runner_flink_conformance_of_an_empty_directory_prints_nothing_and_exits_0() {
    let dir =
        std::env::temp_dir().join(format!("barrierscope-runner-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = run_bin(&["flink-conformance", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "\n");
}
