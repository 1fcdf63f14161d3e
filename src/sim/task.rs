//! A subtask: processes records, emits them to its output channels (waiting when a channel is
//! full: backpressure), and handles checkpoint barriers: aligned exactly-once (blocking the
//! channels that delivered the barrier), at-least-once (counting barriers, never blocking) and
//! unaligned (snapshot at the first barrier, barrier overtakes in-flight data which is persisted
//! as channel state), the alignment timeout, newer barriers during alignment, cancellation
//! markers, the synchronous and asynchronous snapshot phases, and the ack or decline.

use super::channel::{Barrier, InFlight, Item, Record};
use super::events::Event;
use super::gate::Next;
use super::ids::{Attempt, CheckpointId, FencingToken, SimDuration, SimTime, SubtaskId};
use super::scenario::{CheckpointingMode, OperatorKind, Partitioning, SnapshotPhase};
use super::snapshot::{OperatorState, SubtaskMetrics, SubtaskSnapshot};
use super::{FailureReason, LogKind, Simulation};
use std::collections::{BTreeSet, VecDeque};
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

/// The checkpoint a subtask is currently collecting barriers for.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    pub id: CheckpointId,
    pub barrier: Barrier,
    pub first_barrier_at: SimTime,
    /// Per input channel: the barrier (or a cancel marker) has arrived.
    pub received: Vec<bool>,
    pub num_received: usize,
    /// The checkpoint is (now) unaligned at this subtask.
    pub unaligned: bool,
    /// The snapshot was taken (unaligned: at the first barrier).
    pub snapshotted: bool,
    /// Bytes processed between the first barrier and the snapshot.
    pub processed_bytes: u64,
}

/// A snapshot this subtask took and has not yet acknowledged.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotInProgress {
    pub id: CheckpointId,
    pub snapshot: SubtaskSnapshot,
    pub sync_started: SimTime,
    /// When the synchronous part ended and the asynchronous part was handed to the subtask's
    /// async executor (Flink's `AsyncCheckpointRunnable` is constructed then; its async
    /// duration counts from there, queueing included).
    pub async_started: Option<SimTime>,
    /// When the upload, once running, ends. `None` while it waits for the subtask's earlier
    /// uploads: one subtask's asynchronous parts run one at a time (observed on Flink 2.3).
    pub upload_due: Option<SimTime>,
    pub async_done: bool,
    /// Unaligned: inputs whose barrier has not arrived yet; what they deliver is persisted.
    pub awaiting_inputs: Vec<bool>,
    pub awaiting_count: usize,
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
    /// In the synchronous part of this checkpoint's snapshot.
    pub in_sync: Option<CheckpointId>,
    /// Outputs of the record processed last, waiting for channel space.
    pub pending_output: VecDeque<(u32, Record)>,
    /// The earliest wake-up already scheduled.
    pub wake_at: Option<SimTime>,
    /// Sources: when the next record is due.
    pub next_emit_at: SimTime,
    pub alignment: Option<Alignment>,
    /// At-least-once only: newer checkpoints whose barriers are counted while `alignment` (the
    /// oldest) still waits for some, in ID order, as Flink's `CheckpointBarrierTracker` tracks
    /// several checkpoints at once (at most [`MAX_CHECKPOINTS_TO_TRACK`] in all).
    pub tracked: VecDeque<Alignment>,
    pub in_progress: Vec<SnapshotInProgress>,
    /// The highest checkpoint this subtask started or saw aborted: older barriers are ignored.
    pub last_checkpoint: CheckpointId,
    /// Checkpoints the coordinator told this subtask were aborted (the last few).
    pub aborted: BTreeSet<CheckpointId>,
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
    pub records_in: u64,
    pub records_out: u64,
    /// Metrics of the last snapshot this subtask acknowledged.
    pub last_snapshot: Option<(CheckpointId, SubtaskMetrics)>,
}

impl Task {
    pub fn new(id: SubtaskId, kind: OperatorKind, key_space: u32, outputs: usize) -> Task {
        Task {
            id,
            attempt: Attempt(0),
            status: TaskStatus::Running,
            state: initial_state(kind, key_space),
            busy_until: SimTime::ZERO,
            in_sync: None,
            pending_output: VecDeque::new(),
            wake_at: None,
            next_emit_at: SimTime::ZERO,
            alignment: None,
            tracked: VecDeque::new(),
            in_progress: Vec::new(),
            last_checkpoint: CheckpointId(0),
            aborted: BTreeSet::new(),
            round_robin: vec![0; outputs],
            slow_milli: 1000,
            slow_token: FencingToken::default(),
            drop_next_ack: false,
            fail_next_snapshot: None,
            backpressured: false,
            records_in: 0,
            records_out: 0,
            last_snapshot: None,
        }
    }

    pub fn is_running(&self) -> bool {
        self.status == TaskStatus::Running
    }

    /// Resets everything but identity and injected faults for a new attempt.
    pub fn reset_for_restart(&mut self, kind: OperatorKind, key_space: u32) {
        let fresh = Task::new(self.id, kind, key_space, self.round_robin.len());
        let old = std::mem::replace(self, fresh);
        self.attempt = old.attempt;
        self.slow_milli = old.slow_milli;
        self.slow_token = old.slow_token;
        self.drop_next_ack = old.drop_next_ack;
        self.fail_next_snapshot = old.fail_next_snapshot;
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
        self.queue
            .schedule(at, Event::TaskWake { task: t, attempt });
    }

    fn processing_time(&self, t: SubtaskId, base: SimDuration) -> SimDuration {
        base.scaled(self.tasks[t.idx()].slow_milli)
    }

    /// The main loop of a subtask (Flink's mailbox loop): priority events, then pending output,
    /// then the next input.
    pub(crate) fn on_task_wake(&mut self, t: SubtaskId, attempt: Attempt) {
        let task = &mut self.tasks[t.idx()];
        if task.attempt != attempt || !task.is_running() {
            return;
        }
        if task.wake_at == Some(self.now) {
            task.wake_at = None;
        }
        if self.now < task.busy_until {
            let at = task.busy_until;
            self.wake(t, at);
            return;
        }
        let is_source = self.graph.operator_of(t).kind == OperatorKind::Source;
        // Bound the work of one wake-up so a zero-cost operator cannot stall the event loop.
        for _ in 0..256 {
            if !self.tasks[t.idx()].is_running() || self.tasks[t.idx()].attempt != attempt {
                return;
            }
            self.process_priority_events(t);
            if self.now < self.tasks[t.idx()].busy_until {
                let at = self.tasks[t.idx()].busy_until;
                self.wake(t, at);
                return;
            }
            if !self.flush_output(t, false) {
                return; // backpressured: woken when a buffer frees up
            }
            let progressed = if is_source {
                self.source_step(t)
            } else {
                self.input_step(t)
            };
            if !progressed {
                return;
            }
            if self.now < self.tasks[t.idx()].busy_until {
                let at = self.tasks[t.idx()].busy_until;
                self.wake(t, at);
                return;
            }
        }
        self.wake(t, self.now);
    }

    /// Emits the next record of a source if it is due. Returns whether it did anything.
    fn source_step(&mut self, t: SubtaskId) -> bool {
        let task = &self.tasks[t.idx()];
        if self.now < task.next_emit_at {
            let at = task.next_emit_at;
            self.wake(t, at);
            return false;
        }
        let OperatorState::Source { offset } = task.state else {
            return false;
        };
        let op = self.graph.operator_of(t);
        let interval = self.processing_time(t, op.emit_interval);
        let key_space = op.key_space.max(1) as u64;
        let key = (mix64(self.seed ^ ((t.0 as u64) << 40) ^ offset) % key_space) as u32;
        let record = Record {
            src: t.0,
            copy: 0,
            seq: offset,
            key,
        };
        self.route(t, record);
        let task = &mut self.tasks[t.idx()];
        task.state = OperatorState::Source { offset: offset + 1 };
        task.records_out += 1;
        task.next_emit_at = task.next_emit_at.plus(interval).max(self.now);
        let at = task.next_emit_at;
        self.flush_output(t, false);
        self.wake(t, at);
        true
    }

    /// Works out which channels a record goes to and queues them as pending output.
    fn route(&mut self, t: SubtaskId, record: Record) {
        let graph = Rc::clone(self.graph_rc());
        let task = &mut self.tasks[t.idx()];
        for (g, group) in graph.subtasks[t.idx()].outputs.iter().enumerate() {
            let n = group.channels.len() as u32;
            let target = match group.partitioning {
                Partitioning::Forward => 0,
                Partitioning::Hash => (mix64(record.key as u64 ^ 0x5EED) % n as u64) as usize,
                Partitioning::Rebalance => {
                    let rr = &mut task.round_robin[g];
                    let target = (*rr % n) as usize;
                    *rr = rr.wrapping_add(1);
                    target
                }
                Partitioning::Broadcast => {
                    for (j, c) in group.channels.iter().enumerate() {
                        let copy = next_copy(record.copy, group.edge, j as u32);
                        task.pending_output
                            .push_back((c.0, Record { copy, ..record }));
                    }
                    continue;
                }
            };
            let copy = next_copy(record.copy, group.edge, 0);
            task.pending_output
                .push_back((group.channels[target].0, Record { copy, ..record }));
        }
    }

    /// Pushes pending output into channels. With `overdraft`, full channels take it anyway
    /// (Flink's overdraft buffers, used before a snapshot). Returns false if still blocked.
    pub(crate) fn flush_output(&mut self, t: SubtaskId, overdraft: bool) -> bool {
        while let Some(&(c, record)) = self.tasks[t.idx()].pending_output.front() {
            let ch = &mut self.channels[c as usize];
            if ch.is_full() && !overdraft {
                ch.producer_waiting = true;
                self.tasks[t.idx()].backpressured = true;
                return false;
            }
            self.tasks[t.idx()].pending_output.pop_front();
            self.send(c, Item::Record(record));
        }
        self.tasks[t.idx()].backpressured = false;
        true
    }

    /// Appends an item to a channel and tells the consumer's input gate.
    pub(crate) fn send(&mut self, c: u32, item: Item) {
        let visible_at = self.now.plus(self.latency);
        self.channels[c as usize].push(item, self.now, visible_at);
        let info = &self.graph.channels[c as usize];
        let (to, input) = (info.to, info.input_index);
        self.gates[to.idx()].on_push(visible_at, input);
        self.wake(to, visible_at);
    }

    /// Puts a barrier at the head of a channel (an unaligned checkpoint's barrier overtakes the
    /// buffered records) and tells the consumer's input gate.
    fn send_priority(&mut self, c: u32, b: Barrier) {
        let visible_at = self.now.plus(self.latency);
        self.channels[c as usize].push_priority(b, self.now, visible_at);
        let info = &self.graph.channels[c as usize];
        let (to, input) = (info.to, info.input_index);
        self.gates[to.idx()].on_push_priority(visible_at, input);
        self.wake(to, visible_at);
    }

    /// Sends an event to every output channel; barriers of unaligned checkpoints go first.
    fn broadcast_event(&mut self, t: SubtaskId, item: Item, priority: bool) {
        let channels: Vec<u32> = self.graph.subtasks[t.idx()]
            .outputs
            .iter()
            .flat_map(|g| g.channels.iter().map(|c| c.0))
            .collect();
        for c in channels {
            match item {
                Item::Barrier(b) if priority => self.send_priority(c, b),
                Item::Barrier(b) => {
                    self.send(c, item);
                    if b.aligned_timeout_us > 0 {
                        let deadline =
                            SimTime(b.trigger_time.0.saturating_add(b.aligned_timeout_us));
                        self.queue.schedule(
                            deadline.max(self.now),
                            Event::ChannelBarrierTimeout {
                                channel: super::ids::ChannelId(c),
                                id: b.id,
                            },
                        );
                    }
                }
                _ => self.send(c, item),
            }
        }
    }

    /// Takes the next item from the input gate and handles it. Returns whether it did anything.
    fn input_step(&mut self, t: SubtaskId) -> bool {
        let graph = Rc::clone(self.graph_rc());
        let inputs = &graph.subtasks[t.idx()].inputs;
        let channels = &self.channels;
        let next = self.gates[t.idx()]
            .next_regular(self.now, |i| channels[inputs[i as usize].idx()].blocked);
        let input = match next {
            Next::Input(i) => i,
            Next::WaitUntil(at) => {
                self.wake(t, at);
                return false;
            }
            Next::Idle => return false,
        };
        let c = inputs[input as usize];
        let Some(f) = self.channels[c.idx()].pop() else {
            return true;
        };
        self.after_pop(c.0);
        match f.item {
            Item::Record(r) => self.process_record(t, input, r),
            Item::Barrier(b) => self.on_barrier(t, input, b, 0),
            Item::Cancel(id) => self.on_cancel_marker(t, id),
        }
        true
    }

    /// A buffer was freed in channel `c`: wake its producer if it was waiting.
    fn after_pop(&mut self, c: u32) {
        let ch = &mut self.channels[c as usize];
        if ch.producer_waiting && ch.has_space() {
            ch.producer_waiting = false;
            let from = self.graph.channels[c as usize].from;
            self.wake(from, self.now);
        }
    }

    fn process_record(&mut self, t: SubtaskId, input: u32, r: Record) {
        self.checks.on_record_delivered(t, input, self.now);
        let record_bytes = self.record_bytes;
        let op = self.graph.operator_of(t);
        let (kind, process) = (op.kind, op.process);
        let d = self.processing_time(t, process);
        let task = &mut self.tasks[t.idx()];
        task.records_in += 1;
        if let Some(a) = task.alignment.as_mut() {
            if !a.snapshotted {
                a.processed_bytes += record_bytes;
            }
        }
        // Unaligned: data from an input whose barrier has not arrived yet is channel state.
        for p in task.in_progress.iter_mut() {
            if p.awaiting_inputs
                .get(input as usize)
                .copied()
                .unwrap_or(false)
            {
                push_channel_state(&mut p.snapshot, input, r);
                p.snapshot.metrics.persisted_data += record_bytes;
            }
        }
        match &mut task.state {
            OperatorState::Keyed { keys, count } => {
                let (w, bit) = ((r.key / 64) as usize, r.key % 64);
                if w < keys.len() && keys[w] & (1 << bit) == 0 {
                    Rc::make_mut(keys)[w] |= 1 << bit;
                    *count += 1;
                }
            }
            OperatorState::Sink { open, .. } => open.push(r),
            _ => {}
        }
        task.busy_until = self.now.plus(d);
        if kind != OperatorKind::Sink {
            self.route(t, r);
            self.tasks[t.idx()].records_out += 1;
        }
    }

    /// Priority events that have arrived (barriers of unaligned checkpoints) are handled first.
    fn process_priority_events(&mut self, t: SubtaskId) {
        while let Some(input) = self.gates[t.idx()].next_priority(self.now) {
            let c = self.graph.subtasks[t.idx()].inputs[input as usize];
            let Some(f) = self.channels[c.idx()].priority.pop_front() else {
                continue;
            };
            if let InFlight {
                item: Item::Barrier(b),
                overtaken,
                ..
            } = f
            {
                self.on_barrier(t, input, b, overtaken);
            }
        }
        if let Some(at) = self.gates[t.idx()].next_priority_time() {
            self.wake(t, at);
        }
    }

    /// A barrier arrived on `input` (`overtaken`: queued items it jumped, for priority barriers).
    fn on_barrier(&mut self, t: SubtaskId, input: u32, b: Barrier, overtaken: u32) {
        let id = b.id;
        let current = self.tasks[t.idx()].alignment.as_ref().map(|a| a.id);
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
        if self.tasks[t.idx()].alignment.is_none() {
            if id <= self.tasks[t.idx()].last_checkpoint {
                return; // already taken or aborted here
            }
            self.start_alignment(t, b);
        }
        self.register_barrier(t, input, b, overtaken);
    }

    fn start_alignment(&mut self, t: SubtaskId, b: Barrier) {
        let n = self.graph.subtasks[t.idx()].inputs.len();
        let timed_out = b.aligned_timeout_us > 0
            && self.now.0 >= b.trigger_time.0.saturating_add(b.aligned_timeout_us);
        // A barrier that travelled as a priority event overtook records: the checkpoint must be
        // unaligned here to persist them, even if the mode was switched to AT_LEAST_ONCE since
        // it was triggered. Only a timed-out aligned barrier depends on the mode in force.
        let unaligned = !b.savepoint
            && (b.unaligned || (timed_out && self.mode == CheckpointingMode::ExactlyOnce));
        let task = &mut self.tasks[t.idx()];
        task.last_checkpoint = task.last_checkpoint.max(b.id);
        task.alignment = Some(Alignment {
            id: b.id,
            barrier: b,
            first_barrier_at: self.now,
            received: vec![false; n],
            num_received: 0,
            unaligned,
            snapshotted: false,
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
    }

    fn register_barrier(&mut self, t: SubtaskId, input: u32, b: Barrier, overtaken: u32) {
        let inputs = self.graph.subtasks[t.idx()].inputs.clone();
        let c = inputs[input as usize];
        let Some(a) = self.tasks[t.idx()].alignment.as_mut() else {
            return;
        };
        if a.received[input as usize] {
            return;
        }
        a.received[input as usize] = true;
        a.num_received += 1;
        if b.unaligned && !a.unaligned && !a.barrier.savepoint {
            // A barrier that timed out upstream arrives as a priority event: switch now (in any
            // mode: it overtook records that must be persisted).
            self.switch_to_unaligned(t);
        }
        let a = self.tasks[t.idx()]
            .alignment
            .as_ref()
            .expect("alignment present");
        let (unaligned, snapshotted, all) =
            (a.unaligned, a.snapshotted, a.num_received == inputs.len());
        if unaligned {
            if !snapshotted {
                self.snapshot(t, true);
            }
            // The queued records this barrier overtook are persisted as channel state.
            self.persist_overtaken(t, input, c.idx(), overtaken, b.id);
            if all {
                self.end_unaligned_alignment(t);
            }
            return;
        }
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

    /// The records queued ahead of a priority barrier become channel state of its checkpoint.
    fn persist_overtaken(
        &mut self,
        t: SubtaskId,
        input: u32,
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
            if p.awaiting_inputs
                .get(input as usize)
                .copied()
                .unwrap_or(false)
            {
                p.awaiting_inputs[input as usize] = false;
                p.awaiting_count -= 1;
            }
        }
        self.maybe_ack(t, id);
    }

    /// Releases every blocked input of `t` (alignment over or given up).
    fn unblock_all(&mut self, t: SubtaskId) {
        let inputs = self.graph.subtasks[t.idx()].inputs.clone();
        for (i, c) in inputs.iter().enumerate() {
            if self.channels[c.idx()].blocked {
                self.channels[c.idx()].blocked = false;
                self.gates[t.idx()].unblock(i as u32, self.now);
            }
        }
        self.checks.on_alignment_end(t);
        self.wake(t, self.now);
    }

    /// Every barrier of an unaligned checkpoint has arrived: its channel state is complete.
    fn end_unaligned_alignment(&mut self, t: SubtaskId) {
        self.unblock_all(t);
        let now = self.now;
        let task = &mut self.tasks[t.idx()];
        if let Some(a) = task.alignment.take() {
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
        match &task.alignment {
            Some(a) if a.id == id && !a.unaligned && !a.snapshotted => {}
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
        self.switch_to_unaligned(t);
        let all = self.tasks[t.idx()]
            .alignment
            .as_ref()
            .map(|a| a.num_received == a.received.len());
        if !self.tasks[t.idx()]
            .alignment
            .as_ref()
            .map(|a| a.snapshotted)
            .unwrap_or(true)
        {
            self.snapshot(t, true);
        }
        if all == Some(true) {
            self.end_unaligned_alignment(t);
        }
    }

    /// Converts the current alignment to unaligned: queued barriers of this checkpoint in the
    /// inputs still awaited jump ahead; blocked inputs are released.
    fn switch_to_unaligned(&mut self, t: SubtaskId) {
        let inputs = self.graph.subtasks[t.idx()].inputs.clone();
        let Some(a) = self.tasks[t.idx()].alignment.as_mut() else {
            return;
        };
        a.unaligned = true;
        let (id, received) = (a.id, a.received.clone());
        for (i, c) in inputs.iter().enumerate() {
            if received[i] {
                if self.channels[c.idx()].blocked {
                    self.channels[c.idx()].blocked = false;
                    self.gates[t.idx()].unblock(i as u32, self.now);
                }
            } else {
                self.promote_queued_barrier(*c, id);
            }
        }
        self.checks.on_alignment_end(t);
        self.wake(t, self.now);
    }

    /// Moves the aligned barrier of checkpoint `id` queued in channel `c` to the priority lane
    /// and tells the consumer's input gate. Returns when it reaches the consumer, if it was
    /// queued there.
    fn promote_queued_barrier(
        &mut self,
        c: super::ids::ChannelId,
        id: CheckpointId,
    ) -> Option<SimTime> {
        let pos = self.channels[c.idx()].find_barrier(id)?;
        let info = &self.graph.channels[c.idx()];
        let (to, input) = (info.to, info.input_index);
        self.gates[to.idx()].remove_item(input, pos);
        self.channels[c.idx()].promote_barrier(pos, self.now)?;
        let visible = self.channels[c.idx()]
            .priority
            .back()
            .map(|f| f.visible_at)
            .unwrap_or(self.now);
        self.gates[to.idx()].on_push_priority(visible, input);
        Some(visible)
    }

    /// An aligned barrier still queued in a channel timed out: it becomes a priority event.
    pub(crate) fn on_channel_barrier_timeout(
        &mut self,
        c: super::ids::ChannelId,
        id: CheckpointId,
    ) {
        let to = self.graph.channels[c.idx()].to;
        // The alignment timeout only exists for exactly-once (the mode may have been switched
        // live since the barrier was sent): an at-least-once consumer takes it aligned.
        if !self.tasks[to.idx()].is_running() || self.mode != CheckpointingMode::ExactlyOnce {
            return;
        }
        if let Some(visible) = self.promote_queued_barrier(c, id) {
            self.wake(to, visible);
        }
    }

    /// Takes the snapshot for the current alignment: flush the in-progress record, emit the
    /// barrier downstream, copy the state, then pause for the synchronous part.
    fn snapshot(&mut self, t: SubtaskId, unaligned: bool) {
        let Some(a) = self.tasks[t.idx()].alignment.clone() else {
            return;
        };
        let id = a.id;
        let attempt = self.tasks[t.idx()].attempt;
        if let Some(al) = self.tasks[t.idx()].alignment.as_mut() {
            al.snapshotted = true;
        }
        if self.tasks[t.idx()].aborted.contains(&id) {
            // The coordinator already aborted it: skip the snapshot, tell downstream.
            self.broadcast_event(t, Item::Cancel(id), false);
            if !unaligned {
                self.tasks[t.idx()].alignment = None;
            }
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
        let awaiting_inputs: Vec<bool> = if unaligned {
            a.received.iter().map(|r| !r).collect()
        } else {
            vec![false; n_inputs]
        };
        let awaiting_count = awaiting_inputs.iter().filter(|x| **x).count();
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
            sync_started: now,
            async_started: None,
            upload_due: None,
            async_done: false,
            awaiting_inputs,
            awaiting_count,
        });
        if !unaligned {
            task.alignment = None;
        }
        task.in_sync = Some(id);
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
        if task.in_sync == Some(id) {
            task.in_sync = None;
        }
        if let Some(p) = task.in_progress.iter_mut().find(|p| p.id == id) {
            p.snapshot.metrics.sync_duration = now.since(p.sync_started);
            p.async_started = Some(now);
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
                .any(|p| p.upload_due.is_some() && !p.async_done)
        {
            return;
        }
        let attempt = task.attempt;
        let Some(p) = task
            .in_progress
            .iter_mut()
            .find(|p| p.async_started.is_some() && p.upload_due.is_none())
        else {
            return;
        };
        let size = p.snapshot.metrics.state_size + p.snapshot.metrics.persisted_data;
        let upload = SimDuration(op_async.0 + write.0 + size.saturating_mul(1000) / bandwidth);
        let due = now.plus(upload);
        p.upload_due = Some(due);
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
        let Some(pos) = task
            .in_progress
            .iter()
            .position(|p| p.id == id && p.upload_due == Some(now) && !p.async_done)
        else {
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
        p.async_done = true;
        if let Some(started) = p.async_started {
            p.snapshot.metrics.async_duration = now.since(started);
        }
        self.maybe_ack(t, id);
        self.start_next_upload(t);
    }

    /// Acknowledges once the upload is done and (unaligned) all channel state is collected.
    fn maybe_ack(&mut self, t: SubtaskId, id: CheckpointId) {
        let task = &mut self.tasks[t.idx()];
        let Some(pos) = task
            .in_progress
            .iter()
            .position(|p| p.id == id && p.async_done && p.awaiting_count == 0)
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

    /// At-least-once: a barrier of a checkpoint newer than the one `alignment` counts. Counted
    /// in `tracked`; if that completes a tracked checkpoint first (only possible when the older
    /// ones can no longer complete), the older ones are dropped and it is taken, as Flink's
    /// `CheckpointBarrierTracker` does.
    fn track_newer_barrier(&mut self, t: SubtaskId, input: u32, b: Barrier) {
        let n = self.graph.subtasks[t.idx()].inputs.len();
        let now = self.now;
        let task = &mut self.tasks[t.idx()];
        if let Some(pos) = task.tracked.iter().position(|a| a.id == b.id) {
            let a = &mut task.tracked[pos];
            if !a.received[input as usize] {
                a.received[input as usize] = true;
                a.num_received += 1;
            }
            if a.num_received == n {
                let done = task.tracked.remove(pos);
                task.tracked.drain(..pos);
                drop_alignment(task);
                task.alignment = done;
                self.start_next_upload(t);
                self.unblock_all(t);
                self.snapshot(t, false);
                self.promote_tracked(t);
            }
        } else if b.id > task.last_checkpoint {
            task.last_checkpoint = b.id;
            let mut received = vec![false; n];
            received[input as usize] = true;
            task.tracked.push_back(Alignment {
                id: b.id,
                barrier: b,
                first_barrier_at: now,
                received,
                num_received: 1,
                unaligned: false,
                snapshotted: false,
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
    fn promote_tracked(&mut self, t: SubtaskId) {
        loop {
            let mode = self.mode;
            let task = &mut self.tasks[t.idx()];
            if task.alignment.is_some() || task.tracked.is_empty() {
                return;
            }
            if mode != CheckpointingMode::AtLeastOnce {
                task.tracked.clear(); // the mode was changed live
                return;
            }
            let next = task.tracked.pop_front();
            let complete = next
                .as_ref()
                .map(|a| a.num_received == a.received.len())
                .unwrap_or(false);
            task.alignment = next;
            if !complete {
                return;
            }
            self.snapshot(t, false);
        }
    }

    /// At-least-once: a cancellation marker aborts its checkpoint and every older one still
    /// counted here (each declined, each marker passed on); newer ones go on being counted.
    fn on_cancel_marker_at_least_once(&mut self, t: SubtaskId, id: CheckpointId) {
        let mut found = false;
        while let Some(cur) = self.tasks[t.idx()].alignment.as_ref().map(|a| a.id) {
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

    /// A cancellation marker arrived: abort that checkpoint here and pass the marker on.
    fn on_cancel_marker(&mut self, t: SubtaskId, id: CheckpointId) {
        if self.mode == CheckpointingMode::AtLeastOnce {
            self.on_cancel_marker_at_least_once(t, id);
            return;
        }
        let current = self.tasks[t.idx()]
            .alignment
            .as_ref()
            .map(|a| (a.id, a.snapshotted));
        match current {
            Some((cur, _)) if cur == id => {
                self.abort_alignment(
                    t,
                    FailureReason::CheckpointDeclinedOnCancellationBarrier,
                    true,
                );
            }
            Some((cur, _)) if cur > id => {}
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
            .position(|p| p.id == id && p.awaiting_count > 0)
        {
            task.in_progress.remove(pos);
            self.start_next_upload(t);
        }
    }

    /// Gives up the current alignment: unblock, decline with `reason`, tell downstream.
    fn abort_alignment(&mut self, t: SubtaskId, reason: FailureReason, decline: bool) {
        let Some(a) = self.tasks[t.idx()].alignment.clone() else {
            return;
        };
        self.unblock_all(t);
        let task = &mut self.tasks[t.idx()];
        task.alignment = None;
        task.in_progress
            .retain(|p| p.id != a.id || p.async_done && p.awaiting_count == 0);
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
        if !a.snapshotted {
            self.broadcast_event(t, Item::Cancel(a.id), false);
        }
        self.promote_tracked(t);
    }

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
        if let Some(cur) = task.alignment.as_ref().map(|a| a.id) {
            if cur < b.id {
                self.abort_alignment(t, FailureReason::CheckpointDeclinedSubsumed, true);
            }
        }
        self.start_alignment(t, b);
        let unaligned = self.tasks[t.idx()]
            .alignment
            .as_ref()
            .map(|a| a.unaligned)
            .unwrap_or(false);
        self.snapshot(t, unaligned);
        // A source has no inputs: there is nothing more to collect.
        self.tasks[t.idx()].alignment = None;
        self.maybe_ack(t, b.id);
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
        if task
            .alignment
            .as_ref()
            .map(|a| a.id == id && a.snapshotted)
            .unwrap_or(false)
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

/// Drops the current alignment silently (Flink's `CheckpointBarrierTracker` forgets checkpoints
/// that can no longer complete without declining them), with any snapshot of it still collecting
/// channel state (possible only after a live switch from unaligned to at-least-once).
fn drop_alignment(task: &mut Task) {
    if let Some(old) = task.alignment.take() {
        task.in_progress
            .retain(|p| p.id != old.id || p.async_done && p.awaiting_count == 0);
    }
}

fn push_channel_state(s: &mut SubtaskSnapshot, input: u32, r: Record) {
    match s.channel_state.iter_mut().find(|(i, _)| *i == input) {
        Some((_, v)) => v.push(r),
        None => s.channel_state.push((input, vec![r])),
    }
}
