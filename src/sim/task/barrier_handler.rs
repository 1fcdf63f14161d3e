//! A subtask's barrier handling in exactly-once mode, as Flink's
//! `SingleCheckpointBarrierHandler` with its `BarrierHandlerState`s: waiting for the first
//! barrier, collecting barriers (aligned: each input that delivered the barrier is blocked; the
//! snapshot is taken when every input delivered it), unaligned (snapshot at the first barrier,
//! overtaken in-flight data persisted as channel state), the alignment timeout switching an
//! aligned checkpoint to unaligned, a newer barrier subsuming the current one, and cancellation
//! markers. Sources take their snapshot when the coordinator's trigger RPC arrives.

use super::*;
use crate::sim::channel::{Barrier, Item, Record};
use crate::sim::collector::{Collected, Collector};
use crate::sim::events::Event;
use crate::sim::ids::{Attempt, CheckpointId, SimTime, SubtaskId};
use crate::sim::scenario::CheckpointingMode;
use crate::sim::task::snapshot::push_channel_state;
use crate::sim::{FailureReason, LogKind, Simulation};

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

impl Simulation {
    /// The coordinator's triggerCheckpoint reached a source subtask.
    pub(crate) fn on_trigger_task(&mut self, t: SubtaskId, attempt: Attempt, b: Barrier) {
        let task = &self.tasks[t.idx()];
        if task.attempt != attempt || !task.is_running() {
            // Flink: the trigger fails for a task that is not running; the checkpoint expires
            // or is aborted by the failover.
            return;
        }
        if b.id <= task.last_checkpoint {
            return;
        }
        if let Some(cur) = task.barriers.id() {
            if cur < b.id {
                self.abort_alignment(t, FailureReason::CheckpointDeclinedSubsumed, true);
            }
        }
        let unaligned = self.start_alignment(t, b);
        self.snapshot(t, unaligned);
        // A source has no inputs: there is nothing more to collect.
        self.tasks[t.idx()].barriers = BarrierHandlerState::WaitingForFirstBarrier;
        self.maybe_ack(t, b.id);
    }

    /// A barrier arrived on `input` (`overtaken`: queued items it jumped, for priority barriers).
    pub(super) fn on_barrier(
        &mut self,
        t: SubtaskId,
        input: InputIndex,
        b: Barrier,
        overtaken: u32,
    ) {
        let id = b.id;
        let current = self.tasks[t.idx()].barriers.id();
        match current {
            Some(cur) if cur > id => return, // an older barrier: ignored
            Some(cur) if cur < id && self.mode == CheckpointingMode::AtLeastOnce => {
                // At-least-once counts the barriers of several checkpoints at once; the older
                // one is not given up (its barriers are still on their way).
                self.track_newer_barrier(t, input, b);
                return;
            }
            Some(cur) if cur < id => {
                // A newer barrier during alignment: the older checkpoint is subsumed at this task.
                self.abort_alignment(t, FailureReason::CheckpointDeclinedSubsumed, true);
            }
            Some(_) => {}
            None => {}
        }
        if self.tasks[t.idx()].barriers.is_waiting() {
            if id <= self.tasks[t.idx()].last_checkpoint {
                return; // already taken or aborted here
            }
            if self.start_alignment(t, b) {
                // Unaligned from the first barrier: the snapshot is taken now.
                self.first_unaligned_barrier(t, input, b, overtaken);
                return;
            }
        }
        self.register_barrier(t, input, b, overtaken);
    }

    /// The first barrier of `b.id`: collecting starts (aligned; the caller takes the snapshot at
    /// once when this returns true, the checkpoint being unaligned here).
    pub(super) fn start_alignment(&mut self, t: SubtaskId, b: Barrier) -> bool {
        let n = self.graph.subtasks[t.idx()].inputs.len();
        let timed_out = b.aligned_timeout_us > 0
            && self.now.0 >= b.trigger_time.0.saturating_add(b.aligned_timeout_us);
        // A barrier that travelled as a priority event overtook records: the checkpoint must be
        // unaligned here to persist them, even if the mode was switched to AT_LEAST_ONCE since
        // it was triggered. Only a timed-out aligned barrier depends on the mode in force.
        let unaligned = !b.savepoint
            && (b.unaligned || (timed_out && self.mode == CheckpointingMode::ExactlyOnce));
        let task = &mut self.tasks[t.idx()];
        debug_assert!(
            task.barriers.is_waiting(),
            "{t:?} starts collecting {} while collecting {:?}",
            b.id,
            task.barriers.id()
        );
        task.last_checkpoint = task.last_checkpoint.max(b.id);
        task.barriers = BarrierHandlerState::CollectingBarriers(Alignment {
            id: b.id,
            barrier: b,
            first_barrier_at: self.now,
            received: Collector::new(b.id, n),
            processed_bytes: 0,
        });
        let attempt = task.attempt;
        if !unaligned
            && b.aligned_timeout_us > 0
            && !b.savepoint
            && self.mode == CheckpointingMode::ExactlyOnce
        {
            let deadline = SimTime(b.trigger_time.0.saturating_add(b.aligned_timeout_us));
            self.queue.schedule(
                deadline,
                Event::AlignmentTimeout {
                    task: t,
                    attempt,
                    id: b.id,
                },
            );
        }
        self.log(
            LogKind::Alignment,
            format!(
                "{} received the first barrier of checkpoint {}",
                self.name(t),
                b.id
            ),
        );
        unaligned
    }

    /// A barrier arrived while collecting the barriers of its checkpoint.
    pub(super) fn register_barrier(
        &mut self,
        t: SubtaskId,
        input: InputIndex,
        b: Barrier,
        overtaken: u32,
    ) {
        let task = &mut self.tasks[t.idx()];
        let unaligned = task.barriers.is_unaligned();
        let Some(a) = task.barriers.alignment_mut() else {
            return;
        };
        if a.received.insert(input, ()) != Collected::New {
            return;
        }
        let all = a.received.is_complete();
        if unaligned {
            self.after_unaligned_barrier(t, input, b.id, overtaken, all);
            return;
        }
        if b.unaligned && !a.barrier.savepoint {
            // A barrier that timed out upstream arrives as a priority event: switch now (in any
            // mode: it overtook records that must be persisted).
            self.switch_to_unaligned(t);
            self.after_unaligned_barrier(t, input, b.id, overtaken, all);
            return;
        }
        let c = self.graph.subtasks[t.idx()].inputs[input.idx()];
        match self.mode {
            CheckpointingMode::ExactlyOnce => {
                if all {
                    self.snapshot(t, false);
                    self.unblock_all(t);
                } else {
                    self.channels[c.idx()].blocked = true;
                    self.checks.on_channel_blocked(t, input, b.id);
                }
            }
            CheckpointingMode::AtLeastOnce => {
                if all {
                    self.snapshot(t, false);
                    self.unblock_all(t);
                    self.promote_tracked(t);
                }
            }
        }
    }

    /// The first barrier of a checkpoint unaligned from the start (Flink's
    /// `WaitingForFirstBarrierUnaligned`): the snapshot is taken at once.
    fn first_unaligned_barrier(
        &mut self,
        t: SubtaskId,
        input: InputIndex,
        b: Barrier,
        overtaken: u32,
    ) {
        let Some(a) = self.tasks[t.idx()].barriers.alignment_mut() else {
            return;
        };
        a.received.insert(input, ());
        let all = a.received.is_complete();
        self.snapshot(t, true);
        self.after_unaligned_barrier(t, input, b.id, overtaken, all);
    }

    /// After an unaligned barrier was collected (and the snapshot taken): the queued records it
    /// overtook are persisted as channel state; the last barrier (`all`) ends the alignment.
    fn after_unaligned_barrier(
        &mut self,
        t: SubtaskId,
        input: InputIndex,
        id: CheckpointId,
        overtaken: u32,
        all: bool,
    ) {
        let c = self.graph.subtasks[t.idx()].inputs[input.idx()];
        self.persist_overtaken(t, input, c.idx(), overtaken, id);
        if all {
            self.end_unaligned_alignment(t);
        }
    }

    /// The records queued ahead of a priority barrier become channel state of its checkpoint.
    pub(super) fn persist_overtaken(
        &mut self,
        t: SubtaskId,
        input: InputIndex,
        c: usize,
        overtaken: u32,
        id: CheckpointId,
    ) {
        let record_bytes = self.record_bytes;
        let records: Vec<Record> = self.channels[c]
            .queue
            .iter()
            .take(overtaken as usize)
            .filter_map(|f| match f.item {
                Item::Record(r) => Some(r),
                _ => None,
            })
            .collect();
        let task = &mut self.tasks[t.idx()];
        if let Some(p) = task.in_progress.iter_mut().find(|p| p.id == id) {
            for r in records {
                push_channel_state(&mut p.snapshot, input, r);
                p.snapshot.metrics.persisted_data += record_bytes;
            }
            p.awaiting.remove(input);
        }
        self.maybe_ack(t, id);
    }

    /// Releases every blocked input of `t` (alignment over or given up).
    pub(super) fn unblock_all(&mut self, t: SubtaskId) {
        let inputs = self.graph.subtasks[t.idx()].inputs.clone();
        for (i, c) in inputs.iter().enumerate() {
            if self.channels[c.idx()].blocked {
                self.channels[c.idx()].blocked = false;
                self.gates[t.idx()].unblock(InputIndex(i as u32), self.now);
            }
        }
        self.checks.on_alignment_end(t);
        self.wake(t, self.now);
    }

    /// Every barrier of an unaligned checkpoint has arrived: its channel state is complete.
    pub(super) fn end_unaligned_alignment(&mut self, t: SubtaskId) {
        self.unblock_all(t);
        let now = self.now;
        let task = &mut self.tasks[t.idx()];
        if let Some(a) = task.barriers.take() {
            if let Some(p) = task.in_progress.iter_mut().find(|p| p.id == a.id) {
                p.snapshot.metrics.alignment_duration = now.since(a.first_barrier_at);
            }
            self.maybe_ack(t, a.id);
        }
        self.promote_tracked(t);
    }

    /// The alignment timeout ran out: the checkpoint becomes unaligned at this subtask.
    pub(crate) fn on_alignment_timeout(
        &mut self,
        t: SubtaskId,
        attempt: Attempt,
        id: CheckpointId,
    ) {
        let task = &self.tasks[t.idx()];
        if task.attempt != attempt || !task.is_running() {
            return;
        }
        match &task.barriers {
            BarrierHandlerState::CollectingBarriers(a) if a.id == id => {}
            _ => return,
        }
        self.log(
            LogKind::Alignment,
            format!(
                "{}: alignment of checkpoint {} timed out, switching to unaligned",
                self.name(t),
                id
            ),
        );
        let all = self.tasks[t.idx()]
            .alignment()
            .map(|a| a.received.is_complete());
        self.switch_to_unaligned(t);
        if all == Some(true) {
            self.end_unaligned_alignment(t);
        }
    }

    /// `CollectingBarriers` -> `CollectingBarriersUnaligned` (the alignment timed out, or a
    /// priority barrier arrived): queued barriers of this checkpoint in the inputs still awaited
    /// jump ahead, blocked inputs are released, and the snapshot is taken.
    pub(super) fn switch_to_unaligned(&mut self, t: SubtaskId) {
        let inputs = self.graph.subtasks[t.idx()].inputs.clone();
        let BarrierHandlerState::CollectingBarriers(a) = &self.tasks[t.idx()].barriers else {
            debug_assert!(false, "{t:?} switches to unaligned while not aligning");
            return;
        };
        let id = a.id;
        let received: Vec<bool> = (0..inputs.len())
            .map(|i| a.received.contains(InputIndex(i as u32)))
            .collect();
        for (i, c) in inputs.iter().enumerate() {
            if received[i] {
                if self.channels[c.idx()].blocked {
                    self.channels[c.idx()].blocked = false;
                    self.gates[t.idx()].unblock(InputIndex(i as u32), self.now);
                }
            } else {
                self.promote_queued_barrier(*c, id);
            }
        }
        self.checks.on_alignment_end(t);
        self.wake(t, self.now);
        self.snapshot(t, true);
    }

    /// A cancellation marker arrived: abort that checkpoint here and pass the marker on.
    pub(super) fn on_cancel_marker(&mut self, t: SubtaskId, id: CheckpointId) {
        if self.mode == CheckpointingMode::AtLeastOnce {
            self.on_cancel_marker_at_least_once(t, id);
            return;
        }
        let current = self.tasks[t.idx()].barriers.id();
        match current {
            Some(cur) if cur == id => {
                self.abort_alignment(
                    t,
                    FailureReason::CheckpointDeclinedOnCancellationBarrier,
                    true,
                );
            }
            Some(cur) if cur > id => {}
            _ => {
                if id > self.tasks[t.idx()].last_checkpoint {
                    // Not started here yet: remember it so its barriers are ignored, decline, pass on.
                    if current.is_some() {
                        // An older alignment still going on is given up for the newer one.
                        self.abort_alignment(t, FailureReason::CheckpointDeclinedSubsumed, true);
                    }
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
        // An unaligned snapshot still collecting channel state for this checkpoint is dropped.
        let task = &mut self.tasks[t.idx()];
        if let Some(pos) = task
            .in_progress
            .iter()
            .position(|p| p.id == id && p.awaiting.count() > 0)
        {
            task.in_progress.remove(pos);
            self.start_next_upload(t);
        }
    }

    /// Gives up the current alignment: unblock, decline with `reason`, tell downstream.
    pub(super) fn abort_alignment(&mut self, t: SubtaskId, reason: FailureReason, decline: bool) {
        let task = &self.tasks[t.idx()];
        let snapshotted = task.barriers.is_unaligned();
        let Some(a) = task.barriers.alignment().cloned() else {
            return;
        };
        self.unblock_all(t);
        let task = &mut self.tasks[t.idx()];
        task.barriers = BarrierHandlerState::WaitingForFirstBarrier;
        task.in_progress
            .retain(|p| p.id != a.id || p.is_uploaded() && p.awaiting.count() == 0);
        self.start_next_upload(t);
        if decline {
            self.log(
                LogKind::Decline,
                format!(
                    "{} aborts checkpoint {} ({})",
                    self.name(t),
                    a.id,
                    reason.name()
                ),
            );
            self.decline(t, a.id, reason);
        }
        if !snapshotted {
            self.broadcast_event(t, Item::Cancel(a.id), false);
        }
        self.promote_tracked(t);
    }
}
