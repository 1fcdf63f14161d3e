//! The external system the two-phase-commit sinks write to (think of a Kafka topic read with
//! `read_committed`). It lives outside the job, survives every failover, and makes a commit
//! idempotent: committing a transaction a second time (recover-and-commit after a restore) is
//! a no-op, as Flink's `TwoPhaseCommitSinkFunction` relies on.

use super::channel::Record;
use super::ids::{CheckpointId, SubtaskId};
use super::invariants::ExactlyOnceOracle;
use super::sorted::SortedMap;
use std::collections::VecDeque;

/// How many committed records are kept for the UI's output panel.
pub const RECENT_OUTPUT: usize = 64;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExternalSystem {
    /// Per sink subtask: the highest transaction committed (transactions are named by the
    /// checkpoint that pre-committed them).
    pub committed_up_to: SortedMap<SubtaskId, CheckpointId>,
    pub committed_records: u64,
    pub committed_transactions: u64,
    /// The last few committed records: (sink, transaction, record).
    pub recent: VecDeque<(SubtaskId, CheckpointId, Record)>,
}

impl ExternalSystem {
    /// Commits transaction `txn` of `sink`; a transaction already committed is ignored.
    pub fn commit(
        &mut self,
        sink: SubtaskId,
        txn: CheckpointId,
        records: &[Record],
        oracle: &mut ExactlyOnceOracle,
    ) {
        let up_to = self
            .committed_up_to
            .get_or_insert_with(sink, CheckpointId::default);
        if txn <= *up_to {
            return;
        }
        *up_to = txn;
        self.committed_transactions += 1;
        self.committed_records += records.len() as u64;
        // Only the last RECENT_OUTPUT of them can stay in `recent`.
        let skip = records.len().saturating_sub(RECENT_OUTPUT);
        for r in &records[skip..] {
            if self.recent.len() >= RECENT_OUTPUT {
                self.recent.pop_front();
            }
            self.recent.push_back((sink, txn, *r));
        }
        oracle.on_commit(sink, txn, records);
    }
}
