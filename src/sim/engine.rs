//! The engine: the `Simulation` owns the event queue, the virtual clock, the log, the
//! statistics and every actor's state, and is the only code that applies commands. `step()` pops
//! the next event, hands it to the one actor it concerns, and applies the commands that actor
//! recorded ([`Simulation::apply`]); a command addressed to another actor (a failover, a
//! restart) is delivered as it is applied, so effects keep their causal order.
//!
//! Like turmoil and madsim: virtual time, `step()`, and a run fully determined by (scenario,
//! seed, injected inputs). Cheap to clone, so the UI keeps keyframes and re-simulates from them.

use super::channel::Channel;
use super::command::{Check, Command, Out, Stat};
use super::coordinator::{Context, Coordinator, CoordinatorInput};
use super::events::{Event, EventQueue};
use super::external::ExternalSystem;
use super::failover::{FailoverContext, FailoverInput, JobState, JobStatus};
use super::faults::{FaultInput, Storage};
use super::gate::InputGate;
use super::graph::ExecutionGraph;
use super::ids::{CheckpointId, SimDuration, SimTime, SubtaskId};
use super::invariants::{ExactlyOnceOracle, InvariantChecker};
use super::scenario::{self, CheckpointingMode, FaultSpec, Scenario, ScenarioError};
use super::snapshot::SubtaskSnapshot;
use super::stats::CheckpointStats;
use super::task::{BarrierInput, Task, TaskStatus};
use super::{FailureReason, Input, LogEntry, LogKind, RpcInFlight, RpcKind, LOG_CAPACITY};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

/// The whole simulated world.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub(crate) scenario: Rc<Scenario>,
    pub(crate) graph: Rc<ExecutionGraph>,
    pub(crate) now: SimTime,
    pub(crate) queue: EventQueue,
    pub(crate) seed: u64,
    pub(crate) tasks: Vec<Task>,
    pub(crate) gates: Vec<InputGate>,
    pub(crate) channels: Vec<Channel>,
    pub(crate) coord: Coordinator,
    pub(crate) stats: CheckpointStats,
    pub(crate) external: ExternalSystem,
    pub(crate) oracle: ExactlyOnceOracle,
    pub(crate) checks: InvariantChecker,
    pub(crate) job: JobState,
    /// Faults of the scenario and injected ones, in the order they were scheduled.
    pub(crate) faults: Vec<FaultSpec>,
    pub(crate) inputs: Vec<(SimTime, Input)>,
    /// The checkpoint storage's availability (the fault actor's state).
    pub(crate) storage: Storage,
    pub(crate) rpcs: BTreeMap<u64, RpcInFlight>,
    pub(crate) next_rpc: u64,
    pub(crate) log: VecDeque<LogEntry>,
    pub(crate) events_processed: u64,
    pub(crate) next_step: usize,
    // Parameters in simulated time, copied out of the scenario.
    pub(crate) mode: CheckpointingMode,
    pub(crate) latency: SimDuration,
    pub(crate) rpc_latency: SimDuration,
    pub(crate) storage_write: SimDuration,
    pub(crate) storage_bandwidth: u64,
    pub(crate) record_bytes: u64,
}

impl Simulation {
    /// Validates the scenario and builds the job at time 0.
    pub fn new(scenario: Scenario) -> Result<Simulation, ScenarioError> {
        scenario.validate()?;
        let graph = ExecutionGraph::build(&scenario);
        let tasks = graph
            .subtasks
            .iter()
            .map(|s| {
                let op = &graph.operators[s.op.idx()];
                Task::new(s.id, op.kind, op.key_space, s.outputs.len())
            })
            .collect();
        let gates = graph
            .subtasks
            .iter()
            .map(|s| InputGate::new(s.inputs.len()))
            .collect();
        let channels = graph
            .channels
            .iter()
            .map(|_| Channel::new(scenario.network.buffers_per_channel))
            .collect();
        let oracle = ExactlyOnceOracle::new(&graph);
        let checks = InvariantChecker::new(&graph);
        let mut sim = Simulation {
            seed: scenario.seed,
            now: SimTime::ZERO,
            queue: EventQueue::default(),
            tasks,
            gates,
            channels,
            coord: Coordinator::new(scenario.checkpointing.clone()),
            stats: CheckpointStats::default(),
            external: ExternalSystem::default(),
            oracle,
            checks,
            job: JobState::new(&graph, scenario.restart_delay_ms),
            faults: Vec::new(),
            inputs: Vec::new(),
            storage: Storage::default(),
            rpcs: BTreeMap::new(),
            next_rpc: 0,
            log: VecDeque::new(),
            events_processed: 0,
            next_step: 0,
            mode: scenario.checkpointing.mode,
            latency: SimDuration::from_ms_f64(scenario.network.latency_ms),
            rpc_latency: SimDuration::from_ms_f64(scenario.network.rpc_latency_ms),
            storage_write: SimDuration::from_ms_f64(scenario.storage.write_ms),
            storage_bandwidth: scenario.storage.bytes_per_ms,
            record_bytes: scenario.network.record_bytes,
            graph: Rc::new(graph),
            scenario: Rc::new(scenario),
        };
        for s in sim.graph.sources.clone() {
            sim.wake(s, SimTime::ZERO);
        }
        for f in sim.scenario.faults.clone() {
            sim.schedule_fault(f);
        }
        sim.coordinator_input(CoordinatorInput::JobRunning);
        Ok(sim)
    }

    /// Parses, validates and builds in one go.
    pub fn from_json(text: &str) -> Result<Simulation, ScenarioError> {
        Simulation::new(Scenario::from_json(text)?)
    }

    /// Processes the next event. Returns false when nothing is left to happen.
    pub fn step(&mut self) -> bool {
        let Some((at, event)) = self.queue.pop() else {
            return false;
        };
        self.now = self.now.max(at);
        self.events_processed += 1;
        self.narrate();
        self.dispatch(event);
        true
    }

    /// Processes every event up to and including `t`, then sets the clock to `t`.
    pub fn run_until(&mut self, t: SimTime) {
        while let Some(at) = self.queue.peek_time() {
            if at > t {
                break;
            }
            self.step();
        }
        self.now = self.now.max(t);
        self.narrate();
    }

    /// Runs to the scenario's `duration_ms`.
    pub fn run_to_end(&mut self) {
        self.run_until(self.end_time());
    }

    pub fn end_time(&self) -> SimTime {
        SimTime::from_ms(self.scenario.duration_ms)
    }

    /// Injects a fault now (or at `fault.at_ms` if later), recorded for replay.
    pub fn inject(&mut self, mut fault: FaultSpec) -> Result<(), ScenarioError> {
        self.scenario.check_fault(&fault.fault)?;
        fault.at_ms = fault.at_ms.max(self.now.as_ms());
        if SimTime::from_ms(fault.at_ms) < self.now {
            fault.at_ms = self.now.as_ms() + 1;
        }
        self.inputs.push((self.now, Input::Fault(fault.clone())));
        self.schedule_fault(fault);
        Ok(())
    }

    /// Applies a new checkpoint configuration after validating it, recorded for replay.
    pub fn apply_checkpointing(
        &mut self,
        config: scenario::CheckpointingSpec,
    ) -> Result<(), ScenarioError> {
        let mut probe = (*self.scenario).clone();
        probe.checkpointing = config.clone();
        probe.validate()?;
        self.inputs
            .push((self.now, Input::Checkpointing(config.clone())));
        self.set_checkpointing(config);
        Ok(())
    }

    /// Bounds the checkpoint history kept in memory (Flink's `web.checkpoints.history`); `None`
    /// keeps every row (the runner's report). The counts stay complete either way.
    pub fn set_history_limit(&mut self, limit: Option<usize>) {
        self.stats.set_history_limit(limit);
    }

    /// Bounds the restart records kept in memory to the newest `limit`; `None` keeps all (the
    /// runner's report). [`failover::JobState::restart_count`] still counts every restart.
    pub fn set_restart_limit(&mut self, limit: Option<usize>) {
        self.job.set_restarts_limit(limit);
    }

    /// How many of the newest checkpoints keep their per-subtask details (at most
    /// [`stats::SUBTASK_DETAIL_HISTORY`], the default).
    pub fn set_detail_limit(&mut self, limit: usize) {
        self.stats.set_detail_limit(limit);
    }

    /// Hands an event to the actor it concerns.
    fn dispatch(&mut self, event: Event) {
        match event {
            Event::TaskWake { task, attempt } => self.on_task_wake(task, attempt),
            Event::SyncDone { task, attempt, id } => self.on_sync_done(task, attempt, id),
            Event::AsyncDone { task, attempt, id } => self.on_async_done(task, attempt, id),
            Event::TriggerTask {
                task,
                attempt,
                barrier,
            } => {
                self.rpcs.retain(|_, r| {
                    !(r.kind == RpcKind::Trigger && r.task == task && r.id == barrier.id)
                });
                // Flink: the trigger fails for a task that is not running; the checkpoint
                // expires or is aborted by the failover.
                self.barrier_input_of(task, attempt, BarrierInput::Trigger(barrier))
            }
            Event::AlignmentTimeout { task, attempt, id } => {
                self.barrier_input_of(task, attempt, BarrierInput::AlignmentTimeout(id))
            }
            Event::ChannelBarrierTimeout { channel, id } => {
                self.on_channel_barrier_timeout(channel, id)
            }
            Event::NotifyComplete { task, attempt, id } => {
                self.on_notify_complete(task, attempt, id)
            }
            Event::NotifyAborted { task, attempt, id } => {
                self.barrier_input_of(task, attempt, BarrierInput::NotifyAborted(id))
            }
            Event::Ack {
                rpc,
                task,
                attempt,
                snapshot,
                ..
            } => {
                self.rpcs.remove(&rpc);
                let current_attempt = attempt == self.tasks[task.idx()].attempt;
                self.coordinator_input(CoordinatorInput::Ack {
                    task,
                    current_attempt,
                    snapshot,
                })
            }
            Event::Decline {
                rpc,
                task,
                attempt,
                id,
                reason,
            } => {
                self.rpcs.remove(&rpc);
                let current_attempt = attempt == self.tasks[task.idx()].attempt;
                self.coordinator_input(CoordinatorInput::Decline {
                    task,
                    current_attempt,
                    id,
                    reason,
                })
            }
            Event::PeriodicTrigger { token } => {
                self.coordinator_input(CoordinatorInput::PeriodicTrigger { token })
            }
            Event::CheckpointTimeout { id, session } => {
                self.coordinator_input(CoordinatorInput::Timeout { id, session })
            }
            Event::MetadataWritten { id, session } => {
                self.coordinator_input(CoordinatorInput::MetadataWritten { id, session })
            }
            Event::Fault { index } => self.on_fault(index),
            Event::RegionRestart { region, token } => {
                self.failover_input(FailoverInput::RegionRestart { region, token })
            }
            Event::RestoreDone { task, attempt } => {
                self.failover_input(FailoverInput::RestoreDone { task, attempt })
            }
            Event::SlowEnds { task, token } => {
                self.faults_input(FaultInput::SlowEnds { task, token })
            }
            Event::StorageBack { token } => self.faults_input(FaultInput::StorageBack { token }),
            Event::CoordinatorRecovered { session } => {
                self.coordinator_input(CoordinatorInput::LeadershipGranted { session })
            }
        }
    }

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
        let mut out = Out::default();
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
        let mut out = Out::default();
        self.job.handle(input, &ctx, &mut out);
        self.apply(out.into_commands());
    }

    /// The ordering rule of every failover, in one place: the first task leaving RUNNING stops
    /// the checkpoint scheduler (Flink's `ExecutionTrackingCheckpointCoordinatorDeActivator`:
    /// `stopCheckpointScheduler` aborts every pending checkpoint with
    /// CHECKPOINT_COORDINATOR_SUSPEND) before any subtask is cancelled; then the failover
    /// cancels the regions' subtasks and plans their restart. A global failover the
    /// coordinator's failure manager asks for meanwhile is applied in between.
    fn fail_regions(&mut self, regions: Vec<u32>, cause: String) {
        if self.job.status == JobStatus::Failed {
            return;
        }
        self.coordinator_input(CoordinatorInput::JobNotRunning);
        self.failover_input(FailoverInput::CancelRegions { regions, cause });
    }

    /// Applies commands in the order they were recorded. The only code that changes the queue,
    /// the log, the statistics and the invariant checker on an actor's behalf.
    pub(crate) fn apply(&mut self, commands: Vec<Command>) {
        for c in commands {
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
                Command::Unblock { task, input } => {
                    let c = self.graph.subtasks[task.idx()].inputs[input.idx()];
                    if self.channels[c.idx()].blocked {
                        self.channels[c.idx()].blocked = false;
                        self.gates[task.idx()].unblock(input, self.now);
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
    pub(crate) fn send_ack(&mut self, t: SubtaskId, snapshot: SubtaskSnapshot) {
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
                snapshot: Rc::new(snapshot),
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

    /// Applies a new checkpoint configuration live (the settings form).
    pub fn set_checkpointing(&mut self, config: scenario::CheckpointingSpec) {
        self.mode = config.mode;
        self.coordinator_input(CoordinatorInput::Configure(config));
    }

    /// Logs the scenario's narration steps the clock has reached.
    fn narrate(&mut self) {
        while let Some(step) = self.scenario.steps.get(self.next_step) {
            if SimTime::from_ms(step.at_ms) > self.now {
                break;
            }
            let text = step.text.clone();
            self.next_step += 1;
            self.log(LogKind::Step, text);
        }
    }

    pub(crate) fn log(&mut self, kind: LogKind, text: String) {
        if self.log.len() >= LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(LogEntry {
            at: self.now,
            kind,
            text,
        });
    }

    /// The shared execution graph (cloning the `Rc` lets a caller borrow it while mutating).
    pub(crate) fn graph_rc(&self) -> &Rc<ExecutionGraph> {
        &self.graph
    }

    pub(crate) fn storage_down(&self) -> bool {
        self.storage.is_down(self.now)
    }
}
