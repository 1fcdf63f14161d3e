//! Newtype identifiers and simulated time. Simulated time is an integer count of
//! microseconds so that no result depends on floating point or on the platform.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Simulated time in microseconds since the start of the run.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct SimTime(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub fn from_ms(ms: u64) -> SimTime {
        SimTime(ms.saturating_mul(1000))
    }
    /// Whole milliseconds (rounded down), the unit of every figure Flink reports.
    pub fn as_ms(self) -> u64 {
        self.0 / 1000
    }
    pub fn plus(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
    /// `self - earlier`, zero if `earlier` is later.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ms", self.as_ms())
    }
}

/// A span of simulated time in microseconds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct SimDuration(pub u64);

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);
    pub fn from_ms(ms: u64) -> SimDuration {
        SimDuration(ms.saturating_mul(1000))
    }
    /// Milliseconds given as a (validated, finite, non-negative) float, rounded to microseconds.
    pub fn from_ms_f64(ms: f64) -> SimDuration {
        if ms.is_finite() && ms > 0.0 {
            SimDuration((ms * 1000.0).round() as u64)
        } else {
            SimDuration(0)
        }
    }
    pub fn as_ms(self) -> u64 {
        self.0 / 1000
    }
    pub fn scaled(self, factor_milli: u64) -> SimDuration {
        SimDuration(self.0.saturating_mul(factor_milli) / 1000)
    }
}

/// A checkpoint (or savepoint) ID from the coordinator's counter; starts at 1, never repeats.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct CheckpointId(pub u64);

impl fmt::Display for CheckpointId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Index of a subtask in the execution graph (all operators' subtasks, in operator order).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct SubtaskId(pub u32);

impl SubtaskId {
    pub fn idx(self) -> usize {
        self.0 as usize
    }
}

/// Index of an operator (job vertex) in the scenario's operator list.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct OperatorId(pub u32);

impl OperatorId {
    pub fn idx(self) -> usize {
        self.0 as usize
    }
}

/// Index of a channel (one producer subtask to one consumer subtask).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct ChannelId(pub u32);

impl ChannelId {
    pub fn idx(self) -> usize {
        self.0 as usize
    }
}

/// The position of an input channel among its consumer subtask's inputs (Flink's input
/// channel index within the subtask's input gates): what a barrier handler, an input gate and
/// persisted channel state are keyed by.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct InputIndex(pub u32);

impl InputIndex {
    pub fn idx(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for InputIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An execution attempt of a subtask: bumped at every restart, so that messages meant for a
/// previous attempt (a late trigger, a stale timer) are recognised and dropped.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Attempt(pub u32);

/// A fencing token: a timer, a message or a restart carries the token current when it was
/// issued, and is ignored if the token has moved on since (Flink fences a JobManager's leader
/// session and its timers the same way). One type for every "is this still meant?" check.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct FencingToken(pub u64);

impl FencingToken {
    /// Moves the token on (everything issued under the old one is now stale) and returns it.
    pub fn advance(&mut self) -> FencingToken {
        self.0 += 1;
        *self
    }
}
