//! Applying commands: the only code that changes the queue, the log, the statistics, the
//! invariant checker, the channels and the input gates on an actor's behalf, in the order the
//! actor recorded them. A command addressed to another actor is delivered as it is applied.

use crate::sim::command::{Check, Command, Stat};
use crate::sim::events::Event;
use crate::sim::failover::FailoverInput;
use crate::sim::ids::{CheckpointId, InputIndex, SimTime, SubtaskId};
use crate::sim::snapshot::SubtaskSnapshot;
use crate::sim::task::TaskStatus;
use crate::sim::{FailureReason, RpcInFlight, RpcKind, Simulation};
use std::rc::Rc;

impl Simulation {
    /// Applies commands in the order they were recorded. The only code that changes the queue,
    /// the log, the statistics and the invariant checker on an actor's behalf.
    pub(crate) fn apply(&mut self, mut commands: Vec<Command>) {
        for c in commands.drain(..) {
            match c {
                Command::Schedule { at, event } => self.queue.schedule(at, event),
                Command::Log { kind, text } => self.log(kind, text),
                Command::Stat(s) => self.apply_stat(s),
                Command::Check(Check::Triggered(id)) => self.checks.on_trigger(id),
                Command::Check(Check::Completed {
                    id,
                    acknowledged,
                    total,
                }) => self.checks.on_complete(id, acknowledged, total),
                Command::Check(Check::Snapshot {
                    task,
                    id,
                    unaligned,
                }) => self
                    .oracle
                    .on_snapshot(task, id, &self.tasks[task.idx()].state, unaligned),
                Command::Ack { task, snapshot } => self.send_ack(task, snapshot),
                Command::Decline { task, id, reason } => self.decline(task, id, reason),
                Command::FlushOutput { task, overdraft } => {
                    self.flush_output(task, overdraft);
                }
                Command::Broadcast {
                    task,
                    item,
                    priority,
                } => self.broadcast_event(task, item, priority),
                Command::Wake { task, at } => self.wake(task, at),
                Command::Block { task, input, id } => {
                    let c = self.graph.subtasks[task.idx()].inputs[input.idx()];
                    self.channels[c.idx()].blocked = true;
                    self.checks.on_channel_blocked(task, input, id);
                }
                Command::Unblock { task, input } => self.unblock(task, input),
                Command::UnblockAll { task } => {
                    for i in 0..self.graph.subtasks[task.idx()].inputs.len() {
                        self.unblock(task, InputIndex(i as u32));
                    }
                }
                Command::AlignmentEnd { task } => self.checks.on_alignment_end(task),
                Command::PromoteBarrier { channel, id } => {
                    self.promote_queued_barrier(channel, id);
                }
                Command::FailTask { task, cause } => {
                    self.failover_input(FailoverInput::TaskFailed { task, cause })
                }
                Command::FailRegions { regions, cause } => self.fail_regions(regions, cause),
                Command::CancelTask { task, status } => {
                    self.cancel_task(task);
                    self.tasks[task.idx()].status = status;
                }
                Command::SetTaskStatus { task, status } => self.tasks[task.idx()].status = status,
                Command::RestoreTask { task, from } => self.restore_task(task, from.as_deref()),
                Command::TaskRunning { task } => self.task_running(task),
                Command::Coordinator(input) => self.coordinator_input(input),
                Command::ClearRpcs => self.rpcs.clear(),
                Command::Failover(input) => self.failover_input(input),
                Command::SetSlow { task, milli, token } => {
                    let t = &mut self.tasks[task.idx()];
                    (t.slow_milli, t.slow_token) = (milli, token);
                }
                Command::DropNextAck { task } => self.tasks[task.idx()].drop_next_ack = true,
                Command::LoseRpc { rpc } => {
                    if self.rpcs.remove(&rpc).is_some() {
                        self.lost_rpcs.insert(rpc);
                    }
                }
                Command::FailNextSnapshot { task, phase } => {
                    self.tasks[task.idx()].fail_next_snapshot = Some(phase)
                }
                Command::TriggerSources { barrier } => {
                    let at = self.now.plus(self.rpc_latency);
                    for i in 0..self.graph.sources.len() {
                        let s = self.graph.sources[i];
                        let attempt = self.tasks[s.idx()].attempt;
                        self.track_rpc(RpcKind::Trigger, s, barrier.id, at);
                        self.queue.schedule(
                            at,
                            Event::TriggerTask {
                                task: s,
                                attempt,
                                barrier,
                            },
                        );
                    }
                }
                Command::NotifyComplete { id } => {
                    let at = self.now.plus(self.rpc_latency);
                    for (i, t) in self.tasks.iter().enumerate() {
                        let (task, attempt) = (SubtaskId(i as u32), t.attempt);
                        self.queue
                            .schedule(at, Event::NotifyComplete { task, attempt, id });
                    }
                }
                Command::NotifyAborted { id } => {
                    let at = self.now.plus(self.rpc_latency);
                    for (i, t) in self.tasks.iter().enumerate() {
                        if t.status == TaskStatus::Running {
                            let (task, attempt) = (SubtaskId(i as u32), t.attempt);
                            self.queue
                                .schedule(at, Event::NotifyAborted { task, attempt, id });
                        }
                    }
                }
                Command::FailJob { cause } => {
                    self.failover_input(FailoverInput::GlobalFailure { cause })
                }
                Command::RestartWaitingRegions => {
                    self.failover_input(FailoverInput::RestartWaitingRegions)
                }
            }
        }
        if self.command_pool.len() < 8 {
            self.command_pool.push(commands);
        }
    }

    /// Releases input `input` of `task` if it is blocked.
    fn unblock(&mut self, task: SubtaskId, input: InputIndex) {
        let c = self.graph.subtasks[task.idx()].inputs[input.idx()];
        if self.channels[c.idx()].blocked {
            self.channels[c.idx()].blocked = false;
            self.gates[task.idx()].unblock(input, c, self.now);
        }
    }

    fn apply_stat(&mut self, s: Stat) {
        let now = self.now;
        match s {
            Stat::Pending {
                id,
                savepoint,
                num_subtasks,
            } => self.stats.report_pending(id, now, savepoint, num_subtasks),
            Stat::Unaligned(id) => self.stats.report_unaligned(id),
            Stat::Subtask {
                id,
                task,
                metrics,
                acknowledged,
            } => self
                .stats
                .report_subtask(id, task, now, &metrics, acknowledged),
            Stat::Completed(id) => self.stats.report_completed(id, now),
            Stat::Failed { id, reason } => self.stats.report_failed(id, now, reason),
            Stat::FailedWithoutId => self.stats.report_failed_without_id(),
            Stat::Restored { id, savepoint } => self.stats.report_restored(id, now, savepoint),
        }
    }

    /// A subtask sends its acknowledgement (it arrives after the RPC latency).
    pub(crate) fn send_ack(&mut self, t: SubtaskId, snapshot: Rc<SubtaskSnapshot>) {
        let attempt = self.tasks[t.idx()].attempt;
        let id = snapshot.id;
        let at = self.now.plus(self.rpc_latency);
        let rpc = self.track_rpc(RpcKind::Ack, t, id, at);
        self.queue.schedule(
            at,
            Event::Ack {
                rpc,
                task: t,
                attempt,
                id,
                snapshot,
            },
        );
    }

    /// A subtask declines a checkpoint (the decline arrives after the RPC latency).
    pub(crate) fn decline(&mut self, t: SubtaskId, id: CheckpointId, reason: FailureReason) {
        let attempt = self.tasks[t.idx()].attempt;
        let at = self.now.plus(self.rpc_latency);
        let rpc = self.track_rpc(RpcKind::Decline, t, id, at);
        self.queue.schedule(
            at,
            Event::Decline {
                rpc,
                task: t,
                attempt,
                id,
                reason,
            },
        );
    }

    /// Records an RPC on its way, for the UI to draw.
    fn track_rpc(
        &mut self,
        kind: RpcKind,
        task: SubtaskId,
        id: CheckpointId,
        arrives_at: SimTime,
    ) -> u64 {
        let rpc = self.next_rpc;
        self.next_rpc += 1;
        if self.rpcs.len() < 100_000 {
            self.rpcs.insert(
                rpc,
                RpcInFlight {
                    kind,
                    task,
                    id,
                    sent_at: self.now,
                    arrives_at,
                },
            );
        }
        rpc
    }
}
