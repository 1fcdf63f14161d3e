//! Criterion benchmark of the coordinator alone: collecting the acknowledgements of one
//! checkpoint from 10,000 subtasks (the pending checkpoint's ack slots plus the statistics
//! tracker's per-subtask row). Reports time per checkpoint; divide by 10,000 for ns per ack.

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use barrierscope::sim::coordinator::pending::{PendingCheckpoint, TaskAcknowledgeResult};
    use barrierscope::sim::ids::{CheckpointId, FencingToken, SimTime, SubtaskId};
    use barrierscope::sim::snapshot::{OperatorState, SubtaskMetrics, SubtaskSnapshot};
    use barrierscope::sim::stats::CheckpointStats;
    use criterion::{criterion_group, BatchSize, Criterion, Throughput};
    use std::hint::black_box;
    use std::rc::Rc;

    const SUBTASKS: usize = 10_000;

    fn collect_acks(c: &mut Criterion) {
        let snapshots: Vec<Rc<SubtaskSnapshot>> = (0..SUBTASKS)
            .map(|i| {
                Rc::new(SubtaskSnapshot {
                    task: SubtaskId(i as u32),
                    id: CheckpointId(1),
                    state: OperatorState::Map,
                    channel_state: Vec::new(),
                    metrics: SubtaskMetrics::default(),
                })
            })
            .collect();
        let mut group = c.benchmark_group("coordinator");
        group.throughput(Throughput::Elements(SUBTASKS as u64));
        group.bench_function("acknowledge_10000_subtasks", |b| {
            b.iter_batched(
                || {
                    let mut stats = CheckpointStats::default();
                    stats.report_pending(CheckpointId(1), SimTime(0), false, SUBTASKS);
                    (
                        PendingCheckpoint::new(
                            CheckpointId(1),
                            SimTime(0),
                            false,
                            SUBTASKS,
                            FencingToken::default(),
                        ),
                        stats,
                    )
                },
                |(mut pending, mut stats)| {
                    for (i, s) in snapshots.iter().enumerate() {
                        let t = SubtaskId(i as u32);
                        let now = SimTime(i as u64);
                        let r = pending.acknowledge(t, Rc::clone(s));
                        debug_assert_eq!(r, TaskAcknowledgeResult::Success);
                        stats.report_subtask(
                            CheckpointId(1),
                            t,
                            now,
                            &s.metrics,
                            pending.num_acknowledged(),
                        );
                    }
                    assert!(pending.is_fully_acknowledged());
                    black_box((pending, stats))
                },
                BatchSize::LargeInput,
            )
        });
        group.finish();
    }

    criterion_group!(benches, collect_acks);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}

/// The benchmark is native only.
#[cfg(target_arch = "wasm32")]
fn main() {}
