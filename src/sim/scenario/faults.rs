//! What a scenario schedules at `at_ms`: faults (something breaks: a task failure, a lost
//! acknowledgement, a failing snapshot, unreachable checkpoint storage, a JobManager failover)
//! and interventions (a user's action through Flink's REST API: trigger a checkpoint or a
//! savepoint), and their on-disk shape: a flat object in the file's `faults` list with a `kind`
//! and the fields that kind takes, checked field by field so that a wrong one is named.
//!
//! [`Fault`] is what breaks, [`Intervention`] a user's action; the engine's schedule holds
//! either ([`Scheduled`]), one list in one order. The file format keeps both in `faults`, so
//! every file written so far loads unchanged.

use serde::{Deserialize, Serialize};

/// A fault or an intervention (a user's action) scheduled or injected at `at_ms`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(into = "RawFault")]
pub struct FaultSpec {
    pub at_ms: u64,
    pub fault: Scheduled,
}

impl FaultSpec {
    pub fn new(at_ms: u64, what: impl Into<Scheduled>) -> FaultSpec {
        FaultSpec {
            at_ms,
            fault: what.into(),
        }
    }
}

/// What the engine's schedule holds: a fault, or a user's intervention.
#[derive(Debug, Clone, PartialEq)]
pub enum Scheduled {
    Fault(Fault),
    Intervention(Intervention),
}

/// What a fault does (something breaks). `task` is a subtask name `operator#index`.
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
    /// That subtask's acknowledgement of `checkpoint`, if it is in flight to the coordinator
    /// when the fault fires, is lost (the UI's click on an ack in flight).
    LoseAck { task: String, checkpoint: u64 },
    /// The subtask's next snapshot fails: in `snapshotState` (sync: a task failure) or while
    /// its state is written (async: a decline with `CHECKPOINT_ASYNC_EXCEPTION`).
    SnapshotFailure { task: String, phase: SnapshotPhase },
    /// State uploads and metadata writes fail for `duration_ms`.
    StorageOutage { duration_ms: u64 },
    /// The JobManager process dies: pending checkpoints are lost, completed ones survive.
    CoordinatorFailover,
}

/// A user's action, not a fault: what Flink's REST API asks of the `CheckpointCoordinator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intervention {
    /// `POST /jobs/:id/checkpoints` (`CheckpointCoordinator.triggerCheckpoint`, a manual
    /// checkpoint): queued after savepoints, before periodic requests.
    TriggerCheckpoint,
    /// `POST /jobs/:id/savepoints` (`CheckpointCoordinator.triggerSavepoint`): first in the
    /// queue, past `max_concurrent`, always aligned, never subsumed.
    TriggerSavepoint,
}

impl Intervention {
    /// The `kind` in the file.
    pub fn kind_name(self) -> &'static str {
        match self {
            Intervention::TriggerCheckpoint => "trigger_checkpoint",
            Intervention::TriggerSavepoint => "trigger_savepoint",
        }
    }
}

impl From<Intervention> for Scheduled {
    fn from(i: Intervention) -> Scheduled {
        Scheduled::Intervention(i)
    }
}

impl From<Fault> for Scheduled {
    fn from(f: Fault) -> Scheduled {
        Scheduled::Fault(f)
    }
}

impl Scheduled {
    /// The user's action this is, or `None` for a fault proper (something that breaks).
    pub fn intervention(&self) -> Option<Intervention> {
        match self {
            Scheduled::Intervention(i) => Some(*i),
            Scheduled::Fault(_) => None,
        }
    }

    /// True for a fault proper, false for an intervention.
    pub fn is_fault(&self) -> bool {
        self.intervention().is_none()
    }

    /// The fault proper, if this is one.
    pub fn as_fault(&self) -> Option<&Fault> {
        match self {
            Scheduled::Fault(f) => Some(f),
            Scheduled::Intervention(_) => None,
        }
    }

    /// The `kind` in the file.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Scheduled::Fault(f) => f.kind_name(),
            Scheduled::Intervention(i) => i.kind_name(),
        }
    }

    pub fn task(&self) -> Option<&str> {
        self.as_fault().and_then(Fault::task)
    }

    /// A short human label, e.g. `kill counter#1`, `trigger_savepoint`.
    pub fn label(&self) -> String {
        match self {
            Scheduled::Fault(f) => f.label(),
            Scheduled::Intervention(i) => i.kind_name().to_string(),
        }
    }
}

impl Fault {
    pub fn kind_name(&self) -> &'static str {
        match self {
            Fault::Kill { .. } => "kill",
            Fault::Slow { .. } => "slow",
            Fault::DropAck { .. } => "drop_ack",
            Fault::LoseAck { .. } => "lose_ack",
            Fault::SnapshotFailure { .. } => "snapshot_failure",
            Fault::StorageOutage { .. } => "storage_outage",
            Fault::CoordinatorFailover => "coordinator_failover",
        }
    }
    pub fn task(&self) -> Option<&str> {
        match self {
            Fault::Kill { task }
            | Fault::Slow { task, .. }
            | Fault::DropAck { task }
            | Fault::LoseAck { task, .. }
            | Fault::SnapshotFailure { task, .. } => Some(task),
            Fault::StorageOutage { .. } | Fault::CoordinatorFailover => None,
        }
    }
    /// A short human label, e.g. `kill counter#1`, `snapshot_failure (sync) counter#1`,
    /// `lose_ack (checkpoint 2) counter#1`.
    pub fn label(&self) -> String {
        let kind = match self {
            Fault::SnapshotFailure { phase, .. } => {
                format!("{} ({})", self.kind_name(), phase.name())
            }
            Fault::LoseAck { checkpoint, .. } => {
                format!("{} (checkpoint {checkpoint})", self.kind_name())
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

/// Read as a [`RawFault`], then checked by kind. The check runs inside the object's map visitor
/// (not after it, as `#[serde(try_from)]` would), so that serde_json places its error just after
/// the fault's `}`, and `json_path` names the fault (`faults[0]: ...`).
impl<'de> Deserialize<'de> for FaultSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Checked;
        impl<'de> serde::de::Visitor<'de> for Checked {
            type Value = FaultSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("struct RawFault")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<FaultSpec, A::Error> {
                let raw = RawFault::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                FaultSpec::try_from(raw).map_err(serde::de::Error::custom)
            }
        }
        d.deserialize_map(Checked)
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    checkpoint: Option<u64>,
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
        if r.kind != "lose_ack" {
            unexpected("checkpoint", r.checkpoint.is_some())?;
        }
        let fault = match r.kind.as_str() {
            "kill" | "drop_ack" => {
                unexpected("factor", r.factor.is_some())?;
                unexpected("duration_ms", r.duration_ms.is_some())?;
                let task = need_task(r.task)?;
                match r.kind.as_str() {
                    "kill" => Fault::Kill { task }.into(),
                    _ => Fault::DropAck { task }.into(),
                }
            }
            "lose_ack" => {
                unexpected("factor", r.factor.is_some())?;
                unexpected("duration_ms", r.duration_ms.is_some())?;
                let checkpoint = r
                    .checkpoint
                    .ok_or("fault kind `lose_ack` needs field `checkpoint`")?;
                Fault::LoseAck {
                    task: need_task(r.task)?,
                    checkpoint,
                }
                .into()
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
                .into()
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
            }
            .into(),
            "storage_outage" => {
                unexpected("task", r.task.is_some())?;
                unexpected("factor", r.factor.is_some())?;
                Fault::StorageOutage { duration_ms: need_duration(r.duration_ms)? }.into()
            }
            "coordinator_failover" | "trigger_checkpoint" | "trigger_savepoint" => {
                unexpected("task", r.task.is_some())?;
                unexpected("factor", r.factor.is_some())?;
                unexpected("duration_ms", r.duration_ms.is_some())?;
                match r.kind.as_str() {
                    "coordinator_failover" => Fault::CoordinatorFailover.into(),
                    "trigger_checkpoint" => Intervention::TriggerCheckpoint.into(),
                    _ => Intervention::TriggerSavepoint.into(),
                }
            }
            other => {
                return Err(format!(
                    "unknown fault kind `{other}` (expected kill, slow, drop_ack, lose_ack, snapshot_failure, storage_outage, coordinator_failover, trigger_checkpoint or trigger_savepoint)"
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
            checkpoint: None,
        };
        match f.fault {
            Scheduled::Fault(Fault::SnapshotFailure { phase, .. }) => {
                r.phase = Some(phase.name().to_string())
            }
            Scheduled::Fault(Fault::Slow {
                factor,
                duration_ms,
                ..
            }) => {
                r.factor = Some(factor);
                r.duration_ms = Some(duration_ms);
            }
            Scheduled::Fault(Fault::StorageOutage { duration_ms }) => {
                r.duration_ms = Some(duration_ms)
            }
            Scheduled::Fault(Fault::LoseAck { checkpoint, .. }) => r.checkpoint = Some(checkpoint),
            _ => {}
        }
        r
    }
}
