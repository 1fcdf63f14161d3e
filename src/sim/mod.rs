//! The simulation: a deterministic discrete-event model of a Flink job and its
//! CheckpointCoordinator. Pure Rust: no web dependency, no clock, no RNG (record keys hash the seed). A run is fully
//! determined by (scenario, seed, injected inputs); `Simulation` is cheap to clone so that the UI
//! can keep keyframes and re-simulate from them to scrub back in time.
//!
//! Public API: [`Simulation::new`], [`Simulation::step`], [`Simulation::run_until`],
//! [`Simulation::inject`], [`Simulation::set_checkpointing`], and the read-only accessors that
//! make up the view (`now`, `graph`, `tasks`, `channels`, `coordinator`, `stats`, `log`, ...).

pub mod channel;
pub mod coordinator;
pub mod events;
pub mod external;
pub mod failover;
pub mod faults;
pub mod gate;
pub mod graph;
pub mod ids;
pub mod invariants;
pub mod reason;
pub mod report;
pub mod scenario;
pub mod snapshot;
pub mod stats;
pub mod task;

pub use reason::FailureReason;

use channel::Channel;
use coordinator::store::CompletedCheckpoint;
use coordinator::Coordinator;
use events::{Event, EventQueue};
use external::ExternalSystem;
use failover::JobState;
use gate::InputGate;
use graph::ExecutionGraph;
use ids::{CheckpointId, Duration, SimTime, SubtaskId};
use invariants::{ExactlyOnceOracle, InvariantChecker};
use scenario::{CheckpointingMode, FaultSpec, Scenario, ScenarioError};
use stats::CheckpointStats;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;
use task::Task;

/// How many log lines the simulation keeps for the UI.
pub const LOG_CAPACITY: usize = 400;

/// A kind of log line, so the UI can colour and filter them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    Trigger,
    Alignment,
    Ack,
    Decline,
    Complete,
    Abort,
    Failover,
    Restore,
    Fault,
    Step,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub at: SimTime,
    pub kind: LogKind,
    pub text: String,
}

/// A message on its way between a subtask and the coordinator (drawn by the UI).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RpcKind {
    Trigger,
    Ack,
    Decline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RpcInFlight {
    pub kind: RpcKind,
    pub task: SubtaskId,
    pub id: CheckpointId,
    pub sent_at: SimTime,
    pub arrives_at: SimTime,
}

/// A user input recorded with the time it was applied, so the run can be replayed.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Fault(FaultSpec),
    Checkpointing(scenario::CheckpointingSpec),
}

/// The whole simulated world.
#[derive(Debug, Clone)]
pub struct Simulation {
    scenario: Rc<Scenario>,
    graph: Rc<ExecutionGraph>,
    pub(crate) now: SimTime,
    pub(crate) queue: EventQueue,
    pub(crate) seed: u64,
    pub(crate) tasks: Vec<Task>,
    pub(crate) gates: Vec<InputGate>,
    pub(crate) channels: Vec<Channel>,
    pub(crate) coord: Coordinator,
    pub(crate) latest_savepoint: Option<Rc<CompletedCheckpoint>>,
    pub(crate) stats: CheckpointStats,
    pub(crate) external: ExternalSystem,
    pub(crate) oracle: ExactlyOnceOracle,
    pub(crate) checks: InvariantChecker,
    pub(crate) job: JobState,
    /// Faults of the scenario and injected ones, in the order they were scheduled.
    pub(crate) faults: Vec<FaultSpec>,
    pub(crate) inputs: Vec<(SimTime, Input)>,
    pub(crate) storage_down_until: Option<SimTime>,
    pub(crate) storage_token: u64,
    pub(crate) rpcs: BTreeMap<u64, RpcInFlight>,
    pub(crate) next_rpc: u64,
    pub(crate) log: VecDeque<LogEntry>,
    pub(crate) events_processed: u64,
    pub(crate) next_step: usize,
    // Parameters in simulated time, copied out of the scenario.
    pub(crate) mode: CheckpointingMode,
    pub(crate) latency: Duration,
    pub(crate) rpc_latency: Duration,
    pub(crate) storage_write: Duration,
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
            latest_savepoint: None,
            stats: CheckpointStats::default(),
            external: ExternalSystem::default(),
            oracle,
            checks,
            job: JobState::new(&graph, scenario.restart_delay_ms),
            faults: Vec::new(),
            inputs: Vec::new(),
            storage_down_until: None,
            storage_token: 0,
            rpcs: BTreeMap::new(),
            next_rpc: 0,
            log: VecDeque::new(),
            events_processed: 0,
            next_step: 0,
            mode: scenario.checkpointing.mode,
            latency: Duration::from_ms_f64(scenario.network.latency_ms),
            rpc_latency: Duration::from_ms_f64(scenario.network.rpc_latency_ms),
            storage_write: Duration::from_ms_f64(scenario.storage.write_ms),
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
        sim.start_checkpoint_scheduler();
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

    fn dispatch(&mut self, event: Event) {
        match event {
            Event::SourceEmit { task, attempt } | Event::TaskWake { task, attempt } => {
                self.on_task_wake(task, attempt)
            }
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
                self.on_trigger_task(task, attempt, barrier)
            }
            Event::AlignmentTimeout { task, attempt, id } => {
                self.on_alignment_timeout(task, attempt, id)
            }
            Event::ChannelBarrierTimeout { channel, id } => {
                self.on_channel_barrier_timeout(channel, id)
            }
            Event::NotifyComplete { task, attempt, id } => {
                self.on_notify_complete(task, attempt, id)
            }
            Event::NotifyAborted { task, attempt, id } => self.on_notify_aborted(task, attempt, id),
            Event::Ack {
                rpc,
                task,
                attempt,
                id,
                snapshot,
            } => self.on_ack(rpc, task, attempt, id, snapshot),
            Event::Decline {
                rpc,
                task,
                attempt,
                id,
                reason,
            } => self.on_decline(rpc, task, attempt, id, reason),
            Event::PeriodicTrigger { generation } => self.on_periodic_trigger(generation),
            Event::CheckpointTimeout { id, epoch } => self.on_checkpoint_timeout(id, epoch),
            Event::MetadataWritten { id, epoch } => self.on_metadata_written(id, epoch),
            Event::Fault { index } => self.on_fault(index),
            Event::RegionRestart { region, generation } => {
                self.on_region_restart(region, generation)
            }
            Event::RestoreDone { task, attempt } => self.on_restore_done(task, attempt),
            Event::SlowEnds { task, token } => self.on_slow_ends(task, token),
            Event::StorageBack { token } => self.on_storage_back(token),
            Event::CoordinatorRecovered { epoch } => self.on_coordinator_recovered(epoch),
        }
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

    pub(crate) fn name(&self, t: SubtaskId) -> String {
        self.graph.subtasks[t.idx()].name.clone()
    }

    pub(crate) fn storage_down(&self) -> bool {
        self.storage_down_until
            .map(|u| self.now < u)
            .unwrap_or(false)
    }

    // ----- the read-only view -----

    pub fn now(&self) -> SimTime {
        self.now
    }
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
    pub fn graph(&self) -> &ExecutionGraph {
        &self.graph
    }
    pub fn tasks(&self) -> &[Task] {
        &self.tasks
    }
    pub fn channels(&self) -> &[Channel] {
        &self.channels
    }
    pub fn coordinator(&self) -> &Coordinator {
        &self.coord
    }
    pub fn latest_savepoint(&self) -> Option<&CompletedCheckpoint> {
        self.latest_savepoint.as_deref()
    }
    pub fn stats(&self) -> &CheckpointStats {
        &self.stats
    }
    pub fn external(&self) -> &ExternalSystem {
        &self.external
    }
    pub fn oracle(&self) -> &ExactlyOnceOracle {
        &self.oracle
    }
    pub fn invariants(&self) -> &InvariantChecker {
        &self.checks
    }
    pub fn job(&self) -> &JobState {
        &self.job
    }
    pub fn log_entries(&self) -> &VecDeque<LogEntry> {
        &self.log
    }
    pub fn rpcs_in_flight(&self) -> impl Iterator<Item = &RpcInFlight> {
        self.rpcs.values()
    }
    pub fn inputs(&self) -> &[(SimTime, Input)] {
        &self.inputs
    }
    pub fn faults(&self) -> &[FaultSpec] {
        &self.faults
    }
    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }
    pub fn pending_events(&self) -> usize {
        self.queue.len()
    }
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }
    pub fn is_storage_down(&self) -> bool {
        self.storage_down()
    }
    pub fn storage_down_until(&self) -> Option<SimTime> {
        self.storage_down_until.filter(|u| *u > self.now)
    }
    /// Records delivered through all channels so far (a throughput figure for benchmarks).
    pub fn records_moved(&self) -> u64 {
        self.channels.iter().map(|c| c.total_records).sum()
    }
    /// The mode in force (it can be changed live).
    pub fn mode(&self) -> CheckpointingMode {
        self.mode
    }
}
