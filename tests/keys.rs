//! Keys: how many a source's records carry by default (`JobSpec::default_key_space`), that a
//! keyed operator's state counts every one of them, and that with the default a large
//! hash-partitioned job moves what its sources are asked to emit (Flink's load spread over
//! many keys), while a job with few keys and many subtasks is skewed, as in Flink.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use barrierscope::sim::scenario::{
    default_key_space, CheckpointingMode, OperatorKind, Partitioning, Scenario,
};
use barrierscope::sim::stats::CheckpointStatus;
use barrierscope::sim::Simulation;
use common::*;

#[test]
fn default_key_space_is_128_or_64_per_subtask_of_the_widest_hash_consumer() {
    assert_eq!(default_key_space(0), 128, "no hash edge");
    assert_eq!(default_key_space(2), 128, "the lessons keep 128 keys");
    assert_eq!(default_key_space(3), 192);
    assert_eq!(default_key_space(256), 16_384);
    assert_eq!(
        default_key_space(u32::MAX),
        1_000_000,
        "capped at the largest key_space"
    );

    let mut s = pipeline();
    assert_eq!(s.job.default_key_space(), 128);
    operator_mut(&mut s, "counter").parallelism = 100;
    assert_eq!(s.job.default_key_space(), 6_400);
    let source = s.job.operators[0].clone();
    assert_eq!(s.job.key_space(&source), 6_400);
    // A rebalance edge spreads records without keys: its consumer does not count.
    operator_mut(&mut s, "sink").parallelism = 400;
    assert_eq!(s.job.default_key_space(), 6_400);
    // A source's own key_space wins, and the keyed operator sees that many keys.
    operator_mut(&mut s, "source").key_space = Some(50);
    let (source, counter) = (s.job.operators[0].clone(), s.job.operators[1].clone());
    assert_eq!(s.job.key_space(&source), 50);
    assert_eq!(s.job.key_space(&counter), 50);
}

/// The keyed subtasks' state in the newest completed checkpoint, in bytes.
fn keyed_state(s: Scenario, until_ms: u64) -> u64 {
    let mut sim = Simulation::new(s).unwrap();
    run_until(&mut sim, until_ms);
    let done = history(&sim)
        .into_iter()
        .filter(|e| e.status == CheckpointStatus::Completed && e.subtasks.is_some())
        .max_by_key(|e| e.id)
        .expect("a completed checkpoint with subtask details");
    let subtasks = done.subtasks.unwrap();
    // pipeline(): source#0, source#1, then counter#0, counter#1.
    (2..4)
        .map(|i| subtasks[i].as_ref().unwrap().metrics.state_size)
        .sum()
}

#[test]
fn keyed_state_counts_every_key_its_sources_carry() {
    let mut s = pipeline();
    s.duration_ms = 40_000;
    operator_mut(&mut s, "source").key_space = Some(1_000);
    operator_mut(&mut s, "counter").state_bytes_per_key = Some(1);
    // 100 records/s for 30 s draw about 95% of 1,000 keys: far more than 128.
    let keys = keyed_state(s.clone(), 31_000);
    assert!(
        (800..=1_000).contains(&keys),
        "keyed state counts {keys} keys of 1,000"
    );
    operator_mut(&mut s, "source").key_space = Some(100);
    let keys = keyed_state(s, 31_000);
    assert_eq!(keys, 100, "every one of 100 keys is seen in 30 s");
}

/// source (p) -hash-> keyed (p) -forward-> sink (p): sources at `rate` records/s of 100 bytes,
/// 10 us of work per record in the keyed operator and the sink, no checkpoints in the way.
fn wide(p: u32, rate: f64, key_space: Option<u32>) -> Scenario {
    let mut s = pipeline();
    s.duration_ms = 5_000;
    s.checkpointing.interval_ms = Some(60_000);
    s.checkpointing.mode = CheckpointingMode::ExactlyOnce;
    s.network.record_bytes = 100;
    let mut source = op("source", OperatorKind::Source, p);
    source.records_per_sec = Some(rate);
    source.key_space = key_space;
    let mut keyed = op("counter", OperatorKind::Keyed, p);
    keyed.process_ms = Some(0.01);
    let mut sink = op("sink", OperatorKind::Sink, p);
    sink.process_ms = Some(0.01);
    s.job.operators = vec![source, keyed, sink];
    s.job.edges = vec![
        edge("source", "counter", Partitioning::Hash),
        edge("counter", "sink", Partitioning::Forward),
    ];
    s
}

/// (records the sources wrote per second of RUNNING / asked, their backpressured ms per s).
fn source_rate(s: Scenario) -> (f64, u64) {
    let mut sim = Simulation::new(s).unwrap();
    run_until(&mut sim, 5_000);
    let v = &sim.vertex_figures()[0];
    (
        v.num_records_out_per_second / v.asked_records_per_second.unwrap(),
        v.back_pressured_time_ms_per_second,
    )
}

#[test]
fn wide_hash_partitioned_job_moves_its_sources_rate_with_the_default_keys() {
    // 16 keyed subtasks at 80% busy on average: with 128 keys some held 16 or more and
    // saturated, backpressuring every source (83% of the rate, before the default scaled).
    let (moved, backpressured) = source_rate(wide(16, 80_000.0, None));
    assert!(moved > 0.99, "moved {moved} of the asked rate");
    assert_eq!(backpressured, 0);
}

#[test]
fn few_keys_over_many_subtasks_backpressure_the_sources() {
    // The same job with 128 keys set explicitly: the subtasks' shares of the keys differ, and the
    // busiest cannot keep up (Flink's skew from a small key space).
    let (moved, backpressured) = source_rate(wide(16, 80_000.0, Some(128)));
    assert!(moved < 0.95, "moved {moved} of the asked rate");
    assert!(backpressured > 50, "backpressured {backpressured} ms/s");
}
