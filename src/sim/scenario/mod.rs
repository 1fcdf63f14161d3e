//! The scenario file: a Flink job, Flink's checkpoint configuration, the environment, the
//! faults and interventions, as JSON (serde). This module is the model; the rules live in
//! [`validate`] (the one validation path for files, share links, injected faults and live
//! settings) and the fault and intervention schedule in [`faults`]. See docs/scenario-format.md.
//!
//! Field names and defaults are Flink's wherever Flink has the setting: `checkpointing` is
//! Flink's `CheckpointConfig` (option keys `execution.checkpointing.interval`, `.mode`,
//! `.timeout`, `.min-pause`, `.max-concurrent-checkpoints`, `.tolerable-failed-checkpoints`,
//! `.unaligned.enabled`, `.aligned-checkpoint-timeout`, `.num-retained`), `restart_delay_ms` is
//! `restart-strategy.exponential-delay.initial-backoff`, and `restart_attempts` bounds the
//! restarts. Errors name the field: a JSON error by its path (`json_path`, from its position), a
//! validation error by the field the broken rule is about.

mod faults;
pub mod json_path;
mod unit_enum;
mod validate;

pub use faults::{Fault, FaultSpec, Intervention, Scheduled, SnapshotPhase};

use serde::{Deserialize, Serialize};
use std::fmt;

/// Flink's maximum parallelism (`2^15`).
pub const MAX_PARALLELISM: u32 = 32_768;
/// Most subtasks a run may have (what a browser tab can animate and hold).
pub const MAX_SUBTASKS: u64 = 20_000;
/// Most channels a run may have (a job of four vertices of parallelism 512 with two all-to-all
/// edges has 524,800: about 410 MB natively).
pub const MAX_CHANNELS: u64 = 600_000;
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
    /// Where an imported scenario's figures came from (`barrierscope-sim import`), one line
    /// per field: `FIELD <- SOURCE: how`, where SOURCE names the file and the Flink REST
    /// endpoint, or is `guess`. The simulation ignores it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calibration: Vec<String>,
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

/// The key space of a source that does not set one, at the least.
pub const DEFAULT_KEY_SPACE: u32 = 128;
/// Keys per subtask of the widest hash-partitioned operator, by default: enough that a hash
/// spreads a large job's load about evenly over its subtasks, as a production job's many keys
/// do (a subtask's share of `n` keys varies by about `1 / sqrt(n)`: 12% here).
pub const DEFAULT_KEYS_PER_SUBTASK: u32 = 64;
/// Most keys a source may carry (`key_space`).
pub const MAX_KEY_SPACE: u32 = 1_000_000;

/// The largest parallelism of an operator behind a hash edge of `edges` (0 without one), with
/// `parallelism` giving an operator's by its name.
pub fn widest_behind_hash(edges: &[EdgeSpec], parallelism: impl Fn(&str) -> Option<u32>) -> u32 {
    edges
        .iter()
        .filter(|e| e.partitioning == Partitioning::Hash)
        .filter_map(|e| parallelism(&e.to))
        .max()
        .unwrap_or(0)
}

/// The default key space of a job whose widest operator behind a hash edge has parallelism
/// `widest` (0 without hash edges): see [`JobSpec::default_key_space`].
pub fn default_key_space(widest: u32) -> u32 {
    widest
        .saturating_mul(DEFAULT_KEYS_PER_SUBTASK)
        .clamp(DEFAULT_KEY_SPACE, MAX_KEY_SPACE)
}

impl JobSpec {
    /// The key space of a source that does not set `key_space`: 128, or 64 keys per subtask of
    /// the widest operator behind a hash edge if that is more (a job of parallelism 2 has 128
    /// keys; one of parallelism 256, 16,384).
    pub fn default_key_space(&self) -> u32 {
        default_key_space(widest_behind_hash(&self.edges, |name| {
            self.operators
                .iter()
                .find(|o| o.name == name)
                .map(|o| o.parallelism)
        }))
    }

    /// The keys `op`'s records carry: a source's own `key_space` (or the default); any other
    /// operator sees the keys of every source (a keyed operator's state has room for all).
    pub fn key_space(&self, op: &OperatorSpec) -> u32 {
        let default = || self.default_key_space();
        match op.kind {
            OperatorKind::Source => op.key_space.unwrap_or_else(default),
            _ => self
                .operators
                .iter()
                .filter(|o| o.kind == OperatorKind::Source)
                .map(|o| o.key_space.unwrap_or_else(default))
                .max()
                .unwrap_or(DEFAULT_KEY_SPACE),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
    /// An operator with every optional field left to its default.
    pub fn new(name: impl Into<String>, kind: OperatorKind, parallelism: u32) -> OperatorSpec {
        OperatorSpec {
            name: name.into(),
            kind,
            parallelism,
            records_per_sec: None,
            key_space: None,
            process_ms: None,
            state_bytes_per_key: None,
            snapshot_sync_ms: None,
            snapshot_async_ms: None,
        }
    }
    pub fn records_per_sec(&self) -> f64 {
        self.records_per_sec.unwrap_or(100.0)
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

unit_enum::deserialize_as!(
    OperatorKind,
    ["source", "map", "keyed", "sink"],
    [Source, Map, Keyed, Sink]
);
unit_enum::deserialize_as!(
    Partitioning,
    ["forward", "hash", "rebalance", "broadcast"],
    [Forward, Hash, Rebalance, Broadcast]
);
unit_enum::deserialize_as!(
    CheckpointingMode,
    ["EXACTLY_ONCE", "AT_LEAST_ONCE"],
    [ExactlyOnce, AtLeastOnce]
);

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

/// The network between subtasks: Flink's network stack (see docs/model.md). Records are
/// serialized into buffers of `segment_size` bytes; a buffer is sent when it is full or when the
/// output flusher's `buffer_timeout_ms` runs out; a channel holds as many buffers as Flink 2.3's
/// credit-based flow control gives it (`crate::sim::network::ChannelBudget`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// Time a buffer or event takes from producer to consumer, ms.
    #[serde(default = "default_latency_ms")]
    pub latency_ms: f64,
    /// Removed: one record per buffer was the old model. Flink 2.x has no
    /// `taskmanager.network.memory.buffers-per-channel`; a file that still sets it is rejected
    /// with a message saying what to set instead.
    #[serde(default, skip_serializing)]
    pub buffers_per_channel: Option<u32>,
    /// Size of one record, bytes (in-flight data, persisted channel state, buffer filling).
    #[serde(default = "default_record_bytes")]
    pub record_bytes: u64,
    /// One-way latency of an RPC between the JobManager and a TaskManager, ms.
    #[serde(default = "default_rpc_ms")]
    pub rpc_latency_ms: f64,
    /// Flink's `taskmanager.memory.segment-size`: the size of one network buffer, bytes (a power
    /// of two, at least 4096; Flink's default 32 KiB).
    #[serde(default = "default_segment_size")]
    pub segment_size: u64,
    /// Flink's `execution.buffer-timeout.interval`: the output flusher sends a partly filled
    /// buffer after this long, ms (default 100; 0 sends after every record).
    #[serde(default = "default_buffer_timeout_ms")]
    pub buffer_timeout_ms: u64,
    /// Flink's `execution.buffer-timeout.enabled`: false sends a buffer only when it is full.
    #[serde(default = "yes")]
    pub buffer_timeout_enabled: bool,
    /// Flink's `taskmanager.network.memory.buffer-debloat.*`.
    #[serde(default)]
    pub buffer_debloat: BufferDebloatSpec,
    /// Every channel is a `LocalInputChannel` (producer and consumer in one TaskManager, as in
    /// Flink's MiniCluster): the consumer holds no buffers of its own, only the producer's output
    /// pool bounds the data in flight. False (the default): every channel is remote, with the
    /// consumer's exclusive and floating buffers (credit-based flow control).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub local_channels: bool,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec {
            latency_ms: default_latency_ms(),
            buffers_per_channel: None,
            record_bytes: default_record_bytes(),
            rpc_latency_ms: default_rpc_ms(),
            segment_size: default_segment_size(),
            buffer_timeout_ms: default_buffer_timeout_ms(),
            buffer_timeout_enabled: true,
            buffer_debloat: BufferDebloatSpec::default(),
            local_channels: false,
        }
    }
}

/// Flink's buffer debloating (`taskmanager.network.memory.buffer-debloat.*`): every `period_ms`
/// each input gate sizes its buffers so that the data in flight takes about `target_ms` to
/// process at the throughput it measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BufferDebloatSpec {
    /// `taskmanager.network.memory.buffer-debloat.enabled` (default false).
    #[serde(default)]
    pub enabled: bool,
    /// `taskmanager.network.memory.buffer-debloat.target`, ms (default 1000).
    #[serde(default = "default_debloat_target_ms")]
    pub target_ms: u64,
    /// `taskmanager.network.memory.buffer-debloat.period`, ms (default 200).
    #[serde(default = "default_debloat_period_ms")]
    pub period_ms: u64,
    /// `taskmanager.network.memory.buffer-debloat.samples` (default 20).
    #[serde(default = "default_debloat_samples")]
    pub samples: u32,
    /// `taskmanager.network.memory.buffer-debloat.threshold-percentages` (default 25).
    #[serde(default = "default_debloat_threshold")]
    pub threshold_percentages: u32,
}

impl Default for BufferDebloatSpec {
    fn default() -> Self {
        BufferDebloatSpec {
            enabled: false,
            target_ms: default_debloat_target_ms(),
            period_ms: default_debloat_period_ms(),
            samples: default_debloat_samples(),
            threshold_percentages: default_debloat_threshold(),
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
fn default_segment_size() -> u64 {
    32 * 1024
}
fn default_buffer_timeout_ms() -> u64 {
    100
}
fn yes() -> bool {
    true
}
fn default_debloat_target_ms() -> u64 {
    1000
}
fn default_debloat_period_ms() -> u64 {
    200
}
fn default_debloat_samples() -> u32 {
    20
}
fn default_debloat_threshold() -> u32 {
    25
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
    // Not inlined: the validation rules call it about fifty times, and each inlined copy pasted
    // two string allocations into `validate` (browser bundle size).
    #[inline(never)]
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
    /// Parses and validates a scenario file: the path of files, share links and the runner.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = parse_json(text)?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Pretty JSON, the form the export button and the share link use.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Parses JSON into `T`, or a [`ScenarioError::Json`] with the line and column and, for an
/// error about the data (a wrong type, an unknown or missing field, a malformed fault), the
/// path of the field it is about, as `checkpointing.interval_ms: invalid type: string "fast",
/// expected u64` ([`json_path`], from the error's position). Syntax errors are about the text, so they carry no path.
pub fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ScenarioError> {
    serde_json::from_str(text).map_err(|e| {
        let path = json_path::at(text, e.line(), e.column());
        json_error(e, &path)
    })
}

fn json_error(e: serde_json::Error, path: &str) -> ScenarioError {
    let message = e.to_string();
    // serde_json appends " at line L column C"; keep the message itself.
    let message = match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    };
    let message = match e.classify() {
        serde_json::error::Category::Data if path != "." && !path.is_empty() => {
            format!("{path}: {message}")
        }
        _ => message,
    };
    ScenarioError::Json {
        line: e.line(),
        column: e.column(),
        message,
    }
}
