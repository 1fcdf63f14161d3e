//! The CheckpointCoordinator (reference §1, §2): the periodic trigger, the request queue and its
//! pre-checks (min pause, max concurrent, savepoints, too many requests, tasks not running),
//! IDs, acknowledgements, completion, the completed store, subsumption, notifyCheckpointComplete
//! and two-phase commit, timeouts and late acks, and live configuration changes.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use barrierscope::sim::coordinator::{CheckpointRequest, Coordinator, RequestKind};
use barrierscope::sim::ids::{CheckpointId, SimTime};
use barrierscope::sim::scenario::Scenario;
use barrierscope::sim::scenario::{CheckpointingSpec, ScenarioError};
use barrierscope::sim::stats::CheckpointStatus;
use barrierscope::sim::{FailureReason, RpcKind, Simulation};
use common::*;

/// The pipeline with a sink that uploads for `ms`: every checkpoint lasts a bit longer.
fn slow_sink(ms: f64) -> barrierscope::sim::scenario::Scenario {
    let mut s = pipeline();
    operator_mut(&mut s, "sink").snapshot_async_ms = Some(ms);
    s
}

fn trigger_failures(sim: &Simulation, reason: FailureReason) -> u64 {
    sim.coordinator()
        .trigger_failures
        .get(reason.name())
        .copied()
        .unwrap_or(0)
}

// ----- the periodic trigger -----

#[test]
fn first_periodic_trigger_comes_min_pause_after_every_task_runs() {
    // Flink 2.3: 16-35 ms after RUNNING with min pause 0, 811 ms with min pause 800; the seed
    // plays no part.
    for (seed, min_pause) in [(0, 0), (7, 0), (0, 300), (7, 800)] {
        let mut s = pipeline();
        s.seed = seed;
        s.duration_ms = 1_100;
        s.checkpointing.min_pause_ms = min_pause;
        let sim = run(s);
        let first = entry(&sim, 1).trigger_timestamp.as_ms();
        assert_eq!(first, min_pause, "seed {seed}, min pause {min_pause}");
    }
}

#[test]
fn after_a_restart_the_scheduler_starts_with_the_redeploy_and_its_first_attempt_fails() {
    // Flink 2.3: the job is RUNNING again when its tasks are redeployed; the scheduler's first
    // attempt finds them still restoring (NOT_ALL_REQUIRED_TASKS_RUNNING, counted, no ID) and
    // the first checkpoint after the restart comes one interval later.
    let mut s = pipeline();
    s.duration_ms = 6_000;
    s.faults.push(kill(2_500, "counter#1"));
    let sim = run(s);
    let restart = log_lines(&sim, "subtasks restore from checkpoint");
    assert_eq!(restart.len(), 1, "{restart:?}");
    let at: u64 = restart[0].split(' ').next().unwrap().parse().unwrap();
    assert_eq!(at, 3_000); // the kill plus the 500 ms restart delay
    assert_eq!(
        trigger_failures(&sim, FailureReason::NotAllRequiredTasksRunning),
        1
    );
    let first_after = trigger_times(&sim)
        .into_iter()
        .find(|&t| t > 2_500)
        .expect("a trigger after the restart");
    assert_eq!(first_after, at + 1_000);
    let c = sim.stats().counts;
    let rows = history(&sim).len() as u64;
    assert_eq!(c.total, rows + 1, "the failed attempt is in counts.total");
}

#[test]
fn periodic_trigger_is_fixed_rate_not_interval_after_completion() {
    // Each checkpoint takes ~410 ms; triggers are still exactly 1000 ms apart.
    let sim = run(slow_sink(400.0));
    let t = trigger_times(&sim);
    assert_eq!(t, [0, 1_000, 2_000, 3_000, 4_000, 5_000]);
    assert!(completed(&sim)
        .iter()
        .all(|e| e.end_to_end_duration_us() > 400_000));
}

#[test]
fn interval_below_min_pause_is_raised_to_min_pause() {
    let mut s = pipeline();
    s.duration_ms = 8_000;
    s.checkpointing.interval_ms = Some(1_000);
    s.checkpointing.min_pause_ms = 1_500;
    assert_eq!(s.checkpointing.effective_interval_ms(), Some(1_500));
    let sim = run(s);
    let h = history(&sim);
    // The first trigger is drawn from [min_pause, interval] = [1500, 1500].
    assert_eq!(h[0].trigger_timestamp.as_ms(), 1_500);
    for w in h.windows(2) {
        let gap = w[1].trigger_timestamp.since(w[0].trigger_timestamp).as_ms();
        assert!(gap >= 1_500, "{gap}");
        assert!(
            w[1].trigger_timestamp.as_ms() >= w[0].completion_timestamp.unwrap().as_ms() + 1_500
        );
    }
    // 1500, then last completion (~33 ms later) + 1500 each time.
    assert_eq!(h.len(), 5);
}

#[test]
fn min_pause_fails_an_early_periodic_trigger_and_reschedules_it_to_the_earliest_allowed_time() {
    // Checkpoints take ~610 ms, the interval is 1000 ms and the min pause 500 ms: each periodic
    // trigger comes too early and is moved to `last completion + 500 ms`.
    let mut s = slow_sink(600.0);
    s.duration_ms = 8_000;
    s.checkpointing.min_pause_ms = 500;
    let sim = run(s);
    let h = history(&sim);
    assert!(h.len() >= 5);
    for w in h.windows(2) {
        let earliest = w[0].completion_timestamp.unwrap().as_ms() + 500;
        assert_eq!(
            w[1].trigger_timestamp.as_ms(),
            earliest,
            "checkpoint {}",
            w[1].id
        );
    }
    assert!(
        trigger_failures(&sim, FailureReason::MinimumTimeBetweenCheckpoints) >= h.len() as u64 - 2
    );
    // A pre-flight failure takes no ID and no row in the history.
    assert_eq!(ids(&sim), (1..=h.len() as u64).collect::<Vec<_>>());
    assert_eq!(sim.stats().counts.failed, 0);
}

#[test]
fn checkpointing_off_triggers_nothing() {
    let mut s = pipeline();
    s.checkpointing.interval_ms = None;
    let sim = run(s);
    assert!(history(&sim).is_empty());
    assert_eq!(sim.coordinator().next_trigger_at, None);
    assert!(sim.oracle().committed_records == 0);
}

// ----- max concurrent, savepoints, the request queue -----

#[test]
fn never_more_than_max_concurrent_checkpoints_in_progress() {
    for n in 1..=3u32 {
        let mut s = slow_sink(2_500.0);
        s.duration_ms = 10_000;
        s.checkpointing.interval_ms = Some(500);
        s.checkpointing.max_concurrent = n;
        let sim = run(s);
        assert_eq!(
            max_in_progress(&sim, true),
            n as usize,
            "max_concurrent {n}"
        );
        assert!(sim.stats().counts.completed >= 3);
    }
}

#[test]
fn queued_request_is_triggered_when_the_pending_checkpoint_completes() {
    let mut s = slow_sink(2_500.0);
    s.duration_ms = 10_000;
    let sim = run(s);
    let h = history(&sim);
    for w in h.windows(2) {
        assert_eq!(w[1].trigger_timestamp, w[0].completion_timestamp.unwrap());
    }
}

#[test]
fn savepoint_passes_max_concurrent() {
    let mut s = slow_sink(2_500.0);
    s.duration_ms = 8_000;
    let mut probe = Simulation::new(s.clone()).unwrap();
    probe.run_to_end();
    let e1 = entry(&probe, 1);
    let at = e1.trigger_timestamp.as_ms() + 500; // checkpoint 1 is in progress
    s.faults.push(trigger_savepoint(at));
    let sim = run(s);
    let sp = entry(&sim, 2);
    assert!(sp.is_savepoint);
    assert_eq!(sp.trigger_timestamp.as_ms(), at);
    assert_eq!(entry(&sim, 1).status, CheckpointStatus::Completed);
    assert_eq!(max_in_progress(&sim, true), 2);
    assert_eq!(max_in_progress(&sim, false), 1);
}

#[test]
fn manual_checkpoint_waits_for_max_concurrent() {
    let mut s = slow_sink(2_500.0);
    s.duration_ms = 8_000;
    let mut probe = Simulation::new(s.clone()).unwrap();
    probe.run_to_end();
    let e1 = entry(&probe, 1);
    s.faults
        .push(trigger_checkpoint(e1.trigger_timestamp.as_ms() + 500));
    let sim = run(s);
    assert_eq!(
        entry(&sim, 2).trigger_timestamp,
        entry(&sim, 1).completion_timestamp.unwrap()
    );
    assert_eq!(max_in_progress(&sim, true), 1);
}

#[test]
fn request_queue_serves_savepoints_first_then_manual_then_periodic() {
    let mut c = Coordinator::new(CheckpointingSpec::default());
    let req = |kind, ms| CheckpointRequest {
        kind,
        at: SimTime::from_ms(ms),
    };
    assert!(c.enqueue(req(RequestKind::Periodic, 1)));
    assert!(c.enqueue(req(RequestKind::Manual, 2)));
    assert!(c.enqueue(req(RequestKind::Periodic, 3)));
    assert!(c.enqueue(req(RequestKind::Savepoint, 4)));
    assert!(c.enqueue(req(RequestKind::Manual, 5)));
    let order: Vec<(RequestKind, u64)> =
        c.requests.iter().map(|r| (r.kind, r.at.as_ms())).collect();
    assert_eq!(
        order,
        vec![
            (RequestKind::Savepoint, 4),
            (RequestKind::Manual, 2),
            (RequestKind::Manual, 5),
            (RequestKind::Periodic, 1),
            (RequestKind::Periodic, 3),
        ]
    );
}

#[test]
fn more_than_1000_queued_requests_fail_with_too_many_checkpoint_requests() {
    let mut s = slow_sink(3_000.0);
    s.duration_ms = 10_000;
    let mut probe = Simulation::new(s.clone()).unwrap();
    run_until(&mut probe, 2_000);
    let at = entry(&probe, 1).trigger_timestamp.as_ms() + 10;
    for _ in 0..1_010 {
        s.faults.push(trigger_checkpoint(at));
    }
    let mut sim = Simulation::new(s).unwrap();
    run_until(&mut sim, at + 1);
    assert_eq!(sim.coordinator().requests.len(), 1_000);
    assert_eq!(
        trigger_failures(&sim, FailureReason::TooManyCheckpointRequests),
        10
    );
    assert_eq!(sim.stats().counts.total, 1);
}

#[test]
fn trigger_while_a_task_is_not_running_fails_with_not_all_required_tasks_running() {
    let mut s = pipeline();
    s.faults.push(kill(2_200, "counter#0"));
    s.faults.push(trigger_checkpoint(2_300)); // restart at 2700
    let sim = run(s);
    // The manual trigger during the restart, and the restarted scheduler's first attempt
    // while the tasks restore: both fail before an ID and both count, as Flink counts them.
    assert_eq!(
        trigger_failures(&sim, FailureReason::NotAllRequiredTasksRunning),
        2
    );
    let failed_rows = history(&sim)
        .iter()
        .filter(|e| e.status == CheckpointStatus::Failed)
        .count() as u64;
    assert_eq!(sim.stats().counts.failed, failed_rows + 2);
    assert!(history(&sim)
        .iter()
        .all(|e| !(2_200..2_700).contains(&e.trigger_timestamp.as_ms())));
}

// ----- IDs, acks, completion -----

#[test]
fn checkpoint_ids_start_at_one_and_increase_by_one() {
    let mut s = pipeline();
    s.faults.push(trigger_savepoint(2_500));
    s.faults.push(trigger_checkpoint(3_200));
    let sim = run(s);
    // Periodic triggers at 0, 1000, ..., 5000 plus the savepoint and the manual checkpoint.
    assert_eq!(ids(&sim), (1..=8).collect::<Vec<_>>());
    assert_eq!(sim.coordinator().next_id, 9);
}

#[test]
fn completed_store_keeps_num_retained_newest_checkpoints() {
    for retained in [1u32, 3] {
        let mut s = pipeline();
        s.duration_ms = 8_000;
        s.checkpointing.num_retained = retained;
        let sim = run(s);
        let done: Vec<CheckpointId> = completed(&sim).iter().map(|e| e.id).collect();
        let expect = done[done.len() - retained as usize..].to_vec();
        assert_eq!(sim.coordinator().store.retained_ids(), expect);
        assert_eq!(sim.report().barrierscope.retained.len(), retained as usize);
    }
}

#[test]
fn completion_of_a_newer_checkpoint_subsumes_older_pending_ones() {
    // max_concurrent 2; the counter's ack of one checkpoint is lost, so it waits for its
    // 10 min timeout, but the next checkpoint completes and subsumes it.
    let mut s = pipeline();
    s.checkpointing.max_concurrent = 2;
    s.checkpointing.tolerable_failed = 0;
    s.faults.push(drop_ack(2_000, "counter#1"));
    let sim = run(s);
    let subsumed = failed_with(&sim, FailureReason::CheckpointSubsumed);
    assert_eq!(subsumed.len(), 1);
    let old = &subsumed[0];
    let newer = entry(&sim, old.id.0 + 1);
    assert_eq!(newer.status, CheckpointStatus::Completed);
    assert_eq!(old.failure_timestamp, newer.completion_timestamp);
    assert_eq!(old.num_acknowledged_subtasks, 4);
    // Subsumption does not count toward tolerable failed checkpoints.
    assert!(sim.job().restarts.is_empty());
    assert_eq!(
        sim.coordinator().failure_manager.continuous_failure_counter,
        0
    );
}

#[test]
fn savepoints_are_never_subsumed_and_their_failures_do_not_count() {
    let mut s = pipeline();
    s.duration_ms = 8_000;
    s.checkpointing.max_concurrent = 2;
    s.checkpointing.timeout_ms = 3_000;
    s.checkpointing.tolerable_failed = 0;
    let mut probe = Simulation::new(s.clone()).unwrap();
    probe.run_to_end();
    let at = entry(&probe, 2).completion_timestamp.unwrap().as_ms() + 10;
    s.faults.push(drop_ack(at, "sink#0"));
    s.faults.push(trigger_savepoint(at));
    let sim = run(s);
    let sp = entry(&sim, 3);
    assert!(sp.is_savepoint);
    // Checkpoint 4 completed while the savepoint was pending; the savepoint went on to expire.
    let c4 = entry(&sim, 4);
    assert_eq!(c4.status, CheckpointStatus::Completed);
    assert!(c4.completion_timestamp.unwrap() < sp.failure_timestamp.unwrap());
    assert_eq!(sp.failure_reason, Some(FailureReason::CheckpointExpired));
    assert!(sim.job().restarts.is_empty());
}

#[test]
fn savepoint_is_in_the_history_but_not_in_the_completed_store() {
    let mut s = slow_sink(600.0);
    s.duration_ms = 8_000;
    s.checkpointing.interval_ms = Some(2_000);
    s.checkpointing.num_retained = 5;
    s.faults.push(trigger_savepoint(3_100));
    let sim = run(s);
    let sp = history(&sim).into_iter().find(|e| e.is_savepoint).unwrap();
    assert_eq!(sp.status, CheckpointStatus::Completed);
    assert_eq!(sp.checkpoint_type(), "SAVEPOINT");
    assert_eq!(sim.stats().latest_savepoint, Some(sp.id));
    assert_eq!(sim.latest_savepoint().map(|c| c.id), Some(sp.id));
    assert!(!sim.coordinator().store.retained_ids().contains(&sp.id));
    assert_ne!(sim.stats().latest_completed, Some(sp.id));
    let report = sim.report();
    assert_eq!(report.latest.savepoint.map(|e| e.id), Some(sp.id.0));
    assert!(!report.barrierscope.retained.contains(&sp.id.0));
}

/// Steps the run to its end and returns every instant the sink's committed output grew.
fn commit_times(sim: &mut Simulation) -> Vec<SimTime> {
    let mut times = Vec::new();
    let mut last = sim.external().committed_transactions;
    let end = sim.end_time();
    while sim.next_event_time().map(|t| t <= end).unwrap_or(false) {
        sim.step();
        let now = sim.external().committed_transactions;
        if now != last {
            times.push(sim.now());
            last = now;
        }
    }
    times
}

#[test]
fn two_phase_commit_sink_commits_only_on_notify_checkpoint_complete() {
    let mut sim = Simulation::new(pipeline()).unwrap();
    let times = commit_times(&mut sim);
    let done = completed(&sim);
    // notifyCheckpointComplete arrives one RPC latency (1 ms) after completion.
    let expected: Vec<SimTime> = done
        .iter()
        .map(|e| {
            e.completion_timestamp
                .unwrap()
                .plus(barrierscope::sim::ids::SimDuration::from_ms(1))
        })
        .collect();
    assert_eq!(times, expected);
    assert_eq!(sim.external().committed_transactions, done.len() as u64);
    assert!(sim.external().committed_records > 100);
    assert_eq!(
        sim.oracle().committed_records,
        sim.external().committed_records
    );
}

#[test]
fn savepoint_sends_no_notify_checkpoint_complete() {
    let mut s = pipeline();
    s.checkpointing.interval_ms = Some(2_000);
    s.duration_ms = 9_000;
    s.faults.push(trigger_savepoint(3_100));
    let mut probe = Simulation::new(s.clone()).unwrap();
    let times = commit_times(&mut probe);
    let sp = history(&probe)
        .into_iter()
        .find(|e| e.is_savepoint)
        .unwrap();
    let sp_done = sp.completion_timestamp.unwrap().as_ms();
    // One commit per completed checkpoint; none for the savepoint.
    assert_eq!(times.len(), completed(&probe).len() - 1);
    assert!(times.iter().all(|t| t.as_ms().abs_diff(sp_done) > 5));

    let mut sim = Simulation::new(s).unwrap();
    let sink = sim.graph().subtask_by_name("sink#0").unwrap();
    run_until(&mut sim, sp_done + 10);
    assert!(sim.external().committed_up_to[&sink] < sp.id);
    match &sim.tasks()[sink.idx()].state {
        barrierscope::sim::snapshot::OperatorState::Sink { pending, .. } => {
            assert!(
                pending.contains_key(&sp.id),
                "{:?}",
                pending.keys().collect::<Vec<_>>()
            )
        }
        other => panic!("{other:?}"),
    }
    // The savepoint's transaction is committed by the next checkpoint's notification.
    let next = entry(&probe, sp.id.0 + 1);
    assert_eq!(next.status, CheckpointStatus::Completed);
    run_until(&mut sim, next.completion_timestamp.unwrap().as_ms() + 10);
    assert_eq!(sim.external().committed_up_to[&sink], next.id);
}

// ----- timeouts -----

#[test]
fn checkpoint_not_acknowledged_within_the_timeout_expires() {
    let mut s = pipeline();
    s.checkpointing.timeout_ms = 1_500;
    s.checkpointing.tolerable_failed = 5;
    s.faults.push(drop_ack(1_100, "counter#0"));
    let sim = run(s);
    let expired = failed_with(&sim, FailureReason::CheckpointExpired);
    assert_eq!(expired.len(), 1);
    let e = &expired[0];
    assert_eq!(
        e.failure_timestamp
            .unwrap()
            .since(e.trigger_timestamp)
            .as_ms(),
        1_500
    );
    assert_eq!(e.num_acknowledged_subtasks, 4);
    assert_eq!(e.end_to_end_duration_us(), 1_500_000);
    assert!(sim.coordinator().recently_expired.contains(&e.id));
}

#[test]
fn late_ack_after_expiry_is_discarded_without_harm() {
    // RPCs take 50 ms. The counter's ack leaves ~960 ms after the trigger and arrives ~50 ms
    // later, after the 1 s timeout: every checkpoint expires and each counter ack is late.
    let mut s = pipeline();
    s.duration_ms = 8_000;
    s.network.rpc_latency_ms = 50.0;
    s.checkpointing.timeout_ms = 1_000;
    s.checkpointing.tolerable_failed = 100;
    operator_mut(&mut s, "counter").snapshot_async_ms = Some(900.0);
    let sim = run(s);
    let h = history(&sim);
    assert!(h.len() >= 3);
    assert!(h
        .iter()
        .filter(|e| e.status != CheckpointStatus::InProgress)
        .all(|e| e.failure_reason == Some(FailureReason::CheckpointExpired)));
    let late = log_lines(&sim, "DISCARDED (late ack");
    assert!(late.len() >= 2, "{:?}", log_lines(&sim, "ack"));
    assert!(sim.coordinator().recently_expired.len() <= 16);
    assert_eq!(sim.stats().counts.completed, 0);
}

#[test]
fn end_to_end_duration_is_latest_ack_minus_trigger_or_failure_minus_trigger() {
    let mut s = pipeline();
    s.checkpointing.timeout_ms = 1_500;
    s.checkpointing.tolerable_failed = 5;
    s.faults.push(drop_ack(1_100, "counter#0"));
    let sim = run(s);
    let report = sim.report();
    for row in &report.history {
        let e = entry(&sim, row.id);
        let expect = match e.status {
            CheckpointStatus::Completed => {
                e.latest_ack_timestamp.unwrap().as_ms() - row.trigger_timestamp
            }
            CheckpointStatus::Failed => {
                e.failure_timestamp.unwrap().as_ms() - row.trigger_timestamp
            }
            CheckpointStatus::InProgress => continue,
        };
        assert!(
            row.end_to_end_duration.abs_diff(expect) <= 1,
            "{}: {} vs {expect}",
            row.id,
            row.end_to_end_duration
        );
    }
    assert!(report.history.iter().any(|r| r.status == "FAILED"));
}

// ----- live configuration -----

#[test]
fn apply_checkpointing_changes_the_interval_live_and_is_recorded() {
    let mut sim = Simulation::new(pipeline()).unwrap();
    run_until(&mut sim, 2_000);
    let before = sim.stats().counts.total;
    let mut cfg = sim.scenario().checkpointing.clone();
    cfg.interval_ms = Some(200);
    sim.apply_checkpointing(cfg).unwrap();
    run_until(&mut sim, 4_000);
    let after = sim.stats().counts.total - before;
    assert!(after >= 8, "{after} checkpoints in 2 s at 200 ms");
    assert_eq!(sim.inputs().len(), 1);
}

#[test]
fn apply_checkpointing_rejects_an_invalid_configuration_with_its_field() {
    let mut sim = Simulation::new(pipeline()).unwrap();
    let mut cfg = sim.scenario().checkpointing.clone();
    cfg.unaligned = true;
    cfg.max_concurrent = 2;
    let err = sim.apply_checkpointing(cfg).unwrap_err();
    assert!(
        matches!(&err, ScenarioError::Invalid { field, .. } if field == "checkpointing.unaligned"),
        "{err}"
    );
    assert!(sim.inputs().is_empty());
    assert_eq!(sim.coordinator().config.max_concurrent, 1);
}

#[test]
fn lowering_num_retained_live_discards_the_oldest_retained() {
    let mut s = pipeline();
    s.checkpointing.num_retained = 3;
    let mut sim = Simulation::new(s).unwrap();
    sim.run_to_end();
    assert_eq!(sim.coordinator().store.retained_ids().len(), 3);
    let newest = *sim.coordinator().store.retained_ids().last().unwrap();
    let mut cfg = sim.scenario().checkpointing.clone();
    cfg.num_retained = 1;
    sim.apply_checkpointing(cfg).unwrap();
    assert_eq!(sim.coordinator().store.retained_ids(), vec![newest]);
}

/// Steps `sim` until `task`'s ack of checkpoint `id` is in flight; returns when it arrives.
fn step_to_ack_in_flight(sim: &mut Simulation, task: &str, id: u64) -> SimTime {
    let t = sim.graph().subtask_by_name(task).unwrap();
    while sim.step() {
        if let Some(r) = sim
            .rpcs_in_flight()
            .find(|r| r.kind == RpcKind::Ack && r.task == t && r.id.0 == id)
        {
            return r.arrives_at;
        }
    }
    panic!("no ack of checkpoint {id} from {task} in flight");
}

/// The whole millisecond at which `task`'s ack of checkpoint `id` arrives; a fault of the file
/// at that millisecond fires before it (faults of the file are scheduled first).
fn ack_arrival_ms(s: &Scenario, task: &str, id: u64) -> u64 {
    let mut sim = Simulation::new(s.clone()).unwrap();
    let arrives = step_to_ack_in_flight(&mut sim, task, id);
    assert_eq!(SimTime::from_ms(arrives.as_ms()), arrives);
    arrives.as_ms()
}

fn assert_lost_and_never_completed(sim: &Simulation) {
    let c1 = entry(sim, 1);
    assert_ne!(c1.status, CheckpointStatus::Completed);
    assert!(matches!(
        c1.failure_reason,
        Some(FailureReason::CheckpointSubsumed | FailureReason::CheckpointExpired)
    ));
    // Every other subtask's ack arrived; the lost one never did.
    assert_eq!(c1.num_acknowledged_subtasks, c1.num_subtasks - 1);
    assert_eq!(entry(sim, 2).status, CheckpointStatus::Completed);
    let log: Vec<String> = sim.log_entries().iter().map(|l| l.text.clone()).collect();
    assert!(
        log.iter().any(|l| l.contains(
            "the acknowledgeCheckpoint RPC of checkpoint 1 from counter#1 to the CheckpointCoordinator is lost"
        )),
        "{log:#?}"
    );
}

#[test]
fn lose_ack_in_the_file_loses_the_ack_in_flight_so_that_checkpoint_cannot_complete() {
    let mut s = pipeline();
    s.checkpointing.max_concurrent = 2;
    let at = ack_arrival_ms(&s, "counter#1", 1);
    s.faults.push(lose_ack(at, "counter#1", 1));
    assert_lost_and_never_completed(&run(s));
}

#[test]
fn lose_ack_injected_while_the_ack_is_in_flight_loses_it() {
    // The UI's click on an ack in flight: paused between two events, inject at once.
    let mut s = pipeline();
    s.checkpointing.max_concurrent = 2;
    let mut sim = Simulation::new(s).unwrap();
    step_to_ack_in_flight(&mut sim, "counter#1", 1);
    sim.inject(lose_ack(0, "counter#1", 1)).unwrap();
    sim.run_to_end();
    assert_lost_and_never_completed(&sim);
}

#[test]
fn lose_ack_with_no_ack_in_flight_loses_nothing_and_says_so() {
    let s = pipeline();
    let plain = run(s.clone());
    let mut lossy = s;
    lossy.faults.push(lose_ack(10, "counter#1", 1));
    let sim = run(lossy);
    assert_eq!(history(&sim), history(&plain));
    assert!(sim.log_entries().iter().any(|l| l.text.contains(
        "no acknowledgeCheckpoint RPC of checkpoint 1 from counter#1 is in flight: nothing is lost"
    )));
}
