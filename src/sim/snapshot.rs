//! What a subtask's snapshot holds: its operator state (source offset, keyed state, the sink's
//! pre-committed transactions), its persisted channel state (unaligned checkpoints) and the
//! metrics Flink reports per subtask. This is what an acknowledgement carries to the coordinator
//! and what a restore reads back.

use super::channel::Record;
use super::ids::{CheckpointId, InputIndex, SimDuration, SubtaskId};
use super::sorted::SortedMap;
use std::rc::Rc;

/// The state of one operator instance.
#[derive(Debug, Clone, PartialEq)]
pub enum OperatorState {
    /// The next record number to read (Kafka's offset).
    Source { offset: u64 },
    /// Stateless.
    Map,
    /// The keys seen so far, as a bitmap (shared until changed).
    Keyed { keys: Rc<Vec<u64>>, count: u64 },
    /// A two-phase-commit sink: the open transaction and the pre-committed ones, by checkpoint.
    Sink {
        open: Vec<Record>,
        pending: SortedMap<CheckpointId, Rc<Vec<Record>>>,
    },
}

impl OperatorState {
    /// State size in bytes as Flink would report it.
    pub fn size_bytes(&self, state_bytes_per_key: u64, record_bytes: u64) -> u64 {
        match self {
            OperatorState::Source { .. } => 16,
            OperatorState::Map => 0,
            OperatorState::Keyed { count, .. } => count.saturating_mul(state_bytes_per_key),
            OperatorState::Sink { pending, .. } => {
                16 + pending
                    .values()
                    .map(|t| t.len() as u64)
                    .sum::<u64>()
                    .saturating_mul(record_bytes)
                    / 16
            }
        }
    }
}

/// Per-subtask checkpoint figures, named as in Flink's REST API.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubtaskMetrics {
    pub sync_duration: SimDuration,
    pub async_duration: SimDuration,
    pub alignment_duration: SimDuration,
    pub start_delay: SimDuration,
    pub unaligned_checkpoint: bool,
    pub state_size: u64,
    pub persisted_data: u64,
    pub processed_data: u64,
}

/// A subtask's part of a checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct SubtaskSnapshot {
    pub task: SubtaskId,
    pub id: CheckpointId,
    pub state: OperatorState,
    /// Persisted in-flight records per input channel (input index), to be replayed first.
    pub channel_state: Vec<(InputIndex, Vec<Record>)>,
    pub metrics: SubtaskMetrics,
}
