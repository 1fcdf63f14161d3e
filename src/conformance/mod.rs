//! Conformance with real Flink: the facts a run shows, read the same way from a real Flink 2.3
//! capture (the raw REST bodies that `reference/flink/` saves) and from the simulation's report
//! (which has the shape of Flink's `GET /jobs/:id/checkpoints`), and their comparison.
//!
//! Milliseconds are not facts: counts, failure reasons (Flink's `failure_message` mapped back to
//! its `CheckpointFailureReason`), checkpoint types, restores and ID continuity, the first
//! trigger and the trigger spacing (with tolerances), the most checkpoints in progress at once,
//! whether unaligned checkpoints persisted data, duplicates and lost records, restarts and the
//! job status. Pure functions over JSON values; reading files is the caller's job.

use crate::sim::FailureReason;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The Flink version the golden captures come from.
pub const FLINK_VERSION: &str = "2.3.0";
/// How far the first trigger may be from the simulation's (Flink's scheduler and task start
/// add tens of milliseconds).
pub const FIRST_TRIGGER_TOLERANCE_MS: i64 = 150;
/// Counts may differ by this much: a trigger or a completion can fall just inside or just
/// outside the end of a run that a real cluster cannot stop to the millisecond.
pub const COUNT_TOLERANCE: i64 = 1;

/// One checkpoint of a history, times in ms from the run's start.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: u64,
    pub status: String,
    pub is_savepoint: bool,
    pub checkpoint_type: String,
    pub trigger_ms: i64,
    /// Completion (trigger + end-to-end duration) or failure time.
    pub end_ms: Option<i64>,
    pub failure_reason: Option<FailureReason>,
    pub persisted_data: u64,
}

/// What one run showed, whoever ran it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    pub counts: BTreeMap<String, i64>,
    /// Ascending by ID.
    pub rows: Vec<Row>,
    /// The checkpoint each restart restored (`None`: started empty), in order.
    pub restores: Vec<Option<u64>>,
    pub duplicates: u64,
    pub lost: u64,
    pub job_status: String,
}

fn field<'a>(v: &'a Value, path: &str) -> Result<&'a Value, String> {
    v.pointer(path)
        .ok_or_else(|| format!("`{path}` is missing"))
}

fn num(v: &Value, path: &str) -> Result<i64, String> {
    field(v, path)?
        .as_i64()
        .ok_or_else(|| format!("`{path}` is not a whole number"))
}

fn text(v: &Value, path: &str) -> Result<String, String> {
    Ok(field(v, path)?
        .as_str()
        .ok_or_else(|| format!("`{path}` is not a string"))?
        .to_string())
}

/// Reads `counts` and `history` of a `GET /jobs/:id/checkpoints` body; times relative to `t0`.
pub fn read_checkpoints(
    body: &Value,
    t0: i64,
) -> Result<(BTreeMap<String, i64>, Vec<Row>), String> {
    let mut counts = BTreeMap::new();
    for key in ["restored", "total", "in_progress", "completed", "failed"] {
        counts.insert(key.to_string(), num(body, &format!("/counts/{key}"))?);
    }
    let history = field(body, "/history")?
        .as_array()
        .ok_or("`/history` is not an array")?;
    let mut rows = Vec::with_capacity(history.len());
    for (i, h) in history.iter().enumerate() {
        let at = |k: &str| format!("/history/{i}/{k}");
        let get = |k: &str| num(h, &format!("/{k}")).map_err(|e| format!("{}: {e}", at(k)));
        let status = text(h, "/status").map_err(|e| format!("{}: {e}", at("status")))?;
        let trigger = get("trigger_timestamp")?;
        let end_ms = match status.as_str() {
            "FAILED" => Some(get("failure_timestamp")? - t0),
            "COMPLETED" => Some(trigger + get("end_to_end_duration")? - t0),
            _ => None,
        };
        let failure_reason = match h.get("failure_message").and_then(Value::as_str) {
            Some(m) => Some(FailureReason::from_message(m).ok_or_else(|| {
                format!("{}: unknown Flink message `{m}`", at("failure_message"))
            })?),
            None => None,
        };
        rows.push(Row {
            id: get("id")? as u64,
            status,
            is_savepoint: h
                .get("is_savepoint")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            checkpoint_type: text(h, "/checkpoint_type")
                .map_err(|e| format!("{}: {e}", at("checkpoint_type")))?,
            trigger_ms: trigger - t0,
            end_ms,
            failure_reason,
            persisted_data: h.get("persisted_data").and_then(Value::as_u64).unwrap_or(0),
        });
    }
    rows.sort_by_key(|r| r.id);
    Ok((counts, rows))
}

/// The simulation's report (`Simulation::report_json`).
pub fn observe_report(report: &Value) -> Result<Observed, String> {
    let (counts, rows) = read_checkpoints(report, 0)?;
    let ours = field(report, "/barrierscope")?;
    let restores = field(ours, "/restarts")?
        .as_array()
        .ok_or("`/barrierscope/restarts` is not an array")?
        .iter()
        .map(|r| r.get("restored_checkpoint_id").and_then(Value::as_u64))
        .collect();
    Ok(Observed {
        counts,
        rows,
        restores,
        duplicates: num(ours, "/exactly_once/duplicates")? as u64,
        lost: num(ours, "/exactly_once/lost")? as u64,
        job_status: text(ours, "/job_status")?,
    })
}

/// The files of one real-Flink capture (`<case>/flink/`), parsed.
pub struct FlinkCapture {
    pub run: Value,
    pub job: Value,
    pub checkpoints: Value,
    pub operators: Value,
}

/// A real Flink run, from its capture.
pub fn observe_flink(c: &FlinkCapture) -> Result<Observed, String> {
    let t0 = num(&c.run, "/t0_epoch_ms").map_err(|e| format!("run.json: {e}"))?;
    let (counts, rows) =
        read_checkpoints(&c.checkpoints, t0).map_err(|e| format!("checkpoints.json: {e}"))?;
    // One restore per restarted attempt (every subtask restores from the same checkpoint).
    let mut by_attempt: BTreeMap<i64, Option<u64>> = BTreeMap::new();
    if let Some(list) = c.operators.get("restores").and_then(Value::as_array) {
        for r in list {
            let attempt = r.get("attempt").and_then(Value::as_i64).unwrap_or(0);
            if attempt > 0 {
                by_attempt
                    .entry(attempt)
                    .or_insert(r.get("restored_checkpoint_id").and_then(Value::as_u64));
            }
        }
    }
    Ok(Observed {
        counts,
        rows,
        restores: by_attempt.into_values().collect(),
        duplicates: num(&c.operators, "/sink/duplicates")
            .map_err(|e| format!("operators.json: {e}"))? as u64,
        lost: num(&c.operators, "/sink/lost").map_err(|e| format!("operators.json: {e}"))? as u64,
        job_status: text(&c.job, "/state").map_err(|e| format!("job.json: {e}"))?,
    })
}

/// Whether a fact agrees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Agree,
    Differ,
    /// Not comparable in this case, and why.
    NotComparable(String),
}

/// One fact of one case, side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub fact: &'static str,
    pub flink: String,
    pub sim: String,
    pub verdict: Verdict,
}

impl Observed {
    fn failure_reasons(&self) -> BTreeMap<&'static str, i64> {
        let mut m = BTreeMap::new();
        for r in &self.rows {
            if let Some(reason) = r.failure_reason {
                *m.entry(reason.name()).or_insert(0) += 1;
            }
        }
        m
    }

    fn types(&self) -> BTreeSet<String> {
        self.rows
            .iter()
            .map(|r| r.checkpoint_type.clone())
            .collect()
    }

    /// IDs 1..=N, each once, in trigger order: restarts and savepoints never reuse an ID.
    fn ids_continuous(&self) -> bool {
        self.rows
            .iter()
            .enumerate()
            .all(|(i, r)| r.id == i as u64 + 1)
            && self
                .rows
                .windows(2)
                .all(|w| w[0].trigger_ms <= w[1].trigger_ms)
    }

    fn first_trigger(&self) -> Option<i64> {
        self.rows.first().map(|r| r.trigger_ms)
    }

    /// The median gap between consecutive checkpoint (not savepoint) triggers.
    fn median_gap(&self) -> Option<i64> {
        let t: Vec<i64> = self
            .rows
            .iter()
            .filter(|r| !r.is_savepoint)
            .map(|r| r.trigger_ms)
            .collect();
        let mut gaps: Vec<i64> = t.windows(2).map(|w| w[1] - w[0]).collect();
        gaps.sort_unstable();
        gaps.get(gaps.len().checked_sub(1)? / 2).copied()
    }

    /// The most checkpoints in progress at the same time.
    pub fn max_in_progress(&self) -> usize {
        let mut edges: Vec<(i64, i32)> = Vec::new();
        for r in &self.rows {
            edges.push((r.trigger_ms, 1));
            edges.push((r.end_ms.unwrap_or(i64::MAX), -1));
        }
        // An end and a start at the same instant do not overlap.
        edges.sort_unstable();
        let (mut cur, mut max) = (0i32, 0i32);
        for (_, d) in edges {
            cur += d;
            max = max.max(cur);
        }
        max as usize
    }
}

fn within(a: i64, b: i64, tolerance: i64) -> Verdict {
    if (a - b).abs() <= tolerance {
        Verdict::Agree
    } else {
        Verdict::Differ
    }
}

fn same<T: PartialEq>(a: &T, b: &T) -> Verdict {
    if a == b {
        Verdict::Agree
    } else {
        Verdict::Differ
    }
}

fn show_map<K: std::fmt::Display, V: std::fmt::Display>(m: &BTreeMap<K, V>) -> String {
    if m.is_empty() {
        return "none".into();
    }
    m.iter()
        .map(|(k, v)| format!("{k} x{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn show_opt(v: Option<i64>) -> String {
    v.map(|x| format!("{x} ms")).unwrap_or_else(|| "n/a".into())
}

/// Compares what Flink and the simulation showed for one scenario. `interval_ms` and
/// `min_pause_ms` are the scenario's; spacing is only compared without restarts.
/// `deploy_ms` is how long Flink's job was RUNNING before every task was (time 0 of the run):
/// the checkpoint scheduler may start during it, and its attempts fail before an ID
/// (`NOT_ALL_REQUIRED_TASKS_RUNNING`) yet count in `counts.total` and `counts.failed`; the
/// simulation starts at time 0, so those attempts are allowed for, at most one per interval.
pub fn compare(
    flink: &Observed,
    sim: &Observed,
    interval_ms: Option<u64>,
    min_pause_ms: u64,
    deploy_ms: i64,
) -> Vec<Check> {
    let mut out = Vec::new();
    let mut push = |fact, flink: String, sim: String, verdict| {
        out.push(Check {
            fact,
            flink,
            sim,
            verdict,
        })
    };
    // A (re)start races its trigger attempts with task deployment, which the simulation does
    // not model (its time 0 is "every task RUNNING"): each start may add one failed attempt.
    let interval = interval_ms.unwrap_or(u64::MAX).max(1) as i64;
    let before_start = if (min_pause_ms as i64) < deploy_ms {
        1 + (deploy_ms - min_pause_ms as i64) / interval
    } else {
        0
    };
    let attempts = COUNT_TOLERANCE + flink.restores.len() as i64 + before_start;
    let with_ids = |o: &Observed| o.rows.iter().filter(|r| r.status == "FAILED").count() as i64;
    push(
        "failed checkpoints with an ID",
        with_ids(flink).to_string(),
        with_ids(sim).to_string(),
        within(with_ids(flink), with_ids(sim), COUNT_TOLERANCE),
    );
    for key in ["total", "completed", "failed", "in_progress", "restored"] {
        let (f, s) = (flink.counts[key], sim.counts[key]);
        let fact: &'static str = match key {
            "total" => "counts.total",
            "completed" => "counts.completed",
            "failed" => "counts.failed",
            "in_progress" => "counts.in_progress",
            _ => "counts.restored",
        };
        let tolerance = match key {
            "restored" => 0,
            "total" | "failed" | "completed" => COUNT_TOLERANCE.max(attempts),
            _ => COUNT_TOLERANCE,
        };
        push(fact, f.to_string(), s.to_string(), within(f, s, tolerance));
    }
    let (fr, sr) = (flink.failure_reasons(), sim.failure_reasons());
    let reasons_agree =
        fr.keys().eq(sr.keys()) && fr.iter().all(|(k, v)| (v - sr[k]).abs() <= COUNT_TOLERANCE);
    push(
        "failure reasons",
        show_map(&fr),
        show_map(&sr),
        if reasons_agree {
            Verdict::Agree
        } else {
            Verdict::Differ
        },
    );
    let (ft, st) = (flink.types(), sim.types());
    push(
        "checkpoint types",
        ft.iter().cloned().collect::<Vec<_>>().join(", "),
        st.iter().cloned().collect::<Vec<_>>().join(", "),
        same(&ft, &st),
    );
    let show_restores = |r: &[Option<u64>]| {
        if r.is_empty() {
            "none".to_string()
        } else {
            r.iter()
                .map(|x| {
                    x.map(|i| format!("from {i}"))
                        .unwrap_or_else(|| "empty".into())
                })
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    push(
        "restores (checkpoint used)",
        show_restores(&flink.restores),
        show_restores(&sim.restores),
        same(&flink.restores, &sim.restores),
    );
    push(
        "IDs continue (1..N, no reuse)",
        flink.ids_continuous().to_string(),
        sim.ids_continuous().to_string(),
        same(&flink.ids_continuous(), &sim.ids_continuous()),
    );
    let (ff, sf) = (flink.first_trigger(), sim.first_trigger());
    push(
        "first trigger",
        show_opt(ff),
        show_opt(sf),
        match (ff, sf) {
            (Some(a), Some(b)) => within(a, b, FIRST_TRIGGER_TOLERANCE_MS),
            (None, None) => Verdict::Agree,
            _ => Verdict::Differ,
        },
    );
    let (fg, sg) = (flink.median_gap(), sim.median_gap());
    let restarted = !flink.restores.is_empty() || !sim.restores.is_empty();
    push(
        "trigger spacing (median)",
        show_opt(fg),
        show_opt(sg),
        match (fg, sg) {
            _ if restarted => Verdict::NotComparable("the job restarted".into()),
            (Some(a), Some(b)) => {
                let base = interval_ms.unwrap_or(1000) as i64;
                within(a, b, (base / 10).max(50))
            }
            (None, None) => Verdict::Agree,
            _ => Verdict::NotComparable("too few triggers".into()),
        },
    );
    let (fm, sm) = (flink.max_in_progress(), sim.max_in_progress());
    push(
        "most in progress at once",
        fm.to_string(),
        sm.to_string(),
        same(&fm, &sm),
    );
    let persisted = |o: &Observed| o.rows.iter().any(|r| r.persisted_data > 0);
    push(
        "persisted_data > 0",
        persisted(flink).to_string(),
        persisted(sim).to_string(),
        same(&persisted(flink), &persisted(sim)),
    );
    push(
        "duplicates",
        flink.duplicates.to_string(),
        sim.duplicates.to_string(),
        same(&(flink.duplicates > 0), &(sim.duplicates > 0)),
    );
    push(
        "lost records",
        flink.lost.to_string(),
        sim.lost.to_string(),
        same(&flink.lost, &sim.lost),
    );
    push(
        "restarts",
        flink.restores.len().to_string(),
        sim.restores.len().to_string(),
        same(&flink.restores.len(), &sim.restores.len()),
    );
    push(
        "job status",
        flink.job_status.clone(),
        sim.job_status.clone(),
        same(&flink.job_status, &sim.job_status),
    );
    out
}

/// The side-by-side table of one case, as plain text.
pub fn side_by_side(checks: &[Check]) -> String {
    let w0 = checks
        .iter()
        .map(|c| c.fact.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let w1 = checks
        .iter()
        .map(|c| c.flink.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let w2 = checks
        .iter()
        .map(|c| c.sim.len())
        .max()
        .unwrap_or(11)
        .max(11);
    let mut s = format!(
        "{:w0$}  {:w1$}  {:w2$}  verdict\n",
        "fact", "Flink", "BarrierScope"
    );
    for c in checks {
        let v = match &c.verdict {
            Verdict::Agree => "agree".to_string(),
            Verdict::Differ => "DIFFER".to_string(),
            Verdict::NotComparable(why) => format!("n/a ({why})"),
        };
        s.push_str(&format!(
            "{:w0$}  {:w1$}  {:w2$}  {v}\n",
            c.fact, c.flink, c.sim
        ));
    }
    s
}

mod case;
pub mod magnitude;
pub use case::{as_captured, case_dirs, markdown, run_case, CaseResult};

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u64, trigger: i64, end: Option<i64>) -> Row {
        Row {
            id,
            status: "COMPLETED".into(),
            is_savepoint: false,
            checkpoint_type: "CHECKPOINT".into(),
            trigger_ms: trigger,
            end_ms: end,
            failure_reason: None,
            persisted_data: 0,
        }
    }

    #[test]
    fn checkpoints_that_end_as_the_next_starts_do_not_overlap() {
        let o = Observed {
            rows: vec![
                row(1, 0, Some(1000)),
                row(2, 1000, Some(1500)),
                row(3, 1200, None),
            ],
            ..Default::default()
        };
        assert_eq!(o.max_in_progress(), 2);
    }

    #[test]
    fn flink_failure_messages_are_read_back_as_reasons_and_times_made_relative() {
        let body = serde_json::json!({
            "counts": {"restored": 0, "total": 2, "in_progress": 0, "completed": 1, "failed": 1},
            "history": [
                {"id": 2, "status": "FAILED", "is_savepoint": false, "checkpoint_type": "CHECKPOINT",
                 "trigger_timestamp": 11000, "failure_timestamp": 11500,
                 "failure_message": "Checkpoint expired before completing."},
                {"id": 1, "status": "COMPLETED", "is_savepoint": false, "checkpoint_type": "CHECKPOINT",
                 "trigger_timestamp": 10020, "end_to_end_duration": 30}
            ]
        });
        let (counts, rows) = read_checkpoints(&body, 10_000).unwrap();
        assert_eq!(counts["failed"], 1);
        assert_eq!(rows[0].trigger_ms, 20);
        assert_eq!(rows[0].end_ms, Some(50));
        assert_eq!(
            rows[1].failure_reason,
            Some(FailureReason::CheckpointExpired)
        );
        assert_eq!(rows[1].end_ms, Some(1500));
    }

    #[test]
    fn an_unknown_failure_message_is_an_error_naming_the_entry() {
        let body = serde_json::json!({
            "counts": {"restored": 0, "total": 1, "in_progress": 0, "completed": 0, "failed": 1},
            "history": [{"id": 1, "status": "FAILED", "checkpoint_type": "CHECKPOINT",
                 "trigger_timestamp": 1, "failure_timestamp": 2, "failure_message": "boom"}]
        });
        let e = read_checkpoints(&body, 0).unwrap_err();
        assert!(
            e.contains("/history/0/failure_message") && e.contains("boom"),
            "{e}"
        );
    }
}
