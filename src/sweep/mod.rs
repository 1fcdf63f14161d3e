//! What if: `barrierscope-sim sweep` runs a scenario under every combination of `--set` values
//! (the cartesian product, in the order given, the last setting varying fastest), each with N
//! seeds, on every core (rayon), and sums each variant up in one row: the checkpoints completed
//! and failed (by `CheckpointFailureReason`), durations from the checkpoint history, restarts,
//! the records the sources re-emitted after rewinding, the exactly-once oracle's duplicates and
//! lost records, and the job status at the end. Every figure is read from the simulation
//! (`stats()`, its history entries, `job()`, `exactly_once()`); nothing is estimated. The
//! browser's What-if panel uses the same validation and rows ([`fields`] sets its settings on
//! the scenario, [`whatif`] runs one variant in a Web Worker); only rayon is native (the browser build runs [`run_sweep`] on one
//! thread). See docs/what-if.md.

pub mod answers;
pub mod fields;
pub mod output;
pub mod set;
pub mod whatif;

use crate::headless::{HeadlessRun, RunOptions};
use crate::sim::reason::FailureReason;
use crate::sim::snapshot::OperatorState;
use crate::sim::sorted::NamedCounts;
use crate::sim::stats::CheckpointStatus;
use crate::sim::task::TaskStatus;
use crate::sim::Simulation;
#[cfg(not(target_arch = "wasm32"))]
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;
use set::Setting;

pub use set::{Setting as SweepSetting, FLINK_KEYS, KILL_EVERY};

/// Most variants one sweep runs (the product of the `--set` value counts).
pub const MAX_VARIANTS: usize = 4096;

/// How each variant is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepOptions {
    /// Seeds per variant: 1 runs the scenario's own seed, N > 1 runs seed + 0 .. seed + N-1.
    pub seeds: u32,
    /// Stop here (ms of simulated time); never past the scenario's `duration_ms`.
    pub until_ms: Option<u64>,
}

impl Default for SweepOptions {
    fn default() -> Self {
        SweepOptions {
            seeds: 1,
            until_ms: None,
        }
    }
}

/// One combination of settings, validated.
#[derive(Debug, Clone)]
pub struct Variant {
    /// (key as given, value as given), in the order of the `--set`s.
    pub settings: Vec<(String, String)>,
    /// The same values as JSON (the json format's `settings`).
    pub values: Vec<Value>,
    pub scenario: crate::sim::scenario::Scenario,
}

/// Every combination of the settings' values applied to the scenario file's JSON, validated.
/// The first invalid one is the error, naming its `--set`s and the field.
pub fn variants(
    file: &Value,
    settings: &[Setting],
    options: SweepOptions,
) -> Result<Vec<Variant>, String> {
    for (i, a) in settings.iter().enumerate() {
        if let Some(b) = settings[..i].iter().find(|b| b.path == a.path) {
            return Err(format!(
                "--set {} and --set {} both set {}; give its values in one --set",
                b.key, a.key, a.path
            ));
        }
    }
    let total = settings
        .iter()
        .try_fold(1usize, |n, s| n.checked_mul(s.values.len()))
        .filter(|&n| n <= MAX_VARIANTS)
        .ok_or_else(|| format!("more than {MAX_VARIANTS} variants; sweep fewer values"))?;
    let end_ms = |v: &Value| {
        let d = v.get("duration_ms").and_then(Value::as_u64).unwrap_or(0);
        options.until_ms.unwrap_or(d).min(d)
    };
    let mut out = Vec::with_capacity(total);
    for n in 0..total {
        // Mixed radix, the last setting fastest.
        let mut rest = n;
        let mut idx = vec![0; settings.len()];
        for (k, s) in settings.iter().enumerate().rev() {
            idx[k] = rest % s.values.len();
            rest /= s.values.len();
        }
        let choice: Vec<(&Setting, usize)> = settings.iter().zip(idx.iter().copied()).collect();
        let scenario = set::apply(file, &choice, end_ms)?;
        out.push(Variant {
            settings: choice
                .iter()
                .map(|(s, i)| (s.key.clone(), s.labels[*i].clone()))
                .collect(),
            values: choice.iter().map(|(s, i)| s.values[*i].clone()).collect(),
            scenario,
        });
    }
    Ok(out)
}

/// What one run (one variant, one seed) gives, read from its simulation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunFigures {
    pub seed: u64,
    pub end_ms: u64,
    pub events: u64,
    /// Flink's `counts`.
    pub completed: u64,
    pub failed: u64,
    pub in_progress: u64,
    /// Failed checkpoints by reason: history rows, plus the trigger attempts Flink counts as
    /// failed before an ID (`NOT_ALL_REQUIRED_TASKS_RUNNING`).
    pub failed_by_reason: NamedCounts,
    /// Trigger requests that failed before an ID, by reason (every kind).
    pub trigger_failures: NamedCounts,
    /// Per completed checkpoint (ms): end-to-end, longest alignment, longest start delay.
    pub e2e_ms: Vec<u64>,
    pub alignment_ms: Vec<u64>,
    pub start_delay_ms: Vec<u64>,
    /// Per completed checkpoint, bytes.
    pub persisted_bytes: Vec<u64>,
    /// End-to-end of every checkpoint that ended, failed ones to their failure (ms).
    pub e2e_all_ms: Vec<u64>,
    pub restarts: u64,
    pub records_reprocessed: u64,
    pub duplicates: u64,
    pub lost: u64,
    pub job_status: &'static str,
    pub invariant_violations: u64,
}

impl RunFigures {
    /// Reads the figures of a finished run.
    pub fn of(sim: &Simulation) -> RunFigures {
        let stats = sim.stats();
        let mut f = RunFigures {
            seed: sim.scenario().seed,
            end_ms: sim.now().as_ms(),
            events: sim.events_processed(),
            completed: stats.counts.completed,
            failed: stats.counts.failed,
            in_progress: stats.counts.in_progress,
            trigger_failures: sim.coordinator().trigger_failures.clone(),
            restarts: sim.job().restart_count() as u64,
            records_reprocessed: records_reprocessed(sim),
            job_status: sim.job().status.name(),
            invariant_violations: sim.invariants().violation_count,
            ..RunFigures::default()
        };
        let eo = sim.exactly_once();
        f.duplicates = eo.duplicates;
        f.lost = eo.lost;
        for e in stats.history() {
            match e.status {
                CheckpointStatus::Completed => {
                    f.e2e_ms.push(e.end_to_end_duration_us() / 1000);
                    f.alignment_ms.push(e.alignment_duration_max / 1000);
                    f.start_delay_ms.push(e.start_delay_max / 1000);
                    f.persisted_bytes.push(e.persisted_data);
                    f.e2e_all_ms.push(e.end_to_end_duration_us() / 1000);
                }
                CheckpointStatus::Failed => {
                    let reason = e.failure_reason.map(|r| r.name()).unwrap_or("UNKNOWN");
                    f.failed_by_reason.add(reason, 1);
                    f.e2e_all_ms.push(e.end_to_end_duration_us() / 1000);
                }
                CheckpointStatus::InProgress => {}
            }
        }
        let before_id = FailureReason::NotAllRequiredTasksRunning.name();
        if let Some(&n) = f.trigger_failures.get(before_id) {
            f.failed_by_reason.add(before_id, n);
        }
        f
    }
}

/// The recovery cost: records the sources emit again after rewinding to a checkpoint. For each
/// source subtask, what it wrote over the run (`records_out`, every attempt) minus the offset it
/// has reached, which is the sum over its restarts of (offset at the failure - offset restored).
/// A source cancelled and not yet restored at the end counts the rewind its restart will make,
/// to the latest completed checkpoint's offset (or 0 with none).
pub fn records_reprocessed(sim: &Simulation) -> u64 {
    let latest = sim.coordinator().store.latest();
    sim.graph()
        .sources
        .iter()
        .map(|&t| {
            let task = &sim.tasks()[t.idx()];
            let offset_of = |s: &OperatorState| match s {
                OperatorState::Source { offset } => *offset,
                _ => 0,
            };
            let reached = match task.status {
                TaskStatus::Running | TaskStatus::Initializing => offset_of(&task.state),
                TaskStatus::Failed | TaskStatus::Canceled => latest
                    .and_then(|cp| cp.snapshots.iter().find(|s| s.task == t))
                    .map(|s| offset_of(&s.state))
                    .unwrap_or(0),
            };
            task.records_out.saturating_sub(reached)
        })
        .sum()
}

/// Runs one variant with one seed.
pub fn run_one(variant: &Variant, seed: u64, options: SweepOptions) -> RunFigures {
    let run = HeadlessRun::new(
        variant.scenario.clone(),
        RunOptions {
            seed: Some(seed),
            until_ms: options.until_ms,
        },
    );
    match run {
        Ok(run) => RunFigures::of(&run.run()),
        // The variant was validated when it was built; a seed changes nothing of that.
        Err(_) => RunFigures::default(),
    }
}

/// The seeds a variant runs: its own, or its own + 0 .. N-1.
pub fn seeds_of(variant: &Variant, options: SweepOptions) -> Vec<u64> {
    let base = variant.scenario.seed;
    (0..options.seeds.max(1) as u64)
        .map(|i| base.wrapping_add(i))
        .collect()
}

/// One variant's row: its runs (seeds) summed up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantRow {
    /// The varied settings, as given (key, value).
    #[serde(serialize_with = "output::ordered_settings")]
    pub settings: Vec<(String, Value)>,
    #[serde(skip)]
    pub labels: Vec<(String, String)>,
    pub seeds: Vec<u64>,
    /// Simulated time each run reached, ms.
    pub end_ms: u64,
    pub completed: u64,
    pub failed: u64,
    pub in_progress: u64,
    pub failed_by_reason: NamedCounts,
    /// completed / (completed + failed), or null when none ended.
    pub completion_rate: Option<f64>,
    pub end_to_end_p50_ms: Option<u64>,
    pub end_to_end_p99_ms: Option<u64>,
    /// Over failed checkpoints too (a failed one lasts until its failure, an expired one its
    /// timeout).
    pub end_to_end_all_p99_ms: Option<u64>,
    pub alignment_p99_ms: Option<u64>,
    pub persisted_data_p99_bytes: Option<u64>,
    pub start_delay_p99_ms: Option<u64>,
    pub restarts: u64,
    pub records_reprocessed: u64,
    pub duplicates: u64,
    pub lost: u64,
    /// The job's status at the end; `RUNNING x2, FAILED x1` when seeds disagree.
    pub job_status: String,
    pub trigger_failures: NamedCounts,
    pub invariant_violations: u64,
    pub events: u64,
}

/// Nearest-rank quantile in thousandths, as the simulation's `StatsSummary` computes Flink's
/// summary percentiles; `None` for no values.
pub fn nearest_rank(values: &[u64], permille: u32) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let rank = (permille as usize * v.len())
        .div_ceil(1000)
        .clamp(1, v.len());
    Some(v[rank - 1])
}

impl VariantRow {
    /// Sums counts over the runs; percentiles are over the checkpoints of every run.
    pub fn of(variant: &Variant, runs: &[RunFigures]) -> VariantRow {
        VariantRow {
            settings: variant
                .settings
                .iter()
                .zip(&variant.values)
                .map(|((k, _), v)| (k.clone(), v.clone()))
                .collect(),
            labels: variant.settings.clone(),
            ..VariantRow::of_runs(runs)
        }
    }

    /// The same without the settings (a What-if worker's row: the page knows them).
    pub fn of_runs(runs: &[RunFigures]) -> VariantRow {
        let pool = |f: fn(&RunFigures) -> &Vec<u64>| -> Vec<u64> {
            runs.iter().flat_map(|r| f(r).iter().copied()).collect()
        };
        let sum = |f: fn(&RunFigures) -> u64| runs.iter().map(f).sum::<u64>();
        let mut failed_by_reason = NamedCounts::new();
        let mut trigger_failures = NamedCounts::new();
        let mut statuses = NamedCounts::new();
        for r in runs {
            for (k, n) in r.failed_by_reason.iter() {
                failed_by_reason.add(k, n);
            }
            for (k, n) in r.trigger_failures.iter() {
                trigger_failures.add(k, n);
            }
            statuses.add(r.job_status, 1);
        }
        let job_status = if statuses.len() == 1 {
            statuses.keys().next().unwrap_or_default().to_string()
        } else {
            statuses
                .iter()
                .map(|(s, n)| format!("{s} x{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (completed, failed) = (sum(|r| r.completed), sum(|r| r.failed));
        let e2e = pool(|r| &r.e2e_ms);
        VariantRow {
            settings: Vec::new(),
            labels: Vec::new(),
            seeds: runs.iter().map(|r| r.seed).collect(),
            end_ms: runs.iter().map(|r| r.end_ms).max().unwrap_or(0),
            completed,
            failed,
            in_progress: sum(|r| r.in_progress),
            failed_by_reason,
            completion_rate: (completed + failed > 0)
                .then(|| completed as f64 / (completed + failed) as f64),
            end_to_end_p50_ms: nearest_rank(&e2e, 500),
            end_to_end_p99_ms: nearest_rank(&e2e, 990),
            end_to_end_all_p99_ms: nearest_rank(&pool(|r| &r.e2e_all_ms), 990),
            alignment_p99_ms: nearest_rank(&pool(|r| &r.alignment_ms), 990),
            persisted_data_p99_bytes: nearest_rank(&pool(|r| &r.persisted_bytes), 990),
            start_delay_p99_ms: nearest_rank(&pool(|r| &r.start_delay_ms), 990),
            restarts: sum(|r| r.restarts),
            records_reprocessed: sum(|r| r.records_reprocessed),
            duplicates: sum(|r| r.duplicates),
            lost: sum(|r| r.lost),
            job_status,
            trigger_failures,
            invariant_violations: sum(|r| r.invariant_violations),
            events: sum(|r| r.events),
        }
    }
}

/// Runs every (variant, seed) on rayon's pool (every core; one thread in the browser) and sums
/// each variant up, in the variants' order: the rows do not depend on the number of threads.
pub fn run_sweep(variants: &[Variant], options: SweepOptions) -> Vec<VariantRow> {
    let jobs: Vec<(usize, u64)> = variants
        .iter()
        .enumerate()
        .flat_map(|(i, v)| seeds_of(v, options).into_iter().map(move |s| (i, s)))
        .collect();
    #[cfg(not(target_arch = "wasm32"))]
    let jobs = jobs.par_iter();
    #[cfg(target_arch = "wasm32")]
    let jobs = jobs.iter();
    let figures: Vec<(usize, RunFigures)> = jobs
        .map(|&(i, seed)| (i, run_one(&variants[i], seed, options)))
        .collect();
    variants
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let runs: Vec<RunFigures> = figures
                .iter()
                .filter(|(k, _)| *k == i)
                .map(|(_, f)| f.clone())
                .collect();
            VariantRow::of(v, &runs)
        })
        .collect()
}

/// Parses the `--set` arguments and builds the variants of a scenario file's text.
pub fn prepare(
    file_text: &str,
    sets: &[String],
    options: SweepOptions,
) -> Result<Vec<Variant>, String> {
    if options.seeds == 0 {
        return Err("--seeds: must be >= 1".into());
    }
    // The file itself first, so that its own errors keep their line and column.
    crate::sim::scenario::Scenario::from_json(file_text).map_err(|e| e.to_string())?;
    let file: Value = serde_json::from_str(file_text).map_err(|e| e.to_string())?;
    let settings = sets
        .iter()
        .map(|s| Setting::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    variants(&file, &settings, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HAPPY: &str = include_str!("../../static/scenarios/happy-path.json");
    const CRASH: &str = include_str!("../../static/scenarios/task-crash.json");

    fn sets(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn variants_are_the_cartesian_product_with_the_last_setting_fastest() {
        let v = prepare(
            HAPPY,
            &sets(&[
                "checkpointing.unaligned=false,true",
                "checkpointing.interval_ms=500,1000,2000",
            ]),
            SweepOptions::default(),
        )
        .unwrap();
        assert_eq!(v.len(), 6);
        assert_eq!(
            v[1].settings,
            vec![
                ("checkpointing.unaligned".to_string(), "false".to_string()),
                ("checkpointing.interval_ms".to_string(), "1000".to_string())
            ]
        );
        assert!(v[3].scenario.checkpointing.unaligned);
        assert_eq!(v[3].scenario.checkpointing.interval_ms, Some(500));
    }

    #[test]
    fn an_invalid_combination_names_every_set_of_the_variant_and_the_rule() {
        let e = prepare(
            HAPPY,
            &sets(&[
                "checkpointing.unaligned=true",
                "execution.checkpointing.max-concurrent-checkpoints=2",
            ]),
            SweepOptions::default(),
        )
        .unwrap_err();
        assert_eq!(
            e,
            "--set checkpointing.unaligned=true --set execution.checkpointing.max-concurrent-checkpoints=2: checkpointing.unaligned: unaligned checkpoints are not supported with max_concurrent > 1"
        );
    }

    #[test]
    fn a_bad_value_or_unknown_field_is_named_by_its_set_and_field() {
        let e = prepare(
            HAPPY,
            &sets(&["checkpointing.unaligned=maybe"]),
            SweepOptions::default(),
        )
        .unwrap_err();
        assert!(e.starts_with("--set checkpointing.unaligned=maybe: checkpointing.unaligned: invalid type: string \"maybe\", expected a boolean"), "{e}");
        let e = prepare(
            HAPPY,
            &sets(&["checkpointing.unalignd=true"]),
            SweepOptions::default(),
        )
        .unwrap_err();
        assert!(e.starts_with("--set checkpointing.unalignd=true: checkpointing.unalignd: unknown field `unalignd`"), "{e}");
        let e = prepare(
            HAPPY,
            &sets(&["checkpointing.interval_ms=5"]),
            SweepOptions::default(),
        )
        .unwrap_err();
        assert!(
            e.contains("checkpointing.interval_ms: must be >= 10 ms"),
            "{e}"
        );
    }

    #[test]
    fn the_same_field_set_twice_is_rejected() {
        let e = prepare(
            HAPPY,
            &sets(&[
                "checkpointing.unaligned=true",
                "execution.checkpointing.unaligned.enabled=false",
            ]),
            SweepOptions::default(),
        )
        .unwrap_err();
        assert!(e.contains("both set checkpointing.unaligned"), "{e}");
    }

    #[test]
    fn one_seed_runs_the_scenarios_own_and_n_seeds_add_0_to_n_minus_1() {
        let v = prepare(HAPPY, &[], SweepOptions::default()).unwrap();
        let own = v[0].scenario.seed;
        assert_eq!(seeds_of(&v[0], SweepOptions::default()), vec![own]);
        let three = SweepOptions {
            seeds: 3,
            until_ms: None,
        };
        assert_eq!(seeds_of(&v[0], three), vec![own, own + 1, own + 2]);
    }

    #[test]
    fn a_row_matches_the_runners_report_for_one_seed() {
        let v = prepare(CRASH, &[], SweepOptions::default()).unwrap();
        let rows = run_sweep(&v, SweepOptions::default());
        let sim =
            crate::headless::run_headless(v[0].scenario.clone(), RunOptions::default()).unwrap();
        let report = sim.report();
        let r = &rows[0];
        assert_eq!(r.completed, report.counts.completed);
        assert_eq!(r.failed, report.counts.failed);
        assert_eq!(
            r.end_to_end_p50_ms,
            Some(report.summary.end_to_end_duration.p50)
        );
        assert_eq!(
            r.end_to_end_p99_ms,
            Some(report.summary.end_to_end_duration.p99)
        );
        assert_eq!(
            r.persisted_data_p99_bytes,
            Some(report.summary.persisted_data.p99)
        );
        assert_eq!(r.restarts, report.barrierscope.restarts.len() as u64);
        assert_eq!(r.job_status, report.barrierscope.job_status);
        assert_eq!(r.failed_by_reason.values().sum::<u64>(), r.failed);
    }

    #[test]
    fn records_reprocessed_is_the_rewind_of_the_sources_at_each_restart() {
        // task-crash: one kill; the sources rewind from where they were to checkpoint 3.
        let v = prepare(CRASH, &[], SweepOptions::default()).unwrap();
        let rows = run_sweep(&v, SweepOptions::default());
        assert_eq!(rows[0].restarts, 1);
        assert!(rows[0].records_reprocessed > 0);
        // Without a failure nothing is re-emitted.
        let v = prepare(HAPPY, &[], SweepOptions::default()).unwrap();
        assert_eq!(
            run_sweep(&v, SweepOptions::default())[0].records_reprocessed,
            0
        );
    }

    #[test]
    fn records_reprocessed_counts_the_rewind_of_a_restart_still_pending() {
        // Stopped during the restart backoff: the rewind to checkpoint 3 is counted already.
        let s = crate::sim::scenario::Scenario::from_json(CRASH).unwrap();
        let early = crate::headless::run_headless(
            s.clone(),
            RunOptions {
                seed: None,
                until_ms: Some(3300),
            },
        )
        .unwrap();
        let later = crate::headless::run_headless(
            s,
            RunOptions {
                seed: None,
                until_ms: Some(3800),
            },
        )
        .unwrap();
        assert_eq!(early.job().restart_count(), 1);
        assert_eq!(records_reprocessed(&early), records_reprocessed(&later));
    }

    #[test]
    fn nearest_rank_is_the_simulations_percentile() {
        let mut s = crate::sim::stats::StatsSummary::default();
        let values = [5, 1, 9, 3, 7, 200, 4];
        for v in values {
            s.add(v);
        }
        for q in [500, 900, 990] {
            assert_eq!(nearest_rank(&values, q), Some(s.quantile_permille(q)));
        }
        assert_eq!(nearest_rank(&[], 500), None);
    }
}
