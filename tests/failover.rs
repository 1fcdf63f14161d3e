//! Failures and recovery (reference §4): task failure, restore from the latest completed
//! checkpoint, sources rewinding, restarting empty, the failure manager's global failover,
//! storage outages and the JobManager (coordinator) failover.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use barrierscope::sim::failover::JobStatus;
use barrierscope::sim::ids::CheckpointId;
use barrierscope::sim::snapshot::OperatorState;
use barrierscope::sim::stats::CheckpointStatus;
use barrierscope::sim::task::TaskStatus;
use barrierscope::sim::{FailureReason, Simulation};
use common::*;

/// The pipeline whose counter takes 400 ms to upload its state: a checkpoint stays pending
/// long enough for a failure to hit it.
fn slow_upload() -> barrierscope::sim::scenario::Scenario {
    let mut s = pipeline();
    s.duration_ms = 8_000;
    operator_mut(&mut s, "counter").snapshot_async_ms = Some(400.0);
    s
}

#[test]
fn task_failure_suspends_the_coordinator_and_aborts_every_pending_checkpoint() {
    // Flink 2.3: a task leaving RUNNING stops the checkpoint scheduler, which aborts pending
    // checkpoints with CHECKPOINT_COORDINATOR_SUSPEND, whether or not the failed task acked.
    let mut probe = Simulation::new(slow_upload()).unwrap();
    run_until(&mut probe, 4_000);
    let e4 = entry(&probe, 4);
    let kill_at = e4.trigger_timestamp.as_ms() + 200;
    for victim in ["counter#1", "source#0"] {
        let mut s = slow_upload();
        s.faults.push(kill(kill_at, victim));
        let sim = run(s);
        let e = entry(&sim, 4);
        assert_eq!(e.status, CheckpointStatus::Failed, "{victim}");
        assert_eq!(
            e.failure_reason,
            Some(FailureReason::CheckpointCoordinatorSuspend),
            "{victim}"
        );
        assert_eq!(e.failure_timestamp.map(ms), Some(kill_at));
        assert!(failed_with(&sim, FailureReason::TaskFailure).is_empty());
        assert!(failed_with(&sim, FailureReason::JobFailoverRegion).is_empty());
        assert_clean(&sim);
    }
}

#[test]
fn restart_restores_the_latest_completed_checkpoint_and_counts_it() {
    let mut s = pipeline();
    s.duration_ms = 8_000;
    s.faults.push(kill(3_500, "counter#1"));
    let sim = run(s);
    let restart = &sim.job().restarts[0];
    assert_eq!(restart.at.as_ms(), 3_500);
    assert_eq!(restart.cause, "kill counter#1");
    // The last checkpoint completed before 3500 ms.
    let latest_before = completed(&sim)
        .iter()
        .filter(|e| e.completion_timestamp.unwrap().as_ms() < 3_500)
        .map(|e| e.id)
        .max();
    assert_eq!(restart.restored_checkpoint_id, latest_before);
    assert_eq!(restart.restarted_at.map(ms), Some(4_000)); // restart_delay_ms = 500
    assert_eq!(sim.stats().counts.restored, 1);
    assert_eq!(
        sim.stats().latest_restored.map(|r| r.id),
        restart.restored_checkpoint_id
    );
    assert_eq!(sim.job().status, JobStatus::Running);
    // Checkpointing resumed after the restart.
    assert!(completed(&sim)
        .iter()
        .any(|e| e.trigger_timestamp.as_ms() > 4_000));
    assert_clean(&sim);
}

#[test]
fn sources_rewind_to_the_offsets_of_the_restored_checkpoint() {
    let mut s = pipeline();
    s.duration_ms = 8_000;
    s.faults.push(kill(3_500, "counter#1"));
    let mut sim = Simulation::new(s).unwrap();
    run_until(&mut sim, 3_499);
    let before = source_offset(&sim, "source#0");
    // The restart happens at 3500 + 500 ms: the subtasks hold the restored state.
    run_until(&mut sim, 4_000);
    let cp = sim
        .coordinator()
        .store
        .latest()
        .expect("a completed checkpoint")
        .clone();
    let source0 = sim.graph().subtask_by_name("source#0").unwrap();
    let snap = cp.snapshots.iter().find(|s| s.task == source0).unwrap();
    let OperatorState::Source { offset: restored } = snap.state else {
        panic!("not a source snapshot")
    };
    assert_eq!(sim.tasks()[source0.idx()].status, TaskStatus::Initializing);
    assert_eq!(source_offset(&sim, "source#0"), restored);
    assert!(
        restored < before,
        "offset {before} before the failure, {restored} restored"
    );
    // 50 records/s: at 3.5 s the source had emitted about 175, the checkpoint holds fewer.
    assert!((150..=180).contains(&before), "{before}");
}

#[test]
fn failure_before_any_completed_checkpoint_restarts_empty_from_offset_zero() {
    let mut s = pipeline();
    s.checkpointing.interval_ms = Some(10_000); // the first trigger comes after the failure
    s.checkpointing.min_pause_ms = 5_000;
    s.faults.push(kill(1_000, "counter#0"));
    let mut sim = Simulation::new(s).unwrap();
    run_until(&mut sim, 999);
    assert!(source_offset(&sim, "source#1") > 0);
    run_until(&mut sim, 1_500);
    assert_eq!(source_offset(&sim, "source#1"), 0);
    assert_eq!(sim.job().restarts[0].restored_checkpoint_id, None);
    assert_eq!(sim.stats().counts.restored, 0);
    assert_eq!(sim.stats().latest_restored, None);
    sim.run_to_end();
    assert_clean(&sim);
}

#[test]
fn checkpointing_resumes_after_a_task_failure_that_hits_queued_trigger_requests() {
    // The sink's upload (1.5 s) outlasts the interval (1 s): periodic requests queue behind the
    // pending checkpoint. A task failure must not trigger a queued request on the failing job,
    // or that checkpoint would hold the only max_concurrent slot until its 10 min timeout.
    let mut s = pipeline();
    s.duration_ms = 12_000;
    operator_mut(&mut s, "sink").snapshot_async_ms = Some(1_500.0);
    s.faults.push(kill(5_300, "sink#0"));
    let sim = run(s);
    for e in history(&sim) {
        let t = e.trigger_timestamp.as_ms();
        assert!(
            !(5_300..5_800).contains(&t),
            "checkpoint {} was triggered at {t} ms while the job was restarting",
            e.id
        );
    }
    assert!(
        completed(&sim)
            .iter()
            .any(|e| e.trigger_timestamp.as_ms() >= 5_800),
        "no checkpoint completed after the restart: {:?}",
        history(&sim)
            .iter()
            .map(|e| (e.id.0, e.status, e.failure_reason))
            .collect::<Vec<_>>()
    );
    assert_clean(&sim);
}

#[test]
fn forward_only_job_restarts_only_the_region_of_the_failed_task() {
    // source -forward-> sink with parallelism 2: two regions of two subtasks each.
    let mut s = two_tasks();
    s.job.operators[0].parallelism = 2;
    s.job.operators[1].parallelism = 2;
    s.faults.push(kill(2_500, "sink#1"));
    let mut sim = Simulation::new(s).unwrap();
    run_until(&mut sim, 2_600);
    assert_eq!(sim.graph().regions.len(), 2);
    let status = |n: &str| sim.tasks()[sim.graph().subtask_by_name(n).unwrap().idx()].status;
    assert_eq!(status("source#0"), TaskStatus::Running);
    assert_eq!(status("sink#0"), TaskStatus::Running);
    assert_eq!(status("source#1"), TaskStatus::Failed);
    assert_eq!(status("sink#1"), TaskStatus::Failed);
    assert_eq!(sim.job().restarts[0].subtasks, 2);
}

/// Five kills, far enough apart for each restart to finish first.
fn five_kills(attempts: Option<u32>) -> barrierscope::sim::scenario::Scenario {
    let mut s = pipeline();
    s.duration_ms = 14_000;
    s.restart_attempts = attempts;
    for (i, at) in [1_500, 4_000, 6_500, 9_000, 11_500].into_iter().enumerate() {
        s.faults.push(kill(at, &format!("counter#{}", i % 2)));
    }
    s
}

#[test]
fn bounded_restart_records_keep_the_newest_count_every_restart_and_change_nothing_else() {
    let all = run(five_kills(None));
    let mut bounded = Simulation::new(five_kills(None)).unwrap();
    bounded.set_restart_limit(Some(2));
    bounded.run_to_end();
    let (a, b) = (all.job(), bounded.job());
    assert_eq!(a.restarts.len(), 5);
    assert_eq!(b.restart_count(), 5);
    assert_eq!((b.restarts.len(), b.restarts_dropped), (2, 3));
    // The kept records are the newest, filled in at their restart as without the bound.
    assert_eq!(b.restarts[..], a.restarts[3..]);
    assert_eq!(bounded.stats().counts, all.stats().counts);
    assert_eq!(bounded.exactly_once(), all.exactly_once());
}

#[test]
fn restart_attempts_count_restart_records_the_bound_dropped() {
    let all = run(five_kills(Some(3)));
    let mut bounded = Simulation::new(five_kills(Some(3))).unwrap();
    bounded.set_restart_limit(Some(1));
    bounded.run_to_end();
    assert_eq!(all.job().status, JobStatus::Failed);
    assert_eq!(bounded.job().status, JobStatus::Failed);
    assert_eq!(bounded.job().restart_count(), 3);
    assert_eq!(bounded.job().restarts.len(), 1);
}

#[test]
fn restart_attempts_exhausted_fails_the_job() {
    let mut s = pipeline();
    s.restart_attempts = Some(1);
    s.faults.push(kill(1_500, "counter#0"));
    s.faults.push(kill(3_000, "counter#1"));
    let sim = run(s);
    assert_eq!(sim.job().status, JobStatus::Failed);
    assert_eq!(sim.job().restarts.len(), 1);
    assert!(sim.tasks().iter().all(|t| t.status == TaskStatus::Canceled));
}

#[test]
fn restart_delay_grows_exponentially_by_one_and_a_half() {
    let mut s = pipeline();
    s.duration_ms = 10_000;
    s.restart_delay_ms = 400;
    s.faults.push(kill(1_000, "counter#0"));
    s.faults.push(kill(3_000, "counter#0"));
    s.faults.push(kill(6_000, "counter#0"));
    let sim = run(s);
    let delays: Vec<u64> = sim
        .job()
        .restarts
        .iter()
        .map(|r| r.restarted_at.unwrap().as_ms() - r.at.as_ms())
        .collect();
    assert_eq!(delays, vec![400, 600, 900]);
}

// ----- the failure manager -----

#[test]
fn expired_checkpoints_above_tolerable_fail_the_job_over_globally() {
    let mut s = pipeline();
    s.duration_ms = 10_000;
    s.checkpointing.timeout_ms = 1_500;
    s.checkpointing.tolerable_failed = 1;
    s.faults.push(drop_ack(1_100, "sink#0"));
    s.faults.push(drop_ack(2_500, "sink#0"));
    let mut probe = Simulation::new(s.clone()).unwrap();
    run_until(&mut probe, 2_499);
    let sim = run(s);
    let expired = failed_with(&sim, FailureReason::CheckpointExpired);
    assert_eq!(expired.len(), 2, "{:?}", ids(&sim));
    assert_eq!(expired[1].id.0, expired[0].id.0 + 1);
    let restart = &sim.job().restarts[0];
    assert_eq!(
        restart.cause,
        "Exceeded checkpoint tolerable failure threshold"
    );
    assert_eq!(Some(restart.at), expired[1].failure_timestamp);
    // Global failover: every subtask restarted.
    assert_eq!(restart.subtasks, 5);
    assert!(restart.restored_checkpoint_id.unwrap() < expired[0].id);
    assert_clean(&sim);
}

#[test]
fn one_expired_checkpoint_within_tolerable_does_not_fail_the_job() {
    let mut s = pipeline();
    s.duration_ms = 8_000;
    s.checkpointing.timeout_ms = 1_500;
    s.checkpointing.tolerable_failed = 1;
    s.faults.push(drop_ack(1_100, "sink#0"));
    let sim = run(s);
    assert_eq!(failed_with(&sim, FailureReason::CheckpointExpired).len(), 1);
    assert!(sim.job().restarts.is_empty());
}

#[test]
fn a_completed_checkpoint_resets_the_failure_counter() {
    // Two expiries with a success between them never exceed tolerable = 1.
    let mut s = pipeline();
    s.duration_ms = 12_000;
    s.checkpointing.timeout_ms = 1_500;
    s.checkpointing.tolerable_failed = 1;
    s.faults.push(drop_ack(1_100, "sink#0"));
    s.faults.push(drop_ack(6_100, "sink#0"));
    let sim = run(s);
    let expired = failed_with(&sim, FailureReason::CheckpointExpired);
    assert_eq!(expired.len(), 2);
    let between = completed(&sim)
        .iter()
        .filter(|e| e.id > expired[0].id && e.id < expired[1].id)
        .count();
    assert!(between >= 1);
    assert!(sim.job().restarts.is_empty());
    assert_eq!(
        sim.coordinator().failure_manager.continuous_failure_counter,
        0
    );
}

#[test]
fn async_snapshot_failures_count_toward_tolerable() {
    let mut s = pipeline();
    s.checkpointing.tolerable_failed = 0;
    s.faults
        .push(snapshot_failure(1_100, "counter#0", SnapshotPhase::Async));
    let sim = run(s);
    let declined = failed_with(&sim, FailureReason::CheckpointAsyncException);
    assert_eq!(declined.len(), 1);
    assert_eq!(sim.job().restarts.len(), 1);
    assert_eq!(
        Some(sim.job().restarts[0].at),
        declined[0].failure_timestamp
    );
}

#[test]
fn coordinator_suspend_aborts_do_not_count_toward_tolerable() {
    let mut s = slow_upload();
    s.checkpointing.tolerable_failed = 0;
    s.faults.push(kill(3_200, "counter#1"));
    let sim = run(s);
    assert!(!failed_with(&sim, FailureReason::CheckpointCoordinatorSuspend).is_empty());
    // Only the kill restarted the job: the suspend abort did not add a global failover.
    assert_eq!(sim.job().restarts.len(), 1);
    assert_eq!(sim.job().restarts[0].cause, "kill counter#1");
}

#[test]
fn storage_outage_fails_uploads_with_async_exception_and_triggers_with_io_exception() {
    // Flink 2.3: an upload ending in the outage fails with CHECKPOINT_ASYNC_EXCEPTION; the
    // coordinator creates a checkpoint's storage location as it triggers, so a trigger in
    // the outage takes an ID and fails at once with IO_EXCEPTION.
    let mut s = pipeline();
    s.duration_ms = 8_000;
    s.checkpointing.tolerable_failed = 10;
    operator_mut(&mut s, "counter").snapshot_async_ms = Some(300.0);
    s.faults.push(storage_outage(2_100, 2_500));
    let sim = run(s);
    let upload = failed_with(&sim, FailureReason::CheckpointAsyncException);
    assert_eq!(ids_of(&upload), [3], "{:?}", ids(&sim));
    let trigger = failed_with(&sim, FailureReason::IoException);
    assert_eq!(ids_of(&trigger), [4, 5], "{:?}", ids(&sim));
    for e in &trigger {
        assert_eq!(e.failure_timestamp, Some(e.trigger_timestamp));
        assert_eq!(e.num_acknowledged_subtasks, 0);
    }
    // Checkpoints triggered after the outage complete.
    assert!(completed(&sim)
        .iter()
        .any(|e| e.trigger_timestamp.as_ms() >= 4_600));
    assert!(sim.job().restarts.is_empty());
    assert_eq!(
        sim.coordinator().failure_manager.continuous_failure_counter,
        0
    );
    assert_clean(&sim);
}

#[test]
fn storage_outage_during_the_metadata_write_is_a_finalize_checkpoint_failure() {
    // Every upload is done before the outage, the metadata write (50 ms) falls inside it.
    let mut s = pipeline();
    s.storage.write_ms = 50.0;
    s.checkpointing.tolerable_failed = 10;
    let mut probe = Simulation::new(s.clone()).unwrap();
    probe.run_to_end();
    let e2 = entry(&probe, 2);
    let last_ack = e2.latest_ack_timestamp.unwrap().as_ms();
    s.faults.push(storage_outage(last_ack + 1, 60));
    let sim = run(s);
    let e = entry(&sim, 2);
    assert_eq!(
        e.failure_reason,
        Some(FailureReason::FinalizeCheckpointFailure),
        "{e:?}"
    );
    assert_eq!(e.num_acknowledged_subtasks, e.num_subtasks);
    assert_eq!(
        sim.coordinator().failure_manager.continuous_failure_counter,
        0
    );
    assert_eq!(entry(&sim, 3).status, CheckpointStatus::Completed);
}

#[test]
fn finalize_checkpoint_failure_counts_toward_tolerable() {
    let mut s = pipeline();
    s.storage.write_ms = 50.0;
    s.checkpointing.tolerable_failed = 0;
    let mut probe = Simulation::new(s.clone()).unwrap();
    probe.run_to_end();
    let last_ack = entry(&probe, 2).latest_ack_timestamp.unwrap().as_ms();
    s.faults.push(storage_outage(last_ack + 1, 60));
    let sim = run(s);
    assert_eq!(
        entry(&sim, 2).failure_reason,
        Some(FailureReason::FinalizeCheckpointFailure)
    );
    assert_eq!(sim.job().restarts.len(), 1);
    assert_eq!(
        sim.job().restarts[0].cause,
        "Exceeded checkpoint tolerable failure threshold"
    );
}

// ----- coordinator failover -----

#[test]
fn coordinator_failover_loses_pending_checkpoints_keeps_completed_ones_and_the_id_counter() {
    let mut s = slow_upload();
    s.duration_ms = 10_000;
    let mut probe = Simulation::new(s.clone()).unwrap();
    run_until(&mut probe, 3_000);
    let e3 = entry(&probe, 3);
    let fail_at = e3.trigger_timestamp.as_ms() + 100;
    s.faults.push(coordinator_failover(fail_at));
    let mut sim = Simulation::new(s).unwrap();
    run_until(&mut sim, fail_at);
    assert!(sim.coordinator().pending.is_empty());
    assert!(!sim.coordinator().alive);
    assert_eq!(
        entry(&sim, 3).failure_reason,
        Some(FailureReason::CheckpointCoordinatorShutdown)
    );
    assert_eq!(
        sim.coordinator().store.latest().map(|c| c.id),
        Some(CheckpointId(2))
    );
    sim.run_to_end();
    let restart = &sim.job().restarts[0];
    assert_eq!(restart.cause, "coordinator_failover");
    assert_eq!(restart.restored_checkpoint_id, Some(CheckpointId(2)));
    // The counter survived: the next checkpoint is 4, not 1 or 3.
    let after: Vec<u64> = history(&sim)
        .iter()
        .filter(|e| e.trigger_timestamp.as_ms() > fail_at)
        .map(|e| e.id.0)
        .collect();
    assert_eq!(after.first(), Some(&4), "{after:?}");
    assert!(completed(&sim).iter().any(|e| e.id.0 >= 4));
    assert_clean(&sim);
}

#[test]
fn late_ack_after_coordinator_failover_is_ignored() {
    // The counter's ack of checkpoint 3 is on its way when the JobManager dies.
    let mut s = slow_upload();
    let mut probe = Simulation::new(s.clone()).unwrap();
    run_until(&mut probe, 3_000);
    let e3 = entry(&probe, 3);
    let last_ack = e3.latest_ack_timestamp.unwrap().as_ms();
    s.faults.push(coordinator_failover(last_ack - 1));
    let sim = run(s);
    assert_ne!(entry(&sim, 3).status, CheckpointStatus::Completed);
    assert_clean(&sim);
}

#[test]
fn checkpoint_ids_strictly_increase_across_restarts_and_coordinator_failover() {
    let mut s = pipeline();
    s.duration_ms = 15_000;
    s.faults.push(kill(2_500, "counter#0"));
    s.faults.push(coordinator_failover(6_200));
    s.faults.push(kill(9_700, "sink#0"));
    let sim = run(s);
    let ids = ids(&sim);
    assert_eq!(ids.first(), Some(&1));
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");
    assert!(ids.len() >= 8, "{ids:?}");
    assert_eq!(sim.job().restarts.len(), 3);
    assert!(sim.invariants().violations.is_empty());
}

#[test]
fn coordinator_failover_restores_the_job_exactly_once() {
    // The JobManager comes back after restart_delay_ms, the same time the cancelled tasks'
    // restart was planned for: the job must be restored once, not twice.
    let mut s = slow_upload();
    s.duration_ms = 9_000;
    s.restart_delay_ms = 1_000;
    s.faults.push(coordinator_failover(3_500));
    let sim = run(s);
    assert_eq!(sim.job().restarts.len(), 1);
    assert_eq!(sim.stats().counts.restored, 1);
    assert_eq!(
        log_lines(&sim, "subtasks restore from checkpoint").len(),
        1,
        "{:?}",
        log_lines(&sim, "restore")
    );
}

#[test]
fn second_coordinator_failover_does_not_restore_a_running_job_again() {
    // The restart backoff grows (1.5x) but the JobManager always takes restart_delay_ms: the
    // restart planned by the old JobManager must not fire into the job the new one restored.
    let mut s = pipeline();
    s.duration_ms = 12_000;
    s.restart_delay_ms = 1_000;
    s.faults.push(coordinator_failover(2_500));
    s.faults.push(coordinator_failover(6_500));
    let sim = run(s);
    assert_eq!(sim.job().restarts.len(), 2);
    assert_eq!(sim.stats().counts.restored, 2);
    assert_eq!(log_lines(&sim, "subtasks restore from checkpoint").len(), 2);
    assert_eq!(sim.exactly_once().duplicates, 0);
    assert_clean(&sim);
}

#[test]
fn io_exceptions_at_trigger_count_toward_tolerable() {
    // Two triggers fail in a row during a long outage; tolerable_failed = 1 is exceeded.
    let mut s = pipeline();
    s.duration_ms = 8_000;
    s.checkpointing.tolerable_failed = 1;
    s.faults.push(storage_outage(900, 2_500));
    let sim = run(s);
    let failed = failed_with(&sim, FailureReason::IoException);
    assert_eq!(ids_of(&failed), [2, 3], "{:?}", ids(&sim));
    let restart = &sim.job().restarts[0];
    assert_eq!(
        restart.cause,
        "Exceeded checkpoint tolerable failure threshold"
    );
    assert_eq!(Some(restart.at), failed[1].failure_timestamp);
}

#[test]
fn a_sink_keeps_its_open_transaction_allocation_across_pre_commits_and_restarts() {
    // Memory only (wasm memory never shrinks, so a list reallocated and regrown at every
    // checkpoint fragments the browser's heap): the pre-committed transaction is a copy, the
    // open list is emptied in place, and a restart hands the emptied list to the new attempt.
    let mut s = pipeline();
    s.duration_ms = 12_000;
    s.faults.push(kill(6_300, "sink#0"));
    let mut sim = Simulation::new(s).unwrap();
    let sink = 4;
    let open_of = |sim: &Simulation| match &sim.tasks()[sink].state {
        OperatorState::Sink { open, pending } => (
            open.as_ptr(),
            open.capacity(),
            pending.keys().next_back().copied(),
        ),
        other => panic!("{other:?}"),
    };
    let (mut pre_commits, mut restarts) = (0, 0);
    let mut before = (open_of(&sim), sim.tasks()[sink].attempt);
    while sim.step() && sim.now().as_ms() < 12_000 {
        let now = (open_of(&sim), sim.tasks()[sink].attempt);
        let ((ptr0, cap0, newest0), attempt0) = before;
        let ((ptr, cap, newest), attempt) = now;
        if cap0 > 0 && (newest != newest0 || attempt != attempt0) {
            assert_eq!((ptr, cap), (ptr0, cap0), "at {} ms", sim.now().as_ms());
            if attempt != attempt0 {
                restarts += 1;
            } else {
                pre_commits += 1;
            }
        }
        before = now;
    }
    assert!(
        pre_commits >= 5 && restarts >= 1,
        "{pre_commits} {restarts}"
    );
}
