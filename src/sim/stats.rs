//! Checkpoint statistics as Flink's CheckpointStatsTracker keeps them and its REST API names
//! them: counts, history (newest last here, in ID order), latest completed / failed / savepoint
//! / restored, per-subtask figures, and a summary (min / avg / max, p50 / p90 / p99).

use super::ids::{CheckpointId, SimTime, SubtaskId};
use super::reason::FailureReason;
use super::snapshot::SubtaskMetrics;
use serde::Serialize;
use std::collections::VecDeque;

/// How many recent checkpoints keep their per-subtask details.
pub const SUBTASK_DETAIL_HISTORY: usize = 64;
/// How many values the summary's percentiles are computed over.
pub const SUMMARY_WINDOW: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CheckpointStatus {
    InProgress,
    Completed,
    Failed,
}

impl CheckpointStatus {
    pub fn name(self) -> &'static str {
        match self {
            CheckpointStatus::InProgress => "IN_PROGRESS",
            CheckpointStatus::Completed => "COMPLETED",
            CheckpointStatus::Failed => "FAILED",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub restored: u64,
    pub total: u64,
    pub in_progress: u64,
    pub completed: u64,
    pub failed: u64,
}

/// One subtask's figures for one checkpoint (all times in µs of simulated time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubtaskStats {
    pub ack_timestamp: SimTime,
    pub metrics: SubtaskMetrics,
}

/// One row of the checkpoint history.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointStatsEntry {
    pub id: CheckpointId,
    pub status: CheckpointStatus,
    pub is_savepoint: bool,
    pub unaligned: bool,
    pub trigger_timestamp: SimTime,
    pub latest_ack_timestamp: Option<SimTime>,
    pub completion_timestamp: Option<SimTime>,
    pub failure_timestamp: Option<SimTime>,
    pub failure_reason: Option<FailureReason>,
    pub num_subtasks: usize,
    pub num_acknowledged_subtasks: usize,
    pub state_size: u64,
    pub persisted_data: u64,
    pub processed_data: u64,
    pub alignment_duration_max: u64,
    pub sync_duration_max: u64,
    pub async_duration_max: u64,
    pub start_delay_max: u64,
    /// Per subtask (by subtask index); dropped for old rows to bound memory.
    pub subtasks: Option<Vec<Option<SubtaskStats>>>,
}

impl CheckpointStatsEntry {
    /// `CHECKPOINT`, `UNALIGNED_CHECKPOINT` or `SAVEPOINT`, as the REST API's `checkpoint_type`.
    pub fn checkpoint_type(&self) -> &'static str {
        if self.is_savepoint {
            "SAVEPOINT"
        } else if self.unaligned {
            "UNALIGNED_CHECKPOINT"
        } else {
            "CHECKPOINT"
        }
    }

    /// Flink's end-to-end duration: to the latest ack (pending, completed) or to the failure.
    pub fn end_to_end_duration_us(&self) -> u64 {
        match (
            self.status,
            self.failure_timestamp,
            self.latest_ack_timestamp,
        ) {
            (CheckpointStatus::Failed, Some(f), _) => f.since(self.trigger_timestamp).0,
            (_, _, Some(a)) => a.since(self.trigger_timestamp).0,
            _ => 0,
        }
    }
}

/// Running min / max / sum plus a window for percentiles.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsSummary {
    pub count: u64,
    pub min: u64,
    pub max: u64,
    pub sum: u128,
    window: VecDeque<u64>,
}

impl StatsSummary {
    pub fn add(&mut self, v: u64) {
        if self.count == 0 || v < self.min {
            self.min = v;
        }
        self.max = self.max.max(v);
        self.count += 1;
        self.sum += v as u128;
        if self.window.len() >= SUMMARY_WINDOW {
            self.window.pop_front();
        }
        self.window.push_back(v);
    }
    pub fn avg(&self) -> u64 {
        if self.count == 0 {
            0
        } else {
            (self.sum / self.count as u128) as u64
        }
    }
    /// Nearest-rank percentile over the window.
    pub fn percentile(&self, p: u32) -> u64 {
        self.quantile_permille(p * 10)
    }
    /// Nearest-rank quantile in thousandths (999 for Flink's `p999`).
    pub fn quantile_permille(&self, q: u32) -> u64 {
        if self.window.is_empty() {
            return 0;
        }
        let mut v: Vec<u64> = self.window.iter().copied().collect();
        v.sort_unstable();
        let rank = ((q as usize * v.len()).div_ceil(1000)).clamp(1, v.len());
        v[rank - 1]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestoredInfo {
    pub id: CheckpointId,
    pub restore_timestamp: SimTime,
    pub is_savepoint: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckpointStats {
    pub counts: Counts,
    history: VecDeque<CheckpointStatsEntry>,
    history_limit: Option<usize>,
    /// Rows that keep per-subtask details; `None`: [`SUBTASK_DETAIL_HISTORY`].
    detail_limit: Option<usize>,
    pub latest_completed: Option<CheckpointId>,
    pub latest_savepoint: Option<CheckpointId>,
    pub latest_failed: Option<CheckpointId>,
    pub latest_restored: Option<RestoredInfo>,
    pub end_to_end_duration: StatsSummary,
    pub state_size: StatsSummary,
    pub persisted_data: StatsSummary,
    pub processed_data: StatsSummary,
}

impl CheckpointStats {
    /// Bounds the history to the newest `limit` rows (Flink's `web.checkpoints.history`), or
    /// keeps every row with `None` (the runner's report).
    pub fn set_history_limit(&mut self, limit: Option<usize>) {
        self.history_limit = limit;
        self.trim();
    }

    /// Keeps per-subtask details for the newest `limit` checkpoints only (capped at
    /// [`SUBTASK_DETAIL_HISTORY`]).
    pub fn set_detail_limit(&mut self, limit: usize) {
        self.detail_limit = Some(limit.min(SUBTASK_DETAIL_HISTORY));
        self.trim();
    }

    /// How many of the newest checkpoints keep their per-subtask details.
    pub fn detail_limit(&self) -> usize {
        self.detail_limit.unwrap_or(SUBTASK_DETAIL_HISTORY)
    }

    pub fn history(&self) -> &VecDeque<CheckpointStatsEntry> {
        &self.history
    }

    pub fn get(&self, id: CheckpointId) -> Option<&CheckpointStatsEntry> {
        self.position(id).map(|i| &self.history[i])
    }

    fn position(&self, id: CheckpointId) -> Option<usize> {
        self.history.binary_search_by_key(&id, |e| e.id).ok()
    }

    pub fn is_failed(&self, id: CheckpointId) -> bool {
        self.get(id)
            .map(|e| e.status == CheckpointStatus::Failed)
            .unwrap_or(false)
    }

    fn trim(&mut self) {
        if let Some(limit) = self.history_limit {
            // Rows still in progress are kept whatever their age.
            while self.history.len() > limit.max(1) {
                match self
                    .history
                    .iter()
                    .position(|e| e.status != CheckpointStatus::InProgress)
                {
                    Some(i) if i < self.history.len() - 1 || self.history.len() > limit * 2 => {
                        self.history.remove(i);
                    }
                    _ => break,
                }
            }
        }
        let n = self.history.len();
        let details = self.detail_limit();
        if n > details {
            for e in self.history.iter_mut().take(n - details) {
                if e.status != CheckpointStatus::InProgress {
                    e.subtasks = None;
                }
            }
        }
    }

    pub fn report_pending(
        &mut self,
        id: CheckpointId,
        now: SimTime,
        savepoint: bool,
        num_subtasks: usize,
    ) {
        self.counts.total += 1;
        self.counts.in_progress += 1;
        self.history.push_back(CheckpointStatsEntry {
            id,
            status: CheckpointStatus::InProgress,
            is_savepoint: savepoint,
            unaligned: false,
            trigger_timestamp: now,
            latest_ack_timestamp: None,
            completion_timestamp: None,
            failure_timestamp: None,
            failure_reason: None,
            num_subtasks,
            num_acknowledged_subtasks: 0,
            state_size: 0,
            persisted_data: 0,
            processed_data: 0,
            alignment_duration_max: 0,
            sync_duration_max: 0,
            async_duration_max: 0,
            start_delay_max: 0,
            subtasks: Some(vec![None; num_subtasks]),
        });
        self.trim();
    }

    pub fn report_subtask(
        &mut self,
        id: CheckpointId,
        t: SubtaskId,
        now: SimTime,
        m: &SubtaskMetrics,
        acked: usize,
    ) {
        let Some(i) = self.position(id) else { return };
        let e = &mut self.history[i];
        e.num_acknowledged_subtasks = acked;
        e.latest_ack_timestamp = Some(now);
        e.state_size += m.state_size;
        e.persisted_data += m.persisted_data;
        e.processed_data += m.processed_data;
        e.unaligned |= m.unaligned_checkpoint;
        e.alignment_duration_max = e.alignment_duration_max.max(m.alignment_duration.0);
        e.sync_duration_max = e.sync_duration_max.max(m.sync_duration.0);
        e.async_duration_max = e.async_duration_max.max(m.async_duration.0);
        e.start_delay_max = e.start_delay_max.max(m.start_delay.0);
        if let Some(subs) = e.subtasks.as_mut() {
            if let Some(slot) = subs.get_mut(t.idx()) {
                *slot = Some(SubtaskStats {
                    ack_timestamp: now,
                    metrics: *m,
                });
            }
        }
    }

    pub fn report_completed(&mut self, id: CheckpointId, now: SimTime) {
        let Some(i) = self.position(id) else { return };
        let e = &mut self.history[i];
        if e.status != CheckpointStatus::InProgress {
            return;
        }
        e.status = CheckpointStatus::Completed;
        e.completion_timestamp = Some(now);
        self.counts.in_progress -= 1;
        self.counts.completed += 1;
        let (d, s, p, q, sp) = (
            e.end_to_end_duration_us() / 1000,
            e.state_size,
            e.persisted_data,
            e.processed_data,
            e.is_savepoint,
        );
        if sp {
            self.latest_savepoint = Some(id);
        } else {
            self.latest_completed = Some(id);
        }
        self.end_to_end_duration.add(d);
        self.state_size.add(s);
        self.persisted_data.add(p);
        self.processed_data.add(q);
        self.trim();
    }

    pub fn report_failed(&mut self, id: CheckpointId, now: SimTime, reason: FailureReason) {
        let Some(i) = self.position(id) else { return };
        let e = &mut self.history[i];
        if e.status != CheckpointStatus::InProgress {
            return;
        }
        e.status = CheckpointStatus::Failed;
        e.failure_timestamp = Some(now);
        e.failure_reason = Some(reason);
        self.counts.in_progress -= 1;
        self.counts.failed += 1;
        self.latest_failed = Some(id);
        self.trim();
    }

    /// The checkpoint was triggered unaligned (its `checkpoint_type` is UNALIGNED_CHECKPOINT).
    pub fn report_unaligned(&mut self, id: CheckpointId) {
        if let Some(i) = self.position(id) {
            self.history[i].unaligned = true;
        }
    }

    /// A trigger attempt that failed before it got an ID: no history row, but Flink's
    /// `counts.total` and `counts.failed` include it (`reportFailedCheckpointsWithoutInProgress`).
    pub fn report_failed_without_id(&mut self) {
        self.counts.total += 1;
        self.counts.failed += 1;
    }

    pub fn report_restored(&mut self, id: CheckpointId, now: SimTime, is_savepoint: bool) {
        self.counts.restored += 1;
        self.latest_restored = Some(RestoredInfo {
            id,
            restore_timestamp: now,
            is_savepoint,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_a_checkpoint_from_pending_to_completed() {
        let mut s = CheckpointStats::default();
        s.report_pending(CheckpointId(1), SimTime(0), false, 2);
        assert_eq!(s.counts.in_progress, 1);
        s.report_subtask(
            CheckpointId(1),
            SubtaskId(0),
            SimTime(3000),
            &SubtaskMetrics::default(),
            1,
        );
        s.report_subtask(
            CheckpointId(1),
            SubtaskId(1),
            SimTime(5000),
            &SubtaskMetrics::default(),
            2,
        );
        s.report_completed(CheckpointId(1), SimTime(6000));
        assert_eq!(
            s.counts,
            Counts {
                restored: 0,
                total: 1,
                in_progress: 0,
                completed: 1,
                failed: 0
            }
        );
        let e = s.get(CheckpointId(1)).unwrap();
        assert_eq!(e.end_to_end_duration_us(), 5000);
    }

    #[test]
    fn failed_checkpoint_duration_runs_to_the_failure() {
        let mut s = CheckpointStats::default();
        s.report_pending(CheckpointId(4), SimTime(1000), false, 1);
        s.report_failed(
            CheckpointId(4),
            SimTime(9000),
            FailureReason::CheckpointExpired,
        );
        let e = s.get(CheckpointId(4)).unwrap();
        assert_eq!(e.end_to_end_duration_us(), 8000);
        assert_eq!(e.failure_reason, Some(FailureReason::CheckpointExpired));
    }

    #[test]
    fn percentile_uses_nearest_rank() {
        let mut s = StatsSummary::default();
        for v in 1..=100 {
            s.add(v);
        }
        assert_eq!(s.percentile(50), 50);
        assert_eq!(s.percentile(99), 99);
        assert_eq!(s.avg(), 50);
    }
}
