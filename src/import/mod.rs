//! Import a running Flink job: the bodies of Flink's REST endpoints (saved files, or fetched
//! live by [`fetch`]) become a scenario calibrated to the job, with a `calibration` section
//! saying where each figure came from. The rules are in docs/import.md.
//!
//! [`import`] is target-independent (the browser's "Import from Flink" dialog calls it in wasm);
//! only [`fetch`] (HTTP) is native. [`rest`] recognises and parses the bodies; this module
//! checks which endpoints came, then builds the scenario from `shape` (operators and edges from
//! the plan), `rates` (running time, rates, costs, network settings from the vertex metrics) and
//! `checkpoints` (configuration, state sizes, snapshot durations from the checkpoint statistics).

mod checkpoints;
mod rates;
pub mod rest;
mod shape;
#[cfg(test)]
mod tests;

#[cfg(not(target_arch = "wasm32"))]
pub mod fetch;

use crate::sim::scenario::{
    default_key_space, widest_behind_hash, JobSpec, OperatorKind, OperatorSpec, Scenario,
    StorageSpec,
};
use crate::sim::sorted::SortedSet;
use rest::Body;
use shape::Shape;

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
/// The endpoints the import reads, and what each is for (the warning when one is missing).
pub(crate) const WANTED: &[(&str, &str)] = &[
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
    let mut seen: SortedSet<&str> = SortedSet::new();
    for p in &parsed {
        seen.insert(p.body.endpoint());
    }
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

/// The scenario from the parsed bodies: the job's shape, then each operator's figures, the
/// checkpointing and the network, noting in `b` where each came from.
fn build(parsed: &[Parsed], b: &mut Builder) -> Result<Scenario, String> {
    let shape = shape::shape(parsed, b)?;
    let running_ms = rates::running_ms(shape.job);
    let duration_ms = rates::duration_ms(running_ms, &shape.source("GET /jobs/:id"), b);
    let metrics = rates::vertex_metrics(parsed, &shape.ids, b);
    let stats = checkpoints::statistics(parsed, &shape.ids, b);
    let (operators, source_rates) = operators(&shape, running_ms, &metrics, &stats, b);
    let checkpointing = checkpoints::checkpointing(parsed, b)?;
    let job_ep = shape.source("GET /jobs/:id");
    let network = rates::network(&shape.vertices, &metrics, &job_ep, b);
    b.guess(
        "storage",
        "checkpoint storage speed is not reported: 5 ms per write, 100 MB/s per subtask",
    );
    b.guess(
        "restart_delay_ms",
        "the restart strategy is not in these endpoints: Flink's default 1 s",
    );
    let (name, jid) = job_name_and_id(&shape);
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
        job: JobSpec {
            operators,
            edges: shape.edges,
        },
        checkpointing,
        network,
        storage: StorageSpec::default(),
        restart_delay_ms: 1000,
        restart_attempts: None,
        faults: Vec::new(),
        steps: Vec::new(),
        calibration: std::mem::take(&mut b.calibration),
    };
    validated(scenario)
}

/// One operator per vertex, with its measured figures; and each source's total rate
/// (records/s over its subtasks).
fn operators(
    shape: &Shape,
    running_ms: Option<f64>,
    metrics: &rates::Metrics,
    stats: &checkpoints::Statistics,
    b: &mut Builder,
) -> (Vec<OperatorSpec>, Vec<f64>) {
    let mut operators = Vec::new();
    let mut source_rates = Vec::new();
    // Flink does not report the number of keys: the scenario's default key space is assumed.
    let keys = default_key_space(widest_behind_hash(&shape.edges, |name| {
        let i = shape.names.iter().position(|n| n == name)?;
        Some(shape.vertices[i].parallelism)
    }));
    let job_ep = shape.source("GET /jobs/:id");
    for (i, v) in shape.vertices.iter().enumerate() {
        let kind = shape.kinds[i];
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
        let mut op = OperatorSpec::new(shape.names[i].clone(), kind, v.parallelism);
        let measured = rates::Measured::of(v, running_ms, metrics);
        if kind == OperatorKind::Source {
            if let Some(asked) =
                rates::source_rate(&measured, &job_ep, &field("records_per_sec"), b)
            {
                op.records_per_sec = Some(tidy(asked));
                source_rates.push(asked * f64::from(v.parallelism));
            }
            b.guess(
                &field("key_space"),
                format!("Flink does not report the number of keys: {keys}"),
            );
        } else {
            op.process_ms =
                rates::process_ms(&measured, &job_ep, &field("process_ms"), b).map(tidy);
        }
        let state = stats.state(&v.id);
        checkpoints::state_per_key(i, &mut op, keys, state.as_ref(), b);
        stats.snapshot_durations(i, &v.id, &mut op, state.as_ref(), b);
        operators.push(op);
    }
    (operators, source_rates)
}

/// The scenario's name (the job's, at most 80 characters) and the job's ID.
fn job_name_and_id(shape: &Shape) -> (String, String) {
    let (job, plan) = (shape.job, &shape.plan);
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
    (name, jid)
}

/// The scenario if it keeps the simulation's rules, else the rule broken and the file the
/// field came from.
fn validated(scenario: Scenario) -> Result<Scenario, String> {
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
