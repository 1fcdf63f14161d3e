//! Completion, as Flink's `CheckpointCoordinator.completePendingCheckpoint`: once the metadata
//! is written (or failed to be: FINALIZE_CHECKPOINT_FAILURE with storage down) the checkpoint
//! enters the completed store (savepoints do not), the failure counter resets, every older
//! pending checkpoint is subsumed, and notifyCheckpointComplete goes to every subtask.

use super::store::CompletedCheckpoint;
use super::{Context, Coordinator};
use crate::sim::command::{Check, Command, Out, Stat};
use crate::sim::ids::{CheckpointId, FencingToken};
use crate::sim::{FailureReason, LogKind};
use std::rc::Rc;

impl Coordinator {
    pub(super) fn on_metadata_written(
        &mut self,
        id: CheckpointId,
        session: FencingToken,
        ctx: &Context,
        out: &mut Out,
    ) {
        match self.pending.get(&id) {
            Some(p) if p.leader_session == session => {
                debug_assert!(p.is_finalizing(), "metadata written while collecting acks");
            }
            _ => return,
        }
        if ctx.storage_down {
            out.log(
                LogKind::Abort,
                format!("writing the metadata of checkpoint {id} failed: storage unavailable"),
            );
            self.abort(id, FailureReason::FinalizeCheckpointFailure, ctx, out);
            return;
        }
        self.complete(id, ctx, out);
    }

    /// All acks are in and the metadata is written: the checkpoint is complete.
    fn complete(&mut self, id: CheckpointId, ctx: &Context, out: &mut Out) {
        let Some(p) = self.pending.remove(&id) else {
            return;
        };
        out.push(Command::Check(Check::Completed {
            id,
            acknowledged: p.num_acknowledged(),
            total: p.num_subtasks(),
        }));
        let savepoint = p.savepoint;
        let trigger_time = p.trigger_time;
        let cp = Rc::new(CompletedCheckpoint {
            id,
            trigger_time,
            completion_time: ctx.now,
            savepoint,
            snapshots: p.into_snapshots(),
        });
        out.stat(Stat::Completed(id));
        self.failure_manager.handle_success(id);
        self.last_completion = Some(ctx.now);
        let what = if savepoint { "savepoint" } else { "checkpoint" };
        out.log(LogKind::Complete, format!("{what} {id} completed"));
        if savepoint {
            self.latest_savepoint = Some(cp);
        } else {
            let discarded = self.store.add(cp, self.config.num_retained as usize);
            for d in discarded {
                out.log(
                    LogKind::Complete,
                    format!("checkpoint {d} discarded from the completed store (num_retained)"),
                );
            }
            // Subsume: every older pending checkpoint (not savepoints) is aborted.
            let older: Vec<CheckpointId> = self
                .pending
                .iter()
                .filter(|(k, p)| **k < id && !p.savepoint)
                .map(|(k, _)| *k)
                .collect();
            for o in older {
                // CHECKPOINT_SUBSUMED never counts toward tolerable failures: no failover.
                self.abort(o, FailureReason::CheckpointSubsumed, ctx, out);
            }
            debug_assert!(!out.halted());
            out.push(Command::NotifyComplete { id });
        }
        self.execute_queued_requests(ctx, out);
    }
}
