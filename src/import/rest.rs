//! The bodies of Flink's REST endpoints that the import reads, recognised by their content, and
//! read from one parse of the text (a `serde_json::Value`) with the path of any field that has
//! the wrong type (`vertices[0].parallelism: invalid type: string "two", expected i64`). Only the
//! fields the import uses are read; Flink's other fields are ignored, and a missing or `null`
//! `Option` field is `None`.
//!
//! The bodies are what Flink's REST handlers write (`JobDetailsHandler`, `JobPlanHandler`,
//! `CheckpointConfigHandler`, `CheckpointingStatisticsHandler`, `CheckpointStatisticDetailsHandler`,
//! `TaskCheckpointStatisticDetailsHandler`, `AggregatingSubtasksMetricsHandler`,
//! `JobVertexBackPressureHandler`). Each body's reader is a few lines over [`Fields`], whose
//! leaves are serde's own deserializers of `f64`, `i64`, `u64`, `bool` and `String` from a
//! `Value` (serde's messages). A serde derive per body, with a second parse of the text, cost
//! 7.5 KB more of the gzipped browser bundle (docs/import.md).

use crate::sim::sorted::SortedMap;
use serde::de::{DeserializeOwned, Unexpected};
use serde_json::{Map, Value};

/// Largest body read, in bytes (a real job's bodies are kilobytes to a few megabytes).
pub const MAX_BODY_BYTES: usize = 64 << 20;

/// `GET /jobs/:id` (Flink 2.x includes the plan).
#[derive(Debug, Clone)]
pub struct JobBody {
    pub jid: String,
    pub name: Option<String>,
    pub duration: Option<f64>,
    pub now: Option<f64>,
    pub timestamps: Option<SortedMap<String, f64>>,
    pub vertices: Vec<JobVertex>,
    pub plan: Option<PlanInner>,
}

#[derive(Debug, Clone)]
pub struct JobVertex {
    pub id: String,
    pub name: Option<String>,
    pub parallelism: i64,
    pub duration: Option<f64>,
    pub metrics: Option<IoMetrics>,
}

/// A vertex's `metrics` in `GET /jobs/:id` (sums over its subtasks).
#[derive(Debug, Clone, Default)]
pub struct IoMetrics {
    pub read_records: Option<f64>,
    pub read_records_complete: Option<bool>,
    pub write_records: Option<f64>,
    pub write_records_complete: Option<bool>,
    pub write_bytes: Option<f64>,
    pub busy_ms: Option<f64>,
    pub backpressured_ms: Option<f64>,
}

/// `GET /jobs/:id/plan`.
#[derive(Debug, Clone)]
pub struct PlanBody {
    pub plan: PlanInner,
}

#[derive(Debug, Clone)]
pub struct PlanInner {
    pub jid: Option<String>,
    pub name: Option<String>,
    pub nodes: Vec<PlanNode>,
}

#[derive(Debug, Clone)]
pub struct PlanNode {
    pub id: String,
    pub parallelism: i64,
    pub description: Option<String>,
    pub inputs: Vec<PlanInput>,
}

#[derive(Debug, Clone)]
pub struct PlanInput {
    pub id: String,
    pub ship_strategy: Option<String>,
}

/// `GET /jobs/:id/checkpoints/config`.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
pub struct CheckpointsBody {
    pub counts: Counts,
    pub history: Vec<CheckpointEntry>,
}

#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub completed: Option<f64>,
    pub failed: Option<f64>,
}

/// A history entry of `GET /jobs/:id/checkpoints`, or `GET /jobs/:id/checkpoints/details/:cid`.
#[derive(Debug, Clone)]
pub struct CheckpointEntry {
    pub id: u64,
    pub status: String,
    pub is_savepoint: Option<bool>,
    pub end_to_end_duration: Option<f64>,
    pub tasks: SortedMap<String, TaskStats>,
}

/// One vertex's figures in a checkpoint.
#[derive(Debug, Clone, Default)]
pub struct TaskStats {
    pub latest_ack_timestamp: Option<f64>,
    pub state_size: Option<f64>,
    pub num_subtasks: Option<f64>,
}

/// `GET /jobs/:id/checkpoints/details/:cid/subtasks/:vid`: the body does not name its vertex.
#[derive(Debug, Clone)]
pub struct SubtaskDetailsBody {
    pub id: u64,
    pub latest_ack_timestamp: Option<f64>,
    pub state_size: Option<f64>,
    pub num_subtasks: Option<f64>,
    pub subtasks: Vec<SubtaskDetail>,
}

#[derive(Debug, Clone)]
pub struct SubtaskDetail {
    pub status: Option<String>,
    pub checkpoint: Option<SyncAsync>,
}

#[derive(Debug, Clone)]
pub struct SyncAsync {
    pub sync: f64,
    pub async_: f64,
}

/// One entry of `GET /jobs/:id/vertices/:vid/subtasks/metrics?get=...` (with `agg`, or
/// without it: `value`, a string).
#[derive(Debug, Clone)]
pub struct MetricEntry {
    pub id: String,
    pub avg: Option<f64>,
    pub sum: Option<f64>,
    pub value: Option<String>,
}

/// `GET /jobs/:id/vertices/:vid/backpressure`.
#[derive(Debug, Clone, Default)]
pub struct BackpressureBody {
    pub level: Option<String>,
    pub subtasks: Vec<BackpressureSubtask>,
}

#[derive(Debug, Clone, Default)]
pub struct BackpressureSubtask {
    pub ratio: Option<f64>,
}

/// The reference harness's `vertices.json`: `at_end.vertices.<name>` holds a vertex's `id` and
/// the body of its subtask metrics.
#[derive(Debug, Clone)]
pub struct HarnessVertices {
    pub at_end: HarnessAtEnd,
}

#[derive(Debug, Clone)]
pub struct HarnessAtEnd {
    pub vertices: SortedMap<String, HarnessVertex>,
}

#[derive(Debug, Clone)]
pub struct HarnessVertex {
    pub id: String,
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

/// What a value is, in serde's words (`integer `3``, `string "x"`, `sequence`, `map`).
fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (_, Some(i)) => Unexpected::Signed(i),
            _ => Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// `path: message`, or `message` for the whole body (`json_path`'s `.`).
fn located(path: &str, message: impl std::fmt::Display) -> String {
    if path.is_empty() {
        message.to_string()
    } else {
        format!("{path}: {message}")
    }
}

/// `path.key` (`key` at the top).
fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The members of the object at `path`.
struct Fields<'a> {
    map: &'a Map<String, Value>,
    path: &'a str,
}

impl<'a> Fields<'a> {
    fn of(v: &'a Value, path: &'a str) -> Result<Fields<'a>, String> {
        match v {
            Value::Object(map) => Ok(Fields { map, path }),
            other => Err(located(
                path,
                format_args!("invalid type: {}, expected an object", unexpected(other)),
            )),
        }
    }

    /// The member `key` as serde reads a `T`; `None` when it is missing or `null`.
    fn opt<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, String> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => T::deserialize(v)
                .map(Some)
                .map_err(|e| located(&join(self.path, key), e)),
        }
    }

    /// The member `key`, which must be there.
    fn req<T: DeserializeOwned>(&self, key: &str) -> Result<T, String> {
        self.opt(key)?.ok_or_else(|| self.missing(key))
    }

    /// The member `key` read by `read`, which must be there.
    fn need<T>(
        &self,
        key: &str,
        read: impl Fn(&Value, &str) -> Result<T, String>,
    ) -> Result<T, String> {
        self.with(key, read)?.ok_or_else(|| self.missing(key))
    }

    /// serde's message for a missing member, at this object's path.
    fn missing(&self, key: &str) -> String {
        located(self.path, format_args!("missing field `{key}`"))
    }

    /// The member `key` read by `read` (its value and its path), if there and not `null`.
    fn with<T>(
        &self,
        key: &str,
        read: impl Fn(&Value, &str) -> Result<T, String>,
    ) -> Result<Option<T>, String> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => read(v, &join(self.path, key)).map(Some),
        }
    }

    /// The array `key`, each item read by `read`; empty when missing or `null`.
    fn list<T>(
        &self,
        key: &str,
        read: impl Fn(&Value, &str) -> Result<T, String>,
    ) -> Result<Vec<T>, String> {
        Ok(self
            .with(key, |v, path| list(v, path, &read))?
            .unwrap_or_default())
    }

    /// The object `key` as a map of its members, each read by `read`; empty when missing or
    /// `null`.
    fn map_of<T>(
        &self,
        key: &str,
        read: impl Fn(&Value, &str) -> Result<T, String>,
    ) -> Result<SortedMap<String, T>, String> {
        Ok(self
            .with(key, |v, path| map_of(v, path, &read))?
            .unwrap_or_default())
    }
}

/// The object at `path` as a map of its members, each read by `read`.
fn map_of<T>(
    v: &Value,
    path: &str,
    read: impl Fn(&Value, &str) -> Result<T, String>,
) -> Result<SortedMap<String, T>, String> {
    let mut out = SortedMap::new();
    for (k, item) in Fields::of(v, path)?.map {
        out.insert(k.clone(), read(item, &join(path, k))?);
    }
    Ok(out)
}

/// The array at `path`, each item read by `read`.
fn list<T>(
    v: &Value,
    path: &str,
    read: impl Fn(&Value, &str) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    match v {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| read(item, &format!("{path}[{i}]")))
            .collect(),
        other => Err(located(
            path,
            format_args!("invalid type: {}, expected an array", unexpected(other)),
        )),
    }
}

fn leaf<T: DeserializeOwned>(v: &Value, path: &str) -> Result<T, String> {
    T::deserialize(v).map_err(|e| located(path, e))
}

fn job(v: &Value, path: &str) -> Result<JobBody, String> {
    let f = Fields::of(v, path)?;
    Ok(JobBody {
        jid: f.req("jid")?,
        name: f.opt("name")?,
        duration: f.opt("duration")?,
        now: f.opt("now")?,
        timestamps: f.with("timestamps", |v, path| map_of(v, path, leaf))?,
        vertices: f.need("vertices", |v, path| list(v, path, job_vertex))?,
        plan: f.with("plan", plan_inner)?,
    })
}

fn job_vertex(v: &Value, path: &str) -> Result<JobVertex, String> {
    let f = Fields::of(v, path)?;
    Ok(JobVertex {
        id: f.req("id")?,
        name: f.opt("name")?,
        parallelism: f.req("parallelism")?,
        duration: f.opt("duration")?,
        metrics: f.with("metrics", io_metrics)?,
    })
}

fn io_metrics(v: &Value, path: &str) -> Result<IoMetrics, String> {
    let f = Fields::of(v, path)?;
    Ok(IoMetrics {
        read_records: f.opt("read-records")?,
        read_records_complete: f.opt("read-records-complete")?,
        write_records: f.opt("write-records")?,
        write_records_complete: f.opt("write-records-complete")?,
        write_bytes: f.opt("write-bytes")?,
        busy_ms: f.opt("accumulated-busy-time")?,
        backpressured_ms: f.opt("accumulated-backpressured-time")?,
    })
}

fn plan_inner(v: &Value, path: &str) -> Result<PlanInner, String> {
    let f = Fields::of(v, path)?;
    Ok(PlanInner {
        jid: f.opt("jid")?,
        name: f.opt("name")?,
        nodes: f.need("nodes", |v, path| list(v, path, plan_node))?,
    })
}

fn plan_node(v: &Value, path: &str) -> Result<PlanNode, String> {
    let f = Fields::of(v, path)?;
    Ok(PlanNode {
        id: f.req("id")?,
        parallelism: f.req("parallelism")?,
        description: f.opt("description")?,
        inputs: f.list("inputs", |v, path| {
            let f = Fields::of(v, path)?;
            Ok(PlanInput {
                id: f.req("id")?,
                ship_strategy: f.opt("ship_strategy")?,
            })
        })?,
    })
}

fn config(v: &Value) -> Result<ConfigBody, String> {
    let f = Fields::of(v, "")?;
    Ok(ConfigBody {
        mode: f.req("mode")?,
        interval: f.req("interval")?,
        timeout: f.opt("timeout")?,
        min_pause: f.opt("min_pause")?,
        max_concurrent: f.opt("max_concurrent")?,
        unaligned_checkpoints: f.opt("unaligned_checkpoints")?,
        aligned_checkpoint_timeout: f.opt("aligned_checkpoint_timeout")?,
        tolerable_failed_checkpoints: f.opt("tolerable_failed_checkpoints")?,
    })
}

fn checkpoints(v: &Value) -> Result<CheckpointsBody, String> {
    let f = Fields::of(v, "")?;
    let counts = f.need("counts", |v, path| {
        let f = Fields::of(v, path)?;
        Ok(Counts {
            completed: f.opt("completed")?,
            failed: f.opt("failed")?,
        })
    })?;
    Ok(CheckpointsBody {
        counts,
        history: f.list("history", checkpoint_entry)?,
    })
}

fn checkpoint_entry(v: &Value, path: &str) -> Result<CheckpointEntry, String> {
    let f = Fields::of(v, path)?;
    Ok(CheckpointEntry {
        id: f.req("id")?,
        status: f.req("status")?,
        is_savepoint: f.opt("is_savepoint")?,
        end_to_end_duration: f.opt("end_to_end_duration")?,
        tasks: f.map_of("tasks", |v, path| {
            let f = Fields::of(v, path)?;
            Ok(TaskStats {
                latest_ack_timestamp: f.opt("latest_ack_timestamp")?,
                state_size: f.opt("state_size")?,
                num_subtasks: f.opt("num_subtasks")?,
            })
        })?,
    })
}

fn subtask_details(v: &Value) -> Result<SubtaskDetailsBody, String> {
    let f = Fields::of(v, "")?;
    Ok(SubtaskDetailsBody {
        id: f.req("id")?,
        latest_ack_timestamp: f.opt("latest_ack_timestamp")?,
        state_size: f.opt("state_size")?,
        num_subtasks: f.opt("num_subtasks")?,
        subtasks: f.list("subtasks", |v, path| {
            let f = Fields::of(v, path)?;
            Ok(SubtaskDetail {
                status: f.opt("status")?,
                checkpoint: f.with("checkpoint", |v, path| {
                    let f = Fields::of(v, path)?;
                    Ok(SyncAsync {
                        sync: f.req("sync")?,
                        async_: f.req("async")?,
                    })
                })?,
            })
        })?,
    })
}

fn metric_entry(v: &Value, path: &str) -> Result<MetricEntry, String> {
    let f = Fields::of(v, path)?;
    Ok(MetricEntry {
        id: f.req("id")?,
        avg: f.opt("avg")?,
        sum: f.opt("sum")?,
        value: f.opt("value")?,
    })
}

fn backpressure(v: &Value) -> Result<BackpressureBody, String> {
    let f = Fields::of(v, "")?;
    Ok(BackpressureBody {
        level: f.opt("backpressureLevel")?,
        subtasks: f.list("subtasks", |v, path| {
            Ok(BackpressureSubtask {
                ratio: Fields::of(v, path)?.opt("ratio")?,
            })
        })?,
    })
}

fn harness_vertices(v: &Value) -> Result<HarnessVertices, String> {
    let f = Fields::of(v, "")?;
    let vertices = f.need("at_end", |v, path| {
        Fields::of(v, path)?.need("vertices", |v, path| {
            map_of(v, path, |v, path| {
                let f = Fields::of(v, path)?;
                Ok(HarnessVertex {
                    id: f.req("id")?,
                    subtask_metrics: f.list("subtask_metrics", metric_entry)?,
                })
            })
        })
    })?;
    Ok(HarnessVertices {
        at_end: HarnessAtEnd { vertices },
    })
}

/// Recognises a body by its content and reads it. `Err` is a message naming the field
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
                Body::Metrics(list(&value, "", metric_entry)?)
            } else {
                Body::Unknown
            }
        }
        Value::Object(_) => {
            if has("jid") && has("vertices") {
                Body::Job(job(&value, "")?)
            } else if value.get("plan").is_some_and(|p| p.get("nodes").is_some()) {
                Body::Plan(PlanBody {
                    plan: Fields::of(&value, "")?.need("plan", plan_inner)?,
                })
            } else if has("mode") && has("interval") {
                Body::Config(config(&value)?)
            } else if has("counts") && has("history") {
                Body::Checkpoints(checkpoints(&value)?)
            } else if has("id") && has("tasks") && has("status") {
                Body::CheckpointDetails(checkpoint_entry(&value, "")?)
            } else if has("id") && has("subtasks") && has("num_subtasks") {
                Body::SubtaskDetails(subtask_details(&value)?)
            } else if has("backpressureLevel") || has("backpressure-level") {
                Body::Backpressure(backpressure(&value)?)
            } else if value.pointer("/at_end/vertices").is_some() {
                Body::HarnessVertices(harness_vertices(&value)?)
            } else {
                Body::Unknown
            }
        }
        _ => return Err("not a Flink REST body (expected a JSON object or array)".into()),
    };
    Ok(body)
}
