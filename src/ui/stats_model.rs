//! The view model of the Checkpoints tab (Flink's checkpoint statistics): the history rows
//! shown (without their per-subtask figures), the latest completed / failed / savepoint /
//! restore, the summary, and the expanded row's per-subtask details as that checkpoint
//! finished. Built from the simulation's read-only view; pure Rust, tested natively.

use crate::sim::ids::CheckpointId;
use crate::sim::stats::{CheckpointStatsEntry, CheckpointStatus, RestoredInfo, StatsSummary};
use crate::sim::Simulation;
use std::rc::Rc;

/// Rows rendered before "show all", in a box that scrolls after about ten (Flink's
/// `web.checkpoints.history` default is 10 rows; a few more stay reachable here).
pub const HISTORY_ROWS: usize = 30;

/// A history entry without its per-subtask figures (a row, or a "latest" line).
fn row(e: &CheckpointStatsEntry) -> CheckpointStatsEntry {
    CheckpointStatsEntry {
        id: e.id,
        status: e.status,
        is_savepoint: e.is_savepoint,
        unaligned: e.unaligned,
        trigger_timestamp: e.trigger_timestamp,
        latest_ack_timestamp: e.latest_ack_timestamp,
        completion_timestamp: e.completion_timestamp,
        failure_timestamp: e.failure_timestamp,
        failure_reason: e.failure_reason,
        num_subtasks: e.num_subtasks,
        num_acknowledged_subtasks: e.num_acknowledged_subtasks,
        state_size: e.state_size,
        persisted_data: e.persisted_data,
        processed_data: e.processed_data,
        alignment_duration_max: e.alignment_duration_max,
        sync_duration_max: e.sync_duration_max,
        async_duration_max: e.async_duration_max,
        start_delay_max: e.start_delay_max,
        subtasks: None,
    }
}

/// One line of the summary table: min, avg, max and p99 (None: nothing completed yet).
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryLine {
    pub name: &'static str,
    /// The REST API's field.
    pub field: &'static str,
    /// Sizes in bytes (else durations in ms).
    pub bytes: bool,
    pub figures: Option<[u64; 4]>,
}

fn summary_line(
    name: &'static str,
    field: &'static str,
    bytes: bool,
    s: &StatsSummary,
) -> SummaryLine {
    SummaryLine {
        name,
        field,
        bytes,
        figures: (s.count > 0).then(|| [s.min, s.avg(), s.max, s.percentile(99)]),
    }
}

/// The expanded row's per-subtask details.
#[derive(Clone, Debug, PartialEq)]
pub struct DetailsView {
    /// The checkpoint as it finished if the run has seen it finish, else as it is now.
    pub entry: Rc<CheckpointStatsEntry>,
    /// `COMPLETED at 695 ms`, `pending at 300 ms`, …
    pub as_of: String,
    /// The subtasks' names, by subtask index.
    pub names: Rc<[String]>,
    /// How many newest checkpoints keep their per-subtask figures.
    pub detail_limit: usize,
}

/// What the Checkpoints tab shows.
#[derive(Clone, Debug, PartialEq)]
pub struct StatsView {
    /// Newest first.
    pub rows: Vec<CheckpointStatsEntry>,
    /// Entries in the history (rows shown or not).
    pub total: usize,
    pub show_all: bool,
    pub checkpointing_off: bool,
    pub selected: Option<u64>,
    pub details: Option<DetailsView>,
    /// Latest completed / failed / savepoint: the entry if still in the history, else its ID.
    pub latest_completed: (Option<u64>, Option<CheckpointStatsEntry>),
    pub latest_failed: (Option<u64>, Option<CheckpointStatsEntry>),
    pub latest_savepoint: (Option<u64>, Option<CheckpointStatsEntry>),
    pub latest_restored: Option<RestoredInfo>,
    pub summary: [SummaryLine; 3],
}

impl StatsView {
    /// `selected`: the expanded row; `finished`: that checkpoint as the run last saw it
    /// finished (its details stay after "show in animation" jumps back to its trigger).
    pub fn of(
        sim: &Simulation,
        show_all: bool,
        selected: Option<u64>,
        finished: Option<&Rc<CheckpointStatsEntry>>,
    ) -> Self {
        let stats = sim.stats();
        let history = stats.history();
        let take = if show_all { usize::MAX } else { HISTORY_ROWS };
        let latest =
            |id: Option<CheckpointId>| (id.map(|i| i.0), id.and_then(|i| stats.get(i)).map(row));
        let details = selected
            .and_then(|id| stats.get(CheckpointId(id)))
            .map(|now| {
                let entry = match finished {
                    Some(f) if f.id == now.id && f.subtasks.is_some() => f.clone(),
                    _ => Rc::new(now.clone()),
                };
                let as_of = match (
                    entry.status,
                    entry.completion_timestamp.or(entry.failure_timestamp),
                ) {
                    (CheckpointStatus::InProgress, _) | (_, None) => {
                        format!("pending at {} ms", sim.now().as_ms())
                    }
                    (s, Some(t)) => format!("{} at {} ms", s.name(), t.as_ms()),
                };
                DetailsView {
                    entry,
                    as_of,
                    names: sim
                        .graph()
                        .subtasks
                        .iter()
                        .map(|t| t.name.clone())
                        .collect(),
                    detail_limit: stats.detail_limit(),
                }
            });
        StatsView {
            rows: history.iter().rev().take(take).map(row).collect(),
            total: history.len(),
            show_all,
            checkpointing_off: sim.coordinator().config.interval_ms.is_none(),
            selected,
            details,
            latest_completed: latest(stats.latest_completed),
            latest_failed: latest(stats.latest_failed),
            latest_savepoint: latest(stats.latest_savepoint),
            latest_restored: stats.latest_restored,
            summary: [
                summary_line(
                    "End to end duration",
                    "summary.end_to_end_duration",
                    false,
                    &stats.end_to_end_duration,
                ),
                summary_line(
                    "Checkpointed data size",
                    "summary.state_size / checkpointed_size",
                    true,
                    &stats.state_size,
                ),
                summary_line(
                    "Persisted data",
                    "summary.persisted_data",
                    true,
                    &stats.persisted_data,
                ),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::scenarios;

    #[test]
    fn rows_are_newest_first_and_carry_no_per_subtask_figures() {
        let sim = scenarios::shipped_run_at("happy-path", 5000);
        let v = StatsView::of(&sim, false, None, None);
        assert!(!v.rows.is_empty());
        assert!(v.rows.windows(2).all(|w| w[0].id > w[1].id));
        assert!(v.rows.iter().all(|r| r.subtasks.is_none()));
        assert!(v.details.is_none());
        assert!(
            v.summary[0].figures.is_some(),
            "happy-path completes a checkpoint by 5 s"
        );
    }

    #[test]
    fn an_expanded_row_keeps_the_details_of_the_checkpoint_as_it_finished() {
        let sim = scenarios::shipped_run_at("happy-path", 5000);
        let done = sim
            .stats()
            .history()
            .iter()
            .find(|e| e.status == CheckpointStatus::Completed && e.subtasks.is_some())
            .cloned()
            .expect("a completed checkpoint with details");
        let id = done.id.0;
        let finished = Rc::new(done);
        let v = StatsView::of(&sim, false, Some(id), Some(&finished));
        let d = v.details.expect("the row is expanded");
        assert!(Rc::ptr_eq(&d.entry, &finished));
        assert!(d.as_of.starts_with("COMPLETED at "));
        assert_eq!(d.names.len(), sim.graph().subtasks.len());
    }
}
