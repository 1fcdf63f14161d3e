//! Flink's `CheckpointFailureReason`: every name, and which ones count toward the tolerable
//! failed checkpoints of the failure manager.

use serde::Serialize;

macro_rules! reasons {
    ($($variant:ident => $name:literal, $message:literal, $pre_flight:literal),* $(,)?) => {
        /// Why a checkpoint (or a trigger request) failed, named exactly as Flink names it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum FailureReason { $($variant),* }

        impl FailureReason {
            pub const ALL: &'static [FailureReason] = &[$(FailureReason::$variant),*];
            /// The enum constant's name (`CHECKPOINT_EXPIRED`).
            pub fn name(self) -> &'static str {
                match self { $(FailureReason::$variant => $name),* }
            }
            /// Flink 2.3's message text, as the REST API's `failure_message` carries it
            /// (`CheckpointFailureReason.message()`).
            pub fn message(self) -> &'static str {
                match self { $(FailureReason::$variant => $message),* }
            }
            /// `CheckpointFailureReason.isPreFlight()`: the failure happens before the
            /// checkpoint is sent to the tasks.
            pub fn is_pre_flight(self) -> bool {
                match self { $(FailureReason::$variant => $pre_flight),* }
            }
        }
    };
}

reasons! {
    PeriodicSchedulerShutdown => "PERIODIC_SCHEDULER_SHUTDOWN", "Periodic checkpoint scheduler is shut down.", true,
    TooManyCheckpointRequests => "TOO_MANY_CHECKPOINT_REQUESTS", "The maximum number of queued checkpoint requests exceeded", true,
    MinimumTimeBetweenCheckpoints => "MINIMUM_TIME_BETWEEN_CHECKPOINTS", "The minimum time between checkpoints is still pending. Checkpoint will be triggered after the minimum time.", true,
    NotAllRequiredTasksRunning => "NOT_ALL_REQUIRED_TASKS_RUNNING", "Not all required tasks are currently running.", true,
    IoException => "IO_EXCEPTION", "An Exception occurred while triggering the checkpoint. IO-problem detected.", true,
    BlockingOutputExist => "BLOCKING_OUTPUT_EXIST", "Blocking output edge exists in running tasks.", true,
    CheckpointAsyncException => "CHECKPOINT_ASYNC_EXCEPTION", "Asynchronous task checkpoint failed.", false,
    ChannelStateSharedStreamException => "CHANNEL_STATE_SHARED_STREAM_EXCEPTION", "The checkpoint was aborted due to exception of other subtasks sharing the ChannelState file.", false,
    CheckpointExpired => "CHECKPOINT_EXPIRED", "Checkpoint expired before completing.", false,
    CheckpointSubsumed => "CHECKPOINT_SUBSUMED", "Checkpoint has been subsumed.", false,
    CheckpointDeclined => "CHECKPOINT_DECLINED", "Checkpoint was declined.", false,
    CheckpointDeclinedTaskNotReady => "CHECKPOINT_DECLINED_TASK_NOT_READY", "Checkpoint was declined (tasks not ready)", false,
    CheckpointDeclinedTaskClosing => "CHECKPOINT_DECLINED_TASK_CLOSING", "Checkpoint was declined (task is closing)", false,
    CheckpointDeclinedSubsumed => "CHECKPOINT_DECLINED_SUBSUMED", "Checkpoint was canceled because a barrier from newer checkpoint was received.", false,
    CheckpointDeclinedOnCancellationBarrier => "CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER", "Task received cancellation from one of its inputs", false,
    CheckpointDeclinedInputEndOfStream => "CHECKPOINT_DECLINED_INPUT_END_OF_STREAM", "Checkpoint was declined because one input stream is finished", false,
    CheckpointCoordinatorShutdown => "CHECKPOINT_COORDINATOR_SHUTDOWN", "CheckpointCoordinator shutdown.", false,
    CheckpointCoordinatorSuspend => "CHECKPOINT_COORDINATOR_SUSPEND", "Checkpoint Coordinator is suspending.", false,
    JobFailoverRegion => "JOB_FAILOVER_REGION", "FailoverRegion is restarting.", false,
    TaskFailure => "TASK_FAILURE", "Task has failed.", false,
    TaskCheckpointFailure => "TASK_CHECKPOINT_FAILURE", "Task local checkpoint failure.", false,
    UnknownTaskCheckpointNotificationFailure => "UNKNOWN_TASK_CHECKPOINT_NOTIFICATION_FAILURE", "Unknown task for the checkpoint to notify.", false,
    FinalizeCheckpointFailure => "FINALIZE_CHECKPOINT_FAILURE", "Failure to finalize checkpoint.", false,
    TriggerCheckpointFailure => "TRIGGER_CHECKPOINT_FAILURE", "Trigger checkpoint failure.", false,
}

impl FailureReason {
    /// The reason behind a REST `failure_message`. Flink's message is the reason's message,
    /// possibly wrapped ("Could not complete snapshot 3 ... Checkpoint was declined."), so the
    /// longest message the text ends with or contains wins.
    pub fn from_message(text: &str) -> Option<FailureReason> {
        let text = text.trim();
        FailureReason::ALL
            .iter()
            .copied()
            .filter(|r| text.contains(r.message()))
            .max_by_key(|r| r.message().len())
    }

    /// The reason named `name` (`CHECKPOINT_EXPIRED`).
    pub fn from_name(name: &str) -> Option<FailureReason> {
        FailureReason::ALL
            .iter()
            .copied()
            .find(|r| r.name() == name)
    }

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
            FailureReason::CheckpointAsyncException => "The asynchronous part of a subtask's snapshot (writing its state to checkpoint storage) failed; the subtask declined.",
            FailureReason::IoException => "The coordinator could not create the checkpoint's storage location as it triggered (checkpoint storage unavailable).",
            FailureReason::FinalizeCheckpointFailure => "Every subtask acknowledged, but writing the checkpoint metadata to storage failed.",
            FailureReason::TaskFailure => "A subtask failed before it acknowledged this checkpoint (Flink 2.3 reports CHECKPOINT_COORDINATOR_SUSPEND instead).",
            FailureReason::JobFailoverRegion => "The job (or its failover region) restarted, aborting the checkpoints still pending.",
            FailureReason::CheckpointCoordinatorShutdown => "The JobManager running the coordinator went away; its pending checkpoints were lost.",
            FailureReason::CheckpointCoordinatorSuspend => "A task left RUNNING (a failure, a failover): the checkpoint scheduler stopped and aborted the pending checkpoints; not counted toward tolerable failures.",
            FailureReason::MinimumTimeBetweenCheckpoints => "A periodic trigger came before last completion + min pause; the timer was moved to the earliest allowed time.",
            FailureReason::NotAllRequiredTasksRunning => "Not every task was RUNNING (the job is restarting), so the trigger failed before it got an ID; Flink still counts it in counts.total and counts.failed.",
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

    #[test]
    fn every_flink_failure_message_maps_back_to_its_reason() {
        for r in FailureReason::ALL {
            assert_eq!(
                FailureReason::from_message(r.message()),
                Some(*r),
                "{}",
                r.name()
            );
            assert_eq!(FailureReason::from_name(r.name()), Some(*r));
        }
        assert_eq!(
            FailureReason::from_message(
                "Could not complete snapshot 3 for operator counter (1/2). Failure reason: Checkpoint was declined."
            ),
            Some(FailureReason::CheckpointDeclined)
        );
        assert_eq!(
            FailureReason::from_message("Checkpoint was declined (tasks not ready)"),
            Some(FailureReason::CheckpointDeclinedTaskNotReady)
        );
        assert_eq!(FailureReason::from_message("something else"), None);
    }
}
