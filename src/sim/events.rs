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

/// A heap entry: small (24 bytes) so that sifting is cheap; the event itself waits in a slab.
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

/// A priority queue of events ordered by (time, scheduling order).
#[derive(Debug, Clone, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Scheduled>,
    slab: Vec<Option<Event>>,
    free: Vec<u32>,
    next_seq: u64,
}

impl EventQueue {
    pub fn schedule(&mut self, at: SimTime, event: Event) {
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
        self.heap.push(Scheduled { at, seq, slot });
    }
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|s| s.at)
    }
    pub fn pop(&mut self) -> Option<(SimTime, Event)> {
        let s = self.heap.pop()?;
        let event = self.slab[s.slot as usize].take()?;
        self.free.push(s.slot);
        Some((s.at, event))
    }
    pub fn len(&self) -> usize {
        self.heap.len()
    }
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
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
}
