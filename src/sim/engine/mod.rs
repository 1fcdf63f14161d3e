//! The engine: the `Simulation` owns the event queue, the virtual clock, the log, the
//! statistics and every actor's state, and is the only code that applies commands. `step()` pops
//! the next event, hands it to the one actor it concerns, and applies the commands that actor
//! recorded ([`Simulation::apply`]); a command addressed to another actor (a failover, a
//! restart) is delivered as it is applied, so effects keep their causal order.
//!
//! `deliver` hands inputs to the actors (and holds the ordering rule of a failover),
//! `apply` applies their commands.
//!
//! Like turmoil and madsim: virtual time, `step()`, and a run fully determined by (scenario,
//! seed, injected inputs). Cheap to clone, so the UI keeps keyframes and re-simulates from them.

use super::channel::{Channel, RecordPool};
use super::command::Command;
use super::coordinator::{Coordinator, CoordinatorInput};
use super::events::{Event, EventQueue};
use super::external::ExternalSystem;
use super::failover::{FailoverInput, JobState};
use super::faults::{FaultInput, Storage};
use super::gate::InputGate;
use super::graph::ExecutionGraph;
use super::ids::{SimDuration, SimTime};
use super::invariants::{ExactlyOnceOracle, InvariantChecker};
use super::network::debloat::{BufferDebloater, STARTING_BUFFER_SIZE};
use super::network::ChannelBudget;
use super::scenario::{self, CheckpointingMode, FaultSpec, Scenario, ScenarioError};
use super::sorted::{SortedMap, SortedSet};
use super::stats::CheckpointStats;
use super::task::{BarrierInput, Task};
use super::{Input, LogEntry, LogKind, RpcInFlight, RpcKind, LOG_CAPACITY};
use std::collections::VecDeque;
use std::rc::Rc;

mod apply;
mod deliver;

/// Channels past which the simulation prefetches a source's next channel and a keyed subtask's
/// next state (`Simulation::beyond_caches`): below (7 MiB of channels), they stay in the caches
/// and prefetching them would only cost instructions.
pub(crate) const BEYOND_CACHES_CHANNELS: usize = 32_768;

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
    pub(crate) rpcs: SortedMap<u64, RpcInFlight>,
    /// RPCs in flight that a `lose_ack` fault lost: their delivery is dropped.
    pub(crate) lost_rpcs: SortedSet<u64>,
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
    /// The output flusher's period (`execution.buffer-timeout.interval`), if it runs.
    pub(crate) buffer_timeout: Option<SimDuration>,
    /// `execution.buffer-timeout.interval` 0: every record is sent at once.
    pub(crate) flush_every_record: bool,
    /// Buffer debloating's period, if it is enabled.
    pub(crate) debloat_period: Option<SimDuration>,
    /// Per subtask: its input gate's buffer debloater.
    pub(crate) debloaters: Vec<BufferDebloater>,
    /// Allocations kept for reuse (consumed buffers' record lists, actors' command lists).
    pub(crate) record_pool: RecordPool,
    /// The job has more channels than the CPU caches hold ([`BEYOND_CACHES_CHANNELS`]): a
    /// source prefetches the channel of its next record run, a keyed subtask the state its next
    /// buffer updates. Only a matter of speed.
    pub(crate) beyond_caches: bool,
    pub(crate) command_pool: Vec<Vec<Command>>,
}

impl Simulation {
    /// Validates the scenario and builds the job at time 0.
    pub fn new(scenario: Scenario) -> Result<Simulation, ScenarioError> {
        scenario.validate()?;
        let graph = ExecutionGraph::build(&scenario);
        let tasks = Task::deploy_all(&graph);
        let gates = graph
            .subtasks
            .iter()
            .map(|s| InputGate::new(s.inputs.len()))
            .collect();
        let segment = scenario.network.segment_size;
        // With buffer debloating, buffers start at Flink's starting segment size.
        let first_size = if scenario.network.buffer_debloat.enabled {
            STARTING_BUFFER_SIZE.min(segment)
        } else {
            segment
        };
        let channels = ChannelBudget::of_graph(&graph, scenario.network.local_channels)
            .iter()
            .map(|b| Channel::new(b.total(), first_size))
            .collect();
        let net = &scenario.network;
        let flush_every_record = net.buffer_timeout_enabled && net.buffer_timeout_ms == 0;
        let buffer_timeout = (net.buffer_timeout_enabled && net.buffer_timeout_ms > 0)
            .then(|| SimDuration::from_ms(net.buffer_timeout_ms));
        let debloat_period = net
            .buffer_debloat
            .enabled
            .then(|| SimDuration::from_ms(net.buffer_debloat.period_ms));
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
            rpcs: SortedMap::new(),
            lost_rpcs: SortedSet::new(),
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
            buffer_timeout,
            flush_every_record,
            debloat_period,
            debloaters: vec![BufferDebloater::default(); graph.num_subtasks()],
            record_pool: RecordPool::default(),
            beyond_caches: graph.channels.len() > BEYOND_CACHES_CHANNELS,
            command_pool: Vec::new(),
            graph: Rc::new(graph),
            scenario: Rc::new(scenario),
        };
        for s in sim.graph.sources.clone() {
            sim.wake(s, SimTime::ZERO);
        }
        for i in 0..sim.graph.num_subtasks() {
            sim.start_network_timers(super::ids::SubtaskId(i as u32));
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
        while let Some(at) = self.queue.next_time() {
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

    /// Injects a fault now (or at `fault.at_ms` if later), recorded for replay. A fault fires at
    /// the next whole millisecond, except a `lose_ack`, which fires at once.
    pub fn inject(&mut self, mut fault: FaultSpec) -> Result<(), ScenarioError> {
        self.scenario.check_fault(&fault.fault)?;
        fault.at_ms = fault.at_ms.max(self.now.as_ms());
        // A `lose_ack` aims at an ack in flight now, which may arrive within the millisecond:
        // it fires at once (at `now`; its `at_ms` is `now` rounded down).
        let at_once = matches!(
            fault.fault,
            scenario::Scheduled::Fault(scenario::Fault::LoseAck { .. })
        ) && fault.at_ms == self.now.as_ms();
        if !at_once && SimTime::from_ms(fault.at_ms) < self.now {
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
            Event::OutputFlush { task, attempt } => self.on_output_flush(task, attempt),
            Event::DebloatPeriod { task, attempt } => self.on_debloat_period(task, attempt),
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
                if self.lost_rpcs.remove(&rpc) {
                    return; // lost on its way (a `lose_ack` fault)
                }
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

    /// Applies a new checkpoint configuration live (the settings form).
    pub fn set_checkpointing(&mut self, config: scenario::CheckpointingSpec) {
        self.mode = config.mode;
        self.coordinator_input(CoordinatorInput::Configure(config));
    }

    /// Logs the scenario's narration steps the clock has reached (once every step was logged,
    /// one comparison per event).
    #[inline(always)]
    fn narrate(&mut self) {
        if self.next_step < self.scenario.steps.len() {
            self.narrate_steps();
        }
    }

    #[inline(never)]
    fn narrate_steps(&mut self) {
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

    pub(crate) fn storage_down(&self) -> bool {
        self.storage.is_down(self.now)
    }
}
