//! Aborts, as Flink's `CheckpointCoordinator.abortPendingCheckpoint`: the statistics,
//! notifyCheckpointAborted to every running subtask, and the `CheckpointFailureManager`'s
//! verdict (a global failover past `tolerable_failed`). Also the canceller (CHECKPOINT_EXPIRED),
//! `stopCheckpointScheduler` (CHECKPOINT_COORDINATOR_SUSPEND), the shutdown of a FAILED job, and
//! the loss and regain of the JobManager's leadership.

use super::failure_manager::FailureDecision;
use super::{Context, Coordinator, RECENT_EXPIRED};
use crate::sim::command::{Command, Out, Stat};
use crate::sim::events::Event;
use crate::sim::ids::{CheckpointId, FencingToken, SimDuration};
use crate::sim::{FailureReason, LogKind};

impl Coordinator {
    pub(super) fn on_timeout(
        &mut self,
        id: CheckpointId,
        session: FencingToken,
        ctx: &Context,
        out: &mut Out,
    ) {
        if self
            .pending
            .get(&id)
            .map(|p| p.leader_session == session)
            .unwrap_or(false)
        {
            out.log(
                LogKind::Abort,
                format!("checkpoint {id} expired before completing"),
            );
            self.abort(id, FailureReason::CheckpointExpired, ctx, out);
        }
    }

    /// Aborts a pending checkpoint: stats, notifyCheckpointAborted, failure manager. If the
    /// failure manager fails the job, the handler halts there: the failover suspends this
    /// coordinator (scheduler stopped, queue dropped, every other pending checkpoint aborted).
    pub(super) fn abort(
        &mut self,
        id: CheckpointId,
        reason: FailureReason,
        ctx: &Context,
        out: &mut Out,
    ) {
        let Some(p) = self.pending.remove(&id) else {
            return;
        };
        out.stat(Stat::Failed { id, reason });
        if reason == FailureReason::CheckpointExpired {
            self.recently_expired.push_back(id);
            while self.recently_expired.len() > RECENT_EXPIRED {
                self.recently_expired.pop_front();
            }
        }
        out.log(
            LogKind::Abort,
            format!("checkpoint {id} failed: {}", reason.name()),
        );
        out.push(Command::NotifyAborted { id });
        let tolerable = self.config.tolerable_failed;
        // The failure manager skips savepoints.
        if !p.savepoint
            && self.failure_manager.handle_failure(id, reason, tolerable)
                == FailureDecision::FailJob
        {
            out.log(
                LogKind::Failover,
                "Exceeded checkpoint tolerable failure threshold: the job fails over".into(),
            );
            out.push(Command::FailJob {
                cause: "Exceeded checkpoint tolerable failure threshold".into(),
            });
            return;
        }
        self.execute_queued_requests(ctx, out);
    }

    /// Aborts every pending checkpoint with `reason`, oldest first.
    pub(super) fn abort_all(&mut self, reason: FailureReason, ctx: &Context, out: &mut Out) {
        let ids: Vec<CheckpointId> = self.pending.keys().copied().collect();
        for id in ids {
            if out.halted() {
                return;
            }
            self.abort(id, reason, ctx, out);
        }
    }

    /// A task left RUNNING (Flink's `ExecutionTrackingCheckpointCoordinatorDeActivator`):
    /// `stopCheckpointScheduler`. The scheduler stops *before* the aborts: an abort frees a
    /// max_concurrent slot, and no queued request may be triggered into a job that is failing.
    pub(super) fn stop_scheduler_and_abort(&mut self, ctx: &Context, out: &mut Out) {
        self.stop_scheduler();
        self.abort_all(FailureReason::CheckpointCoordinatorSuspend, ctx, out);
    }

    /// The JobManager died: pending checkpoints are lost (failed, CHECKPOINT_COORDINATOR_SHUTDOWN,
    /// without notifying anyone), so is the failure counter; the ID counter and the completed
    /// store survive in HA storage. A new leader session starts after `recovery`.
    pub(super) fn on_leadership_lost(
        &mut self,
        recovery: SimDuration,
        ctx: &Context,
        out: &mut Out,
    ) {
        for &id in self.pending.keys() {
            out.stat(Stat::Failed {
                id,
                reason: FailureReason::CheckpointCoordinatorShutdown,
            });
        }
        self.pending.clear();
        self.failure_manager.clear();
        let session = self.leader_session.advance();
        self.alive = false;
        self.stop_scheduler();
        out.schedule(
            ctx.now.plus(recovery),
            Event::CoordinatorRecovered { session },
        );
    }

    /// A new JobManager took over (if `session` is still the one waited for).
    pub(super) fn on_leadership_granted(&mut self, session: FencingToken, out: &mut Out) {
        if session != self.leader_session || self.alive {
            return;
        }
        self.alive = true;
        out.log(
            LogKind::Restore,
            "a new JobManager took over; the checkpoint ID counter continues".into(),
        );
        out.push(Command::RestartWaitingRegions);
    }
}
