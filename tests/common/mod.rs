//! Helpers shared by the integration tests: a small builder for scenarios, one-line fault
//! constructors, and accessors that turn the simulation's view into plain values to assert on.
//! Every test binary includes this module with `mod common;` and uses only what it needs.
#![allow(dead_code)]

use barrierscope::sim::ids::{CheckpointId, SimTime};
pub use barrierscope::sim::scenario::SnapshotPhase;
use barrierscope::sim::scenario::{
    CheckpointingMode, EdgeSpec, Fault, FaultSpec, Intervention, JobSpec, OperatorKind,
    OperatorSpec, Partitioning, Scenario, Scheduled,
};
use barrierscope::sim::stats::{CheckpointStatsEntry, CheckpointStatus};
use barrierscope::sim::{FailureReason, Simulation};

/// An operator with every optional field left to its default.
pub fn op(name: &str, kind: OperatorKind, parallelism: u32) -> OperatorSpec {
    OperatorSpec::new(name, kind, parallelism)
}

pub fn edge(from: &str, to: &str, partitioning: Partitioning) -> EdgeSpec {
    EdgeSpec {
        from: from.into(),
        to: to.into(),
        partitioning,
    }
}

/// The job most tests use: `source` (2) -hash-> `counter` (keyed, 2) -rebalance-> `sink` (1),
/// 50 records/s per source, checkpoints every second, everything else at Flink's defaults.
/// Five subtasks, all in one failover region.
pub fn pipeline() -> Scenario {
    let mut source = op("source", OperatorKind::Source, 2);
    source.records_per_sec = Some(50.0);
    Scenario {
        name: "test".into(),
        description: String::new(),
        seed: 1,
        duration_ms: 5_000,
        job: JobSpec {
            operators: vec![
                source,
                op("counter", OperatorKind::Keyed, 2),
                op("sink", OperatorKind::Sink, 1),
            ],
            edges: vec![
                edge("source", "counter", Partitioning::Hash),
                edge("counter", "sink", Partitioning::Rebalance),
            ],
        },
        checkpointing: barrierscope::sim::scenario::CheckpointingSpec {
            interval_ms: Some(1_000),
            ..Default::default()
        },
        network: Default::default(),
        storage: Default::default(),
        restart_delay_ms: 500,
        restart_attempts: None,
        faults: vec![],
        steps: vec![],
        calibration: vec![],
    }
}

/// `source` (1) -forward-> `sink` (1): the smallest job with a channel.
pub fn two_tasks() -> Scenario {
    let mut s = pipeline();
    let mut source = op("source", OperatorKind::Source, 1);
    source.records_per_sec = Some(50.0);
    s.job = JobSpec {
        operators: vec![source, op("sink", OperatorKind::Sink, 1)],
        edges: vec![edge("source", "sink", Partitioning::Forward)],
    };
    s
}

/// The pipeline with `counter#0` made 20x slower from `from_ms` for `for_ms`: its input
/// channels fill up and the sources are backpressured.
pub fn backpressured(mode: CheckpointingMode, unaligned: bool) -> Scenario {
    let mut s = pipeline();
    s.duration_ms = 10_000;
    s.job.operators[0].records_per_sec = Some(40.0);
    s.job.operators[1].process_ms = Some(5.0);
    s.checkpointing.mode = mode;
    s.checkpointing.unaligned = unaligned;
    s.checkpointing.timeout_ms = 1_500;
    s.checkpointing.tolerable_failed = 100;
    s.faults.push(slow(2_500, "counter#0", 20.0, 6_000));
    s
}

pub fn operator_mut<'a>(s: &'a mut Scenario, name: &str) -> &'a mut OperatorSpec {
    s.job
        .operators
        .iter_mut()
        .find(|o| o.name == name)
        .expect("operator in scenario")
}

// ----- faults -----

pub fn at(at_ms: u64, fault: impl Into<Scheduled>) -> FaultSpec {
    FaultSpec::new(at_ms, fault)
}
pub fn kill(at_ms: u64, task: &str) -> FaultSpec {
    at(at_ms, Fault::Kill { task: task.into() })
}
pub fn slow(at_ms: u64, task: &str, factor: f64, duration_ms: u64) -> FaultSpec {
    at(
        at_ms,
        Fault::Slow {
            task: task.into(),
            factor,
            duration_ms,
        },
    )
}
pub fn drop_ack(at_ms: u64, task: &str) -> FaultSpec {
    at(at_ms, Fault::DropAck { task: task.into() })
}
pub fn ids_of(entries: &[CheckpointStatsEntry]) -> Vec<u64> {
    entries.iter().map(|e| e.id.0).collect()
}
/// The history without the checkpoints still in progress when the run ended.
pub fn finished(sim: &Simulation) -> Vec<CheckpointStatsEntry> {
    history(sim)
        .into_iter()
        .filter(|e| e.status != CheckpointStatus::InProgress)
        .collect()
}
pub fn snapshot_failure(at_ms: u64, task: &str, phase: SnapshotPhase) -> FaultSpec {
    at(
        at_ms,
        Fault::SnapshotFailure {
            task: task.into(),
            phase,
        },
    )
}
pub fn storage_outage(at_ms: u64, duration_ms: u64) -> FaultSpec {
    at(at_ms, Fault::StorageOutage { duration_ms })
}
pub fn coordinator_failover(at_ms: u64) -> FaultSpec {
    at(at_ms, Fault::CoordinatorFailover)
}
pub fn trigger_checkpoint(at_ms: u64) -> FaultSpec {
    at(at_ms, Intervention::TriggerCheckpoint)
}
pub fn trigger_savepoint(at_ms: u64) -> FaultSpec {
    at(at_ms, Intervention::TriggerSavepoint)
}

// ----- running -----

/// Builds and runs the scenario to its end; panics with the scenario JSON if it is invalid.
pub fn run(s: Scenario) -> Simulation {
    let json = s.to_json();
    let mut sim = Simulation::new(s).unwrap_or_else(|e| panic!("invalid scenario: {e}\n{json}"));
    sim.run_to_end();
    sim
}

/// Runs until `ms` of simulated time.
pub fn run_until(sim: &mut Simulation, ms: u64) {
    sim.run_until(SimTime::from_ms(ms));
}

pub fn ms(t: SimTime) -> u64 {
    t.as_ms()
}

// ----- reading the history -----

pub fn history(sim: &Simulation) -> Vec<CheckpointStatsEntry> {
    sim.stats().history().iter().cloned().collect()
}

pub fn entry(sim: &Simulation, id: u64) -> CheckpointStatsEntry {
    sim.stats()
        .get(CheckpointId(id))
        .unwrap_or_else(|| panic!("checkpoint {id} is not in the history"))
        .clone()
}

pub fn ids(sim: &Simulation) -> Vec<u64> {
    history(sim).iter().map(|e| e.id.0).collect()
}

pub fn completed(sim: &Simulation) -> Vec<CheckpointStatsEntry> {
    history(sim)
        .into_iter()
        .filter(|e| e.status == CheckpointStatus::Completed)
        .collect()
}

pub fn failed_with(sim: &Simulation, reason: FailureReason) -> Vec<CheckpointStatsEntry> {
    history(sim)
        .into_iter()
        .filter(|e| e.failure_reason == Some(reason))
        .collect()
}

/// Trigger times (ms) of the periodic and manual checkpoints, in ID order.
pub fn trigger_times(sim: &Simulation) -> Vec<u64> {
    history(sim)
        .iter()
        .map(|e| e.trigger_timestamp.as_ms())
        .collect()
}

/// The time a checkpoint stopped being in progress: completion or failure.
pub fn end_time(e: &CheckpointStatsEntry) -> Option<SimTime> {
    e.completion_timestamp.or(e.failure_timestamp)
}

/// Most checkpoints (savepoints excluded unless `with_savepoints`) in progress at once, from
/// the trigger and end times of the history.
pub fn max_in_progress(sim: &Simulation, with_savepoints: bool) -> usize {
    let mut events: Vec<(SimTime, i32)> = Vec::new();
    for e in history(sim) {
        if e.is_savepoint && !with_savepoints {
            continue;
        }
        events.push((e.trigger_timestamp, 1));
        events.push((end_time(&e).unwrap_or(SimTime::MAX), -1));
    }
    // At the same instant an end frees the slot before the next trigger takes it.
    events.sort_by_key(|&(t, d)| (t, d));
    let (mut cur, mut max) = (0i32, 0i32);
    for (_, d) in events {
        cur += d;
        max = max.max(cur);
    }
    max as usize
}

/// The subtask's source offset (panics for non-sources).
pub fn source_offset(sim: &Simulation, name: &str) -> u64 {
    let t = sim.graph().subtask_by_name(name).expect("subtask");
    match &sim.tasks()[t.idx()].state {
        barrierscope::sim::snapshot::OperatorState::Source { offset } => *offset,
        other => panic!("{name} is not a source: {other:?}"),
    }
}

/// Log lines containing `needle`.
pub fn log_lines(sim: &Simulation, needle: &str) -> Vec<String> {
    sim.log_entries()
        .iter()
        .filter(|l| l.text.contains(needle))
        .map(|l| format!("{} {}", l.at.as_ms(), l.text))
        .collect()
}

/// Asserts the oracles are happy and prints the scenario when they are not.
pub fn assert_clean(sim: &Simulation) {
    assert!(
        sim.invariants().violations.is_empty(),
        "invariant violations: {:?}\n{}",
        sim.invariants().violations,
        sim.scenario().to_json()
    );
    assert_eq!(
        sim.exactly_once().lost,
        0,
        "records lost\n{}",
        sim.scenario().to_json()
    );
}
pub fn lose_ack(at_ms: u64, task: &str, checkpoint: u64) -> FaultSpec {
    at(
        at_ms,
        Fault::LoseAck {
            task: task.into(),
            checkpoint,
        },
    )
}
