//! A subtask's main loop, as Flink's `MailboxProcessor` / `StreamTask.processInput`: priority
//! events first (barriers of unaligned checkpoints), then pending output, then the next input
//! (sources emit their next record); records update the operator state and are routed to the
//! output channels (forward, hash, rebalance, broadcast).

use super::*;
use crate::sim::channel::{Buffer, Channel, InFlight, Item, Record, Runs};
use crate::sim::gate::{Entry, Next};
use crate::sim::ids::{Attempt, SubtaskId};
use crate::sim::scenario::{OperatorKind, Partitioning};
use crate::sim::snapshot::OperatorState;
use crate::sim::task::subtask_checkpoint::push_channel_state;
use crate::sim::{prefetch, Simulation};
use std::rc::Rc;

/// A source whose record runs come faster than this wakes once per tick and emits the runs due.
pub const SOURCE_TICK: SimDuration = SimDuration(10_000);
/// A busy subtask takes an input buffer that has arrived while at most this much of its work is
/// still ahead (see [`Simulation::may_take_next_buffer`]).
pub const BATCH_WINDOW: SimDuration = SimDuration(1_000);
/// A buffer whose records would keep a subtask busy longer than this is read in parts of at most
/// this much work (see [`Simulation::take_chunk`]).
pub const READ_CHUNK: SimDuration = SimDuration(10_000);

impl Simulation {
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
            // Busy with a buffer's records: a priority event that has arrived (an unaligned
            // barrier) is taken at the end of the record being processed, as Flink's task
            // thread takes priority mail between two records; not during a synchronous
            // snapshot.
            let arrived = self.gates[t.idx()]
                .next_priority_time()
                .is_some_and(|at| at <= self.now);
            if arrived && task.in_sync().is_none() {
                let per_record = self.per_record(t).0;
                let left = self.tasks[t.idx()].busy_until.0 - self.now.0;
                let to_boundary = if per_record == 0 {
                    0
                } else {
                    left % per_record
                };
                if to_boundary > 0 {
                    self.wake(t, self.now.plus(SimDuration(to_boundary)));
                    return;
                }
                self.process_priority_events(t);
            }
            let task = &self.tasks[t.idx()];
            if task.attempt == attempt && task.is_running() && self.now < task.busy_until {
                let at = task.busy_until;
                self.wake(t, at);
                return;
            }
        }
        let is_source = self.graph.operator_of(t).kind == OperatorKind::Source;
        // Bound the work of one wake-up so a zero-cost operator cannot stall the event loop.
        for _ in 0..256 {
            if !self.tasks[t.idx()].is_running() || self.tasks[t.idx()].attempt != attempt {
                return;
            }
            self.process_priority_events(t);
            if self.now < self.tasks[t.idx()].busy_until
                && (is_source || !self.may_take_next_buffer(t))
            {
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
            if self.now < self.tasks[t.idx()].busy_until
                && (is_source || !self.may_take_next_buffer(t))
            {
                let at = self.tasks[t.idx()].busy_until;
                self.wake(t, at);
                return;
            }
        }
        self.wake(t, self.now);
    }

    /// A busy subtask may take its next input buffer now, its processing queued behind the
    /// current work, when that buffer has already arrived and the busy time still ahead is at
    /// most [`BATCH_WINDOW`] (not in a synchronous snapshot, never past an event: a barrier is
    /// always taken at its own time). This bounds the events per buffer; its outputs are written
    /// up to `BATCH_WINDOW` early (docs/model.md). Never for a source (its caller knows).
    fn may_take_next_buffer(&mut self, t: SubtaskId) -> bool {
        let task = &self.tasks[t.idx()];
        if task.busy_until.0.saturating_sub(self.now.0) > BATCH_WINDOW.0 || task.in_sync().is_some()
        {
            return false;
        }
        let gate = &self.gates[t.idx()];
        if gate.next_priority_time().is_some() {
            return false;
        }
        let Some(&Entry {
            at: visible,
            channel: c,
            ..
        }) = gate.available.front()
        else {
            return false;
        };
        let ch = &self.channels[c.idx()];
        visible <= self.now
            && !ch.blocked
            && matches!(ch.queue.front(), Some(f) if matches!(f.item, Item::Buffer(_)))
    }

    /// Emits the next record run of a source if it is due. Returns whether it did anything.
    /// A source whose runs come faster than [`SOURCE_TICK`] apart wakes once per tick and emits
    /// every run due (Flink's source reader is polled in a loop; the tick bounds the events).
    pub(super) fn source_step(&mut self, t: SubtaskId) -> bool {
        let task = &self.tasks[t.idx()];
        if self.now < task.next_emit_at {
            let op = self.graph.operator_of(t);
            let mut at = task.next_emit_at;
            if op.emit_interval < SOURCE_TICK {
                at = SimTime(at.0.div_ceil(SOURCE_TICK.0) * SOURCE_TICK.0);
            }
            self.wake(t, at);
            return false;
        }
        let OperatorState::Source { offset } = task.state else {
            return false;
        };
        let op = self.graph.operator_of(t);
        let interval = self.processing_time(t, op.emit_interval);
        let key_space = op.key_space.max(1) as u64;
        let n = op.run_records;
        let key = source_key(self.seed, t, offset, key_space);
        let record = Record {
            src: t.0,
            copy: 0,
            seq: offset,
            key,
            n,
        };
        if !self.write_direct(t, record) {
            self.route(t, &[record]);
        }
        if self.beyond_caches {
            self.prefetch_hash_channel(t, source_key(self.seed, t, offset + n as u64, key_space));
        }
        let task = &mut self.tasks[t.idx()];
        // In place: assigning a whole new state would drop the old one first.
        if let OperatorState::Source { offset: o } = &mut task.state {
            *o = offset + n as u64;
        }
        task.records_out += n as u64;
        // A source that fell behind (backpressure) does not catch up later, except for the
        // runs of one tick, which a tick's wake-up emits together.
        let floor = if interval < SOURCE_TICK {
            SimTime(self.now.0.saturating_sub(SOURCE_TICK.0))
        } else {
            self.now
        };
        task.next_emit_at = task.next_emit_at.plus(interval).max(floor);
        self.flush_output(t, false);
        true
    }

    /// Works out which channels each record run goes to and queues them as pending output.
    pub(super) fn route(&mut self, t: SubtaskId, records: &[Record]) {
        let graph = &*self.graph;
        let task = &mut self.tasks[t.idx()];
        let outputs = &graph.subtasks[t.idx()].outputs;
        if let [group] = &outputs[..] {
            if matches!(
                group.partitioning,
                Partitioning::Forward | Partitioning::Hash
            ) {
                // One job edge, one channel per record run (the common case, in one loop).
                route_one_edge(group, records, &mut task.pending_output);
                return;
            }
        }
        for record in records {
            for (g, group) in graph.subtasks[t.idx()].outputs.iter().enumerate() {
                let n = group.channels.len() as u32;
                let target = match group.partitioning {
                    Partitioning::Forward => 0,
                    Partitioning::Hash => hash_target(record.key, n as usize),
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
                                .push_back((*c, Record { copy, ..*record }));
                        }
                        continue;
                    }
                };
                let copy = next_copy(record.copy, group.edge, 0);
                task.pending_output
                    .push_back((group.channels[target], Record { copy, ..*record }));
            }
        }
    }

    /// Takes the next item from the input gate and handles it. Returns whether it did anything.
    pub(super) fn input_step(&mut self, t: SubtaskId) -> bool {
        let channels = &self.channels;
        let next = self.gates[t.idx()].next_regular(self.now, |c| channels[c.idx()].blocked);
        let (input, c) = match next {
            Next::Input(i, c) => (i, c),
            Next::WaitUntil(at) => {
                self.wake(t, at);
                return false;
            }
            Next::Idle => return false,
        };
        // The channel may have been emptied (its producer failed) or its head taken out of
        // turn (a barrier promoted to the priority lane) since it was queued.
        match self.channels[c.idx()].queue.front() {
            None => return true,
            Some(f) if f.visible_at > self.now => {
                let at = f.visible_at;
                self.gates[t.idx()].requeue(input, c, at);
                self.wake(t, at);
                return false;
            }
            Some(_) => {}
        }
        // While this item is handled, the channels of the next two (their queue's head in
        // place) are fetched, and the keyed state the next one updates.
        let available = &self.gates[t.idx()].available;
        for e in available.iter().take(2) {
            prefetch::all(&self.channels[e.channel.idx()]);
        }
        if let (true, Some(e), OperatorState::Keyed { keys, .. }) = (
            self.beyond_caches,
            available.front(),
            &self.tasks[t.idx()].state,
        ) {
            prefetch_key(&self.channels[e.channel.idx()], keys);
        }
        if let Some(part) = self.take_chunk(t, c) {
            // The rest of the buffer is read next: the channel keeps its turn.
            self.gates[t.idx()].requeue_front(input, c, self.now);
            self.process_buffer(t, input, &part);
            self.record_pool.give(part.records);
            return true;
        }
        let ch = &mut self.channels[c.idx()];
        let Some(f) = ch.pop() else {
            return true;
        };
        if let Some(next) = ch.queue.front() {
            let at = next.visible_at.max(self.now);
            self.gates[t.idx()].requeue(input, c, at);
        }
        self.after_pop(c);
        match f.item {
            Item::Buffer(b) => {
                self.process_buffer(t, input, &b);
                self.record_pool.give(b.records);
            }
            Item::Barrier(b) => self.on_barrier(t, input, b, 0),
            Item::Cancel(id) => self.barrier_input(t, BarrierInput::CancelMarker(id)),
        }
        true
    }

    /// The first records of the buffer at the head of channel `c`, if reading all of it would
    /// take subtask `t` longer than [`READ_CHUNK`]: they are taken out and the rest stays at the
    /// head (its segment still in use). Flink reads a buffer record by record; priority events,
    /// a changed processing speed and the next snapshot come between two records, here between
    /// two chunks.
    fn take_chunk(&mut self, t: SubtaskId, c: ChannelId) -> Option<Buffer> {
        let per_record = self.per_record(t).0;
        if per_record == 0 {
            return None;
        }
        let max = (READ_CHUNK.0 / per_record).max(1);
        let record_bytes = self.record_bytes;
        let Some(InFlight {
            item: Item::Buffer(b),
            ..
        }) = self.channels[c.idx()].queue.front_mut()
        else {
            return None;
        };
        if b.record_count() <= max {
            return None;
        }
        let mut part = Buffer::default();
        let mut left = max;
        let mut rest = Runs::default();
        for r in b.records.iter() {
            let take = (r.n as u64).min(left) as u32;
            if take > 0 {
                part.records
                    .push(Record { n: take, ..*r }, &mut self.record_pool);
                left -= take as u64;
            }
            if take < r.n {
                let seq = r.seq + take as u64;
                rest.push(
                    Record {
                        seq,
                        n: r.n - take,
                        ..*r
                    },
                    &mut self.record_pool,
                );
            }
        }
        part.bytes = max * record_bytes;
        b.bytes = b.bytes.saturating_sub(part.bytes);
        let old = std::mem::replace(&mut b.records, rest);
        self.record_pool.give(old);
        Some(part)
    }

    /// Processes every record of a buffer from `input`: the operator state, the alignment's
    /// processed data, the channel state of an unaligned snapshot, the output; the subtask is
    /// busy for the records' processing time.
    pub(super) fn process_buffer(&mut self, t: SubtaskId, input: InputIndex, b: &Buffer) {
        self.checks.on_record_delivered(t, input, self.now);
        let op = self.graph.operator_of(t);
        let kind = op.kind;
        let per_record = self.per_record(t);
        let task = &mut self.tasks[t.idx()];
        let count = b.record_count();
        task.records_in += count;
        task.bytes_in += b.bytes;
        self.debloaters[t.idx()].bytes_since += b.bytes;
        if let BarrierHandlerState::CollectingBarriers(a) = task.barriers.state_mut() {
            // Processed between the first barrier and the snapshot (aligned: not yet taken).
            a.processed_bytes += b.bytes;
        }
        // Unaligned: data from an input whose barrier has not arrived yet is channel state.
        for p in task.in_progress.iter_mut() {
            if p.awaiting.contains(input) {
                for r in &b.records {
                    push_channel_state(&mut p.snapshot, input, *r);
                }
                p.snapshot.metrics.persisted_data += b.bytes;
            }
        }
        match &mut task.state {
            OperatorState::Keyed { keys, count } => {
                for r in &b.records {
                    let (w, bit) = ((r.key / 64) as usize, r.key % 64);
                    if w < keys.len() && keys[w] & (1 << bit) == 0 {
                        Rc::make_mut(keys)[w] |= 1 << bit;
                        *count += 1;
                    }
                }
            }
            OperatorState::Sink { open, .. } => open.extend_from_slice(&b.records),
            _ => {}
        }
        let d = SimDuration(per_record.0.saturating_mul(count));
        task.busy_until = task.busy_until.max(self.now).plus(d);
        task.busy_us += d.0;
        if kind != OperatorKind::Sink {
            task.records_out += count;
            self.route(t, &b.records);
        }
    }

    /// Priority events that have arrived (barriers of unaligned checkpoints) are handled first.
    pub(super) fn process_priority_events(&mut self, t: SubtaskId) {
        while let Some(input) = self.gates[t.idx()].next_priority(self.now) {
            let c = self.graph.subtasks[t.idx()].inputs[input.idx()];
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
}

/// The key of the record run at `offset` of source subtask `t`.
#[inline(always)]
fn source_key(seed: u64, t: SubtaskId, offset: u64, key_space: u64) -> u32 {
    (mix64(seed ^ ((t.0 as u64) << 40) ^ offset) % key_space) as u32
}

/// Asks the CPU for the word of keyed state that the record run at the head of `ch` updates, if
/// that head is a buffer of one run (already fetched with its channel: reading it costs little).
#[inline(always)]
fn prefetch_key(ch: &Channel, keys: &[u64]) {
    if let Some(InFlight {
        item: Item::Buffer(b),
        ..
    }) = ch.queue.front()
    {
        if let Runs::One(r) = &b.records {
            if let Some(w) = keys.get((r.key / 64) as usize) {
                prefetch::line(w);
            }
        }
    }
}

/// Routes record runs over one forward or hash edge: the same channels and copy ids as
/// [`Simulation::route`] (a record run's copy id depends only on its own, so it is reused while
/// that stays the same, starting from the group's [`copy_hint`](crate::sim::graph::OutputGroup)).
fn route_one_edge(
    group: &crate::sim::graph::OutputGroup,
    records: &[Record],
    pending: &mut std::collections::VecDeque<(ChannelId, Record)>,
) {
    let hash = group.partitioning == Partitioning::Hash;
    let mut copies = group.copy_hint;
    pending.reserve(records.len());
    for record in records {
        let copy = if copies.0 == record.copy {
            copies.1
        } else {
            let to = next_copy(record.copy, group.edge, 0);
            copies = (record.copy, to);
            to
        };
        let c = one_edge_channel(group, hash, record);
        pending.push_back((c, Record { copy, ..*record }));
    }
}

/// The channel of a forward or hash edge (`hash`) a record run goes to.
#[inline(always)]
fn one_edge_channel(
    group: &crate::sim::graph::OutputGroup,
    hash: bool,
    record: &Record,
) -> ChannelId {
    let target = if hash {
        hash_target(record.key, group.channels.len())
    } else {
        0
    };
    ChannelId(group.first.0 + target as u32)
}

/// The channel (of `n`) a record with `key` goes to over a hash edge: a fixed hash of the key,
/// as Flink's `KeyGroupStreamPartitioner` sends a key to one subtask always (the simulation does
/// not model key groups).
#[inline(always)]
fn hash_target(key: u32, n: usize) -> usize {
    (mix64(u64::from(key) ^ 0x5EED) % n as u64) as usize
}

impl Simulation {
    /// Asks the CPU for the channel a record run with `key` of subtask `t` goes to, when `t` has
    /// one hash edge (a source's next run, whose channel is a cache miss in a large job).
    #[inline(never)]
    fn prefetch_hash_channel(&self, t: SubtaskId, key: u32) {
        if let [group] = &self.graph.subtasks[t.idx()].outputs[..] {
            if group.partitioning == Partitioning::Hash {
                let r = Record::one(0, 0, 0, key);
                prefetch::all(&self.channels[one_edge_channel(group, true, &r).idx()]);
            }
        }
    }

    /// Writes one record run of subtask `t` straight into its channel when that is all that
    /// [`Simulation::route`] then [`Simulation::flush_output`] would do: one forward or hash
    /// edge, no output pending or waited for, room in the channel. Returns false, having done
    /// nothing, otherwise.
    pub(super) fn write_direct(&mut self, t: SubtaskId, record: Record) -> bool {
        let task = &self.tasks[t.idx()];
        if !task.pending_output.is_empty()
            || task.backpressured
            || task.backpressured_since.is_some()
        {
            return false;
        }
        let graph = &*self.graph;
        let [group] = &graph.subtasks[t.idx()].outputs[..] else {
            return false;
        };
        let hash = match group.partitioning {
            Partitioning::Forward => false,
            Partitioning::Hash => true,
            _ => return false,
        };
        let c = one_edge_channel(group, hash, &record);
        if self.channels[c.idx()].is_full() {
            return false;
        }
        let copy = if group.copy_hint.0 == record.copy {
            group.copy_hint.1
        } else {
            next_copy(record.copy, group.edge, 0)
        };
        let bytes = self.write_record(t, c, Record { copy, ..record });
        self.tasks[t.idx()].bytes_out += bytes;
        true
    }
}
