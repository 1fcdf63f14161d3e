//! What the panels ask of the app: a fault or manual action from a button, and the checkpoint
//! setting a form field edits. Plain data carried by the components' `Callback`s, so that no
//! panel needs to know the App or its messages.

/// A checkpoint setting of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigField {
    Interval,
    Mode,
    Timeout,
    MinPause,
    MaxConcurrent,
    TolerableFailed,
    Unaligned,
    AlignedTimeout,
    NumRetained,
}

/// A fault or manual action from a button.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Kill(String),
    Slow(String),
    DropAck(String),
    /// Lose the subtask's acknowledgement of a checkpoint, in flight (a click on its dot).
    LoseAck(String, u64),
    FailSnapshotSync(String),
    FailSnapshotAsync(String),
    StorageOutage,
    CoordinatorFailover,
    TriggerCheckpoint,
    TriggerSavepoint,
}
