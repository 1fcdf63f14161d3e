//! The snapshot actor alone: a subtask without a job around it, inputs fed, the commands it
//! records asserted.

use super::*;
use crate::sim::ids::{InputIndex, SubtaskId};
use crate::sim::scenario::Scenario;

/// A map with two inputs (two sources) and one output (a sink): only what the actor reads.
struct World {
    graph: ExecutionGraph,
    now: SimTime,
    storage_down: bool,
}

const MAP: SubtaskId = SubtaskId(2);

impl World {
    fn new() -> World {
        let s = Scenario::from_json(
            r#"{"name":"t","duration_ms":1000,
            "job":{"operators":[{"name":"src","kind":"source","parallelism":2},
                                {"name":"map","kind":"map"},{"name":"sink","kind":"sink"}],
                   "edges":[{"from":"src","to":"map","partitioning":"rebalance"},
                            {"from":"map","to":"sink"}]}}"#,
        )
        .expect("valid");
        World {
            graph: ExecutionGraph::build(&s),
            now: SimTime::from_ms(10),
            storage_down: false,
        }
    }

    fn task(&self) -> Task {
        assert_eq!(
            self.graph.subtasks[MAP.idx()].inputs.len(),
            2,
            "the map reads both sources"
        );
        Task::deploy(&self.graph, MAP)
    }

    fn handle(&self, task: &mut Task, input: SnapshotInput) -> Vec<Command> {
        let ctx = TaskContext {
            now: self.now,
            graph: &self.graph,
            mode: CheckpointingMode::ExactlyOnce,
            channels: &[],
            storage_down: self.storage_down,
            storage_write: SimDuration::from_ms(5),
            storage_bandwidth: 1000,
            record_bytes: 100,
        };
        let mut out = Out::default();
        handle(task, input, &ctx, &mut out);
        out.into_commands()
    }
}

/// The map collects checkpoint `id`, the barrier in on input 0.
fn collecting(task: &mut Task, id: u64) {
    let id = CheckpointId(id);
    let mut received = Collector::new(id, 2);
    received.insert(InputIndex(0), ());
    task.barriers
        .set(BarrierHandlerState::CollectingBarriers(Alignment {
            id,
            barrier: Barrier {
                id,
                trigger_time: SimTime::ZERO,
                savepoint: false,
                unaligned: false,
                aligned_timeout_us: 0,
            },
            first_barrier_at: SimTime::from_ms(4),
            received,
            processed_bytes: 300,
        }));
}

fn scheduled(cmds: &[Command]) -> Vec<Event> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Schedule { event, .. } => Some(event.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn aligned_snapshot_flushes_forwards_the_barrier_and_pauses_for_the_sync_part() {
    let w = World::new();
    let mut task = w.task();
    collecting(&mut task, 1);
    let cmds = w.handle(&mut task, SnapshotInput::Take { unaligned: false });
    assert_eq!(
        cmds[0],
        Command::FlushOutput {
            task: MAP,
            overdraft: true
        }
    );
    assert!(matches!(
        cmds[1],
        Command::Broadcast { task: MAP, item: Item::Barrier(b), priority: false } if !b.unaligned
    ));
    assert_eq!(
        scheduled(&cmds),
        vec![Event::SyncDone {
            task: MAP,
            attempt: task.attempt,
            id: CheckpointId(1)
        }]
    );
    assert!(task.barriers.is_waiting(), "aligned: every barrier is in");
    let p = &task.in_progress[0];
    assert!(matches!(p.phase, SnapshotStage::Sync { .. }));
    assert_eq!(p.awaiting.count(), 0);
    assert_eq!(
        p.snapshot.metrics.alignment_duration,
        SimDuration::from_ms(6)
    );
    assert_eq!(p.snapshot.metrics.processed_data, 300);
}

#[test]
fn unaligned_snapshot_goes_first_and_awaits_the_inputs_without_a_barrier() {
    let w = World::new();
    let mut task = w.task();
    collecting(&mut task, 1);
    let cmds = w.handle(&mut task, SnapshotInput::Take { unaligned: true });
    assert!(matches!(
        cmds[1],
        Command::Broadcast { item: Item::Barrier(b), priority: true, .. } if b.unaligned
    ));
    assert!(task.barriers.is_unaligned(), "still collecting barriers");
    let p = &task.in_progress[0];
    assert!(!p.awaiting.contains(InputIndex(0)) && p.awaiting.contains(InputIndex(1)));
    assert_eq!(p.snapshot.metrics.alignment_duration, SimDuration::ZERO);
}

#[test]
fn a_snapshot_of_an_aborted_checkpoint_only_passes_the_cancel_marker_on() {
    let w = World::new();
    let mut task = w.task();
    collecting(&mut task, 1);
    task.aborted.insert(CheckpointId(1));
    let cmds = w.handle(&mut task, SnapshotInput::Take { unaligned: false });
    assert_eq!(
        cmds,
        vec![Command::Broadcast {
            task: MAP,
            item: Item::Cancel(CheckpointId(1)),
            priority: false
        }]
    );
    assert!(task.in_progress.is_empty());
}

#[test]
fn an_exception_in_the_sync_part_fails_the_task_instead_of_declining() {
    let w = World::new();
    let mut task = w.task();
    collecting(&mut task, 1);
    task.fail_next_snapshot = Some(SnapshotPhase::Sync);
    let cmds = w.handle(&mut task, SnapshotInput::Take { unaligned: false });
    assert!(matches!(
        cmds.last(),
        Some(Command::FailTask { task: MAP, .. })
    ));
    assert!(!cmds.iter().any(|c| matches!(c, Command::Decline { .. })));
    assert_eq!(
        task.fail_next_snapshot, None,
        "the injected failure is used up"
    );
}

/// Takes the snapshot of `id` and ends its synchronous part.
fn synced(w: &World, task: &mut Task, id: u64) -> Vec<Command> {
    collecting(task, id);
    w.handle(task, SnapshotInput::Take { unaligned: false });
    w.handle(task, SnapshotInput::SyncDone(CheckpointId(id)))
}

#[test]
fn uploads_of_one_subtask_run_one_at_a_time() {
    let w = World::new();
    let mut task = w.task();
    let first = synced(&w, &mut task, 1);
    assert!(matches!(
        scheduled(&first)[..],
        [Event::AsyncDone {
            id: CheckpointId(1),
            ..
        }]
    ));
    assert_eq!(
        first.last(),
        Some(&Command::Wake {
            task: MAP,
            at: w.now
        })
    );
    let second = synced(&w, &mut task, 2);
    assert!(scheduled(&second).is_empty(), "2 waits for 1's upload");
    assert!(matches!(
        task.in_progress[1].phase,
        SnapshotStage::AsyncQueued { .. }
    ));
}

#[test]
fn a_finished_upload_acknowledges_and_starts_the_next_one() {
    let mut w = World::new();
    let mut task = w.task();
    synced(&w, &mut task, 1);
    synced(&w, &mut task, 2);
    let SnapshotStage::Uploading { due, .. } = task.in_progress[0].phase else {
        panic!("1 uploads");
    };
    w.now = due;
    let cmds = w.handle(&mut task, SnapshotInput::AsyncDone(CheckpointId(1)));
    assert!(matches!(
        &cmds[0],
        Command::Ack { task: MAP, snapshot } if snapshot.id == CheckpointId(1)
    ));
    assert!(matches!(
        scheduled(&cmds)[..],
        [Event::AsyncDone {
            id: CheckpointId(2),
            ..
        }]
    ));
    assert_eq!(task.last_snapshot.map(|s| s.0), Some(CheckpointId(1)));
}

#[test]
fn an_upload_while_the_storage_is_down_declines_with_an_async_exception() {
    let mut w = World::new();
    let mut task = w.task();
    synced(&w, &mut task, 1);
    let SnapshotStage::Uploading { due, .. } = task.in_progress[0].phase else {
        panic!("1 uploads");
    };
    (w.now, w.storage_down) = (due, true);
    let cmds = w.handle(&mut task, SnapshotInput::AsyncDone(CheckpointId(1)));
    assert!(cmds.contains(&Command::Decline {
        task: MAP,
        id: CheckpointId(1),
        reason: FailureReason::CheckpointAsyncException
    }));
    assert!(task.in_progress.is_empty());
}

#[test]
fn a_dropped_acknowledgement_is_logged_and_never_sent() {
    let mut w = World::new();
    let mut task = w.task();
    task.drop_next_ack = true;
    synced(&w, &mut task, 1);
    let SnapshotStage::Uploading { due, .. } = task.in_progress[0].phase else {
        panic!("1 uploads");
    };
    w.now = due;
    let cmds = w.handle(&mut task, SnapshotInput::AsyncDone(CheckpointId(1)));
    assert!(!cmds.iter().any(|c| matches!(c, Command::Ack { .. })));
    assert!(matches!(
        &cmds[0],
        Command::Log {
            kind: LogKind::Ack,
            ..
        }
    ));
    assert!(!task.drop_next_ack);
}

#[test]
fn an_unaligned_snapshot_acks_only_when_its_channel_state_is_complete() {
    let mut w = World::new();
    let mut task = w.task();
    collecting(&mut task, 1);
    w.handle(&mut task, SnapshotInput::Take { unaligned: true });
    w.handle(&mut task, SnapshotInput::SyncDone(CheckpointId(1)));
    let SnapshotStage::Uploading { due, .. } = task.in_progress[0].phase else {
        panic!("1 uploads");
    };
    w.now = due;
    let cmds = w.handle(&mut task, SnapshotInput::AsyncDone(CheckpointId(1)));
    assert!(!cmds.iter().any(|c| matches!(c, Command::Ack { .. })));
    assert!(task.in_progress[0].is_uploaded());
    task.in_progress[0].awaiting.remove(InputIndex(1));
    let cmds = w.handle(&mut task, SnapshotInput::TryAck(CheckpointId(1)));
    assert!(matches!(&cmds[..], [Command::Ack { task: MAP, .. }]));
}
