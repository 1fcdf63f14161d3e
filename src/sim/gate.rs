//! The input gate of a consumer subtask: in which order its input channels deliver, as Flink's
//! `SingleInputGate` with its queue of channels with data (`inputChannelsWithData`). A channel is
//! queued once, when data arrives on it; the consumer takes one buffer or event from the channel
//! at the head and, if the channel has more, queues it again at the tail: channels with data
//! take turns, one buffer each. A channel blocked for alignment is set aside when it comes up
//! and queued again when it is unblocked (Flink's `resumeConsumption`). An entry names its
//! channel as well as its input, so taking it needs no lookup in the graph.

use super::ids::{ChannelId, InputIndex, SimTime};
use std::collections::VecDeque;

/// A channel with data: when its head item reaches the consumer, and which input (and channel)
/// it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub at: SimTime,
    pub input: InputIndex,
    pub channel: ChannelId,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputGate {
    /// One entry per channel with data, in turn order.
    pub available: VecDeque<Entry>,
    /// Per input: queued in `available`, or set aside while blocked (at most one entry each).
    pub queued: Vec<bool>,
    /// Per input: its entry was set aside while the channel was blocked.
    pub deferred: Vec<bool>,
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
            queued: vec![false; inputs],
            deferred: vec![false; inputs],
            ..Default::default()
        }
    }

    /// An item was queued in `input`'s channel, arriving at `visible_at`: the channel takes its
    /// turn at the tail, unless it is queued already.
    pub fn on_push(&mut self, visible_at: SimTime, input: InputIndex, channel: ChannelId) {
        if !self.queued[input.idx()] {
            self.requeue(input, channel, visible_at);
        }
    }

    /// The consumer took the head item of `input`'s channel, which has more: `next_visible` is
    /// when its new head arrives. The channel takes its turn again at the tail.
    pub fn requeue(&mut self, input: InputIndex, channel: ChannelId, next_visible: SimTime) {
        self.queued[input.idx()] = true;
        self.enqueue(Entry {
            at: next_visible,
            input,
            channel,
        });
    }

    /// The consumer read part of the head buffer of `input`'s channel: the channel stays first
    /// (Flink's task reads a buffer to its end before it polls the gate again).
    pub fn requeue_front(&mut self, input: InputIndex, channel: ChannelId, now: SimTime) {
        self.queued[input.idx()] = true;
        self.available.push_front(Entry {
            at: now,
            input,
            channel,
        });
    }

    /// Queues a channel behind every channel whose head arrives no later.
    #[inline(always)]
    fn enqueue(&mut self, e: Entry) {
        match self.available.back() {
            Some(last) if last.at > e.at => {
                let pos = self.available.partition_point(|x| x.at <= e.at);
                self.available.insert(pos, e);
            }
            _ => self.available.push_back(e),
        }
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

    /// The channel whose turn it is, skipping (and setting aside) blocked channels. The
    /// channel returned is no longer queued: the consumer queues it again if it has more
    /// ([`InputGate::requeue`]).
    pub fn next_regular(&mut self, now: SimTime, blocked: impl Fn(ChannelId) -> bool) -> Next {
        while let Some(&e) = self.available.front() {
            if blocked(e.channel) {
                self.available.pop_front();
                self.deferred[e.input.idx()] = true;
                continue;
            }
            if e.at > now {
                return Next::WaitUntil(e.at);
            }
            self.available.pop_front();
            self.queued[e.input.idx()] = false;
            return Next::Input(e.input, e.channel);
        }
        Next::Idle
    }

    /// A blocked channel is released: if it was set aside, it takes its turn at the tail (its
    /// head has arrived already).
    pub fn unblock(&mut self, input: InputIndex, channel: ChannelId, now: SimTime) {
        if std::mem::take(&mut self.deferred[input.idx()]) {
            self.enqueue(Entry {
                at: now,
                input,
                channel,
            });
        }
    }

    pub fn clear(&mut self) {
        self.available.clear();
        self.priority.clear();
        self.queued.iter_mut().for_each(|q| *q = false);
        self.deferred.iter_mut().for_each(|d| *d = false);
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

    #[test]
    fn channels_with_data_take_turns_one_item_each() {
        let mut g = InputGate::new(2);
        let (c0, c1) = (ChannelId(3), ChannelId(4));
        g.on_push(SimTime(1), InputIndex(0), c0);
        g.on_push(SimTime(1), InputIndex(0), c0);
        g.on_push(SimTime(1), InputIndex(1), c1);
        assert_eq!(g.available.len(), 2, "a channel is queued once");
        assert_eq!(
            g.next_regular(SimTime(5), |_| false),
            Next::Input(InputIndex(0), c0)
        );
        g.requeue(InputIndex(0), c0, SimTime(5));
        assert_eq!(
            g.next_regular(SimTime(5), |_| false),
            Next::Input(InputIndex(1), c1),
            "the other channel's turn"
        );
        assert_eq!(
            g.next_regular(SimTime(5), |_| false),
            Next::Input(InputIndex(0), c0)
        );
    }
}
