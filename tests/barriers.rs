//! Barriers inside a task (reference §3): aligned exactly-once (blocking, alignment duration),
//! at-least-once (no blocking, duplicates after a restore), unaligned (persisted in-flight data,
//! completes under backpressure), the alignment timeout, newer barriers during alignment,
//! cancellation markers and the snapshot phases.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use barrierscope::sim::scenario::{CheckpointingMode, OperatorKind, Partitioning};
use barrierscope::sim::stats::CheckpointStatus;
use barrierscope::sim::{FailureReason, RpcKind, Simulation};
use common::*;
use std::collections::BTreeSet;

#[test]
fn trigger_rpc_goes_to_the_source_subtasks_only() {
    let mut sim = Simulation::new(pipeline()).unwrap();
    let mut triggered = BTreeSet::new();
    while sim.stats().counts.completed == 0 {
        assert!(sim.now().as_ms() < 5_000, "no checkpoint completed");
        sim.step();
        for r in sim.rpcs_in_flight() {
            if r.kind == RpcKind::Trigger {
                triggered.insert(sim.graph().subtasks[r.task.idx()].name.clone());
            }
        }
    }
    let expected: BTreeSet<String> = ["source#0", "source#1"].map(String::from).into();
    assert_eq!(triggered, expected);
    // The others learnt of checkpoint 1 from barriers: they started later than the sources.
    let e = entry(&sim, 1);
    let subs = e.subtasks.as_ref().unwrap();
    let delay = |i: usize| subs[i].unwrap().metrics.start_delay.0;
    assert!(
        delay(2) > delay(0),
        "counter#0 {} vs source#0 {}",
        delay(2),
        delay(0)
    );
    assert!(
        delay(4) > delay(2),
        "sink#0 {} vs counter#0 {}",
        delay(4),
        delay(2)
    );
}

#[test]
fn every_subtask_acknowledges_a_completed_checkpoint() {
    let sim = run(pipeline());
    let done = completed(&sim);
    assert_eq!(done.len(), 5);
    for e in done {
        assert_eq!(e.num_subtasks, 5);
        assert_eq!(e.num_acknowledged_subtasks, 5);
        let subs = e.subtasks.unwrap();
        assert!(subs.iter().all(|s| s.is_some()), "{:?}", e.id);
        // The sink has state; each source reports its offset (16 bytes).
        assert_eq!(subs[0].unwrap().metrics.state_size, 16);
    }
}

#[test]
fn snapshot_phases_report_sync_and_async_durations() {
    let mut s = pipeline();
    operator_mut(&mut s, "counter").snapshot_sync_ms = Some(7.0);
    operator_mut(&mut s, "counter").snapshot_async_ms = Some(100.0);
    let sim = run(s);
    let e = entry(&sim, 2);
    let m = e.subtasks.unwrap()[2].unwrap().metrics;
    assert_eq!(m.sync_duration.as_ms(), 7);
    // async = snapshot_async_ms + storage.write_ms (5) + state / bandwidth (< 1 ms here)
    assert_eq!(m.async_duration.as_ms(), 105);
    assert_eq!(e.sync_duration_max, 7_000);
}

// ----- aligned exactly-once -----

/// Steps through the run and checks, independently of the invariant checker, that a channel
/// blocked for alignment delivers nothing while it stays blocked.
fn assert_blocked_channels_deliver_nothing(sim: &mut Simulation) -> usize {
    let consumed = |sim: &Simulation| -> Vec<(bool, u64)> {
        sim.channels()
            .iter()
            .map(|c| {
                (
                    c.blocked,
                    c.total_records - c.queued_record_count() - c.building.record_count(),
                )
            })
            .collect()
    };
    let mut blocked_steps = 0;
    let mut before = consumed(sim);
    let end = sim.end_time();
    while sim.next_event_time().map(|t| t <= end).unwrap_or(false) {
        sim.step();
        let after = consumed(sim);
        for (i, (b, a)) in before.iter().zip(&after).enumerate() {
            if b.0 && a.0 {
                blocked_steps += 1;
                assert_eq!(
                    b.1,
                    a.1,
                    "channel {i} delivered a record while blocked (at {} ms)",
                    sim.now().as_ms()
                );
            }
        }
        before = after;
    }
    blocked_steps
}

#[test]
fn aligned_blocked_channel_processes_nothing_past_its_barrier() {
    let mut sim = Simulation::new(backpressured(CheckpointingMode::ExactlyOnce, false)).unwrap();
    let blocked_steps = assert_blocked_channels_deliver_nothing(&mut sim);
    assert!(
        blocked_steps > 100,
        "channels were hardly ever blocked: {blocked_steps}"
    );
    assert!(sim.invariants().violations.is_empty());
    assert_eq!(sim.invariants().violation_count, 0);
}

#[test]
fn aligned_alignment_duration_is_positive_with_skewed_inputs() {
    let sim = run(backpressured(CheckpointingMode::ExactlyOnce, false));
    // Before the slow-down (2.5 s) the inputs are even; the first checkpoint after it aligns
    // for hundreds of ms.
    let skewed = completed(&sim)
        .into_iter()
        .find(|e| e.trigger_timestamp.as_ms() > 2_500)
        .expect("a checkpoint completed during the slow-down");
    assert!(
        skewed.alignment_duration_max >= 100_000,
        "alignment {} µs",
        skewed.alignment_duration_max
    );
    let calm = entry(&sim, 1);
    assert!(calm.alignment_duration_max < skewed.alignment_duration_max / 10);
    assert_eq!(skewed.checkpoint_type(), "CHECKPOINT");
}

#[test]
fn aligned_checkpoints_expire_under_backpressure() {
    let sim = run(backpressured(CheckpointingMode::ExactlyOnce, false));
    let expired = failed_with(&sim, FailureReason::CheckpointExpired);
    assert!(expired.len() >= 2, "{:?}", ids(&sim));
    for e in &expired {
        assert_eq!(
            e.failure_timestamp
                .unwrap()
                .since(e.trigger_timestamp)
                .as_ms(),
            1_500
        );
        assert!(e.num_acknowledged_subtasks < e.num_subtasks);
    }
    assert_clean(&sim);
}

// ----- unaligned -----

#[test]
fn unaligned_checkpoints_complete_under_backpressure_and_persist_in_flight_data() {
    let sim = run(backpressured(CheckpointingMode::ExactlyOnce, true));
    let h = finished(&sim);
    assert!(h.len() >= 8);
    assert!(
        h.iter().all(|e| e.status == CheckpointStatus::Completed),
        "{:?}",
        h.iter()
            .map(|e| (e.id.0, e.failure_reason))
            .collect::<Vec<_>>()
    );
    assert!(h
        .iter()
        .all(|e| e.checkpoint_type() == "UNALIGNED_CHECKPOINT"));
    let during: Vec<_> = h
        .iter()
        .filter(|e| (3_000..8_000).contains(&e.trigger_timestamp.as_ms()))
        .collect();
    assert!(!during.is_empty());
    for e in during {
        // At least one full channel's worth (8 buffers of 1 KiB) was persisted.
        assert!(
            e.persisted_data >= 8 * 1024,
            "{} persisted {}",
            e.id,
            e.persisted_data
        );
        assert!(e.end_to_end_duration_us() < 1_500_000);
    }
    assert!(sim.stats().persisted_data.max > 0);
    assert_clean(&sim);
}

#[test]
fn unaligned_checkpoint_reports_no_alignment_blocking_and_marks_subtasks_unaligned() {
    let sim = run(backpressured(CheckpointingMode::ExactlyOnce, true));
    let e = entry(&sim, 5);
    for s in e.subtasks.unwrap().iter().flatten() {
        assert!(s.metrics.unaligned_checkpoint);
    }
    // Nothing was ever blocked.
    let mut sim = Simulation::new(backpressured(CheckpointingMode::ExactlyOnce, true)).unwrap();
    assert_eq!(assert_blocked_channels_deliver_nothing(&mut sim), 0);
}

#[test]
fn restore_from_an_unaligned_checkpoint_replays_its_channel_state_exactly_once() {
    let mut s = backpressured(CheckpointingMode::ExactlyOnce, true);
    s.faults.push(kill(5_300, "sink#0"));
    let sim = run(s);
    let restored = sim.job().restarts[0].restored_checkpoint_id.unwrap();
    assert!(entry(&sim, restored.0).persisted_data > 0);
    assert_eq!(sim.exactly_once().duplicates, 0);
    assert!(sim.oracle().committed_records > 0);
    assert_clean(&sim);
}

#[test]
fn savepoint_is_aligned_even_with_unaligned_checkpoints() {
    let mut s = backpressured(CheckpointingMode::ExactlyOnce, true);
    s.checkpointing.timeout_ms = 600_000;
    s.faults.push(trigger_savepoint(4_100));
    let sim = run(s);
    let sp = history(&sim)
        .into_iter()
        .find(|e| e.is_savepoint)
        .expect("savepoint in history");
    assert_eq!(sp.checkpoint_type(), "SAVEPOINT");
    assert_eq!(sp.status, CheckpointStatus::Completed);
    assert!(!sp.unaligned);
    assert_eq!(sp.persisted_data, 0);
    assert!(sp.alignment_duration_max > 0);
}

// ----- alignment timeout -----

#[test]
fn alignment_timeout_switches_slow_checkpoints_to_unaligned() {
    let mut s = backpressured(CheckpointingMode::ExactlyOnce, true);
    s.checkpointing.aligned_timeout_ms = 200;
    let sim = run(s);
    let h = finished(&sim);
    assert!(h.iter().all(|e| e.status == CheckpointStatus::Completed));
    // Even inputs: the barriers align within 200 ms and the checkpoint stays aligned.
    assert_eq!(entry(&sim, 1).checkpoint_type(), "CHECKPOINT");
    assert_eq!(entry(&sim, 1).persisted_data, 0);
    let switched: Vec<_> = h
        .iter()
        .filter(|e| e.checkpoint_type() == "UNALIGNED_CHECKPOINT")
        .collect();
    assert!(switched.len() >= 3, "{:?}", ids(&sim));
    for e in &switched {
        let t = e.trigger_timestamp.as_ms();
        assert!((2_000..10_000).contains(&t), "checkpoint {} at {t}", e.id);
        assert!(e.persisted_data > 0);
        // It could not finish before the alignment timeout ran out.
        assert!(e.end_to_end_duration_us() >= 200_000);
    }
    // Some subtask reports `unaligned_checkpoint = true`, the sources (no inputs) do not.
    let subs = switched[0].subtasks.clone().unwrap();
    assert!(subs
        .iter()
        .flatten()
        .any(|s| s.metrics.unaligned_checkpoint));
    assert_clean(&sim);
}

#[test]
fn aligned_timeout_is_ignored_without_unaligned() {
    // Flink ignores aligned_timeout_ms unless unaligned checkpoints are enabled.
    let mut s = backpressured(CheckpointingMode::ExactlyOnce, false);
    s.checkpointing.aligned_timeout_ms = 200;
    let sim = run(s);
    assert!(history(&sim)
        .iter()
        .all(|e| e.checkpoint_type() == "CHECKPOINT" && e.persisted_data == 0));
    assert!(!failed_with(&sim, FailureReason::CheckpointExpired).is_empty());
}

// ----- at-least-once -----

#[test]
fn at_least_once_never_blocks_a_channel() {
    let mut sim = Simulation::new(backpressured(CheckpointingMode::AtLeastOnce, false)).unwrap();
    assert_eq!(assert_blocked_channels_deliver_nothing(&mut sim), 0);
    assert!(sim.channels().iter().all(|c| !c.blocked));
    assert!(sim.stats().counts.completed >= 5);
}

#[test]
fn at_least_once_restore_can_commit_duplicates_exactly_once_cannot() {
    let scenario = |mode| {
        let mut s = backpressured(mode, false);
        s.checkpointing.timeout_ms = 600_000;
        s.faults[0] = slow(1_500, "counter#0", 20.0, 6_000);
        s.faults.push(kill(5_300, "sink#0"));
        s
    };
    let alo = run(scenario(CheckpointingMode::AtLeastOnce));
    let eo = run(scenario(CheckpointingMode::ExactlyOnce));
    assert!(
        alo.exactly_once().duplicates > 0,
        "AT_LEAST_ONCE committed no duplicate"
    );
    assert_eq!(alo.exactly_once().lost, 0);
    assert_eq!(eo.exactly_once().duplicates, 0);
    assert_eq!(eo.exactly_once().lost, 0);
    // Both restored and committed output afterwards.
    assert_eq!(alo.stats().counts.restored, 1);
    assert_eq!(eo.stats().counts.restored, 1);
}

#[test]
fn at_least_once_tracks_concurrent_checkpoints_instead_of_declining_older_ones() {
    // Flink's CheckpointBarrierTracker counts barriers of several checkpoints at once: under
    // skew, barrier n+1 on a fast channel must not abort checkpoint n, whose barrier is still
    // queued on the slow channel.
    let mut s = backpressured(CheckpointingMode::AtLeastOnce, false);
    s.checkpointing.interval_ms = Some(500);
    s.checkpointing.max_concurrent = 3;
    s.checkpointing.timeout_ms = 600_000;
    let sim = run(s);
    let h = history(&sim);
    assert!(
        failed_with(&sim, FailureReason::CheckpointDeclinedSubsumed).is_empty(),
        "{:?}",
        h.iter()
            .map(|e| (e.id.0, e.status, e.failure_reason))
            .collect::<Vec<_>>()
    );
    assert!(max_in_progress(&sim, false) >= 2);
    assert!(completed(&sim).len() >= 15, "{}", completed(&sim).len());
    assert_clean(&sim);
}

// ----- newer barriers, cancellation -----

#[test]
fn newer_barrier_during_alignment_declines_the_older_checkpoint_as_subsumed() {
    // Unaligned checkpoints with a 1.05 s alignment timeout, interval 1 s. The sink aligns
    // checkpoint n: counter#1's barrier came at once and blocks that channel, counter#0 (slow)
    // is far behind. An async snapshot failure in an unrelated branch (audit -> audit_sink) aborts n at the
    // coordinator; n+1 comes at the next fixed-rate trigger. When n's alignment times out the sink
    // unblocks, finds n+1's barrier behind n's on counter#1's channel, and gives n up with
    // CHECKPOINT_DECLINED_SUBSUMED (Flink's SingleCheckpointBarrierHandler does the same).
    let mut s = backpressured(CheckpointingMode::ExactlyOnce, true);
    s.checkpointing.aligned_timeout_ms = 1_050;
    s.checkpointing.timeout_ms = 600_000;
    s.checkpointing.tolerable_failed = 5;
    let mut audit = op("audit", OperatorKind::Source, 1);
    audit.records_per_sec = Some(10.0);
    s.job.operators.push(audit);
    s.job
        .operators
        .push(op("audit_sink", OperatorKind::Sink, 1));
    s.job
        .edges
        .push(edge("audit", "audit_sink", Partitioning::Forward));
    let mut probe = Simulation::new(s.clone()).unwrap();
    run_until(&mut probe, 4_000);
    let n = history(&probe)
        .into_iter()
        .find(|e| e.trigger_timestamp.as_ms() >= 3_000)
        .expect("a checkpoint after 3 s")
        .id;
    let trigger = entry(&probe, n.0).trigger_timestamp.as_ms();
    s.faults.push(snapshot_failure(
        trigger + 1,
        "audit_sink#0",
        SnapshotPhase::Async,
    ));
    let sim = run(s);
    assert_eq!(
        entry(&sim, n.0).failure_reason,
        Some(FailureReason::CheckpointAsyncException)
    );
    let subsumed = log_lines(
        &sim,
        &format!("aborts checkpoint {n} (CHECKPOINT_DECLINED_SUBSUMED)"),
    );
    assert!(
        subsumed.iter().any(|l| l.contains(" sink#0 aborts")),
        "{subsumed:?}\n{:?}",
        log_lines(&sim, "checkpoint")
    );
    // The newer checkpoint completes.
    assert_eq!(entry(&sim, n.0 + 1).status, CheckpointStatus::Completed);
    assert_clean(&sim);
}

#[test]
fn async_snapshot_failure_declines_the_checkpoint_with_checkpoint_async_exception() {
    let mut s = pipeline();
    s.checkpointing.tolerable_failed = 5;
    s.faults
        .push(snapshot_failure(1_100, "counter#1", SnapshotPhase::Async));
    let sim = run(s);
    let declined = failed_with(&sim, FailureReason::CheckpointAsyncException);
    assert_eq!(declined.len(), 1);
    let e = &declined[0];
    assert!(e.trigger_timestamp.as_ms() > 1_100);
    assert!(e.num_acknowledged_subtasks < e.num_subtasks);
    // The next checkpoint completes.
    assert_eq!(entry(&sim, e.id.0 + 1).status, CheckpointStatus::Completed);
    assert_clean(&sim);
}

#[test]
fn aborted_checkpoint_sends_a_cancel_marker_that_unblocks_aligning_tasks_downstream() {
    // counter#1 is slow, so the sink gets counter#0's barrier first and blocks that channel.
    // counter#0's upload then fails: the coordinator aborts the checkpoint, counter#1 skips
    // its snapshot when its barrier comes and sends a CancelCheckpointMarker instead; the
    // sink aborts its alignment (CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER) and unblocks.
    let mut s = pipeline();
    s.checkpointing.tolerable_failed = 5;
    operator_mut(&mut s, "counter").process_ms = Some(5.0);
    s.faults.push(slow(1_000, "counter#1", 20.0, 3_000));
    s.faults
        .push(snapshot_failure(1_100, "counter#0", SnapshotPhase::Async));
    let mut sim = Simulation::new(s).unwrap();
    let sink = sim.graph().subtask_by_name("sink#0").unwrap();
    let from_counter0 = sim.graph().subtasks[sink.idx()].inputs[0];
    // Times the channel became blocked.
    let mut blocked_at = Vec::new();
    let mut was_blocked = false;
    while sim.now().as_ms() < 5_000 {
        sim.step();
        let blocked = sim.channels()[from_counter0.idx()].blocked;
        if blocked && !was_blocked {
            blocked_at.push(sim.now().as_ms());
        }
        was_blocked = blocked;
    }
    let declined = failed_with(&sim, FailureReason::CheckpointAsyncException);
    assert_eq!(declined.len(), 1, "{:?}", ids(&sim));
    let id = declined[0].id;
    let cancels = log_lines(
        &sim,
        &format!("sink#0 aborts checkpoint {id} (CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER)"),
    );
    assert_eq!(cancels.len(), 1, "{:?}", log_lines(&sim, "checkpoint"));
    let cancelled_at: u64 = cancels[0].split(' ').next().unwrap().parse().unwrap();
    let blocked_since = blocked_at
        .iter()
        .copied()
        .filter(|&t| t <= cancelled_at)
        .max()
        .expect("the sink blocked counter#0's channel");
    assert!(
        blocked_since >= declined[0].trigger_timestamp.as_ms() && cancelled_at > blocked_since + 50,
        "blocked at {blocked_since}, cancelled at {cancelled_at}"
    );
    assert!(sim.channels().iter().all(|c| !c.blocked));
    assert_clean(&sim);
}

#[test]
fn switching_live_from_unaligned_to_at_least_once_loses_no_record() {
    // A checkpoint triggered unaligned-with-alignment-timeout is still in flight when the
    // settings switch to AT_LEAST_ONCE. Its barriers already sent as priority events overtook
    // queued records; those must still be persisted as channel state, or a restore from that
    // checkpoint skips them (it recorded source offsets past them).
    let mut s = backpressured(CheckpointingMode::ExactlyOnce, true);
    s.duration_ms = 15_000;
    s.checkpointing.aligned_timeout_ms = 200;
    s.checkpointing.timeout_ms = 600_000;
    let mut probe = Simulation::new(s.clone()).unwrap();
    run_until(&mut probe, 4_000);
    let cp = history(&probe)
        .into_iter()
        .find(|e| e.trigger_timestamp.as_ms() > 3_000)
        .expect("a checkpoint after 3 s")
        .id;
    let switch_at = entry(&probe, cp.0).trigger_timestamp.as_ms() + 20;
    let mut sim = Simulation::new(s).unwrap();
    run_until(&mut sim, switch_at);
    let mut cfg = sim.scenario().checkpointing.clone();
    cfg.mode = CheckpointingMode::AtLeastOnce;
    cfg.unaligned = false;
    cfg.aligned_timeout_ms = 0;
    sim.apply_checkpointing(cfg).unwrap();
    // Kill the sink as soon as that checkpoint completes: the restore uses it.
    while entry(&sim, cp.0).status != CheckpointStatus::Completed {
        assert!(
            sim.now().as_ms() < 12_000,
            "checkpoint {cp} never completed"
        );
        sim.step();
    }
    let now = sim.now().as_ms();
    sim.inject(kill(now, "sink#0")).unwrap();
    sim.run_to_end();
    assert_eq!(sim.job().restarts[0].restored_checkpoint_id, Some(cp));
    assert!(entry(&sim, cp.0).persisted_data > 0);
    assert_eq!(sim.exactly_once().lost, 0);
    assert_clean(&sim);
}

#[test]
fn at_least_once_counts_at_most_50_checkpoints_and_drops_the_oldest() {
    // A checkpoint every 10 ms, up to 200 at once, and a sink whose input from the slow
    // counter#0 lags by seconds: the sink would have to count barriers of more than 50
    // checkpoints. As Flink's CheckpointBarrierTracker, it keeps 50 and forgets the oldest,
    // which then cannot complete and is subsumed once a newer one completes.
    let mut s = backpressured(CheckpointingMode::AtLeastOnce, false);
    s.duration_ms = 12_000;
    s.checkpointing.interval_ms = Some(10);
    s.checkpointing.max_concurrent = 200;
    s.checkpointing.timeout_ms = 600_000;
    let mut sim = Simulation::new(s).unwrap();
    let mut most = 0;
    let end = sim.end_time();
    while sim.next_event_time().map(|t| t <= end).unwrap_or(false) {
        sim.step();
        for t in sim.tasks() {
            most = most.max(t.alignment().is_some() as usize + t.barriers.newer().count());
        }
    }
    assert_eq!(most, barrierscope::sim::task::MAX_CHECKPOINTS_TO_TRACK);
    let subsumed = failed_with(&sim, FailureReason::CheckpointSubsumed);
    assert!(subsumed.len() > 100, "{}", subsumed.len());
    assert!(subsumed.iter().all(|e| e.num_acknowledged_subtasks == 4));
    assert!(failed_with(&sim, FailureReason::CheckpointDeclinedSubsumed).is_empty());
    assert!(sim.stats().counts.completed > 300);
    assert_clean(&sim);
}
