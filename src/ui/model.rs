//! Plain Rust view models, tested natively: what a subtask shows ([`task_view`]), the CSS class
//! of a checkpoint status ([`status_class`]) and the packing of the timeline strip's bars into
//! lanes ([`lanes`]). The yew components only turn these into markup.

use super::format;
use crate::sim::channel::Record;
use crate::sim::ids::{SimTime, SubtaskId};
use crate::sim::scenario::CheckpointingMode;
use crate::sim::snapshot::{OperatorState, SubtaskSnapshot};
use crate::sim::stats::CheckpointStatus;
use crate::sim::task::TaskStatus;
use crate::sim::{LogKind, Simulation};

use super::run::StripEntry;

/// The CSS class of a checkpoint status (Flink's colours).
pub fn status_class(s: CheckpointStatus) -> &'static str {
    match s {
        CheckpointStatus::InProgress => "in-progress",
        CheckpointStatus::Completed => "completed",
        CheckpointStatus::Failed => "failed",
    }
}

/// Packs the strip's bars into at most 4 lanes: each bar goes into the first lane free at its
/// trigger time (the last lane takes the overflow).
pub fn lanes(entries: &[&StripEntry], end_of: &dyn Fn(&StripEntry) -> u64) -> Vec<usize> {
    let mut lane_end: Vec<u64> = Vec::new();
    entries
        .iter()
        .map(|e| {
            let start = e.trigger.0;
            let lane = lane_end
                .iter()
                .position(|&end| end <= start)
                .unwrap_or_else(|| {
                    lane_end.push(0);
                    lane_end.len() - 1
                });
            lane_end[lane] = end_of(e).max(start + 1);
            lane.min(3)
        })
        .collect()
}

/// What a subtask is doing, in the words of the `data-state` attribute.
pub struct TaskView {
    /// `running`, `aligning`, `snapshotting`, `failed` or `restoring`.
    pub state: &'static str,
    /// For `snapshotting`: `sync`, `async` or `channel-state`.
    pub phase: Option<&'static str>,
    /// A short line shown under the name.
    pub detail: String,
    /// One sentence for the tooltip.
    pub explain: String,
}

pub fn task_view(sim: &Simulation, t: SubtaskId) -> TaskView {
    task_view_with(sim, t, true)
}

/// [`task_view`]; `texts`: false leaves `detail` and `explain` empty (a production-size graph
/// draws the states only, and formatting a thousand subtasks' texts every frame costs).
pub fn task_view_with(sim: &Simulation, t: SubtaskId, texts: bool) -> TaskView {
    let text = |f: &dyn Fn() -> String| if texts { f() } else { String::new() };
    let task = &sim.tasks()[t.idx()];
    let g = sim.graph();
    let op = g.operator_of(t);
    let name = &g.subtasks[t.idx()].name;
    match task.status {
        TaskStatus::Failed => {
            return TaskView {
                state: "failed",
                phase: None,
                detail: text(&|| format!("FAILED · attempt {}", task.attempt.0)),
                explain: text(&|| {
                    format!("{name} failed (or was cancelled by the failover of its region); it is redeployed after the restart delay.")
                }),
            }
        }
        TaskStatus::Canceled => {
            return TaskView {
                state: "failed",
                phase: None,
                detail: text(&|| "CANCELED".into()),
                explain: text(&|| {
                    format!(
                        "{name} was cancelled: the job ran out of restart attempts and is FAILED."
                    )
                }),
            }
        }
        TaskStatus::Initializing => {
            let from = || {
                sim.coordinator()
                    .store
                    .latest()
                    .map(|c| format!("checkpoint {}", c.id))
                    .unwrap_or_else(|| "empty state".into())
            };
            return TaskView {
                state: "restoring",
                phase: None,
                detail: text(&|| format!("RESTORING · {}", from())),
                explain: text(&|| {
                    format!("{name} was redeployed and is reading its state from {} (sources rewind to its offsets; persisted in-flight data is replayed first).", from())
                }),
            };
        }
        TaskStatus::Running => {}
    }
    if let Some(id) = task.in_sync() {
        return TaskView {
            state: "snapshotting",
            phase: Some("sync"),
            detail: text(&|| format!("sync snapshot {id}")),
            explain: text(&|| {
                format!("{name} is in the synchronous part of its snapshot of checkpoint {id}: it copies its operator state and processes nothing meanwhile.")
            }),
        };
    }
    if let Some(a) = task.alignment() {
        let n = a.received.participants();
        if task.barriers.is_unaligned() {
            return TaskView {
                state: "snapshotting",
                phase: Some("channel-state"),
                detail: text(&|| format!("unaligned {} · {}/{n}", a.id, a.received.count())),
                explain: text(&|| {
                    format!("{name} took an unaligned snapshot of checkpoint {} at the first barrier; until the barriers of its other inputs arrive, what those inputs deliver is persisted as channel state (persisted_data).", a.id)
                }),
            };
        }
        let at_least_once = sim.mode() == CheckpointingMode::AtLeastOnce;
        return TaskView {
            state: "aligning",
            phase: None,
            detail: text(&|| format!("aligning {} · {}/{n}", a.id, a.received.count())),
            explain: text(&|| {
                if at_least_once {
                    format!("{name} has the barrier of checkpoint {} on {} of {n} inputs; in AT_LEAST_ONCE mode it blocks nothing and only counts barriers, so records after the barrier can enter the snapshot.", a.id, a.received.count())
                } else {
                    format!("{name} is aligning checkpoint {}: the inputs that delivered the barrier ({} of {n}) are blocked until it arrives on every input; the time from first to last barrier is the alignment duration.", a.id, a.received.count())
                }
            }),
        };
    }
    if let Some(p) = task.in_progress.first() {
        let phase = if p.awaiting.count() > 0 {
            "channel-state"
        } else {
            "async"
        };
        return TaskView {
            state: "snapshotting",
            phase: Some(phase),
            detail: text(&|| format!("async upload {}", p.id)),
            explain: text(&|| {
                format!("{name} is uploading its snapshot of checkpoint {} to checkpoint storage (the asynchronous part) while it keeps processing; it acknowledges when the upload is done.", p.id)
            }),
        };
    }
    let detail = text(&|| match &task.state {
        OperatorState::Source { offset } => format!("offset {offset}"),
        OperatorState::Keyed { count, .. } => format!(
            "{count} keys · {}",
            format::bytes(count.saturating_mul(op.state_bytes_per_key))
        ),
        OperatorState::Sink { open, pending } if pending.is_empty() => {
            format!("open txn: {} rec", open.len())
        }
        OperatorState::Sink { open, pending } => {
            format!("{} rec · {} pre-commit", open.len(), pending.len())
        }
        OperatorState::Map => format!("{} records", task.records_in),
    });
    TaskView {
        state: "running",
        phase: None,
        detail,
        explain: text(&|| format!("{name} is RUNNING and processing records.")),
    }
}

/// A restart waiting for its backoff: when the failed subtasks are redeployed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RestartBackoff {
    pub failed_at: SimTime,
    pub due: SimTime,
    pub delay_ms: u64,
    pub remaining_ms: u64,
    /// How much of the backoff has passed, 0 to 1.
    pub fraction: f64,
}

/// The restart in backoff, if any: the newest restart record not yet redeployed, with the delay
/// the failover logged ("... restart in N ms").
pub fn restart_backoff(sim: &Simulation) -> Option<RestartBackoff> {
    let r = sim.job().restarts.last()?;
    if r.restarted_at.is_some() {
        return None;
    }
    let delay_ms = sim
        .log_entries()
        .iter()
        .rev()
        .filter(|e| e.kind == LogKind::Failover && e.at == r.at)
        .find_map(|e| {
            let rest = e.text.split("restart in ").nth(1)?;
            rest.split(' ').next()?.parse::<u64>().ok()
        })?;
    let due = SimTime(r.at.0 + delay_ms * 1000);
    let now = sim.now();
    Some(RestartBackoff {
        failed_at: r.at,
        due,
        delay_ms,
        remaining_ms: due.0.saturating_sub(now.0).div_ceil(1000),
        fraction: (now.0.saturating_sub(r.at.0) as f64 / (delay_ms.max(1) * 1000) as f64).min(1.0),
    })
}

/// The records of channel `c` persisted as channel state by an unaligned checkpoint, with that
/// checkpoint's ID: the records its barrier overtook (or that arrived before its barrier on an
/// input still awaited). They are found in the consumer's snapshots in progress, in the
/// acknowledged snapshots of the pending checkpoints and in the latest completed checkpoint, so
/// they stay marked from the overtake through the checkpoint's completion for as long as they
/// still wait in the channel (an aborted checkpoint's marks go with it).
pub fn persisted_in_channel(sim: &Simulation, c: usize) -> Vec<(u64, Record)> {
    let g = sim.graph();
    let Some(info) = g.channels.get(c) else {
        return Vec::new();
    };
    let t = info.to;
    let Some(input) = g.subtasks[t.idx()]
        .inputs
        .iter()
        .position(|ch| ch.idx() == c)
        .map(|i| i as u32)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut take = |id: u64, snapshot: &SubtaskSnapshot| {
        for (i, records) in &snapshot.channel_state {
            if i.0 == input {
                out.extend(records.iter().map(|r| (id, *r)));
            }
        }
    };
    for p in &sim.tasks()[t.idx()].in_progress {
        take(p.id.0, &p.snapshot);
    }
    for p in sim.coordinator().pending.values() {
        for s in p.acks().iter().flatten() {
            if s.task == t {
                take(p.id.0, s);
            }
        }
    }
    if let Some(cp) = sim.coordinator().store.latest() {
        for s in cp.snapshots.iter().filter(|s| s.task == t) {
            take(cp.id.0, s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::ids::CheckpointId;
    use crate::sim::scenario::Scenario;

    fn bar(id: u64, from_ms: u64, to_ms: u64) -> StripEntry {
        StripEntry {
            id: CheckpointId(id),
            last_id: CheckpointId(id),
            trigger: SimTime::from_ms(from_ms),
            end: Some(SimTime::from_ms(to_ms)),
            status: CheckpointStatus::Completed,
            savepoint: false,
            failure_reason: None,
            end_to_end_us: (to_ms - from_ms) * 1000,
        }
    }

    #[test]
    fn overlapping_checkpoints_take_separate_lanes_and_lanes_are_reused() {
        let bars = [
            bar(1, 0, 100),
            bar(2, 50, 300),
            bar(3, 120, 200),
            bar(4, 310, 400),
        ];
        let refs: Vec<&StripEntry> = bars.iter().collect();
        let lane = lanes(&refs, &|e| e.end.map(|t| t.0).unwrap_or(0));
        assert_eq!(lane, vec![0, 1, 0, 0]);
    }

    #[test]
    fn the_restart_backoff_counts_down_to_the_redeploy() {
        let s = crate::ui::scenarios::find("task-crash")
            .unwrap()
            .parse()
            .unwrap();
        let mut sim = Simulation::new(s).unwrap();
        let mut seen = None;
        while sim.now() < SimTime::from_ms(6_000) && sim.step() {
            if let Some(b) = restart_backoff(&sim) {
                assert!(b.fraction <= 1.0 && b.due > b.failed_at);
                seen.get_or_insert(b);
            }
        }
        let b = seen.expect("task-crash restarts after a backoff");
        let r = &sim.job().restarts[0];
        assert_eq!(
            Some(b.due),
            r.restarted_at,
            "the countdown ends at the redeploy"
        );
    }

    #[test]
    fn statuses_map_to_flinks_colour_classes() {
        assert_eq!(status_class(CheckpointStatus::Completed), "completed");
        assert_eq!(status_class(CheckpointStatus::Failed), "failed");
        assert_eq!(status_class(CheckpointStatus::InProgress), "in-progress");
    }

    #[test]
    fn a_subtask_shows_its_state_aligning_snapshotting_and_failed() {
        let s = crate::ui::scenarios::find("task-crash")
            .unwrap()
            .parse()
            .unwrap();
        let mut sim = Simulation::new(Scenario { ..s }).unwrap();
        assert_eq!(task_view(&sim, SubtaskId(0)).state, "running");
        let mut seen = std::collections::BTreeSet::new();
        while sim.now() < SimTime::from_ms(5_000) && sim.step() {
            for t in 0..sim.graph().subtasks.len() {
                seen.insert(task_view(&sim, SubtaskId(t as u32)).state);
            }
        }
        for state in ["running", "snapshotting", "failed", "restoring"] {
            assert!(seen.contains(state), "{state} in {seen:?}");
        }
    }

    #[test]
    fn overtaken_records_stay_marked_persisted_until_their_checkpoint_completes() {
        let s = crate::ui::scenarios::find("backpressure-unaligned")
            .unwrap()
            .parse()
            .unwrap();
        let mut sim = Simulation::new(s).unwrap();
        let mut marked_after_ack = false;
        while sim.now() < SimTime::from_ms(8_000) && sim.step() {
            for c in 0..sim.graph().channels.len() {
                let persisted = persisted_in_channel(&sim, c);
                for (id, _) in &persisted {
                    // Pending checkpoints and the latest completed one are marked.
                    let id = crate::sim::ids::CheckpointId(*id);
                    let latest = sim.coordinator().store.latest().map(|cp| cp.id);
                    assert!(sim.coordinator().pending.contains_key(&id) || latest == Some(id));
                    let t = sim.graph().channels[c].to;
                    let acked =
                        latest == Some(id) || sim.coordinator().pending[&id].is_acknowledged_by(t);
                    if acked {
                        let queued = sim.channels()[c]
                            .queued_records()
                            .any(|r| persisted.iter().any(|(_, p)| p == r));
                        marked_after_ack |= queued;
                    }
                }
            }
        }
        assert!(
            marked_after_ack,
            "an overtaken record still queued after its consumer acknowledged stays marked"
        );
    }
}
