//! At-least-once barrier handling, as Flink's `CheckpointBarrierTracker`: barriers are counted,
//! never block an input; several checkpoints are tracked at once (at most
//! [`MAX_CHECKPOINTS_TO_TRACK`]); when a newer checkpoint completes first the older ones are
//! dropped silently; a cancellation marker aborts its checkpoint and every older one. The
//! tracker ([`BarrierTracker`], the subtask's [`CheckpointBarrierHandler::Tracker`]) owns every
//! checkpoint it counts: the oldest, whose snapshot is taken next, in a [`BarrierHandlerState`]
//! (unaligned only for a priority barrier or after a live switch of the mode), the newer ones in
//! ID order. Part of the barrier handler actor ([`super::barrier_handler`]).

use super::barrier_handler::{abort_alignment, decline_and_pass_on, release_inputs, snapshot};
use super::subtask_checkpoint::{self, TaskContext};
use super::*;
use crate::sim::channel::Barrier;
use crate::sim::collector::Collector;
use crate::sim::command::Out;
use crate::sim::ids::{CheckpointId, InputIndex};
use crate::sim::scenario::CheckpointingMode;
use crate::sim::{FailureReason, LogKind};

/// Flink's `CheckpointBarrierTracker` state: the checkpoints whose barriers are counted (each an
/// [`Alignment`], Flink's `CheckpointBarrierCount`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BarrierTracker {
    /// The oldest checkpoint counted (waiting for the first barrier when there is none, or,
    /// after a live switch to EXACTLY_ONCE, until the next checkpoint starts).
    pub oldest: BarrierHandlerState,
    /// Newer checkpoints counted while the oldest still waits for barriers, in ID order.
    pub newer: VecDeque<Alignment>,
}

impl BarrierTracker {
    pub fn new(oldest: BarrierHandlerState) -> BarrierTracker {
        BarrierTracker {
            oldest,
            newer: VecDeque::new(),
        }
    }

    /// Checkpoints counted: the oldest (if collecting) and the newer ones.
    pub fn len(&self) -> usize {
        self.oldest.alignment().is_some() as usize + self.newer.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The invariants between transitions: newer checkpoints in increasing ID order, at most
    /// [`MAX_CHECKPOINTS_TO_TRACK`] counted.
    fn check(&self) {
        debug_assert!(
            self.newer
                .iter()
                .zip(self.newer.iter().skip(1))
                .all(|(a, b)| a.id < b.id),
            "tracked checkpoints out of ID order: {:?}",
            self.newer.iter().map(|a| a.id).collect::<Vec<_>>()
        );
        debug_assert!(
            self.len() <= MAX_CHECKPOINTS_TO_TRACK,
            "{} checkpoints tracked",
            self.len()
        );
    }

    /// The oldest newer checkpoint becomes the oldest (which must be over); true if all its
    /// barriers are in (its snapshot is taken then).
    fn promote(&mut self) -> Option<bool> {
        debug_assert!(self.oldest.is_waiting(), "promoting over {:?}", self.oldest);
        let next = self.newer.pop_front()?;
        debug_assert!(
            self.newer.iter().all(|a| a.id > next.id),
            "tracked checkpoints out of ID order"
        );
        let complete = next.received.is_complete();
        self.oldest = BarrierHandlerState::CollectingBarriers(next);
        self.check();
        Some(complete)
    }
}

/// The subtask's tracker (the handler follows the mode at each input: at-least-once, it is one).
fn tracker(task: &mut Task) -> Option<&mut BarrierTracker> {
    match &mut task.barriers {
        CheckpointBarrierHandler::Tracker(t) => Some(t),
        CheckpointBarrierHandler::Single(_) => None,
    }
}

/// At-least-once: a barrier of a checkpoint newer than the one collected. Counted in `newer`;
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
    let (n, last) = (
        ctx.graph.subtasks[task.id.idx()].inputs.len(),
        task.last_checkpoint,
    );
    let Some(tr) = tracker(task) else {
        debug_assert!(false, "{:?} counts barriers without a tracker", task.id);
        return;
    };
    if let Some(pos) = tr.newer.iter().position(|a| a.id == b.id) {
        let a = &mut tr.newer[pos];
        a.received.insert(input, ());
        if a.received.is_complete() {
            let done = tr.newer.remove(pos);
            tr.newer.drain(..pos);
            drop_alignment(task);
            if let Some(done) = done {
                // Every channel delivered its barrier: it is taken.
                debug_assert!(done.received.is_complete());
                task.barriers
                    .set(BarrierHandlerState::CollectingBarriers(done));
            }
            subtask_checkpoint::start_next_upload(task, ctx, out);
            release_inputs(task, ctx, out);
            if snapshot(task, false, ctx, out) {
                promote_tracked(task, ctx, out);
            }
        }
    } else if b.id > last {
        let mut received = Collector::new(b.id, n);
        received.insert(input, ());
        debug_assert!(tr.newer.back().is_none_or(|a| a.id < b.id));
        tr.newer.push_back(Alignment {
            id: b.id,
            barrier: b,
            first_barrier_at: ctx.now,
            received,
            processed_bytes: 0,
        });
        let tracking = tr.newer.len() + 1;
        task.last_checkpoint = b.id;
        if tracking > MAX_CHECKPOINTS_TO_TRACK {
            drop_alignment(task);
            subtask_checkpoint::start_next_upload(task, ctx, out);
            release_inputs(task, ctx, out);
            promote_tracked(task, ctx, out);
            if out.halted() {
                return;
            }
        }
        if let Some(tr) = tracker(task) {
            tr.check();
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
        let Some(tr) = tracker(task) else {
            return; // nothing newer is counted
        };
        if !tr.oldest.is_waiting() || tr.newer.is_empty() {
            return;
        }
        if ctx.mode != CheckpointingMode::AtLeastOnce {
            tr.newer.clear(); // the mode was changed live
            return;
        }
        let Some(complete) = tr.promote() else {
            return;
        };
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

#[cfg(test)]
mod tests;
