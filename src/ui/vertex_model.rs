//! The view model of the Vertices tab: per job vertex what Flink's web UI lists in its job
//! vertex table (records and bytes received and sent, parallelism) and in a vertex's
//! BackPressure and Metrics tabs (`busyTimeMsPerSecond`, `backPressuredTimeMsPerSecond`), from
//! [`Simulation::vertex_figures`], plus one sentence saying whether the sources emit what they
//! were asked to, or why not. Pure Rust, tested natively.

use super::format::fixed;
use crate::sim::Simulation;

/// Flink's web UI calls a vertex backpressured above this share of its time (ms per second):
/// OK up to 10%, LOW up to 50%, HIGH above.
pub const BACKPRESSURE_LOW: u64 = 100;
pub const BACKPRESSURE_HIGH: u64 = 500;
/// A vertex busier than this (ms per second) is named as the reason the sources emit less.
pub const BUSY: u64 = 250;
/// A subtask busier than this (ms per second) while its vertex is not [`BUSY`] is named as the
/// reason: it gets more of the records than its peers (key skew).
pub const SATURATED: u64 = 900;

/// One row of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct VertexRow {
    pub name: String,
    pub parallelism: u32,
    pub records_received: u64,
    pub records_sent: u64,
    pub bytes_received: u64,
    pub bytes_sent: u64,
    /// `busyTimeMsPerSecond` (0 to 1000).
    pub busy: u64,
    /// `backPressuredTimeMsPerSecond` (0 to 1000).
    pub backpressured: u64,
    /// Sources: (records/s emitted, records/s asked), all subtasks.
    pub rate: Option<(f64, f64)>,
    /// Subtasks waiting for an output buffer at this instant.
    pub backpressured_now: u32,
    /// The busiest subtask: its name, `busyTimeMsPerSecond`, and the records it received as a
    /// multiple of its vertex's average per subtask.
    pub busiest: Option<(String, u64, f64)>,
}

impl VertexRow {
    /// Flink's backpressure level: `ok`, `low` or `high`.
    pub fn level(&self) -> &'static str {
        match self.backpressured {
            b if b > BACKPRESSURE_HIGH => "high",
            b if b > BACKPRESSURE_LOW => "low",
            _ => "ok",
        }
    }
}

/// One job edge's channels: how full their network buffers are.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EdgeRow {
    pub from: String,
    pub to: String,
    pub channels: usize,
    /// Buffers in use (those being filled included) and the most the channels may hold.
    pub buffers: u64,
    pub capacity: u64,
    pub bytes: u64,
    /// Channels full: their producers wait for a buffer.
    pub full: usize,
}

/// What the Vertices tab shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VerticesView {
    pub rows: Vec<VertexRow>,
    pub edges: Vec<EdgeRow>,
    /// Whether the sources emit what they were asked to, or why not.
    pub verdict: String,
    /// The sources emit at least 95% of what they were asked to.
    pub ok: bool,
}

/// A per-second figure as a percentage: `54%`.
pub fn percent(ms_per_s: u64) -> String {
    format!("{}%", (ms_per_s + 5) / 10)
}

/// A rate, short: `250`, `9.8 k`, `2.56 M`.
pub fn rate(v: f64) -> String {
    match v {
        v if v >= 1e6 => format!("{} M", fixed(v / 1e6, 2)),
        v if v >= 1e4 => format!("{} k", fixed(v / 1e3, 1)),
        v => fixed(v, 0),
    }
}

impl VerticesView {
    pub fn of(sim: &Simulation) -> Self {
        let g = sim.graph();
        let rows: Vec<VertexRow> = sim
            .vertex_figures()
            .into_iter()
            .zip(&g.operators)
            .map(|(v, op)| VertexRow {
                backpressured_now: (0..op.parallelism as usize)
                    .filter(|i| sim.tasks()[op.first_subtask.idx() + i].backpressured)
                    .count() as u32,
                busiest: busiest(sim, op),
                rate: v
                    .asked_records_per_second
                    .map(|a| (v.num_records_out_per_second, a)),
                name: v.name,
                parallelism: v.parallelism,
                records_received: v.metrics.read_records,
                records_sent: v.metrics.write_records,
                bytes_received: v.metrics.read_bytes,
                bytes_sent: v.metrics.write_bytes,
                busy: v.busy_time_ms_per_second,
                backpressured: v.back_pressured_time_ms_per_second,
            })
            .collect();
        let (emitted, asked) = rows
            .iter()
            .filter_map(|r| r.rate)
            .fold((0.0, 0.0), |(e, a), (re, ra)| (e + re, a + ra));
        let ok = emitted >= 0.95 * asked;
        let started = rows.iter().any(|r| r.records_sent > 0);
        let verdict = if !started {
            "Nothing emitted yet.".to_string()
        } else if ok {
            format!(
                "The sources emit what they were asked: {} of {} records/s.",
                rate(emitted),
                rate(asked)
            )
        } else {
            // Flink's reading: the bottleneck is the busiest vertex downstream of the
            // backpressured sources, busier than it is backpressured; or, in a vertex that is
            // not saturated as a whole, its saturated subtask.
            let busier_than_backpressured = || {
                rows.iter()
                    .filter(|r| r.rate.is_none() && r.backpressured < r.busy)
            };
            let why = busier_than_backpressured()
                .filter_map(|r| Some((r, r.busiest.as_ref()?)))
                .filter(|(r, (_, busy, _))| r.busy < SATURATED && *busy >= SATURATED)
                .max_by_key(|(_, (_, busy, _))| *busy)
                .map(|(r, (sub, busy, share))| {
                    let reason = if *share >= 1.25 {
                        format!("it gets {}x its peers' average of the records (with hash partitioning, of the keys: a source's key_space sets how many there are)", fixed(*share, 1))
                    } else {
                        "it is slower than its peers".to_string()
                    };
                    format!(
                        " {sub} is busy {} while {} averages {}: {reason}; its input channels fill and the vertices before it wait for buffers.",
                        percent(*busy),
                        r.name,
                        percent(r.busy)
                    )
                })
                .or_else(|| {
                    busier_than_backpressured()
                        .max_by_key(|r| r.busy)
                        .filter(|r| r.busy >= BUSY)
                        .map(|r| {
                            format!(
                                " {} is busy {}: it cannot keep up, its input channels fill and the vertices before it wait for buffers.",
                                r.name,
                                percent(r.busy)
                            )
                        })
                });
            let bp = rows
                .iter()
                .filter(|r| r.rate.is_some())
                .map(|r| r.backpressured)
                .max()
                .unwrap_or(0);
            format!(
                "The sources emit {} of the {} records/s asked (backpressured {}; averages over the run).{}",
                rate(emitted),
                rate(asked),
                percent(bp),
                why.unwrap_or_else(|| {
                    " They were not RUNNING the whole time, or their output waits for buffers."
                        .into()
                })
            )
        };
        let mut edges: Vec<EdgeRow> = g
            .edges
            .iter()
            .map(|(f, t, _)| EdgeRow {
                from: g.operators[f.idx()].name.clone(),
                to: g.operators[t.idx()].name.clone(),
                ..EdgeRow::default()
            })
            .collect();
        for (info, ch) in g.channels.iter().zip(sim.channels()) {
            let e = &mut edges[info.edge as usize];
            e.channels += 1;
            e.buffers += u64::from(ch.buffers_in_use());
            e.capacity += u64::from(ch.capacity);
            e.bytes += ch.bytes_in_flight();
            e.full += usize::from(ch.is_full());
        }
        VerticesView {
            rows,
            edges,
            verdict,
            ok,
        }
    }
}

/// The busiest subtask of `op`: its name, its busy time per second of RUNNING, and the records
/// it received as a multiple of the vertex's average per subtask.
fn busiest(sim: &Simulation, op: &crate::sim::graph::OperatorInfo) -> Option<(String, u64, f64)> {
    let tasks = &sim.tasks()[op.first_subtask.idx()..][..op.parallelism as usize];
    let average = tasks.iter().map(|t| t.records_in).sum::<u64>() as f64 / tasks.len() as f64;
    tasks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let busy = t.busy_us * 1000 / t.running_total(sim.now()).max(1);
            (i, busy.min(1000))
        })
        .max_by_key(|&(i, busy)| (busy, std::cmp::Reverse(i)))
        .map(|(i, busy)| {
            let t = &tasks[i];
            let share = t.records_in as f64 / average.max(1.0);
            let name = &sim.graph().subtasks[op.first_subtask.idx() + i].name;
            (name.clone(), busy, share)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::scenarios::shipped_run_at;

    #[test]
    fn the_happy_path_moves_what_its_sources_were_asked_to_emit() {
        let v = VerticesView::of(&shipped_run_at("happy-path", 5000));
        assert!(v.ok, "{}", v.verdict);
        assert!(
            v.verdict.starts_with("The sources emit what"),
            "{}",
            v.verdict
        );
        let src = v.rows.iter().find(|r| r.rate.is_some()).expect("a source");
        assert!(src.records_sent > 0 && src.records_received == 0);
        assert_eq!(src.level(), "ok");
        let sink = v.rows.last().expect("a sink");
        assert!(sink.records_received > 0 && sink.bytes_received > 0);
        assert_eq!(v.edges.len(), 2);
        assert!(v
            .edges
            .iter()
            .all(|e| e.buffers <= e.capacity && e.full == 0));
    }

    #[test]
    fn backpressure_names_the_busy_vertex() {
        let v = VerticesView::of(&shipped_run_at("backpressure-aligned", 12_000));
        assert!(!v.ok, "{}", v.verdict);
        let src = v.rows.iter().find(|r| r.rate.is_some()).expect("a source");
        assert_ne!(src.level(), "ok", "{src:?}");
        assert!(v.verdict.contains("is busy"), "{}", v.verdict);
        // During the slow-down counter#0's input channels are full.
        let v = VerticesView::of(&shipped_run_at("backpressure-aligned", 8_000));
        let e = &v.edges[0];
        assert_eq!((e.from.as_str(), e.to.as_str()), ("source", "counter"));
        assert!(
            e.full >= 1 && e.bytes > 0 && e.buffers <= e.capacity,
            "{e:?}"
        );
        assert!(v.rows[0].backpressured_now >= 1, "{:?}", v.rows[0]);
    }

    #[test]
    fn key_skew_names_the_saturated_subtask() {
        // 16 sources at 80,000 records/s with only 128 keys: the keyed subtasks' shares of the
        // keys differ, so some saturate while the vertex averages well under BUSY.
        let s = crate::sim::scenario::Scenario::from_json(
            r#"{"name": "skew", "duration_ms": 5000, "seed": 1,
                "job": {"operators": [
                    {"name": "source", "kind": "source", "parallelism": 16,
                     "records_per_sec": 80000, "key_space": 128},
                    {"name": "counter", "kind": "keyed", "parallelism": 16, "process_ms": 0.01},
                    {"name": "sink", "kind": "sink", "parallelism": 16, "process_ms": 0.01}],
                  "edges": [{"from": "source", "to": "counter", "partitioning": "hash"},
                            {"from": "counter", "to": "sink", "partitioning": "forward"}]},
                "checkpointing": {"interval_ms": 60000},
                "network": {"record_bytes": 100}}"#,
        )
        .unwrap();
        let mut sim = Simulation::new(s).unwrap();
        sim.run_until(crate::sim::ids::SimTime::from_ms(5000));
        let v = VerticesView::of(&sim);
        assert!(!v.ok, "{}", v.verdict);
        let counter = &v.rows[1];
        assert!(counter.busy < SATURATED, "{counter:?}");
        let (sub, busy, share) = counter.busiest.clone().unwrap();
        assert!(
            sub.starts_with("counter#") && busy >= SATURATED && share >= 1.25,
            "{sub} {busy} {share}"
        );
        assert!(
            v.verdict.contains(&format!("{sub} is busy")) && v.verdict.contains("key_space"),
            "{}",
            v.verdict
        );
        // With the default key space the same job keeps up, and no subtask is named.
        let v = VerticesView::of(&shipped_run_at("happy-path", 5000));
        assert!(!v.verdict.contains("key_space"), "{}", v.verdict);
    }

    #[test]
    fn figures_read_as_flinks_web_ui_writes_them() {
        assert_eq!(percent(543), "54%");
        assert_eq!(percent(1000), "100%");
        assert_eq!(rate(250.0), "250");
        assert_eq!(rate(9_800.0), "9800");
        assert_eq!(rate(25_600.0), "25.6 k");
        assert_eq!(rate(2_560_000.0), "2.56 M");
    }
}
