//! The event queue: virtual time with a FIFO tie-break (events at the same instant run in the
//! order they were scheduled), so a run is fully determined by its inputs.

use super::channel::Barrier;
use super::ids::{Attempt, ChannelId, CheckpointId, FencingToken, SimTime, SubtaskId};
use super::snapshot::SubtaskSnapshot;
use super::FailureReason;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::rc::Rc;

/// Everything that can happen at a point in simulated time.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A subtask looks at its inputs and outputs again.
    TaskWake { task: SubtaskId, attempt: Attempt },
    /// A subtask's output flusher fires (`execution.buffer-timeout.interval`).
    OutputFlush { task: SubtaskId, attempt: Attempt },
    /// A subtask's input gate ends a buffer-debloating period.
    DebloatPeriod { task: SubtaskId, attempt: Attempt },
    /// The synchronous part of a snapshot ends: the task resumes processing.
    SyncDone {
        task: SubtaskId,
        attempt: Attempt,
        id: CheckpointId,
    },
    /// The asynchronous part (upload) ends.
    AsyncDone {
        task: SubtaskId,
        attempt: Attempt,
        id: CheckpointId,
    },
    /// The coordinator's triggerCheckpoint RPC reaches a source subtask.
    TriggerTask {
        task: SubtaskId,
        attempt: Attempt,
        barrier: Barrier,
    },
    /// An aligned checkpoint's alignment timeout runs out at a subtask.
    AlignmentTimeout {
        task: SubtaskId,
        attempt: Attempt,
        id: CheckpointId,
    },
    /// An aligned barrier queued in a channel times out and becomes a priority event.
    ChannelBarrierTimeout {
        channel: ChannelId,
        id: CheckpointId,
    },
    /// notifyCheckpointComplete reaches a subtask.
    NotifyComplete {
        task: SubtaskId,
        attempt: Attempt,
        id: CheckpointId,
    },
    /// notifyCheckpointAborted reaches a subtask.
    NotifyAborted {
        task: SubtaskId,
        attempt: Attempt,
        id: CheckpointId,
    },
    /// An acknowledgement reaches the coordinator.
    Ack {
        rpc: u64,
        task: SubtaskId,
        attempt: Attempt,
        id: CheckpointId,
        snapshot: Rc<SubtaskSnapshot>,
    },
    /// A decline reaches the coordinator.
    Decline {
        rpc: u64,
        task: SubtaskId,
        attempt: Attempt,
        id: CheckpointId,
        reason: FailureReason,
    },
    /// The periodic checkpoint timer fires.
    PeriodicTrigger { token: FencingToken },
    /// A pending checkpoint's canceller fires.
    CheckpointTimeout {
        id: CheckpointId,
        session: FencingToken,
    },
    /// The checkpoint metadata write finishes.
    MetadataWritten {
        id: CheckpointId,
        session: FencingToken,
    },
    /// An injected fault (index into the run's fault log).
    Fault { index: usize },
    /// A failed region is redeployed after the restart backoff.
    RegionRestart { region: u32, token: FencingToken },
    /// A restarted subtask has read its state from the checkpoint.
    RestoreDone { task: SubtaskId, attempt: Attempt },
    /// A slow-down ends.
    SlowEnds {
        task: SubtaskId,
        token: FencingToken,
    },
    /// Checkpoint storage is reachable again.
    StorageBack { token: FencingToken },
    /// A new JobManager has taken over after a coordinator failover.
    CoordinatorRecovered { session: FencingToken },
}

/// A queue entry: small (24 bytes) so that moving it is cheap; the event itself waits in a slab.
#[derive(Debug, Clone, Copy)]
struct Scheduled {
    at: SimTime,
    seq: u64,
    slot: u32,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    // Reversed: BinaryHeap is a max-heap, the earliest (then first scheduled) must come out first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .at
            .cmp(&self.at)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

/// Levels of the radix heap (one per byte of the time) and slots per level (one per byte value).
const LEVELS: usize = 8;
const SLOTS: usize = 256;

/// A priority queue of events ordered by (time, scheduling order).
///
/// A radix heap over the time in bytes (simulated time only moves forward; `last` is the time of
/// the earliest events): an event goes to the level of the highest byte in which its time
/// differs from `last`, in the slot of that byte's value. Level 0 slots hold one time each, the
/// slot of `last` being taken from the front. When level 0 is used up, the lowest slot of the
/// lowest level left is spread over the lower levels. Entries are appended and moved in order,
/// and every event of one time is always in one slot, so the events of one instant come out in
/// the order they were scheduled (the FIFO tie-break); an event moves at most once per level.
/// An event scheduled before `last` (a run paused between events, then given an input) waits in
/// a small binary heap that is emptied first, so the order is still (time, scheduling order).
#[derive(Debug, Clone)]
pub struct EventQueue {
    slots: Vec<Vec<Scheduled>>,
    /// Per level, a bit per slot that holds entries.
    occupied: [[u64; SLOTS / 64]; LEVELS],
    /// Entries of the slot of `last` already taken.
    head: usize,
    last: SimTime,
    late: BinaryHeap<Scheduled>,
    len: usize,
    slab: Vec<Option<Event>>,
    free: Vec<u32>,
    next_seq: u64,
}

impl Default for EventQueue {
    fn default() -> Self {
        EventQueue {
            slots: vec![Vec::new(); LEVELS * SLOTS],
            occupied: [[0; SLOTS / 64]; LEVELS],
            head: 0,
            last: SimTime::ZERO,
            late: BinaryHeap::new(),
            len: 0,
            slab: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
        }
    }
}

impl EventQueue {
    /// Puts an entry (at or after `last`) into its level and slot.
    fn place(&mut self, e: Scheduled) {
        let x = e.at.0 ^ self.last.0;
        let level = if x == 0 {
            0
        } else {
            (63 - x.leading_zeros()) as usize / 8
        };
        let slot = ((e.at.0 >> (8 * level)) & 0xFF) as usize;
        self.slots[level * SLOTS + slot].push(e);
        self.occupied[level][slot / 64] |= 1 << (slot % 64);
    }

    /// The lowest slot of `level` that holds entries.
    fn lowest_slot(&self, level: usize) -> Option<usize> {
        let words = &self.occupied[level];
        (0..words.len())
            .find(|&w| words[w] != 0)
            .map(|w| w * 64 + words[w].trailing_zeros() as usize)
    }

    /// The lowest level above 0 that holds entries, with its lowest slot.
    fn lowest_above_0(&self) -> Option<(usize, usize)> {
        (1..LEVELS).find_map(|l| self.lowest_slot(l).map(|s| (l, s)))
    }

    fn clear_slot(&mut self, level: usize, slot: usize) {
        self.occupied[level][slot / 64] &= !(1 << (slot % 64));
    }

    pub fn schedule(&mut self, at: SimTime, event: Event) {
        self.push(at, event);
    }

    /// Schedules `Event::TaskWake { task, attempt }`, the most frequent event, built here: it is
    /// written straight into its slot. Passed to [`EventQueue::schedule`], it would be written
    /// to the stack field by field and copied from there in wide loads, which must wait for
    /// those stores (no store-to-load forwarding): the costliest few instructions of a run.
    pub fn schedule_wake(&mut self, at: SimTime, task: SubtaskId, attempt: Attempt) {
        self.push(at, Event::TaskWake { task, attempt });
    }

    #[inline(always)]
    fn push(&mut self, at: SimTime, event: Event) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let slot = match self.free.pop() {
            Some(i) => {
                self.slab[i as usize] = Some(event);
                i
            }
            None => {
                self.slab.push(Some(event));
                (self.slab.len() - 1) as u32
            }
        };
        let entry = Scheduled { at, seq, slot };
        self.len += 1;
        if at < self.last {
            self.late.push(entry);
        } else {
            self.place(entry);
        }
    }

    /// Makes the slot of `last` hold the earliest events (unless late ones come first);
    /// returns whether any event is queued.
    #[inline(always)]
    fn settle(&mut self) -> bool {
        self.head < self.slots[(self.last.0 & 0xFF) as usize].len()
            || !self.late.is_empty()
            || self.settle_next_slot()
    }

    /// The slot of `last` is used up: moves on to the next one (spreading a higher level's
    /// slot if level 0 is empty).
    #[inline(never)]
    fn settle_next_slot(&mut self) -> bool {
        let current = (self.last.0 & 0xFF) as usize;
        if self.head > 0 {
            self.slots[current].clear();
            self.clear_slot(0, current);
            self.head = 0;
        }
        loop {
            if let Some(slot) = self.lowest_slot(0) {
                self.last = SimTime(self.last.0 & !0xFF | slot as u64);
                return true;
            }
            let Some((level, slot)) = self.lowest_above_0() else {
                return false;
            };
            // `last` moves to the start of that slot; its entries spread over lower levels.
            let shift = 8 * level as u32;
            let below = if shift + 8 >= 64 {
                u64::MAX
            } else {
                (1u64 << (shift + 8)) - 1
            };
            self.last = SimTime(self.last.0 & !below | (slot as u64) << shift);
            self.clear_slot(level, slot);
            let mut spread = std::mem::take(&mut self.slots[level * SLOTS + slot]);
            for e in spread.drain(..) {
                self.place(e);
            }
            self.slots[level * SLOTS + slot] = spread;
        }
    }

    /// The time of the next event (settling the queue so that taking it is cheap).
    pub fn next_time(&mut self) -> Option<SimTime> {
        if !self.settle() {
            return None;
        }
        Some(match self.late.peek() {
            Some(e) => e.at,
            None => self.last,
        })
    }

    /// The time of the next event, without settling the queue.
    pub fn peek_time(&self) -> Option<SimTime> {
        if let Some(e) = self.late.peek() {
            return Some(e.at);
        }
        let current = (self.last.0 & 0xFF) as usize;
        if self.head < self.slots[current].len() {
            return Some(self.last);
        }
        // Level 0 (one time per slot): the slot of `last` is used up; the next one counts.
        let level0 = (current + 1..SLOTS).find(|&s| !self.slots[s].is_empty());
        if let Some(slot) = level0 {
            return Some(SimTime(self.last.0 & !0xFF | slot as u64));
        }
        let (level, slot) = self.lowest_above_0()?;
        self.slots[level * SLOTS + slot].iter().map(|e| e.at).min()
    }

    pub fn pop(&mut self) -> Option<(SimTime, Event)> {
        if !self.settle() {
            return None;
        }
        let s = match self.late.pop() {
            Some(s) => s,
            None => {
                let s = self.slots[(self.last.0 & 0xFF) as usize][self.head];
                self.head += 1;
                s
            }
        };
        self.len -= 1;
        let event = self.slab[s.slot as usize].take()?;
        self.free.push(s.slot);
        Some((s.at, event))
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_at_the_same_instant_run_in_scheduling_order() {
        let mut q = EventQueue::default();
        q.schedule(
            SimTime(5),
            Event::StorageBack {
                token: FencingToken(1),
            },
        );
        q.schedule(
            SimTime(3),
            Event::StorageBack {
                token: FencingToken(2),
            },
        );
        q.schedule(
            SimTime(5),
            Event::StorageBack {
                token: FencingToken(3),
            },
        );
        let order: Vec<u64> = std::iter::from_fn(|| q.pop())
            .map(|(_, e)| match e {
                Event::StorageBack { token } => token.0,
                _ => 0,
            })
            .collect();
        assert_eq!(order, vec![2, 1, 3]);
    }
    #[test]
    fn events_come_out_by_time_then_scheduling_order_whatever_the_interleaving() {
        // A reference: sort by (time, scheduling order). Times repeat often, and some events
        // are scheduled before the time of the last one taken out.
        let mut q = EventQueue::default();
        let mut reference: Vec<(u64, u64)> = Vec::new();
        let (mut z, mut now, mut token) = (11u64, 0u64, 0u64);
        for _ in 0..20_000 {
            z = crate::sim::task::mix64(z);
            if z % 3 != 0 {
                let ahead = [0, 1, 2_000, 10_000, 100_000, z >> 40][(z >> 8) as usize % 6];
                let at = if z % 97 == 0 { now / 2 } else { now + ahead };
                q.schedule(
                    SimTime(at),
                    Event::StorageBack {
                        token: FencingToken(token),
                    },
                );
                reference.push((at, token));
                token += 1;
            } else if z % 5 == 0 {
                // Looking ahead settles the queue past `now` (a run paused between events).
                assert_eq!(q.next_time(), reference.iter().map(|r| SimTime(r.0)).min());
            } else if let Some((at, e)) = q.pop() {
                let k = (0..reference.len()).min_by_key(|&k| reference[k]).unwrap();
                let want = reference.remove(k);
                let Event::StorageBack { token: got } = e else {
                    panic!()
                };
                assert_eq!((at.0, got.0), want);
                assert_eq!(q.peek_time(), reference.iter().map(|r| SimTime(r.0)).min());
                now = now.max(at.0);
            }
            assert_eq!(q.len(), reference.len());
        }
    }
}
