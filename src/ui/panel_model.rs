//! View models of the panels around the graph: small plain structs built from the simulation's
//! read-only view, compared by the yew components (`view_panels`, `view_log_help`) so that a
//! panel renders again only when what it shows changed. Pure Rust, tested natively.

use super::model::{restart_backoff, RestartBackoff};
use crate::sim::invariants::ExactlyOnceFigures;
use crate::sim::scenario::{CheckpointingMode, CheckpointingSpec, OperatorKind};
use crate::sim::snapshot::OperatorState;
use crate::sim::{LogKind, Simulation};

/// Most lines the Log panel shows (the newest).
pub const LOG_LINES: usize = 60;

/// A log kind as a CSS class (`abort`, `decline`, `step`, …).
pub fn log_class(kind: LogKind) -> &'static str {
    match kind {
        LogKind::Trigger => "trigger",
        LogKind::Alignment => "alignment",
        LogKind::Ack => "ack",
        LogKind::Decline => "decline",
        LogKind::Complete => "complete",
        LogKind::Abort => "abort",
        LogKind::Failover => "failover",
        LogKind::Restore => "restore",
        LogKind::Fault => "fault",
        LogKind::Step => "step",
    }
}

/// One line of the Log panel.
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    /// When it happened, in simulated ms (a narration step: the step's time).
    pub at_ms: u64,
    /// Its kind as a CSS class (see [`log_class`]).
    pub kind: &'static str,
    pub text: String,
}

/// The latest lines of the simulation's log, newest first.
pub fn log_lines(sim: &Simulation) -> Vec<LogLine> {
    let steps = &sim.scenario().steps;
    sim.log_entries()
        .iter()
        .rev()
        .take(LOG_LINES)
        .map(|e| LogLine {
            // Narration lines are timed by their step (the log stamps them when reached).
            at_ms: match e.kind {
                LogKind::Step => steps
                    .iter()
                    .find(|s| s.text == e.text)
                    .map_or(e.at.as_ms(), |s| s.at_ms),
                _ => e.at.as_ms(),
            },
            kind: log_class(e.kind),
            text: e.text.clone(),
        })
        .collect()
}

/// The newest log line that is not a narration step (always in view above the tabs).
pub fn newest_event(sim: &Simulation) -> Option<LogLine> {
    sim.log_entries()
        .iter()
        .rev()
        .find(|e| e.kind != LogKind::Step)
        .map(|e| LogLine {
            at_ms: e.at.as_ms(),
            kind: log_class(e.kind),
            text: e.text.clone(),
        })
}

/// The newest fault, failover, restore, abort or decline of the run (ms, text): what an
/// off-script narration says instead of a step that no longer applies.
pub fn newest_notable_event(sim: &Simulation) -> Option<(u64, String)> {
    sim.log_entries()
        .iter()
        .rev()
        .find(|e| {
            matches!(
                e.kind,
                LogKind::Fault
                    | LogKind::Failover
                    | LogKind::Restore
                    | LogKind::Abort
                    | LogKind::Decline
            )
        })
        .map(|e| (e.at.as_ms(), e.text.clone()))
}

/// A pending checkpoint as the coordinator panel shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingChip {
    pub id: u64,
    pub savepoint: bool,
    pub finalizing: bool,
    pub acknowledged: usize,
    pub subtasks: usize,
    pub trigger_ms: u64,
    pub age_ms: u64,
}

/// What the CheckpointCoordinator panel shows.
#[derive(Clone, Debug, PartialEq)]
pub struct CoordinatorView {
    pub alive: bool,
    pub job_status: &'static str,
    pub restarts: usize,
    pub backoff: Option<RestartBackoff>,
    pub storage_down_until_ms: Option<u64>,
    pub now_us: u64,
    /// The periodic trigger's next time (µs), if one is scheduled.
    pub next_trigger_us: Option<u64>,
    pub interval_ms: Option<u64>,
    pub timeout_ms: u64,
    pub tolerable_failed: u32,
    pub num_retained: u32,
    pub failures_in_a_row: u32,
    pub mode: &'static str,
    pub unaligned: bool,
    pub aligned_timeout_ms: u64,
    pub pending: Vec<PendingChip>,
    pub retained: Vec<u64>,
    pub latest_savepoint: Option<u64>,
}

impl CoordinatorView {
    pub fn of(sim: &Simulation) -> Self {
        let c = sim.coordinator();
        let cfg: &CheckpointingSpec = &c.config;
        let job = sim.job();
        let now = sim.now();
        CoordinatorView {
            alive: c.alive,
            job_status: job.status.name(),
            restarts: job.restart_count(),
            backoff: restart_backoff(sim),
            storage_down_until_ms: sim.storage_down_until().map(|t| t.as_ms()),
            now_us: now.0,
            next_trigger_us: c.next_trigger_at.map(|t| t.0),
            interval_ms: cfg.interval_ms,
            timeout_ms: cfg.timeout_ms,
            tolerable_failed: cfg.tolerable_failed,
            num_retained: cfg.num_retained,
            failures_in_a_row: c.failure_manager.continuous_failure_counter,
            mode: cfg.mode.name(),
            unaligned: cfg.unaligned,
            aligned_timeout_ms: cfg.aligned_timeout_ms,
            pending: c
                .pending
                .values()
                .map(|p| PendingChip {
                    id: p.id.0,
                    savepoint: p.savepoint,
                    finalizing: p.is_finalizing(),
                    acknowledged: p.num_acknowledged(),
                    subtasks: p.num_subtasks(),
                    trigger_ms: p.trigger_time.as_ms(),
                    age_ms: now.since(p.trigger_time).as_ms(),
                })
                .collect(),
            retained: c.store.retained_ids().iter().map(|i| i.0).collect(),
            latest_savepoint: sim.latest_savepoint().map(|s| s.id.0),
        }
    }

    /// How far the periodic timer has run towards its next trigger (0 to 1).
    pub fn trigger_fraction(&self) -> Option<f64> {
        let (t, i) = (self.next_trigger_us?, self.interval_ms?);
        let left = t.saturating_sub(self.now_us) as f64 / (i.max(1) * 1000) as f64;
        Some((1.0 - left).clamp(0.0, 1.0))
    }

    /// The barrier handling in force, in Flink's words.
    pub fn handling(&self) -> &'static str {
        match (self.unaligned, self.aligned_timeout_ms > 0) {
            (false, _) => "aligned",
            (true, true) => "aligned, then unaligned",
            (true, false) => "unaligned",
        }
    }
}

/// What the exactly-once panel shows.
#[derive(Clone, Debug, PartialEq)]
pub struct ExactlyOnceView {
    pub figures: ExactlyOnceFigures,
    /// Sum of the source subtasks' current offsets.
    pub read: u64,
    pub committed: u64,
    pub mode: CheckpointingMode,
    pub has_sink: bool,
    /// The last records committed, newest first, as `src:seq (txn N)`.
    pub recent: Vec<String>,
}

impl ExactlyOnceView {
    pub fn of(sim: &Simulation, figures: ExactlyOnceFigures) -> Self {
        let g = sim.graph();
        let read = g
            .sources
            .iter()
            .map(|s| match sim.tasks()[s.idx()].state {
                OperatorState::Source { offset } => offset,
                _ => 0,
            })
            .sum();
        let ext = sim.external();
        ExactlyOnceView {
            figures,
            read,
            committed: ext.committed_records,
            mode: sim.mode(),
            has_sink: g.operators.iter().any(|o| o.kind == OperatorKind::Sink),
            recent: ext
                .recent
                .iter()
                .rev()
                .take(10)
                .map(|(_, txn, r)| format!("{}:{} (txn {txn})", r.src, r.seq))
                .collect(),
        }
    }

    pub fn ok(&self) -> bool {
        self.figures.duplicates == 0 && self.figures.lost == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::scenarios::shipped_run_at;

    #[test]
    fn log_lines_are_newest_first_with_a_css_class_per_kind() {
        let sim = shipped_run_at("happy-path", 3000);
        let lines = log_lines(&sim);
        assert!(!lines.is_empty() && lines.len() <= LOG_LINES);
        assert!(lines
            .windows(2)
            .all(|w| w[0].at_ms >= w[1].at_ms || w[1].kind == "step"));
        assert!(lines.iter().any(|l| l.kind == "trigger"));
        let newest = newest_event(&sim).expect("events by 3 s");
        assert_ne!(newest.kind, "step");
    }

    #[test]
    fn coordinator_view_counts_pending_acks_and_runs_the_trigger_timer() {
        let mut sim = shipped_run_at("happy-path", 0);
        let mut seen_pending = false;
        for _ in 0..20_000 {
            if !sim.step() {
                break;
            }
            let v = CoordinatorView::of(&sim);
            if let Some(p) = v.pending.first() {
                seen_pending = true;
                assert!(p.acknowledged <= p.subtasks);
                break;
            }
        }
        assert!(seen_pending, "happy-path triggers a checkpoint");
        let v = CoordinatorView::of(&sim);
        assert!(v.alive);
        assert_eq!(v.handling(), "aligned");
        if let Some(f) = v.trigger_fraction() {
            assert!((0.0..=1.0).contains(&f));
        }
    }

    #[test]
    fn exactly_once_view_of_the_happy_path_is_clean() {
        let sim = shipped_run_at("happy-path", 5000);
        let v = ExactlyOnceView::of(&sim, sim.exactly_once());
        assert!(v.ok());
        assert!(v.has_sink);
        assert!(v.read > 0 && v.committed <= v.read);
        assert!(v.recent.len() <= 10);
    }
}
