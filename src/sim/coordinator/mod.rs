//! The CheckpointCoordinator as an actor: `handle(&mut self, input, &context, &mut out)`. It
//! owns its state (pending checkpoints, the request queue, the ID counter, the completed store,
//! the failure manager, the leader session) and records what should happen as commands; the
//! engine delivers its inputs and applies its commands. It never calls a subtask or the failover.
//!
//! Where Flink keeps each rule:
//! - [`trigger`]: `CheckpointCoordinator`'s periodic scheduler (fixed rate, first trigger after
//!   min pause), `CheckpointRequestDecider` (queue order, max concurrent, min pause, at most
//!   1000 requests) and `startTriggeringCheckpoint` (unique increasing IDs, the canceller, the
//!   storage location, the trigger RPC);
//! - [`ack`]: `receiveAcknowledgeMessage` / `receiveDeclineMessage`;
//! - [`complete`]: `completePendingCheckpoint` (metadata write, completed store, subsumption,
//!   notifyCheckpointComplete);
//! - [`abort`]: `abortPendingCheckpoint` (notifyCheckpointAborted, `CheckpointFailureManager`),
//!   the canceller, `stopCheckpointScheduler`, and the loss of the JobManager's leadership;
//! - [`pending`], [`store`], [`failure_manager`]: `PendingCheckpoint`,
//!   `CompletedCheckpointStore`, `CheckpointFailureManager`.

pub mod abort;
pub mod ack;
pub mod complete;
pub mod failure_manager;
pub mod pending;
pub mod store;
pub mod trigger;

#[cfg(test)]
mod tests;

use super::command::Out;
use super::graph::ExecutionGraph;
use super::ids::{CheckpointId, FencingToken, SimDuration, SimTime, SubtaskId};
use super::scenario::CheckpointingSpec;
use super::snapshot::SubtaskSnapshot;
use super::sorted::{NamedCounts, SortedMap};
use super::stats::CheckpointStats;
use super::task::{Task, TaskStatus};
use super::FailureReason;
use failure_manager::CheckpointFailureManager;
use pending::PendingCheckpoint;
use std::collections::VecDeque;
use std::rc::Rc;
use store::{CompletedCheckpoint, CompletedCheckpointStore};

pub use trigger::{CheckpointRequest, RequestKind, MAX_QUEUED_REQUESTS};

/// How many expired checkpoint IDs are remembered to recognise late acks.
pub const RECENT_EXPIRED: usize = 16;

/// What the coordinator reacts to.
#[derive(Debug, Clone, PartialEq)]
pub enum CoordinatorInput {
    /// Every task is RUNNING: start the periodic scheduler unless it runs (Flink's
    /// `ExecutionTrackingCheckpointCoordinatorDeActivator` on the job turning RUNNING).
    JobRunning,
    /// A task left RUNNING: stop the scheduler and abort every pending checkpoint
    /// (`stopCheckpointScheduler`, CHECKPOINT_COORDINATOR_SUSPEND).
    JobNotRunning,
    /// The job is FAILED for good: every pending checkpoint aborts (CHECKPOINT_COORDINATOR_SHUTDOWN).
    JobFailed,
    /// The periodic trigger timer fired.
    PeriodicTrigger { token: FencingToken },
    /// A user asked for a checkpoint or a savepoint.
    Request(RequestKind),
    /// acknowledgeCheckpoint from a subtask; `current_attempt` is false if it was sent by an
    /// attempt that has since been cancelled.
    Ack {
        task: SubtaskId,
        current_attempt: bool,
        snapshot: Rc<SubtaskSnapshot>,
    },
    /// declineCheckpoint from a subtask.
    Decline {
        task: SubtaskId,
        current_attempt: bool,
        id: CheckpointId,
        reason: FailureReason,
    },
    /// A pending checkpoint's canceller fired.
    Timeout {
        id: CheckpointId,
        session: FencingToken,
    },
    /// The metadata write of a fully acknowledged checkpoint finished.
    MetadataWritten {
        id: CheckpointId,
        session: FencingToken,
    },
    /// The JobManager died: pending checkpoints are lost; a new leader takes over after
    /// `recovery`.
    LeadershipLost { recovery: SimDuration },
    /// A new JobManager (leader session `session`) took over.
    LeadershipGranted { session: FencingToken },
    /// New checkpoint options, applied live.
    Configure(CheckpointingSpec),
}

/// What the coordinator may read of the world while it handles an input.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub now: SimTime,
    pub graph: &'a ExecutionGraph,
    pub tasks: &'a [Task],
    pub stats: &'a CheckpointStats,
    pub storage_down: bool,
    /// The metadata write of a completed checkpoint.
    pub storage_write: SimDuration,
}

impl Context<'_> {
    pub fn all_tasks_running(&self) -> bool {
        self.tasks.iter().all(|t| t.status == TaskStatus::Running)
    }
    pub fn name(&self, t: SubtaskId) -> &str {
        &self.graph.subtasks[t.idx()].name
    }
}

/// The coordinator's state. The ID counter, the completed store and the configuration survive
/// a JobManager failover; pending checkpoints, queued requests and the failure counter do not.
#[derive(Debug, Clone, PartialEq)]
pub struct Coordinator {
    pub config: CheckpointingSpec,
    /// `checkpoint_id_counter`: the next ID to hand out (starts at 1).
    pub next_id: u64,
    pub pending: SortedMap<CheckpointId, PendingCheckpoint>,
    pub store: CompletedCheckpointStore,
    /// The latest completed savepoint (savepoints stay out of the store).
    pub latest_savepoint: Option<Rc<CompletedCheckpoint>>,
    pub failure_manager: CheckpointFailureManager,
    pub requests: VecDeque<CheckpointRequest>,
    pub last_completion: Option<SimTime>,
    /// The planned time of the next periodic trigger, if the scheduler runs.
    pub next_trigger_at: Option<SimTime>,
    /// Fences the periodic trigger timer: only the latest one scheduled fires.
    pub timer: FencingToken,
    pub recently_expired: VecDeque<CheckpointId>,
    /// False while the JobManager is down (coordinator failover).
    pub alive: bool,
    /// The JobManager's leader session: a new one with every failover.
    pub leader_session: FencingToken,
    /// Pre-flight trigger failures (no ID, not in the history), by reason.
    pub trigger_failures: NamedCounts,
}

impl Coordinator {
    pub fn new(config: CheckpointingSpec) -> Coordinator {
        Coordinator {
            config,
            next_id: 1,
            pending: SortedMap::new(),
            store: CompletedCheckpointStore::default(),
            latest_savepoint: None,
            failure_manager: CheckpointFailureManager::default(),
            requests: VecDeque::new(),
            last_completion: None,
            next_trigger_at: None,
            timer: FencingToken::default(),
            recently_expired: VecDeque::new(),
            alive: true,
            leader_session: FencingToken::default(),
            trigger_failures: NamedCounts::new(),
        }
    }

    pub fn num_pending(&self) -> usize {
        self.pending.len()
    }

    /// Handles one input, recording what should happen into `out`.
    pub fn handle(&mut self, input: CoordinatorInput, ctx: &Context, out: &mut Out) {
        match input {
            CoordinatorInput::JobRunning => {
                if self.alive && self.next_trigger_at.is_none() {
                    self.start_scheduler(ctx, out);
                }
            }
            CoordinatorInput::JobNotRunning => self.stop_scheduler_and_abort(ctx, out),
            CoordinatorInput::JobFailed => {
                self.abort_all(FailureReason::CheckpointCoordinatorShutdown, ctx, out)
            }
            CoordinatorInput::PeriodicTrigger { token } => {
                self.on_periodic_trigger(token, ctx, out)
            }
            CoordinatorInput::Request(kind) => self.request_checkpoint(kind, ctx, out),
            CoordinatorInput::Ack {
                task,
                current_attempt,
                snapshot,
            } => self.on_ack(task, current_attempt, snapshot, ctx, out),
            CoordinatorInput::Decline {
                task,
                current_attempt,
                id,
                reason,
            } => self.on_decline(task, current_attempt, id, reason, ctx, out),
            CoordinatorInput::Timeout { id, session } => self.on_timeout(id, session, ctx, out),
            CoordinatorInput::MetadataWritten { id, session } => {
                self.on_metadata_written(id, session, ctx, out)
            }
            CoordinatorInput::LeadershipLost { recovery } => {
                self.on_leadership_lost(recovery, ctx, out)
            }
            CoordinatorInput::LeadershipGranted { session } => {
                self.on_leadership_granted(session, out)
            }
            CoordinatorInput::Configure(config) => self.configure(config, ctx, out),
        }
    }
}
