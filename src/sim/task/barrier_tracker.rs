//! At-least-once barrier handling, as Flink's `CheckpointBarrierTracker`: barriers are counted,
//! never block an input; several checkpoints are tracked at once (at most
//! [`MAX_CHECKPOINTS_TO_TRACK`]); when a newer checkpoint completes first the older ones are
//! dropped silently; a cancellation marker aborts its checkpoint and every older one.

use super::*;
use crate::sim::channel::{Barrier, Item};
use crate::sim::collector::Collector;
use crate::sim::ids::{CheckpointId, SubtaskId};
use crate::sim::scenario::CheckpointingMode;
use crate::sim::{FailureReason, LogKind, Simulation};

impl Simulation {
    /// At-least-once: a barrier of a checkpoint newer than the one `alignment` counts. Counted
    /// in `tracked`; if that completes a tracked checkpoint first (only possible when the older
    /// ones can no longer complete), the older ones are dropped and it is taken, as Flink's
    /// `CheckpointBarrierTracker` does.
    pub(super) fn track_newer_barrier(&mut self, t: SubtaskId, input: InputIndex, b: Barrier) {
        let n = self.graph.subtasks[t.idx()].inputs.len();
        let now = self.now;
        let task = &mut self.tasks[t.idx()];
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
                self.start_next_upload(t);
                self.unblock_all(t);
                self.snapshot(t, false);
                self.promote_tracked(t);
            }
        } else if b.id > task.last_checkpoint {
            task.last_checkpoint = b.id;
            let mut received = Collector::new(b.id, n);
            received.insert(input, ());
            task.tracked.push_back(Alignment {
                id: b.id,
                barrier: b,
                first_barrier_at: now,
                received,
                processed_bytes: 0,
            });
            let tracking = task.tracked.len() + 1;
            if tracking > MAX_CHECKPOINTS_TO_TRACK {
                drop_alignment(task);
                self.start_next_upload(t);
                self.unblock_all(t);
                self.promote_tracked(t);
            }
            self.log(
                LogKind::Alignment,
                format!(
                    "{} received the first barrier of checkpoint {} (counting barriers of {} checkpoints)",
                    self.name(t),
                    b.id,
                    tracking.min(MAX_CHECKPOINTS_TO_TRACK)
                ),
            );
        }
    }

    /// At-least-once: once `alignment` is over, the oldest tracked checkpoint takes its place.
    pub(super) fn promote_tracked(&mut self, t: SubtaskId) {
        loop {
            let mode = self.mode;
            let task = &mut self.tasks[t.idx()];
            if !task.barriers.is_waiting() || task.tracked.is_empty() {
                return;
            }
            if mode != CheckpointingMode::AtLeastOnce {
                task.tracked.clear(); // the mode was changed live
                return;
            }
            let Some(next) = task.tracked.pop_front() else {
                return;
            };
            let complete = next.received.is_complete();
            task.barriers = BarrierHandlerState::CollectingBarriers(next);
            if !complete {
                return;
            }
            self.snapshot(t, false);
        }
    }

    /// At-least-once: a cancellation marker aborts its checkpoint and every older one still
    /// counted here (each declined, each marker passed on); newer ones go on being counted.
    pub(super) fn on_cancel_marker_at_least_once(&mut self, t: SubtaskId, id: CheckpointId) {
        let mut found = false;
        while let Some(cur) = self.tasks[t.idx()].barriers.id() {
            if cur > id {
                break;
            }
            found |= cur == id;
            // Declines `cur`, passes its marker on and promotes the next tracked checkpoint.
            self.abort_alignment(
                t,
                FailureReason::CheckpointDeclinedOnCancellationBarrier,
                true,
            );
        }
        if !found && id > self.tasks[t.idx()].last_checkpoint {
            self.tasks[t.idx()].last_checkpoint = id;
            self.decline(
                t,
                id,
                FailureReason::CheckpointDeclinedOnCancellationBarrier,
            );
            self.broadcast_event(t, Item::Cancel(id), false);
        }
    }
}

/// Drops the current alignment silently (Flink's `CheckpointBarrierTracker` forgets checkpoints
/// that can no longer complete without declining them), with any snapshot of it still collecting
/// channel state (possible only after a live switch from unaligned to at-least-once).
pub(super) fn drop_alignment(task: &mut Task) {
    if let Some(old) = task.barriers.take() {
        task.in_progress
            .retain(|p| p.id != old.id || p.is_uploaded() && p.awaiting.count() == 0);
    }
}
