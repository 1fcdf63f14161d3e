//! The completed checkpoint store: keeps the newest `num_retained` completed checkpoints (the
//! newest is always kept); older ones are discarded as new ones are added.

use crate::sim::ids::{CheckpointId, SimTime};
use crate::sim::snapshot::SubtaskSnapshot;
use std::collections::VecDeque;
use std::rc::Rc;

/// A completed checkpoint: every subtask's snapshot, indexed by subtask.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletedCheckpoint {
    pub id: CheckpointId,
    pub trigger_time: SimTime,
    pub completion_time: SimTime,
    pub savepoint: bool,
    pub snapshots: Vec<Rc<SubtaskSnapshot>>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CompletedCheckpointStore {
    retained: VecDeque<Rc<CompletedCheckpoint>>,
}

impl CompletedCheckpointStore {
    /// Adds a checkpoint and returns the ones discarded to stay within `num_retained`.
    pub fn add(&mut self, cp: Rc<CompletedCheckpoint>, num_retained: usize) -> Vec<CheckpointId> {
        self.retained.push_back(cp);
        let mut discarded = Vec::new();
        while self.retained.len() > num_retained.max(1) {
            if let Some(old) = self.retained.pop_front() {
                discarded.push(old.id);
            }
        }
        discarded
    }

    pub fn latest(&self) -> Option<&Rc<CompletedCheckpoint>> {
        self.retained.back()
    }

    pub fn retained_ids(&self) -> Vec<CheckpointId> {
        self.retained.iter().map(|c| c.id).collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Rc<CompletedCheckpoint>> {
        self.retained.iter()
    }

    /// Applies a lower `num_retained` set live.
    pub fn shrink_to(&mut self, num_retained: usize) -> Vec<CheckpointId> {
        let mut discarded = Vec::new();
        while self.retained.len() > num_retained.max(1) {
            if let Some(old) = self.retained.pop_front() {
                discarded.push(old.id);
            }
        }
        discarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp(id: u64) -> Rc<CompletedCheckpoint> {
        Rc::new(CompletedCheckpoint {
            id: CheckpointId(id),
            trigger_time: SimTime(0),
            completion_time: SimTime(0),
            savepoint: false,
            snapshots: vec![],
        })
    }

    #[test]
    fn store_keeps_the_newest_num_retained_checkpoints() {
        let mut s = CompletedCheckpointStore::default();
        assert!(s.add(cp(1), 2).is_empty());
        assert!(s.add(cp(2), 2).is_empty());
        assert_eq!(s.add(cp(3), 2), vec![CheckpointId(1)]);
        assert_eq!(s.retained_ids(), vec![CheckpointId(2), CheckpointId(3)]);
        assert_eq!(s.latest().map(|c| c.id), Some(CheckpointId(3)));
    }
}
