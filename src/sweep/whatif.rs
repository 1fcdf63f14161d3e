//! The What-if panel's unit of work: one variant of the job run to a time, as a Web Worker runs
//! it (`wasm_api::whatif_variant`): its sweep row ([`VariantRow`], the same figures as
//! `barrierscope-sim sweep`), each checkpoint's duration for the panel's timeline chart, and the
//! moment that explains the run (the first expiry, the first failover, another failed checkpoint
//! or the slowest alignment), where "open in the animation" takes the user.

use super::{prepare, RunFigures, SweepOptions, VariantRow};
use crate::headless::{HeadlessRun, RunOptions};
use crate::sim::reason::FailureReason;
use crate::sim::stats::CheckpointStatus;
use crate::sim::Simulation;
use serde::{Deserialize, Serialize};

/// Where the animation opens a variant: a time, the checkpoint it is about, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Moment {
    pub at_ms: u64,
    pub checkpoint: Option<u64>,
    pub what: String,
}

/// One variant's run, as a worker answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantResult {
    pub row: VariantRow,
    /// Per checkpoint that ended: (trigger ms, end-to-end ms, failed); a failed one lasts to
    /// its failure.
    pub points: Vec<(u64, u64, bool)>,
    pub moment: Option<Moment>,
}

/// Runs the scenario file `base_json` with `sets` (`KEY=VALUE`, one value each) to `until_ms`
/// (or its end), with the file's seed.
pub fn run_variant(
    base_json: &str,
    sets: &[String],
    until_ms: Option<u64>,
) -> Result<VariantResult, String> {
    let options = SweepOptions { seeds: 1, until_ms };
    let variants = prepare(base_json, sets, options)?;
    let [v] = variants.as_slice() else {
        return Err("a variant takes one value per setting".into());
    };
    let run = HeadlessRun::new(
        v.scenario.clone(),
        RunOptions {
            seed: None,
            until_ms,
        },
    )
    .map_err(|e| e.to_string())?;
    let sim = run.run();
    Ok(VariantResult {
        row: VariantRow::of(v, &[RunFigures::of(&sim)]),
        points: points(&sim),
        moment: moment(&sim),
    })
}

/// Every checkpoint that ended, in trigger order: (trigger ms, end-to-end ms, failed).
pub fn points(sim: &Simulation) -> Vec<(u64, u64, bool)> {
    sim.stats()
        .history()
        .iter()
        .filter(|e| e.status != CheckpointStatus::InProgress)
        .map(|e| {
            (
                e.trigger_timestamp.as_ms(),
                e.end_to_end_duration_us() / 1000,
                e.status == CheckpointStatus::Failed,
            )
        })
        .collect()
}

/// The moment that explains a run: just before its first checkpoint expires (the barriers are
/// still stuck on screen), else its first failover, else just before another checkpoint fails,
/// else its slowest alignment (when the last subtask has its first barrier), else none.
pub fn moment(sim: &Simulation) -> Option<Moment> {
    let history = sim.stats().history();
    let before_failure = |e: &crate::sim::stats::CheckpointStatsEntry| {
        e.failure_timestamp
            .map(|t| t.as_ms().saturating_sub(1))
            .unwrap_or(e.trigger_timestamp.as_ms())
    };
    if let Some(e) = history
        .iter()
        .find(|e| e.failure_reason == Some(FailureReason::CheckpointExpired))
    {
        return Some(Moment {
            at_ms: before_failure(e),
            checkpoint: Some(e.id.0),
            what: format!(
                "checkpoint {} about to expire, {} after its trigger",
                e.id.0,
                super::output::duration(Some(e.end_to_end_duration_us() / 1000))
            ),
        });
    }
    if let Some(r) = sim.job().restarts.first() {
        return Some(Moment {
            at_ms: r.at.as_ms(),
            checkpoint: None,
            what: format!("the first failover: {}", r.cause),
        });
    }
    if let Some(e) = history
        .iter()
        .find(|e| e.status == CheckpointStatus::Failed)
    {
        let reason = e.failure_reason.map(|r| r.name()).unwrap_or("UNKNOWN");
        return Some(Moment {
            at_ms: before_failure(e),
            checkpoint: Some(e.id.0),
            what: format!("checkpoint {} about to fail ({reason})", e.id.0),
        });
    }
    let slowest = history
        .iter()
        .filter(|e| e.status == CheckpointStatus::Completed && e.alignment_duration_max > 0)
        .max_by_key(|e| (e.alignment_duration_max, std::cmp::Reverse(e.id.0)))?;
    Some(Moment {
        at_ms: (slowest.trigger_timestamp.0 + slowest.start_delay_max) / 1000,
        checkpoint: Some(slowest.id.0),
        what: format!(
            "checkpoint {} aligning: the slowest alignment, {}",
            slowest.id.0,
            super::output::duration(Some(slowest.alignment_duration_max / 1000))
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BACKPRESSURE: &str = include_str!("../../static/scenarios/backpressure-aligned.json");
    const CRASH: &str = include_str!("../../static/scenarios/task-crash.json");

    #[test]
    fn a_variant_run_matches_the_sweeps_row_for_the_same_settings() {
        let sets = vec!["checkpointing.unaligned=true".to_string()];
        let r = run_variant(BACKPRESSURE, &sets, None).unwrap();
        let options = SweepOptions::default();
        let row =
            &super::super::run_sweep(&prepare(BACKPRESSURE, &sets, options).unwrap(), options)[0];
        assert_eq!(&r.row, row);
        assert_eq!(
            r.points.len() as u64,
            row.completed + r.points.iter().filter(|p| p.2).count() as u64
        );
    }

    #[test]
    fn the_moment_of_an_aligned_backpressured_run_is_just_before_its_first_expiry() {
        let r = run_variant(BACKPRESSURE, &[], None).unwrap();
        let m = r.moment.unwrap();
        let first_failed = r.points.iter().find(|p| p.2).unwrap();
        assert_eq!(m.at_ms, first_failed.0 + first_failed.1 - 1);
        assert!(m.what.contains("about to expire"), "{}", m.what);
    }

    #[test]
    fn the_moment_of_a_run_with_a_failover_and_no_expiry_is_the_failover() {
        let r = run_variant(CRASH, &[], None).unwrap();
        assert!(r.row.restarts > 0);
        let m = r.moment.unwrap();
        assert!(m.what.starts_with("the first failover"), "{}", m.what);
        assert_eq!(m.checkpoint, None);
    }

    #[test]
    fn a_result_reads_back_from_its_json() {
        let r = run_variant(CRASH, &["checkpointing.interval_ms=500".into()], Some(4000)).unwrap();
        let back: VariantResult =
            serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back.points, r.points);
        assert_eq!(back.moment, r.moment);
        assert_eq!(back.row.completed, r.row.completed);
        assert_eq!(back.row.failed_by_reason, r.row.failed_by_reason);
        assert!(back.row.settings.is_empty(), "the page keeps the settings");
    }

    #[test]
    fn two_values_in_one_setting_are_refused() {
        let e =
            run_variant(CRASH, &["checkpointing.interval_ms=500,1000".into()], None).unwrap_err();
        assert_eq!(e, "a variant takes one value per setting");
    }
}
