//! The canned scenarios in `static/scenarios/`: each is well-formed (name = file name, one
//! paragraph of description, one-sentence narration steps in time order, small enough to
//! animate) and, run to its end, shows the one thing it teaches.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use barrierscope::sim::scenario::{CheckpointingMode, Scenario};
use barrierscope::sim::stats::{CheckpointStatsEntry, CheckpointStatus};
use barrierscope::sim::{FailureReason, LogKind, Simulation};
use common::*;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("static/scenarios")
}

fn load(name: &str) -> Scenario {
    let path = dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Scenario::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn run_file(name: &str) -> Simulation {
    run(load(name))
}

fn reasons(sim: &Simulation) -> Vec<(u64, CheckpointStatus, Option<FailureReason>)> {
    history(sim)
        .iter()
        .map(|e| (e.id.0, e.status, e.failure_reason))
        .collect()
}

fn failed(sim: &Simulation) -> Vec<CheckpointStatsEntry> {
    history(sim)
        .into_iter()
        .filter(|e| e.status == CheckpointStatus::Failed)
        .collect()
}

#[test]
fn every_scenario_file_is_well_formed_and_small_enough_to_animate() {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        if stem == "index" {
            continue; // the list of scenarios, checked below
        }
        if stem.starts_with("bench-") {
            continue; // benchmarks are not teaching scenarios
        }
        let s = load(&stem);
        assert_eq!(s.name, stem, "the file name is the scenario name");
        assert!(
            stem.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{stem} is not kebab-case"
        );
        assert!(
            s.description.len() > 200,
            "{stem}: the description is too short"
        );
        assert!(!s.description.contains('\n'), "{stem}: one paragraph");
        assert!(
            (3..=10).contains(&s.steps.len()),
            "{stem}: {} steps",
            s.steps.len()
        );
        let mut last = 0;
        for step in &s.steps {
            assert!(
                step.at_ms >= last,
                "{stem}: steps out of order at {}",
                step.at_ms
            );
            assert!(step.at_ms <= s.duration_ms, "{stem}: step after the end");
            last = step.at_ms;
            let t = step.text.trim();
            assert!(t.ends_with('.'), "{stem}: `{t}` is not a sentence");
            let inner = &t[..t.len() - 1];
            assert!(
                !inner.contains(". ") && !inner.contains('\n'),
                "{stem}: `{t}` is more than one sentence"
            );
        }
        let subtasks: u32 = s.job.operators.iter().map(|o| o.parallelism).sum();
        assert!(subtasks <= 8, "{stem}: {subtasks} subtasks");
        assert!(
            (3_000..=30_000).contains(&s.duration_ms),
            "{stem}: {} ms",
            s.duration_ms
        );
        // Every step is narrated in the log when the run passes it.
        let sim = run(s.clone());
        let narrated = sim
            .log_entries()
            .iter()
            .filter(|l| l.kind == LogKind::Step)
            .count();
        assert_eq!(narrated, s.steps.len(), "{stem}");
        assert!(sim.invariants().violations.is_empty(), "{stem}");
        assert_eq!(sim.exactly_once().lost, 0, "{stem}");
        names.push(stem);
    }
    names.sort();
    assert!(names.len() >= 11, "{names:?}");
}

#[test]
fn happy_path_completes_every_checkpoint_and_commits_exactly_once() {
    let sim = run_file("happy-path");
    assert_eq!(sim.stats().counts.failed, 0);
    assert!(sim.stats().counts.completed >= 4);
    assert!(completed(&sim)
        .iter()
        .all(|e| e.num_acknowledged_subtasks == 5 && e.checkpoint_type() == "CHECKPOINT"));
    assert!(sim.external().committed_records > 200);
    assert_eq!(sim.exactly_once().duplicates, 0);
    assert!(sim.job().restarts.is_empty());
}

#[test]
fn backpressure_aligned_checkpoints_expire() {
    let sim = run_file("backpressure-aligned");
    let f = failed(&sim);
    assert!(f.len() >= 3, "{:?}", reasons(&sim));
    assert!(f
        .iter()
        .all(|e| e.failure_reason == Some(FailureReason::CheckpointExpired)));
    // Fine before and after the slow-down (2.5 s to 10.5 s).
    assert_eq!(entry(&sim, 1).status, CheckpointStatus::Completed);
    assert_eq!(
        history(&sim).last().unwrap().status,
        CheckpointStatus::Completed
    );
    assert!(history(&sim).iter().all(|e| e.persisted_data == 0));
    assert!(sim.job().restarts.is_empty());
}

#[test]
fn backpressure_unaligned_is_the_aligned_job_with_unaligned_checkpoints_that_complete() {
    let aligned = load("backpressure-aligned");
    let unaligned = load("backpressure-unaligned");
    assert_eq!(aligned.job, unaligned.job);
    assert_eq!(aligned.faults, unaligned.faults);
    assert_eq!(aligned.network, unaligned.network);
    let mut cfg = aligned.checkpointing.clone();
    cfg.unaligned = true;
    assert_eq!(cfg, unaligned.checkpointing);

    let sim = run(unaligned);
    assert_eq!(sim.stats().counts.failed, 0, "{:?}", reasons(&sim));
    assert!(history(&sim)
        .iter()
        .all(|e| e.checkpoint_type() == "UNALIGNED_CHECKPOINT"));
    assert!(history(&sim).iter().any(|e| e.persisted_data >= 16 * 1024));
    assert_eq!(sim.exactly_once().duplicates, 0);
}

#[test]
fn alignment_timeout_switches_some_checkpoints_to_unaligned() {
    let s = load("alignment-timeout");
    assert!(s.checkpointing.unaligned && s.checkpointing.aligned_timeout_ms > 0);
    let sim = run(s);
    assert_eq!(sim.stats().counts.failed, 0);
    let types: Vec<&str> = history(&sim).iter().map(|e| e.checkpoint_type()).collect();
    assert!(types.contains(&"UNALIGNED_CHECKPOINT"), "{types:?}");
    assert!(types.contains(&"CHECKPOINT"), "{types:?}");
    assert_eq!(types[0], "CHECKPOINT");
    assert!(!log_lines(&sim, "timed out, switching to unaligned").is_empty());
}

#[test]
fn task_crash_restores_the_latest_completed_checkpoint() {
    let sim = run_file("task-crash");
    assert_eq!(failed_with(&sim, FailureReason::TaskFailure).len(), 1);
    let r = &sim.job().restarts[0];
    assert!(r.cause.starts_with("kill "));
    let latest_before = completed(&sim)
        .iter()
        .filter(|e| e.completion_timestamp.unwrap() < r.at)
        .map(|e| e.id)
        .max();
    assert_eq!(r.restored_checkpoint_id, latest_before);
    assert_eq!(sim.stats().counts.restored, 1);
    assert!(completed(&sim)
        .iter()
        .any(|e| e.trigger_timestamp > r.restarted_at.unwrap()));
    assert_eq!(sim.exactly_once().duplicates, 0);
}

#[test]
fn lost_ack_expires_checkpoints_until_the_job_fails_over() {
    let s = load("lost-ack");
    let tolerable = s.checkpointing.tolerable_failed;
    let sim = run(s);
    let expired = failed_with(&sim, FailureReason::CheckpointExpired);
    assert_eq!(expired.len() as u32, tolerable + 1, "{:?}", reasons(&sim));
    assert!(expired.iter().all(|e| e.num_acknowledged_subtasks == 4));
    let r = &sim.job().restarts[0];
    assert_eq!(r.cause, "Exceeded checkpoint tolerable failure threshold");
    assert_eq!(Some(r.at), expired.last().unwrap().failure_timestamp);
    assert!(completed(&sim).iter().any(|e| e.trigger_timestamp > r.at));
}

#[test]
fn concurrent_subsumption_subsumes_the_checkpoint_with_the_lost_ack() {
    let sim = run_file("concurrent-subsumption");
    assert!(max_in_progress(&sim, false) >= 2);
    let subsumed = failed_with(&sim, FailureReason::CheckpointSubsumed);
    assert_eq!(subsumed.len(), 1, "{:?}", reasons(&sim));
    assert_eq!(failed(&sim).len(), 1);
    assert!(sim.job().restarts.is_empty());
}

#[test]
fn at_least_once_duplicates_and_exactly_once_does_not() {
    let s = load("at-least-once-duplicates");
    assert_eq!(s.checkpointing.mode, CheckpointingMode::AtLeastOnce);
    let mut eo = s.clone();
    eo.checkpointing.mode = CheckpointingMode::ExactlyOnce;
    let alo = run(s);
    assert!(alo.exactly_once().duplicates > 0);
    assert_eq!(alo.exactly_once().lost, 0);
    assert_eq!(alo.stats().counts.restored, 1);
    let eo = run(eo);
    assert_eq!(eo.exactly_once().duplicates, 0);
    assert_eq!(eo.exactly_once().lost, 0);
    assert_eq!(eo.stats().counts.restored, 1);
}

#[test]
fn savepoint_is_listed_but_not_retained_and_passes_max_concurrent() {
    let sim = run_file("savepoint");
    let sp = history(&sim).into_iter().find(|e| e.is_savepoint).unwrap();
    assert_eq!(sp.status, CheckpointStatus::Completed);
    assert_eq!(sp.checkpoint_type(), "SAVEPOINT");
    let report = sim.report();
    assert_eq!(report.latest.savepoint.map(|e| e.id), Some(sp.id.0));
    assert!(!report.barrierscope.retained.contains(&sp.id.0));
    assert!(report.barrierscope.retained.len() >= 2);
    assert_eq!(max_in_progress(&sim, true), 2);
    assert_eq!(sim.stats().counts.failed, 0);
}

#[test]
fn storage_outage_fails_finalize_and_uploads_then_recovers() {
    let sim = run_file("storage-outage");
    assert_eq!(
        failed_with(&sim, FailureReason::FinalizeCheckpointFailure).len(),
        1,
        "{:?}",
        reasons(&sim)
    );
    assert!(!failed_with(&sim, FailureReason::CheckpointAsyncException).is_empty());
    assert!(sim.job().restarts.is_empty());
    assert_eq!(
        history(&sim).last().unwrap().status,
        CheckpointStatus::Completed
    );
    assert_eq!(
        sim.coordinator().failure_manager.continuous_failure_counter,
        0
    );
}

#[test]
fn coordinator_failover_loses_pending_and_continues_ids() {
    let sim = run_file("coordinator-failover");
    let lost = failed_with(&sim, FailureReason::CheckpointCoordinatorShutdown);
    assert_eq!(lost.len(), 1);
    let r = &sim.job().restarts[0];
    assert_eq!(r.cause, "coordinator_failover");
    assert_eq!(
        r.restored_checkpoint_id.map(|c| c.0),
        Some(lost[0].id.0 - 1)
    );
    let next = history(&sim)
        .into_iter()
        .find(|e| e.trigger_timestamp > r.at)
        .unwrap();
    assert_eq!(next.id.0, lost[0].id.0 + 1);
    assert_eq!(sim.stats().counts.restored, 1);
}

#[test]
fn min_pause_spaces_checkpoints_after_their_completion() {
    let s = load("min-pause");
    let pause = s.checkpointing.min_pause_ms;
    let sim = run(s);
    let h = history(&sim);
    for w in h.windows(2) {
        assert_eq!(
            w[1].trigger_timestamp.as_ms(),
            w[0].completion_timestamp.unwrap().as_ms() + pause
        );
    }
    assert!(
        sim.coordinator()
            .trigger_failures
            .get("MINIMUM_TIME_BETWEEN_CHECKPOINTS")
            .copied()
            .unwrap_or(0)
            >= 3
    );
}

#[test]
fn decline_fails_one_checkpoint_and_cancels_the_sinks_alignment() {
    let sim = run_file("decline");
    let declined = failed_with(&sim, FailureReason::CheckpointDeclined);
    assert_eq!(declined.len(), 1, "{:?}", reasons(&sim));
    assert_eq!(failed(&sim).len(), 1);
    let id = declined[0].id;
    assert_eq!(
        log_lines(
            &sim,
            &format!("sink#0 aborts checkpoint {id} (CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER)")
        )
        .len(),
        1
    );
    assert!(sim.job().restarts.is_empty());
    assert_eq!(entry(&sim, id.0 + 1).status, CheckpointStatus::Completed);
}

#[test]
fn index_json_lists_exactly_the_shipped_scenario_files() {
    let text =
        std::fs::read_to_string(dir().join("index.json")).expect("static/scenarios/index.json");
    let index: serde_json::Value = serde_json::from_str(&text).expect("index.json is JSON");
    let mut listed: Vec<String> = index["scenarios"]
        .as_array()
        .expect("a `scenarios` array")
        .iter()
        .map(|v| v.as_str().expect("names are strings").to_string())
        .collect();
    let mut files: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.path()
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .filter(|s| s != "index")
        .collect();
    listed.sort();
    files.sort();
    assert_eq!(listed, files);
}
