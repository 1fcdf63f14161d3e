//! What actors ask for. An actor (the coordinator, a subtask's barrier handler, its snapshot
//! phases, the failover) never touches the event queue, the clock, the log, the statistics or
//! another actor: it records [`Command`]s into the [`Out`] buffer it is given, as stateright's
//! `Out` does, and the engine ([`super::engine`]) applies them, in order, after it returns.
//!
//! A command that is an input to another actor ([`Command::FailJob`],
//! [`Command::RestartWaitingRegions`]) is delivered by the engine when it is applied, so effects
//! happen in causal order. Recording one *halts* the handler that recorded it: whatever the
//! handler would still do depends on what that other actor does first, so it must stop there.

use super::channel::{Barrier, Item};
use super::coordinator::store::CompletedCheckpoint;
use super::coordinator::CoordinatorInput;
use super::events::Event;
use super::failover::FailoverInput;
use super::ids::{ChannelId, CheckpointId, FencingToken, InputIndex, SimTime, SubtaskId};
use super::scenario::SnapshotPhase;
use super::snapshot::{SubtaskMetrics, SubtaskSnapshot};
use super::task::TaskStatus;
use super::{FailureReason, LogKind};
use std::rc::Rc;

/// A change to Flink's checkpoint statistics (`CheckpointStatsTracker`), applied at the time of
/// the handler that asked for it.
#[derive(Debug, Clone, PartialEq)]
pub enum Stat {
    Pending {
        id: CheckpointId,
        savepoint: bool,
        num_subtasks: usize,
    },
    Unaligned(CheckpointId),
    Subtask {
        id: CheckpointId,
        task: SubtaskId,
        /// Boxed: the largest field of a command otherwise (see [`Command::Ack`]).
        metrics: Box<SubtaskMetrics>,
        acknowledged: usize,
    },
    Completed(CheckpointId),
    Failed {
        id: CheckpointId,
        reason: FailureReason,
    },
    /// A trigger attempt that failed before it got an ID.
    FailedWithoutId,
    /// The job restored from checkpoint `id`.
    Restored {
        id: CheckpointId,
        savepoint: bool,
    },
}

/// An observation for the independent invariant checker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Triggered(CheckpointId),
    Completed {
        id: CheckpointId,
        acknowledged: usize,
        total: usize,
    },
    /// A subtask took its snapshot of `id` (the exactly-once oracle reads its state).
    Snapshot {
        task: SubtaskId,
        id: CheckpointId,
        unaligned: bool,
    },
}

/// One thing an actor asks the engine to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Deliver `event` at `at` (a timer, or a message with its latency).
    Schedule {
        at: SimTime,
        event: Event,
    },
    Log {
        kind: LogKind,
        text: String,
    },
    Stat(Stat),
    Check(Check),
    /// triggerCheckpoint RPC to every source subtask (the barrier is injected there).
    TriggerSources {
        barrier: Barrier,
    },
    /// notifyCheckpointComplete RPC to every subtask.
    NotifyComplete {
        id: CheckpointId,
    },
    /// notifyCheckpointAborted RPC to every running subtask.
    NotifyAborted {
        id: CheckpointId,
    },
    /// acknowledgeCheckpoint RPC from a subtask to the coordinator.
    /// (The snapshot is shared with the ack event; an `Rc` keeps every command small, so
    /// recording and applying one moves few bytes.)
    Ack {
        task: SubtaskId,
        snapshot: Rc<SubtaskSnapshot>,
    },
    /// declineCheckpoint RPC from a subtask to the coordinator.
    Decline {
        task: SubtaskId,
        id: CheckpointId,
        reason: FailureReason,
    },
    /// Push a subtask's pending output into its channels (`overdraft`: full channels take it,
    /// Flink's overdraft buffers before a snapshot).
    FlushOutput {
        task: SubtaskId,
        overdraft: bool,
    },
    /// Send an event to every output channel of `task` (`priority`: ahead of buffered data).
    Broadcast {
        task: SubtaskId,
        item: Item,
        priority: bool,
    },
    /// Block input `input` of `task` until its alignment ends (exactly-once: the barrier of `id`
    /// arrived there).
    Block {
        task: SubtaskId,
        input: InputIndex,
        id: CheckpointId,
    },
    /// Release input `input` of `task` if it is blocked.
    Unblock {
        task: SubtaskId,
        input: InputIndex,
    },
    /// Release every blocked input of `task`, in input order (one command instead of one
    /// `Unblock` per input: the same effect, in the same order).
    UnblockAll {
        task: SubtaskId,
    },
    /// The subtask's alignment is over (for the invariant checker).
    AlignmentEnd {
        task: SubtaskId,
    },
    /// The aligned barrier of `id` queued in `channel` jumps to the priority lane.
    PromoteBarrier {
        channel: ChannelId,
        id: CheckpointId,
    },
    /// Run the subtask's main loop at `at` (unless an earlier wake-up is due).
    Wake {
        task: SubtaskId,
        at: SimTime,
    },
    /// The subtask fails (its region fails over). Halts the handler.
    FailTask {
        task: SubtaskId,
        cause: String,
    },
    /// Fail `regions` over. The engine applies the ordering rule of every failover: the
    /// coordinator is told the job is not running (its scheduler stops, pending checkpoints
    /// abort) before the failover cancels a subtask. Halts the handler.
    FailRegions {
        regions: Vec<u32>,
        cause: String,
    },
    /// Cancel a subtask (a new attempt; state and in-flight data dropped), leaving it `status`.
    CancelTask {
        task: SubtaskId,
        status: TaskStatus,
    },
    SetTaskStatus {
        task: SubtaskId,
        status: TaskStatus,
    },
    /// Redeploy a subtask (INITIALIZING) with the state of checkpoint `from` (empty if none).
    RestoreTask {
        task: SubtaskId,
        from: Option<Rc<CompletedCheckpoint>>,
    },
    /// A restored subtask runs.
    TaskRunning {
        task: SubtaskId,
    },
    /// An input to the CheckpointCoordinator (the job turned RUNNING or not, the JobManager's
    /// leadership), delivered as the command is applied.
    Coordinator(CoordinatorInput),
    /// Messages in flight to the lost JobManager are gone.
    ClearRpcs,
    /// An input to the failover (a JobManager failover), delivered as the command is applied.
    Failover(FailoverInput),
    /// A subtask processes at `milli` thousandths of its speed; `token` fences the slow-down.
    SetSlow {
        task: SubtaskId,
        milli: u64,
        token: FencingToken,
    },
    /// The subtask's next acknowledgement is lost.
    DropNextAck {
        task: SubtaskId,
    },
    /// The acknowledgement RPC `rpc` in flight to the coordinator is lost: it is never
    /// delivered.
    LoseRpc {
        rpc: u64,
    },
    /// The subtask's next snapshot fails in `phase`.
    FailNextSnapshot {
        task: SubtaskId,
        phase: SnapshotPhase,
    },
    /// The job must fail over globally (the failure manager's verdict). Halts the handler.
    FailJob {
        cause: String,
    },
    /// A new JobManager leads: regions waiting for their restart restart now. Halts the handler.
    RestartWaitingRegions,
}

/// The output buffer an actor records its commands into.
#[derive(Debug, Default)]
pub struct Out {
    commands: Vec<Command>,
    halted: bool,
}

impl Out {
    /// Records into a list from `pool` (lists the engine emptied, kept to save allocations).
    pub fn from_pool(pool: &mut Vec<Vec<Command>>) -> Out {
        let commands = pool.pop().unwrap_or_default();
        debug_assert!(commands.is_empty());
        Out {
            commands,
            halted: false,
        }
    }
    pub fn push(&mut self, c: Command) {
        debug_assert!(!self.halted, "a halted handler recorded {c:?}");
        if matches!(
            c,
            Command::FailJob { .. }
                | Command::FailTask { .. }
                | Command::FailRegions { .. }
                | Command::RestartWaitingRegions
        ) {
            self.halted = true;
        }
        self.commands.push(c);
    }
    pub fn schedule(&mut self, at: SimTime, event: Event) {
        self.push(Command::Schedule { at, event });
    }
    pub fn log(&mut self, kind: LogKind, text: String) {
        self.push(Command::Log { kind, text });
    }
    pub fn stat(&mut self, s: Stat) {
        self.push(Command::Stat(s));
    }
    /// Whether a command that hands over to another actor was recorded: the handler stops.
    pub fn halted(&self) -> bool {
        self.halted
    }
    pub fn commands(&self) -> &[Command] {
        &self.commands
    }
    pub fn into_commands(self) -> Vec<Command> {
        self.commands
    }
}
