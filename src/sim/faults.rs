//! Faults and interventions as an actor, at the delivery boundary (as stateright's model decides
//! what breaks, not the actors): what the scenario file schedules and what the UI's buttons
//! inject is one schedule of [`Scheduled`] items (a fault or a user's intervention), each an
//! [`Event::Fault`]. When one fires, [`handle`] records what it does to the subtasks (fail one,
//! slow one down, lose its next ack, fail its next snapshot), to the checkpoint storage it owns
//! ([`Storage`]: an outage), to the JobManager (a failover), or, for an intervention, the
//! request it makes of the CheckpointCoordinator (`triggerCheckpoint`, `triggerSavepoint`).
//! The engine ([`super::engine`]) schedules them, delivers them and applies the commands.

use super::command::{Command, Out};
use super::coordinator::{CoordinatorInput, RequestKind};
use super::events::Event;
use super::failover::FailoverInput;
use super::graph::ExecutionGraph;
use super::ids::{FencingToken, SimDuration, SimTime, SubtaskId};
use super::scenario::{Fault, Intervention, Scheduled};
use super::sorted::SortedMap;
use super::task::Task;
use super::{LogKind, RpcInFlight, RpcKind};

/// The checkpoint storage's availability: down until a time (outages extend each other).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Storage {
    pub down_until: Option<SimTime>,
    /// Fences the end of the current outage.
    pub token: FencingToken,
}

impl Storage {
    pub fn is_down(&self, now: SimTime) -> bool {
        self.down_until.map(|u| now < u).unwrap_or(false)
    }
}

/// What the fault actor reacts to.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultInput {
    /// A scheduled or injected fault or intervention fires.
    Fire(Scheduled),
    /// A slow-down of `task` ends (unless a newer one replaced it).
    SlowEnds {
        task: SubtaskId,
        token: FencingToken,
    },
    /// A storage outage ends (unless a newer one extended it).
    StorageBack { token: FencingToken },
}

/// What the fault actor may read of the world.
#[derive(Debug, Clone, Copy)]
pub struct FaultContext<'a> {
    pub now: SimTime,
    pub graph: &'a ExecutionGraph,
    pub tasks: &'a [Task],
    /// The RPCs in flight (the engine's table), read to find an ack to lose.
    pub rpcs: &'a SortedMap<u64, RpcInFlight>,
}

impl FaultContext<'_> {
    fn subtask(&self, name: &str) -> Option<SubtaskId> {
        self.graph.subtask_by_name(name)
    }
    fn name(&self, t: SubtaskId) -> &str {
        &self.graph.subtasks[t.idx()].name
    }
}

pub fn handle(storage: &mut Storage, input: FaultInput, ctx: &FaultContext, out: &mut Out) {
    match input {
        FaultInput::Fire(what) => {
            out.log(LogKind::Fault, format!("fault: {}", what.label()));
            match what {
                Scheduled::Fault(fault) => apply_fault(storage, fault, ctx, out),
                Scheduled::Intervention(Intervention::TriggerCheckpoint) => out.push(
                    Command::Coordinator(CoordinatorInput::Request(RequestKind::Manual)),
                ),
                Scheduled::Intervention(Intervention::TriggerSavepoint) => out.push(
                    Command::Coordinator(CoordinatorInput::Request(RequestKind::Savepoint)),
                ),
            }
        }
        FaultInput::SlowEnds { task, token } => {
            if ctx.tasks[task.idx()].slow_token == token {
                out.push(Command::SetSlow {
                    task,
                    milli: 1000,
                    token,
                });
                out.log(
                    LogKind::Fault,
                    format!("{} runs at normal speed again", ctx.name(task)),
                );
            }
        }
        FaultInput::StorageBack { token } => {
            if token == storage.token {
                out.log(
                    LogKind::Fault,
                    "checkpoint storage is reachable again".into(),
                );
            }
        }
    }
}

fn apply_fault(storage: &mut Storage, fault: Fault, ctx: &FaultContext, out: &mut Out) {
    match fault {
        Fault::Kill { task } => {
            if let Some(t) = ctx.subtask(&task) {
                out.push(Command::FailTask {
                    task: t,
                    cause: format!("kill {task}"),
                });
            }
        }
        Fault::Slow {
            task,
            factor,
            duration_ms,
        } => {
            if let Some(t) = ctx.subtask(&task) {
                let token = {
                    let mut current = ctx.tasks[t.idx()].slow_token;
                    current.advance()
                };
                out.push(Command::SetSlow {
                    task: t,
                    milli: ((factor * 1000.0).round() as u64).max(1),
                    token,
                });
                out.schedule(
                    ctx.now.plus(SimDuration::from_ms(duration_ms)),
                    Event::SlowEnds { task: t, token },
                );
            }
        }
        Fault::DropAck { task } => {
            if let Some(t) = ctx.subtask(&task) {
                out.push(Command::DropNextAck { task: t });
            }
        }
        Fault::LoseAck { task, checkpoint } => {
            if let Some(t) = ctx.subtask(&task) {
                let in_flight = ctx
                    .rpcs
                    .iter()
                    .find(|(_, r)| r.kind == RpcKind::Ack && r.task == t && r.id.0 == checkpoint);
                match in_flight {
                    Some((&rpc, _)) => {
                        out.log(
                            LogKind::Fault,
                            format!(
                                "the acknowledgeCheckpoint RPC of checkpoint {checkpoint} from {task} to the CheckpointCoordinator is lost: the coordinator never receives it"
                            ),
                        );
                        out.push(Command::LoseRpc { rpc });
                    }
                    None => out.log(
                        LogKind::Fault,
                        format!(
                            "no acknowledgeCheckpoint RPC of checkpoint {checkpoint} from {task} is in flight: nothing is lost"
                        ),
                    ),
                }
            }
        }
        Fault::SnapshotFailure { task, phase } => {
            if let Some(t) = ctx.subtask(&task) {
                out.push(Command::FailNextSnapshot { task: t, phase });
            }
        }
        Fault::StorageOutage { duration_ms } => {
            let until = ctx.now.plus(SimDuration::from_ms(duration_ms));
            storage.down_until = Some(storage.down_until.map(|u| u.max(until)).unwrap_or(until));
            let token = storage.token.advance();
            let at = storage.down_until.unwrap_or(until);
            out.schedule(at, Event::StorageBack { token });
        }
        Fault::CoordinatorFailover => {
            out.push(Command::Failover(FailoverInput::CoordinatorFailover))
        }
    }
}

#[cfg(test)]
mod tests;
