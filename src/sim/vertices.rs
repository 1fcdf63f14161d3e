//! Per-vertex figures, as Flink's `GET /jobs/:id` lists them for each job vertex (`metrics`:
//! `read-records`, `write-records`, `read-bytes`, `write-bytes`, `accumulated-busy-time`,
//! `accumulated-backpressured-time`) and as the vertex metrics `busyTimeMsPerSecond` and
//! `backPressuredTimeMsPerSecond` name them. Here they add up over the whole run, across
//! restarts, and the per-second figures are averages over the time the subtasks were RUNNING, so
//! that a user can see whether the job moves what its sources were asked to emit, or why not.

use super::scenario::OperatorKind;
use super::Simulation;
use serde::Serialize;

/// `vertices[].metrics` of `GET /jobs/:id`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct VertexIo {
    #[serde(rename = "read-bytes")]
    pub read_bytes: u64,
    #[serde(rename = "write-bytes")]
    pub write_bytes: u64,
    #[serde(rename = "read-records")]
    pub read_records: u64,
    #[serde(rename = "write-records")]
    pub write_records: u64,
    /// ms, summed over the vertex's subtasks.
    #[serde(rename = "accumulated-busy-time")]
    pub accumulated_busy_time: u64,
    /// ms, summed over the vertex's subtasks.
    #[serde(rename = "accumulated-backpressured-time")]
    pub accumulated_backpressured_time: u64,
}

/// One job vertex.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VertexFigures {
    pub name: String,
    pub parallelism: u32,
    pub metrics: VertexIo,
    /// The subtasks' average share of their RUNNING time spent processing, ms per second.
    #[serde(rename = "busyTimeMsPerSecond")]
    pub busy_time_ms_per_second: u64,
    /// The subtasks' average share of their RUNNING time spent waiting for an output buffer,
    /// ms per second.
    #[serde(rename = "backPressuredTimeMsPerSecond")]
    pub back_pressured_time_ms_per_second: u64,
    /// Records written per second of RUNNING (all subtasks; replays after a restore included).
    #[serde(rename = "numRecordsOutPerSecond")]
    pub num_records_out_per_second: f64,
    /// Sources: records per second the scenario asks the vertex to emit (all subtasks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asked_records_per_second: Option<f64>,
}

impl Simulation {
    /// Every job vertex's figures at the current time.
    pub fn vertex_figures(&self) -> Vec<VertexFigures> {
        let elapsed_us = self.now.0.max(1);
        self.graph
            .operators
            .iter()
            .zip(&self.scenario.job.operators)
            .map(|(op, spec)| {
                let first = op.first_subtask.idx();
                let tasks = &self.tasks[first..first + op.parallelism as usize];
                let mut io = VertexIo::default();
                let (mut busy_us, mut bp_us, mut running_us) = (0u64, 0u64, 0u64);
                for t in tasks {
                    io.read_bytes += t.bytes_in;
                    io.write_bytes += t.bytes_out;
                    io.read_records += t.records_in;
                    io.write_records += t.records_out;
                    busy_us += t.busy_us.min(elapsed_us);
                    bp_us += t.backpressured_us + t.backpressured_for(self.now);
                    running_us += t.running_total(self.now);
                }
                io.accumulated_busy_time = busy_us / 1000;
                io.accumulated_backpressured_time = bp_us / 1000;
                // Rates are per second of RUNNING (a restarting job moves nothing): as Flink's
                // gauges, which a user reads while the job runs.
                let running_us = running_us.max(1);
                let per_second = |us: u64| us * 1000 / running_us;
                let subtask_s = running_us as f64 / 1e6 / op.parallelism.max(1) as f64;
                VertexFigures {
                    name: op.name.clone(),
                    parallelism: op.parallelism,
                    metrics: io,
                    busy_time_ms_per_second: per_second(busy_us).min(1000),
                    back_pressured_time_ms_per_second: per_second(bp_us).min(1000),
                    num_records_out_per_second: io.write_records as f64 / subtask_s.max(1e-9),
                    asked_records_per_second: (op.kind == OperatorKind::Source)
                        .then(|| spec.records_per_sec() * op.parallelism as f64),
                }
            })
            .collect()
    }
}
