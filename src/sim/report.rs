//! The runner's JSON report, shaped as Flink 2.3's `GET /jobs/:id/checkpoints` body
//! (`CheckpointingStatistics`): `counts`, `summary`, `latest`, `history` (newest first), with
//! Flink's field names and `failure_message` texts. What Flink does not have (the run, the
//! restarts, the exactly-once oracle, the enum name of a failure) sits under `barrierscope`, at
//! the top and in each history entry, so that nothing of ours passes for Flink's. All times are
//! whole milliseconds of simulated time.

use super::invariants::ExactlyOnceFigures;
use super::sorted::NamedCounts;
use super::stats::{CheckpointStatsEntry, CheckpointStatus, Counts, StatsSummary};
use super::vertices::VertexFigures;
use super::Simulation;
use serde::Serialize;

/// `GET /jobs/:id/checkpoints`, plus BarrierScope's own figures under `barrierscope`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub counts: Counts,
    pub summary: Summary,
    pub latest: Latest,
    pub history: Vec<HistoryEntry>,
    pub barrierscope: RunFacts,
}

/// What the simulation knows beyond Flink's REST body.
#[derive(Debug, Clone, Serialize)]
pub struct RunFacts {
    pub scenario: String,
    pub seed: u64,
    pub end_ms: u64,
    pub job_status: &'static str,
    /// IDs in the completed checkpoint store (`num_retained`), oldest first.
    pub retained: Vec<u64>,
    pub restarts: Vec<RestartRow>,
    /// Trigger requests that failed before an ID, by `CheckpointFailureReason`.
    pub trigger_failures: NamedCounts,
    pub exactly_once: ExactlyOnceFigures,
    pub invariant_violations: Vec<String>,
    /// Per job vertex, as `GET /jobs/:id` and the vertex metrics name them.
    pub vertices: Vec<VertexFigures>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Latest {
    pub completed: Option<HistoryEntry>,
    pub savepoint: Option<HistoryEntry>,
    pub failed: Option<HistoryEntry>,
    pub restored: Option<RestoredEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RestoredEntry {
    pub id: u64,
    pub restore_timestamp: u64,
    pub is_savepoint: bool,
    pub external_path: String,
}

/// Flink's `StatsSummaryDto`.
#[derive(Debug, Clone, Serialize)]
pub struct MinMaxAvg {
    pub min: u64,
    pub max: u64,
    pub avg: u64,
    pub p50: u64,
    pub p90: u64,
    pub p95: u64,
    pub p99: u64,
    pub p999: u64,
}

impl From<&StatsSummary> for MinMaxAvg {
    fn from(s: &StatsSummary) -> Self {
        MinMaxAvg {
            min: s.min,
            max: s.max,
            avg: s.avg(),
            p50: s.quantile_permille(500),
            p90: s.quantile_permille(900),
            p95: s.quantile_permille(950),
            p99: s.quantile_permille(990),
            p999: s.quantile_permille(999),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub checkpointed_size: MinMaxAvg,
    pub state_size: MinMaxAvg,
    pub end_to_end_duration: MinMaxAvg,
    pub alignment_buffered: MinMaxAvg,
    pub processed_data: MinMaxAvg,
    pub persisted_data: MinMaxAvg,
}

/// One entry of Flink's `history` (`CheckpointStatistics`): `className` says which of
/// `completed`, `failed` or `in_progress` it is, and which optional fields it has.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    #[serde(rename = "className")]
    pub class_name: &'static str,
    pub id: u64,
    pub status: &'static str,
    pub is_savepoint: bool,
    #[serde(rename = "savepointFormat")]
    pub savepoint_format: Option<&'static str>,
    pub trigger_timestamp: u64,
    pub latest_ack_timestamp: i64,
    pub checkpointed_size: u64,
    pub state_size: u64,
    pub end_to_end_duration: u64,
    pub alignment_buffered: u64,
    pub processed_data: u64,
    pub persisted_data: u64,
    pub num_subtasks: usize,
    pub num_acknowledged_subtasks: usize,
    pub checkpoint_type: &'static str,
    /// Per-vertex statistics: empty in the history, as in Flink's overview.
    pub tasks: NoTasks,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discarded: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_timestamp: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_message: Option<&'static str>,
    pub barrierscope: EntryFacts,
}

/// BarrierScope's additions to a history entry.
#[derive(Debug, Clone, Serialize)]
pub struct EntryFacts {
    /// The `CheckpointFailureReason` behind `failure_message`.
    pub failure_reason: Option<&'static str>,
    /// The longest alignment of any subtask (Flink shows it per subtask only).
    pub alignment_duration_max: u64,
}

/// Where a completed checkpoint or savepoint lives (the simulation's storage has no real path).
pub fn external_path(id: u64, savepoint: bool) -> String {
    if savepoint {
        format!("sim://savepoints/savepoint-{id}")
    } else {
        format!("sim://checkpoints/chk-{id}")
    }
}

/// A history row's `tasks`: always the empty object (no map type of its own in the bundle).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoTasks;

impl Serialize for NoTasks {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde::ser::SerializeMap::end(s.serialize_map(Some(0))?)
    }
}

impl HistoryEntry {
    fn new(e: &CheckpointStatsEntry, retained: &[u64]) -> HistoryEntry {
        let completed = e.status == CheckpointStatus::Completed;
        let failed = e.status == CheckpointStatus::Failed;
        HistoryEntry {
            class_name: match e.status {
                CheckpointStatus::Completed => "completed",
                CheckpointStatus::Failed => "failed",
                CheckpointStatus::InProgress => "in_progress",
            },
            id: e.id.0,
            status: e.status.name(),
            is_savepoint: e.is_savepoint,
            savepoint_format: e.is_savepoint.then_some("CANONICAL"),
            trigger_timestamp: e.trigger_timestamp.as_ms(),
            latest_ack_timestamp: e
                .latest_ack_timestamp
                .map(|t| t.as_ms() as i64)
                .unwrap_or(-1),
            checkpointed_size: e.state_size,
            state_size: e.state_size,
            end_to_end_duration: e.end_to_end_duration_us() / 1000,
            alignment_buffered: 0,
            processed_data: e.processed_data,
            persisted_data: e.persisted_data,
            num_subtasks: e.num_subtasks,
            num_acknowledged_subtasks: e.num_acknowledged_subtasks,
            checkpoint_type: e.checkpoint_type(),
            tasks: NoTasks,
            external_path: completed.then(|| external_path(e.id.0, e.is_savepoint)),
            discarded: completed.then(|| !e.is_savepoint && !retained.contains(&e.id.0)),
            failure_timestamp: e.failure_timestamp.filter(|_| failed).map(|t| t.as_ms()),
            failure_message: e.failure_reason.filter(|_| failed).map(|r| r.message()),
            barrierscope: EntryFacts {
                failure_reason: e.failure_reason.map(|r| r.name()),
                alignment_duration_max: e.alignment_duration_max / 1000,
            },
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RestartRow {
    pub at_ms: u64,
    pub cause: String,
    pub restored_checkpoint_id: Option<u64>,
}

impl Simulation {
    /// The report of the run so far.
    pub fn report(&self) -> Report {
        let s = self.stats();
        let retained: Vec<u64> = self
            .coordinator()
            .store
            .retained_ids()
            .iter()
            .map(|i| i.0)
            .collect();
        let entry = |id: Option<super::ids::CheckpointId>| {
            id.and_then(|id| s.get(id))
                .map(|e| HistoryEntry::new(e, &retained))
        };
        Report {
            counts: s.counts,
            summary: Summary {
                checkpointed_size: (&s.state_size).into(),
                state_size: (&s.state_size).into(),
                end_to_end_duration: (&s.end_to_end_duration).into(),
                alignment_buffered: (&StatsSummary::default()).into(),
                processed_data: (&s.processed_data).into(),
                persisted_data: (&s.persisted_data).into(),
            },
            latest: Latest {
                completed: entry(s.latest_completed),
                savepoint: entry(s.latest_savepoint),
                failed: entry(s.latest_failed),
                restored: s.latest_restored.map(|r| RestoredEntry {
                    id: r.id.0,
                    restore_timestamp: r.restore_timestamp.as_ms(),
                    is_savepoint: r.is_savepoint,
                    external_path: external_path(r.id.0, r.is_savepoint),
                }),
            },
            history: s
                .history()
                .iter()
                .rev()
                .map(|e| HistoryEntry::new(e, &retained))
                .collect(),
            barrierscope: RunFacts {
                scenario: self.scenario().name.clone(),
                seed: self.scenario().seed,
                end_ms: self.now().as_ms(),
                job_status: self.job().status.name(),
                retained,
                restarts: self
                    .job()
                    .restarts
                    .iter()
                    .map(|r| RestartRow {
                        at_ms: r.at.as_ms(),
                        cause: r.cause.clone(),
                        restored_checkpoint_id: r.restored_checkpoint_id.map(|i| i.0),
                    })
                    .collect(),
                trigger_failures: self.coordinator().trigger_failures.clone(),
                exactly_once: self.exactly_once(),
                invariant_violations: self.invariants().violations.clone(),
                vertices: self.vertex_figures(),
            },
        }
    }

    /// The report as pretty JSON (byte-identical for the same run).
    pub fn report_json(&self) -> String {
        serde_json::to_string_pretty(&self.report())
            .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
