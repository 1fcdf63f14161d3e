//! The What-if panel's model (pure, tested natively): up to 6 variants of the job on screen,
//! each a few settings (the sweep's `--set` paths, one value each; empty is "as now"), set on
//! the scenario and validated as the sweep's ([`crate::sweep::fields`]); the results the Web
//! Workers send back ([`VariantResult`]); the guided answers ([`crate::sweep::answers`]); and
//! the geometry of the three hand-drawn SVG charts (completion rate, end-to-end duration, and a
//! timeline of checkpoint durations per variant).

use crate::sim::scenario::Scenario;
use crate::sweep::answers::{self, Knobs};
use crate::sweep::fields::{self, PanelVariant};
use crate::sweep::set;
use crate::sweep::whatif::VariantResult;
use crate::sweep::VariantRow;

/// Most variants the panel runs.
pub const MAX_VARIANTS: usize = 6;

/// The settings a variant can change (the sweep paths of [`fields::PATHS`]): (column title,
/// placeholder).
pub const FIELDS: [(&str, &str); 8] = [
    ("unaligned", "true / false"),
    ("aligned timeout", "e.g. 30 s"),
    ("interval", "e.g. 10 s"),
    ("timeout", "e.g. 10 min"),
    ("max concurrent", "e.g. 2"),
    ("min pause", "e.g. 500 ms"),
    ("debloating", "true / false"),
    ("a failure every", "e.g. 5 min"),
];

/// Quick additions: (hook suffix, button text, field index, value).
pub const PRESETS: [(&str, &str, usize, &str); 4] = [
    ("unaligned", "+ unaligned", 0, "true"),
    (
        "aligned-timeout",
        "+ unaligned, aligned timeout 30 s",
        1,
        "30 s",
    ),
    ("interval", "+ interval ×2", 2, ""),
    ("failures", "+ a failure every 5 min", 7, "5 min"),
];

/// One variant as the form has it: a text per field ("" = as now).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VariantForm {
    pub values: [String; 8],
}

impl VariantForm {
    /// A preset applied to the scenario `s` (the interval preset doubles its interval).
    pub fn preset(s: &Scenario, field: usize, value: &str) -> VariantForm {
        let mut f = VariantForm::default();
        if field == 1 {
            f.values[0] = "true".into();
        }
        f.values[field] = if field == 2 && value.is_empty() {
            s.checkpointing
                .interval_ms
                .map(|i| format!("{} ms", i * 2))
                .unwrap_or_else(|| "10 s".into())
        } else {
            value.to_string()
        };
        f
    }

    /// How the table and answers name it: its settings, or "as now".
    pub fn labels(&self) -> Vec<(String, String)> {
        FIELDS
            .iter()
            .zip(&self.values)
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|((name, _), v)| (name.to_string(), v.trim().to_string()))
            .collect()
    }
}

/// Where a variant's run is.
#[derive(Debug, Clone, PartialEq)]
pub enum Slot {
    Queued,
    Running,
    Done(std::rc::Rc<VariantResult>),
    Failed(String),
}

impl Slot {
    /// Not ended yet.
    pub fn pending(&self) -> bool {
        matches!(self, Slot::Queued | Slot::Running)
    }
}

/// What the panel asks of the app.
#[derive(Debug, Clone, PartialEq)]
pub enum WhatIfInput {
    /// Variant, field, text.
    Edit(usize, usize, String),
    /// A new variant: empty (None) or a preset of [`PRESETS`].
    Add(Option<usize>),
    Remove(usize),
    Until(String),
    Run,
    /// Open a finished variant in the animation at its moment.
    Open(usize),
    Close,
}

/// A variant's name: `V1` ... `V6`.
pub fn name(i: usize) -> String {
    format!("V{}", i + 1)
}

/// Sets every variant's values on the scenario `base` and validates it (the sweep's paths and
/// checks); the first bad one is the error, named by its `V<n>`.
pub fn validate(base: &Scenario, forms: &[VariantForm]) -> Result<Vec<PanelVariant>, String> {
    if forms.is_empty() {
        return Err("add a variant to run".into());
    }
    let mut out = Vec::with_capacity(forms.len());
    for (i, f) in forms.iter().enumerate() {
        out.push(fields::apply(base, &f.values, None).map_err(|e| format!("{}: {e}", name(i)))?);
    }
    Ok(out)
}

/// "Simulate the first" field: a Flink duration, at most the scenario's own duration.
pub fn until_ms(text: &str, duration_ms: u64) -> Result<u64, String> {
    let ms = set::parse_duration_ms(text.trim()).ok_or_else(|| {
        format!(
            "simulated time: `{}` is not a duration (e.g. 10 min, 30 s)",
            text.trim()
        )
    })?;
    if ms == 0 {
        return Err("simulated time: must be > 0".into());
    }
    Ok(ms.min(duration_ms))
}

/// A row of the table with the settings the page knows (a worker's row has none).
pub fn with_labels(mut row: VariantRow, form: &VariantForm) -> VariantRow {
    row.labels = form.labels();
    row
}

/// The guided answers over the variants that finished: `done` pairs each result with its
/// variant; `now` is the scenario as loaded.
pub fn answers(done: &[(&VariantRow, &PanelVariant)], now: &Scenario) -> [String; 3] {
    let pairs: Vec<(&VariantRow, Knobs)> = done
        .iter()
        .map(|(r, v)| (*r, Knobs::of(&v.scenario, v.kill_every_ms)))
        .collect();
    answers::answer(&pairs, &Knobs::of(now, 0))
}

/// Chart area: width and the left margin for labels (SVG user units).
pub const CHART_W: f64 = 320.0;
pub const LABEL_W: f64 = 34.0;
pub const BAR_H: f64 = 14.0;

/// A horizontal bar: its variant, its length (0..=CHART_W - LABEL_W - 40), and the figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub variant: usize,
    pub len: f64,
    pub text: String,
}

fn bar_len(v: f64, max: f64) -> f64 {
    let room = CHART_W - LABEL_W - 72.0;
    if max <= 0.0 {
        0.0
    } else {
        (v / max * room).clamp(0.0, room)
    }
}

/// Completion rate per variant (0..100%).
pub fn completion_bars(rows: &[(usize, &VariantRow)]) -> Vec<Bar> {
    rows.iter()
        .map(|(i, r)| Bar {
            variant: *i,
            len: bar_len(r.completion_rate.unwrap_or(0.0), 1.0),
            text: r
                .completion_rate
                .map(|x| format!("{:.0}%", x * 100.0))
                .unwrap_or_else(|| "-".into()),
        })
        .collect()
}

/// End to end per variant: p50 and p99 over every checkpoint that ended (failed ones to their
/// failure, so an expiry shows as the timeout), on one scale.
pub fn e2e_bars(rows: &[(usize, &VariantRow)]) -> Vec<(Bar, Bar)> {
    let max = rows
        .iter()
        .filter_map(|(_, r)| r.end_to_end_all_p99_ms)
        .max()
        .unwrap_or(0) as f64;
    let d = crate::sweep::output::duration;
    rows.iter()
        .map(|(i, r)| {
            let p99 = r.end_to_end_all_p99_ms;
            (
                Bar {
                    variant: *i,
                    len: bar_len(r.end_to_end_p50_ms.unwrap_or(0) as f64, max),
                    text: format!("p50 {}", d(r.end_to_end_p50_ms)),
                },
                Bar {
                    variant: *i,
                    len: bar_len(p99.unwrap_or(0) as f64, max),
                    text: format!("p99 {}", d(p99)),
                },
            )
        })
        .collect()
}

/// The timeline chart's size.
pub const TL_W: f64 = 640.0;
pub const TL_H: f64 = 160.0;
const TL_POINTS: usize = 240;

/// One variant's line on the timeline: SVG `points` (x: trigger time, y: end-to-end duration)
/// and its failed checkpoints' positions.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub variant: usize,
    pub points: String,
    pub failed: Vec<(f64, f64)>,
}

/// The timeline: every variant on one time axis (0..end) and one duration axis (0..longest).
/// At most 240 points a line (evenly picked); failed checkpoints are all marked. Returns the
/// lines and the axes' ends (ms).
pub fn timeline(results: &[(usize, &VariantResult)]) -> (Vec<Line>, u64, u64) {
    let end = results
        .iter()
        .map(|(_, r)| r.row.end_ms)
        .max()
        .unwrap_or(0)
        .max(1);
    let top = results
        .iter()
        .flat_map(|(_, r)| r.points.iter().map(|p| p.1))
        .max()
        .unwrap_or(0)
        .max(1);
    let xy = |t: u64, d: u64| {
        (
            (t as f64 / end as f64 * TL_W * 10.0).round() / 10.0,
            ((1.0 - d as f64 / top as f64) * TL_H * 10.0).round() / 10.0,
        )
    };
    let lines = results
        .iter()
        .map(|(i, r)| {
            let step = r.points.len().div_ceil(TL_POINTS).max(1);
            let points = r
                .points
                .iter()
                .step_by(step)
                .map(|p| {
                    let (x, y) = xy(p.0, p.1);
                    format!("{x},{y}")
                })
                .collect::<Vec<_>>()
                .join(" ");
            let failed = r
                .points
                .iter()
                .filter(|p| p.2)
                .take(TL_POINTS)
                .map(|p| xy(p.0, p.1))
                .collect();
            Line {
                variant: *i,
                points,
                failed,
            }
        })
        .collect();
    (lines, end, top)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BACKPRESSURE: &str = include_str!("../../static/scenarios/backpressure-aligned.json");

    fn form(field: usize, v: &str) -> VariantForm {
        let mut f = VariantForm::default();
        f.values[field] = v.into();
        f
    }

    #[test]
    fn a_variants_filled_fields_are_its_settings_and_labels() {
        let base = Scenario::from_json(BACKPRESSURE).unwrap();
        let mut f = form(0, "true");
        f.values[7] = " 5 min ".into();
        let v = validate(&base, std::slice::from_ref(&f)).unwrap().remove(0);
        assert!(v.scenario.checkpointing.unaligned);
        assert_eq!(v.kill_every_ms, 300_000);
        assert_eq!(
            f.labels(),
            vec![
                ("unaligned".to_string(), "true".to_string()),
                ("a failure every".to_string(), "5 min".to_string())
            ]
        );
        assert!(VariantForm::default().labels().is_empty());
    }

    #[test]
    fn validation_is_the_sweeps_and_names_the_variant() {
        let base = Scenario::from_json(BACKPRESSURE).unwrap();
        let ok = validate(&base, &[VariantForm::default(), form(0, "true")]).unwrap();
        assert!(ok[1].scenario.checkpointing.unaligned);
        let e = validate(&base, &[VariantForm::default(), form(2, "5")]).unwrap_err();
        assert!(
            e.starts_with("V2: --set checkpointing.interval_ms=5: checkpointing.interval_ms: must be >= 10 ms"),
            "{e}"
        );
        let e = validate(&base, &[form(2, "1000,2000")]).unwrap_err();
        assert_eq!(e, "V1: one value per setting (a comma made several)");
    }

    #[test]
    fn the_interval_preset_doubles_the_jobs_interval() {
        let s = Scenario::from_json(BACKPRESSURE).unwrap();
        let f = VariantForm::preset(&s, 2, "");
        assert_eq!(
            f.values[2],
            format!("{} ms", s.checkpointing.interval_ms.unwrap() * 2)
        );
        let f = VariantForm::preset(&s, 1, "30 s");
        assert_eq!(
            (f.values[0].as_str(), f.values[1].as_str()),
            ("true", "30 s")
        );
    }

    #[test]
    fn the_simulated_time_is_a_duration_capped_at_the_scenarios() {
        assert_eq!(until_ms("10 min", 7_200_000), Ok(600_000));
        assert_eq!(until_ms("10 min", 15_000), Ok(15_000));
        assert!(until_ms("soon", 15_000).unwrap_err().contains("`soon`"));
    }

    #[test]
    fn charts_scale_to_the_largest_figure_and_keep_every_failure() {
        let forms = [VariantForm::default(), form(0, "true")];
        let results: Vec<VariantResult> = forms
            .iter()
            .map(|f| crate::sweep::whatif::run_variant(BACKPRESSURE, &f.values, None).unwrap())
            .collect();
        let rows: Vec<(usize, &VariantRow)> = results
            .iter()
            .enumerate()
            .map(|(i, r)| (i, &r.row))
            .collect();
        let c = completion_bars(&rows);
        assert!(c[1].len > c[0].len, "unaligned completes more");
        assert_eq!(c[1].len, CHART_W - LABEL_W - 72.0);
        let e = e2e_bars(&rows);
        let longest = e.iter().map(|(_, p99)| p99.len).fold(0.0, f64::max);
        assert_eq!(longest, CHART_W - LABEL_W - 72.0);
        let tagged: Vec<(usize, &VariantResult)> = results.iter().enumerate().collect();
        let (lines, end, top) = timeline(&tagged);
        assert_eq!(end, results[0].row.end_ms);
        assert!(top >= 1);
        let failed = results[0].points.iter().filter(|p| p.2).count();
        assert_eq!(lines[0].failed.len(), failed);
        assert!(lines.iter().all(|l| l.points.split(' ').all(|p| {
            let (x, y) = p.split_once(',').unwrap();
            let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
            (0.0..=TL_W).contains(&x) && (0.0..=TL_H).contains(&y)
        })));
    }

    #[test]
    fn the_panels_answers_compare_with_the_variant_as_now() {
        let s = Scenario::from_json(BACKPRESSURE).unwrap();
        let forms = [VariantForm::default(), form(0, "true")];
        let variants = validate(&s, &forms).unwrap();
        let rows: Vec<VariantRow> = forms
            .iter()
            .map(|f| {
                let r = crate::sweep::whatif::run_variant(BACKPRESSURE, &f.values, None).unwrap();
                with_labels(r.row, f)
            })
            .collect();
        let done: Vec<(&VariantRow, &PanelVariant)> = rows.iter().zip(&variants).collect();
        let a = answers(&done, &s);
        assert!(
            a[1].starts_with("Yes: with unaligned checkpoints (unaligned=true)"),
            "{}",
            a[1]
        );
        assert!(
            !a[1].contains("no variant runs the job as it is"),
            "{}",
            a[1]
        );
    }
}
