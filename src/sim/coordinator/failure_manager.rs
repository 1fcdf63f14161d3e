//! The CheckpointFailureManager: counts consecutive checkpoint failures whose reason counts,
//! each checkpoint ID once and only IDs newer than the last success; a success resets the
//! counter; when the counter goes above `tolerable_failed`, the job must fail over.

use crate::sim::ids::CheckpointId;
use crate::sim::reason::FailureReason;
use crate::sim::sorted::SortedSet;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CheckpointFailureManager {
    pub continuous_failure_counter: u32,
    counted: SortedSet<CheckpointId>,
    last_succeeded: CheckpointId,
}

/// What the failure manager decides about one failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureDecision {
    /// Not counted (reason does not count, already counted, or older than the last success).
    Ignored,
    /// Counted, still tolerable.
    Counted,
    /// Counted and the counter exceeded `tolerable_failed`: fail the job over.
    FailJob,
}

impl CheckpointFailureManager {
    pub fn handle_failure(
        &mut self,
        id: CheckpointId,
        reason: FailureReason,
        tolerable: u32,
    ) -> FailureDecision {
        if !reason.counts_toward_tolerable()
            || id <= self.last_succeeded
            || !self.counted.insert(id)
        {
            return FailureDecision::Ignored;
        }
        self.continuous_failure_counter += 1;
        if self.continuous_failure_counter > tolerable {
            self.clear();
            FailureDecision::FailJob
        } else {
            FailureDecision::Counted
        }
    }

    pub fn handle_success(&mut self, id: CheckpointId) {
        if id > self.last_succeeded {
            self.last_succeeded = id;
            self.clear();
        }
    }

    /// Forgets the count (a new JobManager starts from zero).
    pub fn clear(&mut self) {
        self.continuous_failure_counter = 0;
        self.counted.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_fails_over_when_the_counter_goes_above_tolerable() {
        let mut fm = CheckpointFailureManager::default();
        assert_eq!(
            fm.handle_failure(CheckpointId(1), FailureReason::CheckpointExpired, 1),
            FailureDecision::Counted
        );
        assert_eq!(
            fm.handle_failure(CheckpointId(2), FailureReason::CheckpointExpired, 1),
            FailureDecision::FailJob
        );
    }

    #[test]
    fn subsumed_and_task_failure_do_not_count() {
        let mut fm = CheckpointFailureManager::default();
        assert_eq!(
            fm.handle_failure(CheckpointId(1), FailureReason::CheckpointSubsumed, 0),
            FailureDecision::Ignored
        );
        assert_eq!(
            fm.handle_failure(CheckpointId(2), FailureReason::TaskFailure, 0),
            FailureDecision::Ignored
        );
        assert_eq!(fm.continuous_failure_counter, 0);
    }

    #[test]
    fn each_checkpoint_id_counts_once_and_success_resets() {
        let mut fm = CheckpointFailureManager::default();
        fm.handle_failure(CheckpointId(3), FailureReason::CheckpointDeclined, 5);
        fm.handle_failure(CheckpointId(3), FailureReason::CheckpointExpired, 5);
        assert_eq!(fm.continuous_failure_counter, 1);
        fm.handle_success(CheckpointId(4));
        assert_eq!(fm.continuous_failure_counter, 0);
        assert_eq!(
            fm.handle_failure(CheckpointId(2), FailureReason::CheckpointExpired, 0),
            FailureDecision::Ignored
        );
    }
}
