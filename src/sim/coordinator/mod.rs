//! The CheckpointCoordinator: the periodic trigger (fixed rate, random first delay), the request
//! queue (savepoints first, then manual, then periodic; at most 1000), the trigger pre-checks
//! (max concurrent, min pause, all tasks running), unique increasing IDs that survive failovers,
//! pending checkpoints with their canceller, acknowledgements (success, duplicate, unknown,
//! late), completion (metadata write, completed store, failure counter reset, subsumption,
//! notifyCheckpointComplete) and aborts (notifyCheckpointAborted, failure manager).

pub mod failure_manager;
pub mod pending;
pub mod store;

use super::channel::Barrier;
use super::events::Event;
use super::ids::{Attempt, CheckpointId, SimTime, SubtaskId};
use super::scenario::{CheckpointingMode, CheckpointingSpec};
use super::snapshot::SubtaskSnapshot;
use super::task::TaskStatus;
use super::{FailureReason, LogKind, RpcInFlight, RpcKind, Simulation};
use failure_manager::{CheckpointFailureManager, FailureDecision};
use pending::{PendingCheckpoint, TaskAcknowledgeResult};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;
use store::{CompletedCheckpoint, CompletedCheckpointStore};

/// Flink's `CheckpointRequestDecider` limit on queued trigger requests.
pub const MAX_QUEUED_REQUESTS: usize = 1000;
/// How many expired checkpoint IDs are remembered to recognise late acks.
pub const RECENT_EXPIRED: usize = 16;

/// Kinds of trigger request, in the order the queue serves them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RequestKind {
    Savepoint,
    Manual,
    Periodic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointRequest {
    pub kind: RequestKind,
    pub at: SimTime,
}

/// The coordinator's state. The ID counter, the completed store and the configuration survive
/// a JobManager failover; pending checkpoints, queued requests and the failure counter do not.
#[derive(Debug, Clone, PartialEq)]
pub struct Coordinator {
    pub config: CheckpointingSpec,
    /// `checkpoint_id_counter`: the next ID to hand out (starts at 1).
    pub next_id: u64,
    pub pending: BTreeMap<CheckpointId, PendingCheckpoint>,
    pub store: CompletedCheckpointStore,
    pub failure_manager: CheckpointFailureManager,
    pub requests: VecDeque<CheckpointRequest>,
    pub last_completion: Option<SimTime>,
    /// The planned time of the next periodic trigger, if the scheduler runs.
    pub next_trigger_at: Option<SimTime>,
    pub timer_generation: u64,
    pub recently_expired: VecDeque<CheckpointId>,
    /// False while the JobManager is down (coordinator failover).
    pub alive: bool,
    pub epoch: u64,
    /// Pre-flight trigger failures (no ID, not in the history), by reason.
    pub trigger_failures: BTreeMap<&'static str, u64>,
}

impl Coordinator {
    pub fn new(config: CheckpointingSpec) -> Coordinator {
        Coordinator {
            config,
            next_id: 1,
            pending: BTreeMap::new(),
            store: CompletedCheckpointStore::default(),
            failure_manager: CheckpointFailureManager::default(),
            requests: VecDeque::new(),
            last_completion: None,
            next_trigger_at: None,
            timer_generation: 0,
            recently_expired: VecDeque::new(),
            alive: true,
            epoch: 0,
            trigger_failures: BTreeMap::new(),
        }
    }

    /// Queues a request in serving order; returns false if the queue is full.
    pub fn enqueue(&mut self, req: CheckpointRequest) -> bool {
        if self.requests.len() >= MAX_QUEUED_REQUESTS {
            return false;
        }
        let pos = self
            .requests
            .partition_point(|r| (r.kind, r.at) <= (req.kind, req.at));
        self.requests.insert(pos, req);
        true
    }

    pub fn num_pending(&self) -> usize {
        self.pending.len()
    }
}

impl Simulation {
    /// Starts the periodic scheduler once every task is RUNNING: the first trigger comes
    /// `min_pause` later (Flink 2.3 triggered 16-35 ms after RUNNING with min pause 0 and
    /// 811 ms with min pause 800, at the start and after every restart), then at a fixed rate.
    pub(crate) fn start_checkpoint_scheduler(&mut self) {
        let Some(interval) = self.coord.config.effective_interval_ms() else {
            self.coord.next_trigger_at = None;
            return;
        };
        let delay_ms = self.coord.config.min_pause_ms.min(interval);
        self.coord.timer_generation += 1;
        let at = self.now.plus(super::ids::Duration::from_ms(delay_ms));
        self.coord.next_trigger_at = Some(at);
        let generation = self.coord.timer_generation;
        self.queue
            .schedule(at, Event::PeriodicTrigger { generation });
    }

    /// Stops the periodic scheduler and drops queued requests (job not running).
    pub(crate) fn stop_checkpoint_scheduler(&mut self) {
        self.coord.timer_generation += 1;
        self.coord.next_trigger_at = None;
        self.coord.requests.clear();
    }

    fn reschedule_trigger(&mut self, at: SimTime) {
        self.coord.timer_generation += 1;
        self.coord.next_trigger_at = Some(at);
        let generation = self.coord.timer_generation;
        self.queue
            .schedule(at, Event::PeriodicTrigger { generation });
    }

    pub(crate) fn on_periodic_trigger(&mut self, generation: u64) {
        if generation != self.coord.timer_generation || !self.coord.alive {
            return;
        }
        let Some(interval) = self.coord.config.effective_interval_ms() else {
            self.coord.next_trigger_at = None;
            return;
        };
        // Fixed rate: the next trigger is planned from this one's planned time.
        let planned = self.coord.next_trigger_at.unwrap_or(self.now);
        let next = planned
            .plus(super::ids::Duration::from_ms(interval))
            .max(self.now);
        self.reschedule_trigger(next);
        self.request_checkpoint(RequestKind::Periodic);
    }

    /// Submits a trigger request (periodic timer, manual checkpoint or savepoint).
    pub(crate) fn request_checkpoint(&mut self, kind: RequestKind) {
        if !self.coord.alive {
            return;
        }
        if !self.coord.enqueue(CheckpointRequest { kind, at: self.now }) {
            self.preflight_failure(FailureReason::TooManyCheckpointRequests);
            return;
        }
        self.execute_queued_requests();
    }

    /// A trigger request failed before it got an ID. Failures raised while the checkpoint is
    /// being triggered (Flink's `onTriggerFailure`: `NOT_ALL_REQUIRED_TASKS_RUNNING`) count in
    /// `counts.total` and `counts.failed`, as Flink's stats tracker counts them; those the
    /// request decider raises (min pause, too many requests) do not.
    fn preflight_failure(&mut self, reason: FailureReason) {
        *self
            .coord
            .trigger_failures
            .entry(reason.name())
            .or_insert(0) += 1;
        if reason == FailureReason::NotAllRequiredTasksRunning {
            self.stats.report_failed_without_id();
        }
        self.log(
            LogKind::Trigger,
            format!("trigger request failed: {}", reason.name()),
        );
    }

    /// Runs queued requests while the pre-checks allow (Flink's `CheckpointRequestDecider`).
    pub(crate) fn execute_queued_requests(&mut self) {
        while let Some(&req) = self.coord.requests.front() {
            if !self.coord.alive {
                return;
            }
            let savepoint = req.kind == RequestKind::Savepoint;
            if !savepoint && self.coord.num_pending() >= self.coord.config.max_concurrent as usize {
                return; // waits until a pending checkpoint completes or aborts
            }
            if req.kind == RequestKind::Periodic {
                if let Some(last) = self.coord.last_completion {
                    let earliest = last.plus(super::ids::Duration::from_ms(
                        self.coord.config.min_pause_ms,
                    ));
                    if self.now < earliest {
                        self.coord.requests.pop_front();
                        self.preflight_failure(FailureReason::MinimumTimeBetweenCheckpoints);
                        self.reschedule_trigger(earliest);
                        return;
                    }
                }
            }
            self.coord.requests.pop_front();
            if !self.tasks.iter().all(|t| t.status == TaskStatus::Running) {
                self.preflight_failure(FailureReason::NotAllRequiredTasksRunning);
                continue;
            }
            self.trigger_checkpoint(savepoint);
        }
    }

    /// Creates a pending checkpoint and sends the trigger to every source subtask.
    fn trigger_checkpoint(&mut self, savepoint: bool) {
        let what = if savepoint { "savepoint" } else { "checkpoint" };
        let id = CheckpointId(self.coord.next_id);
        self.coord.next_id += 1;
        self.checks.on_trigger(id);
        let n = self.graph.num_subtasks();
        let epoch = self.coord.epoch;
        self.coord.pending.insert(
            id,
            PendingCheckpoint::new(id, self.now, savepoint, n, epoch),
        );
        let timeout = super::ids::Duration::from_ms(self.coord.config.timeout_ms);
        self.queue.schedule(
            self.now.plus(timeout),
            Event::CheckpointTimeout { id, epoch },
        );
        self.stats.report_pending(id, self.now, savepoint, n);
        if self.storage_down() {
            // The coordinator creates the checkpoint's storage location as it triggers: with
            // storage down that fails with IO_EXCEPTION, after the ID was taken (Flink 2.3).
            self.log(
                LogKind::Trigger,
                format!("{what} {id}: creating its storage location failed: storage unavailable"),
            );
            self.abort_checkpoint(id, FailureReason::IoException);
            return;
        }
        let cfg = &self.coord.config;
        let exactly_once = cfg.mode == CheckpointingMode::ExactlyOnce;
        let uc = cfg.unaligned && exactly_once && !savepoint;
        let barrier = Barrier {
            id,
            trigger_time: self.now,
            savepoint,
            unaligned: uc && cfg.aligned_timeout_ms == 0,
            aligned_timeout_us: if uc {
                cfg.aligned_timeout_ms.saturating_mul(1000)
            } else {
                0
            },
        };
        if barrier.unaligned {
            // Flink's `checkpoint_type` comes from the checkpoint's options at trigger time:
            // unaligned from the start, even before any subtask acknowledged.
            self.stats.report_unaligned(id);
        }
        self.log(LogKind::Trigger, format!("{what} {id} triggered"));
        let sources = self.graph.sources.clone();
        for s in sources {
            let attempt = self.tasks[s.idx()].attempt;
            let at = self.now.plus(self.rpc_latency);
            self.track_rpc(RpcKind::Trigger, s, id, at);
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

    pub(crate) fn on_ack(
        &mut self,
        rpc: u64,
        t: SubtaskId,
        attempt: Attempt,
        id: CheckpointId,
        snapshot: Rc<SubtaskSnapshot>,
    ) {
        self.rpcs.remove(&rpc);
        if !self.coord.alive {
            return; // the JobManager is down: the message is lost
        }
        let name = self.name(t);
        if attempt != self.tasks[t.idx()].attempt {
            self.log(
                LogKind::Ack,
                format!("ack of checkpoint {id} from a previous attempt of {name}: UNKNOWN"),
            );
            return;
        }
        let now = self.now;
        let Some(p) = self.coord.pending.get_mut(&id) else {
            let late = self.coord.recently_expired.contains(&id) || self.stats.is_failed(id);
            let kind = if late {
                "DISCARDED (late ack for a checkpoint that already failed)"
            } else {
                "UNKNOWN"
            };
            self.log(
                LogKind::Ack,
                format!("ack of checkpoint {id} from {name}: {kind}"),
            );
            return;
        };
        match p.acknowledge(t, snapshot.clone(), now) {
            TaskAcknowledgeResult::Success => {
                let (acked, total) = (p.num_acknowledged(), p.num_subtasks());
                let full = p.is_fully_acknowledged() && !p.finalizing;
                self.stats
                    .report_subtask(id, t, now, &snapshot.metrics, acked);
                self.log(
                    LogKind::Ack,
                    format!("{name} acknowledged checkpoint {id} ({acked}/{total})"),
                );
                if full {
                    let p = self.coord.pending.get_mut(&id).expect("pending");
                    p.finalizing = true;
                    let epoch = p.epoch;
                    let write = self.storage_write;
                    self.queue
                        .schedule(now.plus(write), Event::MetadataWritten { id, epoch });
                }
            }
            other => self.log(
                LogKind::Ack,
                format!("ack of checkpoint {id} from {name}: {other:?}"),
            ),
        }
    }

    pub(crate) fn on_decline(
        &mut self,
        rpc: u64,
        t: SubtaskId,
        attempt: Attempt,
        id: CheckpointId,
        reason: FailureReason,
    ) {
        self.rpcs.remove(&rpc);
        if !self.coord.alive || attempt != self.tasks[t.idx()].attempt {
            return;
        }
        if self.coord.pending.contains_key(&id) {
            let name = self.name(t);
            self.log(
                LogKind::Decline,
                format!("{name} declined checkpoint {id}: {}", reason.name()),
            );
            self.abort_checkpoint(id, reason);
        }
    }

    pub(crate) fn on_checkpoint_timeout(&mut self, id: CheckpointId, epoch: u64) {
        if self
            .coord
            .pending
            .get(&id)
            .map(|p| p.epoch == epoch)
            .unwrap_or(false)
        {
            self.log(
                LogKind::Abort,
                format!("checkpoint {id} expired before completing"),
            );
            self.abort_checkpoint(id, FailureReason::CheckpointExpired);
        }
    }

    pub(crate) fn on_metadata_written(&mut self, id: CheckpointId, epoch: u64) {
        if !self
            .coord
            .pending
            .get(&id)
            .map(|p| p.epoch == epoch)
            .unwrap_or(false)
        {
            return;
        }
        if self.storage_down() {
            self.log(
                LogKind::Abort,
                format!("writing the metadata of checkpoint {id} failed: storage unavailable"),
            );
            self.abort_checkpoint(id, FailureReason::FinalizeCheckpointFailure);
            return;
        }
        self.complete_checkpoint(id);
    }

    /// All acks are in and the metadata is written: the checkpoint is complete.
    fn complete_checkpoint(&mut self, id: CheckpointId) {
        let Some(p) = self.coord.pending.remove(&id) else {
            return;
        };
        self.checks
            .on_complete(id, p.num_acknowledged(), p.num_subtasks());
        let savepoint = p.savepoint;
        let trigger_time = p.trigger_time;
        let snapshots = p.into_snapshots();
        let cp = Rc::new(CompletedCheckpoint {
            id,
            trigger_time,
            completion_time: self.now,
            savepoint,
            snapshots,
        });
        self.stats.report_completed(id, self.now);
        self.coord.failure_manager.handle_success(id);
        self.coord.last_completion = Some(self.now);
        let what = if savepoint { "savepoint" } else { "checkpoint" };
        self.log(LogKind::Complete, format!("{what} {id} completed"));
        if savepoint {
            self.latest_savepoint = Some(cp);
        } else {
            let discarded = self
                .coord
                .store
                .add(cp, self.coord.config.num_retained as usize);
            for d in discarded {
                self.log(
                    LogKind::Complete,
                    format!("checkpoint {d} discarded from the completed store (num_retained)"),
                );
            }
            // Subsume: every older pending checkpoint (not savepoints) is aborted.
            let older: Vec<CheckpointId> = self
                .coord
                .pending
                .iter()
                .filter(|(k, p)| **k < id && !p.savepoint)
                .map(|(k, _)| *k)
                .collect();
            for o in older {
                self.abort_checkpoint(o, FailureReason::CheckpointSubsumed);
            }
            for t in 0..self.tasks.len() {
                let t = SubtaskId(t as u32);
                let attempt = self.tasks[t.idx()].attempt;
                self.queue.schedule(
                    self.now.plus(self.rpc_latency),
                    Event::NotifyComplete {
                        task: t,
                        attempt,
                        id,
                    },
                );
            }
        }
        self.execute_queued_requests();
    }

    /// Aborts a pending checkpoint: stats, notifyCheckpointAborted, failure manager.
    pub(crate) fn abort_checkpoint(&mut self, id: CheckpointId, reason: FailureReason) {
        let Some(mut p) = self.coord.pending.remove(&id) else {
            return;
        };
        p.disposed = true;
        self.stats.report_failed(id, self.now, reason);
        if reason == FailureReason::CheckpointExpired {
            self.coord.recently_expired.push_back(id);
            while self.coord.recently_expired.len() > RECENT_EXPIRED {
                self.coord.recently_expired.pop_front();
            }
        }
        self.log(
            LogKind::Abort,
            format!("checkpoint {id} failed: {}", reason.name()),
        );
        for t in 0..self.tasks.len() {
            let t = SubtaskId(t as u32);
            if self.tasks[t.idx()].status == TaskStatus::Running {
                let attempt = self.tasks[t.idx()].attempt;
                self.queue.schedule(
                    self.now.plus(self.rpc_latency),
                    Event::NotifyAborted {
                        task: t,
                        attempt,
                        id,
                    },
                );
            }
        }
        let tolerable = self.coord.config.tolerable_failed;
        if p.savepoint {
            // The failure manager skips savepoints.
        } else if self
            .coord
            .failure_manager
            .handle_failure(id, reason, tolerable)
            == FailureDecision::FailJob
        {
            self.log(
                LogKind::Failover,
                "Exceeded checkpoint tolerable failure threshold: the job fails over".into(),
            );
            self.fail_globally("Exceeded checkpoint tolerable failure threshold".into());
        }
        self.execute_queued_requests();
    }

    /// Aborts every pending checkpoint with `reason` (failover, coordinator suspension).
    pub(crate) fn abort_all_pending(&mut self, reason: FailureReason) {
        let ids: Vec<CheckpointId> = self.coord.pending.keys().copied().collect();
        for id in ids {
            self.abort_checkpoint(id, reason);
        }
    }

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
    pub fn set_checkpointing(&mut self, config: CheckpointingSpec) {
        let interval_changed =
            config.effective_interval_ms() != self.coord.config.effective_interval_ms();
        let retained = config.num_retained as usize;
        self.mode = config.mode;
        self.coord.config = config;
        let dropped = self.coord.store.shrink_to(retained);
        for d in dropped {
            self.log(
                LogKind::Complete,
                format!("checkpoint {d} discarded from the completed store (num_retained)"),
            );
        }
        if interval_changed
            && self.tasks.iter().all(|t| t.status == TaskStatus::Running)
            && self.coord.alive
        {
            self.stop_checkpoint_scheduler();
            self.start_checkpoint_scheduler();
        }
        self.execute_queued_requests();
    }
}
