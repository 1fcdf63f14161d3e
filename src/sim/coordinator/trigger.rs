//! Triggering, as Flink's `CheckpointCoordinator` and `CheckpointRequestDecider` do it: the
//! periodic scheduler (fixed rate; the first trigger `min_pause` after the job is RUNNING), the
//! request queue (savepoints first, then manual, then periodic; at most
//! [`MAX_QUEUED_REQUESTS`]), the pre-checks (max concurrent, min pause, all tasks running), and
//! `startTriggeringCheckpoint`: a unique increasing ID, the pending checkpoint and its
//! canceller, the storage location, and the trigger RPC to the sources.

use super::{Context, Coordinator};
use crate::sim::channel::Barrier;
use crate::sim::command::{Check, Command, Out, Stat};
use crate::sim::events::Event;
use crate::sim::ids::{CheckpointId, FencingToken, SimDuration, SimTime};
use crate::sim::scenario::CheckpointingMode;
use crate::sim::{FailureReason, LogKind};

use super::pending::PendingCheckpoint;

/// Flink's `CheckpointRequestDecider` limit on queued trigger requests.
pub const MAX_QUEUED_REQUESTS: usize = 1000;

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

impl Coordinator {
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

    /// Starts the periodic scheduler: the first trigger comes `min_pause` later (Flink 2.3
    /// triggered 16-35 ms after RUNNING with min pause 0 and 811 ms with min pause 800, at the
    /// start and after every restart), then at a fixed rate.
    pub(super) fn start_scheduler(&mut self, ctx: &Context, out: &mut Out) {
        let Some(interval) = self.config.effective_interval_ms() else {
            self.next_trigger_at = None;
            return;
        };
        let delay_ms = self.config.min_pause_ms.min(interval);
        self.reschedule_trigger(ctx.now.plus(SimDuration::from_ms(delay_ms)), out);
    }

    /// Stops the periodic scheduler and drops queued requests.
    pub(super) fn stop_scheduler(&mut self) {
        self.timer.advance();
        self.next_trigger_at = None;
        self.requests.clear();
    }

    fn reschedule_trigger(&mut self, at: SimTime, out: &mut Out) {
        let token = self.timer.advance();
        self.next_trigger_at = Some(at);
        out.schedule(at, Event::PeriodicTrigger { token });
    }

    pub(super) fn on_periodic_trigger(
        &mut self,
        token: FencingToken,
        ctx: &Context,
        out: &mut Out,
    ) {
        if token != self.timer || !self.alive {
            return;
        }
        let Some(interval) = self.config.effective_interval_ms() else {
            self.next_trigger_at = None;
            return;
        };
        // Fixed rate: the next trigger is planned from this one's planned time.
        let planned = self.next_trigger_at.unwrap_or(ctx.now);
        let next = planned.plus(SimDuration::from_ms(interval)).max(ctx.now);
        self.reschedule_trigger(next, out);
        self.request_checkpoint(RequestKind::Periodic, ctx, out);
    }

    /// Submits a trigger request (periodic timer, manual checkpoint or savepoint).
    pub(super) fn request_checkpoint(&mut self, kind: RequestKind, ctx: &Context, out: &mut Out) {
        if !self.alive {
            return;
        }
        if !self.enqueue(CheckpointRequest { kind, at: ctx.now }) {
            self.preflight_failure(FailureReason::TooManyCheckpointRequests, out);
            return;
        }
        self.execute_queued_requests(ctx, out);
    }

    /// A trigger request failed before it got an ID. Failures raised while the checkpoint is
    /// being triggered (Flink's `onTriggerFailure`: `NOT_ALL_REQUIRED_TASKS_RUNNING`) count in
    /// `counts.total` and `counts.failed`, as Flink's stats tracker counts them; those the
    /// request decider raises (min pause, too many requests) do not.
    fn preflight_failure(&mut self, reason: FailureReason, out: &mut Out) {
        self.trigger_failures.add(reason.name(), 1);
        if reason == FailureReason::NotAllRequiredTasksRunning {
            out.stat(Stat::FailedWithoutId);
        }
        out.log(
            LogKind::Trigger,
            format!("trigger request failed: {}", reason.name()),
        );
    }

    /// Runs queued requests while the pre-checks allow (Flink's `CheckpointRequestDecider`).
    pub(super) fn execute_queued_requests(&mut self, ctx: &Context, out: &mut Out) {
        while let Some(&req) = self.requests.front() {
            if !self.alive || out.halted() {
                return;
            }
            let savepoint = req.kind == RequestKind::Savepoint;
            if !savepoint && self.num_pending() >= self.config.max_concurrent as usize {
                return; // waits until a pending checkpoint completes or aborts
            }
            if req.kind == RequestKind::Periodic {
                if let Some(last) = self.last_completion {
                    let earliest = last.plus(SimDuration::from_ms(self.config.min_pause_ms));
                    if ctx.now < earliest {
                        self.requests.pop_front();
                        self.preflight_failure(FailureReason::MinimumTimeBetweenCheckpoints, out);
                        self.reschedule_trigger(earliest, out);
                        return;
                    }
                }
            }
            self.requests.pop_front();
            if !ctx.all_tasks_running() {
                self.preflight_failure(FailureReason::NotAllRequiredTasksRunning, out);
                continue;
            }
            self.trigger_checkpoint(savepoint, ctx, out);
        }
    }

    /// Creates a pending checkpoint and sends the trigger to every source subtask.
    fn trigger_checkpoint(&mut self, savepoint: bool, ctx: &Context, out: &mut Out) {
        let what = if savepoint { "savepoint" } else { "checkpoint" };
        let id = CheckpointId(self.next_id);
        self.next_id += 1;
        debug_assert!(
            self.pending.keys().all(|p| *p < id),
            "checkpoint IDs increase"
        );
        out.push(Command::Check(Check::Triggered(id)));
        let n = ctx.graph.num_subtasks();
        let session = self.leader_session;
        self.pending.insert(
            id,
            PendingCheckpoint::new(id, ctx.now, savepoint, n, session),
        );
        let timeout = SimDuration::from_ms(self.config.timeout_ms);
        out.schedule(
            ctx.now.plus(timeout),
            Event::CheckpointTimeout { id, session },
        );
        out.stat(Stat::Pending {
            id,
            savepoint,
            num_subtasks: n,
        });
        if ctx.storage_down {
            // The coordinator creates the checkpoint's storage location as it triggers: with
            // storage down that fails with IO_EXCEPTION, after the ID was taken (Flink 2.3).
            out.log(
                LogKind::Trigger,
                format!("{what} {id}: creating its storage location failed: storage unavailable"),
            );
            self.abort(id, FailureReason::IoException, ctx, out);
            return;
        }
        let cfg = &self.config;
        let exactly_once = cfg.mode == CheckpointingMode::ExactlyOnce;
        let uc = cfg.unaligned && exactly_once && !savepoint;
        let barrier = Barrier {
            id,
            trigger_time: ctx.now,
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
            out.stat(Stat::Unaligned(id));
        }
        out.log(LogKind::Trigger, format!("{what} {id} triggered"));
        out.push(Command::TriggerSources { barrier });
    }

    /// Applies new checkpoint options live (the settings form).
    pub(super) fn configure(
        &mut self,
        config: crate::sim::scenario::CheckpointingSpec,
        ctx: &Context,
        out: &mut Out,
    ) {
        let interval_changed =
            config.effective_interval_ms() != self.config.effective_interval_ms();
        let retained = config.num_retained as usize;
        self.config = config;
        for d in self.store.shrink_to(retained) {
            out.log(
                LogKind::Complete,
                format!("checkpoint {d} discarded from the completed store (num_retained)"),
            );
        }
        if interval_changed && ctx.all_tasks_running() && self.alive {
            self.stop_scheduler();
            self.start_scheduler(ctx, out);
        }
        self.execute_queued_requests(ctx, out);
    }
}
