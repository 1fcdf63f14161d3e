//! The barrier handler alone: a subtask without a job around it, barriers, markers and timers
//! fed to it, the commands it records and the state it moves to asserted.

use super::*;
use crate::sim::channel::{Buffer, Channel};
use crate::sim::graph::ExecutionGraph;
use crate::sim::ids::{ChannelId, SimDuration, SubtaskId};
use crate::sim::scenario::Scenario;

/// Two sources feeding a map (rebalance), the map feeding a sink: what the handler reads.
pub(in crate::sim::task) struct World {
    graph: ExecutionGraph,
    channels: Vec<Channel>,
    pub(in crate::sim::task) mode: CheckpointingMode,
    now: SimTime,
}

const SRC: SubtaskId = SubtaskId(0);
pub(in crate::sim::task) const MAP: SubtaskId = SubtaskId(2);
pub(in crate::sim::task) const IN0: InputIndex = InputIndex(0);
pub(in crate::sim::task) const IN1: InputIndex = InputIndex(1);

impl World {
    pub(in crate::sim::task) fn new(mode: CheckpointingMode) -> World {
        let s = Scenario::from_json(
            r#"{"name":"t","duration_ms":1000,
            "job":{"operators":[{"name":"src","kind":"source","parallelism":2},
                                {"name":"map","kind":"map"},{"name":"sink","kind":"sink"}],
                   "edges":[{"from":"src","to":"map","partitioning":"rebalance"},
                            {"from":"map","to":"sink"}]}}"#,
        )
        .expect("valid");
        let graph = ExecutionGraph::build(&s);
        let channels = graph
            .channels
            .iter()
            .map(|_| Channel::new(4, 32_768))
            .collect();
        World {
            graph,
            channels,
            mode,
            now: SimTime::from_ms(10),
        }
    }

    pub(in crate::sim::task) fn task(&self, t: SubtaskId) -> Task {
        Task::deploy(&self.graph, t)
    }

    fn input_channel(&self, input: InputIndex) -> ChannelId {
        self.graph.subtasks[MAP.idx()].inputs[input.idx()]
    }

    pub(in crate::sim::task) fn handle(
        &self,
        task: &mut Task,
        input: BarrierInput,
    ) -> Vec<Command> {
        let ctx = TaskContext {
            now: self.now,
            graph: &self.graph,
            mode: self.mode,
            channels: &self.channels,
            storage_down: false,
            storage_write: SimDuration::from_ms(5),
            storage_bandwidth: 1000,
            record_bytes: 100,
        };
        let mut out = Out::default();
        handle(task, input, &ctx, &mut out);
        out.into_commands()
    }

    pub(in crate::sim::task) fn barrier(
        &self,
        task: &mut Task,
        input: InputIndex,
        b: Barrier,
    ) -> Vec<Command> {
        self.handle(
            task,
            BarrierInput::Barrier {
                input,
                barrier: b,
                overtaken: 0,
            },
        )
    }
}

pub(in crate::sim::task) fn aligned(id: u64) -> Barrier {
    Barrier {
        id: CheckpointId(id),
        trigger_time: SimTime::ZERO,
        savepoint: false,
        unaligned: false,
        aligned_timeout_us: 0,
    }
}

pub(in crate::sim::task) fn declined(cmds: &[Command]) -> Vec<(CheckpointId, FailureReason)> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Decline { id, reason, .. } => Some((*id, *reason)),
            _ => None,
        })
        .collect()
}

pub(in crate::sim::task) fn cancels_sent(cmds: &[Command]) -> Vec<CheckpointId> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Broadcast {
                item: Item::Cancel(id),
                ..
            } => Some(*id),
            _ => None,
        })
        .collect()
}

#[test]
fn the_first_aligned_barrier_starts_collecting_and_blocks_its_input() {
    let w = World::new(CheckpointingMode::ExactlyOnce);
    let mut task = w.task(MAP);
    let cmds = w.barrier(&mut task, IN0, aligned(1));
    assert!(matches!(
        task.barriers.state(),
        BarrierHandlerState::CollectingBarriers(a) if a.received.contains(IN0) && !a.received.contains(IN1)
    ));
    assert!(matches!(
        &cmds[0],
        Command::Log {
            kind: LogKind::Alignment,
            ..
        }
    ));
    assert_eq!(
        cmds[1],
        Command::Block {
            task: MAP,
            input: IN0,
            id: CheckpointId(1)
        }
    );
    assert_eq!(task.last_checkpoint, CheckpointId(1));
}

#[test]
fn the_last_aligned_barrier_takes_the_snapshot_and_releases_every_input() {
    let w = World::new(CheckpointingMode::ExactlyOnce);
    let mut task = w.task(MAP);
    w.barrier(&mut task, IN0, aligned(1));
    let cmds = w.barrier(&mut task, IN1, aligned(1));
    assert!(task.barriers.is_waiting());
    assert_eq!(task.in_progress[0].id, CheckpointId(1));
    assert!(cmds.contains(&Command::UnblockAll { task: MAP }));
    assert!(cmds.contains(&Command::AlignmentEnd { task: MAP }));
    assert!(!cmds.iter().any(|c| matches!(c, Command::Block { .. })));
}

#[test]
fn at_least_once_counts_barriers_without_blocking() {
    let w = World::new(CheckpointingMode::AtLeastOnce);
    let mut task = w.task(MAP);
    let cmds = w.barrier(&mut task, IN0, aligned(1));
    assert!(!cmds.iter().any(|c| matches!(c, Command::Block { .. })));
    assert_eq!(task.alignment().map(|a| a.received.count()), Some(1));
}

#[test]
fn an_unaligned_barrier_snapshots_at_once_and_persists_the_records_it_overtook() {
    let mut w = World::new(CheckpointingMode::ExactlyOnce);
    let c = w.input_channel(IN0);
    for seq in 0..2 {
        let buffer = Buffer {
            records: vec![Record::one(0, 0, seq, 0)].into(),
            bytes: 100,
            ends_segment: true,
        };
        w.channels[c.idx()].push(Item::Buffer(buffer), SimTime::ZERO, SimTime::ZERO);
    }
    let mut task = w.task(MAP);
    let b = Barrier {
        unaligned: true,
        ..aligned(1)
    };
    let cmds = w.handle(
        &mut task,
        BarrierInput::Barrier {
            input: IN0,
            barrier: b,
            overtaken: 2,
        },
    );
    assert!(task.barriers.is_unaligned(), "still collecting input 1");
    assert!(cmds.iter().any(|c| matches!(
        c,
        Command::Broadcast { item: Item::Barrier(b), priority: true, .. } if b.unaligned
    )));
    let p = &task.in_progress[0];
    assert_eq!(p.snapshot.channel_state.len(), 1);
    assert_eq!(p.snapshot.channel_state[0].0, IN0);
    assert_eq!(p.snapshot.channel_state[0].1.len(), 2);
    assert_eq!(p.snapshot.metrics.persisted_data, 200);
    assert!(!p.awaiting.contains(IN0) && p.awaiting.contains(IN1));
}

#[test]
fn the_alignment_timeout_switches_to_unaligned_and_promotes_the_awaited_barrier() {
    let w = World::new(CheckpointingMode::ExactlyOnce);
    let mut task = w.task(MAP);
    let b = Barrier {
        aligned_timeout_us: 50_000,
        ..aligned(1)
    };
    let cmds = w.barrier(&mut task, IN0, b);
    assert!(cmds.contains(&Command::Schedule {
        at: SimTime::from_ms(50),
        event: Event::AlignmentTimeout {
            task: MAP,
            attempt: task.attempt,
            id: CheckpointId(1)
        }
    }));
    let cmds = w.handle(&mut task, BarrierInput::AlignmentTimeout(CheckpointId(1)));
    assert!(cmds.contains(&Command::Unblock {
        task: MAP,
        input: IN0
    }));
    assert!(cmds.contains(&Command::PromoteBarrier {
        channel: w.input_channel(IN1),
        id: CheckpointId(1)
    }));
    assert!(task.barriers.is_unaligned());
    assert_eq!(task.in_progress.len(), 1, "the snapshot was taken");
    // A late timer of a checkpoint no longer aligned does nothing.
    assert_eq!(
        w.handle(&mut task, BarrierInput::AlignmentTimeout(CheckpointId(1))),
        vec![]
    );
}

#[test]
fn a_newer_barrier_subsumes_the_checkpoint_being_aligned() {
    let w = World::new(CheckpointingMode::ExactlyOnce);
    let mut task = w.task(MAP);
    w.barrier(&mut task, IN0, aligned(1));
    let cmds = w.barrier(&mut task, IN1, aligned(2));
    assert_eq!(
        declined(&cmds),
        vec![(CheckpointId(1), FailureReason::CheckpointDeclinedSubsumed)]
    );
    assert_eq!(cancels_sent(&cmds), vec![CheckpointId(1)]);
    assert_eq!(task.barriers.id(), Some(CheckpointId(2)));
}

#[test]
fn an_older_barrier_is_ignored() {
    let w = World::new(CheckpointingMode::ExactlyOnce);
    let mut task = w.task(MAP);
    w.barrier(&mut task, IN0, aligned(2));
    assert_eq!(w.barrier(&mut task, IN1, aligned(1)), vec![]);
    assert_eq!(task.barriers.id(), Some(CheckpointId(2)));
}

#[test]
fn a_cancellation_marker_aborts_the_alignment_and_is_passed_on() {
    let w = World::new(CheckpointingMode::ExactlyOnce);
    let mut task = w.task(MAP);
    w.barrier(&mut task, IN0, aligned(1));
    let cmds = w.handle(&mut task, BarrierInput::CancelMarker(CheckpointId(1)));
    assert_eq!(
        declined(&cmds),
        vec![(
            CheckpointId(1),
            FailureReason::CheckpointDeclinedOnCancellationBarrier
        )]
    );
    assert_eq!(cancels_sent(&cmds), vec![CheckpointId(1)]);
    assert!(task.barriers.is_waiting());
}

#[test]
fn a_cancellation_marker_of_a_checkpoint_not_started_here_declines_it_and_its_barriers() {
    let w = World::new(CheckpointingMode::ExactlyOnce);
    let mut task = w.task(MAP);
    let cmds = w.handle(&mut task, BarrierInput::CancelMarker(CheckpointId(3)));
    assert_eq!(cancels_sent(&cmds), vec![CheckpointId(3)]);
    assert_eq!(task.last_checkpoint, CheckpointId(3));
    assert_eq!(
        w.barrier(&mut task, IN0, aligned(3)),
        vec![],
        "its barrier comes too late"
    );
}

#[test]
fn at_least_once_counts_a_newer_checkpoint_and_drops_the_older_one_silently_if_it_completes_first()
{
    let w = World::new(CheckpointingMode::AtLeastOnce);
    let mut task = w.task(MAP);
    w.barrier(&mut task, IN0, aligned(1));
    let cmds = w.barrier(&mut task, IN0, aligned(2));
    assert!(declined(&cmds).is_empty(), "the older one is still counted");
    assert_eq!(task.barriers.newer().count(), 1);
    let cmds = w.barrier(&mut task, IN1, aligned(2));
    assert!(declined(&cmds).is_empty(), "dropped silently");
    assert_eq!(task.in_progress[0].id, CheckpointId(2));
    assert!(task.barriers.is_waiting() && task.barriers.newer().next().is_none());
}

#[test]
fn a_checkpoint_aborted_by_the_coordinator_skips_its_snapshot_when_alignment_ends() {
    let w = World::new(CheckpointingMode::ExactlyOnce);
    let mut task = w.task(MAP);
    w.barrier(&mut task, IN0, aligned(1));
    w.handle(&mut task, BarrierInput::NotifyAborted(CheckpointId(1)));
    let cmds = w.barrier(&mut task, IN1, aligned(1));
    assert!(task.in_progress.is_empty());
    assert_eq!(cancels_sent(&cmds), vec![CheckpointId(1)]);
}

#[test]
fn a_source_snapshots_when_the_trigger_arrives() {
    let w = World::new(CheckpointingMode::ExactlyOnce);
    let mut task = w.task(SRC);
    let cmds = w.handle(&mut task, BarrierInput::Trigger(aligned(1)));
    assert!(task.barriers.is_waiting());
    assert_eq!(task.in_progress[0].id, CheckpointId(1));
    assert!(cmds.iter().any(|c| matches!(
        c,
        Command::Broadcast {
            task: SRC,
            item: Item::Barrier(_),
            ..
        }
    )));
    assert_eq!(
        w.handle(&mut task, BarrierInput::Trigger(aligned(1))),
        vec![],
        "a repeated trigger is ignored"
    );
}
