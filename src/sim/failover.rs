//! Failures and recovery: a task failure fails its failover region (the subtasks connected to
//! it) over; pending checkpoints abort (TASK_FAILURE for those the failed task had not
//! acknowledged, JOB_FAILOVER_REGION for the rest); after the exponential-delay restart backoff
//! the region is redeployed and every subtask restores from the latest completed checkpoint
//! (sources rewind to its offsets, persisted channel state is replayed first, two-phase-commit
//! sinks commit the transactions it holds), or starts empty with none. Also the global failover
//! of the failure manager and the JobManager (coordinator) failover.

use super::coordinator::CoordinatorInput;
use super::events::Event;
use super::graph::ExecutionGraph;
use super::ids::{Attempt, CheckpointId, FencingToken, SimDuration, SimTime, SubtaskId};
use super::snapshot::OperatorState;
use super::task::TaskStatus;
use super::{LogKind, Simulation};
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

impl Simulation {
    /// A subtask's process died.
    pub(crate) fn fail_task(&mut self, t: SubtaskId, cause: String) {
        if self.job.status == JobStatus::Failed || self.tasks[t.idx()].status == TaskStatus::Failed
        {
            return;
        }
        let name = self.name(t);
        self.log(LogKind::Failover, format!("{name} failed: {cause}"));
        let region = self.graph.subtasks[t.idx()].region;
        self.fail_regions(vec![region], cause);
    }

    /// The failure manager (or a user) fails the whole job over.
    pub(crate) fn fail_globally(&mut self, cause: String) {
        let regions = (0..self.graph.regions.len() as u32).collect();
        self.fail_regions(regions, cause);
    }

    /// Cancels the subtasks of `regions` and schedules their restart after the backoff.
    fn fail_regions(&mut self, regions: Vec<u32>, cause: String) {
        if self.job.status == JobStatus::Failed {
            return;
        }
        // A task leaves RUNNING: Flink's ExecutionTrackingCheckpointCoordinatorDeActivator stops
        // the scheduler, which aborts every pending checkpoint (CHECKPOINT_COORDINATOR_SUSPEND).
        self.coordinator_input(CoordinatorInput::JobNotRunning);
        let mut subtasks = 0;
        let record = self.job.restart_count();
        let mut any = false;
        for &r in &regions {
            if self.job.region_restart[r as usize].is_some() {
                continue; // already restarting
            }
            any = true;
            let members = self.graph.regions[r as usize].clone();
            subtasks += members.len();
            for t in members {
                self.cancel_task(t);
            }
            self.job.region_token[r as usize].advance();
            self.job.region_restart[r as usize] = Some(record);
        }
        if !any {
            return;
        }
        self.job.status = JobStatus::Restarting;
        let limit = self.scenario().restart_attempts;
        if limit
            .map(|n| self.job.restart_count() as u32 >= n)
            .unwrap_or(false)
        {
            self.log(
                LogKind::Failover,
                format!("restart attempts exhausted: the job is FAILED ({cause})"),
            );
            self.job.status = JobStatus::Failed;
            for t in 0..self.tasks.len() {
                self.cancel_task(SubtaskId(t as u32));
                self.tasks[t].status = TaskStatus::Canceled;
            }
            self.coordinator_input(CoordinatorInput::JobFailed);
            return;
        }
        let delay = self.job.next_backoff(self.now);
        self.job.restarts.push(RestartRecord {
            at: self.now,
            cause: cause.clone(),
            restored_checkpoint_id: None,
            restarted_at: None,
            subtasks,
        });
        self.job.trim_restarts();
        self.log(
            LogKind::Failover,
            format!(
                "failover ({cause}): {subtasks} subtasks restart in {} ms",
                delay.as_ms()
            ),
        );
        for r in regions {
            let token = self.job.region_token[r as usize];
            self.queue.schedule(
                self.now.plus(delay),
                Event::RegionRestart { region: r, token },
            );
        }
    }

    /// Stops a subtask: new attempt, state and in-flight data dropped.
    fn cancel_task(&mut self, t: SubtaskId) {
        let op = self.graph.operator_of(t);
        let (kind, keys) = (op.kind, op.key_space);
        let task = &mut self.tasks[t.idx()];
        task.attempt = Attempt(task.attempt.0 + 1);
        task.reset_for_restart(kind, keys);
        task.status = TaskStatus::Failed;
        self.gates[t.idx()].clear();
        self.checks.reset_subtask(t);
        let info = &self.graph.subtasks[t.idx()];
        let chans: Vec<usize> = info
            .inputs
            .iter()
            .map(|c| c.idx())
            .chain(
                info.outputs
                    .iter()
                    .flat_map(|g| g.channels.iter().map(|c| c.idx())),
            )
            .collect();
        for c in chans {
            self.channels[c].clear();
        }
    }

    /// The restart backoff is over: redeploy the region and restore its state.
    pub(crate) fn on_region_restart(&mut self, region: u32, token: FencingToken) {
        if self.job.region_token[region as usize] != token || self.job.status == JobStatus::Failed {
            return;
        }
        if !self.coord.alive {
            // The new JobManager is not there yet; it restarts the job when it is.
            return;
        }
        let latest = self.coord.store.latest().cloned();
        let members = self.graph.regions[region as usize].clone();
        if latest.is_some() && self.storage_down() {
            self.job.region_restart[region as usize] = None;
            let cause = "restore failed: checkpoint storage unavailable".to_string();
            self.log(LogKind::Restore, cause.clone());
            for &t in &members {
                self.tasks[t.idx()].status = TaskStatus::Running; // so that fail_regions cancels it
            }
            self.fail_regions(vec![region], cause);
            return;
        }
        let record = self.job.region_restart[region as usize].take();
        if let Some(r) = record.and_then(|i| self.job.restart_mut(i)) {
            r.restored_checkpoint_id = latest.as_ref().map(|c| c.id);
            r.restarted_at = Some(self.now);
        }
        let bandwidth = self.storage_bandwidth.max(1);
        let read = self.storage_write;
        for &t in &members {
            let info = &self.graph.subtasks[t.idx()];
            let inputs = info.inputs.clone();
            let op = self.graph.operator_of(t);
            let (sbpk, record_bytes) = (op.state_bytes_per_key, self.record_bytes);
            let task = &mut self.tasks[t.idx()];
            task.status = TaskStatus::Initializing;
            let mut size = 0;
            if let Some(cp) = &latest {
                if let Some(s) = cp.snapshots.iter().find(|s| s.task == t) {
                    let s = Rc::clone(s);
                    task.state = s.state.clone();
                    task.last_checkpoint = cp.id;
                    size = s.state.size_bytes(sbpk, record_bytes);
                    // Persisted in-flight data is put back first.
                    for (input, records) in &s.channel_state {
                        let c = inputs[input.idx()];
                        for r in records {
                            self.channels[c.idx()].push(
                                super::channel::Item::Record(*r),
                                self.now,
                                self.now,
                            );
                            self.gates[t.idx()].on_push(self.now, *input);
                        }
                    }
                }
            }
            // A two-phase-commit sink commits the transactions of the restored state.
            let task = &mut self.tasks[t.idx()];
            if let OperatorState::Sink { pending, .. } = &mut task.state {
                let commit = std::mem::take(pending);
                for (txn, records) in commit {
                    self.external.commit(t, txn, &records, &mut self.oracle);
                }
            }
            let attempt = self.tasks[t.idx()].attempt;
            let d = SimDuration(read.0 + size.saturating_mul(1000) / bandwidth);
            self.queue
                .schedule(self.now.plus(d), Event::RestoreDone { task: t, attempt });
        }
        // The job is RUNNING again as its tasks are redeployed, and the scheduler starts with
        // it: the attempt `min_pause` later finds tasks still restoring and fails with
        // NOT_ALL_REQUIRED_TASKS_RUNNING (counted, no ID); the fixed-rate timer goes on. On
        // Flink 2.3 the first checkpoint after a restart came about one interval after the
        // job was RUNNING again, with one such failure before it.
        if self.job.region_restart.iter().all(|r| r.is_none()) {
            self.coordinator_input(CoordinatorInput::JobRunning);
        }
        match &latest {
            Some(cp) => {
                self.stats.report_restored(cp.id, self.now, cp.savepoint);
                self.log(
                    LogKind::Restore,
                    format!(
                        "{} subtasks restore from checkpoint {}",
                        members.len(),
                        cp.id
                    ),
                );
            }
            None => self.log(
                LogKind::Restore,
                format!(
                    "{} subtasks restart empty: no completed checkpoint",
                    members.len()
                ),
            ),
        }
    }

    pub(crate) fn on_restore_done(&mut self, t: SubtaskId, attempt: Attempt) {
        let task = &mut self.tasks[t.idx()];
        if task.attempt != attempt || task.status != TaskStatus::Initializing {
            return;
        }
        task.status = TaskStatus::Running;
        task.next_emit_at = self.now;
        task.busy_until = self.now;
        task.wake_at = None;
        self.wake(t, self.now);
        if self.tasks.iter().all(|t| t.status == TaskStatus::Running)
            && self.job.status == JobStatus::Restarting
        {
            self.job.status = JobStatus::Running;
            self.log(LogKind::Restore, "all subtasks RUNNING again".into());
        }
    }

    /// The JobManager dies: pending checkpoints are lost, completed ones and the ID counter
    /// survive in HA storage; every task is cancelled and the job restarts from the latest
    /// completed checkpoint once a new JobManager is up.
    pub(crate) fn coordinator_failover(&mut self) {
        if self.job.status == JobStatus::Failed {
            return;
        }
        self.log(
            LogKind::Failover,
            "the JobManager failed: pending checkpoints are lost".into(),
        );
        self.rpcs.clear();
        let recovery = SimDuration::from_ms(self.scenario().restart_delay_ms);
        self.coordinator_input(CoordinatorInput::LeadershipLost { recovery });
        // The TaskManagers lose their JobManager: every task is cancelled.
        let regions = (0..self.graph.regions.len() as u32).collect();
        self.fail_regions(regions, "coordinator_failover".into());
    }

    /// A new JobManager leads: regions waiting for a restart restart now.
    pub(crate) fn restart_waiting_regions(&mut self) {
        // Regions waiting for a restart restart now. Their fencing token moves on so that the
        // RegionRestart the old JobManager planned (still queued if its backoff is longer than
        // the JobManager's recovery, or due at the same instant) is ignored: without that, the
        // region would be restored twice, the second time while already running.
        for r in 0..self.graph.regions.len() {
            if self.job.region_restart[r].is_some() {
                let token = self.job.region_token[r].advance();
                self.queue.schedule(
                    self.now,
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
mod tests {
    use crate::sim::ids::SimTime;
    use crate::sim::Simulation;

    /// Found by the fuzzer: with `restart_delay_ms: 0`, a restore that fails because storage is
    /// down failed over again at the same instant, forever.
    #[test]
    fn zero_restart_delay_with_failing_restore_still_advances_time() {
        let mut sim = Simulation::from_json(
            r#"{"name":"t","duration_ms":3000,"restart_delay_ms":0,
            "job":{"operators":[{"name":"src","kind":"source"},{"name":"sink","kind":"sink"}],
                   "edges":[{"from":"src","to":"sink"}]},
            "checkpointing":{"interval_ms":100},
            "faults":[{"at_ms":500,"kind":"storage_outage","duration_ms":1000},
                      {"at_ms":600,"kind":"kill","task":"sink#0"}]}"#,
        )
        .expect("valid");
        sim.run_until(SimTime::from_ms(3000));
        let restarts = sim.job().restarts.len();
        assert!(restarts > 1 && restarts < 100, "{restarts} restarts");
        assert_eq!(sim.job().status.name(), "RUNNING");
        assert!(sim.stats().counts.completed > 5);
    }
}
