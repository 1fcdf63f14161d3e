//! The `CheckpointBarrierTracker` alone: a subtask without a job around it, barriers and
//! cancellation markers fed to it at AT_LEAST_ONCE (and across a live switch of the mode), the
//! commands it records and the checkpoints it counts asserted.

use super::*;
use crate::sim::command::Command;
use crate::sim::task::barrier_handler::tests::{
    aligned, cancels_sent, declined, World, IN0, IN1, MAP,
};

fn blocks(cmds: &[Command]) -> bool {
    cmds.iter().any(|c| matches!(c, Command::Block { .. }))
}

fn tracker_of(task: &Task) -> &BarrierTracker {
    match &task.barriers {
        CheckpointBarrierHandler::Tracker(t) => t,
        other => panic!("not a tracker: {other:?}"),
    }
}

#[test]
fn counted_barriers_never_block_an_input() {
    let w = World::new(CheckpointingMode::AtLeastOnce);
    let mut task = w.task(MAP);
    let cmds = w.barrier(&mut task, IN0, aligned(1));
    assert!(!blocks(&cmds));
    assert_eq!(tracker_of(&task).oldest.id(), Some(CheckpointId(1)));
    assert!(task.in_progress.is_empty(), "input 1 has not delivered it");
}

#[test]
fn the_oldest_checkpoint_is_taken_once_every_channel_delivered_it_and_the_next_one_takes_its_place()
{
    let w = World::new(CheckpointingMode::AtLeastOnce);
    let mut task = w.task(MAP);
    w.barrier(&mut task, IN0, aligned(1));
    w.barrier(&mut task, IN0, aligned(2));
    let cmds = w.barrier(&mut task, IN1, aligned(1));
    assert!(declined(&cmds).is_empty() && !blocks(&cmds));
    assert_eq!(task.in_progress[0].id, CheckpointId(1));
    let t = tracker_of(&task);
    assert_eq!(t.oldest.id(), Some(CheckpointId(2)));
    assert!(t.newer.is_empty());
    assert_eq!(t.len(), 1);
}

#[test]
fn a_cancel_marker_declines_its_checkpoint_and_every_older_one_and_newer_ones_go_on_being_counted()
{
    let w = World::new(CheckpointingMode::AtLeastOnce);
    let mut task = w.task(MAP);
    for id in 1..=3 {
        w.barrier(&mut task, IN0, aligned(id));
    }
    let cmds = w.handle(&mut task, BarrierInput::CancelMarker(CheckpointId(2)));
    let reason = FailureReason::CheckpointDeclinedOnCancellationBarrier;
    assert_eq!(
        declined(&cmds),
        vec![(CheckpointId(1), reason), (CheckpointId(2), reason)]
    );
    assert_eq!(cancels_sent(&cmds), vec![CheckpointId(1), CheckpointId(2)]);
    assert_eq!(task.barriers.id(), Some(CheckpointId(3)));
    assert_eq!(tracker_of(&task).len(), 1);
}

#[test]
fn a_cancel_marker_of_a_checkpoint_not_counted_yet_is_declined_and_passed_on() {
    let w = World::new(CheckpointingMode::AtLeastOnce);
    let mut task = w.task(MAP);
    let cmds = w.handle(&mut task, BarrierInput::CancelMarker(CheckpointId(3)));
    assert_eq!(
        declined(&cmds),
        vec![(
            CheckpointId(3),
            FailureReason::CheckpointDeclinedOnCancellationBarrier
        )]
    );
    assert_eq!(cancels_sent(&cmds), vec![CheckpointId(3)]);
    assert!(w.barrier(&mut task, IN0, aligned(3)).is_empty(), "too late");
}

#[test]
fn at_most_max_checkpoints_to_track_are_counted_the_oldest_forgotten_silently() {
    let w = World::new(CheckpointingMode::AtLeastOnce);
    let mut task = w.task(MAP);
    let last = MAX_CHECKPOINTS_TO_TRACK as u64 + 1;
    for id in 1..=last {
        let cmds = w.barrier(&mut task, IN0, aligned(id));
        assert!(declined(&cmds).is_empty() && cancels_sent(&cmds).is_empty());
    }
    let t = tracker_of(&task);
    assert_eq!(t.len(), MAX_CHECKPOINTS_TO_TRACK);
    assert_eq!(
        t.oldest.id(),
        Some(CheckpointId(2)),
        "checkpoint 1 forgotten"
    );
    assert_eq!(t.newer.back().map(|a| a.id), Some(CheckpointId(last)));
}

#[test]
fn a_live_switch_to_at_least_once_makes_the_aligned_checkpoint_the_oldest_counted() {
    let mut w = World::new(CheckpointingMode::ExactlyOnce);
    let mut task = w.task(MAP);
    assert!(blocks(&w.barrier(&mut task, IN0, aligned(1))));
    w.mode = CheckpointingMode::AtLeastOnce;
    let cmds = w.barrier(&mut task, IN0, aligned(2));
    assert!(declined(&cmds).is_empty(), "checkpoint 1 is not subsumed");
    let t = tracker_of(&task);
    assert_eq!(t.oldest.id(), Some(CheckpointId(1)));
    assert_eq!(t.newer.len(), 1);
}

#[test]
fn a_live_switch_to_exactly_once_keeps_the_newer_checkpoints_while_the_oldest_is_taken() {
    let mut w = World::new(CheckpointingMode::AtLeastOnce);
    let mut task = w.task(MAP);
    w.barrier(&mut task, IN0, aligned(1));
    w.barrier(&mut task, IN0, aligned(2));
    w.mode = CheckpointingMode::ExactlyOnce;
    w.barrier(&mut task, IN1, aligned(1));
    assert_eq!(task.in_progress[0].id, CheckpointId(1));
    let t = tracker_of(&task);
    assert!(t.oldest.is_waiting());
    assert_eq!(t.newer.len(), 1, "given up only when promoted");
    assert!(
        w.barrier(&mut task, IN1, aligned(2)).is_empty(),
        "not aligned"
    );
}

#[test]
fn a_live_switch_to_exactly_once_gives_up_the_newer_checkpoints_when_the_oldest_is_aborted() {
    let mut w = World::new(CheckpointingMode::AtLeastOnce);
    let mut task = w.task(MAP);
    w.barrier(&mut task, IN0, aligned(1));
    w.barrier(&mut task, IN0, aligned(2));
    w.mode = CheckpointingMode::ExactlyOnce;
    let cmds = w.handle(&mut task, BarrierInput::CancelMarker(CheckpointId(1)));
    assert_eq!(declined(&cmds).len(), 1);
    assert!(task.barriers.is_waiting() && task.barriers.newer().next().is_none());
    assert!(blocks(&w.barrier(&mut task, IN0, aligned(3))));
    assert!(matches!(task.barriers, CheckpointBarrierHandler::Single(_)));
}
