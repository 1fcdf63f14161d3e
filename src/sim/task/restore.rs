//! A subtask's side of a failover, as Flink's `Execution.cancel` and `StreamTask`'s restore
//! (INITIALIZING): the engine applies the failover's [`crate::sim::command::Command::CancelTask`],
//! `RestoreTask` and `TaskRunning` here. A restore puts back the checkpoint's operator state
//! (sources rewind to its offsets), replays persisted channel state first, and a two-phase-commit
//! sink commits the transactions it holds.

use super::*;
use crate::sim::channel::{Buffer, Item};
use crate::sim::coordinator::store::CompletedCheckpoint;
use crate::sim::ids::{Attempt, SimDuration, SubtaskId};
use crate::sim::Simulation;

impl Simulation {
    /// Stops a subtask: new attempt, state and in-flight data dropped.
    pub(crate) fn cancel_task(&mut self, t: SubtaskId) {
        let op = self.graph.operator_of(t);
        let (kind, keys) = (op.kind, op.key_space);
        let now = self.now;
        let task = &mut self.tasks[t.idx()];
        task.attempt = Attempt(task.attempt.0 + 1);
        task.reset_for_restart(kind, keys, now);
        task.status = TaskStatus::Failed;
        self.gates[t.idx()].clear();
        self.checks.reset_subtask(t);
        let info = &self.graph.subtasks[t.idx()];
        let chans: Vec<usize> = info
            .inputs
            .iter()
            .map(|c| c.idx())
            .chain(
                info.outputs
                    .iter()
                    .flat_map(|g| g.channels.iter().map(|c| c.idx())),
            )
            .collect();
        for c in chans {
            self.channels[c].clear();
        }
    }

    /// Redeploys a subtask (INITIALIZING) with its state in `latest`, or empty.
    pub(crate) fn restore_task(&mut self, t: SubtaskId, latest: Option<&CompletedCheckpoint>) {
        let bandwidth = self.storage_bandwidth.max(1);
        let read = self.storage_write;
        let info = &self.graph.subtasks[t.idx()];
        let inputs = info.inputs.clone();
        let op = self.graph.operator_of(t);
        let (sbpk, record_bytes) = (op.state_bytes_per_key, self.record_bytes);
        let task = &mut self.tasks[t.idx()];
        task.status = TaskStatus::Initializing;
        let mut size = 0;
        if let Some(cp) = latest {
            if let Some(s) = cp.snapshots.iter().find(|s| s.task == t) {
                let s = Rc::clone(s);
                let mut state = s.state.clone();
                // The snapshot's open transaction is empty (taken after the pre-commit): keep
                // the sink's allocation for it.
                if let (OperatorState::Sink { open, .. }, OperatorState::Sink { open: kept, .. }) =
                    (&mut state, &mut task.state)
                {
                    if open.is_empty() {
                        kept.clear();
                        std::mem::swap(open, kept);
                    }
                }
                task.state = state;
                task.last_checkpoint = cp.id;
                size = s.state.size_bytes(sbpk, record_bytes);
                // Persisted in-flight data is put back first, as one buffer per input channel.
                for (input, records) in &s.channel_state {
                    let c = inputs[input.idx()];
                    let buffer = Buffer {
                        bytes: records.iter().map(|r| r.n as u64).sum::<u64>() * record_bytes,
                        records: records.clone().into(),
                        ends_segment: true,
                    };
                    self.channels[c.idx()].push(Item::Buffer(buffer), self.now, self.now);
                    self.gates[t.idx()].on_push(self.now, *input, c);
                }
            }
        }
        // A two-phase-commit sink commits the transactions of the restored state.
        let task = &mut self.tasks[t.idx()];
        if let OperatorState::Sink { pending, .. } = &mut task.state {
            let commit = std::mem::take(pending);
            for (txn, records) in commit {
                self.external.commit(t, txn, &records, &mut self.oracle);
            }
        }
        let attempt = self.tasks[t.idx()].attempt;
        let d = SimDuration(read.0 + size.saturating_mul(1000) / bandwidth);
        self.queue
            .schedule(self.now.plus(d), Event::RestoreDone { task: t, attempt });
    }

    /// A restored subtask runs from now.
    pub(crate) fn task_running(&mut self, t: SubtaskId) {
        let now = self.now;
        let task = &mut self.tasks[t.idx()];
        task.status = TaskStatus::Running;
        task.running_since = Some(now);
        task.next_emit_at = now;
        task.busy_until = now;
        task.wake_at = None;
        self.wake(t, now);
        self.start_network_timers(t);
    }
}
