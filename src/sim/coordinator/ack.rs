//! Messages from subtasks, as Flink's `CheckpointCoordinator.receiveAcknowledgeMessage` and
//! `receiveDeclineMessage` handle them: an ack is SUCCESS, DUPLICATE, UNKNOWN or DISCARDED (late,
//! for a checkpoint that already failed); the last ack starts the metadata write (the pending
//! checkpoint is then finalizing); a decline aborts the checkpoint with the subtask's reason.

use super::pending::TaskAcknowledgeResult;
use super::{Context, Coordinator};
use crate::sim::command::{Out, Stat};
use crate::sim::events::Event;
use crate::sim::ids::{CheckpointId, SubtaskId};
use crate::sim::snapshot::SubtaskSnapshot;
use crate::sim::{FailureReason, LogKind};
use std::rc::Rc;

impl Coordinator {
    pub(super) fn on_ack(
        &mut self,
        t: SubtaskId,
        current_attempt: bool,
        snapshot: Rc<SubtaskSnapshot>,
        ctx: &Context,
        out: &mut Out,
    ) {
        if !self.alive {
            return; // the JobManager is down: the message is lost
        }
        let id = snapshot.id;
        let name = ctx.name(t);
        if !current_attempt {
            out.log(
                LogKind::Ack,
                format!("ack of checkpoint {id} from a previous attempt of {name}: UNKNOWN"),
            );
            return;
        }
        let Some(p) = self.pending.get_mut(&id) else {
            let late = self.recently_expired.contains(&id) || ctx.stats.is_failed(id);
            let kind = if late {
                "DISCARDED (late ack for a checkpoint that already failed)"
            } else {
                "UNKNOWN"
            };
            out.log(
                LogKind::Ack,
                format!("ack of checkpoint {id} from {name}: {kind}"),
            );
            return;
        };
        match p.acknowledge(t, snapshot.clone()) {
            TaskAcknowledgeResult::Success => {
                let (acked, total) = (p.num_acknowledged(), p.num_subtasks());
                out.stat(Stat::Subtask {
                    id,
                    task: t,
                    metrics: Box::new(snapshot.metrics),
                    acknowledged: acked,
                });
                out.log(
                    LogKind::Ack,
                    format!("{name} acknowledged checkpoint {id} ({acked}/{total})"),
                );
                if p.is_fully_acknowledged() {
                    p.start_finalizing();
                    out.schedule(
                        ctx.now.plus(ctx.storage_write),
                        Event::MetadataWritten {
                            id,
                            session: p.leader_session,
                        },
                    );
                }
            }
            other => out.log(
                LogKind::Ack,
                format!("ack of checkpoint {id} from {name}: {other:?}"),
            ),
        }
    }

    pub(super) fn on_decline(
        &mut self,
        t: SubtaskId,
        current_attempt: bool,
        id: CheckpointId,
        reason: FailureReason,
        ctx: &Context,
        out: &mut Out,
    ) {
        if !self.alive || !current_attempt {
            return;
        }
        if self.pending.contains_key(&id) {
            out.log(
                LogKind::Decline,
                format!(
                    "{} declined checkpoint {id}: {}",
                    ctx.name(t),
                    reason.name()
                ),
            );
            self.abort(id, reason, ctx, out);
        }
    }
}
