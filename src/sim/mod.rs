//! The simulation: a deterministic discrete-event model of a Flink job and its
//! CheckpointCoordinator. Pure Rust: no web dependency, no clock, no RNG (record keys hash the seed). A run is fully
//! determined by (scenario, seed, injected inputs); `Simulation` is cheap to clone so that the UI
//! can keep keyframes and re-simulate from them to scrub back in time.
//!
//! Public API: [`Simulation::new`], [`Simulation::step`], [`Simulation::run_until`],
//! [`Simulation::inject`], [`Simulation::set_checkpointing`], and the read-only accessors that
//! make up the view (`now`, `graph`, `tasks`, `channels`, `coordinator`, `stats`, `log`, ...).

pub mod channel;
pub mod collector;
pub mod command;
pub mod coordinator;
pub mod engine;
pub mod events;
pub mod external;
pub mod failover;
pub mod faults;
pub mod gate;
pub mod graph;
pub mod ids;
pub mod invariants;
pub mod network;
mod prefetch;
pub mod reason;
pub mod report;
pub mod scenario;
pub mod snapshot;
pub mod sorted;
pub mod stats;
pub mod task;
pub mod vertices;
mod view;

pub use reason::FailureReason;

pub use engine::Simulation;
use ids::{CheckpointId, SimTime, SubtaskId};
use scenario::FaultSpec;

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
