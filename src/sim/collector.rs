//! One generic collector of what a checkpoint waits for, keyed by checkpoint ID: one slot per
//! participant (a subtask's acknowledgement at the coordinator, an input channel's barrier at a
//! subtask), each filled at most once, with the count kept so that "all in?" is O(1) however
//! many participants there are. Used by `PendingCheckpoint` (acks), the aligned barrier handler
//! and the at-least-once `CheckpointBarrierTracker` (barriers), and the unaligned snapshot's
//! channel state (inputs still awaited), as RisingWave keeps one collector per epoch.

use super::ids::{CheckpointId, InputIndex, SubtaskId};
use std::marker::PhantomData;

/// What a collector is keyed by: a participant's position (a subtask, an input channel).
pub trait Participant: Copy {
    fn slot(self) -> usize;
}

impl Participant for SubtaskId {
    fn slot(self) -> usize {
        self.idx()
    }
}

impl Participant for InputIndex {
    fn slot(self) -> usize {
        self.idx()
    }
}

/// What happened to an offered value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collected {
    /// The slot was empty and now holds it.
    New,
    /// The slot was already filled: nothing changed.
    Duplicate,
    /// No such participant.
    Unknown,
}

/// What checkpoint `id` collects from each participant `K`: a value `T` at most once.
#[derive(Debug, Clone, PartialEq)]
pub struct Collector<K, T> {
    pub id: CheckpointId,
    slots: Vec<Option<T>>,
    count: usize,
    key: PhantomData<K>,
}

impl<K: Participant, T> Collector<K, T> {
    /// Waits for `participants` slots, all empty.
    pub fn new(id: CheckpointId, participants: usize) -> Collector<K, T> {
        Collector {
            id,
            slots: std::iter::repeat_with(|| None).take(participants).collect(),
            count: 0,
            key: PhantomData,
        }
    }

    pub fn insert(&mut self, k: K, value: T) -> Collected {
        match self.slots.get_mut(k.slot()) {
            None => Collected::Unknown,
            Some(Some(_)) => Collected::Duplicate,
            Some(s) => {
                *s = Some(value);
                self.count += 1;
                debug_assert!(self.count <= self.slots.len());
                Collected::New
            }
        }
    }

    /// Empties a slot (a participant no longer awaited counts as not collected).
    pub fn remove(&mut self, k: K) -> Option<T> {
        let v = self.slots.get_mut(k.slot())?.take();
        if v.is_some() {
            self.count -= 1;
        }
        v
    }

    pub fn contains(&self, k: K) -> bool {
        matches!(self.slots.get(k.slot()), Some(Some(_)))
    }

    pub fn get(&self, k: K) -> Option<&T> {
        self.slots.get(k.slot()).and_then(Option::as_ref)
    }

    /// How many slots are filled.
    pub fn count(&self) -> usize {
        self.count
    }

    /// How many participants there are.
    pub fn participants(&self) -> usize {
        self.slots.len()
    }

    pub fn is_complete(&self) -> bool {
        self.count == self.slots.len()
    }

    /// Slots in participant order.
    pub fn slots(&self) -> &[Option<T>] {
        &self.slots
    }

    /// The collected values in participant order (all of them once complete).
    pub fn into_values(self) -> Vec<T> {
        self.slots.into_iter().flatten().collect()
    }
}

impl<K: Participant> Collector<K, ()> {
    /// A collector of the participants *not* collected in `other`: what is still awaited.
    pub fn complement<U>(other: &Collector<K, U>) -> Collector<K, ()> {
        let slots: Vec<Option<()>> = other
            .slots
            .iter()
            .map(|s| if s.is_some() { None } else { Some(()) })
            .collect();
        let count = slots.iter().filter(|s| s.is_some()).count();
        Collector {
            id: other.id,
            slots,
            count,
            key: PhantomData,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_participant_is_collected_once() {
        let mut c = Collector::new(CheckpointId(3), 2);
        let [a, b, c2] = [0, 1, 2].map(SubtaskId);
        assert_eq!(c.insert(b, 'a'), Collected::New);
        assert_eq!(c.insert(b, 'b'), Collected::Duplicate);
        assert_eq!(c.insert(c2, 'c'), Collected::Unknown);
        assert!(!c.is_complete());
        assert_eq!(c.insert(a, 'd'), Collected::New);
        assert!(c.is_complete());
        assert_eq!(c.into_values(), vec!['d', 'a']);
    }

    #[test]
    fn complement_awaits_what_was_not_collected() {
        let mut c = Collector::new(CheckpointId(1), 3);
        let [i0, i1, i2] = [0, 1, 2].map(InputIndex);
        c.insert(i1, ());
        let mut awaited = Collector::complement(&c);
        assert_eq!(awaited.count(), 2);
        assert!(awaited.contains(i0) && awaited.contains(i2));
        assert_eq!(awaited.remove(i0), Some(()));
        assert_eq!(awaited.remove(i0), None);
        assert_eq!(awaited.count(), 1);
    }
}
