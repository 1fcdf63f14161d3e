//! A pending checkpoint (Flink's `PendingCheckpoint`): the acknowledgements collected so far,
//! one slot per subtask, so that acknowledging is O(1) however many subtasks there are.

use crate::sim::ids::{CheckpointId, SimTime, SubtaskId};
use crate::sim::snapshot::SubtaskSnapshot;
use std::rc::Rc;

/// Outcome of an acknowledgement, as Flink's `TaskAcknowledgeResult`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskAcknowledgeResult {
    Success,
    Duplicate,
    Unknown,
    Discarded,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PendingCheckpoint {
    pub id: CheckpointId,
    pub trigger_time: SimTime,
    pub savepoint: bool,
    acks: Vec<Option<Rc<SubtaskSnapshot>>>,
    num_acknowledged: usize,
    pub latest_ack: Option<SimTime>,
    /// All acks are in and the metadata is being written.
    pub finalizing: bool,
    pub disposed: bool,
    /// Bumped when a timer for this checkpoint must be ignored.
    pub epoch: u64,
}

impl PendingCheckpoint {
    pub fn new(
        id: CheckpointId,
        trigger_time: SimTime,
        savepoint: bool,
        num_subtasks: usize,
        epoch: u64,
    ) -> Self {
        PendingCheckpoint {
            id,
            trigger_time,
            savepoint,
            acks: vec![None; num_subtasks],
            num_acknowledged: 0,
            latest_ack: None,
            finalizing: false,
            disposed: false,
            epoch,
        }
    }

    pub fn acknowledge(
        &mut self,
        task: SubtaskId,
        snapshot: Rc<SubtaskSnapshot>,
        now: SimTime,
    ) -> TaskAcknowledgeResult {
        if self.disposed {
            return TaskAcknowledgeResult::Discarded;
        }
        match self.acks.get_mut(task.idx()) {
            None => TaskAcknowledgeResult::Unknown,
            Some(Some(_)) => TaskAcknowledgeResult::Duplicate,
            Some(slot) => {
                *slot = Some(snapshot);
                self.num_acknowledged += 1;
                self.latest_ack = Some(now);
                TaskAcknowledgeResult::Success
            }
        }
    }

    pub fn is_acknowledged_by(&self, task: SubtaskId) -> bool {
        matches!(self.acks.get(task.idx()), Some(Some(_)))
    }

    pub fn num_acknowledged(&self) -> usize {
        self.num_acknowledged
    }

    pub fn num_subtasks(&self) -> usize {
        self.acks.len()
    }

    pub fn is_fully_acknowledged(&self) -> bool {
        self.num_acknowledged == self.acks.len()
    }

    /// Hands the snapshots over (all present once fully acknowledged).
    pub fn into_snapshots(self) -> Vec<Rc<SubtaskSnapshot>> {
        self.acks.into_iter().flatten().collect()
    }

    pub fn acks(&self) -> &[Option<Rc<SubtaskSnapshot>>] {
        &self.acks
    }
}
