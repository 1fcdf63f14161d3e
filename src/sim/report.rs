//! The native runner's JSON report, with the field names of Flink's REST API
//! (`GET /jobs/:id/checkpoints`). All times are whole milliseconds of simulated time.

use super::invariants::ExactlyOnceFigures;
use super::stats::{CheckpointStatsEntry, Counts, StatsSummary};
use super::Simulation;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: String,
    pub seed: u64,
    pub end_ms: u64,
    pub job_status: &'static str,
    pub counts: Counts,
    pub latest: Latest,
    pub summary: Summary,
    pub history: Vec<HistoryRow>,
    pub retained: Vec<u64>,
    pub restarts: Vec<RestartRow>,
    pub exactly_once: ExactlyOnceFigures,
    pub invariant_violations: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Latest {
    pub completed: Option<u64>,
    pub savepoint: Option<u64>,
    pub failed: Option<u64>,
    pub restored: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MinMaxAvg {
    pub min: u64,
    pub max: u64,
    pub avg: u64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
}

impl From<&StatsSummary> for MinMaxAvg {
    fn from(s: &StatsSummary) -> Self {
        MinMaxAvg {
            min: s.min,
            max: s.max,
            avg: s.avg(),
            p50: s.percentile(50),
            p90: s.percentile(90),
            p99: s.percentile(99),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub end_to_end_duration: MinMaxAvg,
    pub state_size: MinMaxAvg,
    pub checkpointed_size: MinMaxAvg,
    pub persisted_data: MinMaxAvg,
    pub processed_data: MinMaxAvg,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryRow {
    pub id: u64,
    pub status: &'static str,
    pub checkpoint_type: &'static str,
    pub is_savepoint: bool,
    pub trigger_timestamp: u64,
    pub latest_ack_timestamp: Option<u64>,
    pub end_to_end_duration: u64,
    pub num_subtasks: usize,
    pub num_acknowledged_subtasks: usize,
    pub state_size: u64,
    pub checkpointed_size: u64,
    pub persisted_data: u64,
    pub processed_data: u64,
    pub alignment_duration_max: u64,
    pub failure_timestamp: Option<u64>,
    pub failure_reason: Option<&'static str>,
}

impl From<&CheckpointStatsEntry> for HistoryRow {
    fn from(e: &CheckpointStatsEntry) -> Self {
        HistoryRow {
            id: e.id.0,
            status: e.status.name(),
            checkpoint_type: e.checkpoint_type(),
            is_savepoint: e.is_savepoint,
            trigger_timestamp: e.trigger_timestamp.as_ms(),
            latest_ack_timestamp: e.latest_ack_timestamp.map(|t| t.as_ms()),
            end_to_end_duration: e.end_to_end_duration_us() / 1000,
            num_subtasks: e.num_subtasks,
            num_acknowledged_subtasks: e.num_acknowledged_subtasks,
            state_size: e.state_size,
            checkpointed_size: e.state_size,
            persisted_data: e.persisted_data,
            processed_data: e.processed_data,
            alignment_duration_max: e.alignment_duration_max / 1000,
            failure_timestamp: e.failure_timestamp.map(|t| t.as_ms()),
            failure_reason: e.failure_reason.map(|r| r.name()),
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
        Report {
            scenario: self.scenario().name.clone(),
            seed: self.scenario().seed,
            end_ms: self.now().as_ms(),
            job_status: self.job().status.name(),
            counts: s.counts,
            latest: Latest {
                completed: s.latest_completed.map(|i| i.0),
                savepoint: s.latest_savepoint.map(|i| i.0),
                failed: s.latest_failed.map(|i| i.0),
                restored: s.latest_restored.map(|r| r.id.0),
            },
            summary: Summary {
                end_to_end_duration: (&s.end_to_end_duration).into(),
                state_size: (&s.state_size).into(),
                checkpointed_size: (&s.state_size).into(),
                persisted_data: (&s.persisted_data).into(),
                processed_data: (&s.processed_data).into(),
            },
            history: s.history().iter().map(HistoryRow::from).collect(),
            retained: self
                .coordinator()
                .store
                .retained_ids()
                .iter()
                .map(|i| i.0)
                .collect(),
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
            exactly_once: self.exactly_once(),
            invariant_violations: self.invariants().violations.clone(),
        }
    }

    /// The report as pretty JSON (byte-identical for the same run).
    pub fn report_json(&self) -> String {
        serde_json::to_string_pretty(&self.report())
            .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
