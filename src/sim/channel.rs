//! A channel: the FIFO path from one producer subtask to one consumer subtask (Flink's result
//! subpartition plus the consumer's input channel, taken as one queue). It carries records,
//! checkpoint barriers and cancellation markers. Its capacity in buffers is what creates
//! backpressure: a producer whose target channel is full must wait. Events (barriers, markers)
//! take no buffer, as in Flink. Unaligned barriers travel in a separate priority lane and so
//! overtake the queued records.

use super::ids::{CheckpointId, SimTime};
use std::collections::VecDeque;

/// One record. `src`/`seq` number it at its source subtask; `copy` tells apart the copies a
/// broadcast or a fan-out makes; `key` drives hash partitioning and keyed state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Record {
    pub src: u32,
    pub copy: u32,
    pub seq: u64,
    pub key: u32,
}

/// A checkpoint barrier, as Flink's `CheckpointBarrier` (id, timestamp, options).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Barrier {
    pub id: CheckpointId,
    /// When the coordinator triggered the checkpoint (start delay and alignment timeout use it).
    pub trigger_time: SimTime,
    pub savepoint: bool,
    /// The checkpoint is taken unaligned from the start (unaligned checkpoints, or an aligned
    /// one whose alignment timeout has run out).
    pub unaligned: bool,
    /// The aligned checkpoint timeout in force (0: none), µs.
    pub aligned_timeout_us: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Record(Record),
    Barrier(Barrier),
    /// Flink's `CancelCheckpointMarker`: the checkpoint was aborted upstream.
    Cancel(CheckpointId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InFlight {
    pub item: Item,
    pub sent_at: SimTime,
    /// When the item reaches the consumer's side of the channel.
    pub visible_at: SimTime,
    /// For a priority barrier: how many queued items it overtook that are still ahead of it.
    pub overtaken: u32,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Channel {
    /// Records, aligned barriers and cancel markers, in order.
    pub queue: VecDeque<InFlight>,
    /// Priority events: barriers of unaligned checkpoints, which overtake `queue`.
    pub priority: VecDeque<InFlight>,
    /// Records in `queue` (each takes one buffer).
    pub records: u32,
    pub capacity: u32,
    /// Blocked by the consumer during alignment: nothing past the barrier is consumed.
    pub blocked: bool,
    /// The producer is waiting for a free buffer here.
    pub producer_waiting: bool,
    /// Records ever sent through this channel.
    pub total_records: u64,
}

impl Channel {
    pub fn new(capacity: u32) -> Channel {
        Channel {
            capacity,
            ..Default::default()
        }
    }

    pub fn has_space(&self) -> bool {
        self.records < self.capacity
    }

    pub fn is_full(&self) -> bool {
        self.records >= self.capacity
    }

    /// Appends a record or event at the tail. Records may exceed the capacity only when the
    /// producer was granted an overdraft (flushing a record before an unaligned snapshot).
    pub fn push(&mut self, item: Item, now: SimTime, visible_at: SimTime) {
        if matches!(item, Item::Record(_)) {
            self.records += 1;
            self.total_records += 1;
        }
        self.queue.push_back(InFlight {
            item,
            sent_at: now,
            visible_at,
            overtaken: 0,
        });
    }

    /// Puts a barrier in the priority lane: it overtakes everything queued now.
    pub fn push_priority(&mut self, barrier: Barrier, now: SimTime, visible_at: SimTime) {
        let overtaken = self.queue.len() as u32;
        self.priority.push_back(InFlight {
            item: Item::Barrier(barrier),
            sent_at: now,
            visible_at,
            overtaken,
        });
    }

    /// Removes the head of the regular queue.
    pub fn pop(&mut self) -> Option<InFlight> {
        let f = self.queue.pop_front()?;
        if matches!(f.item, Item::Record(_)) {
            self.records -= 1;
        }
        for p in self.priority.iter_mut() {
            p.overtaken = p.overtaken.saturating_sub(1);
        }
        Some(f)
    }

    /// Position in `queue` of the aligned barrier of checkpoint `id`, if it is queued.
    pub fn find_barrier(&self, id: CheckpointId) -> Option<usize> {
        self.queue
            .iter()
            .position(|f| matches!(f.item, Item::Barrier(b) if b.id == id))
    }

    /// Moves the queued aligned barrier at `pos` to the priority lane (an aligned barrier that
    /// timed out in the output buffers). Returns the barrier.
    pub fn promote_barrier(&mut self, pos: usize, now: SimTime) -> Option<Barrier> {
        let f = self.queue.remove(pos)?;
        let Item::Barrier(mut b) = f.item else {
            self.queue.insert(pos, f);
            return None;
        };
        b.unaligned = true;
        for p in self.priority.iter_mut() {
            if p.overtaken as usize > pos {
                p.overtaken -= 1;
            }
        }
        self.priority.push_back(InFlight {
            item: Item::Barrier(b),
            sent_at: f.sent_at,
            visible_at: f.visible_at.max(now),
            overtaken: pos as u32,
        });
        Some(b)
    }

    /// Drops everything (the consumer or producer restarted).
    pub fn clear(&mut self) {
        self.queue.clear();
        self.priority.clear();
        self.records = 0;
        self.blocked = false;
        self.producer_waiting = false;
    }

    /// In-flight records of this channel, for the UI and for persisted channel state.
    pub fn queued_records(&self) -> impl Iterator<Item = &Record> {
        self.queue.iter().filter_map(|f| match &f.item {
            Item::Record(r) => Some(r),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(seq: u64) -> Item {
        Item::Record(Record {
            src: 0,
            copy: 0,
            seq,
            key: 0,
        })
    }

    fn barrier(id: u64) -> Barrier {
        Barrier {
            id: CheckpointId(id),
            trigger_time: SimTime(0),
            savepoint: false,
            unaligned: false,
            aligned_timeout_us: 0,
        }
    }

    #[test]
    fn records_take_buffers_and_events_do_not() {
        let mut c = Channel::new(2);
        c.push(rec(0), SimTime(0), SimTime(1));
        c.push(Item::Barrier(barrier(1)), SimTime(0), SimTime(1));
        assert!(c.has_space());
        c.push(rec(1), SimTime(0), SimTime(1));
        assert!(c.is_full());
        c.pop();
        assert!(c.has_space());
    }

    #[test]
    fn priority_barrier_counts_the_items_it_overtook() {
        let mut c = Channel::new(8);
        c.push(rec(0), SimTime(0), SimTime(1));
        c.push(rec(1), SimTime(0), SimTime(1));
        c.push_priority(barrier(1), SimTime(0), SimTime(1));
        assert_eq!(c.priority[0].overtaken, 2);
        c.pop();
        assert_eq!(c.priority[0].overtaken, 1);
    }

    #[test]
    fn promoted_barrier_overtakes_the_records_ahead_of_it() {
        let mut c = Channel::new(8);
        c.push(rec(0), SimTime(0), SimTime(1));
        c.push(Item::Barrier(barrier(4)), SimTime(0), SimTime(1));
        c.push(rec(1), SimTime(0), SimTime(1));
        let pos = c.find_barrier(CheckpointId(4)).unwrap();
        let b = c.promote_barrier(pos, SimTime(5)).unwrap();
        assert!(b.unaligned);
        assert_eq!(c.queue.len(), 2);
        assert_eq!(c.priority[0].overtaken, 1);
    }
}
