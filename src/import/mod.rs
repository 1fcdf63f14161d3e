//! Import a running Flink job: the bodies of Flink's REST endpoints (saved files, or fetched
//! live by [`fetch`]) become a scenario calibrated to the job, with a `calibration` section
//! saying where each figure came from. The rules are in docs/import.md.
//!
//! [`import`] is target-independent (a later browser dialog can call it with dropped files);
//! only [`fetch`] (HTTP) is native.

pub mod rest;

#[cfg(not(target_arch = "wasm32"))]
pub mod fetch;

use crate::sim::scenario::{
    CheckpointingMode, CheckpointingSpec, EdgeSpec, JobSpec, NetworkSpec, OperatorKind,
    OperatorSpec, Partitioning, Scenario, StorageSpec, MAX_PARALLELISM, MAX_SUBTASKS, MAX_TIME_MS,
};
use rest::{Body, CheckpointEntry, IoMetrics, MetricEntry, SubtaskDetailsBody};
use std::collections::{BTreeMap, BTreeSet};

/// One input: where it came from (a file name or a URL) and its text.
#[derive(Debug, Clone)]
pub struct Input {
    pub name: String,
    pub text: String,
}

/// The result: the scenario and the warnings (what was missing or guessed).
#[derive(Debug, Clone)]
pub struct Imported {
    pub scenario: Scenario,
    pub warnings: Vec<String>,
}

/// The shortest and longest run an import writes (`duration_ms` is the job's running time,
/// within these bounds).
pub const MIN_DURATION_MS: u64 = 10_000;
pub const MAX_DURATION_MS: u64 = 3_600_000;
/// The key space assumed for every source (Flink does not report the number of keys).
pub const GUESSED_KEY_SPACE: u32 = 128;
/// A source backpressured more than this share of the time is taken as backpressured this much.
const MAX_BACKPRESSURED_SHARE: f64 = 0.9;

/// The endpoints the import reads, and what each is for (the warning when one is missing).
const WANTED: &[(&str, &str)] = &[
    (
        "GET /jobs/:id",
        "vertex names, parallelism, records and busy time",
    ),
    ("GET /jobs/:id/plan", "edges and their partitioning"),
    (
        "GET /jobs/:id/checkpoints/config",
        "the checkpoint configuration",
    ),
    (
        "GET /jobs/:id/checkpoints",
        "state sizes of the latest completed checkpoint",
    ),
    (
        "GET /jobs/:id/checkpoints/details/:cid/subtasks/:vid",
        "snapshot sync/async durations",
    ),
    (
        "GET /jobs/:id/vertices/:vid/subtasks/metrics",
        "per-second rates and network buffers",
    ),
];

struct Parsed {
    name: String,
    body: Body,
}

/// A vertex of the job, merged from `/jobs/:id` and the plan.
#[derive(Debug, Clone)]
struct Vertex {
    id: String,
    flink_name: String,
    parallelism: u32,
    duration_ms: Option<f64>,
    io: Option<IoMetrics>,
    /// (upstream vertex id, ship strategy)
    inputs: Vec<(String, String)>,
}

struct Builder {
    /// The scenario's `calibration`: `FIELD <- SOURCE: how`.
    calibration: Vec<String>,
    warnings: Vec<String>,
}

impl Builder {
    fn note(&mut self, field: &str, source: &str, note: impl Into<String>) {
        self.calibration
            .push(format!("{field} <- {source}: {}", note.into()));
    }
    fn guess(&mut self, field: &str, note: impl Into<String>) {
        self.note(field, "guess", note);
    }
}

fn from(file: &str, endpoint: &str) -> String {
    format!("{file} ({endpoint})")
}

/// A measured figure: finite and >= 0, or an error naming the file and the field.
fn measure(file: &str, field: &str, v: Option<f64>) -> Result<Option<f64>, String> {
    match v {
        Some(x) if !x.is_finite() || x < 0.0 => Err(format!(
            "{file}: {field}: must be a finite number >= 0, is {x}"
        )),
        other => Ok(other),
    }
}

fn parallelism(file: &str, field: &str, p: i64) -> Result<u32, String> {
    if p < 1 {
        return Err(format!("{file}: {field}: must be >= 1, is {p}"));
    }
    if p > i64::from(MAX_PARALLELISM) {
        return Err(format!(
            "{file}: {field}: {p} is above Flink's maximum parallelism {MAX_PARALLELISM}"
        ));
    }
    Ok(p as u32)
}

/// The operator name for a Flink vertex name: Flink's `Source: ` and `Sink: ` prefixes and
/// the plan's `<br/>` dropped, `#` (which names subtasks) replaced.
fn operator_name(flink: &str, index: usize) -> String {
    let s = flink.replace("<br/>", " ");
    let s = s.trim();
    let s = s
        .strip_prefix("Source: ")
        .or_else(|| s.strip_prefix("Sink: "))
        .unwrap_or(s);
    let s: String = s.replace('#', "_").chars().take(80).collect();
    let s = s.trim().to_string();
    if s.is_empty() {
        format!("vertex-{index}")
    } else {
        s
    }
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Rounds to 3 significant decimals, so that the file reads well.
fn tidy(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The 32-hex-digit IDs in a file name or URL (Flink's job and vertex IDs).
fn hex_ids(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = name.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let mut j = i;
        while j < b.len() && b[j].is_ascii_hexdigit() {
            j += 1;
        }
        if j - i == 32 {
            out.push(name[i..j].to_ascii_lowercase());
        }
        i = j.max(i + 1);
    }
    out
}

fn metric(entries: &[MetricEntry], id: &str) -> Option<f64> {
    let e = entries.iter().find(|e| e.id == id)?;
    e.avg
        .or_else(|| e.value.as_deref().and_then(|v| v.parse::<f64>().ok()))
        .filter(|x| x.is_finite() && *x >= 0.0)
}

fn metric_sum(entries: &[MetricEntry], id: &str) -> Option<f64> {
    let e = entries.iter().find(|e| e.id == id)?;
    e.sum.filter(|x| x.is_finite() && *x >= 0.0)
}

/// What the scenario's `calibration` says of `field` (`SOURCE: how`), if anything.
pub fn calibration_of<'a>(scenario: &'a Scenario, field: &str) -> Option<&'a str> {
    scenario
        .calibration
        .iter()
        .filter_map(|line| line.split_once(" <- "))
        .find(|(f, _)| *f == field)
        .map(|(_, source)| source)
}

/// Imports a job from the bodies of its REST endpoints. Missing endpoints lower the
/// calibration (a warning each); bad input is an `Err` naming the input and the field.
pub fn import(inputs: &[Input]) -> Result<Imported, String> {
    let mut parsed = Vec::new();
    let mut b = Builder {
        calibration: Vec::new(),
        warnings: Vec::new(),
    };
    for i in inputs {
        let body = rest::parse(&i.text).map_err(|e| format!("{}: {e}", i.name))?;
        if let Body::Unknown = body {
            b.warnings.push(format!(
                "{}: not the body of a Flink REST endpoint the import reads; ignored",
                i.name
            ));
            continue;
        }
        parsed.push(Parsed {
            name: i.name.clone(),
            body,
        });
    }
    let seen: BTreeSet<&str> = parsed.iter().map(|p| p.body.endpoint()).collect();
    let has_plan = parsed.iter().any(|p| {
        matches!(&p.body, Body::Plan(_)) || matches!(&p.body, Body::Job(j) if j.plan.is_some())
    });
    for (endpoint, what) in WANTED {
        let missing = match *endpoint {
            "GET /jobs/:id/plan" => !has_plan,
            "GET /jobs/:id/checkpoints" => {
                !seen.contains(endpoint) && !seen.contains("GET /jobs/:id/checkpoints/details/:cid")
            }
            "GET /jobs/:id/vertices/:vid/subtasks/metrics" => {
                !seen.contains(endpoint)
                    && !seen.contains("vertex metrics (reference harness vertices.json)")
            }
            _ => !seen.contains(endpoint),
        };
        if missing {
            b.warnings.push(format!(
                "missing {endpoint} ({what}): guessed, see calibration"
            ));
        }
    }
    build(&parsed, &mut b).map(|scenario| Imported {
        scenario,
        warnings: b.warnings,
    })
}

fn build(parsed: &[Parsed], b: &mut Builder) -> Result<Scenario, String> {
    // ---- the job's shape: /jobs/:id and the plan ----
    let job = parsed.iter().find_map(|p| match &p.body {
        Body::Job(j) => Some((p.name.as_str(), j)),
        _ => None,
    });
    let plan = parsed
        .iter()
        .find_map(|p| match &p.body {
            Body::Plan(pl) => Some((p.name.clone(), pl.plan.clone())),
            _ => None,
        })
        .or_else(|| job.and_then(|(f, j)| j.plan.clone().map(|pl| (f.to_string(), pl))));
    if job.is_none() && plan.is_none() {
        return Err(
            "no job graph: give the body of GET /jobs/:id or GET /jobs/:id/plan (the other endpoints do not name the vertices)"
                .into(),
        );
    }
    let mut vertices: Vec<Vertex> = Vec::new();
    if let Some((file, j)) = job {
        if j.vertices.len() as u64 > MAX_SUBTASKS {
            return Err(format!(
                "{file}: vertices: {} vertices; at most {MAX_SUBTASKS} subtasks fit in one run",
                j.vertices.len()
            ));
        }
        for (i, v) in j.vertices.iter().enumerate() {
            let p = parallelism(file, &format!("vertices[{i}].parallelism"), v.parallelism)?;
            let io = match &v.metrics {
                Some(m) => {
                    let f = |n: &str, x| measure(file, &format!("vertices[{i}].metrics.{n}"), x);
                    Some(IoMetrics {
                        read_records: f("read-records", m.read_records)?,
                        write_records: f("write-records", m.write_records)?,
                        write_bytes: f("write-bytes", m.write_bytes)?,
                        busy_ms: f("accumulated-busy-time", m.busy_ms)?,
                        backpressured_ms: f("accumulated-backpressured-time", m.backpressured_ms)?,
                        ..m.clone()
                    })
                }
                None => None,
            };
            vertices.push(Vertex {
                id: v.id.to_ascii_lowercase(),
                flink_name: v.name.clone().unwrap_or_default(),
                parallelism: p,
                duration_ms: measure(file, &format!("vertices[{i}].duration"), v.duration)?,
                io,
                inputs: Vec::new(),
            });
        }
    }
    let edges_known = plan.is_some();
    if let Some((file, pl)) = &plan {
        if pl.nodes.len() as u64 > MAX_SUBTASKS {
            return Err(format!(
                "{file}: plan.nodes: {} vertices; at most {MAX_SUBTASKS} subtasks fit in one run",
                pl.nodes.len()
            ));
        }
        let fresh = vertices.is_empty();
        let by_id: BTreeMap<String, usize> = vertices
            .iter()
            .enumerate()
            .map(|(i, v)| (v.id.clone(), i))
            .collect();
        for (i, n) in pl.nodes.iter().enumerate() {
            let id = n.id.to_ascii_lowercase();
            let p = parallelism(file, &format!("plan.nodes[{i}].parallelism"), n.parallelism)?;
            let inputs: Vec<(String, String)> = n
                .inputs
                .iter()
                .map(|x| {
                    (
                        x.id.to_ascii_lowercase(),
                        x.ship_strategy.clone().unwrap_or_default(),
                    )
                })
                .collect();
            match by_id.get(&id) {
                Some(&k) => vertices[k].inputs = inputs,
                None if fresh => vertices.push(Vertex {
                    id,
                    flink_name: n.description.clone().unwrap_or_default(),
                    parallelism: p,
                    duration_ms: None,
                    io: None,
                    inputs,
                }),
                None => {
                    return Err(format!(
                        "{file}: plan.nodes[{i}].id: vertex `{}` is not in the job (GET /jobs/:id); are they of the same job?",
                        n.id
                    ))
                }
            }
        }
        // Plan nodes are newest first; order the vertices so that inputs come first.
        if fresh {
            vertices.reverse();
        }
    }
    let ids: BTreeSet<String> = vertices.iter().map(|v| v.id.clone()).collect();
    if ids.len() != vertices.len() {
        return Err("the job names one vertex ID twice".into());
    }
    let job_file = job.map(|(f, _)| f.to_string());
    let shape_source = |ep: &str| -> String {
        match (&job_file, &plan) {
            (Some(f), _) => from(f, ep),
            (None, Some((f, _))) => from(f, "GET /jobs/:id/plan"),
            _ => "guess".into(),
        }
    };

    // Names, unique.
    let mut names: Vec<String> = Vec::new();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut next: BTreeMap<String, usize> = BTreeMap::new();
    for (i, v) in vertices.iter().enumerate() {
        let base = operator_name(&v.flink_name, i);
        let mut name = base.clone();
        while taken.contains(&name) {
            let k = next.entry(base.clone()).or_insert(2);
            name = format!("{base}-{k}");
            *k += 1;
        }
        taken.insert(name.clone());
        names.push(name);
    }
    let index: BTreeMap<&str, usize> = vertices
        .iter()
        .enumerate()
        .map(|(i, v)| (v.id.as_str(), i))
        .collect();

    // Edges.
    let plan_file = plan.as_ref().map(|(f, _)| f.clone()).unwrap_or_default();
    let mut edges: Vec<EdgeSpec> = Vec::new();
    let mut pairs: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut has_output = vec![false; vertices.len()];
    let mut all_hash = vec![true; vertices.len()];
    for (i, v) in vertices.iter().enumerate() {
        for (k, (up, strategy)) in v.inputs.iter().enumerate() {
            let Some(&u) = index.get(up.as_str()) else {
                return Err(format!(
                    "{plan_file}: plan.nodes[{i}].inputs[{k}].id: no vertex `{up}` in the job"
                ));
            };
            if u == i {
                return Err(format!(
                    "{plan_file}: plan.nodes[{i}].inputs[{k}].id: vertex `{up}` is its own input"
                ));
            }
            let s = strategy.to_ascii_uppercase();
            let partitioning = match s.as_str() {
                "FORWARD" => Partitioning::Forward,
                "HASH" => Partitioning::Hash,
                "REBALANCE" | "SHUFFLE" => Partitioning::Rebalance,
                "BROADCAST" => Partitioning::Broadcast,
                "CUSTOM" => Partitioning::Hash,
                _ => Partitioning::Rebalance,
            };
            if s != "HASH" {
                all_hash[i] = false;
            }
            let field = format!("job.edges[{}].partitioning", edges.len());
            match s.as_str() {
                "FORWARD" | "HASH" | "REBALANCE" | "BROADCAST" => {}
                _ => {
                    b.note(
                        &field,
                        &from(&plan_file, "GET /jobs/:id/plan"),
                        format!(
                            "ship_strategy {strategy} is not modelled; taken as {partitioning:?}"
                        ),
                    );
                    b.warnings.push(format!(
                        "edge {} -> {}: ship_strategy `{strategy}` is not modelled; taken as {partitioning:?}",
                        names[u], names[i]
                    ));
                }
            }
            // Forward needs equal parallelism (Flink turns it into rebalance otherwise).
            let partitioning = if partitioning == Partitioning::Forward
                && vertices[u].parallelism != v.parallelism
            {
                Partitioning::Rebalance
            } else {
                partitioning
            };
            if !pairs.insert((u, i)) {
                continue;
            }
            has_output[u] = true;
            edges.push(EdgeSpec {
                from: names[u].clone(),
                to: names[i].clone(),
                partitioning,
            });
        }
    }
    if edges_known {
        b.note(
            "job.edges",
            &from(&plan_file, "GET /jobs/:id/plan"),
            "inputs[].ship_strategy",
        );
    } else {
        // Without the plan: a chain in the job's order, rebalance between vertices.
        for i in 1..vertices.len() {
            edges.push(EdgeSpec {
                from: names[i - 1].clone(),
                to: names[i].clone(),
                partitioning: if vertices[i - 1].parallelism == vertices[i].parallelism {
                    Partitioning::Forward
                } else {
                    Partitioning::Rebalance
                },
            });
            has_output[i - 1] = true;
            let up = vertices[i - 1].id.clone();
            vertices[i].inputs.push((up, String::new()));
            all_hash[i] = false;
        }
        b.guess(
            "job.edges",
            "no plan: the vertices chained in the job's order (forward or rebalance)",
        );
    }

    // ---- running time ----
    let running_ms: Option<f64> = job.and_then(|(_, j)| {
        let running = j
            .timestamps
            .as_ref()
            .and_then(|t| t.get("RUNNING"))
            .copied();
        match (j.now, running) {
            (Some(now), Some(r)) if r > 0.0 && now > r => Some(now - r),
            _ => j.duration.filter(|d| d.is_finite() && *d > 0.0),
        }
    });
    let duration_ms = match running_ms {
        Some(ms) => {
            b.note(
                "duration_ms",
                &shape_source("GET /jobs/:id"),
                format!(
                    "the job's running time (now - timestamps.RUNNING), within {MIN_DURATION_MS}..{MAX_DURATION_MS} ms"
                ),
            );
            (ms as u64).clamp(MIN_DURATION_MS, MAX_DURATION_MS)
        }
        None => {
            b.guess("duration_ms", "the job's running time is unknown: 60 s");
            60_000
        }
    };

    // ---- vertex metrics (per-second rates and buffers) ----
    let mut metrics: BTreeMap<String, (String, Vec<MetricEntry>)> = BTreeMap::new();
    for p in parsed {
        match &p.body {
            Body::Metrics(m) if m.is_empty() => b.warnings.push(format!(
                "{}: an empty metrics answer (Flink answers [] when one of the names asked for is unknown); ignored",
                p.name
            )),
            Body::Metrics(m) => {
                match hex_ids(&p.name).into_iter().find(|h| ids.contains(h)) {
                    Some(id) => {
                        metrics.insert(id, (p.name.clone(), m.clone()));
                    }
                    None => b.warnings.push(format!(
                        "{}: vertex metrics, but the name does not say of which vertex (put its vertex ID in the file name); ignored",
                        p.name
                    )),
                }
            }
            Body::HarnessVertices(h) => {
                for v in h.at_end.vertices.values() {
                    let id = v.id.to_ascii_lowercase();
                    if ids.contains(&id) && !v.subtask_metrics.is_empty() {
                        metrics.insert(id, (p.name.clone(), v.subtask_metrics.clone()));
                    }
                }
            }
            _ => {}
        }
    }

    // ---- checkpoint statistics ----
    // (file, endpoint, entry)
    let mut entries: Vec<(&str, &str, &CheckpointEntry)> = Vec::new();
    for p in parsed {
        match &p.body {
            Body::Checkpoints(c) => {
                entries.extend(
                    c.history
                        .iter()
                        .map(|e| (p.name.as_str(), p.body.endpoint(), e)),
                );
            }
            Body::CheckpointDetails(e) => entries.push((p.name.as_str(), p.body.endpoint(), e)),
            _ => {}
        }
    }
    let latest_completed = entries
        .iter()
        .filter(|(_, _, e)| {
            e.status == "COMPLETED" && e.is_savepoint != Some(true) && !e.tasks.is_empty()
        })
        .max_by_key(|(_, _, e)| e.id)
        .copied();
    // Subtask details, matched to their vertex by the figures the checkpoint lists per vertex.
    let mut details: BTreeMap<String, Vec<(&str, &SubtaskDetailsBody)>> = BTreeMap::new();
    for p in parsed {
        let Body::SubtaskDetails(d) = &p.body else {
            continue;
        };
        let mut candidates: BTreeSet<&str> = BTreeSet::new();
        for (_, _, e) in entries.iter().filter(|(_, _, e)| e.id == d.id) {
            for (vid, t) in &e.tasks {
                if t.latest_ack_timestamp == d.latest_ack_timestamp
                    && t.state_size == d.state_size
                    && t.num_subtasks == d.num_subtasks
                {
                    candidates.insert(vid.as_str());
                }
            }
        }
        let hinted: Vec<String> = hex_ids(&p.name)
            .into_iter()
            .filter(|h| ids.contains(h))
            .collect();
        let vid = if let Some(h) = hinted.first() {
            Some(h.clone())
        } else if candidates.len() == 1 {
            candidates.iter().next().map(|s| s.to_ascii_lowercase())
        } else {
            None
        };
        match vid.filter(|v| ids.contains(v)) {
            Some(v) => details.entry(v).or_default().push((p.name.as_str(), d)),
            None => b.warnings.push(format!(
                "{}: subtask details of checkpoint {}, but of which vertex is not clear (give GET /jobs/:id/checkpoints with it, or put the vertex ID in the file name); ignored",
                p.name, d.id
            )),
        }
    }

    // ---- operators ----
    let mut operators = Vec::new();
    let mut source_rates = Vec::new();
    let job_ep = shape_source("GET /jobs/:id");
    for (i, v) in vertices.iter().enumerate() {
        let kind = if v.inputs.is_empty() {
            OperatorKind::Source
        } else if !has_output[i] {
            OperatorKind::Sink
        } else if all_hash[i] {
            OperatorKind::Keyed
        } else {
            OperatorKind::Map
        };
        let field = |f: &str| format!("job.operators[{i}].{f}");
        b.note(
            &field("kind"),
            &job_ep,
            match kind {
                OperatorKind::Source => "no inputs",
                OperatorKind::Sink => "no outputs",
                OperatorKind::Keyed => "every input is HASH",
                OperatorKind::Map => "other inputs",
            },
        );
        let mut op = OperatorSpec::new(names[i].clone(), kind, v.parallelism);
        let p = f64::from(v.parallelism);
        let run_ms = v
            .duration_ms
            .filter(|d| *d > 0.0)
            .or(running_ms)
            .filter(|d| *d > 0.0);
        let io = v.io.clone().unwrap_or_default();
        let m = metrics.get(&v.id);
        // The 60 s meters (`*PerSecond`) read count / 60 during a job's first minute.
        let meter_fix = run_ms.map_or(1.0, |ms| (60_000.0 / ms).max(1.0));
        if kind == OperatorKind::Source {
            let counted = match (io.write_records, io.write_records_complete, run_ms) {
                (Some(w), c, Some(ms)) if w > 0.0 && c != Some(false) => Some((
                    w / p / (ms / 1000.0),
                    job_ep.clone(),
                    "write-records / parallelism / running time",
                )),
                _ => None,
            };
            let measured = counted.or_else(|| {
                let (file, m) = m?;
                let r = metric_sum(m, "numRecordsOut")
                    .zip(run_ms)
                    .map(|(n, ms)| n / p / (ms / 1000.0))
                    .filter(|r| *r > 0.0)
                    .or_else(|| metric(m, "numRecordsOutPerSecond").map(|r| r * meter_fix))?;
                Some((
                    r,
                    from(file, "GET /jobs/:id/vertices/:vid/subtasks/metrics"),
                    "numRecordsOut per subtask over the running time",
                ))
            });
            match measured {
                Some((rate, src, how)) if rate > 0.0 => {
                    // A backpressured source emitted less than it would have: its rate is
                    // what it emitted divided by the share of time it was not held back.
                    let bp = match (io.backpressured_ms, run_ms) {
                        (Some(b), Some(ms)) if b > 0.0 => Some(b / (p * ms)),
                        _ => m
                            .and_then(|(_, m)| metric(m, "backPressuredTimeMsPerSecond"))
                            .map(|x| x / 1000.0),
                    }
                    .map(|x| x.clamp(0.0, MAX_BACKPRESSURED_SHARE))
                    .unwrap_or(0.0);
                    let asked = (rate / (1.0 - bp)).clamp(0.001, 1_000_000.0);
                    op.records_per_sec = Some(tidy(asked));
                    source_rates.push(asked * p);
                    b.note(
                        &field("records_per_sec"),
                        &src,
                        if bp > 0.05 {
                            format!(
                                "{how}, divided by 1 - {:.2} (the share of time backpressured: what it would emit unhindered)",
                                bp
                            )
                        } else {
                            how.to_string()
                        },
                    );
                }
                _ => b.guess(
                    &field("records_per_sec"),
                    "no record counts (Flink's counters were incomplete or missing): 100 records/s per subtask",
                ),
            }
            b.guess(
                &field("key_space"),
                format!("Flink does not report the number of keys: {GUESSED_KEY_SPACE}"),
            );
        } else {
            // process_ms = busy time / records read, both summed over the subtasks.
            let counted = match (io.busy_ms, io.read_records, io.read_records_complete) {
                (Some(busy), Some(n), c) if n > 0.0 && busy > 0.0 && c != Some(false) => Some((
                    busy / n,
                    job_ep.clone(),
                    "accumulated-busy-time / read-records",
                )),
                _ => None,
            };
            let measured = counted.or_else(|| {
                let (file, m) = m?;
                let src = from(file, "GET /jobs/:id/vertices/:vid/subtasks/metrics");
                if let (Some(busy), Some(n)) = (
                    metric_sum(m, "accumulateBusyTimeMs"),
                    metric_sum(m, "numRecordsIn"),
                ) {
                    if n > 0.0 && busy > 0.0 {
                        return Some((busy / n, src, "accumulateBusyTimeMs / numRecordsIn"));
                    }
                }
                let busy = metric(m, "busyTimeMsPerSecond")?;
                let rate = metric(m, "numRecordsInPerSecond")? * meter_fix;
                (rate > 0.0 && busy > 0.0).then(|| {
                    (
                        busy / rate,
                        src,
                        "busyTimeMsPerSecond / numRecordsInPerSecond per subtask",
                    )
                })
            });
            match measured {
                Some((ms, src, how)) => {
                    op.process_ms = Some(tidy(ms.min(60_000.0)));
                    b.note(&field("process_ms"), &src, how);
                }
                None => b.guess(
                    &field("process_ms"),
                    "no busy time with records read: 0.1 ms per record",
                ),
            }
        }
        // State and snapshot durations.
        let state = latest_completed.and_then(|(f, ep, e)| {
            let t = e
                .tasks
                .iter()
                .find(|(k, _)| k.to_ascii_lowercase() == v.id)?
                .1;
            Some((from(f, ep), e.id, t.state_size?))
        });
        match (kind, state.clone()) {
            (OperatorKind::Keyed, Some((f, cid, bytes))) if bytes.is_finite() && bytes >= 0.0 => {
                let per_key = (bytes / f64::from(GUESSED_KEY_SPACE)).round() as u64;
                op.state_bytes_per_key = Some(per_key.clamp(0, 1 << 30));
                b.note(
                    &field("state_bytes_per_key"),
                    &f,
                    format!("state_size of checkpoint {cid} ({bytes} bytes) / {GUESSED_KEY_SPACE} keys (guessed key space)"),
                );
            }
            (OperatorKind::Keyed, _) => b.guess(
                &field("state_bytes_per_key"),
                "no completed checkpoint: 256 bytes per key",
            ),
            (OperatorKind::Map, Some((_, cid, bytes))) if bytes > 65_536.0 => {
                b.warnings.push(format!(
                    "{}: {bytes} bytes of state in checkpoint {cid}, but a vertex with non-hash inputs is modelled without state",
                    names[i]
                ));
            }
            _ => {}
        }
        if let Some(ds) = details.get(&v.id) {
            let per_subtask_state = state.as_ref().map_or(0.0, |(_, _, s)| s / p);
            let (mut syncs, mut asyncs) = (Vec::new(), Vec::new());
            for (_, d) in ds {
                let done: Vec<_> = d
                    .subtasks
                    .iter()
                    .filter(|s| s.status.as_deref().is_none_or(|s| s == "completed"))
                    .filter_map(|s| s.checkpoint.as_ref())
                    .filter(|c| c.sync.is_finite() && c.async_.is_finite())
                    .collect();
                if done.is_empty() {
                    continue;
                }
                let n = done.len() as f64;
                syncs.push(done.iter().map(|c| c.sync.max(0.0)).sum::<f64>() / n);
                asyncs.push(done.iter().map(|c| c.async_.max(0.0)).sum::<f64>() / n);
            }
            let src = from(
                ds[0].0,
                "GET /jobs/:id/checkpoints/details/:cid/subtasks/:vid",
            );
            // The least async part: a subtask's uploads run one after another, and Flink counts
            // the wait behind the previous one in the next one's async duration.
            let least_async = asyncs.iter().copied().reduce(f64::min);
            if let (Some(s), Some(a)) = (median(syncs), least_async) {
                let storage = StorageSpec::default();
                let upload = storage.write_ms + per_subtask_state / storage.bytes_per_ms as f64;
                op.snapshot_sync_ms = Some(tidy(s.min(MAX_TIME_MS as f64)));
                op.snapshot_async_ms = Some(tidy((a - upload).clamp(0.0, MAX_TIME_MS as f64)));
                b.note(
                    &field("snapshot_sync_ms"),
                    &src,
                    format!("median over {} checkpoints of the subtasks' average checkpoint_duration.sync", ds.len()),
                );
                b.note(
                    &field("snapshot_async_ms"),
                    &src,
                    "the least over the checkpoints of the subtasks' average .async (a later upload waits behind the one before and Flink counts the wait), less the modelled upload (storage.write_ms + state / storage.bytes_per_ms)",
                );
            }
        } else {
            b.guess(
                &field("snapshot_sync_ms"),
                "no subtask details: Flink-like defaults (sync 2 ms, async 20 ms)",
            );
        }
        operators.push(op);
    }

    // ---- checkpointing ----
    let mut checkpointing = CheckpointingSpec::default();
    match parsed.iter().find_map(|p| match &p.body {
        Body::Config(c) => Some((p.name.as_str(), c)),
        _ => None,
    }) {
        Some((file, c)) => {
            let src = from(file, "GET /jobs/:id/checkpoints/config");
            let ms = |field: &str, v: i64| -> Result<u64, String> {
                if v < 0 || v as u64 > MAX_TIME_MS {
                    Err(format!(
                        "{file}: {field}: must be between 0 and {MAX_TIME_MS} ms, is {v}"
                    ))
                } else {
                    Ok(v as u64)
                }
            };
            checkpointing.mode = match c.mode.to_ascii_uppercase().replace('-', "_").as_str() {
                "EXACTLY_ONCE" => CheckpointingMode::ExactlyOnce,
                "AT_LEAST_ONCE" => CheckpointingMode::AtLeastOnce,
                _ => {
                    return Err(format!(
                        "{file}: mode: `{}` is not a checkpointing mode (exactly_once or at_least_once)",
                        c.mode
                    ))
                }
            };
            if c.interval <= 0 || c.interval as u64 > MAX_TIME_MS {
                checkpointing.interval_ms = None;
                b.warnings.push(format!(
                    "{file}: interval {}: periodic checkpointing is off",
                    c.interval
                ));
            } else {
                checkpointing.interval_ms = Some((c.interval as u64).max(10));
            }
            if let Some(t) = c.timeout {
                checkpointing.timeout_ms = ms("timeout", t)?.max(1);
            }
            if let Some(t) = c.min_pause {
                checkpointing.min_pause_ms = ms("min_pause", t)?;
            }
            if let Some(n) = c.max_concurrent {
                if !(1..=1000).contains(&n) {
                    return Err(format!(
                        "{file}: max_concurrent: must be between 1 and 1000, is {n}"
                    ));
                }
                checkpointing.max_concurrent = n as u32;
            }
            if let Some(n) = c.tolerable_failed_checkpoints {
                if !(0..=i64::from(u32::MAX)).contains(&n) {
                    return Err(format!(
                        "{file}: tolerable_failed_checkpoints: must be a whole number >= 0, is {n}"
                    ));
                }
                checkpointing.tolerable_failed = n as u32;
            }
            checkpointing.unaligned = c.unaligned_checkpoints.unwrap_or(false);
            if let Some(t) = c.aligned_checkpoint_timeout {
                checkpointing.aligned_timeout_ms = ms("aligned_checkpoint_timeout", t)?;
            }
            b.note(
                "checkpointing",
                &src,
                "mode, interval, timeout, min_pause, max_concurrent, tolerable_failed_checkpoints, unaligned_checkpoints, aligned_checkpoint_timeout",
            );
            b.guess(
                "checkpointing.num_retained",
                "not in Flink's REST API: 1 (Flink's default)",
            );
        }
        None => {
            checkpointing.interval_ms = Some(10_000);
            b.guess(
                "checkpointing",
                "no checkpoint configuration: Flink's defaults with a 10 s interval",
            );
        }
    }

    // ---- network ----
    let mut network = NetworkSpec::default();
    let bytes_records = vertices
        .iter()
        .filter_map(|v| {
            let io = v.io.as_ref()?;
            Some((io.write_bytes?, io.write_records?))
        })
        .filter(|(b, r)| *b > 0.0 && *r > 0.0)
        .fold((0.0, 0.0), |acc, (b, r)| (acc.0 + b, acc.1 + r));
    if bytes_records.1 > 0.0 {
        network.record_bytes =
            ((bytes_records.0 / bytes_records.1).round() as u64).clamp(1, 1 << 30);
        b.note(
            "network.record_bytes",
            &job_ep,
            "write-bytes / write-records over every vertex",
        );
    } else {
        b.guess(
            "network.record_bytes",
            "no byte counts: 1024 bytes per record",
        );
    }
    // The segment size: a backpressured producer sends full buffers.
    let full_buffer = vertices.iter().find_map(|v| {
        let (file, m) = metrics.get(&v.id)?;
        let bp = metric(m, "backPressuredTimeMsPerSecond")?;
        let bytes = metric(m, "numBytesOutPerSecond")?;
        let buffers = metric(m, "numBuffersOutPerSecond")?;
        (bp > 200.0 && buffers > 0.0 && bytes > 0.0).then(|| (file.clone(), bytes / buffers))
    });
    match full_buffer {
        Some((file, size)) => {
            network.segment_size = (size.ceil() as u64)
                .next_power_of_two()
                .clamp(4096, 1 << 24);
            b.note(
                "network.segment_size",
                &from(&file, "GET /jobs/:id/vertices/:vid/subtasks/metrics"),
                "a backpressured producer's numBytesOutPerSecond / numBuffersOutPerSecond (full buffers), up to a power of two",
            );
        }
        None => b.guess(
            "network.segment_size",
            "taskmanager.memory.segment-size is not in the job's REST API: Flink's default 32 KiB",
        ),
    }
    // Local channels: a consumer with a queue but no input buffers in use reads its
    // producers' subpartitions directly (one TaskManager).
    let local = vertices.iter().find_map(|v| {
        if v.inputs.is_empty() {
            return None;
        }
        let (file, m) = metrics.get(&v.id)?;
        let queue = metric(m, "Shuffle.Netty.Input.Buffers.inputQueueLength")?;
        let pool = metric(m, "Shuffle.Netty.Input.Buffers.inPoolUsage")?;
        (queue > 0.0).then(|| (file.clone(), pool == 0.0))
    });
    match local {
        Some((file, l)) => {
            network.local_channels = l;
            b.note(
                "network.local_channels",
                &from(&file, "GET /jobs/:id/vertices/:vid/subtasks/metrics"),
                "input queues with data but no input buffers in use: local channels (one TaskManager)",
            );
        }
        None => b.guess(
            "network.local_channels",
            "no input-buffer metrics: remote channels (Flink's network stack between TaskManagers)",
        ),
    }
    b.guess(
        "network.buffer_timeout_ms",
        "execution.buffer-timeout is not in the job's REST API: Flink's default 100 ms",
    );
    b.guess(
        "storage",
        "checkpoint storage speed is not reported: 5 ms per write, 100 MB/s per subtask",
    );
    b.guess(
        "restart_delay_ms",
        "the restart strategy is not in these endpoints: Flink's default 1 s",
    );

    let job_name = job
        .and_then(|(_, j)| j.name.clone())
        .or_else(|| plan.as_ref().and_then(|(_, p)| p.name.clone()))
        .unwrap_or_default();
    let jid = job
        .map(|(_, j)| j.jid.clone())
        .or_else(|| plan.as_ref().and_then(|(_, p)| p.jid.clone()))
        .unwrap_or_default();
    let name: String = job_name.trim().chars().take(80).collect();
    let name = if name.is_empty() {
        "imported-job".to_string()
    } else {
        name
    };
    let total: f64 = source_rates.iter().sum();
    let scenario = Scenario {
        name,
        description: format!(
            "Imported from Flink job {jid}: {} vertices, sources at {:.0} records/s in all. See calibration for where each figure came from.",
            operators.len(),
            total
        ),
        seed: 0,
        duration_ms,
        job: JobSpec { operators, edges },
        checkpointing,
        network,
        storage: StorageSpec::default(),
        restart_delay_ms: 1000,
        restart_attempts: None,
        faults: Vec::new(),
        steps: Vec::new(),
        calibration: std::mem::take(&mut b.calibration),
    };
    scenario.validate().map_err(|e| {
        // Name the file the field came from.
        let text = e.to_string();
        let file = scenario
            .calibration
            .iter()
            .filter_map(|line| line.split_once(" <- "))
            .filter(|(field, source)| !source.starts_with("guess") && text.starts_with(*field))
            .max_by_key(|(field, _)| field.len())
            .and_then(|(_, source)| source.split(" (").next())
            .map(|file| format!(" (from {file})"))
            .unwrap_or_default();
        format!("the imported job breaks a rule of the simulation: {e}{file}")
    })?;
    Ok(scenario)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, text: &str) -> Input {
        Input {
            name: name.into(),
            text: text.into(),
        }
    }

    /// A job of `vertices` (id, name, parallelism, metrics JSON) and a plan of `inputs`.
    fn job(vertices: &[(&str, &str, u32, &str)], inputs: &[(&str, &str, &str)]) -> Vec<Input> {
        let vs: Vec<String> = vertices
            .iter()
            .map(|(id, name, p, m)| {
                format!(r#"{{"id":"{id}","name":"{name}","parallelism":{p},"duration":10000,"metrics":{m}}}"#)
            })
            .collect();
        let nodes: Vec<String> = vertices
            .iter()
            .map(|(id, _, p, _)| {
                let ins: Vec<String> = inputs
                    .iter()
                    .filter(|(_, to, _)| to == id)
                    .map(|(from, _, s)| format!(r#"{{"id":"{from}","ship_strategy":"{s}"}}"#))
                    .collect();
                format!(
                    r#"{{"id":"{id}","parallelism":{p},"inputs":[{}]}}"#,
                    ins.join(",")
                )
            })
            .collect();
        vec![
            input(
                "job.json",
                &format!(
                    r#"{{"jid":"j","name":"job","now":11000,"timestamps":{{"RUNNING":1000}},"vertices":[{}]}}"#,
                    vs.join(",")
                ),
            ),
            input(
                "plan.json",
                &format!(r#"{{"plan":{{"nodes":[{}]}}}}"#, nodes.join(",")),
            ),
        ]
    }

    #[test]
    fn operator_names_drop_flinks_source_and_sink_prefixes_and_hashes() {
        assert_eq!(operator_name("Source: kafka", 0), "kafka");
        assert_eq!(operator_name("Sink: out<br/>", 1), "out");
        assert_eq!(operator_name("map #1", 2), "map _1");
        assert_eq!(operator_name("  ", 3), "vertex-3");
    }

    #[test]
    fn vertex_ids_are_found_in_urls_and_file_names() {
        let jid = "7f2f4317f864634e3eadd4557752bc43";
        let vid = "0da08f51eaa85fc298e176a139b3649a";
        assert_eq!(
            hex_ids(&format!(
                "http://h:8081/jobs/{jid}/vertices/{vid}/backpressure"
            )),
            vec![jid.to_string(), vid.to_string()]
        );
        assert!(hex_ids("details/5-counter.json").is_empty());
    }

    #[test]
    fn kinds_follow_the_inputs_and_outputs() {
        let none = "{}";
        let s = import(&job(
            &[
                ("a", "Source: a", 2, none),
                ("b", "b", 2, none),
                ("c", "c", 2, none),
                ("d", "Sink: d", 1, none),
            ],
            &[
                ("a", "b", "HASH"),
                ("b", "c", "FORWARD"),
                ("c", "d", "BROADCAST"),
            ],
        ))
        .unwrap()
        .scenario;
        let kinds: Vec<_> = s.job.operators.iter().map(|o| o.kind).collect();
        assert_eq!(
            kinds,
            [
                OperatorKind::Source,
                OperatorKind::Keyed,
                OperatorKind::Map,
                OperatorKind::Sink
            ]
        );
        let parts: Vec<_> = s.job.edges.iter().map(|e| e.partitioning).collect();
        assert_eq!(
            parts,
            [
                Partitioning::Hash,
                Partitioning::Forward,
                Partitioning::Broadcast
            ]
        );
    }

    #[test]
    fn a_backpressured_source_is_asked_for_more_than_it_emitted() {
        // 2 subtasks, 10 s, 10 000 records: 500/s each, backpressured half the time -> 1000/s.
        let src = r#"{"write-records":10000,"write-bytes":1000000,"accumulated-backpressured-time":10000}"#;
        let s = import(&job(
            &[("a", "Source: a", 2, src), ("b", "Sink: b", 2, "{}")],
            &[("a", "b", "FORWARD")],
        ))
        .unwrap()
        .scenario;
        assert_eq!(s.job.operators[0].records_per_sec, Some(1000.0));
        assert_eq!(s.network.record_bytes, 100);
    }

    #[test]
    fn process_cost_is_busy_time_per_record_read() {
        let sink = r#"{"read-records":4000,"accumulated-busy-time":2000}"#;
        let s = import(&job(
            &[("a", "Source: a", 1, "{}"), ("b", "Sink: b", 1, sink)],
            &[("a", "b", "REBALANCE")],
        ))
        .unwrap()
        .scenario;
        assert_eq!(s.job.operators[1].process_ms, Some(0.5));
    }

    #[test]
    fn incomplete_counters_are_not_taken_as_zero_rates() {
        let src = r#"{"write-records":0,"write-records-complete":false}"#;
        let imported = import(&job(
            &[("a", "Source: a", 1, src), ("b", "Sink: b", 1, "{}")],
            &[("a", "b", "FORWARD")],
        ))
        .unwrap();
        let s = imported.scenario;
        assert_eq!(s.job.operators[0].records_per_sec, None);
        let c = calibration_of(&s, "job.operators[0].records_per_sec").unwrap();
        assert!(c.starts_with("guess: "), "{c}");
    }

    #[test]
    fn an_unmodelled_ship_strategy_becomes_rebalance_with_a_warning() {
        let imported = import(&job(
            &[("a", "Source: a", 2, "{}"), ("b", "Sink: b", 4, "{}")],
            &[("a", "b", "RESCALE")],
        ))
        .unwrap();
        assert_eq!(
            imported.scenario.job.edges[0].partitioning,
            Partitioning::Rebalance
        );
        assert!(
            imported.warnings.iter().any(|w| w.contains("RESCALE")),
            "{:?}",
            imported.warnings
        );
    }

    #[test]
    fn the_60_second_meters_are_scaled_up_in_a_jobs_first_minute() {
        // No counters in /jobs/:id; the meter reads count / 60 after 10 s: 100/s is 600/s.
        let mut inputs = job(
            &[
                ("a".repeat(32).as_str(), "Source: a", 1, "{}"),
                ("b".repeat(32).as_str(), "Sink: b", 1, "{}"),
            ],
            &[(&"a".repeat(32), &"b".repeat(32), "FORWARD")],
        );
        inputs.push(input(
            &format!("jobs/j/vertices/{}/subtasks/metrics", "a".repeat(32)),
            r#"[{"id":"numRecordsOutPerSecond","min":100,"max":100,"avg":100,"sum":100}]"#,
        ));
        let s = import(&inputs).unwrap().scenario;
        assert_eq!(s.job.operators[0].records_per_sec, Some(600.0));
    }

    #[test]
    fn checkpointing_off_in_flink_is_off_in_the_scenario() {
        let mut inputs = job(
            &[("a", "Source: a", 1, "{}"), ("b", "Sink: b", 1, "{}")],
            &[("a", "b", "FORWARD")],
        );
        inputs.push(input(
            "c.json",
            r#"{"mode":"at_least_once","interval":9223372036854775807,"timeout":1000}"#,
        ));
        let s = import(&inputs).unwrap().scenario;
        assert_eq!(s.checkpointing.interval_ms, None);
        assert_eq!(s.checkpointing.mode, CheckpointingMode::AtLeastOnce);
    }
}
