//! Flink's `CheckpointFailureReason`: every name, and which ones count toward the tolerable
//! failed checkpoints of the failure manager.

use serde::Serialize;

macro_rules! reasons {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// Why a checkpoint (or a trigger request) failed, named exactly as Flink names it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum FailureReason { $($variant),* }

        impl FailureReason {
            pub const ALL: &'static [FailureReason] = &[$(FailureReason::$variant),*];
            pub fn name(self) -> &'static str {
                match self { $(FailureReason::$variant => $name),* }
            }
        }
    };
}

reasons! {
    PeriodicSchedulerShutdown => "PERIODIC_SCHEDULER_SHUTDOWN",
    TooManyCheckpointRequests => "TOO_MANY_CHECKPOINT_REQUESTS",
    MinimumTimeBetweenCheckpoints => "MINIMUM_TIME_BETWEEN_CHECKPOINTS",
    NotAllRequiredTasksRunning => "NOT_ALL_REQUIRED_TASKS_RUNNING",
    IoException => "IO_EXCEPTION",
    BlockingOutputExist => "BLOCKING_OUTPUT_EXIST",
    CheckpointAsyncException => "CHECKPOINT_ASYNC_EXCEPTION",
    ChannelStateSharedStreamException => "CHANNEL_STATE_SHARED_STREAM_EXCEPTION",
    CheckpointExpired => "CHECKPOINT_EXPIRED",
    CheckpointSubsumed => "CHECKPOINT_SUBSUMED",
    CheckpointDeclined => "CHECKPOINT_DECLINED",
    CheckpointDeclinedTaskNotReady => "CHECKPOINT_DECLINED_TASK_NOT_READY",
    CheckpointDeclinedTaskClosing => "CHECKPOINT_DECLINED_TASK_CLOSING",
    CheckpointDeclinedSubsumed => "CHECKPOINT_DECLINED_SUBSUMED",
    CheckpointDeclinedOnCancellationBarrier => "CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER",
    CheckpointDeclinedInputEndOfStream => "CHECKPOINT_DECLINED_INPUT_END_OF_STREAM",
    CheckpointCoordinatorShutdown => "CHECKPOINT_COORDINATOR_SHUTDOWN",
    CheckpointCoordinatorSuspend => "CHECKPOINT_COORDINATOR_SUSPEND",
    JobFailoverRegion => "JOB_FAILOVER_REGION",
    TaskFailure => "TASK_FAILURE",
    TaskCheckpointFailure => "TASK_CHECKPOINT_FAILURE",
    UnknownTaskCheckpointNotificationFailure => "UNKNOWN_TASK_CHECKPOINT_NOTIFICATION_FAILURE",
    FinalizeCheckpointFailure => "FINALIZE_CHECKPOINT_FAILURE",
    TriggerCheckpointFailure => "TRIGGER_CHECKPOINT_FAILURE",
}

impl FailureReason {
    /// Reasons the CheckpointFailureManager counts toward `tolerable_failed`.
    pub fn counts_toward_tolerable(self) -> bool {
        matches!(
            self,
            FailureReason::IoException
                | FailureReason::CheckpointAsyncException
                | FailureReason::CheckpointDeclined
                | FailureReason::CheckpointExpired
                | FailureReason::FinalizeCheckpointFailure
        )
    }

    /// One sentence for the UI's tooltips.
    pub fn explain(self) -> &'static str {
        match self {
            FailureReason::CheckpointExpired => "The checkpoint did not complete within the checkpoint timeout; the coordinator's canceller aborted it.",
            FailureReason::CheckpointSubsumed => "A newer checkpoint completed first, so this older pending one was no longer needed.",
            FailureReason::CheckpointDeclined => "A subtask declined the checkpoint.",
            FailureReason::CheckpointDeclinedSubsumed => "A subtask received a newer checkpoint's barrier while aligning this one and gave this one up.",
            FailureReason::CheckpointDeclinedOnCancellationBarrier => "A subtask received a CancelCheckpointMarker from upstream and aborted the checkpoint.",
            FailureReason::CheckpointAsyncException => "The asynchronous part of a subtask's snapshot (the upload to checkpoint storage) failed.",
            FailureReason::FinalizeCheckpointFailure => "Every subtask acknowledged, but writing the checkpoint metadata to storage failed.",
            FailureReason::TaskFailure => "A subtask failed before it acknowledged this checkpoint.",
            FailureReason::JobFailoverRegion => "The job (or its failover region) restarted, aborting the checkpoints still pending.",
            FailureReason::CheckpointCoordinatorShutdown => "The JobManager running the coordinator went away; its pending checkpoints were lost.",
            FailureReason::CheckpointCoordinatorSuspend => "The coordinator was suspended (the job is not running).",
            FailureReason::MinimumTimeBetweenCheckpoints => "A periodic trigger came before last completion + min pause; the timer was moved to the earliest allowed time.",
            FailureReason::NotAllRequiredTasksRunning => "Not every task was RUNNING, so the checkpoint could not be triggered.",
            FailureReason::TooManyCheckpointRequests => "More than 1000 trigger requests were queued.",
            _ => "A checkpoint failure reason defined by Flink.",
        }
    }
}

impl Serialize for FailureReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_five_failure_reasons_of_the_reference_count_toward_tolerable() {
        let counted: Vec<&str> = FailureReason::ALL
            .iter()
            .filter(|r| r.counts_toward_tolerable())
            .map(|r| r.name())
            .collect();
        assert_eq!(
            counted,
            vec![
                "IO_EXCEPTION",
                "CHECKPOINT_ASYNC_EXCEPTION",
                "CHECKPOINT_EXPIRED",
                "CHECKPOINT_DECLINED",
                "FINALIZE_CHECKPOINT_FAILURE"
            ]
        );
        assert_eq!(FailureReason::ALL.len(), 24);
    }
}
