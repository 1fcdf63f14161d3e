//! A subtask's side of the network, as Flink's `RecordWriter` / `ResultPartition`, its
//! `OutputFlusher`, and the input gate's notifications: pending output serialized into the
//! buffer being filled of each channel (backpressure when a channel has no buffer left,
//! overdraft before a snapshot), a buffer sent when full, on the buffer timeout or before an
//! event, events to every output, priority events (an unaligned barrier overtakes buffered
//! data), freed buffers waking the producer, buffer debloating announcing new buffer sizes, and
//! an aligned barrier queued in a channel promoted to the priority lane when its alignment
//! timeout runs out.

use crate::sim::channel::{Barrier, Item, Record};
use crate::sim::events::Event;
use crate::sim::ids::{ChannelId, CheckpointId, SimTime, SubtaskId};
use crate::sim::scenario::CheckpointingMode;
use crate::sim::{prefetch, Simulation};

impl Simulation {
    /// Writes pending output into the channels' buffers. With `overdraft`, full channels take
    /// it anyway (Flink's overdraft buffers, used before a snapshot). Returns false if still
    /// blocked.
    #[inline(always)]
    pub(crate) fn flush_output(&mut self, t: SubtaskId, overdraft: bool) -> bool {
        let task = &self.tasks[t.idx()];
        if task.pending_output.is_empty()
            && !task.backpressured
            && task.backpressured_since.is_none()
        {
            return true; // nothing to write, and not waiting
        }
        self.write_pending_output(t, overdraft)
    }

    #[inline(never)]
    fn write_pending_output(&mut self, t: SubtaskId, overdraft: bool) -> bool {
        // Taken out while writing (sending a buffer never looks at the producer's output).
        let mut pending = std::mem::take(&mut self.tasks[t.idx()].pending_output);
        let mut bytes_out = 0;
        let mut blocked = false;
        while let Some(&(c, record)) = pending.front() {
            if let Some(&(next, _)) = pending.get(2) {
                prefetch::all(&self.channels[next.idx()]);
            }
            let ch = &mut self.channels[c.idx()];
            if !overdraft && ch.is_full() {
                ch.producer_waiting = true;
                blocked = true;
                break;
            }
            pending.pop_front();
            bytes_out += self.write_record(t, c, record);
        }
        let now = self.now;
        let task = &mut self.tasks[t.idx()];
        task.pending_output = pending;
        task.bytes_out += bytes_out;
        if blocked {
            task.backpressured = true;
            task.backpressured_since.get_or_insert(now);
            return false;
        }
        task.backpressured = false;
        if let Some(since) = task.backpressured_since.take() {
            task.backpressured_us += now.0.saturating_sub(since.0);
        }
        true
    }

    /// Writes a record run of subtask `t` into channel `c` (which has room, or takes an
    /// overdraft): a full buffer is sent, so is every record with a buffer timeout of 0, and a
    /// buffer that starts filling is left to the output flusher. Returns the bytes written.
    #[inline(always)]
    pub(crate) fn write_record(&mut self, t: SubtaskId, c: ChannelId, record: Record) -> u64 {
        let ch = &mut self.channels[c.idx()];
        let was_empty = ch.building.records.is_empty();
        let bytes = record.n as u64 * self.record_bytes;
        if ch.write(record, bytes, &mut self.record_pool) {
            self.finish_buffer(c);
        } else if self.flush_every_record {
            self.flush_buffer(c);
        } else if was_empty {
            self.tasks[t.idx()].dirty_outputs.push(c);
        }
        bytes
    }

    /// Sends the buffer being filled in channel `c`, if it holds anything, and tells the
    /// consumer's input gate.
    pub(crate) fn finish_buffer(&mut self, c: ChannelId) {
        let visible_at = self.now.plus(self.latency);
        if self.channels[c.idx()].finish(self.now, visible_at, &mut self.record_pool) {
            self.notify_consumer(c, visible_at);
        }
    }

    /// Sends what was written into channel `c`'s current segment since the last flush, as a
    /// slice (the output flusher, or a buffer timeout of 0), and tells the consumer.
    pub(crate) fn flush_buffer(&mut self, c: ChannelId) {
        let visible_at = self.now.plus(self.latency);
        if self.channels[c.idx()].flush(self.now, visible_at, &mut self.record_pool) {
            self.notify_consumer(c, visible_at);
        }
    }

    /// Tells the consumer of `c` that an item arrives at `visible_at`.
    fn notify_consumer(&mut self, c: ChannelId, visible_at: SimTime) {
        let info = &self.graph.channels[c.idx()];
        let (to, input) = (info.to, info.input_index);
        self.gates[to.idx()].on_push(visible_at, input, c);
        self.wake(to, visible_at);
    }

    /// The output flusher of subtask `t` fires: every partly filled buffer is sent.
    pub(crate) fn on_output_flush(&mut self, t: SubtaskId, attempt: crate::sim::ids::Attempt) {
        let task = &mut self.tasks[t.idx()];
        if task.attempt != attempt || !task.is_running() {
            return;
        }
        let dirty = std::mem::take(&mut task.dirty_outputs);
        for (i, &c) in dirty.iter().enumerate() {
            if let Some(next) = dirty.get(i + 2) {
                prefetch::all(&self.channels[next.idx()]);
                prefetch::line(&self.graph.channels[next.idx()]);
            }
            self.flush_buffer(c);
        }
        let mut dirty = dirty;
        dirty.clear();
        self.tasks[t.idx()].dirty_outputs = dirty;
        if let Some(timeout) = self.buffer_timeout {
            self.queue.schedule(
                self.now.plus(timeout),
                Event::OutputFlush { task: t, attempt },
            );
        }
    }

    /// Starts subtask `t`'s output flusher and its input gate's debloater (at deployment).
    pub(crate) fn start_network_timers(&mut self, t: SubtaskId) {
        let attempt = self.tasks[t.idx()].attempt;
        let info = &self.graph.subtasks[t.idx()];
        let (has_outputs, has_inputs) = (!info.outputs.is_empty(), !info.inputs.is_empty());
        if let (true, Some(timeout)) = (has_outputs, self.buffer_timeout) {
            self.queue.schedule(
                self.now.plus(timeout),
                Event::OutputFlush { task: t, attempt },
            );
        }
        if let (true, Some(period)) = (has_inputs, self.debloat_period) {
            self.debloaters[t.idx()] = Default::default();
            self.queue.schedule(
                self.now.plus(period),
                Event::DebloatPeriod { task: t, attempt },
            );
        }
    }

    /// A debloating period of subtask `t`'s input gate ends: it may announce a new buffer size
    /// to the producers of its input channels.
    pub(crate) fn on_debloat_period(&mut self, t: SubtaskId, attempt: crate::sim::ids::Attempt) {
        let task = &self.tasks[t.idx()];
        let Some(period) = self.debloat_period else {
            return;
        };
        if task.attempt != attempt || !task.is_running() {
            return;
        }
        let inputs = &self.graph.subtasks[t.idx()].inputs;
        let in_use: u32 = inputs
            .iter()
            .map(|c| self.channels[c.idx()].buffers_in_use())
            .sum();
        let spec = &self.scenario.network.buffer_debloat;
        let segment = self.scenario.network.segment_size;
        if let Some(size) = self.debloaters[t.idx()].on_period(spec, segment, in_use) {
            for c in inputs.clone() {
                self.channels[c.idx()].buffer_size = size;
            }
        }
        self.queue.schedule(
            self.now.plus(period),
            Event::DebloatPeriod { task: t, attempt },
        );
    }

    /// Appends an event to a channel, behind the buffer being filled (which is sent first, as
    /// Flink's `RecordWriter.broadcastEvent` finishes its buffer builders), and tells the
    /// consumer's input gate.
    pub(crate) fn send(&mut self, c: ChannelId, item: Item) {
        self.finish_buffer(c);
        let visible_at = self.now.plus(self.latency);
        self.channels[c.idx()].push(item, self.now, visible_at);
        self.notify_consumer(c, visible_at);
    }

    /// Puts a barrier at the head of a channel (an unaligned checkpoint's barrier overtakes the
    /// buffered records) and tells the consumer's input gate.
    pub(super) fn send_priority(&mut self, c: ChannelId, b: Barrier) {
        // The partly filled buffer is sent too, and overtaken with the rest.
        self.finish_buffer(c);
        let visible_at = self.now.plus(self.latency);
        self.channels[c.idx()].push_priority(b, self.now, visible_at);
        let info = &self.graph.channels[c.idx()];
        let (to, input) = (info.to, info.input_index);
        self.gates[to.idx()].on_push_priority(visible_at, input);
        self.wake(to, visible_at);
    }

    /// Sends an event to every output channel; barriers of unaligned checkpoints go first.
    pub(crate) fn broadcast_event(&mut self, t: SubtaskId, item: Item, priority: bool) {
        let channels: Vec<ChannelId> = self.graph.subtasks[t.idx()]
            .outputs
            .iter()
            .flat_map(|g| g.channels.iter().copied())
            .collect();
        for c in channels {
            match item {
                Item::Barrier(b) if priority => self.send_priority(c, b),
                Item::Barrier(b) => {
                    self.send(c, item.clone());
                    if b.aligned_timeout_us > 0 {
                        let deadline =
                            SimTime(b.trigger_time.0.saturating_add(b.aligned_timeout_us));
                        self.queue.schedule(
                            deadline.max(self.now),
                            Event::ChannelBarrierTimeout {
                                channel: c,
                                id: b.id,
                            },
                        );
                    }
                }
                _ => self.send(c, item.clone()),
            }
        }
    }

    /// A buffer was freed in channel `c`: wake its producer if it was waiting.
    pub(super) fn after_pop(&mut self, c: ChannelId) {
        let ch = &mut self.channels[c.idx()];
        if ch.producer_waiting && ch.has_space() {
            ch.producer_waiting = false;
            let from = self.graph.channels[c.idx()].from;
            self.wake(from, self.now);
        }
    }

    /// Moves the aligned barrier of checkpoint `id` queued in channel `c` to the priority lane
    /// and tells the consumer's input gate. Returns when it reaches the consumer, if it was
    /// queued there.
    pub(crate) fn promote_queued_barrier(
        &mut self,
        c: ChannelId,
        id: CheckpointId,
    ) -> Option<SimTime> {
        let pos = self.channels[c.idx()].find_barrier(id)?;
        let info = &self.graph.channels[c.idx()];
        let (to, input) = (info.to, info.input_index);
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
    pub(crate) fn on_channel_barrier_timeout(&mut self, c: ChannelId, id: CheckpointId) {
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
}
