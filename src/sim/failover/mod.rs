//! Failures and recovery as an actor, as Flink's scheduler keeps them
//! (`DefaultScheduler` with `RestartPipelinedRegionFailoverStrategy` and
//! `ExponentialDelayRestartBackoffTimeStrategy`): a task failure fails its failover region (the
//! subtasks connected to it) over; after the exponential-delay restart backoff the region is
//! redeployed and every subtask restores from the latest completed checkpoint (or starts empty
//! with none); the global failover of the failure manager; the JobManager (coordinator)
//! failover. The job turning RUNNING or not is told to the CheckpointCoordinator, as Flink's
//! `ExecutionTrackingCheckpointCoordinatorDeActivator` starts and stops its scheduler.
//!
//! `JobState::handle(input, &FailoverContext, &mut Out)` changes only the job's restart state
//! and records commands: the engine cancels and restores subtasks, delivers the coordinator's
//! inputs, and applies the one ordering rule of a failover ([`Command::FailRegions`]: the
//! scheduler stops before a task is cancelled).

use super::command::{Command, Out, Stat};
use super::coordinator::store::CompletedCheckpoint;
use super::coordinator::CoordinatorInput;
use super::events::Event;
use super::graph::ExecutionGraph;
use super::ids::{Attempt, CheckpointId, FencingToken, SimDuration, SimTime, SubtaskId};
use super::task::{Task, TaskStatus};
use super::LogKind;
use std::rc::Rc;

/// Flink's exponential-delay defaults: max backoff 1 min, multiplier 1.5, reset after 1 h.
pub const MAX_BACKOFF_MS: u64 = 60_000;
pub const RESET_BACKOFF_THRESHOLD_MS: u64 = 3_600_000;
/// The smallest restart backoff: with `restart_delay_ms: 0` a restart still takes 1 ms.
pub const MIN_BACKOFF_MS: u64 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Running,
    Restarting,
    Failed,
}

impl JobStatus {
    pub fn name(self) -> &'static str {
        match self {
            JobStatus::Running => "RUNNING",
            JobStatus::Restarting => "RESTARTING",
            JobStatus::Failed => "FAILED",
        }
    }
}

/// One failover: when, why, and which checkpoint it restored (filled in at the restart).
#[derive(Debug, Clone, PartialEq)]
pub struct RestartRecord {
    pub at: SimTime,
    pub cause: String,
    pub restored_checkpoint_id: Option<CheckpointId>,
    pub restarted_at: Option<SimTime>,
    pub subtasks: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobState {
    pub status: JobStatus,
    /// The newest restart records, oldest first: all of them, unless bounded by
    /// [`Simulation::set_restart_limit`] (the browser), which drops the oldest.
    pub restarts: Vec<RestartRecord>,
    /// Restart records dropped from the front of `restarts` by the bound.
    pub restarts_dropped: usize,
    restarts_limit: Option<usize>,
    /// Per region: fences its pending restart (a newer failover or leader plans another).
    region_token: Vec<FencingToken>,
    /// Per region: index of the restart record its pending restart belongs to.
    region_restart: Vec<Option<usize>>,
    /// Exponential-delay backoff in µs (at least 1 ms, so a failover loop always advances time).
    initial_backoff: SimDuration,
    backoff: SimDuration,
    last_failure: Option<SimTime>,
}

impl JobState {
    pub fn new(g: &ExecutionGraph, restart_delay_ms: u64) -> JobState {
        JobState {
            status: JobStatus::Running,
            restarts: Vec::new(),
            restarts_dropped: 0,
            restarts_limit: None,
            region_token: vec![FencingToken::default(); g.regions.len()],
            region_restart: vec![None; g.regions.len()],
            initial_backoff: SimDuration::from_ms(restart_delay_ms.max(MIN_BACKOFF_MS)),
            backoff: SimDuration::from_ms(restart_delay_ms.max(MIN_BACKOFF_MS)),
            last_failure: None,
        }
    }

    /// Every restart (failover) so far, including records dropped by the bound.
    pub fn restart_count(&self) -> usize {
        self.restarts_dropped + self.restarts.len()
    }

    /// Keeps only the newest `limit` restart records (at least one); `None` keeps all.
    pub fn set_restarts_limit(&mut self, limit: Option<usize>) {
        self.restarts_limit = limit.map(|n| n.max(1));
        self.trim_restarts();
    }

    fn trim_restarts(&mut self) {
        if let Some(n) = self.restarts_limit {
            if self.restarts.len() > n {
                let drop = self.restarts.len() - n;
                self.restarts.drain(..drop);
                self.restarts_dropped += drop;
            }
        }
    }

    /// The record with absolute number `i` (counting dropped ones), if still kept.
    fn restart_mut(&mut self, i: usize) -> Option<&mut RestartRecord> {
        i.checked_sub(self.restarts_dropped)
            .and_then(|k| self.restarts.get_mut(k))
    }

    /// The next restart delay (exponential backoff, reset after an hour without failure).
    fn next_backoff(&mut self, now: SimTime) -> SimDuration {
        if let Some(last) = self.last_failure {
            if now.since(last).as_ms() >= RESET_BACKOFF_THRESHOLD_MS {
                self.backoff = self.initial_backoff;
            }
        }
        self.last_failure = Some(now);
        let d = self.backoff;
        let cap = SimDuration::from_ms(MAX_BACKOFF_MS).max(self.initial_backoff);
        self.backoff = SimDuration(self.backoff.0.saturating_mul(3) / 2).min(cap);
        d
    }
}

/// What the failover reacts to.
#[derive(Debug, Clone, PartialEq)]
pub enum FailoverInput {
    /// A subtask's process died (a kill, an exception in `snapshotState`).
    TaskFailed { task: SubtaskId, cause: String },
    /// The failure manager fails the whole job over.
    GlobalFailure { cause: String },
    /// After the coordinator was told the job is not running: cancel the subtasks of `regions`
    /// and plan their restart after the backoff.
    CancelRegions { regions: Vec<u32>, cause: String },
    /// The restart backoff of `region` is over.
    RegionRestart { region: u32, token: FencingToken },
    /// A restarted subtask has read its state.
    RestoreDone { task: SubtaskId, attempt: Attempt },
    /// The JobManager process dies.
    CoordinatorFailover,
    /// A new JobManager leads: regions waiting for their restart restart now.
    RestartWaitingRegions,
}

/// What the failover may read of the world.
#[derive(Debug, Clone)]
pub struct FailoverContext<'a> {
    pub now: SimTime,
    pub graph: &'a ExecutionGraph,
    pub tasks: &'a [Task],
    /// A JobManager leads (the coordinator is up).
    pub coordinator_alive: bool,
    /// The latest completed checkpoint, what a restart restores.
    pub latest: Option<Rc<CompletedCheckpoint>>,
    pub storage_down: bool,
    pub restart_attempts: Option<u32>,
    /// How long a new JobManager takes to lead (the restart delay).
    pub recovery: SimDuration,
}

impl JobState {
    pub fn handle(&mut self, input: FailoverInput, ctx: &FailoverContext, out: &mut Out) {
        match input {
            FailoverInput::TaskFailed { task, cause } => self.task_failed(task, cause, ctx, out),
            FailoverInput::GlobalFailure { cause } => out.push(Command::FailRegions {
                regions: (0..ctx.graph.regions.len() as u32).collect(),
                cause,
            }),
            FailoverInput::CancelRegions { regions, cause } => {
                self.cancel_regions(regions, cause, ctx, out)
            }
            FailoverInput::RegionRestart { region, token } => {
                self.region_restart(region, token, ctx, out)
            }
            FailoverInput::RestoreDone { task, attempt } => {
                self.restore_done(task, attempt, ctx, out)
            }
            FailoverInput::CoordinatorFailover => self.coordinator_failover(ctx, out),
            FailoverInput::RestartWaitingRegions => self.restart_waiting_regions(ctx, out),
        }
    }

    /// A subtask's process died: its region fails over.
    fn task_failed(&mut self, t: SubtaskId, cause: String, ctx: &FailoverContext, out: &mut Out) {
        if self.status == JobStatus::Failed || ctx.tasks[t.idx()].status == TaskStatus::Failed {
            return;
        }
        let name = &ctx.graph.subtasks[t.idx()].name;
        out.log(LogKind::Failover, format!("{name} failed: {cause}"));
        let region = ctx.graph.subtasks[t.idx()].region;
        out.push(Command::FailRegions {
            regions: vec![region],
            cause,
        });
    }

    /// Cancels the subtasks of `regions` and schedules their restart after the backoff.
    fn cancel_regions(
        &mut self,
        regions: Vec<u32>,
        cause: String,
        ctx: &FailoverContext,
        out: &mut Out,
    ) {
        let mut subtasks = 0;
        let record = self.restart_count();
        let mut any = false;
        for &r in &regions {
            if self.region_restart[r as usize].is_some() {
                continue; // already restarting
            }
            any = true;
            let members = &ctx.graph.regions[r as usize];
            subtasks += members.len();
            for &task in members {
                out.push(Command::CancelTask {
                    task,
                    status: TaskStatus::Failed,
                });
            }
            self.region_token[r as usize].advance();
            self.region_restart[r as usize] = Some(record);
        }
        if !any {
            return;
        }
        self.status = JobStatus::Restarting;
        if ctx
            .restart_attempts
            .map(|n| self.restart_count() as u32 >= n)
            .unwrap_or(false)
        {
            out.log(
                LogKind::Failover,
                format!("restart attempts exhausted: the job is FAILED ({cause})"),
            );
            self.status = JobStatus::Failed;
            for t in 0..ctx.tasks.len() {
                out.push(Command::CancelTask {
                    task: SubtaskId(t as u32),
                    status: TaskStatus::Canceled,
                });
            }
            out.push(Command::Coordinator(CoordinatorInput::JobFailed));
            return;
        }
        let delay = self.next_backoff(ctx.now);
        self.restarts.push(RestartRecord {
            at: ctx.now,
            cause: cause.clone(),
            restored_checkpoint_id: None,
            restarted_at: None,
            subtasks,
        });
        self.trim_restarts();
        out.log(
            LogKind::Failover,
            format!(
                "failover ({cause}): {subtasks} subtasks restart in {} ms",
                delay.as_ms()
            ),
        );
        for r in regions {
            let token = self.region_token[r as usize];
            out.schedule(
                ctx.now.plus(delay),
                Event::RegionRestart { region: r, token },
            );
        }
    }

    /// The restart backoff is over: redeploy the region and restore its state.
    fn region_restart(
        &mut self,
        region: u32,
        token: FencingToken,
        ctx: &FailoverContext,
        out: &mut Out,
    ) {
        if self.region_token[region as usize] != token || self.status == JobStatus::Failed {
            return;
        }
        if !ctx.coordinator_alive {
            // The new JobManager is not there yet; it restarts the job when it is.
            return;
        }
        let latest = ctx.latest.clone();
        let members = &ctx.graph.regions[region as usize];
        if latest.is_some() && ctx.storage_down {
            self.region_restart[region as usize] = None;
            let cause = "restore failed: checkpoint storage unavailable".to_string();
            out.log(LogKind::Restore, cause.clone());
            for &task in members {
                // Running again for a moment, so that the failover cancels it.
                out.push(Command::SetTaskStatus {
                    task,
                    status: TaskStatus::Running,
                });
            }
            out.push(Command::FailRegions {
                regions: vec![region],
                cause,
            });
            return;
        }
        let record = self.region_restart[region as usize].take();
        if let Some(r) = record.and_then(|i| self.restart_mut(i)) {
            r.restored_checkpoint_id = latest.as_ref().map(|c| c.id);
            r.restarted_at = Some(ctx.now);
        }
        for &task in members {
            out.push(Command::RestoreTask {
                task,
                from: latest.clone(),
            });
        }
        // The job is RUNNING again as its tasks are redeployed, and the scheduler starts with
        // it: the attempt `min_pause` later finds tasks still restoring and fails with
        // NOT_ALL_REQUIRED_TASKS_RUNNING (counted, no ID); the fixed-rate timer goes on. On
        // Flink 2.3 the first checkpoint after a restart came about one interval after the
        // job was RUNNING again, with one such failure before it.
        if self.region_restart.iter().all(|r| r.is_none()) {
            out.push(Command::Coordinator(CoordinatorInput::JobRunning));
        }
        match &latest {
            Some(cp) => {
                out.stat(Stat::Restored {
                    id: cp.id,
                    savepoint: cp.savepoint,
                });
                out.log(
                    LogKind::Restore,
                    format!(
                        "{} subtasks restore from checkpoint {}",
                        members.len(),
                        cp.id
                    ),
                );
            }
            None => out.log(
                LogKind::Restore,
                format!(
                    "{} subtasks restart empty: no completed checkpoint",
                    members.len()
                ),
            ),
        }
    }

    /// A restarted subtask read its state: it runs; the job runs once all of them do.
    fn restore_done(
        &mut self,
        t: SubtaskId,
        attempt: Attempt,
        ctx: &FailoverContext,
        out: &mut Out,
    ) {
        let task = &ctx.tasks[t.idx()];
        if task.attempt != attempt || task.status != TaskStatus::Initializing {
            return;
        }
        out.push(Command::TaskRunning { task: t });
        if ctx
            .tasks
            .iter()
            .all(|x| x.id == t || x.status == TaskStatus::Running)
            && self.status == JobStatus::Restarting
        {
            self.status = JobStatus::Running;
            out.log(LogKind::Restore, "all subtasks RUNNING again".into());
        }
    }

    /// The JobManager dies: pending checkpoints are lost, completed ones and the ID counter
    /// survive in HA storage; every task is cancelled and the job restarts from the latest
    /// completed checkpoint once a new JobManager is up.
    fn coordinator_failover(&mut self, ctx: &FailoverContext, out: &mut Out) {
        if self.status == JobStatus::Failed {
            return;
        }
        out.log(
            LogKind::Failover,
            "the JobManager failed: pending checkpoints are lost".into(),
        );
        out.push(Command::ClearRpcs);
        out.push(Command::Coordinator(CoordinatorInput::LeadershipLost {
            recovery: ctx.recovery,
        }));
        // The TaskManagers lose their JobManager: every task is cancelled.
        out.push(Command::FailRegions {
            regions: (0..ctx.graph.regions.len() as u32).collect(),
            cause: "coordinator_failover".into(),
        });
    }

    /// A new JobManager leads: regions waiting for a restart restart now. Their fencing token
    /// moves on so that the RegionRestart the old JobManager planned (still queued if its
    /// backoff is longer than the JobManager's recovery, or due at the same instant) is
    /// ignored: without that, the region would be restored twice, the second time while
    /// already running.
    fn restart_waiting_regions(&mut self, ctx: &FailoverContext, out: &mut Out) {
        for r in 0..ctx.graph.regions.len() {
            if self.region_restart[r].is_some() {
                let token = self.region_token[r].advance();
                out.schedule(
                    ctx.now,
                    Event::RegionRestart {
                        region: r as u32,
                        token,
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests;
