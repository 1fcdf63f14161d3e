//! The What-if panel's unit of work: one variant of the job run to a time, as a Web Worker runs
//! it (`wasm_api::whatif_variant`): its sweep row ([`VariantRow`], the same figures as
//! `barrierscope-sim sweep`), each checkpoint's duration for the panel's timeline chart, and the
//! moment that explains the run (the first expiry, the first failover, another failed checkpoint
//! or the slowest alignment), where "open in the animation" takes the user.

use super::fields::{self, PanelVariant};
use super::{RunFigures, VariantRow};
use crate::headless::{HeadlessRun, RunOptions};
use crate::sim::reason::FailureReason;
use crate::sim::scenario::Scenario;
use crate::sim::sorted::NamedCounts;
use crate::sim::stats::CheckpointStatus;
use crate::sim::Simulation;
use std::fmt::Write;

/// Where the animation opens a variant: a time, the checkpoint it is about, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Moment {
    pub at_ms: u64,
    pub checkpoint: Option<u64>,
    pub what: String,
}

/// One variant's run, as a worker answers it.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantResult {
    pub row: VariantRow,
    /// Per checkpoint that ended: (trigger ms, end-to-end ms, failed); a failed one lasts to
    /// its failure.
    pub points: Vec<(u64, u64, bool)>,
    pub moment: Option<Moment>,
}

/// A worker's answer that is an error: this line, then the message.
const ERROR: &str = "error\n";

/// `-` for none.
fn opt(o: Option<u64>) -> String {
    o.map_or("-".into(), |x| x.to_string())
}

fn reasons(out: &mut String, m: &NamedCounts) {
    for (k, n) in m.iter() {
        let _ = write!(out, "{k} {n} ");
    }
    out.push('\n');
}

impl VariantResult {
    /// The worker's answer as plain text, one line per part (numbers separated by spaces, `-`
    /// for none), as [`VariantResult::decode`] reads it: no JSON and no serializer of its own in
    /// the bundle. The row comes without its settings: the page knows them.
    pub fn encode(&self) -> String {
        let r = &self.row;
        let mut o = String::new();
        for n in [
            r.end_ms,
            r.completed,
            r.failed,
            r.in_progress,
            r.restarts,
            r.records_reprocessed,
            r.duplicates,
            r.lost,
            r.invariant_violations,
            r.events,
        ] {
            let _ = write!(o, "{n} ");
        }
        o.push('\n');
        for x in [
            r.end_to_end_p50_ms,
            r.end_to_end_p99_ms,
            r.end_to_end_all_p99_ms,
            r.alignment_p99_ms,
            r.persisted_data_p99_bytes,
            r.start_delay_p99_ms,
        ] {
            o += &opt(x);
            o.push(' ');
        }
        o.push('\n');
        for s in &r.seeds {
            let _ = write!(o, "{s} ");
        }
        o.push('\n');
        reasons(&mut o, &r.failed_by_reason);
        reasons(&mut o, &r.trigger_failures);
        o += &r.job_status;
        o.push('\n');
        for (t, d, f) in &self.points {
            let _ = write!(o, "{t} {d} {} ", *f as u8);
        }
        o.push('\n');
        if let Some(m) = &self.moment {
            let _ = write!(o, "{} {}\n{}", m.at_ms, opt(m.checkpoint), m.what);
        }
        o
    }

    /// An error as a worker answers it.
    pub fn encode_error(message: &str) -> String {
        format!("{ERROR}{message}")
    }

    /// Reads a worker's answer back ([`VariantResult::encode`], or an error).
    pub fn decode(text: &str) -> Result<VariantResult, String> {
        if let Some(e) = text.strip_prefix(ERROR) {
            return Err(e.to_string());
        }
        let mut lines = text.split('\n');
        let mut line = || lines.next().unwrap_or_default();
        let nums = |l: &str| -> Vec<Option<u64>> {
            l.split_ascii_whitespace().map(|x| x.parse().ok()).collect()
        };
        let n = nums(line());
        let o = nums(line());
        let seeds = nums(line()).into_iter().flatten().collect();
        let reasons = |l: &str| -> NamedCounts {
            let mut m = NamedCounts::new();
            let mut w = l.split_ascii_whitespace();
            while let (Some(k), Some(c)) = (w.next(), w.next()) {
                let known = FailureReason::ALL.iter().map(|f| f.name());
                if let (Some(k), Ok(c)) = (known.chain(["UNKNOWN"]).find(|x| *x == k), c.parse()) {
                    m.add(k, c);
                }
            }
            m
        };
        let failed_by_reason = reasons(line());
        let trigger_failures = reasons(line());
        let job_status = line().to_string();
        let p = nums(line());
        let points = p
            .chunks_exact(3)
            .map(|c| (c[0].unwrap_or(0), c[1].unwrap_or(0), c[2] == Some(1)))
            .collect();
        let m = nums(line());
        let what = line().to_string();
        let moment = m.first().map(|at| Moment {
            at_ms: at.unwrap_or(0),
            checkpoint: m.get(1).copied().flatten(),
            what,
        });
        let n = |k: usize| n.get(k).copied().flatten().unwrap_or(0);
        let o = |k: usize| o.get(k).copied().flatten();
        let (completed, failed) = (n(1), n(2));
        let row = VariantRow {
            settings: Vec::new(),
            labels: Vec::new(),
            seeds,
            end_ms: n(0),
            completed,
            failed,
            in_progress: n(3),
            failed_by_reason,
            completion_rate: (completed + failed > 0)
                .then(|| completed as f64 / (completed + failed) as f64),
            end_to_end_p50_ms: o(0),
            end_to_end_p99_ms: o(1),
            end_to_end_all_p99_ms: o(2),
            alignment_p99_ms: o(3),
            persisted_data_p99_bytes: o(4),
            start_delay_p99_ms: o(5),
            restarts: n(4),
            records_reprocessed: n(5),
            duplicates: n(6),
            lost: n(7),
            job_status,
            trigger_failures,
            invariant_violations: n(8),
            events: n(9),
        };
        Ok(VariantResult {
            row,
            points,
            moment,
        })
    }
}

/// Runs the scenario file `base_json` with the panel's settings `values` (one text per
/// [`fields::PATHS`], "" = as now) to `until_ms` (or its end), with the file's seed.
pub fn run_variant(
    base_json: &str,
    values: &[String],
    until_ms: Option<u64>,
) -> Result<VariantResult, String> {
    let base = Scenario::from_json(base_json).map_err(|e| e.to_string())?;
    let v = fields::apply(&base, values, until_ms)?;
    Ok(run(&v, until_ms))
}

/// Runs a validated variant to `until_ms` (or its end).
pub fn run(v: &PanelVariant, until_ms: Option<u64>) -> VariantResult {
    let options = RunOptions {
        seed: None,
        until_ms,
    };
    let sim = match HeadlessRun::new(v.scenario.clone(), options) {
        Ok(run) => run.run(),
        // Validated by fields::apply; a run that cannot start has no figures.
        Err(_) => {
            return VariantResult {
                row: VariantRow::of_runs(&[]),
                points: Vec::new(),
                moment: None,
            }
        }
    };
    VariantResult {
        row: VariantRow::of_runs(&[RunFigures::of(&sim)]),
        points: points(&sim),
        moment: moment(&sim),
    }
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
    use crate::sweep::{prepare, SweepOptions};

    const BACKPRESSURE: &str = include_str!("../../static/scenarios/backpressure-aligned.json");
    const CRASH: &str = include_str!("../../static/scenarios/task-crash.json");

    /// The panel's values with field `k` set to `v`.
    fn with(k: usize, v: &str) -> Vec<String> {
        let mut x = vec![String::new(); fields::PATHS.len()];
        x[k] = v.into();
        x
    }

    #[test]
    fn a_variant_run_matches_the_sweeps_row_for_the_same_settings() {
        let sets = vec!["checkpointing.unaligned=true".to_string()];
        let r = run_variant(BACKPRESSURE, &with(0, "true"), None).unwrap();
        let options = SweepOptions::default();
        let mut row =
            super::super::run_sweep(&prepare(BACKPRESSURE, &sets, options).unwrap(), options)
                .remove(0);
        row.settings.clear();
        row.labels.clear();
        assert_eq!(r.row, row);
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
    fn a_result_reads_back_from_its_text() {
        for (file, values, until) in [
            (CRASH, with(2, "500"), Some(4000)),
            (BACKPRESSURE, with(0, "true"), None),
            (BACKPRESSURE, Vec::new(), None),
            (CRASH, with(7, "1 s"), Some(6000)),
        ] {
            let r = run_variant(file, &values, until).unwrap();
            assert_eq!(VariantResult::decode(&r.encode()).unwrap(), r);
        }
        let r = run_variant(CRASH, &with(2, "500"), Some(4000)).unwrap();
        assert!(r.row.settings.is_empty(), "the page keeps the settings");
        assert!(
            !r.row.failed_by_reason.is_empty(),
            "task-crash fails checkpoints"
        );
        let none = VariantResult {
            row: VariantRow::of_runs(&[]),
            points: Vec::new(),
            moment: None,
        };
        assert_eq!(VariantResult::decode(&none.encode()).unwrap(), none);
        assert_eq!(
            VariantResult::decode(&VariantResult::encode_error("x: bad")).unwrap_err(),
            "x: bad"
        );
    }

    #[test]
    fn a_bad_setting_is_refused_with_its_field() {
        let e = run_variant(CRASH, &with(2, "5"), None).unwrap_err();
        assert!(
            e.starts_with(
                "--set checkpointing.interval_ms=5: checkpointing.interval_ms: must be >= 10 ms"
            ),
            "{e}"
        );
    }

    #[test]
    fn two_values_in_one_setting_are_refused() {
        let e = run_variant(CRASH, &with(2, "500,1000"), None).unwrap_err();
        assert_eq!(e, "one value per setting (a comma made several)");
    }
}
