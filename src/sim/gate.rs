//! The input gate of a consumer subtask: in which order its input channels deliver, as Flink's
//! `SingleInputGate` with its queue of channels with data (`inputChannelsWithData`). A channel is
//! queued once, when data arrives on it; the consumer takes one buffer or event from the channel
//! at the head and, if the channel has more, queues it again at the tail: channels with data
//! take turns, one buffer each. A channel blocked for alignment is set aside when it comes up
//! and queued again when it is unblocked (Flink's `resumeConsumption`).

use super::ids::{InputIndex, SimTime};
use std::collections::VecDeque;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputGate {
    /// (visible_at of its head item, input index) per channel with data, in turn order.
    pub available: VecDeque<(SimTime, InputIndex)>,
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
    Input(InputIndex),
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
    pub fn on_push(&mut self, visible_at: SimTime, input: InputIndex) {
        let q = &mut self.queued[input.idx()];
        if !*q {
            *q = true;
            self.enqueue(visible_at, input);
        }
    }

    /// The consumer took the head item of `input`'s channel, which has more: `next_visible` is
    /// when its new head arrives. The channel takes its turn again at the tail.
    pub fn requeue(&mut self, input: InputIndex, next_visible: SimTime) {
        self.queued[input.idx()] = true;
        self.enqueue(next_visible, input);
    }

    /// The consumer read part of the head buffer of `input`'s channel: the channel stays first
    /// (Flink's task reads a buffer to its end before it polls the gate again).
    pub fn requeue_front(&mut self, input: InputIndex, now: SimTime) {
        self.queued[input.idx()] = true;
        self.available.push_front((now, input));
    }

    /// Queues a channel behind every channel whose head arrives no later.
    #[inline(always)]
    fn enqueue(&mut self, visible_at: SimTime, input: InputIndex) {
        match self.available.back() {
            Some(&(t, _)) if t > visible_at => {
                let pos = self.available.partition_point(|e| e.0 <= visible_at);
                self.available.insert(pos, (visible_at, input));
            }
            _ => self.available.push_back((visible_at, input)),
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
    pub fn next_regular(&mut self, now: SimTime, blocked: impl Fn(InputIndex) -> bool) -> Next {
        while let Some(&(t, input)) = self.available.front() {
            if blocked(input) {
                self.available.pop_front();
                self.deferred[input.idx()] = true;
                continue;
            }
            if t > now {
                return Next::WaitUntil(t);
            }
            self.available.pop_front();
            self.queued[input.idx()] = false;
            return Next::Input(input);
        }
        Next::Idle
    }

    /// A blocked channel is released: if it was set aside, it takes its turn at the tail (its
    /// head has arrived already).
    pub fn unblock(&mut self, input: InputIndex, now: SimTime) {
        if std::mem::take(&mut self.deferred[input.idx()]) {
            self.enqueue(now, input);
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
        g.on_push(SimTime(1), InputIndex(0));
        g.on_push(SimTime(1), InputIndex(1));
        assert_eq!(
            g.next_regular(SimTime(5), |i| i == InputIndex(0)),
            Next::Input(InputIndex(1))
        );
        assert_eq!(
            g.next_regular(SimTime(5), |i| i == InputIndex(0)),
            Next::Idle
        );
        g.unblock(InputIndex(0), SimTime(5));
        assert_eq!(
            g.next_regular(SimTime(5), |_| false),
            Next::Input(InputIndex(0))
        );
    }

    #[test]
    fn item_not_yet_arrived_makes_the_consumer_wait() {
        let mut g = InputGate::new(1);
        g.on_push(SimTime(10), InputIndex(0));
        assert_eq!(
            g.next_regular(SimTime(5), |_| false),
            Next::WaitUntil(SimTime(10))
        );
    }
}
