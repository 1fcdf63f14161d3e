//! The magnitudes of backpressure, against real Flink: for the cases in `tests/flink-magnitude/`
//! (a backpressured job captured on a Flink 2.3 MiniCluster, aligned, unaligned, with an
//! alignment timeout, and with buffer debloating off and on), the median over the completed
//! checkpoints after the first of the end-to-end duration, the start delay and the alignment
//! duration (the largest of any subtask), `persisted_data` and `processed_data`, read from the
//! capture's REST bodies and from the simulation. They must agree within a factor of 2; figures
//! that both sides keep below a floor (a tenth of a second, 32 KiB) count as agreeing.

use serde_json::Value;
use std::path::Path;

/// The factor within which a magnitude must agree.
pub const FACTOR: f64 = 2.0;
/// Durations both below this many ms agree (noise of a real cluster).
pub const FLOOR_MS: f64 = 100.0;
/// Byte figures both below this agree (one buffer's worth).
pub const FLOOR_BYTES: f64 = 32_768.0;

/// The medians of one run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Magnitudes {
    pub checkpoints: usize,
    pub end_to_end_ms: f64,
    pub start_delay_ms: f64,
    pub alignment_ms: f64,
    pub persisted_bytes: f64,
    pub processed_bytes: f64,
}

/// One figure side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct MagnitudeCheck {
    pub figure: &'static str,
    pub flink: f64,
    pub sim: f64,
    pub agree: bool,
}

/// A case's result.
#[derive(Debug, Clone, PartialEq)]
pub struct MagnitudeCase {
    pub name: String,
    pub flink: Magnitudes,
    pub sim: Magnitudes,
    pub checks: Vec<MagnitudeCheck>,
}

/// The median (0 for no values).
pub fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Per checkpoint: (end-to-end ms, start delay ms, alignment ms, persisted, processed).
type Figures = (f64, f64, f64, f64, f64);

fn summarise(rows: Vec<Figures>) -> Magnitudes {
    let pick = |f: fn(&Figures) -> f64| median(rows.iter().map(f).collect());
    Magnitudes {
        checkpoints: rows.len(),
        end_to_end_ms: pick(|r| r.0),
        start_delay_ms: pick(|r| r.1),
        alignment_ms: pick(|r| r.2),
        persisted_bytes: pick(|r| r.3),
        processed_bytes: pick(|r| r.4),
    }
}

fn read(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn n(v: &Value, p: &str) -> f64 {
    v.pointer(p).and_then(Value::as_f64).unwrap_or(0.0)
}

/// The magnitudes of a Flink capture (`flink/checkpoints.json` and `flink/details/`).
pub fn flink_magnitudes(flink_dir: &Path) -> Result<Magnitudes, String> {
    let cps = read(&flink_dir.join("checkpoints.json"))?;
    let history = cps
        .get("history")
        .and_then(Value::as_array)
        .ok_or("checkpoints.json: no history")?;
    let mut rows = Vec::new();
    for h in history {
        let id = n(h, "/id") as u64;
        if h.get("status").and_then(Value::as_str) != Some("COMPLETED") || id < 2 {
            continue;
        }
        let (mut start, mut align) = (0.0f64, 0.0f64);
        for entry in std::fs::read_dir(flink_dir.join("details")).map_err(|e| e.to_string())? {
            let path = entry.map_err(|e| e.to_string())?.path();
            let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
            if !file.starts_with(&format!("{id}-")) {
                continue;
            }
            let d = read(&path)?;
            for s in d
                .get("subtasks")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                start = start.max(n(s, "/start_delay"));
                align = align.max(n(s, "/alignment/duration"));
            }
        }
        rows.push((
            n(h, "/end_to_end_duration"),
            start,
            align,
            n(h, "/persisted_data"),
            n(h, "/processed_data"),
        ));
    }
    Ok(summarise(rows))
}

/// The magnitudes of the simulation's run of `scenario.json`.
pub fn sim_magnitudes(scenario_path: &Path) -> Result<(String, Magnitudes), String> {
    let text = std::fs::read_to_string(scenario_path)
        .map_err(|e| format!("{}: cannot read: {e}", scenario_path.display()))?;
    let scenario = super::as_captured(
        crate::sim::scenario::Scenario::from_json(&text)
            .map_err(|e| format!("{}: {e}", scenario_path.display()))?,
    );
    let name = scenario.name.clone();
    let end = crate::sim::ids::SimTime::from_ms(scenario.duration_ms);
    let mut sim = crate::sim::Simulation::new(scenario)
        .map_err(|e| format!("{}: {e}", scenario_path.display()))?;
    sim.run_until(end);
    let rows = sim
        .stats()
        .history()
        .iter()
        .filter(|e| e.status == crate::sim::stats::CheckpointStatus::Completed && e.id.0 >= 2)
        .map(|e| {
            (
                e.end_to_end_duration_us() as f64 / 1000.0,
                e.start_delay_max as f64 / 1000.0,
                e.alignment_duration_max as f64 / 1000.0,
                e.persisted_data as f64,
                e.processed_data as f64,
            )
        })
        .collect();
    Ok((name, summarise(rows)))
}

fn check(figure: &'static str, flink: f64, sim: f64, floor: f64) -> MagnitudeCheck {
    let agree = (flink < floor && sim < floor)
        || (flink > 0.0 && sim > 0.0 && flink / sim <= FACTOR && sim / flink <= FACTOR);
    MagnitudeCheck {
        figure,
        flink,
        sim,
        agree,
    }
}

/// Runs one case directory of `tests/flink-magnitude/`.
pub fn run_magnitude_case(dir: &Path) -> Result<MagnitudeCase, String> {
    let (name, sim) = sim_magnitudes(&dir.join("scenario.json"))?;
    let flink = flink_magnitudes(&dir.join("flink"))?;
    let checks = vec![
        check(
            "end-to-end duration (ms)",
            flink.end_to_end_ms,
            sim.end_to_end_ms,
            FLOOR_MS,
        ),
        check(
            "start delay, largest (ms)",
            flink.start_delay_ms,
            sim.start_delay_ms,
            FLOOR_MS,
        ),
        check(
            "alignment duration, largest (ms)",
            flink.alignment_ms,
            sim.alignment_ms,
            FLOOR_MS,
        ),
        check(
            "persisted_data (bytes)",
            flink.persisted_bytes,
            sim.persisted_bytes,
            FLOOR_BYTES,
        ),
        check(
            "processed_data (bytes)",
            flink.processed_bytes,
            sim.processed_bytes,
            FLOOR_BYTES,
        ),
    ];
    Ok(MagnitudeCase {
        name,
        flink,
        sim,
        checks,
    })
}

/// The magnitude section of `docs/flink-conformance.md`.
pub fn magnitude_markdown(cases: &[MagnitudeCase]) -> String {
    let mut s = String::from(
        "## Magnitudes under backpressure\n\n\
         The cases in `tests/flink-magnitude/` compare how much Flink's network holds and what \
         that does to checkpoints, for two backpressured jobs, with 32 KiB buffers and one \
         TaskManager (every channel local): 2 sources at 2,000 records/s of 100 bytes hashed \
         into a keyed operator that sustains about half of that (the first five cases), and 3 \
         sources at 1,500 records/s of 200 bytes rebalanced into 2 subtasks that sustain about \
         1,340 records/s, then hashed into 3 (`rebalance-*`). Each figure is the median over the completed checkpoints \
         after the first; durations and start delays are the largest of any subtask. They must \
         agree within a factor of 2; figures both sides keep below 100 ms or 32 KiB agree. \
         `cargo test --test flink_conformance` checks them.\n\n\
         | case | figure | Flink | BarrierScope | verdict |\n|---|---|---|---|---|\n",
    );
    for c in cases {
        for k in &c.checks {
            let verdict = if k.agree { "agree" } else { "DIFFER" };
            s.push_str(&format!(
                "| {} | {} | {:.0} | {:.0} | {verdict} |\n",
                c.name, k.figure, k.flink, k.sim
            ));
        }
    }
    s
}
