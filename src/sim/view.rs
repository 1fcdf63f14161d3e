//! The read-only view of a run: what the UI, the report and the tests read.

use super::channel::Channel;
use super::coordinator::store::CompletedCheckpoint;
use super::coordinator::Coordinator;
use super::external::ExternalSystem;
use super::failover::JobState;
use super::graph::ExecutionGraph;
use super::ids::SimTime;
use super::invariants::{ExactlyOnceOracle, InvariantChecker};
use super::scenario::{CheckpointingMode, FaultSpec, Scenario};
use super::stats::CheckpointStats;
use super::task::Task;
use super::{Input, LogEntry, RpcInFlight, Simulation};
use std::collections::VecDeque;

impl Simulation {
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
        self.coord.latest_savepoint.as_deref()
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
        self.storage.down_until.filter(|u| *u > self.now)
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
