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
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Where the animation opens a variant: a time, the checkpoint it is about, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Moment {
    pub at_ms: u64,
    pub checkpoint: Option<u64>,
    pub what: String,
}

/// One variant's run, as a worker answers it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantResult {
    pub row: VariantRow,
    /// Per checkpoint that ended: (trigger ms, end-to-end ms, failed); a failed one lasts to
    /// its failure.
    pub points: Vec<(u64, u64, bool)>,
    pub moment: Option<Moment>,
}

impl VariantResult {
    /// Reads a worker's answer (its JSON, or `{"error": ...}`) back, through `serde_json::Value`,
    /// which the scenario parsing needs anyway (no deserializer of its own in the bundle). The
    /// row comes without its settings: the page knows them.
    pub fn from_json(text: &str) -> Result<VariantResult, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if let Some(e) = v.get("error") {
            return Err(e.as_str().unwrap_or("the worker failed").to_string());
        }
        let r = &v["row"];
        let n = |k: &str| r[k].as_u64().unwrap_or(0);
        let o = |k: &str| r[k].as_u64();
        let reasons = |k: &str| -> BTreeMap<&'static str, u64> {
            let names = r[k].as_object().into_iter().flatten();
            names
                .filter_map(|(name, c)| {
                    let mut known = FailureReason::ALL.iter().map(|f| f.name());
                    known.find(|k| k == name).zip(c.as_u64())
                })
                .collect()
        };
        let seeds = r["seeds"].as_array().into_iter().flatten();
        let row = VariantRow {
            settings: Vec::new(),
            labels: Vec::new(),
            seeds: seeds.filter_map(Value::as_u64).collect(),
            end_ms: n("end_ms"),
            completed: n("completed"),
            failed: n("failed"),
            in_progress: n("in_progress"),
            failed_by_reason: reasons("failed_by_reason"),
            completion_rate: r["completion_rate"].as_f64(),
            end_to_end_p50_ms: o("end_to_end_p50_ms"),
            end_to_end_p99_ms: o("end_to_end_p99_ms"),
            end_to_end_all_p99_ms: o("end_to_end_all_p99_ms"),
            alignment_p99_ms: o("alignment_p99_ms"),
            persisted_data_p99_bytes: o("persisted_data_p99_bytes"),
            start_delay_p99_ms: o("start_delay_p99_ms"),
            restarts: n("restarts"),
            records_reprocessed: n("records_reprocessed"),
            duplicates: n("duplicates"),
            lost: n("lost"),
            job_status: r["job_status"].as_str().unwrap_or_default().to_string(),
            trigger_failures: reasons("trigger_failures"),
            invariant_violations: n("invariant_violations"),
            events: n("events"),
        };
        let points = v["points"].as_array().into_iter().flatten();
        let points = points
            .map(|p| {
                (
                    p[0].as_u64().unwrap_or(0),
                    p[1].as_u64().unwrap_or(0),
                    p[2] == true,
                )
            })
            .collect();
        let m = &v["moment"];
        let moment = m.get("at_ms").map(|at| Moment {
            at_ms: at.as_u64().unwrap_or(0),
            checkpoint: m["checkpoint"].as_u64(),
            what: m["what"].as_str().unwrap_or_default().to_string(),
        });
        Ok(VariantResult {
            row,
            points,
            moment,
        })
    }
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
        let back = VariantResult::from_json(&serde_json::to_string(&r).unwrap()).unwrap();
        assert!(back.row.settings.is_empty(), "the page keeps the settings");
        let mut r = r;
        r.row.settings.clear();
        r.row.labels.clear();
        assert_eq!(back, r);
        assert!(
            !back.row.failed_by_reason.is_empty(),
            "task-crash fails checkpoints"
        );
        assert_eq!(
            VariantResult::from_json(r#"{"error":"x: bad"}"#).unwrap_err(),
            "x: bad"
        );
    }

    #[test]
    fn two_values_in_one_setting_are_refused() {
        let e =
            run_variant(CRASH, &["checkpointing.interval_ms=500,1000".into()], None).unwrap_err();
        assert_eq!(e, "a variant takes one value per setting");
    }
}
