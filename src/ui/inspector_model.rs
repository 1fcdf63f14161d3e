//! The view model of the subtask inspector: what it shows of the selected subtask (its
//! operator state, records, backpressure, armed faults, alignment per input channel, snapshots
//! in progress and the last snapshot), as plain strings and numbers built from the
//! simulation's read-only view. The `Inspector` component renders it; pure Rust, tested natively.

use super::format::{bytes, dur_us};
use super::model::task_view;
use crate::sim::ids::{InputIndex, SubtaskId};
use crate::sim::scenario::{CheckpointingMode, SnapshotPhase};
use crate::sim::snapshot::OperatorState;
use crate::sim::task::SnapshotStage;
use crate::sim::Simulation;

/// One `<dt>`/`<dd>` pair; `testid` is the `data-testid` of the value, if it has one.
#[derive(Clone, Debug, PartialEq)]
pub struct Fact {
    pub label: &'static str,
    pub testid: Option<&'static str>,
    pub value: String,
}

fn fact(label: &'static str, testid: Option<&'static str>, value: String) -> Fact {
    Fact {
        label,
        testid,
        value,
    }
}

/// One input channel of the subtask.
#[derive(Clone, Debug, PartialEq)]
pub struct InputRow {
    pub from: String,
    /// `received`, `waiting` or `—` (not aligning).
    pub barrier: &'static str,
    pub queued: String,
    /// `BLOCKED`, `full` or `open`.
    pub status: &'static str,
    pub blocked: bool,
}

/// What the inspector shows of one subtask.
#[derive(Clone, Debug, PartialEq)]
pub struct InspectorView {
    pub id: SubtaskId,
    pub name: String,
    /// The `data-state` word (`running`, `aligning`, …).
    pub state: &'static str,
    pub attempt: u32,
    pub explain: String,
    pub facts: Vec<Fact>,
    pub inputs: Vec<InputRow>,
    /// The last snapshot: its checkpoint and one line of its metrics.
    pub last_snapshot: Option<(u64, String)>,
}

impl InspectorView {
    /// The inspector of subtask `t`; None if the job has no such subtask.
    pub fn of(sim: &Simulation, t: SubtaskId) -> Option<Self> {
        let g = sim.graph();
        let info = g.subtasks.get(t.idx())?;
        let task = &sim.tasks()[t.idx()];
        let op = g.operator_of(t);
        let v = task_view(sim, t);
        let record_bytes = sim.scenario().network.record_bytes;
        let mut facts = match &task.state {
            OperatorState::Source { offset } => vec![fact(
                "Source offset",
                Some("inspector-offset"),
                format!(
                    "{offset} (the next record to read; restored from a checkpoint, it rewinds)"
                ),
            )],
            OperatorState::Keyed { count, .. } => vec![fact(
                "Keyed state",
                Some("inspector-state-size"),
                format!(
                    "{count} keys · {}",
                    bytes(task.state.size_bytes(op.state_bytes_per_key, record_bytes))
                ),
            )],
            OperatorState::Sink { open, pending } => vec![
                fact(
                    "Open transaction",
                    None,
                    format!(
                        "{} records (not visible downstream until committed)",
                        open.len()
                    ),
                ),
                fact(
                    "Pre-committed",
                    Some("inspector-pending-txns"),
                    if pending.is_empty() {
                        "none".to_string()
                    } else {
                        pending
                            .iter()
                            .map(|(id, r)| format!("txn {id}: {} rec", r.len()))
                            .collect::<Vec<_>>()
                            .join(" · ")
                    },
                ),
                fact(
                    "Committed",
                    None,
                    sim.external()
                        .committed_up_to
                        .get(&t)
                        .map_or_else(|| "nothing yet".into(), |c| format!("up to txn {c}")),
                ),
            ],
            OperatorState::Map => vec![fact("State", None, "stateless".into())],
        };
        facts.push(fact(
            "Records",
            None,
            format!(
                "in {} · out {} · waiting output {}",
                task.records_in,
                task.records_out,
                task.pending_output.len()
            ),
        ));
        let bp = if task.backpressured {
            "backpressured: an output channel is full"
        } else {
            "no"
        };
        facts.push(fact("Backpressure", None, bp.into()));
        if task.slow_milli != 1000 {
            let slower = format!("{}× slower", super::format::milli(task.slow_milli));
            facts.push(fact("Slowed", None, slower));
        }
        if task.drop_next_ack {
            let armed = "the next acknowledgement will be lost";
            facts.push(fact("Armed", None, armed.into()));
        }
        if let Some(phase) = task.fail_next_snapshot {
            let armed = match phase {
                SnapshotPhase::Sync => "the next snapshot fails in snapshotState (a task failure)",
                SnapshotPhase::Async => "the next snapshot fails while its state is written (CHECKPOINT_ASYNC_EXCEPTION)",
            };
            facts.push(fact("Armed", None, armed.into()));
        }
        let alignment = match task.alignment() {
            Some(a) => {
                let mode = if task.barriers.is_unaligned() {
                    "unaligned"
                } else if sim.mode() == CheckpointingMode::AtLeastOnce {
                    "at-least-once (not blocking)"
                } else {
                    "aligned"
                };
                format!(
                    "checkpoint {} · {mode} · first barrier at {} ms · {}/{} barriers",
                    a.id,
                    a.first_barrier_at.as_ms(),
                    a.received.count(),
                    a.received.participants()
                )
            }
            None => "not aligning".into(),
        };
        facts.push(fact("Alignment", None, alignment));
        if !task.in_progress.is_empty() {
            let snapshots = task.in_progress.iter().map(|p| {
                let what = if matches!(p.phase, SnapshotStage::Sync { .. }) {
                    "sync".to_string()
                } else if !p.is_uploaded() {
                    "async upload".to_string()
                } else {
                    format!("awaiting {} inputs' channel state", p.awaiting.count())
                };
                format!("{}: {what}", p.id)
            });
            facts.push(fact(
                "Snapshots",
                None,
                snapshots.collect::<Vec<_>>().join(" · "),
            ));
        }
        let inputs = info
            .inputs
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let ch = &sim.channels()[c.idx()];
                let got = task
                    .alignment()
                    .map(|a| a.received.contains(InputIndex(i as u32)));
                InputRow {
                    from: format!("from {}", g.subtasks[g.channels[c.idx()].from.idx()].name),
                    barrier: match got {
                        Some(true) => "received",
                        Some(false) => "waiting",
                        None => "—",
                    },
                    queued: format!("{}/{}", ch.buffers_in_use(), ch.capacity),
                    status: if ch.blocked {
                        "BLOCKED"
                    } else if ch.is_full() {
                        "full"
                    } else {
                        "open"
                    },
                    blocked: ch.blocked,
                }
            })
            .collect();
        let last_snapshot = task.last_snapshot.as_ref().map(|(id, m)| {
            let line = format!(
                "sync {} · async {} · alignment {} · start delay {} · {} · state {} · persisted {}",
                dur_us(m.sync_duration.0),
                dur_us(m.async_duration.0),
                dur_us(m.alignment_duration.0),
                dur_us(m.start_delay.0),
                if m.unaligned_checkpoint {
                    "unaligned"
                } else {
                    "aligned"
                },
                bytes(m.state_size),
                bytes(m.persisted_data)
            );
            (id.0, line)
        });
        Some(InspectorView {
            id: t,
            name: info.name.clone(),
            state: v.state,
            attempt: task.attempt.0,
            explain: v.explain,
            facts,
            inputs,
            last_snapshot,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::scenarios;

    #[test]
    fn inspector_of_a_source_shows_its_offset_and_no_inputs() {
        let sim = scenarios::shipped_run_at("happy-path", 500);
        let src = sim.graph().sources[0];
        let v = InspectorView::of(&sim, src).expect("the source exists");
        assert!(v.inputs.is_empty());
        assert_eq!(v.facts[0].testid, Some("inspector-offset"));
        assert!(v.facts.iter().any(|f| f.label == "Alignment"));
        assert!(InspectorView::of(&sim, SubtaskId(10_000)).is_none());
    }

    #[test]
    fn inspector_of_a_downstream_subtask_lists_its_input_channels() {
        let sim = scenarios::shipped_run_at("happy-path", 0);
        let last = SubtaskId((sim.graph().subtasks.len() - 1) as u32);
        let v = InspectorView::of(&sim, last).unwrap();
        assert!(!v.inputs.is_empty());
        assert!(v
            .inputs
            .iter()
            .all(|r| r.barrier == "—" && r.status == "open"));
    }
}
