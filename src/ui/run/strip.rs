//! The timeline strip's rows: one compact bar per checkpoint and one tick per restart, kept by
//! the run for the whole run (the simulation's own lists are bounded), merged pairwise beyond
//! [`STRIP_MAX`](super::STRIP_MAX).

use super::{Run, STRIP_MAX};
use crate::sim::ids::{CheckpointId, SimTime};
use crate::sim::stats::{CheckpointStatsEntry, CheckpointStatus};
use crate::sim::FailureReason;

/// One restart tick of the timeline, kept by the run for restarts older than the simulation's
/// bounded list of restart records.
#[derive(Debug, Clone, PartialEq)]
pub struct RestartMark {
    /// Its number among all restarts of the run (0 first).
    pub n: usize,
    pub at: SimTime,
    pub cause: String,
    pub restored_checkpoint_id: Option<CheckpointId>,
}

/// One bar of the timeline strip: one checkpoint, or (in a long run) a span of old ones merged.
#[derive(Debug, Clone, PartialEq)]
pub struct StripEntry {
    pub id: CheckpointId,
    pub last_id: CheckpointId,
    pub trigger: SimTime,
    /// Completion or failure time (none while in progress).
    pub end: Option<SimTime>,
    /// The worst status of the span (FAILED over IN_PROGRESS over COMPLETED).
    pub status: CheckpointStatus,
    pub savepoint: bool,
    pub failure_reason: Option<FailureReason>,
    pub end_to_end_us: u64,
}

impl From<&CheckpointStatsEntry> for StripEntry {
    fn from(e: &CheckpointStatsEntry) -> StripEntry {
        StripEntry {
            id: e.id,
            last_id: e.id,
            trigger: e.trigger_timestamp,
            end: e.completion_timestamp.or(e.failure_timestamp),
            status: e.status,
            savepoint: e.is_savepoint,
            failure_reason: e.failure_reason,
            end_to_end_us: e.end_to_end_duration_us(),
        }
    }
}

impl StripEntry {
    /// How many checkpoints the bar stands for.
    pub fn count(&self) -> u64 {
        self.last_id.0 - self.id.0 + 1
    }

    fn merge(self, next: &StripEntry) -> StripEntry {
        let rank = |s: CheckpointStatus| match s {
            CheckpointStatus::Failed => 2,
            CheckpointStatus::InProgress => 1,
            CheckpointStatus::Completed => 0,
        };
        StripEntry {
            last_id: next.last_id,
            end: match (self.end, next.end) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            },
            status: if rank(next.status) > rank(self.status) {
                next.status
            } else {
                self.status
            },
            savepoint: self.savepoint || next.savepoint,
            failure_reason: self.failure_reason.or(next.failure_reason),
            end_to_end_us: self.end_to_end_us.max(next.end_to_end_us),
            ..self
        }
    }
}

impl Run {
    /// At the furthest frame: the strip takes the simulation's (bounded) history as it is now
    /// for the checkpoints that history covers, and keeps its own rows for older ones.
    pub(super) fn sync_strip(&mut self) {
        let history = self.sim.stats().history();
        let first = history.front().map(|e| e.id);
        let keep = self.strip.partition_point(|e| Some(e.last_id) < first);
        self.strip.truncate(keep);
        self.strip.extend(history.iter().map(StripEntry::from));
        let job = self.sim.job();
        let keep = self
            .restart_marks
            .partition_point(|m| m.n < job.restarts_dropped);
        // Re-copied only when a restart was added or filled in (a record's cause never changes).
        let same = self.restart_marks.len() - keep == job.restarts.len()
            && self.restart_marks[keep..]
                .iter()
                .zip(&job.restarts)
                .all(|(m, r)| m.at == r.at && m.restored_checkpoint_id == r.restored_checkpoint_id);
        if !same {
            self.restart_marks.truncate(keep);
            self.restart_marks
                .extend(job.restarts.iter().enumerate().map(|(i, r)| RestartMark {
                    n: job.restarts_dropped + i,
                    at: r.at,
                    cause: r.cause.clone(),
                    restored_checkpoint_id: r.restored_checkpoint_id,
                }));
        }
        if self.restart_marks.len() > STRIP_MAX {
            // Keep every other tick of the oldest half: one pixel apart they look the same.
            let half = self.restart_marks.len() / 2;
            let mut i = 0;
            self.restart_marks.retain(|_| {
                i += 1;
                i > half || i % 2 == 1
            });
        }
        if self.strip.len() > STRIP_MAX {
            // Merge the oldest half pairwise: memory stays bounded however long the run.
            let half = self.strip.len() / 2;
            let mut merged: Vec<StripEntry> = self.strip[..half]
                .chunks(2)
                .map(|c| c.iter().skip(1).fold(c[0].clone(), |a, b| a.merge(b)))
                .collect();
            merged.extend_from_slice(&self.strip[half..]);
            self.strip = merged;
        }
    }
}
