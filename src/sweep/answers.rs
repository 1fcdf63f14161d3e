//! Guided answers: one sentence each for the questions an engineer brings to a sweep ("why do
//! my checkpoints expire?", "would unaligned checkpoints help?", "what interval can this job
//! sustain?"), taken from the sweep's rows only: every figure quoted is a row's figure, every
//! setting quoted is a variant's setting. When the variants run cannot answer a question, the
//! sentence says so and names the variant that would. Printed under the native sweep's table and
//! shown by the browser's What-if panel.

use super::output::{bytes, duration};
use super::{Variant, VariantRow, KILL_EVERY};
use crate::sim::scenario::Scenario;

/// The settings a variant ran with that the answers compare (from its validated scenario).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Knobs {
    pub unaligned: bool,
    pub aligned_timeout_ms: u64,
    pub interval_ms: Option<u64>,
    pub timeout_ms: u64,
    pub max_concurrent: u32,
    pub min_pause_ms: u64,
    pub debloat: bool,
    /// `faults.kill_every_ms` (0: none added).
    pub kill_every_ms: u64,
}

impl Knobs {
    pub fn of(s: &Scenario, kill_every_ms: u64) -> Knobs {
        let c = &s.checkpointing;
        Knobs {
            unaligned: c.unaligned,
            aligned_timeout_ms: c.aligned_timeout_ms,
            interval_ms: c.interval_ms,
            timeout_ms: c.timeout_ms,
            max_concurrent: c.max_concurrent,
            min_pause_ms: c.min_pause_ms,
            debloat: s.network.buffer_debloat.enabled,
            kill_every_ms,
        }
    }

    pub fn of_variant(v: &Variant) -> Knobs {
        let kill = v
            .settings
            .iter()
            .zip(&v.values)
            .find(|((k, _), _)| super::set::resolve_key(k).0 == KILL_EVERY)
            .and_then(|(_, v)| v.as_u64())
            .unwrap_or(0);
        Knobs::of(&v.scenario, kill)
    }

    /// The same but for the interval.
    fn same_but_interval(&self, o: &Knobs) -> bool {
        Knobs {
            interval_ms: o.interval_ms,
            ..*self
        } == *o
    }

    /// The same but for unaligned checkpoints (and their alignment timeout).
    fn same_but_unaligned(&self, o: &Knobs) -> bool {
        Knobs {
            unaligned: o.unaligned,
            aligned_timeout_ms: o.aligned_timeout_ms,
            ..*self
        } == *o
    }
}

pub const QUESTIONS: [&str; 3] = [
    "Why do my checkpoints expire?",
    "Would unaligned checkpoints help?",
    "What interval can this job sustain?",
];

/// A variant's name in a sentence: its settings as given, or "as the job is".
pub fn label(row: &VariantRow) -> String {
    if row.labels.is_empty() {
        return "the job as it is".into();
    }
    row.labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn pct(r: &VariantRow) -> String {
    r.completion_rate
        .map(|x| format!("{:.0}%", x * 100.0))
        .unwrap_or_else(|| "no checkpoint".into())
}

fn expired(r: &VariantRow) -> u64 {
    r.failed_by_reason
        .get("CHECKPOINT_EXPIRED")
        .copied()
        .unwrap_or(0)
}

/// The p99 end to end over every checkpoint that ended (failed ones to their failure), marked
/// "(expired)" when an expired checkpoint sets it.
fn e2e_all(r: &VariantRow, k: &Knobs) -> String {
    let d = duration(r.end_to_end_all_p99_ms);
    match r.end_to_end_all_p99_ms {
        Some(ms) if expired(r) > 0 && ms >= k.timeout_ms => format!("{d} (expired)"),
        _ => d,
    }
}

fn sustained(r: &VariantRow) -> bool {
    r.failed == 0 && r.completed > 0
}

/// The three answers, in [`QUESTIONS`]' order. `rows` are the variants run with their knobs;
/// `now` is the job as it is (the row with the same knobs is the one compared against; the first
/// row when none has them).
pub fn answer(rows: &[(&VariantRow, Knobs)], now: &Knobs) -> [String; 3] {
    let Some(base) = rows
        .iter()
        .position(|(_, k)| k == now)
        .or((!rows.is_empty()).then_some(0))
    else {
        return std::array::from_fn(|_| "No variant was run.".to_string());
    };
    let note = if rows[base].1 == *now {
        String::new()
    } else {
        format!(
            " (no variant runs the job as it is; compared with {})",
            label(rows[base].0)
        )
    };
    [
        why_expire(rows, base),
        unaligned(rows, base),
        interval(rows, base),
    ]
    .map(|s| s + &note)
}

fn why_expire(rows: &[(&VariantRow, Knobs)], base: usize) -> String {
    let (b, k) = rows[base];
    let n = expired(b);
    let ended = b.completed + b.failed;
    if n == 0 {
        return match rows.iter().find(|(r, _)| expired(r) > 0) {
            None => format!(
                "None expire in the runs shown: {} completed {} of {ended} checkpoints.",
                label(b),
                b.completed
            ),
            Some((r, _)) => format!(
                "None expire as the job is ({} complete), but with {} {} of {} do.",
                pct(b),
                label(r),
                expired(r),
                r.completed + r.failed
            ),
        };
    }
    let timeout = duration(Some(k.timeout_ms));
    let head = format!("{n} of {ended} checkpoints expired at the {timeout} timeout");
    let (Some(delay), Some(align)) = (b.start_delay_p99_ms, b.alignment_p99_ms) else {
        return format!(
            "{head}, and none completed, so the runs give no alignment figure: the barriers never reached every subtask in time{}.",
            if b.restarts > 0 {
                format!(" ({} restarts)", b.restarts)
            } else {
                String::new()
            }
        );
    };
    let why = if k.unaligned {
        format!(
            "with unaligned checkpoints each persists up to {} of in-flight data, so the upload is the slow part",
            bytes(b.persisted_data_p99_bytes)
        )
    } else if delay >= align {
        "the barriers queue behind backpressured records on their way to the last subtask".into()
    } else {
        "aligned subtasks wait for the barrier on their slowest input".into()
    };
    format!(
        "{head}: the completed ones needed up to {} end to end, their barriers up to {} to reach the last subtask (start delay) and {} to align (p99s); {why}.",
        duration(b.end_to_end_p99_ms),
        duration(Some(delay)),
        duration(Some(align))
    )
}

fn unaligned(rows: &[(&VariantRow, Knobs)], base: usize) -> String {
    let (b, k) = rows[base];
    let pick = |want: bool| {
        rows.iter()
            .filter(|(_, o)| o.unaligned == want)
            .max_by_key(|(_, o)| k.same_but_unaligned(o))
    };
    if k.unaligned {
        return match pick(false) {
            None => format!(
                "Unaligned checkpoints are on already ({} complete); no aligned variant was run: add checkpointing.unaligned=false to compare.",
                pct(b)
            ),
            Some((a, ak)) => format!(
                "Unaligned checkpoints are on already: {} complete (with aligned ones, {}: {}); p99 end to end {} against {} aligned.",
                pct(b),
                label(a),
                pct(a),
                e2e_all(b, &k),
                e2e_all(a, ak)
            ),
        };
    }
    let Some((u, uk)) = pick(true) else {
        return "The variants run do not say: none has unaligned checkpoints; add the variant checkpointing.unaligned=true.".into();
    };
    let better =
        u.completion_rate > b.completion_rate || u.end_to_end_all_p99_ms < b.end_to_end_all_p99_ms;
    let verdict = if better { "Yes" } else { "No" };
    let verb = if u.end_to_end_all_p99_ms < b.end_to_end_all_p99_ms {
        "drops"
    } else {
        "goes"
    };
    format!(
        "{verdict}: with unaligned checkpoints ({}), {} complete (now {}); each persists about {} of in-flight data (p99); p99 end to end {verb} from {} to {}.",
        label(u),
        pct(u),
        pct(b),
        bytes(u.persisted_data_p99_bytes),
        e2e_all(b, &k),
        e2e_all(u, uk)
    )
}

fn interval(rows: &[(&VariantRow, Knobs)], base: usize) -> String {
    let (b, k) = rows[base];
    let Some(now) = k.interval_ms else {
        return "Checkpointing is off in this job (no interval).".into();
    };
    let same: Vec<(u64, &VariantRow)> = rows
        .iter()
        .filter(|(_, o)| k.same_but_interval(o))
        .filter_map(|(r, o)| o.interval_ms.map(|i| (i, *r)))
        .collect();
    // The intervals run, shortest first, each with its first row (a sort of plain numbers: the
    // bundle has that one already).
    let mut intervals: Vec<u64> = same.iter().map(|(i, _)| *i).collect();
    intervals.sort_unstable();
    intervals.dedup();
    let runs: Vec<(u64, &VariantRow)> = intervals
        .iter()
        .filter_map(|i| same.iter().find(|(j, _)| j == i).copied())
        .collect();
    if runs.len() < 2 {
        return format!(
            "The variants run do not say: only the interval {} was run with these settings ({} complete); add checkpointing.interval_ms={},{} to compare.",
            duration(Some(now)),
            pct(b),
            (now / 2).max(10),
            now * 2
        );
    }
    let list = runs
        .iter()
        .map(|(i, _)| duration(Some(*i)))
        .collect::<Vec<_>>()
        .join(", ");
    match runs.iter().position(|(_, r)| sustained(r)) {
        None => {
            let rates = runs
                .iter()
                .map(|(i, r)| format!("{} at {}", pct(r), duration(Some(*i))))
                .collect::<Vec<_>>()
                .join(", ");
            let longest = runs[runs.len() - 1];
            let best_is_longest = runs
                .iter()
                .all(|(_, r)| r.completion_rate <= longest.1.completion_rate);
            let next = if best_is_longest {
                format!(
                    "try longer ones (checkpointing.interval_ms={})",
                    longest.0 * 2
                )
            } else {
                "a longer interval does not help: the cause is elsewhere (see why they expire)"
                    .to_string()
            };
            format!("None of the intervals run completes every checkpoint ({rates}); {next}.")
        }
        Some(0) => format!(
            "Every interval run ({list}) completes every checkpoint, even the shortest, {} (p99 end to end {}); try shorter ones to find the limit.",
            duration(Some(runs[0].0)),
            duration(runs[0].1.end_to_end_p99_ms)
        ),
        Some(i) => format!(
            "About {}: the shortest interval run at which every checkpoint completes ({} of {}, p99 end to end {}); at {} only {} complete.",
            duration(Some(runs[i].0)),
            runs[i].1.completed,
            runs[i].1.completed,
            duration(runs[i].1.end_to_end_p99_ms),
            duration(Some(runs[i - 1].0)),
            pct(runs[i - 1].1)
        ),
    }
}

/// The answers of a native sweep: its variants and rows, the job as the file has it.
pub fn of_sweep(file: &Scenario, variants: &[Variant], rows: &[VariantRow]) -> [String; 3] {
    let pairs: Vec<(&VariantRow, Knobs)> = rows
        .iter()
        .zip(variants)
        .map(|(r, v)| (r, Knobs::of_variant(v)))
        .collect();
    answer(&pairs, &Knobs::of(file, 0))
}

/// The answers as text under the table: a question and its answer per line.
pub fn render(answers: &[String; 3]) -> String {
    QUESTIONS
        .iter()
        .zip(answers)
        .map(|(q, a)| format!("{q} {a}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::{prepare, run_sweep, SweepOptions};

    const BACKPRESSURE: &str = include_str!("../../static/scenarios/backpressure-aligned.json");

    fn sweep(sets: &[&str]) -> [String; 3] {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let o = SweepOptions::default();
        let v = prepare(BACKPRESSURE, &sets, o).unwrap();
        let rows = run_sweep(&v, o);
        of_sweep(&Scenario::from_json(BACKPRESSURE).unwrap(), &v, &rows)
    }

    #[test]
    fn unaligned_answer_quotes_both_rows_figures() {
        let sets = vec!["checkpointing.unaligned=false,true".to_string()];
        let o = SweepOptions::default();
        let v = prepare(BACKPRESSURE, &sets, o).unwrap();
        let rows = run_sweep(&v, o);
        let a = of_sweep(&Scenario::from_json(BACKPRESSURE).unwrap(), &v, &rows);
        assert!(
            a[1].starts_with("Yes: with unaligned checkpoints (checkpointing.unaligned=true), "),
            "{}",
            a[1]
        );
        assert!(
            a[1].contains(&format!(
                "{} complete (now {})",
                pct(&rows[1]),
                pct(&rows[0])
            )),
            "{}",
            a[1]
        );
        assert!(
            a[1].contains(&bytes(rows[1].persisted_data_p99_bytes)),
            "{}",
            a[1]
        );
        assert!(
            a[1].contains(&format!("to {}", duration(rows[1].end_to_end_all_p99_ms))),
            "{}",
            a[1]
        );
        assert!(a[1].contains("(expired)"), "{}", a[1]);
        // Why they expire: the aligned row's own figures.
        assert!(
            a[0].starts_with(&format!(
                "{} of {} checkpoints expired at the",
                expired(&rows[0]),
                rows[0].completed + rows[0].failed
            )),
            "{}",
            a[0]
        );
        assert!(
            a[0].contains(&duration(rows[0].start_delay_p99_ms)),
            "{}",
            a[0]
        );
    }

    #[test]
    fn a_question_the_variants_do_not_answer_names_the_variant_that_would() {
        let a = sweep(&["checkpointing.timeout_ms=1000,2000"]);
        assert!(
            a[1].contains("add the variant checkpointing.unaligned=true"),
            "{}",
            a[1]
        );
        assert!(
            a[2].starts_with("The variants run do not say: only the interval"),
            "{}",
            a[2]
        );
    }

    #[test]
    fn a_fault_schedule_is_a_knob_so_it_is_not_taken_for_the_job_as_it_is() {
        let sets = vec!["faults.kill_every_ms=0,5 s".to_string()];
        let o = SweepOptions::default();
        let v = prepare(BACKPRESSURE, &sets, o).unwrap();
        assert_eq!(Knobs::of_variant(&v[0]).kill_every_ms, 0);
        assert_eq!(Knobs::of_variant(&v[1]).kill_every_ms, 5000);
        let file = Scenario::from_json(BACKPRESSURE).unwrap();
        assert_eq!(Knobs::of_variant(&v[0]), Knobs::of(&file, 0));
        assert_ne!(Knobs::of_variant(&v[1]), Knobs::of(&file, 0));
    }

    #[test]
    fn the_interval_answer_is_the_shortest_sustained_one_run() {
        let sets = vec!["checkpointing.interval_ms=300,1000,3000".to_string()];
        let o = SweepOptions::default();
        let v = prepare(BACKPRESSURE, &sets, o).unwrap();
        let rows = run_sweep(&v, o);
        let a = of_sweep(&Scenario::from_json(BACKPRESSURE).unwrap(), &v, &rows)[2].clone();
        let first_ok = rows.iter().position(sustained);
        match first_ok {
            Some(0) => assert!(a.starts_with("Every interval run"), "{a}"),
            Some(i) => assert!(
                a.starts_with(&format!("About {}:", duration(Some([300, 1000, 3000][i])))),
                "{a}"
            ),
            None => assert!(a.starts_with("None of the intervals run"), "{a}"),
        }
        // The job as it is was not among them (its interval is none of these): said so.
        let own = Scenario::from_json(BACKPRESSURE)
            .unwrap()
            .checkpointing
            .interval_ms;
        if ![Some(300), Some(1000), Some(3000)].contains(&own) {
            assert!(a.ends_with(")"), "{a}");
            assert!(a.contains("no variant runs the job as it is"), "{a}");
        }
    }
}
