//! A subtask's snapshot as an actor, as Flink's `SubtaskCheckpointCoordinatorImpl`
//! (`checkpointState`: the synchronous part — overdraft flush, barrier downstream, state copy,
//! the sink's pre-commit) and `AsyncCheckpointRunnable` (the upload, one at a time per subtask,
//! then waiting for an unaligned checkpoint's channel state, then the ack or the decline).
//!
//! `handle(&mut Task, SnapshotInput, &TaskContext, &mut Out)`: it changes only the subtask's
//! own state and records what should happen ([`Command::Broadcast`], [`Command::Ack`], ...); the
//! engine applies the commands. It never touches a channel, the queue or another actor.

use super::{Alignment, BarrierHandlerState, SnapshotInProgress, SnapshotStage, Task};
use crate::sim::channel::Channel;
use crate::sim::channel::Record;
use crate::sim::channel::{Barrier, Item};
use crate::sim::collector::Collector;
use crate::sim::command::{Check, Command, Out};
use crate::sim::events::Event;
use crate::sim::graph::ExecutionGraph;
use crate::sim::ids::{CheckpointId, InputIndex, SimDuration, SimTime};
use crate::sim::scenario::{CheckpointingMode, OperatorKind, SnapshotPhase};
use crate::sim::snapshot::{OperatorState, SubtaskMetrics, SubtaskSnapshot};
use crate::sim::{FailureReason, LogKind};
use std::rc::Rc;

/// What a subtask's checkpointing reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotInput {
    /// The barrier handler took the snapshot of the checkpoint it collects
    /// (`CollectingBarriers` ends; `unaligned`: into `CollectingBarriersUnaligned`).
    Take { unaligned: bool },
    /// The synchronous part of `id` ended.
    SyncDone(CheckpointId),
    /// An upload may start (one ended, was dropped or was queued).
    StartNextUpload,
    /// The upload of `id` ended (it fails if the storage is down or a failure was injected).
    AsyncDone(CheckpointId),
    /// Something `id` waited for arrived (upload done, the last channel state): ack if complete.
    TryAck(CheckpointId),
}

/// What a subtask's actors (its barrier handler and its snapshot) may read of the world.
#[derive(Debug, Clone, Copy)]
pub struct TaskContext<'a> {
    pub now: SimTime,
    pub graph: &'a ExecutionGraph,
    /// The checkpointing mode in force (it may change live).
    pub mode: CheckpointingMode,
    /// The channels, read-only (what a priority barrier overtook).
    pub channels: &'a [Channel],
    pub storage_down: bool,
    pub storage_write: SimDuration,
    pub storage_bandwidth: u64,
    pub record_bytes: u64,
}

impl TaskContext<'_> {
    fn name(&self, task: &Task) -> &str {
        &self.graph.subtasks[task.id.idx()].name
    }
}

pub fn handle(task: &mut Task, input: SnapshotInput, ctx: &TaskContext, out: &mut Out) {
    match input {
        SnapshotInput::Take { unaligned } => take(task, unaligned, ctx, out),
        SnapshotInput::SyncDone(id) => sync_done(task, id, ctx, out),
        SnapshotInput::StartNextUpload => start_next_upload(task, ctx, out),
        SnapshotInput::AsyncDone(id) => async_done(task, id, ctx, out),
        SnapshotInput::TryAck(id) => try_ack(task, id, ctx, out),
    }
}

/// `checkpointState`: flush the in-progress record (overdraft), emit the barrier downstream,
/// copy the state, then pause for the synchronous part.
pub(super) fn take(task: &mut Task, unaligned: bool, ctx: &TaskContext, out: &mut Out) {
    debug_assert!(
        matches!(
            task.barriers.state(),
            BarrierHandlerState::CollectingBarriers(_)
        ),
        "{:?} snapshots in state {:?}",
        task.id,
        task.barriers
    );
    // The snapshot ends aligned collecting: unaligned, the other barriers are still collected
    // (their inputs' data is channel state); aligned, every barrier is in.
    let Some(a) = task.barriers.take() else {
        return;
    };
    if unaligned {
        task.barriers
            .set(BarrierHandlerState::CollectingBarriersUnaligned(a.clone()));
    }
    let (t, id) = (task.id, a.id);
    if task.aborted.contains(&id) {
        // The coordinator already aborted it: skip the snapshot, tell downstream.
        out.push(Command::Broadcast {
            task: t,
            item: Item::Cancel(id),
            priority: false,
        });
        return;
    }
    out.push(Command::FlushOutput {
        task: t,
        overdraft: true,
    });
    if task.fail_next_snapshot == Some(SnapshotPhase::Sync) {
        // An exception in `snapshotState` fails the task (Flink 2.3: the job restarts from the
        // latest completed checkpoint); it is not a decline.
        task.fail_next_snapshot = None;
        let op = &ctx.graph.operators[ctx.graph.subtasks[t.idx()].op.idx()].name;
        out.push(Command::FailTask {
            task: t,
            cause: format!(
                "Could not complete snapshot {id} for operator {op} ({}). Failure reason: {}",
                ctx.name(task),
                FailureReason::CheckpointDeclined.message()
            ),
        });
        return;
    }
    let forwarded = Barrier {
        unaligned,
        ..a.barrier
    };
    out.push(Command::Broadcast {
        task: t,
        item: Item::Barrier(forwarded),
        priority: unaligned,
    });
    start_sync(task, a, unaligned, ctx, out);
}

/// The synchronous part: the sink pre-commits, the state is copied, the subtask pauses.
fn start_sync(task: &mut Task, a: Alignment, unaligned: bool, ctx: &TaskContext, out: &mut Out) {
    let (t, id, now) = (task.id, a.id, ctx.now);
    let op = &ctx.graph.operators[ctx.graph.subtasks[t.idx()].op.idx()];
    let n_inputs = ctx.graph.subtasks[t.idx()].inputs.len();
    let sync_d = op.snapshot_sync.scaled(task.slow_milli);
    // Pre-commit: the sink's open transaction becomes the transaction of this checkpoint.
    if let OperatorState::Sink { open, pending } = &mut task.state {
        // This transaction is held as a copy of exactly its size (checkpoints and the UI's
        // keyframes keep transactions alive, so slack would add up), and the open list keeps
        // its allocation for the next one: a sink's rate is steady, so the list stops growing
        // after the first checkpoints instead of being reallocated and regrown at each one,
        // which fragments the browser's heap (wasm memory never shrinks).
        pending.insert(id, Rc::new(open.clone()));
        open.clear();
    }
    let state = task.state.clone();
    let state_size = state.size_bytes(op.state_bytes_per_key, ctx.record_bytes);
    // Unaligned: what the inputs whose barrier is still on its way deliver is channel state.
    let awaiting = if unaligned {
        Collector::complement(&a.received)
    } else {
        Collector::new(id, n_inputs)
    };
    let first = if op.kind == OperatorKind::Source {
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
    // The synchronous part interrupts the records being processed, which go on after it.
    task.busy_until = task.busy_until.max(now).plus(sync_d);
    out.schedule(
        now.plus(sync_d),
        Event::SyncDone {
            task: t,
            attempt: task.attempt,
            id,
        },
    );
    out.push(Command::Check(Check::Snapshot {
        task: t,
        id,
        unaligned,
    }));
}

/// The synchronous part ended: hand the upload to the async executor, resume processing.
fn sync_done(task: &mut Task, id: CheckpointId, ctx: &TaskContext, out: &mut Out) {
    let now = ctx.now;
    if let Some(p) = task.in_progress.iter_mut().find(|p| p.id == id) {
        debug_assert!(
            matches!(p.phase, SnapshotStage::Sync { .. }),
            "the synchronous part of {id} ended twice"
        );
        if let SnapshotStage::Sync { started } = p.phase {
            p.snapshot.metrics.sync_duration = now.since(started);
        }
        p.phase = SnapshotStage::AsyncQueued { started: now };
        start_next_upload(task, ctx, out);
    }
    out.push(Command::Wake {
        task: task.id,
        at: now,
    });
}

/// Starts the oldest waiting upload unless one is running: a subtask's asynchronous snapshot
/// parts run one after another (Flink 2.3 ran them one at a time: with max_concurrent 2 and
/// 1 s uploads, the second checkpoint's upload waited for the first).
pub(super) fn start_next_upload(task: &mut Task, ctx: &TaskContext, out: &mut Out) {
    let op_async = ctx.graph.operators[ctx.graph.subtasks[task.id.idx()].op.idx()].snapshot_async;
    if !task.is_running()
        || task
            .in_progress
            .iter()
            .any(|p| matches!(p.phase, SnapshotStage::Uploading { .. }))
    {
        return;
    }
    let (t, attempt) = (task.id, task.attempt);
    let Some(p) = task
        .in_progress
        .iter_mut()
        .find(|p| matches!(p.phase, SnapshotStage::AsyncQueued { .. }))
    else {
        return;
    };
    let size = p.snapshot.metrics.state_size + p.snapshot.metrics.persisted_data;
    let bandwidth = ctx.storage_bandwidth.max(1);
    let upload =
        SimDuration(op_async.0 + ctx.storage_write.0 + size.saturating_mul(1000) / bandwidth);
    let due = ctx.now.plus(upload);
    if let SnapshotStage::AsyncQueued { started } = p.phase {
        p.phase = SnapshotStage::Uploading { started, due };
    }
    let id = p.id;
    out.schedule(
        due,
        Event::AsyncDone {
            task: t,
            attempt,
            id,
        },
    );
}

/// The upload finished (or failed: storage down, or an injected async `snapshot_failure`).
fn async_done(task: &mut Task, id: CheckpointId, ctx: &TaskContext, out: &mut Out) {
    let now = ctx.now;
    let Some(pos) = task.in_progress.iter().position(|p| {
        p.id == id && matches!(p.phase, SnapshotStage::Uploading { due, .. } if due == now)
    }) else {
        start_next_upload(task, ctx, out);
        return;
    };
    let injected = task.fail_next_snapshot == Some(SnapshotPhase::Async);
    if ctx.storage_down || injected {
        task.in_progress.remove(pos);
        let why = if injected {
            task.fail_next_snapshot = None;
            "an exception in the asynchronous part (injected)"
        } else {
            "storage unavailable"
        };
        out.log(
            LogKind::Decline,
            format!(
                "{}: upload for checkpoint {} failed: {why}",
                ctx.name(task),
                id
            ),
        );
        out.push(Command::Decline {
            task: task.id,
            id,
            reason: FailureReason::CheckpointAsyncException,
        });
        start_next_upload(task, ctx, out);
        return;
    }
    let p = &mut task.in_progress[pos];
    if let SnapshotStage::Uploading { started, .. } = p.phase {
        p.snapshot.metrics.async_duration = now.since(started);
    }
    p.phase = SnapshotStage::WaitingForChannelState;
    try_ack(task, id, ctx, out);
    start_next_upload(task, ctx, out);
}

/// Acknowledges once the upload is done and (unaligned) all channel state is collected.
pub(super) fn try_ack(task: &mut Task, id: CheckpointId, ctx: &TaskContext, out: &mut Out) {
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
        out.log(
            LogKind::Ack,
            format!(
                "{}: the acknowledgement of checkpoint {} is lost",
                ctx.name(task),
                id
            ),
        );
        return;
    }
    out.push(Command::Ack {
        task: task.id,
        snapshot: Rc::new(p.snapshot),
    });
}

/// Persists record `r` delivered by `input` as channel state of snapshot `s`.
pub(super) fn push_channel_state(s: &mut SubtaskSnapshot, input: InputIndex, r: Record) {
    match s.channel_state.iter_mut().find(|(i, _)| *i == input) {
        Some((_, v)) => v.push(r),
        None => s.channel_state.push((input, vec![r])),
    }
}

#[cfg(test)]
mod tests;
