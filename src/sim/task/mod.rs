//! A subtask (Flink's `StreamTask`): processes records, emits them to its output channels
//! (waiting when a channel is full: backpressure), and takes part in checkpoints.
//!
//! Its checkpointing is two actors over the subtask's state, delivered and applied by the engine:
//! - [`barrier_handler`] (`SingleCheckpointBarrierHandler` and its `BarrierHandlerState`, with
//!   `barrier_tracker`, `CheckpointBarrierTracker`, for AT_LEAST_ONCE): aligned, unaligned and
//!   aligned-with-timeout barriers, newer barriers, cancellation markers;
//! - [`subtask_checkpoint`] (`SubtaskCheckpointCoordinatorImpl`, `AsyncCheckpointRunnable`): the
//!   synchronous and asynchronous snapshot phases and the ack or decline.
//!
//! The rest is the engine's model of the subtask's data path, applied directly: `mailbox` (the
//! main loop, `MailboxProcessor`), `network` (`RecordWriter`, priority events, freed buffers)
//! and `restore` (cancel, redeploy, restore: the failover's commands).

pub mod barrier_handler;
mod barrier_tracker;
mod mailbox;
mod network;
mod restore;
pub mod subtask_checkpoint;

pub use barrier_handler::{BarrierHandlerState, BarrierInput};
pub use barrier_tracker::BarrierTracker;

use super::channel::{Barrier, Record};
use super::collector::Collector;
use super::events::Event;
use super::graph::ExecutionGraph;
use super::ids::{
    Attempt, ChannelId, CheckpointId, FencingToken, InputIndex, SimDuration, SimTime, SubtaskId,
};
use super::scenario::{CheckpointingMode, OperatorKind, SnapshotPhase};
use super::snapshot::{OperatorState, SubtaskMetrics, SubtaskSnapshot};
use super::sorted::SortedSet;
use super::Simulation;
use std::collections::VecDeque;
use std::rc::Rc;

/// Flink's `CheckpointBarrierTracker.MAX_CHECKPOINTS_TO_TRACK`: at-least-once subtasks count
/// the barriers of at most this many checkpoints at once; the oldest is dropped beyond it.
pub const MAX_CHECKPOINTS_TO_TRACK: usize = 50;

/// What a subtask is doing, as the UI shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    Running,
    /// The process died or was cancelled by a failover; waiting to be redeployed.
    Failed,
    /// Redeployed, reading its state from the checkpoint (Flink's INITIALIZING).
    Initializing,
    /// The job gave up (restart attempts exhausted).
    Canceled,
}

/// The checkpoint a subtask is currently collecting barriers for: the data a collecting
/// [`BarrierHandlerState`] owns (and each checkpoint the at-least-once tracker counts).
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    pub id: CheckpointId,
    pub barrier: Barrier,
    pub first_barrier_at: SimTime,
    /// Per input channel: the barrier (or a cancel marker) has arrived.
    pub received: Collector<InputIndex, ()>,
    /// Bytes processed between the first barrier and the snapshot.
    pub processed_bytes: u64,
}

/// Flink's `CheckpointBarrierHandler`: which of its two handlers a subtask runs, each owning its
/// state. The handler is chosen by the checkpointing mode at each input (see
/// [`CheckpointBarrierHandler::follow_mode`]); the mode may be switched live with checkpoints in
/// flight, so a tracker still counting newer checkpoints stays one until they are given up.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckpointBarrierHandler {
    /// Exactly-once: `SingleCheckpointBarrierHandler` and its `BarrierHandlerState`.
    Single(BarrierHandlerState),
    /// At-least-once: `CheckpointBarrierTracker`.
    Tracker(BarrierTracker),
}

impl Default for CheckpointBarrierHandler {
    fn default() -> Self {
        CheckpointBarrierHandler::Single(BarrierHandlerState::WaitingForFirstBarrier)
    }
}

impl CheckpointBarrierHandler {
    /// The state of the checkpoint collected: the single handler's, or the tracker's oldest.
    pub fn state(&self) -> &BarrierHandlerState {
        match self {
            CheckpointBarrierHandler::Single(s) => s,
            CheckpointBarrierHandler::Tracker(t) => &t.oldest,
        }
    }

    pub fn state_mut(&mut self) -> &mut BarrierHandlerState {
        match self {
            CheckpointBarrierHandler::Single(s) => s,
            CheckpointBarrierHandler::Tracker(t) => &mut t.oldest,
        }
    }

    /// Moves the checkpoint collected to `state` (the tracker keeps its newer checkpoints).
    pub fn set(&mut self, state: BarrierHandlerState) {
        *self.state_mut() = state;
    }

    /// The handler for `mode`: at-least-once, the state becomes the tracker's oldest checkpoint;
    /// exactly-once, a tracker becomes the single handler once it counts nothing newer (newer
    /// checkpoints counted before a live switch are given up when the oldest ends).
    pub fn follow_mode(&mut self, mode: CheckpointingMode) {
        match (mode, &mut *self) {
            (CheckpointingMode::AtLeastOnce, CheckpointBarrierHandler::Single(s)) => {
                *self = CheckpointBarrierHandler::Tracker(BarrierTracker::new(std::mem::take(s)));
            }
            (CheckpointingMode::ExactlyOnce, CheckpointBarrierHandler::Tracker(t))
                if t.newer.is_empty() =>
            {
                *self = CheckpointBarrierHandler::Single(std::mem::take(&mut t.oldest));
            }
            _ => {}
        }
    }

    /// Newer checkpoints the tracker counts while the oldest still waits for barriers.
    pub fn newer(&self) -> impl Iterator<Item = &Alignment> {
        match self {
            CheckpointBarrierHandler::Single(_) => None,
            CheckpointBarrierHandler::Tracker(t) => Some(t.newer.iter()),
        }
        .into_iter()
        .flatten()
    }

    pub fn alignment(&self) -> Option<&Alignment> {
        self.state().alignment()
    }

    pub fn alignment_mut(&mut self) -> Option<&mut Alignment> {
        self.state_mut().alignment_mut()
    }

    pub fn id(&self) -> Option<CheckpointId> {
        self.state().id()
    }

    pub fn is_waiting(&self) -> bool {
        self.state().is_waiting()
    }

    pub fn is_unaligned(&self) -> bool {
        self.state().is_unaligned()
    }

    /// Ends collecting the checkpoint collected (see [`BarrierHandlerState::take`]).
    pub fn take(&mut self) -> Option<Alignment> {
        self.state_mut().take()
    }
}

/// Where a subtask's snapshot is, as Flink's `SubtaskCheckpointCoordinatorImpl` then
/// `AsyncCheckpointRunnable` take it: sync -> async (queued, then uploading) -> waiting for
/// channel state -> done (acknowledged: the entry is removed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotStage {
    /// The synchronous part: the subtask processes nothing else.
    Sync { started: SimTime },
    /// Handed to the subtask's async executor when the synchronous part ended (Flink's
    /// `AsyncCheckpointRunnable` is constructed then; its async duration counts from there,
    /// queueing included), waiting for the subtask's earlier uploads: one subtask's
    /// asynchronous parts run one at a time (observed on Flink 2.3).
    AsyncQueued { started: SimTime },
    /// The upload runs until `due`.
    Uploading { started: SimTime, due: SimTime },
    /// Uploaded; an unaligned snapshot still collects the channel state of the inputs whose
    /// barrier has not arrived.
    WaitingForChannelState,
}

/// A snapshot this subtask took and has not yet acknowledged.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotInProgress {
    pub id: CheckpointId,
    pub snapshot: SubtaskSnapshot,
    pub phase: SnapshotStage,
    /// Unaligned: inputs whose barrier has not arrived yet; what they deliver is persisted.
    pub awaiting: Collector<InputIndex, ()>,
}

/// One subtask's mutable state.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: SubtaskId,
    pub attempt: Attempt,
    pub status: TaskStatus,
    pub state: OperatorState,
    /// Busy processing a record or in the synchronous snapshot phase until then.
    pub busy_until: SimTime,
    /// Outputs of the record processed last, waiting for channel space.
    pub pending_output: VecDeque<(ChannelId, Record)>,
    /// The earliest wake-up already scheduled.
    pub wake_at: Option<SimTime>,
    /// Sources: when the next record is due.
    pub next_emit_at: SimTime,
    /// The barrier handler, with its state: `SingleCheckpointBarrierHandler` (exactly-once) or
    /// `CheckpointBarrierTracker` (at-least-once).
    pub barriers: CheckpointBarrierHandler,
    pub in_progress: Vec<SnapshotInProgress>,
    /// The highest checkpoint this subtask started or saw aborted: older barriers are ignored.
    pub last_checkpoint: CheckpointId,
    /// Checkpoints the coordinator told this subtask were aborted (the last few).
    pub aborted: SortedSet<CheckpointId>,
    /// Round-robin position per output group (rebalance), not part of any snapshot.
    pub round_robin: Vec<u32>,
    /// Processing-time multiplier in thousandths (1000 = normal).
    pub slow_milli: u64,
    /// Fences the end of the current slow-down.
    pub slow_token: FencingToken,
    pub drop_next_ack: bool,
    /// An injected `snapshot_failure`: the next snapshot fails in this phase.
    pub fail_next_snapshot: Option<SnapshotPhase>,
    pub backpressured: bool,
    /// Since when the subtask waits for an output buffer (backpressured), if it does.
    pub backpressured_since: Option<SimTime>,
    /// Time spent waiting for output buffers, µs (Flink's `backPressuredTimeMsPerSecond`).
    pub backpressured_us: u64,
    /// Time spent processing records, µs (Flink's `busyTimeMsPerSecond`).
    pub busy_us: u64,
    /// Since when this attempt runs (RUNNING), if it does.
    pub running_since: Option<SimTime>,
    /// Time spent RUNNING by earlier attempts, µs.
    pub running_us: u64,
    /// Output channels whose buffer being filled holds data (the output flusher sends them).
    pub dirty_outputs: Vec<ChannelId>,
    /// Records read and written (runs expanded), as Flink's `read-records` / `write-records`.
    pub records_in: u64,
    pub records_out: u64,
    /// Bytes read and written, as Flink's `read-bytes` / `write-bytes`.
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// Metrics of the last snapshot this subtask acknowledged.
    pub last_snapshot: Option<(CheckpointId, SubtaskMetrics)>,
}

impl SnapshotInProgress {
    /// The asynchronous part is done (an unaligned snapshot may still collect channel state).
    pub fn is_uploaded(&self) -> bool {
        self.phase == SnapshotStage::WaitingForChannelState
    }
}

impl Task {
    /// Subtask `t` of `graph` as it is deployed: its operator's kind and key space, one
    /// round-robin position per output group.
    pub fn deploy(graph: &ExecutionGraph, t: SubtaskId) -> Task {
        let st = &graph.subtasks[t.idx()];
        let op = &graph.operators[st.op.idx()];
        Task::new(st.id, op.kind, op.key_space, st.outputs.len())
    }

    /// Every subtask of `graph`, deployed, in subtask order.
    pub fn deploy_all(graph: &ExecutionGraph) -> Vec<Task> {
        graph
            .subtasks
            .iter()
            .map(|st| Task::deploy(graph, st.id))
            .collect()
    }

    pub fn new(id: SubtaskId, kind: OperatorKind, key_space: u32, outputs: usize) -> Task {
        Task {
            id,
            attempt: Attempt(0),
            status: TaskStatus::Running,
            state: initial_state(kind, key_space),
            busy_until: SimTime::ZERO,
            pending_output: VecDeque::new(),
            wake_at: None,
            next_emit_at: SimTime::ZERO,
            barriers: CheckpointBarrierHandler::default(),
            in_progress: Vec::new(),
            last_checkpoint: CheckpointId(0),
            aborted: SortedSet::new(),
            round_robin: vec![0; outputs],
            slow_milli: 1000,
            slow_token: FencingToken::default(),
            drop_next_ack: false,
            fail_next_snapshot: None,
            backpressured: false,
            backpressured_since: None,
            backpressured_us: 0,
            busy_us: 0,
            running_since: Some(SimTime::ZERO),
            running_us: 0,
            dirty_outputs: Vec::new(),
            records_in: 0,
            records_out: 0,
            bytes_in: 0,
            bytes_out: 0,
            last_snapshot: None,
        }
    }

    /// The checkpoint whose snapshot is in its synchronous part, if any.
    pub fn in_sync(&self) -> Option<CheckpointId> {
        self.in_progress
            .iter()
            .find(|p| matches!(p.phase, SnapshotStage::Sync { .. }))
            .map(|p| p.id)
    }

    /// The checkpoint whose barriers this subtask collects, if any (the view's alignment).
    pub fn alignment(&self) -> Option<&Alignment> {
        self.barriers.alignment()
    }

    pub fn is_running(&self) -> bool {
        self.status == TaskStatus::Running
    }

    /// Resets everything but identity and injected faults for a new attempt.
    pub fn reset_for_restart(&mut self, kind: OperatorKind, key_space: u32, now: SimTime) {
        let fresh = Task::new(self.id, kind, key_space, self.round_robin.len());
        let mut old = std::mem::replace(self, fresh);
        // A sink's open transaction is dropped, its allocation kept (see `start_sync`).
        if let (OperatorState::Sink { open, .. }, OperatorState::Sink { open: kept, .. }) =
            (&mut self.state, &mut old.state)
        {
            kept.clear();
            std::mem::swap(open, kept);
        }
        self.attempt = old.attempt;
        self.slow_milli = old.slow_milli;
        self.slow_token = old.slow_token;
        self.drop_next_ack = old.drop_next_ack;
        self.fail_next_snapshot = old.fail_next_snapshot;
        // The vertex figures add up over the whole run, across attempts.
        self.records_in = old.records_in;
        self.records_out = old.records_out;
        self.bytes_in = old.bytes_in;
        self.bytes_out = old.bytes_out;
        self.busy_us = old.busy_us;
        self.running_since = None;
        self.running_us = old.running_us + old.running_for(now);
        self.backpressured_us = old.backpressured_us + old.backpressured_for(now);
    }

    /// Time spent RUNNING by now, over every attempt, µs.
    pub fn running_total(&self, now: SimTime) -> u64 {
        self.running_us + self.running_for(now)
    }

    /// How long this attempt has been RUNNING by now, µs (0 if it is not).
    pub fn running_for(&self, now: SimTime) -> u64 {
        self.running_since
            .map(|s| now.0.saturating_sub(s.0))
            .unwrap_or(0)
    }

    /// How long the subtask has been backpressured by now, µs (0 if it is not).
    pub fn backpressured_for(&self, now: SimTime) -> u64 {
        self.backpressured_since
            .map(|s| now.0.saturating_sub(s.0))
            .unwrap_or(0)
    }
}

pub fn initial_state(kind: OperatorKind, key_space: u32) -> OperatorState {
    match kind {
        OperatorKind::Source => OperatorState::Source { offset: 0 },
        OperatorKind::Map => OperatorState::Map,
        OperatorKind::Keyed => OperatorState::Keyed {
            keys: Rc::new(vec![0; (key_space as usize).div_ceil(64).max(1)]),
            count: 0,
        },
        OperatorKind::Sink => OperatorState::Sink {
            open: Vec::new(),
            pending: Default::default(),
        },
    }
}

/// A 64-bit mix (SplitMix64's finaliser): deterministic keys and copy ids on every platform.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The copy id of a record sent along `edge` to target `target` (0 unless broadcast).
pub fn next_copy(copy: u32, edge: u32, target: u32) -> u32 {
    (mix64(((copy as u64) << 32) ^ ((edge as u64) << 16) ^ target as u64 ^ 0xC0FF_EE00_0000_0000)
        >> 32) as u32
}

impl Simulation {
    /// Schedules a wake-up of `t` at `at` unless an earlier one is already scheduled.
    pub(crate) fn wake(&mut self, t: SubtaskId, at: SimTime) {
        let task = &mut self.tasks[t.idx()];
        if !matches!(task.status, TaskStatus::Running) {
            return;
        }
        let at = at.max(self.now);
        if let Some(w) = task.wake_at {
            if w <= at && w >= self.now {
                return;
            }
        }
        task.wake_at = Some(at);
        let attempt = task.attempt;
        self.queue.schedule_wake(at, t, attempt);
    }

    fn processing_time(&self, t: SubtaskId, base: SimDuration) -> SimDuration {
        base.scaled(self.tasks[t.idx()].slow_milli)
    }

    /// What one record costs subtask `t` now (its operator's `process_ms`, times its `slow`
    /// factors).
    fn per_record(&self, t: SubtaskId) -> SimDuration {
        self.processing_time(t, self.graph.operator_of(t).process)
    }
}
