//! The input gate of a consumer subtask: in which order its input channels deliver. One entry
//! per queued item, in the order the items were sent (latency is the same on every channel, so
//! this is arrival order). Entries of a channel blocked for alignment are set aside and put back
//! when it is unblocked, as Flink's `InputGate` re-enqueues a channel that becomes available.
//! An entry names its channel as well as its input, so taking it needs no lookup in the graph.

use super::ids::{ChannelId, InputIndex, SimTime};
use std::collections::VecDeque;

/// One queued regular item: when it reaches the consumer, and on which input (and channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub at: SimTime,
    pub input: InputIndex,
    pub channel: ChannelId,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputGate {
    /// One entry per regular item, in sending order.
    pub available: VecDeque<Entry>,
    /// Per input: entries set aside while the channel was blocked.
    pub deferred: Vec<u32>,
    /// (visible_at, input index) per priority event.
    pub priority: VecDeque<(SimTime, InputIndex)>,
}

/// What the gate offers next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The head item of this input channel is there to be consumed.
    Input(InputIndex, ChannelId),
    /// Nothing yet; the next item arrives at this time.
    WaitUntil(SimTime),
    /// Nothing queued at all (or only on blocked channels).
    Idle,
}

impl InputGate {
    pub fn new(inputs: usize) -> InputGate {
        InputGate {
            deferred: vec![0; inputs],
            ..Default::default()
        }
    }

    pub fn on_push(&mut self, visible_at: SimTime, input: InputIndex, channel: ChannelId) {
        self.available.push_back(Entry {
            at: visible_at,
            input,
            channel,
        });
    }

    pub fn on_push_priority(&mut self, visible_at: SimTime, input: InputIndex) {
        let pos = self.priority.partition_point(|e| e.0 <= visible_at);
        self.priority.insert(pos, (visible_at, input));
    }

    /// The next priority event that has arrived.
    pub fn next_priority(&mut self, now: SimTime) -> Option<InputIndex> {
        match self.priority.front() {
            Some(&(t, input)) if t <= now => {
                self.priority.pop_front();
                Some(input)
            }
            _ => None,
        }
    }

    /// When the next priority event arrives, if one is on its way.
    pub fn next_priority_time(&self) -> Option<SimTime> {
        self.priority.front().map(|e| e.0)
    }

    /// The next regular item to consume, skipping (and setting aside) blocked channels.
    pub fn next_regular(&mut self, now: SimTime, blocked: impl Fn(ChannelId) -> bool) -> Next {
        while let Some(&e) = self.available.front() {
            if blocked(e.channel) {
                self.available.pop_front();
                self.deferred[e.input.idx()] += 1;
                continue;
            }
            if e.at > now {
                return Next::WaitUntil(e.at);
            }
            self.available.pop_front();
            return Next::Input(e.input, e.channel);
        }
        Next::Idle
    }

    /// Puts back what a blocked channel had set aside: those items have all arrived already.
    pub fn unblock(&mut self, input: InputIndex, channel: ChannelId, now: SimTime) {
        let n = std::mem::take(&mut self.deferred[input.idx()]);
        if n == 0 {
            return;
        }
        let pos = self.available.partition_point(|e| e.at <= now);
        let e = Entry {
            at: now,
            input,
            channel,
        };
        for _ in 0..n {
            self.available.insert(pos, e);
        }
    }

    /// Forgets the entry of the `k`-th queued item of `input` (an item removed from the middle
    /// of its channel, such as an aligned barrier promoted to the priority lane).
    pub fn remove_item(&mut self, input: InputIndex, k: usize) {
        let d = &mut self.deferred[input.idx()];
        if (k as u32) < *d {
            *d -= 1;
            return;
        }
        let mut left = k - *d as usize;
        if let Some(pos) = self.available.iter().position(|e| {
            if e.input == input {
                if left == 0 {
                    return true;
                }
                left -= 1;
            }
            false
        }) {
            self.available.remove(pos);
        }
    }

    pub fn clear(&mut self) {
        self.available.clear();
        self.priority.clear();
        self.deferred.iter_mut().for_each(|d| *d = 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocked_channel_entries_wait_until_unblocked() {
        let mut g = InputGate::new(2);
        let (c0, c1) = (ChannelId(7), ChannelId(9));
        g.on_push(SimTime(1), InputIndex(0), c0);
        g.on_push(SimTime(1), InputIndex(1), c1);
        assert_eq!(
            g.next_regular(SimTime(5), |c| c == c0),
            Next::Input(InputIndex(1), c1)
        );
        assert_eq!(g.next_regular(SimTime(5), |c| c == c0), Next::Idle);
        g.unblock(InputIndex(0), c0, SimTime(5));
        assert_eq!(
            g.next_regular(SimTime(5), |_| false),
            Next::Input(InputIndex(0), c0)
        );
    }

    #[test]
    fn item_not_yet_arrived_makes_the_consumer_wait() {
        let mut g = InputGate::new(1);
        g.on_push(SimTime(10), InputIndex(0), ChannelId(0));
        assert_eq!(
            g.next_regular(SimTime(5), |_| false),
            Next::WaitUntil(SimTime(10))
        );
    }
}
