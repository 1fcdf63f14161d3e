//! A channel's regular queue (the buffers and events of Flink's subpartition queue, in order),
//! with its head kept in place in the channel and the items behind it in a ring. In a large job
//! most channels hold at most one item at a time: taking it, looking at it and queueing it then
//! touch only the channel's own memory, not a ring elsewhere on the heap. Only a matter of speed:
//! it behaves as a `VecDeque` (first in, first out).

use super::InFlight;
use std::collections::VecDeque;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Queue {
    /// The oldest item; `None` only when the queue is empty.
    head: Option<InFlight>,
    /// The items behind the head, oldest first.
    rest: VecDeque<InFlight>,
}

/// The queue's items, oldest first.
pub type Iter<'a> = std::iter::Chain<
    std::option::Iter<'a, InFlight>,
    std::collections::vec_deque::Iter<'a, InFlight>,
>;

impl Queue {
    #[inline(always)]
    pub fn len(&self) -> usize {
        usize::from(self.head.is_some()) + self.rest.len()
    }

    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    #[inline(always)]
    pub fn front(&self) -> Option<&InFlight> {
        self.head.as_ref()
    }

    #[inline(always)]
    pub fn front_mut(&mut self) -> Option<&mut InFlight> {
        self.head.as_mut()
    }

    /// The newest item.
    #[inline(always)]
    pub fn back_mut(&mut self) -> Option<&mut InFlight> {
        if self.rest.is_empty() {
            self.head.as_mut()
        } else {
            self.rest.back_mut()
        }
    }

    #[inline(always)]
    pub fn push_back(&mut self, f: InFlight) {
        if self.head.is_none() {
            self.head = Some(f);
        } else {
            self.rest.push_back(f);
        }
    }

    #[inline(always)]
    pub fn pop_front(&mut self) -> Option<InFlight> {
        let f = self.head.take()?;
        if !self.rest.is_empty() {
            self.head = self.rest.pop_front();
        }
        Some(f)
    }

    /// Removes the item at `pos` (0 is the head).
    pub fn remove(&mut self, pos: usize) -> Option<InFlight> {
        if pos == 0 {
            self.pop_front()
        } else {
            self.rest.remove(pos - 1)
        }
    }

    /// Puts `f` at `pos` (0 is the head); panics past the end, as `VecDeque::insert`.
    pub fn insert(&mut self, pos: usize, f: InFlight) {
        if pos == 0 {
            if let Some(old) = self.head.replace(f) {
                self.rest.push_front(old);
            }
        } else {
            assert!(self.head.is_some(), "insert past the end of an empty queue");
            self.rest.insert(pos - 1, f);
        }
    }

    pub fn clear(&mut self) {
        self.head = None;
        self.rest.clear();
    }

    pub fn iter(&self) -> Iter<'_> {
        self.head.iter().chain(self.rest.iter())
    }

    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut InFlight> {
        self.head.iter_mut().chain(self.rest.iter_mut())
    }
}

impl<'a> IntoIterator for &'a Queue {
    type Item = &'a InFlight;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::channel::Item;
    use crate::sim::ids::{CheckpointId, SimTime};

    fn item(n: u64) -> InFlight {
        InFlight {
            item: Item::Cancel(CheckpointId(n)),
            sent_at: SimTime(n),
            visible_at: SimTime(n),
            overtaken: 0,
        }
    }

    fn ids(q: &Queue) -> Vec<u64> {
        q.iter().map(|f| f.sent_at.0).collect()
    }

    #[test]
    fn items_leave_in_the_order_they_came_whatever_was_inserted_or_removed() {
        let mut q = Queue::default();
        let mut model = VecDeque::new();
        // A fixed walk over every operation, checked against a VecDeque step by step.
        for step in 0..200u64 {
            match step * 7 % 11 {
                0..=4 => {
                    q.push_back(item(step));
                    model.push_back(item(step));
                }
                5..=7 => assert_eq!(q.pop_front(), model.pop_front()),
                8 if !model.is_empty() => {
                    let pos = (step as usize) % model.len();
                    assert_eq!(q.remove(pos), model.remove(pos));
                }
                9 => {
                    let pos = (step as usize) % (model.len() + 1);
                    q.insert(pos, item(1000 + step));
                    model.insert(pos, item(1000 + step));
                }
                _ => {}
            }
            assert_eq!(
                ids(&q),
                model.iter().map(|f| f.sent_at.0).collect::<Vec<_>>()
            );
            assert_eq!(q.len(), model.len());
            assert_eq!(q.front(), model.front());
        }
        q.clear();
        assert!(q.is_empty() && q.pop_front().is_none());
    }
}
