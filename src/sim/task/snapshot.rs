//! Delivers a subtask's checkpointing inputs to its actors — the barrier handler
//! ([`super::barrier_handler`], `SingleCheckpointBarrierHandler` / `CheckpointBarrierTracker`)
//! and the snapshot ([`super::subtask_checkpoint`], `SubtaskCheckpointCoordinatorImpl` /
//! `AsyncCheckpointRunnable`) — and applies what they ask for; and notifyCheckpointComplete
//! (a two-phase-commit sink commits).

use super::barrier_handler::{self, BarrierInput};
use super::subtask_checkpoint::{self, SnapshotInput, TaskContext};
use super::*;
use crate::sim::channel::Record;
use crate::sim::command::Out;
use crate::sim::ids::{Attempt, CheckpointId, InputIndex, SubtaskId};
use crate::sim::snapshot::{OperatorState, SubtaskSnapshot};
use crate::sim::Simulation;

/// Which of the subtask's actors an input is for.
enum SubtaskInput {
    Barriers(BarrierInput),
    Snapshot(SnapshotInput),
}

impl Simulation {
    /// Delivers an input to one of subtask `t`'s actors and applies its commands.
    fn subtask_input(&mut self, t: SubtaskId, input: SubtaskInput) {
        let ctx = TaskContext {
            now: self.now,
            graph: &self.graph,
            mode: self.mode,
            channels: &self.channels,
            storage_down: self.storage.is_down(self.now),
            storage_write: self.storage_write,
            storage_bandwidth: self.storage_bandwidth,
            record_bytes: self.record_bytes,
        };
        let mut out = Out::default();
        let task = &mut self.tasks[t.idx()];
        match input {
            SubtaskInput::Barriers(i) => barrier_handler::handle(task, i, &ctx, &mut out),
            SubtaskInput::Snapshot(i) => subtask_checkpoint::handle(task, i, &ctx, &mut out),
        }
        self.apply(out.into_commands());
    }

    /// Delivers an input to subtask `t`'s barrier handler.
    pub(super) fn barrier_input(&mut self, t: SubtaskId, input: BarrierInput) {
        self.subtask_input(t, SubtaskInput::Barriers(input));
    }

    /// Delivers an input to subtask `t`'s barrier handler, if the attempt it was meant for
    /// still runs.
    pub(crate) fn barrier_input_of(&mut self, t: SubtaskId, attempt: Attempt, input: BarrierInput) {
        let task = &self.tasks[t.idx()];
        if task.attempt == attempt && task.is_running() {
            self.barrier_input(t, input);
        }
    }

    /// A barrier arrived on `input` (`overtaken`: queued items it jumped, for priority barriers).
    pub(super) fn on_barrier(
        &mut self,
        t: SubtaskId,
        input: InputIndex,
        b: Barrier,
        overtaken: u32,
    ) {
        self.barrier_input(
            t,
            BarrierInput::Barrier {
                input,
                barrier: b,
                overtaken,
            },
        );
    }

    /// The synchronous part ended (unless the attempt that started it is gone).
    pub(crate) fn on_sync_done(&mut self, t: SubtaskId, attempt: Attempt, id: CheckpointId) {
        let task = &self.tasks[t.idx()];
        if task.attempt == attempt && task.is_running() {
            self.subtask_input(t, SubtaskInput::Snapshot(SnapshotInput::SyncDone(id)));
        }
    }

    /// The upload ended (unless the attempt that started it is gone).
    pub(crate) fn on_async_done(&mut self, t: SubtaskId, attempt: Attempt, id: CheckpointId) {
        let task = &self.tasks[t.idx()];
        if task.attempt == attempt && task.is_running() {
            self.subtask_input(t, SubtaskInput::Snapshot(SnapshotInput::AsyncDone(id)));
        }
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
}

pub(super) fn push_channel_state(s: &mut SubtaskSnapshot, input: InputIndex, r: Record) {
    match s.channel_state.iter_mut().find(|(i, _)| *i == input) {
        Some((_, v)) => v.push(r),
        None => s.channel_state.push((input, vec![r])),
    }
}
