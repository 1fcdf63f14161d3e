//! A subtask's side of the network, as Flink's `RecordWriter` / `ResultPartition` and the input
//! gate's notifications: pending output into channels (backpressure when a channel is full,
//! overdraft before a snapshot), events to every output, priority events (an unaligned barrier
//! overtakes buffered data), freed buffers waking the producer, and an aligned barrier queued in
//! a channel promoted to the priority lane when its alignment timeout runs out.

use crate::sim::channel::{Barrier, Item};
use crate::sim::events::Event;
use crate::sim::ids::{ChannelId, CheckpointId, SimTime, SubtaskId};
use crate::sim::scenario::CheckpointingMode;
use crate::sim::Simulation;

impl Simulation {
    /// Pushes pending output into channels. With `overdraft`, full channels take it anyway
    /// (Flink's overdraft buffers, used before a snapshot). Returns false if still blocked.
    pub(crate) fn flush_output(&mut self, t: SubtaskId, overdraft: bool) -> bool {
        while let Some(&(c, record)) = self.tasks[t.idx()].pending_output.front() {
            let ch = &mut self.channels[c.idx()];
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
    pub(crate) fn send(&mut self, c: ChannelId, item: Item) {
        let visible_at = self.now.plus(self.latency);
        self.channels[c.idx()].push(item, self.now, visible_at);
        let info = &self.graph.channels[c.idx()];
        let (to, input) = (info.to, info.input_index);
        self.gates[to.idx()].on_push(visible_at, input);
        self.wake(to, visible_at);
    }

    /// Puts a barrier at the head of a channel (an unaligned checkpoint's barrier overtakes the
    /// buffered records) and tells the consumer's input gate.
    pub(super) fn send_priority(&mut self, c: ChannelId, b: Barrier) {
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
                    self.send(c, item);
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
                _ => self.send(c, item),
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
