//! A subtask's barrier handling as an actor, as Flink's `SingleCheckpointBarrierHandler` with
//! its `BarrierHandlerState`s: waiting for the first barrier, collecting barriers (aligned: each
//! input that delivered the barrier is blocked; the snapshot is taken when every input delivered
//! it), unaligned (snapshot at the first barrier, overtaken in-flight data persisted as channel
//! state), the alignment timeout switching an aligned checkpoint to unaligned, a newer barrier
//! subsuming the current one, cancellation markers, and notifyCheckpointAborted. Sources take
//! their snapshot when the coordinator's trigger RPC arrives.
//!
//! `handle(&mut Task, BarrierInput, &TaskContext, &mut Out)`: the subtask's own state changes
//! here (the snapshot is taken by [`super::subtask_checkpoint`], the same subtask's
//! `SubtaskCheckpointCoordinator`); channels, the input gate, declines and wake-ups are
//! commands the engine applies. A snapshot that fails the task halts the handler.

use super::subtask_checkpoint::{self, TaskContext};
use super::*;
use crate::sim::channel::{Barrier, Item};
use crate::sim::collector::{Collected, Collector};
use crate::sim::command::{Command, Out};
use crate::sim::events::Event;
use crate::sim::ids::{CheckpointId, InputIndex, SimTime};
use crate::sim::scenario::CheckpointingMode;
use crate::sim::task::subtask_checkpoint::push_channel_state;
use crate::sim::{FailureReason, LogKind};

/// Flink's `BarrierHandlerState`, each state owning its data. The alignment timeout is a timer
/// armed at the first barrier, so Flink's `Alternating*` states (aligned with a timeout) are the
/// same states here:
///
/// ```text
/// WaitingForFirstBarrier --first barrier, aligned--> CollectingBarriers
/// WaitingForFirstBarrier --first barrier, unaligned (snapshot)--> CollectingBarriersUnaligned
/// CollectingBarriers --last barrier (snapshot)--> WaitingForFirstBarrier
/// CollectingBarriers --alignment timeout / priority barrier (snapshot)--> CollectingBarriersUnaligned
/// CollectingBarriersUnaligned --last barrier--> WaitingForFirstBarrier
/// any --newer barrier, cancellation marker, abort--> WaitingForFirstBarrier
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub enum BarrierHandlerState {
    #[default]
    WaitingForFirstBarrier,
    /// Aligned: no snapshot yet. Exactly-once blocks each input that delivered the barrier;
    /// at-least-once (the oldest checkpoint `CheckpointBarrierTracker` counts) blocks nothing.
    /// With an alignment timeout this is Flink's `AlternatingCollectingBarriers`.
    CollectingBarriers(Alignment),
    /// Unaligned: the snapshot was taken (or skipped, the checkpoint being aborted) at the first
    /// barrier, or when the alignment timed out (Flink's `AlternatingCollectingBarriersUnaligned`);
    /// what the inputs still awaited deliver is persisted as channel state.
    CollectingBarriersUnaligned(Alignment),
}

impl BarrierHandlerState {
    pub fn alignment(&self) -> Option<&Alignment> {
        match self {
            BarrierHandlerState::WaitingForFirstBarrier => None,
            BarrierHandlerState::CollectingBarriers(a)
            | BarrierHandlerState::CollectingBarriersUnaligned(a) => Some(a),
        }
    }

    pub fn alignment_mut(&mut self) -> Option<&mut Alignment> {
        match self {
            BarrierHandlerState::WaitingForFirstBarrier => None,
            BarrierHandlerState::CollectingBarriers(a)
            | BarrierHandlerState::CollectingBarriersUnaligned(a) => Some(a),
        }
    }

    /// The checkpoint being collected, if any.
    pub fn id(&self) -> Option<CheckpointId> {
        self.alignment().map(|a| a.id)
    }

    pub fn is_waiting(&self) -> bool {
        matches!(self, BarrierHandlerState::WaitingForFirstBarrier)
    }

    /// Collecting the barriers of an unaligned checkpoint (its snapshot taken).
    pub fn is_unaligned(&self) -> bool {
        matches!(self, BarrierHandlerState::CollectingBarriersUnaligned(_))
    }

    /// Ends collecting: back to waiting for the first barrier, returning what was collected.
    pub fn take(&mut self) -> Option<Alignment> {
        match std::mem::take(self) {
            BarrierHandlerState::WaitingForFirstBarrier => None,
            BarrierHandlerState::CollectingBarriers(a)
            | BarrierHandlerState::CollectingBarriersUnaligned(a) => Some(a),
        }
    }
}

/// What the barrier handler reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarrierInput {
    /// The coordinator's triggerCheckpoint reached this source.
    Trigger(Barrier),
    /// A barrier arrived on `input` (`overtaken`: queued items it jumped, for priority barriers).
    Barrier {
        input: InputIndex,
        barrier: Barrier,
        overtaken: u32,
    },
    /// A cancellation marker arrived.
    CancelMarker(CheckpointId),
    /// The alignment timeout of `id` ran out.
    AlignmentTimeout(CheckpointId),
    /// notifyCheckpointAborted for `id`.
    NotifyAborted(CheckpointId),
}

pub fn handle(task: &mut Task, input: BarrierInput, ctx: &TaskContext, out: &mut Out) {
    task.barriers.follow_mode(ctx.mode);
    match input {
        BarrierInput::Trigger(b) => on_trigger(task, b, ctx, out),
        BarrierInput::Barrier {
            input,
            barrier,
            overtaken,
        } => on_barrier(task, input, barrier, overtaken, ctx, out),
        BarrierInput::CancelMarker(id) => match ctx.mode {
            CheckpointingMode::AtLeastOnce => {
                super::barrier_tracker::on_cancel_marker(task, id, ctx, out)
            }
            CheckpointingMode::ExactlyOnce => on_cancel_marker(task, id, ctx, out),
        },
        BarrierInput::AlignmentTimeout(id) => on_alignment_timeout(task, id, ctx, out),
        BarrierInput::NotifyAborted(id) => on_notify_aborted(task, id, ctx, out),
    }
}

fn name<'a>(task: &Task, ctx: &'a TaskContext) -> &'a str {
    &ctx.graph.subtasks[task.id.idx()].name
}

/// Takes the snapshot of the checkpoint collected; false if that failed the task (the handler
/// stops: the failover resets the subtask).
pub(super) fn snapshot(task: &mut Task, unaligned: bool, ctx: &TaskContext, out: &mut Out) -> bool {
    subtask_checkpoint::take(task, unaligned, ctx, out);
    !out.halted()
}

/// A newer checkpoint's barrier came during the current alignment: the older checkpoint is
/// given up here (`CHECKPOINT_DECLINED_SUBSUMED`, Flink's SingleCheckpointBarrierHandler).
/// False when that halted the handler.
fn subsume_alignment(task: &mut Task, ctx: &TaskContext, out: &mut Out) -> bool {
    abort_alignment(
        task,
        FailureReason::CheckpointDeclinedSubsumed,
        true,
        ctx,
        out,
    );
    !out.halted()
}

/// The coordinator's triggerCheckpoint reached a source subtask.
fn on_trigger(task: &mut Task, b: Barrier, ctx: &TaskContext, out: &mut Out) {
    if b.id <= task.last_checkpoint {
        return;
    }
    let older = task.barriers.id().is_some_and(|cur| cur < b.id);
    if older && !subsume_alignment(task, ctx, out) {
        return;
    }
    let unaligned = start_alignment(task, b, ctx, out);
    if !snapshot(task, unaligned, ctx, out) {
        return;
    }
    // A source has no inputs: there is nothing more to collect.
    task.barriers
        .set(BarrierHandlerState::WaitingForFirstBarrier);
    subtask_checkpoint::try_ack(task, b.id, ctx, out);
}

fn on_barrier(
    task: &mut Task,
    input: InputIndex,
    b: Barrier,
    overtaken: u32,
    ctx: &TaskContext,
    out: &mut Out,
) {
    let id = b.id;
    match task.barriers.id() {
        Some(cur) if cur > id => return, // an older barrier: ignored
        Some(cur) if cur < id && ctx.mode == CheckpointingMode::AtLeastOnce => {
            // At-least-once counts the barriers of several checkpoints at once; the older one is
            // not given up (its barriers are still on their way).
            super::barrier_tracker::track_newer_barrier(task, input, b, ctx, out);
            return;
        }
        Some(cur) if cur < id => {
            // A newer barrier during alignment: the older checkpoint is subsumed at this task.
            if !subsume_alignment(task, ctx, out) {
                return;
            }
        }
        Some(_) | None => {}
    }
    if task.barriers.is_waiting() {
        if id <= task.last_checkpoint {
            return; // already taken or aborted here
        }
        if start_alignment(task, b, ctx, out) {
            // Unaligned from the first barrier (Flink's `WaitingForFirstBarrierUnaligned`): the
            // snapshot is taken at once.
            let Some(a) = task.barriers.alignment_mut() else {
                return;
            };
            a.received.insert(input, ());
            let all = a.received.is_complete();
            if snapshot(task, true, ctx, out) {
                after_unaligned_barrier(task, input, id, overtaken, all, ctx, out);
            }
            return;
        }
    }
    register_barrier(task, input, b, overtaken, ctx, out);
}

/// The first barrier of `b.id`: collecting starts (aligned; the caller takes the snapshot at
/// once when this returns true, the checkpoint being unaligned here).
pub(super) fn start_alignment(
    task: &mut Task,
    b: Barrier,
    ctx: &TaskContext,
    out: &mut Out,
) -> bool {
    let n = ctx.graph.subtasks[task.id.idx()].inputs.len();
    let timed_out = b.aligned_timeout_us > 0
        && ctx.now.0 >= b.trigger_time.0.saturating_add(b.aligned_timeout_us);
    // A barrier that travelled as a priority event overtook records: the checkpoint must be
    // unaligned here to persist them, even if the mode was switched to AT_LEAST_ONCE since it
    // was triggered. Only a timed-out aligned barrier depends on the mode in force.
    let unaligned =
        !b.savepoint && (b.unaligned || (timed_out && ctx.mode == CheckpointingMode::ExactlyOnce));
    debug_assert!(
        task.barriers.is_waiting(),
        "{:?} starts collecting {} while collecting {:?}",
        task.id,
        b.id,
        task.barriers.id()
    );
    task.last_checkpoint = task.last_checkpoint.max(b.id);
    task.barriers
        .set(BarrierHandlerState::CollectingBarriers(Alignment {
            id: b.id,
            barrier: b,
            first_barrier_at: ctx.now,
            received: Collector::new(b.id, n),
            processed_bytes: 0,
        }));
    if !unaligned
        && b.aligned_timeout_us > 0
        && !b.savepoint
        && ctx.mode == CheckpointingMode::ExactlyOnce
    {
        let deadline = SimTime(b.trigger_time.0.saturating_add(b.aligned_timeout_us));
        out.schedule(
            deadline,
            Event::AlignmentTimeout {
                task: task.id,
                attempt: task.attempt,
                id: b.id,
            },
        );
    }
    out.log(
        LogKind::Alignment,
        format!(
            "{} received the first barrier of checkpoint {}",
            name(task, ctx),
            b.id
        ),
    );
    unaligned
}

/// A barrier arrived while collecting the barriers of its checkpoint.
fn register_barrier(
    task: &mut Task,
    input: InputIndex,
    b: Barrier,
    overtaken: u32,
    ctx: &TaskContext,
    out: &mut Out,
) {
    let unaligned = task.barriers.is_unaligned();
    let Some(a) = task.barriers.alignment_mut() else {
        return;
    };
    if a.received.insert(input, ()) != Collected::New {
        return;
    }
    let all = a.received.is_complete();
    if unaligned {
        after_unaligned_barrier(task, input, b.id, overtaken, all, ctx, out);
        return;
    }
    if b.unaligned && !a.barrier.savepoint {
        // A barrier that timed out upstream arrives as a priority event: switch now (in any
        // mode: it overtook records that must be persisted).
        if switch_to_unaligned(task, ctx, out) {
            after_unaligned_barrier(task, input, b.id, overtaken, all, ctx, out);
        }
        return;
    }
    if !all {
        debug_assert!(
            a.received.contains(input) && a.received.count() < a.received.participants(),
            "CollectingBarriers holds every barrier of {} but no snapshot",
            a.id
        );
        if ctx.mode == CheckpointingMode::ExactlyOnce {
            out.push(Command::Block {
                task: task.id,
                input,
                id: b.id,
            });
        }
        return;
    }
    if !snapshot(task, false, ctx, out) {
        return;
    }
    release_inputs(task, ctx, out);
    if ctx.mode == CheckpointingMode::AtLeastOnce {
        super::barrier_tracker::promote_tracked(task, ctx, out);
    }
}

/// After an unaligned barrier was collected (and the snapshot taken): the queued records it
/// overtook are persisted as channel state; the last barrier (`all`) ends the alignment.
fn after_unaligned_barrier(
    task: &mut Task,
    input: InputIndex,
    id: CheckpointId,
    overtaken: u32,
    all: bool,
    ctx: &TaskContext,
    out: &mut Out,
) {
    persist_overtaken(task, input, overtaken, id, ctx, out);
    if all {
        end_unaligned_alignment(task, ctx, out);
    }
}

/// The records queued ahead of a priority barrier become channel state of its checkpoint.
fn persist_overtaken(
    task: &mut Task,
    input: InputIndex,
    overtaken: u32,
    id: CheckpointId,
    ctx: &TaskContext,
    out: &mut Out,
) {
    let c = ctx.graph.subtasks[task.id.idx()].inputs[input.idx()];
    if let Some(p) = task.in_progress.iter_mut().find(|p| p.id == id) {
        let overtaken_items = ctx.channels[c.idx()].queue.iter().take(overtaken as usize);
        for f in overtaken_items {
            if let Item::Buffer(b) = &f.item {
                for r in &b.records {
                    push_channel_state(&mut p.snapshot, input, *r);
                }
                p.snapshot.metrics.persisted_data += b.bytes;
            }
        }
        p.awaiting.remove(input);
    }
    subtask_checkpoint::try_ack(task, id, ctx, out);
}

/// Releases every blocked input (alignment over or given up) and resumes the main loop.
pub(super) fn release_inputs(task: &Task, ctx: &TaskContext, out: &mut Out) {
    let t = task.id;
    out.push(Command::UnblockAll { task: t });
    out.push(Command::AlignmentEnd { task: t });
    out.push(Command::Wake {
        task: t,
        at: ctx.now,
    });
}

/// Every barrier of an unaligned checkpoint has arrived: its channel state is complete.
fn end_unaligned_alignment(task: &mut Task, ctx: &TaskContext, out: &mut Out) {
    debug_assert!(
        task.barriers.is_unaligned(),
        "{:?} ends an unaligned alignment in state {:?}",
        task.id,
        task.barriers
    );
    release_inputs(task, ctx, out);
    if let Some(a) = task.barriers.take() {
        if let Some(p) = task.in_progress.iter_mut().find(|p| p.id == a.id) {
            p.snapshot.metrics.alignment_duration = ctx.now.since(a.first_barrier_at);
        }
        subtask_checkpoint::try_ack(task, a.id, ctx, out);
    }
    super::barrier_tracker::promote_tracked(task, ctx, out);
}

/// The alignment timeout ran out: the checkpoint becomes unaligned at this subtask.
fn on_alignment_timeout(task: &mut Task, id: CheckpointId, ctx: &TaskContext, out: &mut Out) {
    let all = match task.barriers.state() {
        BarrierHandlerState::CollectingBarriers(a) if a.id == id => a.received.is_complete(),
        _ => return,
    };
    out.log(
        LogKind::Alignment,
        format!(
            "{}: alignment of checkpoint {} timed out, switching to unaligned",
            name(task, ctx),
            id
        ),
    );
    if switch_to_unaligned(task, ctx, out) && all {
        end_unaligned_alignment(task, ctx, out);
    }
}

/// `CollectingBarriers` -> `CollectingBarriersUnaligned` (the alignment timed out, or a priority
/// barrier arrived): queued barriers of this checkpoint in the inputs still awaited jump ahead,
/// blocked inputs are released, and the snapshot is taken. False if that failed the task.
fn switch_to_unaligned(task: &mut Task, ctx: &TaskContext, out: &mut Out) -> bool {
    let t = task.id;
    let BarrierHandlerState::CollectingBarriers(a) = task.barriers.state() else {
        debug_assert!(false, "{t:?} switches to unaligned while not aligning");
        return true;
    };
    for (i, &c) in ctx.graph.subtasks[t.idx()].inputs.iter().enumerate() {
        let input = InputIndex(i as u32);
        if a.received.contains(input) {
            out.push(Command::Unblock { task: t, input });
        } else {
            out.push(Command::PromoteBarrier {
                channel: c,
                id: a.id,
            });
        }
    }
    out.push(Command::AlignmentEnd { task: t });
    out.push(Command::Wake {
        task: t,
        at: ctx.now,
    });
    snapshot(task, true, ctx, out)
}

/// A cancellation marker arrived: abort that checkpoint here and pass the marker on.
fn on_cancel_marker(task: &mut Task, id: CheckpointId, ctx: &TaskContext, out: &mut Out) {
    let current = task.barriers.id();
    match current {
        Some(cur) if cur == id => {
            abort_alignment(
                task,
                FailureReason::CheckpointDeclinedOnCancellationBarrier,
                true,
                ctx,
                out,
            );
        }
        Some(cur) if cur > id => {}
        _ => {
            if id > task.last_checkpoint {
                // Not started here yet: remember it so its barriers are ignored, decline, pass on.
                if current.is_some() {
                    // An older alignment still going on is given up for the newer one.
                    if !subsume_alignment(task, ctx, out) {
                        return;
                    }
                }
                task.last_checkpoint = id;
                decline_and_pass_on(task, id, ctx, out);
            }
        }
    }
    if out.halted() {
        return;
    }
    // An unaligned snapshot still collecting channel state for this checkpoint is dropped.
    if let Some(pos) = task
        .in_progress
        .iter()
        .position(|p| p.id == id && p.awaiting.count() > 0)
    {
        task.in_progress.remove(pos);
        subtask_checkpoint::start_next_upload(task, ctx, out);
    }
}

/// Declines a checkpoint that never started here because of a cancellation marker, and passes
/// the marker on.
pub(super) fn decline_and_pass_on(
    task: &Task,
    id: CheckpointId,
    _ctx: &TaskContext,
    out: &mut Out,
) {
    out.push(Command::Decline {
        task: task.id,
        id,
        reason: FailureReason::CheckpointDeclinedOnCancellationBarrier,
    });
    out.push(Command::Broadcast {
        task: task.id,
        item: Item::Cancel(id),
        priority: false,
    });
}

/// Gives up the current alignment: unblock, decline with `reason`, tell downstream.
pub(super) fn abort_alignment(
    task: &mut Task,
    reason: FailureReason,
    decline: bool,
    ctx: &TaskContext,
    out: &mut Out,
) {
    let snapshotted = task.barriers.is_unaligned();
    let Some(a) = task.barriers.take() else {
        return;
    };
    release_inputs(task, ctx, out);
    task.in_progress
        .retain(|p| p.id != a.id || p.is_uploaded() && p.awaiting.count() == 0);
    subtask_checkpoint::start_next_upload(task, ctx, out);
    if decline {
        out.log(
            LogKind::Decline,
            format!(
                "{} aborts checkpoint {} ({})",
                name(task, ctx),
                a.id,
                reason.name()
            ),
        );
        out.push(Command::Decline {
            task: task.id,
            id: a.id,
            reason,
        });
    }
    if !snapshotted {
        out.push(Command::Broadcast {
            task: task.id,
            item: Item::Cancel(a.id),
            priority: false,
        });
    }
    super::barrier_tracker::promote_tracked(task, ctx, out);
}

/// notifyCheckpointAborted: remembered, so the snapshot is skipped when alignment ends; an
/// upload in progress is cancelled.
fn on_notify_aborted(task: &mut Task, id: CheckpointId, ctx: &TaskContext, out: &mut Out) {
    task.aborted.insert(id);
    while task.aborted.len() > 16 {
        task.aborted.pop_first();
    }
    task.in_progress.retain(|p| p.id != id);
    subtask_checkpoint::start_next_upload(task, ctx, out);
    if matches!(task.barriers.state(), BarrierHandlerState::CollectingBarriersUnaligned(a) if a.id == id)
    {
        // Unaligned, collecting channel state: nothing more to do for it.
        abort_alignment(
            task,
            FailureReason::CheckpointDeclinedOnCancellationBarrier,
            false,
            ctx,
            out,
        );
    }
}

#[cfg(test)]
pub(super) mod tests;
