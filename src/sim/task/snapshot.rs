//! A subtask's snapshot, as Flink's `SubtaskCheckpointCoordinatorImpl` and
//! `AsyncCheckpointRunnable`: the synchronous part (flush, barrier downstream, state copy, the
//! sink's pre-commit), then the asynchronous upload (one at a time per subtask), then waiting
//! for the channel state of an unaligned checkpoint, then the ack (or the decline); and the
//! coordinator's notifications (complete: the sink commits; aborted: the upload is cancelled).

use super::*;
use crate::sim::channel::{Barrier, Item, Record};
use crate::sim::collector::Collector;
use crate::sim::events::Event;
use crate::sim::ids::{Attempt, CheckpointId, SimDuration, SubtaskId};
use crate::sim::scenario::{OperatorKind, SnapshotPhase};
use crate::sim::snapshot::{OperatorState, SubtaskMetrics, SubtaskSnapshot};
use crate::sim::task::SnapshotStage;
use crate::sim::{FailureReason, LogKind, Simulation};
use std::rc::Rc;

impl Simulation {
    /// Takes the snapshot for the current alignment: flush the in-progress record, emit the
    /// barrier downstream, copy the state, then pause for the synchronous part.
    pub(super) fn snapshot(&mut self, t: SubtaskId, unaligned: bool) {
        let task = &mut self.tasks[t.idx()];
        debug_assert!(
            matches!(task.barriers, BarrierHandlerState::CollectingBarriers(_)),
            "{t:?} snapshots in state {:?}",
            task.barriers
        );
        // The snapshot ends aligned collecting: unaligned, the other barriers are still
        // collected (their inputs' data is channel state); aligned, every barrier is in.
        let Some(a) = task.barriers.take() else {
            return;
        };
        if unaligned {
            task.barriers = BarrierHandlerState::CollectingBarriersUnaligned(a.clone());
        }
        let id = a.id;
        let attempt = task.attempt;
        if task.aborted.contains(&id) {
            // The coordinator already aborted it: skip the snapshot, tell downstream.
            self.broadcast_event(t, Item::Cancel(id), false);
            return;
        }
        self.flush_output(t, true);
        if self.tasks[t.idx()].fail_next_snapshot == Some(SnapshotPhase::Sync) {
            // An exception in `snapshotState` fails the task (Flink 2.3: the job restarts from
            // the latest completed checkpoint); it is not a decline.
            self.tasks[t.idx()].fail_next_snapshot = None;
            let op = self.graph.operator_of(t).name.clone();
            let name = self.name(t);
            self.fail_task(
                t,
                format!(
                    "Could not complete snapshot {id} for operator {op} ({name}). Failure reason: {}",
                    FailureReason::CheckpointDeclined.message()
                ),
            );
            debug_assert!(!self.tasks[t.idx()].is_running(), "{t:?} failed but runs");
            return;
        }
        let forwarded = Barrier {
            unaligned,
            ..a.barrier
        };
        self.broadcast_event(t, Item::Barrier(forwarded), unaligned);
        let op = self.graph.operator_of(t);
        let (sync, sbpk, kind) = (op.snapshot_sync, op.state_bytes_per_key, op.kind);
        let record_bytes = self.record_bytes;
        let n_inputs = self.graph.subtasks[t.idx()].inputs.len();
        let now = self.now;
        let sync_d = self.processing_time(t, sync);
        let task = &mut self.tasks[t.idx()];
        // Pre-commit: the sink's open transaction becomes the transaction of this checkpoint.
        if let OperatorState::Sink { open, pending } = &mut task.state {
            // The next transaction starts with room for as many records as this one had (a
            // sink's rate is steady), and this one is held exactly: checkpoints and the UI's
            // keyframes keep transactions alive, so their slack would add up.
            let room = open.len() + open.len() / 8;
            let mut txn = std::mem::replace(open, Vec::with_capacity(room));
            txn.shrink_to_fit();
            pending.insert(id, Rc::new(txn));
        }
        let state = task.state.clone();
        let state_size = state.size_bytes(sbpk, record_bytes);
        // Unaligned: what the inputs whose barrier is still on its way deliver is channel state.
        let awaiting = if unaligned {
            Collector::complement(&a.received)
        } else {
            Collector::new(id, n_inputs)
        };
        let first = if kind == OperatorKind::Source {
            now
        } else {
            a.first_barrier_at
        };
        let metrics = SubtaskMetrics {
            start_delay: first.since(a.barrier.trigger_time),
            alignment_duration: if unaligned {
                SimDuration::ZERO
            } else {
                now.since(a.first_barrier_at)
            },
            unaligned_checkpoint: unaligned,
            state_size,
            processed_data: a.processed_bytes,
            ..Default::default()
        };
        task.in_progress.push(SnapshotInProgress {
            id,
            snapshot: SubtaskSnapshot {
                task: t,
                id,
                state,
                channel_state: Vec::new(),
                metrics,
            },
            phase: SnapshotStage::Sync { started: now },
            awaiting,
        });
        task.busy_until = now.plus(sync_d);
        self.queue.schedule(
            now.plus(sync_d),
            Event::SyncDone {
                task: t,
                attempt,
                id,
            },
        );
        self.oracle
            .on_snapshot(t, id, &self.tasks[t.idx()].state, unaligned);
    }

    /// The synchronous part ended: hand the upload to the async executor, resume processing.
    pub(crate) fn on_sync_done(&mut self, t: SubtaskId, attempt: Attempt, id: CheckpointId) {
        let now = self.now;
        let task = &mut self.tasks[t.idx()];
        if task.attempt != attempt || !task.is_running() {
            return;
        }
        if let Some(p) = task.in_progress.iter_mut().find(|p| p.id == id) {
            debug_assert!(
                matches!(p.phase, SnapshotStage::Sync { .. }),
                "the synchronous part of {id} ended twice"
            );
            if let SnapshotStage::Sync { started } = p.phase {
                p.snapshot.metrics.sync_duration = now.since(started);
            }
            p.phase = SnapshotStage::AsyncQueued { started: now };
            self.start_next_upload(t);
        }
        self.wake(t, now);
    }

    /// Starts the oldest waiting upload of `t` unless one is running: a subtask's asynchronous
    /// snapshot parts run one after another (Flink 2.3 ran them one at a time: with
    /// max_concurrent 2 and 1 s uploads, the second checkpoint's upload waited for the first).
    pub(crate) fn start_next_upload(&mut self, t: SubtaskId) {
        let bandwidth = self.storage_bandwidth.max(1);
        let write = self.storage_write;
        let op_async = self.graph.operator_of(t).snapshot_async;
        let now = self.now;
        let task = &mut self.tasks[t.idx()];
        if !task.is_running()
            || task
                .in_progress
                .iter()
                .any(|p| matches!(p.phase, SnapshotStage::Uploading { .. }))
        {
            return;
        }
        let attempt = task.attempt;
        let Some(p) = task
            .in_progress
            .iter_mut()
            .find(|p| matches!(p.phase, SnapshotStage::AsyncQueued { .. }))
        else {
            return;
        };
        let size = p.snapshot.metrics.state_size + p.snapshot.metrics.persisted_data;
        let upload = SimDuration(op_async.0 + write.0 + size.saturating_mul(1000) / bandwidth);
        let due = now.plus(upload);
        if let SnapshotStage::AsyncQueued { started } = p.phase {
            p.phase = SnapshotStage::Uploading { started, due };
        }
        let id = p.id;
        self.queue.schedule(
            due,
            Event::AsyncDone {
                task: t,
                attempt,
                id,
            },
        );
    }

    /// The upload finished (or failed: storage down, or an injected async `snapshot_failure`).
    pub(crate) fn on_async_done(&mut self, t: SubtaskId, attempt: Attempt, id: CheckpointId) {
        let now = self.now;
        let storage_down = self.storage_down();
        let task = &mut self.tasks[t.idx()];
        if task.attempt != attempt || !task.is_running() {
            return;
        }
        let Some(pos) = task.in_progress.iter().position(|p| {
            p.id == id && matches!(p.phase, SnapshotStage::Uploading { due, .. } if due == now)
        }) else {
            self.start_next_upload(t);
            return;
        };
        let injected = task.fail_next_snapshot == Some(SnapshotPhase::Async);
        if storage_down || injected {
            task.in_progress.remove(pos);
            let why = if injected {
                task.fail_next_snapshot = None;
                "an exception in the asynchronous part (injected)"
            } else {
                "storage unavailable"
            };
            self.log(
                LogKind::Decline,
                format!(
                    "{}: upload for checkpoint {} failed: {why}",
                    self.name(t),
                    id
                ),
            );
            self.decline(t, id, FailureReason::CheckpointAsyncException);
            self.start_next_upload(t);
            return;
        }
        let p = &mut task.in_progress[pos];
        if let SnapshotStage::Uploading { started, .. } = p.phase {
            p.snapshot.metrics.async_duration = now.since(started);
        }
        p.phase = SnapshotStage::WaitingForChannelState;
        self.maybe_ack(t, id);
        self.start_next_upload(t);
    }

    /// Acknowledges once the upload is done and (unaligned) all channel state is collected.
    pub(super) fn maybe_ack(&mut self, t: SubtaskId, id: CheckpointId) {
        let task = &mut self.tasks[t.idx()];
        let Some(pos) = task
            .in_progress
            .iter()
            .position(|p| p.id == id && p.is_uploaded() && p.awaiting.count() == 0)
        else {
            return;
        };
        let p = task.in_progress.remove(pos);
        task.last_snapshot = Some((id, p.snapshot.metrics));
        if std::mem::take(&mut task.drop_next_ack) {
            self.log(
                LogKind::Ack,
                format!(
                    "{}: the acknowledgement of checkpoint {} is lost",
                    self.name(t),
                    id
                ),
            );
            return;
        }
        self.send_ack(t, p.snapshot);
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

pub(super) fn push_channel_state(s: &mut SubtaskSnapshot, input: u32, r: Record) {
    match s.channel_state.iter_mut().find(|(i, _)| *i == input) {
        Some((_, v)) => v.push(r),
        None => s.channel_state.push((input, vec![r])),
    }
}
