//! The canned scenarios in `static/scenarios/`: each is well-formed (name = file name, one
//! paragraph of description, one-sentence narration steps in time order, small enough to
//! animate) and, run to its end, shows the one thing it teaches.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use barrierscope::sim::scenario::{CheckpointingMode, Fault, Scenario, Scheduled};
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

/// Completed and failed checkpoints, without the one still in progress when the run ends (the
/// first trigger comes at a whole multiple of the interval, so a run often ends on a trigger).
fn finished(sim: &Simulation) -> Vec<CheckpointStatsEntry> {
    history(sim)
        .into_iter()
        .filter(|e| e.status != CheckpointStatus::InProgress)
        .collect()
}

/// The REST report's `failure_message` (Flink's text) of checkpoint `id`.
fn failure_message(sim: &Simulation, id: u64) -> Option<&'static str> {
    sim.report()
        .history
        .iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("checkpoint {id} is not in the report"))
        .failure_message
}

/// The failure manager's counter of consecutive counted failures at `ms` into a fresh run.
fn failure_counter_at(name: &str, ms: u64) -> u32 {
    let mut sim = Simulation::new(load(name)).unwrap();
    run_until(&mut sim, ms);
    sim.coordinator().failure_manager.continuous_failure_counter
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
    // Min pause 0: the first periodic trigger comes as soon as every task runs.
    assert_eq!(history(&sim)[0].trigger_timestamp.as_ms(), 0);
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
    let after: Vec<CheckpointStatsEntry> = finished(&sim)
        .into_iter()
        .filter(|e| e.trigger_timestamp.as_ms() >= 10_500)
        .collect();
    assert!(after.len() >= 3, "{:?}", reasons(&sim));
    assert!(after
        .iter()
        .all(|e| e.status == CheckpointStatus::Completed));
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
    assert!(finished(&sim).len() >= 10);
    assert!(finished(&sim)
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
    let types: Vec<&str> = finished(&sim).iter().map(|e| e.checkpoint_type()).collect();
    assert!(types.contains(&"UNALIGNED_CHECKPOINT"), "{types:?}");
    assert!(types.contains(&"CHECKPOINT"), "{types:?}");
    assert_eq!(types[0], "CHECKPOINT");
    assert!(!log_lines(&sim, "timed out, switching to unaligned").is_empty());
}

#[test]
fn task_crash_suspends_the_coordinator_and_restores_the_latest_completed_checkpoint() {
    let sim = run_file("task-crash");
    // The pending checkpoint aborts because the coordinator suspends when a task leaves
    // RUNNING (Flink 2.3), not with TASK_FAILURE or JOB_FAILOVER_REGION.
    let suspended = failed_with(&sim, FailureReason::CheckpointCoordinatorSuspend);
    assert_eq!(suspended.len(), 1, "{:?}", reasons(&sim));
    assert_eq!(failed(&sim).len(), 1, "{:?}", reasons(&sim));
    assert_eq!(
        failure_message(&sim, suspended[0].id.0),
        Some("Checkpoint Coordinator is suspending.")
    );
    assert_eq!(sim.job().restarts.len(), 1);
    let r = &sim.job().restarts[0];
    assert!(r.cause.starts_with("kill "));
    assert_eq!(suspended[0].failure_timestamp, Some(r.at));
    // Not counted toward tolerable failed checkpoints.
    assert_eq!(failure_counter_at("task-crash", r.at.as_ms() + 1), 0);
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
fn storage_outage_fails_uploads_and_triggers_then_recovers() {
    let s = load("storage-outage");
    let (start, end) = s
        .faults
        .iter()
        .find_map(|f| match f.fault {
            Scheduled::Fault(Fault::StorageOutage { duration_ms }) => {
                Some((f.at_ms, f.at_ms + duration_ms))
            }
            _ => None,
        })
        .expect("a storage_outage fault");
    let sim = run(s);
    // Uploads that end in the outage: the subtask declines with CHECKPOINT_ASYNC_EXCEPTION.
    let uploads = failed_with(&sim, FailureReason::CheckpointAsyncException);
    assert_eq!(uploads.len(), 1, "{:?}", reasons(&sim));
    assert!(uploads[0].trigger_timestamp.as_ms() < start);
    let at = uploads[0].failure_timestamp.unwrap().as_ms();
    assert!((start..end).contains(&at), "{at}");
    // Triggers in the outage: creating the storage location fails at once with IO_EXCEPTION,
    // with an ID and a history row.
    let in_outage: Vec<CheckpointStatsEntry> = history(&sim)
        .into_iter()
        .filter(|e| (start..end).contains(&e.trigger_timestamp.as_ms()))
        .collect();
    assert_eq!(in_outage.len(), 2, "{:?}", reasons(&sim));
    for e in &in_outage {
        assert_eq!(e.failure_reason, Some(FailureReason::IoException));
        assert_eq!(e.failure_timestamp, Some(e.trigger_timestamp));
        assert_eq!(e.num_acknowledged_subtasks, 0);
        assert_eq!(
            failure_message(&sim, e.id.0),
            Some("An Exception occurred while triggering the checkpoint. IO-problem detected.")
        );
    }
    assert_eq!(failed(&sim).len(), 3, "{:?}", reasons(&sim));
    // Both reasons count toward tolerable failed checkpoints (5 here: no failover) ...
    assert_eq!(failure_counter_at("storage-outage", end - 1), 3);
    assert!(sim.job().restarts.is_empty());
    // ... and once storage is back, checkpoints complete and the counter resets.
    let after: Vec<CheckpointStatsEntry> = finished(&sim)
        .into_iter()
        .filter(|e| e.trigger_timestamp.as_ms() >= end)
        .collect();
    assert!(!after.is_empty());
    assert!(after
        .iter()
        .all(|e| e.status == CheckpointStatus::Completed));
    assert_eq!(
        sim.coordinator().failure_manager.continuous_failure_counter,
        0
    );
}

#[test]
fn coordinator_failover_loses_pending_and_continues_ids() {
    let sim = run_file("coordinator-failover");
    let lost = failed_with(&sim, FailureReason::CheckpointCoordinatorShutdown);
    assert_eq!(lost.len(), 1, "{:?}", reasons(&sim));
    assert_eq!(failed(&sim).len(), 1, "{:?}", reasons(&sim));
    assert_eq!(
        failure_message(&sim, lost[0].id.0),
        Some("CheckpointCoordinator shutdown.")
    );
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
    // The first trigger comes exactly min_pause after every task runs.
    assert_eq!(h[0].trigger_timestamp.as_ms(), pause);
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
fn snapshot_failure_async_declines_and_counts_then_sync_fails_the_task_and_restores() {
    let sim = run_file("snapshot-failure");
    // Async part: the subtask declines with CHECKPOINT_ASYNC_EXCEPTION, counted and tolerated.
    let declined = failed_with(&sim, FailureReason::CheckpointAsyncException);
    assert_eq!(declined.len(), 1, "{:?}", reasons(&sim));
    let id = declined[0].id;
    assert_eq!(
        failure_message(&sim, id.0),
        Some("Asynchronous task checkpoint failed.")
    );
    let declined_at = declined[0].failure_timestamp.unwrap();
    assert_eq!(
        failure_counter_at("snapshot-failure", declined_at.as_ms() + 1),
        1
    );
    assert_eq!(entry(&sim, id.0 + 1).status, CheckpointStatus::Completed);
    // User code cannot make a subtask send CHECKPOINT_DECLINED.
    assert!(failed_with(&sim, FailureReason::CheckpointDeclined).is_empty());
    // Sync part: a task failure, so the only restart comes from it, after the decline.
    assert_eq!(sim.job().restarts.len(), 1);
    let r = &sim.job().restarts[0];
    assert!(r.at > declined_at);
    let suspended = failed_with(&sim, FailureReason::CheckpointCoordinatorSuspend);
    assert_eq!(suspended.len(), 1, "{:?}", reasons(&sim));
    assert_eq!(suspended[0].failure_timestamp, Some(r.at));
    assert_eq!(
        failure_message(&sim, suspended[0].id.0),
        Some("Checkpoint Coordinator is suspending.")
    );
    assert!(
        r.cause
            .starts_with(&format!("Could not complete snapshot {}", suspended[0].id)),
        "{}",
        r.cause
    );
    assert_eq!(failure_counter_at("snapshot-failure", r.at.as_ms() + 1), 0);
    assert_eq!(failed(&sim).len(), 2, "{:?}", reasons(&sim));
    // Restart from the latest completed checkpoint, then checkpoints complete again.
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
    assert_eq!(sim.exactly_once().lost, 0);
}

/// Every lesson's file (not the benchmarks), by name.
fn lessons() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            let stem = path.file_stem()?.to_str()?.to_string();
            let json = path.extension().and_then(|x| x.to_str()) == Some("json");
            (json && stem != "index" && !stem.starts_with("bench-")).then_some(stem)
        })
        .collect();
    names.sort();
    names
}

/// What a step says happened to a checkpoint: "Checkpoint 3 completes", "Savepoint 3
/// completes", "checkpoint 1 is COMPLETED", "Checkpoint 4 expires", "Checkpoint 2 is triggered".
fn claims(text: &str) -> Vec<(u64, &'static str)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = Vec::new();
    for w in words.windows(4) {
        let named =
            w[0].eq_ignore_ascii_case("checkpoint") || w[0].eq_ignore_ascii_case("savepoint");
        let Ok(id) = w[1].parse::<u64>() else {
            continue;
        };
        if !named {
            continue;
        }
        let verb = w[2].trim_end_matches([':', ';', ',', '.']);
        let next = w[3].trim_end_matches([':', ';', ',', '.']);
        match (verb, next) {
            ("completes", _) | ("is", "COMPLETED") => out.push((id, "completed")),
            ("expires", _) => out.push((id, "expired")),
            ("is", "triggered") => out.push((id, "triggered")),
            _ => {}
        }
    }
    out
}

#[test]
fn every_step_that_names_a_checkpoint_event_comes_just_after_it_in_the_lessons_run() {
    // A step is shown at its time in the story's own run: "Checkpoint 3 completes" must not
    // come before checkpoint 3 completed, nor long after (the data rates and latencies of the
    // lessons set these times, so retuning a lesson must retime its steps).
    const LATE_MS: u64 = 60;
    let mut checked = 0;
    for name in lessons() {
        let s = load(&name);
        let mut sim = Simulation::new(s.clone()).unwrap();
        for step in &s.steps {
            // The narration ties a step to the last event before `at_ms + 1` (ui::narration).
            sim.run_until(barrierscope::sim::ids::SimTime(step.at_ms * 1000 + 999));
            for (id, what) in claims(&step.text) {
                let e = sim
                    .stats()
                    .get(barrierscope::sim::ids::CheckpointId(id))
                    .unwrap_or_else(|| {
                        panic!("{name} at {} ms: no checkpoint {id} yet", step.at_ms)
                    })
                    .clone();
                let at = match what {
                    "completed" => {
                        assert_eq!(
                            e.status,
                            CheckpointStatus::Completed,
                            "{name} at {} ms: {}",
                            step.at_ms,
                            step.text
                        );
                        e.completion_timestamp.unwrap()
                    }
                    "expired" => {
                        assert_eq!(
                            e.failure_reason,
                            Some(FailureReason::CheckpointExpired),
                            "{name} at {} ms: {}",
                            step.at_ms,
                            step.text
                        );
                        e.failure_timestamp.unwrap()
                    }
                    _ => e.trigger_timestamp,
                };
                assert!(
                    ms(at) + LATE_MS >= step.at_ms,
                    "{name}: `{}` at {} ms, but checkpoint {id} {what} at {} ms",
                    step.text,
                    step.at_ms,
                    ms(at)
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 15, "{checked} steps checked");
}

#[test]
fn every_lesson_shows_records_queued_on_both_sides_of_a_barrier() {
    // A barrier travels behind the records sent before it and ahead of those sent after it:
    // the lessons' rates and network latency keep several records in each channel, so that
    // the graph shows it (with 50 records/s and 2 ms latency fewer than one record was ever
    // in flight).
    use barrierscope::sim::channel::Item;
    for name in lessons() {
        let s = load(&name);
        let end = s.duration_ms;
        let mut sim = Simulation::new(s).unwrap();
        let (mut samples, mut records, mut around) = (0u64, 0u64, 0u64);
        for t in 1..=end {
            run_until(&mut sim, t);
            samples += 1;
            for ch in sim.channels() {
                let buffers: Vec<bool> = ch
                    .queue
                    .iter()
                    .map(|f| matches!(f.item, Item::Buffer(_)))
                    .collect();
                records += buffers.iter().filter(|b| **b).count() as u64;
                // An aligned barrier sits in the queue; an unaligned one in the priority lane,
                // ahead of the `overtaken` queued items it has passed.
                let split = ch
                    .queue
                    .iter()
                    .position(|f| matches!(f.item, Item::Barrier(_)))
                    .map(|b| (b, b + 1))
                    .or_else(|| {
                        ch.priority.iter().find_map(|f| match f.item {
                            Item::Barrier(_) => Some((f.overtaken as usize, f.overtaken as usize)),
                            _ => None,
                        })
                    });
                if let Some((ahead, behind)) = split {
                    let (ahead, behind) = (ahead.min(buffers.len()), behind.min(buffers.len()));
                    if buffers[..ahead].contains(&true) && buffers[behind..].contains(&true) {
                        around += 1;
                    }
                }
            }
        }
        let mean = records as f64 / samples as f64;
        assert!(
            mean >= 5.0,
            "{name}: {mean:.1} buffers in flight on average"
        );
        assert!(
            around > 0,
            "{name}: no barrier ever has records on both sides"
        );
    }
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
