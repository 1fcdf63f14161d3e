//! The scenario file (JSON, serde) and its validation. Field names and defaults are Flink's;
//! every rule that Flink enforces on a job or a checkpoint configuration is checked here, plus
//! limits that keep a run inside what a browser can hold. Errors name the field and the reason.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Flink's maximum parallelism (`2^15`).
pub const MAX_PARALLELISM: u32 = 32_768;
/// Most subtasks a run may have (what a browser tab can animate and hold).
pub const MAX_SUBTASKS: u64 = 20_000;
/// Most channels a run may have.
pub const MAX_CHANNELS: u64 = 250_000;
/// Longest run or span of simulated time accepted, in ms (about 31 years).
pub const MAX_TIME_MS: u64 = 1_000_000_000_000;
/// Flink rejects checkpoint intervals below this many ms.
pub const MIN_CHECKPOINT_INTERVAL_MS: u64 = 10;

/// A whole scenario: the job, Flink's checkpoint configuration, the environment and the faults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    /// One paragraph shown by the UI: what this scenario teaches.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default)]
    pub seed: u64,
    pub duration_ms: u64,
    pub job: JobSpec,
    #[serde(default)]
    pub checkpointing: CheckpointingSpec,
    #[serde(default)]
    pub network: NetworkSpec,
    #[serde(default)]
    pub storage: StorageSpec,
    /// Initial backoff of the exponential-delay restart strategy.
    #[serde(default = "default_restart_delay_ms")]
    pub restart_delay_ms: u64,
    /// Restarts before the job goes to FAILED; `null` (Flink's default) means unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_attempts: Option<u32>,
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    /// Optional narration: one sentence shown when the run reaches `at_ms`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub at_ms: u64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSpec {
    pub operators: Vec<OperatorSpec>,
    #[serde(default)]
    pub edges: Vec<EdgeSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatorKind {
    Source,
    Map,
    Keyed,
    Sink,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorSpec {
    pub name: String,
    pub kind: OperatorKind,
    #[serde(default = "one")]
    pub parallelism: u32,
    /// Sources only: records emitted per second by each subtask (its maximum rate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records_per_sec: Option<f64>,
    /// Sources only: how many distinct keys the records carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_space: Option<u32>,
    /// Processing time per record, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_ms: Option<f64>,
    /// Keyed only: state bytes per key seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_bytes_per_key: Option<u64>,
    /// Synchronous part of a snapshot (the task is paused), ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_sync_ms: Option<f64>,
    /// Asynchronous part of a snapshot (upload), ms, plus the state size over storage bandwidth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_async_ms: Option<f64>,
}

impl OperatorSpec {
    pub fn records_per_sec(&self) -> f64 {
        self.records_per_sec.unwrap_or(100.0)
    }
    pub fn key_space(&self) -> u32 {
        self.key_space.unwrap_or(128)
    }
    pub fn process_ms(&self) -> f64 {
        self.process_ms.unwrap_or(match self.kind {
            OperatorKind::Source => 0.0,
            _ => 0.1,
        })
    }
    pub fn state_bytes_per_key(&self) -> u64 {
        self.state_bytes_per_key.unwrap_or(256)
    }
    pub fn snapshot_sync_ms(&self) -> f64 {
        self.snapshot_sync_ms.unwrap_or(2.0)
    }
    pub fn snapshot_async_ms(&self) -> f64 {
        self.snapshot_async_ms.unwrap_or(20.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Partitioning {
    Forward,
    Hash,
    Rebalance,
    Broadcast,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EdgeSpec {
    pub from: String,
    pub to: String,
    #[serde(default = "default_partitioning")]
    pub partitioning: Partitioning,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckpointingMode {
    #[serde(rename = "EXACTLY_ONCE")]
    ExactlyOnce,
    #[serde(rename = "AT_LEAST_ONCE")]
    AtLeastOnce,
}

impl CheckpointingMode {
    pub fn name(self) -> &'static str {
        match self {
            CheckpointingMode::ExactlyOnce => "EXACTLY_ONCE",
            CheckpointingMode::AtLeastOnce => "AT_LEAST_ONCE",
        }
    }
}

/// Flink's checkpoint configuration with Flink's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointingSpec {
    /// `null`: checkpointing is off (Flink's default).
    #[serde(default)]
    pub interval_ms: Option<u64>,
    #[serde(default = "default_mode")]
    pub mode: CheckpointingMode,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    #[serde(default)]
    pub min_pause_ms: u64,
    #[serde(default = "one")]
    pub max_concurrent: u32,
    #[serde(default)]
    pub tolerable_failed: u32,
    #[serde(default)]
    pub unaligned: bool,
    #[serde(default)]
    pub aligned_timeout_ms: u64,
    #[serde(default = "one")]
    pub num_retained: u32,
}

impl Default for CheckpointingSpec {
    fn default() -> Self {
        CheckpointingSpec {
            interval_ms: None,
            mode: CheckpointingMode::ExactlyOnce,
            timeout_ms: default_timeout_ms(),
            min_pause_ms: 0,
            max_concurrent: 1,
            tolerable_failed: 0,
            unaligned: false,
            aligned_timeout_ms: 0,
            num_retained: 1,
        }
    }
}

impl CheckpointingSpec {
    /// The interval in force: Flink raises an interval below `min_pause` to `min_pause`.
    pub fn effective_interval_ms(&self) -> Option<u64> {
        self.interval_ms.map(|i| i.max(self.min_pause_ms))
    }
}

/// The network between subtasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// Time a buffer or event takes from producer to consumer, ms.
    #[serde(default = "default_latency_ms")]
    pub latency_ms: f64,
    /// Capacity of one channel in buffers (one record occupies one buffer here): a full channel
    /// blocks its producer, which is how backpressure arises.
    #[serde(default = "default_buffers")]
    pub buffers_per_channel: u32,
    /// Size of one record, bytes (for in-flight data and persisted channel state).
    #[serde(default = "default_record_bytes")]
    pub record_bytes: u64,
    /// One-way latency of an RPC between the JobManager and a TaskManager, ms.
    #[serde(default = "default_rpc_ms")]
    pub rpc_latency_ms: f64,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec {
            latency_ms: default_latency_ms(),
            buffers_per_channel: default_buffers(),
            record_bytes: default_record_bytes(),
            rpc_latency_ms: default_rpc_ms(),
        }
    }
}

/// Checkpoint storage (a DFS such as S3 or HDFS).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSpec {
    /// Latency of one write (a state upload or the checkpoint metadata), ms.
    #[serde(default = "default_write_ms")]
    pub write_ms: f64,
    /// Upload bandwidth per subtask, bytes per ms (adds `state_size / bandwidth` to async time).
    #[serde(default = "default_bandwidth")]
    pub bytes_per_ms: u64,
}

impl Default for StorageSpec {
    fn default() -> Self {
        StorageSpec {
            write_ms: default_write_ms(),
            bytes_per_ms: default_bandwidth(),
        }
    }
}

/// A fault (or a manual action) injected at `at_ms`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawFault", into = "RawFault")]
pub struct FaultSpec {
    pub at_ms: u64,
    pub fault: Fault,
}

/// What a fault does. `task` is a subtask name `operator#index`.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// The subtask's process dies: task failure, failover, restore.
    Kill { task: String },
    /// The subtask processes `factor` times slower for `duration_ms` (backpressure upstream).
    Slow {
        task: String,
        factor: f64,
        duration_ms: u64,
    },
    /// The next acknowledgement that subtask sends is lost on the way to the coordinator.
    DropAck { task: String },
    /// The subtask's next snapshot fails: in `snapshotState` (sync: a task failure) or while
    /// its state is written (async: a decline with `CHECKPOINT_ASYNC_EXCEPTION`).
    SnapshotFailure { task: String, phase: SnapshotPhase },
    /// State uploads and metadata writes fail for `duration_ms`.
    StorageOutage { duration_ms: u64 },
    /// The JobManager process dies: pending checkpoints are lost, completed ones survive.
    CoordinatorFailover,
    /// A manual checkpoint (like `POST /jobs/:id/checkpoints`).
    TriggerCheckpoint,
    /// A manual savepoint: always aligned, never subsumed.
    TriggerSavepoint,
}

impl Fault {
    pub fn kind_name(&self) -> &'static str {
        match self {
            Fault::Kill { .. } => "kill",
            Fault::Slow { .. } => "slow",
            Fault::DropAck { .. } => "drop_ack",
            Fault::SnapshotFailure { .. } => "snapshot_failure",
            Fault::StorageOutage { .. } => "storage_outage",
            Fault::CoordinatorFailover => "coordinator_failover",
            Fault::TriggerCheckpoint => "trigger_checkpoint",
            Fault::TriggerSavepoint => "trigger_savepoint",
        }
    }
    pub fn task(&self) -> Option<&str> {
        match self {
            Fault::Kill { task }
            | Fault::Slow { task, .. }
            | Fault::DropAck { task }
            | Fault::SnapshotFailure { task, .. } => Some(task),
            _ => None,
        }
    }
    /// A short human label, e.g. `kill counter#1`, `snapshot_failure (sync) counter#1`.
    pub fn label(&self) -> String {
        let kind = match self {
            Fault::SnapshotFailure { phase, .. } => {
                format!("{} ({})", self.kind_name(), phase.name())
            }
            _ => self.kind_name().to_string(),
        };
        match self.task() {
            Some(t) => format!("{kind} {t}"),
            None => kind,
        }
    }
}

/// The part of a subtask's snapshot that a `snapshot_failure` fault breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotPhase {
    /// `snapshotState`, on the task thread: an exception fails the task.
    Sync,
    /// The `AsyncCheckpointRunnable` writing the state: the subtask declines with
    /// `CHECKPOINT_ASYNC_EXCEPTION`.
    Async,
}

impl SnapshotPhase {
    pub fn name(self) -> &'static str {
        match self {
            SnapshotPhase::Sync => "sync",
            SnapshotPhase::Async => "async",
        }
    }
}

/// The on-disk shape of a fault: flat, with the fields a kind needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFault {
    at_ms: u64,
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    task: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    factor: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    duration_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    phase: Option<String>,
}

impl TryFrom<RawFault> for FaultSpec {
    type Error = String;
    fn try_from(r: RawFault) -> Result<Self, String> {
        let need_task = |t: Option<String>| {
            t.ok_or_else(|| format!("fault kind `{}` needs field `task`", r.kind))
        };
        let need_duration = |d: Option<u64>| {
            d.ok_or_else(|| format!("fault kind `{}` needs field `duration_ms`", r.kind))
        };
        let kind = r.kind.clone();
        let unexpected = |name: &str, present: bool| -> Result<(), String> {
            if present {
                Err(format!("fault kind `{kind}` does not take field `{name}`"))
            } else {
                Ok(())
            }
        };
        if r.kind != "snapshot_failure" {
            unexpected("phase", r.phase.is_some())?;
        }
        let fault = match r.kind.as_str() {
            "kill" | "drop_ack" => {
                unexpected("factor", r.factor.is_some())?;
                unexpected("duration_ms", r.duration_ms.is_some())?;
                let task = need_task(r.task)?;
                match r.kind.as_str() {
                    "kill" => Fault::Kill { task },
                    _ => Fault::DropAck { task },
                }
            }
            "snapshot_failure" => {
                unexpected("factor", r.factor.is_some())?;
                unexpected("duration_ms", r.duration_ms.is_some())?;
                let phase = match r.phase.as_deref() {
                    Some("sync") => SnapshotPhase::Sync,
                    Some("async") => SnapshotPhase::Async,
                    Some(other) => {
                        return Err(format!(
                            "fault kind `snapshot_failure`: unknown phase `{other}` (expected sync or async)"
                        ))
                    }
                    None => {
                        return Err(
                            "fault kind `snapshot_failure` needs field `phase` (sync or async)"
                                .into(),
                        )
                    }
                };
                Fault::SnapshotFailure {
                    task: need_task(r.task)?,
                    phase,
                }
            }
            "decline" => {
                return Err(
                    "fault kind `decline` was removed: Flink's user code cannot make a subtask decline; use {\"kind\": \"snapshot_failure\", \"task\": \"op#i\", \"phase\": \"sync\" or \"async\"} (sync fails the task, async declines with CHECKPOINT_ASYNC_EXCEPTION)".into(),
                )
            }
            "slow" => Fault::Slow {
                task: need_task(r.task)?,
                factor: r.factor.ok_or("fault kind `slow` needs field `factor`")?,
                duration_ms: need_duration(r.duration_ms)?,
            },
            "storage_outage" => {
                unexpected("task", r.task.is_some())?;
                unexpected("factor", r.factor.is_some())?;
                Fault::StorageOutage { duration_ms: need_duration(r.duration_ms)? }
            }
            "coordinator_failover" | "trigger_checkpoint" | "trigger_savepoint" => {
                unexpected("task", r.task.is_some())?;
                unexpected("factor", r.factor.is_some())?;
                unexpected("duration_ms", r.duration_ms.is_some())?;
                match r.kind.as_str() {
                    "coordinator_failover" => Fault::CoordinatorFailover,
                    "trigger_checkpoint" => Fault::TriggerCheckpoint,
                    _ => Fault::TriggerSavepoint,
                }
            }
            other => {
                return Err(format!(
                    "unknown fault kind `{other}` (expected kill, slow, drop_ack, snapshot_failure, storage_outage, coordinator_failover, trigger_checkpoint or trigger_savepoint)"
                ))
            }
        };
        Ok(FaultSpec {
            at_ms: r.at_ms,
            fault,
        })
    }
}

impl From<FaultSpec> for RawFault {
    fn from(f: FaultSpec) -> RawFault {
        let mut r = RawFault {
            at_ms: f.at_ms,
            kind: f.fault.kind_name().to_string(),
            task: f.fault.task().map(str::to_string),
            factor: None,
            duration_ms: None,
            phase: None,
        };
        match f.fault {
            Fault::SnapshotFailure { phase, .. } => r.phase = Some(phase.name().to_string()),
            Fault::Slow {
                factor,
                duration_ms,
                ..
            } => {
                r.factor = Some(factor);
                r.duration_ms = Some(duration_ms);
            }
            Fault::StorageOutage { duration_ms } => r.duration_ms = Some(duration_ms),
            _ => {}
        }
        r
    }
}

fn one() -> u32 {
    1
}
fn default_restart_delay_ms() -> u64 {
    1000
}
fn default_partitioning() -> Partitioning {
    Partitioning::Forward
}
fn default_mode() -> CheckpointingMode {
    CheckpointingMode::ExactlyOnce
}
fn default_timeout_ms() -> u64 {
    600_000
}
fn default_latency_ms() -> f64 {
    2.0
}
fn default_buffers() -> u32 {
    8
}
fn default_record_bytes() -> u64 {
    1024
}
fn default_rpc_ms() -> f64 {
    1.0
}
fn default_write_ms() -> f64 {
    5.0
}
fn default_bandwidth() -> u64 {
    100_000
}

/// Why a scenario was rejected. `field` is a path such as `job.operators[1].parallelism`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScenarioError {
    /// Not valid JSON, or the JSON does not have the scenario's shape.
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    /// Well-formed, but breaks one of Flink's rules or a limit.
    Invalid { field: String, reason: String },
}

impl ScenarioError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Json {
                line,
                column,
                message,
            } => {
                write!(
                    f,
                    "invalid scenario JSON at line {line}, column {column}: {message}"
                )
            }
            ScenarioError::Invalid { field, reason } => write!(f, "{field}: {reason}"),
        }
    }
}

impl std::error::Error for ScenarioError {}

impl Scenario {
    /// Parses and validates a scenario file.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = serde_json::from_str(text).map_err(|e| {
            let message = e.to_string();
            // serde_json appends " at line L column C"; keep the message itself.
            let message = match message.rfind(" at line ") {
                Some(i) => message[..i].to_string(),
                None => message,
            };
            ScenarioError::Json {
                line: e.line(),
                column: e.column(),
                message,
            }
        })?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Pretty JSON, the form the export button and the share link use.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Every rule, in the order a reader would check them; the first broken one is reported.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if self.name.trim().is_empty() {
            return Err(ScenarioError::invalid("name", "must not be empty"));
        }
        if self.duration_ms == 0 {
            return Err(ScenarioError::invalid("duration_ms", "must be > 0"));
        }
        check_time("duration_ms", self.duration_ms)?;
        check_time("restart_delay_ms", self.restart_delay_ms)?;
        self.validate_job()?;
        self.validate_checkpointing()?;
        self.validate_environment()?;
        self.validate_faults()?;
        for (i, s) in self.steps.iter().enumerate() {
            check_time(&format!("steps[{i}].at_ms"), s.at_ms)?;
        }
        Ok(())
    }

    fn validate_job(&self) -> Result<(), ScenarioError> {
        let ops = &self.job.operators;
        if ops.is_empty() {
            return Err(ScenarioError::invalid(
                "job.operators",
                "a job needs at least one operator",
            ));
        }
        let mut names = BTreeMap::new();
        let mut subtasks: u64 = 0;
        for (i, op) in ops.iter().enumerate() {
            let f = |name: &str| format!("job.operators[{i}].{name}");
            if op.name.trim().is_empty() {
                return Err(ScenarioError::invalid(f("name"), "must not be empty"));
            }
            if op.name.contains('#') {
                return Err(ScenarioError::invalid(
                    f("name"),
                    "must not contain `#` (subtasks are named operator#index)",
                ));
            }
            if names.insert(op.name.as_str(), i).is_some() {
                return Err(ScenarioError::invalid(
                    f("name"),
                    format!("operator name `{}` is used twice", op.name),
                ));
            }
            if op.parallelism == 0 {
                return Err(ScenarioError::invalid(f("parallelism"), "must be >= 1"));
            }
            if op.parallelism > MAX_PARALLELISM {
                return Err(ScenarioError::invalid(
                    f("parallelism"),
                    format!("must be <= {MAX_PARALLELISM} (Flink's maximum parallelism)"),
                ));
            }
            subtasks += op.parallelism as u64;
            let is_source = op.kind == OperatorKind::Source;
            if let Some(r) = op.records_per_sec {
                if !is_source {
                    return Err(ScenarioError::invalid(
                        f("records_per_sec"),
                        "only a source emits records",
                    ));
                }
                if !r.is_finite() || r <= 0.0 || r > 1_000_000.0 {
                    return Err(ScenarioError::invalid(
                        f("records_per_sec"),
                        "must be > 0 and <= 1000000",
                    ));
                }
            }
            if let Some(k) = op.key_space {
                if !is_source {
                    return Err(ScenarioError::invalid(
                        f("key_space"),
                        "only a source sets the key space",
                    ));
                }
                if k == 0 || k > 1_000_000 {
                    return Err(ScenarioError::invalid(
                        f("key_space"),
                        "must be between 1 and 1000000",
                    ));
                }
            }
            if op.state_bytes_per_key.is_some() && op.kind != OperatorKind::Keyed {
                return Err(ScenarioError::invalid(
                    f("state_bytes_per_key"),
                    "only a keyed operator has keyed state",
                ));
            }
            if let Some(b) = op.state_bytes_per_key {
                if b > 1 << 30 {
                    return Err(ScenarioError::invalid(
                        f("state_bytes_per_key"),
                        "must be <= 1073741824",
                    ));
                }
            }
            for (name, v) in [
                ("process_ms", op.process_ms),
                ("snapshot_sync_ms", op.snapshot_sync_ms),
                ("snapshot_async_ms", op.snapshot_async_ms),
            ] {
                if let Some(v) = v {
                    check_ms_f64(&f(name), v)?;
                }
            }
        }
        if subtasks > MAX_SUBTASKS {
            return Err(ScenarioError::invalid(
                "job.operators",
                format!("{subtasks} subtasks in all; at most {MAX_SUBTASKS} fit in one run"),
            ));
        }
        if !ops.iter().any(|o| o.kind == OperatorKind::Source) {
            return Err(ScenarioError::invalid(
                "job.operators",
                "a job needs at least one source",
            ));
        }
        let mut seen_edges = BTreeSet::new();
        let mut inputs = vec![0usize; ops.len()];
        let mut channels: u64 = 0;
        for (i, e) in self.job.edges.iter().enumerate() {
            let f = |name: &str| format!("job.edges[{i}].{name}");
            let from = *names.get(e.from.as_str()).ok_or_else(|| {
                ScenarioError::invalid(f("from"), format!("no operator named `{}`", e.from))
            })?;
            let to = *names.get(e.to.as_str()).ok_or_else(|| {
                ScenarioError::invalid(f("to"), format!("no operator named `{}`", e.to))
            })?;
            if from == to {
                return Err(ScenarioError::invalid(
                    f("to"),
                    "an edge cannot connect an operator to itself",
                ));
            }
            if !seen_edges.insert((from, to)) {
                return Err(ScenarioError::invalid(
                    f("to"),
                    format!("edge {} -> {} is given twice", e.from, e.to),
                ));
            }
            if ops[to].kind == OperatorKind::Source {
                return Err(ScenarioError::invalid(
                    f("to"),
                    format!("`{}` is a source: sources have no inputs", e.to),
                ));
            }
            if ops[from].kind == OperatorKind::Sink {
                return Err(ScenarioError::invalid(
                    f("from"),
                    format!("`{}` is a sink: sinks have no outputs", e.from),
                ));
            }
            let (pf, pt) = (ops[from].parallelism as u64, ops[to].parallelism as u64);
            if e.partitioning == Partitioning::Forward && pf != pt {
                return Err(ScenarioError::invalid(
                    f("partitioning"),
                    format!(
                        "forward needs equal parallelism, but {} has {pf} and {} has {pt}",
                        e.from, e.to
                    ),
                ));
            }
            channels += if e.partitioning == Partitioning::Forward {
                pf
            } else {
                pf * pt
            };
            inputs[to] += 1;
        }
        if channels > MAX_CHANNELS {
            return Err(ScenarioError::invalid(
                "job.edges",
                format!("{channels} channels in all; at most {MAX_CHANNELS} fit in one run"),
            ));
        }
        for (i, op) in ops.iter().enumerate() {
            if op.kind != OperatorKind::Source && inputs[i] == 0 {
                return Err(ScenarioError::invalid(
                    format!("job.operators[{i}]"),
                    format!(
                        "`{}` has no input edge: only sources may start the graph",
                        op.name
                    ),
                ));
            }
        }
        // A DAG: Kahn's algorithm must consume every operator.
        let mut indeg = inputs.clone();
        let mut ready: Vec<usize> = (0..ops.len()).filter(|&i| indeg[i] == 0).collect();
        let mut done = 0;
        while let Some(n) = ready.pop() {
            done += 1;
            for e in &self.job.edges {
                if names.get(e.from.as_str()) == Some(&n) {
                    let t = names[e.to.as_str()];
                    indeg[t] -= 1;
                    if indeg[t] == 0 {
                        ready.push(t);
                    }
                }
            }
        }
        if done != ops.len() {
            return Err(ScenarioError::invalid(
                "job.edges",
                "the edges form a cycle; a job graph must be a DAG",
            ));
        }
        Ok(())
    }

    fn validate_checkpointing(&self) -> Result<(), ScenarioError> {
        let c = &self.checkpointing;
        if let Some(i) = c.interval_ms {
            if i < MIN_CHECKPOINT_INTERVAL_MS {
                return Err(ScenarioError::invalid(
                    "checkpointing.interval_ms",
                    format!("must be >= {MIN_CHECKPOINT_INTERVAL_MS} ms (Flink's minimal checkpoint interval), or null to turn checkpointing off"),
                ));
            }
            check_time("checkpointing.interval_ms", i)?;
        }
        if c.timeout_ms == 0 {
            return Err(ScenarioError::invalid(
                "checkpointing.timeout_ms",
                "must be > 0",
            ));
        }
        check_time("checkpointing.timeout_ms", c.timeout_ms)?;
        check_time("checkpointing.min_pause_ms", c.min_pause_ms)?;
        check_time("checkpointing.aligned_timeout_ms", c.aligned_timeout_ms)?;
        if c.max_concurrent == 0 {
            return Err(ScenarioError::invalid(
                "checkpointing.max_concurrent",
                "must be >= 1",
            ));
        }
        if c.max_concurrent > 1000 {
            return Err(ScenarioError::invalid(
                "checkpointing.max_concurrent",
                "must be <= 1000",
            ));
        }
        if c.num_retained == 0 {
            return Err(ScenarioError::invalid(
                "checkpointing.num_retained",
                "must be >= 1",
            ));
        }
        if c.num_retained > 1000 {
            return Err(ScenarioError::invalid(
                "checkpointing.num_retained",
                "must be <= 1000",
            ));
        }
        if c.unaligned && c.mode != CheckpointingMode::ExactlyOnce {
            return Err(ScenarioError::invalid(
                "checkpointing.unaligned",
                "unaligned checkpoints are only supported with mode EXACTLY_ONCE",
            ));
        }
        if c.unaligned && c.max_concurrent != 1 {
            return Err(ScenarioError::invalid(
                "checkpointing.unaligned",
                "unaligned checkpoints are not supported with max_concurrent > 1",
            ));
        }
        Ok(())
    }

    fn validate_environment(&self) -> Result<(), ScenarioError> {
        check_ms_f64("network.latency_ms", self.network.latency_ms)?;
        check_ms_f64("network.rpc_latency_ms", self.network.rpc_latency_ms)?;
        if self.network.buffers_per_channel == 0 || self.network.buffers_per_channel > 100_000 {
            return Err(ScenarioError::invalid(
                "network.buffers_per_channel",
                "must be between 1 and 100000",
            ));
        }
        if self.network.record_bytes == 0 || self.network.record_bytes > 1 << 30 {
            return Err(ScenarioError::invalid(
                "network.record_bytes",
                "must be between 1 and 1073741824",
            ));
        }
        check_ms_f64("storage.write_ms", self.storage.write_ms)?;
        if self.storage.bytes_per_ms == 0 {
            return Err(ScenarioError::invalid(
                "storage.bytes_per_ms",
                "must be > 0",
            ));
        }
        Ok(())
    }

    fn validate_faults(&self) -> Result<(), ScenarioError> {
        for (i, f) in self.faults.iter().enumerate() {
            let field = |name: &str| format!("faults[{i}].{name}");
            if f.at_ms > self.duration_ms {
                return Err(ScenarioError::invalid(
                    field("at_ms"),
                    format!(
                        "{} is after the end of the run (duration_ms {})",
                        f.at_ms, self.duration_ms
                    ),
                ));
            }
            if let Some(task) = f.fault.task() {
                self.find_subtask(task)
                    .map_err(|reason| ScenarioError::invalid(field("task"), reason))?;
            }
            match &f.fault {
                Fault::Slow {
                    factor,
                    duration_ms,
                    ..
                } => {
                    if !factor.is_finite() || *factor <= 0.0 || *factor > 1_000_000.0 {
                        return Err(ScenarioError::invalid(
                            field("factor"),
                            "must be > 0 and <= 1000000",
                        ));
                    }
                    if *duration_ms == 0 {
                        return Err(ScenarioError::invalid(field("duration_ms"), "must be > 0"));
                    }
                    check_time(&field("duration_ms"), *duration_ms)?;
                }
                Fault::StorageOutage { duration_ms } => {
                    if *duration_ms == 0 {
                        return Err(ScenarioError::invalid(field("duration_ms"), "must be > 0"));
                    }
                    check_time(&field("duration_ms"), *duration_ms)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Resolves `operator#index` to (operator position, subtask index), or says why not.
    pub fn find_subtask(&self, name: &str) -> Result<(usize, u32), String> {
        let (op, idx) = name.rsplit_once('#').ok_or_else(|| {
            format!("`{name}` is not a subtask name (expected operator#index, e.g. map#0)")
        })?;
        let index: u32 = idx.parse().map_err(|_| {
            format!("`{name}`: `{idx}` is not a subtask index (a whole number from 0)")
        })?;
        let (pos, spec) = self
            .job
            .operators
            .iter()
            .enumerate()
            .find(|(_, o)| o.name == op)
            .ok_or_else(|| format!("`{name}`: no operator named `{op}`"))?;
        if index >= spec.parallelism {
            return Err(format!(
                "`{name}`: operator `{op}` has parallelism {}, so its subtasks are {op}#0 to {op}#{}",
                spec.parallelism,
                spec.parallelism - 1
            ));
        }
        Ok((pos, index))
    }
}

fn check_time(field: &str, ms: u64) -> Result<(), ScenarioError> {
    if ms > MAX_TIME_MS {
        return Err(ScenarioError::invalid(
            field,
            format!("must be <= {MAX_TIME_MS} ms"),
        ));
    }
    Ok(())
}

fn check_ms_f64(field: &str, ms: f64) -> Result<(), ScenarioError> {
    if !ms.is_finite() || ms < 0.0 {
        return Err(ScenarioError::invalid(
            field,
            "must be a finite number >= 0",
        ));
    }
    if ms > MAX_TIME_MS as f64 {
        return Err(ScenarioError::invalid(
            field,
            format!("must be <= {MAX_TIME_MS} ms"),
        ));
    }
    Ok(())
}
