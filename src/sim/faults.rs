//! Fault injection and interventions: what the scenario file schedules and what the UI's buttons
//! inject is one schedule of [`Scheduled`] items (a fault or a user's intervention), each an
//! event; when it fires a fault is applied to the subtasks, the storage or the JobManager, and
//! an intervention is handed to the CheckpointCoordinator as a request.

use super::coordinator::RequestKind;
use super::events::Event;
use super::failover::FailoverInput;
use super::ids::{FencingToken, SimDuration, SimTime, SubtaskId};
use super::scenario::{Fault, FaultSpec, Intervention, Scheduled};
use super::{LogKind, Simulation};

impl Simulation {
    pub(crate) fn schedule_fault(&mut self, f: FaultSpec) {
        let index = self.faults.len();
        let at = SimTime::from_ms(f.at_ms).max(self.now);
        self.faults.push(f);
        self.queue.schedule(at, Event::Fault { index });
    }

    fn subtask(&self, name: &str) -> Option<SubtaskId> {
        self.graph.subtask_by_name(name)
    }

    pub(crate) fn on_fault(&mut self, index: usize) {
        let Some(f) = self.faults.get(index).cloned() else {
            return;
        };
        self.log(LogKind::Fault, format!("fault: {}", f.fault.label()));
        match f.fault {
            Scheduled::Fault(fault) => self.apply_fault(fault),
            Scheduled::Intervention(Intervention::TriggerCheckpoint) => {
                self.request_checkpoint(RequestKind::Manual)
            }
            Scheduled::Intervention(Intervention::TriggerSavepoint) => {
                self.request_checkpoint(RequestKind::Savepoint)
            }
        }
    }

    fn apply_fault(&mut self, fault: Fault) {
        match fault {
            Fault::Kill { task } => {
                if let Some(t) = self.subtask(&task) {
                    self.failover_input(FailoverInput::TaskFailed {
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
                if let Some(t) = self.subtask(&task) {
                    let tk = &mut self.tasks[t.idx()];
                    tk.slow_milli = ((factor * 1000.0).round() as u64).max(1);
                    let token = tk.slow_token.advance();
                    self.queue.schedule(
                        self.now.plus(SimDuration::from_ms(duration_ms)),
                        Event::SlowEnds { task: t, token },
                    );
                }
            }
            Fault::DropAck { task } => {
                if let Some(t) = self.subtask(&task) {
                    self.tasks[t.idx()].drop_next_ack = true;
                }
            }
            Fault::SnapshotFailure { task, phase } => {
                if let Some(t) = self.subtask(&task) {
                    self.tasks[t.idx()].fail_next_snapshot = Some(phase);
                }
            }
            Fault::StorageOutage { duration_ms } => {
                let until = self.now.plus(SimDuration::from_ms(duration_ms));
                self.storage_down_until = Some(
                    self.storage_down_until
                        .map(|u| u.max(until))
                        .unwrap_or(until),
                );
                let token = self.storage_token.advance();
                let at = self.storage_down_until.unwrap_or(until);
                self.queue.schedule(at, Event::StorageBack { token });
            }
            Fault::CoordinatorFailover => self.failover_input(FailoverInput::CoordinatorFailover),
        }
    }

    pub(crate) fn on_slow_ends(&mut self, t: SubtaskId, token: FencingToken) {
        let task = &mut self.tasks[t.idx()];
        if task.slow_token == token {
            task.slow_milli = 1000;
            self.log(
                LogKind::Fault,
                format!("{} runs at normal speed again", self.name(t)),
            );
        }
    }

    pub(crate) fn on_storage_back(&mut self, token: FencingToken) {
        if token == self.storage_token {
            self.log(
                LogKind::Fault,
                "checkpoint storage is reachable again".into(),
            );
        }
    }
}
