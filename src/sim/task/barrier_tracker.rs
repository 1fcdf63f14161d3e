//! At-least-once barrier handling, as Flink's `CheckpointBarrierTracker`: barriers are counted,
//! never block an input; several checkpoints are tracked at once (at most
//! [`MAX_CHECKPOINTS_TO_TRACK`]); when a newer checkpoint completes first the older ones are
//! dropped silently; a cancellation marker aborts its checkpoint and every older one. The oldest
//! checkpoint counted is the handler state's `CollectingBarriers`; newer ones wait in
//! `Task::tracked`. Part of the barrier handler actor ([`super::barrier_handler`]).

use super::barrier_handler::{abort_alignment, decline_and_pass_on, release_inputs, snapshot};
use super::subtask_checkpoint::{self, TaskContext};
use super::*;
use crate::sim::channel::Barrier;
use crate::sim::collector::Collector;
use crate::sim::command::Out;
use crate::sim::ids::{CheckpointId, InputIndex};
use crate::sim::scenario::CheckpointingMode;
use crate::sim::{FailureReason, LogKind};

/// At-least-once: a barrier of a checkpoint newer than the one collected. Counted in `tracked`;
/// if that completes a tracked checkpoint first (only possible when the older ones can no
/// longer complete), the older ones are dropped and it is taken, as Flink's
/// `CheckpointBarrierTracker` does.
pub(super) fn track_newer_barrier(
    task: &mut Task,
    input: InputIndex,
    b: Barrier,
    ctx: &TaskContext,
    out: &mut Out,
) {
    let n = ctx.graph.subtasks[task.id.idx()].inputs.len();
    if let Some(pos) = task.tracked.iter().position(|a| a.id == b.id) {
        let a = &mut task.tracked[pos];
        a.received.insert(input, ());
        if a.received.is_complete() {
            let done = task.tracked.remove(pos);
            task.tracked.drain(..pos);
            drop_alignment(task);
            if let Some(done) = done {
                task.barriers = BarrierHandlerState::CollectingBarriers(done);
            }
            subtask_checkpoint::start_next_upload(task, ctx, out);
            release_inputs(task, ctx, out);
            if snapshot(task, false, ctx, out) {
                promote_tracked(task, ctx, out);
            }
        }
    } else if b.id > task.last_checkpoint {
        task.last_checkpoint = b.id;
        let mut received = Collector::new(b.id, n);
        received.insert(input, ());
        task.tracked.push_back(Alignment {
            id: b.id,
            barrier: b,
            first_barrier_at: ctx.now,
            received,
            processed_bytes: 0,
        });
        let tracking = task.tracked.len() + 1;
        if tracking > MAX_CHECKPOINTS_TO_TRACK {
            drop_alignment(task);
            subtask_checkpoint::start_next_upload(task, ctx, out);
            release_inputs(task, ctx, out);
            promote_tracked(task, ctx, out);
            if out.halted() {
                return;
            }
        }
        out.log(
            LogKind::Alignment,
            format!(
                "{} received the first barrier of checkpoint {} (counting barriers of {} checkpoints)",
                ctx.graph.subtasks[task.id.idx()].name,
                b.id,
                tracking.min(MAX_CHECKPOINTS_TO_TRACK)
            ),
        );
    }
}

/// At-least-once: once the collected checkpoint is over, the oldest tracked one takes its place
/// (and is taken at once if all its barriers are in).
pub(super) fn promote_tracked(task: &mut Task, ctx: &TaskContext, out: &mut Out) {
    loop {
        if !task.barriers.is_waiting() || task.tracked.is_empty() {
            return;
        }
        if ctx.mode != CheckpointingMode::AtLeastOnce {
            task.tracked.clear(); // the mode was changed live
            return;
        }
        let Some(next) = task.tracked.pop_front() else {
            return;
        };
        debug_assert!(
            task.tracked.iter().all(|a| a.id > next.id),
            "tracked checkpoints out of ID order"
        );
        let complete = next.received.is_complete();
        task.barriers = BarrierHandlerState::CollectingBarriers(next);
        if !complete || !snapshot(task, false, ctx, out) {
            return;
        }
    }
}

/// At-least-once: a cancellation marker aborts its checkpoint and every older one still counted
/// here (each declined, each marker passed on); newer ones go on being counted.
pub(super) fn on_cancel_marker(
    task: &mut Task,
    id: CheckpointId,
    ctx: &TaskContext,
    out: &mut Out,
) {
    let mut found = false;
    while let Some(cur) = task.barriers.id() {
        if cur > id {
            break;
        }
        found |= cur == id;
        // Declines `cur`, passes its marker on and promotes the next tracked checkpoint.
        abort_alignment(
            task,
            FailureReason::CheckpointDeclinedOnCancellationBarrier,
            true,
            ctx,
            out,
        );
        if out.halted() {
            return;
        }
    }
    if !found && id > task.last_checkpoint {
        task.last_checkpoint = id;
        decline_and_pass_on(task, id, ctx, out);
    }
}

/// Drops the collected checkpoint silently (Flink's `CheckpointBarrierTracker` forgets
/// checkpoints that can no longer complete without declining them), with any snapshot of it
/// still collecting channel state (possible only after a live switch from unaligned to
/// at-least-once).
fn drop_alignment(task: &mut Task) {
    if let Some(old) = task.barriers.take() {
        task.in_progress
            .retain(|p| p.id != old.id || p.is_uploaded() && p.awaiting.count() == 0);
    }
}
