//! Delivers a subtask's checkpointing inputs to its snapshot actor
//! ([`super::subtask_checkpoint`], Flink's `SubtaskCheckpointCoordinatorImpl` and
//! `AsyncCheckpointRunnable`) and applies what it asks for; and the coordinator's notifications
//! (complete: the sink commits, as `notifyCheckpointComplete`; aborted: the upload is cancelled,
//! as `notifyCheckpointAborted`).

use super::subtask_checkpoint::{self, SnapshotContext, SnapshotInput};
use super::*;
use crate::sim::channel::Record;
use crate::sim::command::Out;
use crate::sim::ids::{Attempt, CheckpointId, SubtaskId};
use crate::sim::snapshot::{OperatorState, SubtaskSnapshot};
use crate::sim::{FailureReason, Simulation};

impl Simulation {
    /// Delivers an input to subtask `t`'s snapshot actor and applies its commands.
    pub(crate) fn subtask_checkpoint(&mut self, t: SubtaskId, input: SnapshotInput) {
        let ctx = SnapshotContext {
            now: self.now,
            graph: &self.graph,
            storage_down: self.storage.is_down(self.now),
            storage_write: self.storage_write,
            storage_bandwidth: self.storage_bandwidth,
            record_bytes: self.record_bytes,
        };
        let mut out = Out::default();
        subtask_checkpoint::handle(&mut self.tasks[t.idx()], input, &ctx, &mut out);
        self.apply(out.into_commands());
    }

    /// The barrier handler takes the snapshot of the checkpoint it collects.
    pub(super) fn snapshot(&mut self, t: SubtaskId, unaligned: bool) {
        self.subtask_checkpoint(t, SnapshotInput::Take { unaligned });
    }

    /// The synchronous part ended (unless the attempt that started it is gone).
    pub(crate) fn on_sync_done(&mut self, t: SubtaskId, attempt: Attempt, id: CheckpointId) {
        let task = &self.tasks[t.idx()];
        if task.attempt == attempt && task.is_running() {
            self.subtask_checkpoint(t, SnapshotInput::SyncDone(id));
        }
    }

    pub(crate) fn start_next_upload(&mut self, t: SubtaskId) {
        self.subtask_checkpoint(t, SnapshotInput::StartNextUpload);
    }

    /// The upload ended (unless the attempt that started it is gone).
    pub(crate) fn on_async_done(&mut self, t: SubtaskId, attempt: Attempt, id: CheckpointId) {
        let task = &self.tasks[t.idx()];
        if task.attempt == attempt && task.is_running() {
            self.subtask_checkpoint(t, SnapshotInput::AsyncDone(id));
        }
    }

    pub(super) fn maybe_ack(&mut self, t: SubtaskId, id: CheckpointId) {
        self.subtask_checkpoint(t, SnapshotInput::TryAck(id));
    }

    /// notifyCheckpointComplete: a two-phase-commit sink commits every transaction up to `id`.
    pub(crate) fn on_notify_complete(&mut self, t: SubtaskId, attempt: Attempt, id: CheckpointId) {
        let task = &mut self.tasks[t.idx()];
        if task.attempt != attempt || !task.is_running() {
            return;
        }
        if let OperatorState::Sink { pending, .. } = &mut task.state {
            let keep = pending.split_off(&CheckpointId(id.0 + 1));
            let commit = std::mem::replace(pending, keep);
            for (txn, records) in commit {
                self.external.commit(t, txn, &records, &mut self.oracle);
            }
        }
    }

    /// notifyCheckpointAborted: remembered, so the snapshot is skipped when alignment ends; an
    /// upload in progress is cancelled.
    pub(crate) fn on_notify_aborted(&mut self, t: SubtaskId, attempt: Attempt, id: CheckpointId) {
        let task = &mut self.tasks[t.idx()];
        if task.attempt != attempt || !task.is_running() {
            return;
        }
        task.aborted.insert(id);
        while task.aborted.len() > 16 {
            task.aborted.pop_first();
        }
        task.in_progress.retain(|p| p.id != id);
        self.start_next_upload(t);
        let task = &mut self.tasks[t.idx()];
        if matches!(&task.barriers, BarrierHandlerState::CollectingBarriersUnaligned(a) if a.id == id)
        {
            // Unaligned, collecting channel state: nothing more to do for it.
            self.abort_alignment(
                t,
                FailureReason::CheckpointDeclinedOnCancellationBarrier,
                false,
            );
        }
    }
}

pub(super) fn push_channel_state(s: &mut SubtaskSnapshot, input: InputIndex, r: Record) {
    match s.channel_state.iter_mut().find(|(i, _)| *i == input) {
        Some((_, v)) => v.push(r),
        None => s.channel_state.push((input, vec![r])),
    }
}
