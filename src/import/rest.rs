//! The bodies of Flink's REST endpoints that the import reads, recognised by their content, and
//! parsed with the path of any field that has the wrong type (`json_path`). Only the
//! fields the import uses are declared; Flink's other fields are ignored, and a missing
//! `Option` field is `None`.

use crate::sim::scenario::json_path;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Largest body read, in bytes (a real job's bodies are kilobytes to a few megabytes).
pub const MAX_BODY_BYTES: usize = 64 << 20;

/// `GET /jobs/:id` (Flink 2.x includes the plan).
#[derive(Debug, Clone, Deserialize)]
pub struct JobBody {
    pub jid: String,
    pub name: Option<String>,
    pub duration: Option<f64>,
    pub now: Option<f64>,
    pub timestamps: Option<BTreeMap<String, f64>>,
    pub vertices: Vec<JobVertex>,
    pub plan: Option<PlanInner>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct JobVertex {
    pub id: String,
    pub name: Option<String>,
    pub parallelism: i64,
    pub duration: Option<f64>,
    pub metrics: Option<IoMetrics>,
}

/// A vertex's `metrics` in `GET /jobs/:id` (sums over its subtasks).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct IoMetrics {
    #[serde(rename = "read-records")]
    pub read_records: Option<f64>,
    #[serde(rename = "read-records-complete")]
    pub read_records_complete: Option<bool>,
    #[serde(rename = "write-records")]
    pub write_records: Option<f64>,
    #[serde(rename = "write-records-complete")]
    pub write_records_complete: Option<bool>,
    #[serde(rename = "write-bytes")]
    pub write_bytes: Option<f64>,
    #[serde(rename = "accumulated-busy-time")]
    pub busy_ms: Option<f64>,
    #[serde(rename = "accumulated-backpressured-time")]
    pub backpressured_ms: Option<f64>,
}

/// `GET /jobs/:id/plan`.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanBody {
    pub plan: PlanInner,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PlanInner {
    pub jid: Option<String>,
    pub name: Option<String>,
    pub nodes: Vec<PlanNode>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PlanNode {
    pub id: String,
    pub parallelism: i64,
    pub description: Option<String>,
    #[serde(default)]
    pub inputs: Vec<PlanInput>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PlanInput {
    pub id: String,
    pub ship_strategy: Option<String>,
}

/// `GET /jobs/:id/checkpoints/config`.
#[derive(Debug, Clone, Deserialize)]
pub struct ConfigBody {
    pub mode: String,
    pub interval: i64,
    pub timeout: Option<i64>,
    pub min_pause: Option<i64>,
    pub max_concurrent: Option<i64>,
    pub unaligned_checkpoints: Option<bool>,
    pub aligned_checkpoint_timeout: Option<i64>,
    pub tolerable_failed_checkpoints: Option<i64>,
}

/// `GET /jobs/:id/checkpoints`.
#[derive(Debug, Clone, Deserialize)]
pub struct CheckpointsBody {
    pub counts: Counts,
    #[serde(default)]
    pub history: Vec<CheckpointEntry>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Counts {
    pub completed: Option<f64>,
    pub failed: Option<f64>,
}

/// A history entry of `GET /jobs/:id/checkpoints`, or `GET /jobs/:id/checkpoints/details/:cid`.
#[derive(Debug, Clone, Deserialize)]
pub struct CheckpointEntry {
    pub id: u64,
    pub status: String,
    pub is_savepoint: Option<bool>,
    pub end_to_end_duration: Option<f64>,
    #[serde(default)]
    pub tasks: BTreeMap<String, TaskStats>,
}

/// One vertex's figures in a checkpoint.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TaskStats {
    pub latest_ack_timestamp: Option<f64>,
    pub state_size: Option<f64>,
    pub num_subtasks: Option<f64>,
}

/// `GET /jobs/:id/checkpoints/details/:cid/subtasks/:vid`: the body does not name its vertex.
#[derive(Debug, Clone, Deserialize)]
pub struct SubtaskDetailsBody {
    pub id: u64,
    pub latest_ack_timestamp: Option<f64>,
    pub state_size: Option<f64>,
    pub num_subtasks: Option<f64>,
    #[serde(default)]
    pub subtasks: Vec<SubtaskDetail>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SubtaskDetail {
    pub status: Option<String>,
    pub checkpoint: Option<SyncAsync>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SyncAsync {
    pub sync: f64,
    #[serde(rename = "async")]
    pub async_: f64,
}

/// One entry of `GET /jobs/:id/vertices/:vid/subtasks/metrics?get=...` (with `agg`, or
/// without it: `value`, a string).
#[derive(Debug, Clone, Deserialize)]
pub struct MetricEntry {
    pub id: String,
    pub avg: Option<f64>,
    pub sum: Option<f64>,
    pub value: Option<String>,
}

/// `GET /jobs/:id/vertices/:vid/backpressure`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BackpressureBody {
    #[serde(rename = "backpressureLevel")]
    pub level: Option<String>,
    pub subtasks: Vec<BackpressureSubtask>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BackpressureSubtask {
    pub ratio: Option<f64>,
}

/// The reference harness's `vertices.json`: `at_end.vertices.<name>` holds a vertex's `id` and
/// the body of its subtask metrics.
#[derive(Debug, Clone, Deserialize)]
pub struct HarnessVertices {
    pub at_end: HarnessAtEnd,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HarnessAtEnd {
    pub vertices: BTreeMap<String, HarnessVertex>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HarnessVertex {
    pub id: String,
    #[serde(default)]
    pub subtask_metrics: Vec<MetricEntry>,
}

/// What a body is.
#[derive(Debug, Clone)]
pub enum Body {
    Job(JobBody),
    Plan(PlanBody),
    Config(ConfigBody),
    Checkpoints(CheckpointsBody),
    CheckpointDetails(CheckpointEntry),
    SubtaskDetails(SubtaskDetailsBody),
    Metrics(Vec<MetricEntry>),
    Backpressure(BackpressureBody),
    HarnessVertices(HarnessVertices),
    /// Well-formed JSON of no endpoint the import reads (ignored with a warning).
    Unknown,
}

impl Body {
    /// The endpoint, as a user would name it.
    pub fn endpoint(&self) -> &'static str {
        match self {
            Body::Job(_) => "GET /jobs/:id",
            Body::Plan(_) => "GET /jobs/:id/plan",
            Body::Config(_) => "GET /jobs/:id/checkpoints/config",
            Body::Checkpoints(_) => "GET /jobs/:id/checkpoints",
            Body::CheckpointDetails(_) => "GET /jobs/:id/checkpoints/details/:cid",
            Body::SubtaskDetails(_) => "GET /jobs/:id/checkpoints/details/:cid/subtasks/:vid",
            Body::Metrics(_) => "GET /jobs/:id/vertices/:vid/subtasks/metrics",
            Body::Backpressure(_) => "GET /jobs/:id/vertices/:vid/backpressure",
            Body::HarnessVertices(_) => "vertex metrics (reference harness vertices.json)",
            Body::Unknown => "unknown",
        }
    }
}

/// The body parsed as `T`; an error names the field (`vertices[0].parallelism: ...`), found from
/// the error's position in the text (see [`json_path`]).
fn typed<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| {
        let path = json_path::at(text, e.line(), e.column());
        let inner = e.to_string();
        // serde_json appends " at line L column C"; the path says where.
        let inner = match inner.rfind(" at line ") {
            Some(i) => inner[..i].to_string(),
            None => inner,
        };
        if path == "." {
            inner
        } else {
            format!("{path}: {inner}")
        }
    })
}

/// Recognises a body by its content and parses it. `Err` is a message naming the field
/// (`vertices[0].parallelism: invalid type: ...`), without the file's name.
pub fn parse(text: &str) -> Result<Body, String> {
    if text.len() > MAX_BODY_BYTES {
        return Err(format!(
            "{} bytes; a Flink REST body is at most {} MiB here",
            text.len(),
            MAX_BODY_BYTES >> 20
        ));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let has = |k: &str| value.get(k).is_some();
    let body = match &value {
        Value::Array(items) => {
            if items.iter().all(|i| i.get("id").is_some()) {
                Body::Metrics(typed(text)?)
            } else {
                Body::Unknown
            }
        }
        Value::Object(_) => {
            if has("jid") && has("vertices") {
                Body::Job(typed(text)?)
            } else if value.get("plan").is_some_and(|p| p.get("nodes").is_some()) {
                Body::Plan(typed(text)?)
            } else if has("mode") && has("interval") {
                Body::Config(typed(text)?)
            } else if has("counts") && has("history") {
                Body::Checkpoints(typed(text)?)
            } else if has("id") && has("tasks") && has("status") {
                Body::CheckpointDetails(typed(text)?)
            } else if has("id") && has("subtasks") && has("num_subtasks") {
                Body::SubtaskDetails(typed(text)?)
            } else if has("backpressureLevel") || has("backpressure-level") {
                Body::Backpressure(typed(text)?)
            } else if value.pointer("/at_end/vertices").is_some() {
                Body::HarnessVertices(typed(text)?)
            } else {
                Body::Unknown
            }
        }
        _ => return Err("not a Flink REST body (expected a JSON object or array)".into()),
    };
    Ok(body)
}
