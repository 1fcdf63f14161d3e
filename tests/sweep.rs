//! `barrierscope-sim sweep`: unaligned checkpoints against aligned ones on backpressured jobs
//! (the what-if the sweep is for), its formats, and one clear line for every bad `--set`.

#![cfg(not(target_arch = "wasm32"))]

use barrierscope::sweep::{prepare, run_sweep, SweepOptions, VariantRow};
use serde_json::Value;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_barrierscope-sim");
const BACKPRESSURE: &str = "static/scenarios/backpressure-aligned.json";
const MAGNITUDE: &str = "tests/flink-magnitude/aligned-backpressure/scenario.json";

fn run_bin(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runner starts")
}

fn sweep_unaligned(path: &str, until_ms: Option<u64>) -> (VariantRow, VariantRow) {
    let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let options = SweepOptions { seeds: 1, until_ms };
    let sets = vec!["checkpointing.unaligned=false,true".to_string()];
    let rows = run_sweep(&prepare(&text, &sets, options).unwrap(), options);
    assert_eq!(rows.len(), 2);
    (rows[0].clone(), rows[1].clone())
}

#[test]
fn unaligned_completes_more_and_faster_than_aligned_under_backpressure() {
    let (aligned, unaligned) = sweep_unaligned(BACKPRESSURE, None);
    assert!(
        unaligned.completed > aligned.completed,
        "{aligned:?}\n{unaligned:?}"
    );
    assert!(aligned.failed_by_reason.get("CHECKPOINT_EXPIRED").copied() > Some(0));
    assert_eq!(unaligned.failed, 0);
    assert!(unaligned.end_to_end_p99_ms < aligned.end_to_end_p99_ms);
    // Aligned checkpoints persist no in-flight data; unaligned ones do.
    assert_eq!(aligned.persisted_data_p99_bytes, Some(0));
    assert!(unaligned.persisted_data_p99_bytes > Some(0));
    assert_eq!(unaligned.completion_rate, Some(1.0));
}

#[test]
fn unaligned_has_lower_end_to_end_p99_on_the_flink_magnitude_backpressure_case() {
    let (aligned, unaligned) = sweep_unaligned(MAGNITUDE, Some(20_000));
    assert!(unaligned.completed > aligned.completed);
    assert!(
        unaligned.end_to_end_p99_ms.unwrap() * 10 < aligned.end_to_end_p99_ms.unwrap(),
        "{aligned:?}\n{unaligned:?}"
    );
    assert!(unaligned.start_delay_p99_ms < aligned.start_delay_p99_ms);
}

#[test]
fn the_command_prints_a_table_by_default_and_json_or_csv_on_request() {
    let args = [
        "sweep",
        BACKPRESSURE,
        "--set",
        "execution.checkpointing.unaligned.enabled=false,true",
        "--set",
        "execution.checkpointing.aligned-checkpoint-timeout=0,200 ms",
        "--until-ms",
        "8000",
    ];
    let out = run_bin(&args);
    assert!(out.status.success(), "{out:?}");
    let table = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    // The table, a blank line, then the three guided answers.
    assert_eq!(lines.len(), 9, "{table}");
    assert_eq!(lines[5], "", "{table}");
    assert!(
        lines[7].starts_with("Would unaligned checkpoints help? Yes: with unaligned checkpoints"),
        "{table}"
    );
    assert!(lines[0].starts_with(
        "execution.checkpointing.unaligned.enabled  execution.checkpointing.aligned-checkpoint-timeout  completed"
    ));
    assert!(lines[4].starts_with("true "), "{table}");

    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json", "--seeds", "2"]);
    let out = run_bin(&json_args);
    assert!(out.status.success(), "{out:?}");
    let first = out.stdout.clone();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(
        rows[3]["settings"]["execution.checkpointing.aligned-checkpoint-timeout"],
        200
    );
    assert_eq!(rows[0]["seeds"].as_array().unwrap().len(), 2);
    // Deterministic: the same bytes again, whatever the threads did.
    assert!(run_bin(&json_args).stdout == first);

    let mut csv_args = args.to_vec();
    csv_args.extend(["--format", "csv"]);
    let out = run_bin(&csv_args);
    let csv = String::from_utf8(out.stdout).unwrap();
    assert_eq!(csv.lines().count(), 5, "{csv}");
    assert!(csv.starts_with("execution.checkpointing.unaligned.enabled,execution.checkpointing.aligned-checkpoint-timeout,seeds,"));
}

#[test]
fn every_bad_set_is_one_line_naming_the_set_and_the_field() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--set", "checkpointing.unalignd=true"],
            "--set checkpointing.unalignd=true: checkpointing.unalignd: unknown field `unalignd`",
        ),
        (
            &["--set", "checkpointing.unaligned=yes"],
            "--set checkpointing.unaligned=yes: checkpointing.unaligned: invalid type: string \"yes\", expected a boolean",
        ),
        (
            &["--set", "execution.checkpointing.interval=5"],
            "--set execution.checkpointing.interval=5: checkpointing.interval_ms: must be >= 10 ms",
        ),
        (
            &["--set", "execution.checkpointing.timeout=soon"],
            "--set execution.checkpointing.timeout=soon: `soon` is not a duration",
        ),
        (
            &[
                "--set",
                "checkpointing.unaligned=true",
                "--set",
                "checkpointing.max_concurrent=1,3",
            ],
            "--set checkpointing.unaligned=true --set checkpointing.max_concurrent=3: checkpointing.unaligned: unaligned checkpoints are not supported with max_concurrent > 1",
        ),
        (
            &["--set", "job.operators.countr.process_ms=1"],
            "--set job.operators.countr.process_ms=1: job.operators: no element named `countr` (there are source, counter, sink)",
        ),
        (
            &["--set", "job.operators[1].parallelism=0"],
            "--set job.operators[1].parallelism=0: job.operators[1].parallelism: must be >= 1",
        ),
        (
            &["--set", "checkpointing.unaligned"],
            "--set checkpointing.unaligned: expected KEY=VALUE",
        ),
        (&["--format", "xml"], "--format: `xml` is not a format"),
        (&["--seeds", "0"], "--seeds: must be between 1 and 100000"),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["sweep", BACKPRESSURE];
        args.extend_from_slice(extra);
        let out = run_bin(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.contains(expected),
            "{args:?}:\n{err}\nexpected: {expected}"
        );
        assert!(!err.contains("panicked") && !err.contains("internal error"));
    }
}
