//! A pending checkpoint (Flink's `PendingCheckpoint`): collecting acknowledgements, one slot per
//! subtask in a [`Collector`], then finalizing (every ack in, the metadata being written).
//! Disposal is its removal from the coordinator's pending map.

use crate::sim::collector::{Collected, Collector};
use crate::sim::ids::{CheckpointId, FencingToken, SimTime, SubtaskId};
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

/// Where a pending checkpoint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingState {
    /// Waiting for acknowledgements.
    Collecting,
    /// Every subtask acknowledged; the metadata is being written.
    Finalizing,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PendingCheckpoint {
    pub id: CheckpointId,
    pub trigger_time: SimTime,
    pub savepoint: bool,
    acks: Collector<SubtaskId, Rc<SubtaskSnapshot>>,
    pub state: PendingState,
    /// The leader session that triggered it: its timers fire only within that session.
    pub leader_session: FencingToken,
}

impl PendingCheckpoint {
    pub fn new(
        id: CheckpointId,
        trigger_time: SimTime,
        savepoint: bool,
        num_subtasks: usize,
        leader_session: FencingToken,
    ) -> Self {
        PendingCheckpoint {
            id,
            trigger_time,
            savepoint,
            acks: Collector::new(id, num_subtasks),
            state: PendingState::Collecting,
            leader_session,
        }
    }

    pub fn acknowledge(
        &mut self,
        task: SubtaskId,
        snapshot: Rc<SubtaskSnapshot>,
    ) -> TaskAcknowledgeResult {
        debug_assert_eq!(snapshot.id, self.id, "an ack for another checkpoint");
        match self.acks.insert(task, snapshot) {
            Collected::New => TaskAcknowledgeResult::Success,
            Collected::Duplicate => TaskAcknowledgeResult::Duplicate,
            Collected::Unknown => TaskAcknowledgeResult::Unknown,
        }
    }

    /// Collecting -> Finalizing, once every subtask acknowledged.
    pub fn start_finalizing(&mut self) {
        debug_assert_eq!(self.state, PendingState::Collecting);
        debug_assert!(self.acks.is_complete(), "finalizing before every ack");
        self.state = PendingState::Finalizing;
    }

    pub fn is_finalizing(&self) -> bool {
        self.state == PendingState::Finalizing
    }

    pub fn is_acknowledged_by(&self, task: SubtaskId) -> bool {
        self.acks.contains(task)
    }

    pub fn num_acknowledged(&self) -> usize {
        self.acks.count()
    }

    pub fn num_subtasks(&self) -> usize {
        self.acks.participants()
    }

    pub fn is_fully_acknowledged(&self) -> bool {
        self.acks.is_complete()
    }

    /// Hands the snapshots over (all present once fully acknowledged).
    pub fn into_snapshots(self) -> Vec<Rc<SubtaskSnapshot>> {
        self.acks.into_values()
    }

    pub fn acks(&self) -> &[Option<Rc<SubtaskSnapshot>>] {
        self.acks.slots()
    }
}
