//! Delivery: the engine hands each input to the one actor it concerns — the
//! CheckpointCoordinator, the failover, the fault actor, a subtask's barrier handler or its
//! snapshot — builds the read-only context that actor may see, and applies the commands it
//! recorded. The ordering rule of a failover lives here, as code ([`Simulation::fail_regions`]).

use crate::sim::channel::Barrier;
use crate::sim::command::Out;
use crate::sim::coordinator::{Context, CoordinatorInput};
use crate::sim::events::Event;
use crate::sim::failover::{FailoverContext, FailoverInput, JobStatus};
use crate::sim::faults::{self, FaultContext, FaultInput};
use crate::sim::ids::{Attempt, CheckpointId, InputIndex, SimDuration, SimTime, SubtaskId};
use crate::sim::scenario::FaultSpec;
use crate::sim::snapshot::OperatorState;
use crate::sim::task::barrier_handler::{self, BarrierInput};
use crate::sim::task::subtask_checkpoint::{self, SnapshotInput, TaskContext};
use crate::sim::Simulation;

/// Which of the subtask's actors an input is for.
enum SubtaskInput {
    Barriers(BarrierInput),
    Snapshot(SnapshotInput),
}

impl Simulation {
    /// Delivers an input to the CheckpointCoordinator and applies what it asks for.
    pub(crate) fn coordinator_input(&mut self, input: CoordinatorInput) {
        let ctx = Context {
            now: self.now,
            graph: &self.graph,
            tasks: &self.tasks,
            stats: &self.stats,
            storage_down: self.storage.is_down(self.now),
            storage_write: self.storage_write,
        };
        let mut out = Out::from_pool(&mut self.command_pool);
        self.coord.handle(input, &ctx, &mut out);
        self.apply(out.into_commands());
    }

    /// Delivers an input to the failover and applies what it asks for.
    pub(crate) fn failover_input(&mut self, input: FailoverInput) {
        let ctx = FailoverContext {
            now: self.now,
            graph: &self.graph,
            tasks: &self.tasks,
            coordinator_alive: self.coord.alive,
            latest: self.coord.store.latest().cloned(),
            storage_down: self.storage_down(),
            restart_attempts: self.scenario.restart_attempts,
            recovery: SimDuration::from_ms(self.scenario.restart_delay_ms),
        };
        let mut out = Out::from_pool(&mut self.command_pool);
        self.job.handle(input, &ctx, &mut out);
        self.apply(out.into_commands());
    }

    /// The ordering rule of every failover, in one place: the first task leaving RUNNING stops
    /// the checkpoint scheduler (Flink's `ExecutionTrackingCheckpointCoordinatorDeActivator`:
    /// `stopCheckpointScheduler` aborts every pending checkpoint with
    /// CHECKPOINT_COORDINATOR_SUSPEND) before any subtask is cancelled; then the failover
    /// cancels the regions' subtasks and plans their restart. A global failover the
    /// coordinator's failure manager asks for meanwhile is applied in between.
    pub(crate) fn fail_regions(&mut self, regions: Vec<u32>, cause: String) {
        if self.job.status == JobStatus::Failed {
            return;
        }
        self.coordinator_input(CoordinatorInput::JobNotRunning);
        self.failover_input(FailoverInput::CancelRegions { regions, cause });
    }

    pub(crate) fn schedule_fault(&mut self, f: FaultSpec) {
        let index = self.faults.len();
        let at = SimTime::from_ms(f.at_ms).max(self.now);
        self.faults.push(f);
        self.queue.schedule(at, Event::Fault { index });
    }

    /// Delivers an input to the fault actor and applies what it asks for.
    pub(crate) fn faults_input(&mut self, input: FaultInput) {
        let ctx = FaultContext {
            now: self.now,
            graph: &self.graph,
            tasks: &self.tasks,
            rpcs: &self.rpcs,
        };
        let mut out = Out::from_pool(&mut self.command_pool);
        faults::handle(&mut self.storage, input, &ctx, &mut out);
        self.apply(out.into_commands());
    }

    /// The fault or intervention `index` of the schedule fires.
    pub(crate) fn on_fault(&mut self, index: usize) {
        if let Some(f) = self.faults.get(index).cloned() {
            self.faults_input(FaultInput::Fire(f.fault));
        }
    }

    /// Delivers an input to one of subtask `t`'s actors and applies its commands.
    fn subtask_input(&mut self, t: SubtaskId, input: SubtaskInput) {
        let ctx = TaskContext {
            now: self.now,
            graph: &self.graph,
            mode: self.mode,
            channels: &self.channels,
            storage_down: self.storage.is_down(self.now),
            storage_write: self.storage_write,
            storage_bandwidth: self.storage_bandwidth,
            record_bytes: self.record_bytes,
        };
        let mut out = Out::from_pool(&mut self.command_pool);
        let task = &mut self.tasks[t.idx()];
        match input {
            SubtaskInput::Barriers(i) => barrier_handler::handle(task, i, &ctx, &mut out),
            SubtaskInput::Snapshot(i) => subtask_checkpoint::handle(task, i, &ctx, &mut out),
        }
        self.apply(out.into_commands());
    }

    /// Delivers an input to subtask `t`'s barrier handler.
    pub(crate) fn barrier_input(&mut self, t: SubtaskId, input: BarrierInput) {
        self.subtask_input(t, SubtaskInput::Barriers(input));
    }

    /// Delivers an input to subtask `t`'s barrier handler, if the attempt it was meant for
    /// still runs.
    pub(crate) fn barrier_input_of(&mut self, t: SubtaskId, attempt: Attempt, input: BarrierInput) {
        let task = &self.tasks[t.idx()];
        if task.attempt == attempt && task.is_running() {
            self.barrier_input(t, input);
        }
    }

    /// A barrier arrived on `input` (`overtaken`: queued items it jumped, for priority barriers).
    pub(crate) fn on_barrier(
        &mut self,
        t: SubtaskId,
        input: InputIndex,
        b: Barrier,
        overtaken: u32,
    ) {
        self.barrier_input(
            t,
            BarrierInput::Barrier {
                input,
                barrier: b,
                overtaken,
            },
        );
    }

    /// The synchronous part ended (unless the attempt that started it is gone).
    pub(crate) fn on_sync_done(&mut self, t: SubtaskId, attempt: Attempt, id: CheckpointId) {
        let task = &self.tasks[t.idx()];
        if task.attempt == attempt && task.is_running() {
            self.subtask_input(t, SubtaskInput::Snapshot(SnapshotInput::SyncDone(id)));
        }
    }

    /// The upload ended (unless the attempt that started it is gone).
    pub(crate) fn on_async_done(&mut self, t: SubtaskId, attempt: Attempt, id: CheckpointId) {
        let task = &self.tasks[t.idx()];
        if task.attempt == attempt && task.is_running() {
            self.subtask_input(t, SubtaskInput::Snapshot(SnapshotInput::AsyncDone(id)));
        }
    }

    /// notifyCheckpointComplete: a two-phase-commit sink commits every transaction up to `id`.
    pub(crate) fn on_notify_complete(&mut self, t: SubtaskId, attempt: Attempt, id: CheckpointId) {
        let task = &mut self.tasks[t.idx()];
        if task.attempt != attempt || !task.is_running() {
            return;
        }
        if let OperatorState::Sink { pending, .. } = &mut task.state {
            let keep = pending.split_off(&CheckpointId(id.0 + 1));
            let commit = std::mem::replace(pending, keep);
            for (txn, records) in commit {
                self.external.commit(t, txn, &records, &mut self.oracle);
            }
        }
    }
}
