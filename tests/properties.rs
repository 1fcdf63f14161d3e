//! Property tests: random small scenarios (graph shapes within validation, partitioning, modes,
//! unaligned and alignment-timeout settings, max concurrent, buffers, latencies) with random
//! fault schedules of every kind. Whatever happens, the simulation must not panic, exactly-once
//! must hold in EXACTLY_ONCE mode, no mode may lose a record, a completed checkpoint must have
//! every ack, IDs must strictly increase, the invariant checker must stay silent and the same
//! seed must give byte-identical reports.
//!
//! `PROPTEST_CASES` sets the number of cases (default 64, a few seconds in debug). A failing
//! case prints its seed and the scenario JSON, which the runner replays:
//! `cargo run --release --bin barrierscope-sim -- FILE.json`.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use barrierscope::sim::scenario::{
    BufferDebloatSpec, CheckpointingMode, CheckpointingSpec, EdgeSpec, Fault, FaultSpec,
    Intervention, JobSpec, NetworkSpec, OperatorKind, OperatorSpec, Partitioning, Scenario,
    Scheduled, SnapshotPhase, StorageSpec,
};
use barrierscope::sim::stats::CheckpointStatus;
use barrierscope::sim::Simulation;
use common::{edge, op};
use proptest::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};

const PARTITIONINGS: [Partitioning; 4] = [
    Partitioning::Forward,
    Partitioning::Hash,
    Partitioning::Rebalance,
    Partitioning::Broadcast,
];

/// The shape of a random job, before it is turned into a valid `JobSpec`.
#[derive(Debug, Clone)]
struct JobGen {
    sources: Vec<(u32, f64, u32)>, // parallelism, records/s, key space
    middles: Vec<(bool, u32, f64, u64)>, // keyed?, parallelism, process ms, state bytes/key
    sinks: Vec<(u32, f64)>,        // parallelism, process ms
    /// Per non-source operator: which earlier operator feeds it, and how.
    inputs: Vec<(usize, usize)>,
    /// Extra edges: (from, to, partitioning) as raw choices.
    extra: Vec<(usize, usize, usize)>,
    snapshot: Vec<(f64, f64)>, // sync, async ms per operator (cycled)
}

fn job_gen() -> impl Strategy<Value = JobGen> {
    (
        prop::collection::vec((1u32..=3, 20.0f64..300.0, 1u32..=200), 1..=2),
        prop::collection::vec((any::<bool>(), 1u32..=3, 0.0f64..12.0, 0u64..512), 0..=2),
        prop::collection::vec((1u32..=2, 0.0f64..2.0), 1..=2),
        prop::collection::vec((0usize..8, 0usize..4), 4),
        prop::collection::vec((0usize..8, 0usize..8, 0usize..4), 0..=2),
        prop::collection::vec((0.0f64..5.0, 0.0f64..120.0), 1..=3),
    )
        .prop_map(
            |(sources, middles, sinks, inputs, extra, snapshot)| JobGen {
                sources,
                middles,
                sinks,
                inputs,
                extra,
                snapshot,
            },
        )
}

impl JobGen {
    fn build(&self) -> JobSpec {
        let mut ops: Vec<OperatorSpec> = Vec::new();
        for (i, &(p, rate, keys)) in self.sources.iter().enumerate() {
            let mut o = op(&format!("src{i}"), OperatorKind::Source, p);
            o.records_per_sec = Some(rate);
            o.key_space = Some(keys);
            ops.push(o);
        }
        for (i, &(keyed, p, process, sbpk)) in self.middles.iter().enumerate() {
            let kind = if keyed {
                OperatorKind::Keyed
            } else {
                OperatorKind::Map
            };
            let mut o = op(&format!("mid{i}"), kind, p);
            o.process_ms = Some(process);
            if keyed {
                o.state_bytes_per_key = Some(sbpk);
            }
            ops.push(o);
        }
        for (i, &(p, process)) in self.sinks.iter().enumerate() {
            let mut o = op(&format!("sink{i}"), OperatorKind::Sink, p);
            o.process_ms = Some(process);
            ops.push(o);
        }
        for (i, o) in ops.iter_mut().enumerate() {
            let (sync, asynch) = self.snapshot[i % self.snapshot.len()];
            o.snapshot_sync_ms = Some(sync);
            o.snapshot_async_ms = Some(asynch);
        }
        let n_src = self.sources.len();
        let mut edges: Vec<EdgeSpec> = Vec::new();
        let add = |edges: &mut Vec<EdgeSpec>, from: usize, to: usize, part: usize| {
            let (f, t) = (&ops[from], &ops[to]);
            if from == to
                || f.kind == OperatorKind::Sink
                || t.kind == OperatorKind::Source
                || edges.iter().any(|e| e.from == f.name && e.to == t.name)
            {
                return;
            }
            let mut partitioning = PARTITIONINGS[part % 4];
            if partitioning == Partitioning::Forward && f.parallelism != t.parallelism {
                partitioning = Partitioning::Hash;
            }
            edges.push(edge(&f.name, &t.name, partitioning));
        };
        // Every non-source operator gets an input from an earlier non-sink operator: a DAG.
        for to in n_src..ops.len() {
            let (pick, part) = self.inputs[(to - n_src) % self.inputs.len()];
            let candidates: Vec<usize> = (0..to)
                .filter(|&i| ops[i].kind != OperatorKind::Sink)
                .collect();
            let from = candidates[pick % candidates.len()];
            add(&mut edges, from, to, part);
        }
        for &(a, b, part) in &self.extra {
            let (from, to) = (a % ops.len(), b % ops.len());
            if from < to {
                add(&mut edges, from, to, part);
            }
        }
        JobSpec {
            operators: ops,
            edges,
        }
    }
}

fn checkpointing() -> impl Strategy<Value = CheckpointingSpec> {
    (
        prop::option::weighted(0.95, 20u64..600),
        any::<bool>(),
        100u64..3_000,
        prop_oneof![Just(0u64), 0u64..400],
        1u32..=3,
        0u32..=3,
        any::<bool>(),
        prop_oneof![Just(0u64), 10u64..400],
        1u32..=3,
    )
        .prop_map(
            |(
                interval,
                exactly_once,
                timeout,
                min_pause,
                max_conc,
                tolerable,
                unaligned,
                ato,
                retained,
            )| {
                let mode = if exactly_once {
                    CheckpointingMode::ExactlyOnce
                } else {
                    CheckpointingMode::AtLeastOnce
                };
                // Unaligned needs EXACTLY_ONCE and max_concurrent 1 (validation).
                let unaligned = unaligned && exactly_once;
                CheckpointingSpec {
                    interval_ms: interval,
                    mode,
                    timeout_ms: timeout,
                    min_pause_ms: min_pause,
                    max_concurrent: if unaligned { 1 } else { max_conc },
                    tolerable_failed: tolerable,
                    unaligned,
                    aligned_timeout_ms: ato,
                    num_retained: retained,
                }
            },
        )
}

fn environment() -> impl Strategy<Value = (NetworkSpec, StorageSpec)> {
    (
        (
            prop_oneof![Just(0.0f64), 0.0f64..5.0],
            prop_oneof![Just(0.0f64), 0.0f64..3.0],
            12u32..=16,
            16u64..4_096,
        ),
        (
            prop_oneof![Just(0u64), Just(100), 1u64..300],
            any::<bool>(),
            any::<bool>(),
        ),
        0.0f64..20.0,
        1_000u64..1_000_000,
    )
        .prop_map(
            |(
                (latency, rpc, segment_log2, record_bytes),
                (timeout, timeout_on, debloat),
                write,
                bandwidth,
            )| {
                (
                    NetworkSpec {
                        latency_ms: latency,
                        record_bytes,
                        rpc_latency_ms: rpc,
                        segment_size: 1 << segment_log2,
                        buffer_timeout_ms: timeout,
                        buffer_timeout_enabled: timeout_on,
                        buffer_debloat: BufferDebloatSpec {
                            enabled: debloat,
                            ..Default::default()
                        },
                        ..Default::default()
                    },
                    StorageSpec {
                        write_ms: write,
                        bytes_per_ms: bandwidth,
                    },
                )
            },
        )
}

/// Raw fault choices: (kind, at fraction of the run, subtask pick, factor, duration ms).
type FaultGen = (u8, f64, usize, f64, u64);

fn faults() -> impl Strategy<Value = Vec<FaultGen>> {
    prop::collection::vec(
        (0u8..8, 0.0f64..1.0, 0usize..64, 0.2f64..30.0, 1u64..2_000),
        0..=5,
    )
}

fn build_faults(raw: &[FaultGen], job: &JobSpec, duration_ms: u64) -> Vec<FaultSpec> {
    let subtasks: Vec<String> = job
        .operators
        .iter()
        .flat_map(|o| (0..o.parallelism).map(move |i| format!("{}#{i}", o.name)))
        .collect();
    let mut out: Vec<FaultSpec> = raw
        .iter()
        .map(|&(kind, at, pick, factor, duration_ms_f)| {
            let task = subtasks[pick % subtasks.len()].clone();
            let fault: Scheduled = match kind {
                0 => Fault::Kill { task }.into(),
                1 => Fault::Slow {
                    task,
                    factor,
                    duration_ms: duration_ms_f,
                }
                .into(),
                2 => Fault::DropAck { task }.into(),
                3 => Fault::SnapshotFailure {
                    task,
                    phase: if pick % 2 == 0 {
                        SnapshotPhase::Sync
                    } else {
                        SnapshotPhase::Async
                    },
                }
                .into(),
                4 => Fault::StorageOutage {
                    duration_ms: duration_ms_f,
                }
                .into(),
                5 => Fault::CoordinatorFailover.into(),
                6 => Intervention::TriggerCheckpoint.into(),
                _ => Intervention::TriggerSavepoint.into(),
            };
            FaultSpec {
                at_ms: (at * duration_ms as f64) as u64,
                fault,
            }
        })
        .collect();
    out.sort_by_key(|f| f.at_ms);
    out
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        any::<u64>(),
        500u64..4_000,
        job_gen(),
        checkpointing(),
        environment(),
        faults(),
        20u64..500,
        prop::option::weighted(0.2, 0u32..=3),
    )
        .prop_map(
            |(seed, duration_ms, job, checkpointing, (network, storage), raw, delay, attempts)| {
                let job = job.build();
                let faults = build_faults(&raw, &job, duration_ms);
                Scenario {
                    name: "property".into(),
                    description: String::new(),
                    seed,
                    duration_ms,
                    job,
                    checkpointing,
                    network,
                    storage,
                    restart_delay_ms: delay,
                    restart_attempts: attempts,
                    faults,
                    steps: vec![],
                    calibration: vec![],
                }
            },
        )
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(64),
        ..ProptestConfig::default()
    }
}

/// Runs the scenario to its end, turning a panic into a message.
fn run_caught(s: &Scenario) -> Result<Simulation, String> {
    let s = s.clone();
    catch_unwind(AssertUnwindSafe(move || {
        let mut sim = Simulation::new(s).expect("generated scenarios are valid");
        sim.run_to_end();
        sim
    }))
    .map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".into())
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn generated_scenarios_are_valid(s in scenario()) {
        prop_assert!(s.validate().is_ok(), "{:?}\n{}", s.validate(), s.to_json());
    }

    #[test]
    fn random_runs_keep_every_checkpointing_guarantee(s in scenario()) {
        let json = s.to_json();
        let seed = s.seed;
        let sim = match run_caught(&s) {
            Ok(sim) => sim,
            Err(msg) => {
                prop_assert!(false, "panicked: {msg}\nseed {seed}\n{json}");
                unreachable!()
            }
        };
        let eo = sim.exactly_once();
        prop_assert_eq!(eo.lost, 0, "records lost; seed {}\n{}", seed, json);
        if s.checkpointing.mode == CheckpointingMode::ExactlyOnce {
            prop_assert_eq!(eo.duplicates, 0, "duplicates in EXACTLY_ONCE; seed {}\n{}", seed, json);
        }
        prop_assert!(
            sim.invariants().violations.is_empty(),
            "invariant violations {:?}; seed {}\n{}", sim.invariants().violations, seed, json
        );
        let history: Vec<_> = sim.stats().history().iter().cloned().collect();
        for e in &history {
            if e.status == CheckpointStatus::Completed {
                prop_assert_eq!(
                    e.num_acknowledged_subtasks, e.num_subtasks,
                    "checkpoint {} completed without every ack; seed {}\n{}", e.id, seed, json
                );
            }
        }
        for w in history.windows(2) {
            prop_assert!(w[0].id < w[1].id, "IDs do not increase; seed {}\n{}", seed, json);
            prop_assert!(
                w[0].trigger_timestamp <= w[1].trigger_timestamp,
                "checkpoint {} triggered before {}; seed {}\n{}", w[1].id, w[0].id, seed, json
            );
        }
        if let Some(first) = history.first() {
            prop_assert_eq!(first.id.0, 1, "the first ID is not 1; seed {}\n{}", seed, json);
        }
        // Never more non-savepoint checkpoints in progress than max_concurrent.
        let mut events: Vec<(u64, i32)> = Vec::new();
        for e in history.iter().filter(|e| !e.is_savepoint) {
            events.push((e.trigger_timestamp.0, 1));
            let end = e.completion_timestamp.or(e.failure_timestamp).map(|t| t.0).unwrap_or(u64::MAX);
            events.push((end, -1));
        }
        events.sort();
        let (mut cur, mut max) = (0, 0);
        for (_, d) in events {
            cur += d;
            max = max.max(cur);
        }
        prop_assert!(
            max <= s.checkpointing.max_concurrent as i32,
            "{} checkpoints in progress at once; seed {}\n{}", max, seed, json
        );
        prop_assert!(
            sim.coordinator().store.retained_ids().len() <= s.checkpointing.num_retained as usize,
            "store holds too many; seed {}\n{}", seed, json
        );
    }

    #[test]
    fn same_seed_gives_a_byte_identical_report(s in scenario()) {
        let json = s.to_json();
        let a = run_caught(&s).map(|sim| sim.report_json());
        let b = run_caught(&s).map(|sim| sim.report_json());
        prop_assert!(a.is_ok(), "panicked: {:?}; seed {}\n{}", a.err(), s.seed, json);
        prop_assert!(a == b, "two runs differ; seed {}\n{}", s.seed, json);
    }

    #[test]
    fn live_checkpointing_changes_keep_the_guarantees(
        s in scenario(),
        config in checkpointing(),
        at in 0.0f64..1.0,
    ) {
        // The settings form applies a new configuration mid-run (it may switch the mode,
        // unaligned, max_concurrent...); the run must stay correct.
        let json = s.to_json();
        let (scenario, new_config) = (s.clone(), config.clone());
        let sim = catch_unwind(AssertUnwindSafe(move || {
            let mut sim = Simulation::new(scenario).expect("valid");
            let t = (at * sim.scenario().duration_ms as f64) as u64;
            sim.run_until(barrierscope::sim::ids::SimTime::from_ms(t));
            let _ = sim.apply_checkpointing(new_config);
            sim.run_to_end();
            sim
        }));
        prop_assert!(sim.is_ok(), "panicked; new config {:?}; seed {}\n{}", config, s.seed, json);
        let sim = sim.unwrap();
        prop_assert_eq!(sim.exactly_once().lost, 0, "new config {:?}; seed {}\n{}", config, s.seed, json);
        if s.checkpointing.mode == CheckpointingMode::ExactlyOnce
            && config.mode == CheckpointingMode::ExactlyOnce
        {
            prop_assert_eq!(sim.exactly_once().duplicates, 0, "new config {:?}; seed {}\n{}", config, s.seed, json);
        }
        prop_assert!(
            sim.invariants().violations.is_empty(),
            "{:?}; new config {:?}; seed {}\n{}", sim.invariants().violations, config, s.seed, json
        );
    }
}
