//! The job's shape from `GET /jobs/:id` and `GET /jobs/:id/plan`: job vertices become
//! operators (unique names, kinds), plan inputs become edges and their partitioning. Without
//! a plan the vertices are chained in the job's order. The rules are in docs/import.md.

use super::rest::{Body, IoMetrics, JobBody, PlanInner};
use super::{from, Builder, Parsed};
use crate::sim::scenario::{EdgeSpec, OperatorKind, Partitioning, MAX_PARALLELISM, MAX_SUBTASKS};
use crate::sim::sorted::{SortedMap, SortedSet};

/// A vertex of the job, merged from `/jobs/:id` and the plan.
#[derive(Debug, Clone)]
pub(super) struct Vertex {
    pub id: String,
    pub flink_name: String,
    pub parallelism: u32,
    pub duration_ms: Option<f64>,
    pub io: Option<IoMetrics>,
    /// (upstream vertex id, ship strategy)
    pub inputs: Vec<(String, String)>,
}

/// The job graph: its vertices in order, one operator name and kind each, and the edges.
pub(super) struct Shape<'a> {
    /// `GET /jobs/:id`: (file, body).
    pub job: Option<(&'a str, &'a JobBody)>,
    /// The plan, on its own or in `GET /jobs/:id`: (file, plan).
    pub plan: Option<(String, PlanInner)>,
    pub vertices: Vec<Vertex>,
    /// The vertices' IDs (lower case).
    pub ids: SortedSet<String>,
    /// The operator name of each vertex, unique.
    pub names: Vec<String>,
    /// The operator kind of each vertex.
    pub kinds: Vec<OperatorKind>,
    pub edges: Vec<EdgeSpec>,
}

impl Shape<'_> {
    /// Where the job's figures came from: `/jobs/:id` (`endpoint`), else the plan.
    pub fn source(&self, endpoint: &str) -> String {
        match (&self.job, &self.plan) {
            (Some((f, _)), _) => from(f, endpoint),
            (None, Some((f, _))) => from(f, "GET /jobs/:id/plan"),
            _ => "guess".into(),
        }
    }
}

/// A measured figure: finite and >= 0, or an error naming the file and the field.
pub(super) fn measure(file: &str, field: &str, v: Option<f64>) -> Result<Option<f64>, String> {
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
pub(super) fn operator_name(flink: &str, index: usize) -> String {
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

/// The job's shape from the job and plan bodies among `parsed`.
pub(super) fn shape<'a>(parsed: &'a [Parsed], b: &mut Builder) -> Result<Shape<'a>, String> {
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
    let mut vertices = match job {
        Some((file, j)) => job_vertices(file, j)?,
        None => Vec::new(),
    };
    if let Some((file, pl)) = &plan {
        plan_inputs(file, pl, &mut vertices)?;
    }
    let mut ids: SortedSet<String> = SortedSet::new();
    for v in &vertices {
        ids.insert(v.id.clone());
    }
    if ids.len() != vertices.len() {
        return Err("the job names one vertex ID twice".into());
    }
    let names = unique_names(&vertices);
    let plan_file = plan.as_ref().map(|(f, _)| f.as_str());
    let (edges, kinds) = edges_and_kinds(plan_file, &mut vertices, &names, b)?;
    Ok(Shape {
        job,
        plan,
        vertices,
        ids,
        names,
        kinds,
        edges,
    })
}

/// The vertices of `GET /jobs/:id`, in its order, without inputs.
fn job_vertices(file: &str, j: &JobBody) -> Result<Vec<Vertex>, String> {
    if j.vertices.len() as u64 > MAX_SUBTASKS {
        return Err(format!(
            "{file}: vertices: {} vertices; at most {MAX_SUBTASKS} subtasks fit in one run",
            j.vertices.len()
        ));
    }
    let mut vertices = Vec::new();
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
    Ok(vertices)
}

/// Gives the job's vertices their inputs from the plan; without the job, the plan's nodes
/// become the vertices (inputs first).
fn plan_inputs(file: &str, pl: &PlanInner, vertices: &mut Vec<Vertex>) -> Result<(), String> {
    if pl.nodes.len() as u64 > MAX_SUBTASKS {
        return Err(format!(
            "{file}: plan.nodes: {} vertices; at most {MAX_SUBTASKS} subtasks fit in one run",
            pl.nodes.len()
        ));
    }
    let fresh = vertices.is_empty();
    // Maps and sets here are filled by insert: collecting into one sorts first, and each such
    // sort is one more stable sort in the browser bundle.
    let mut by_id: SortedMap<String, usize> = SortedMap::new();
    for (i, v) in vertices.iter().enumerate() {
        by_id.insert(v.id.clone(), i);
    }
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
    Ok(())
}

/// One operator name per vertex, made unique with `-2`, `-3`, ...
fn unique_names(vertices: &[Vertex]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut taken: SortedSet<String> = SortedSet::new();
    let mut next: SortedMap<String, usize> = SortedMap::new();
    for (i, v) in vertices.iter().enumerate() {
        let base = operator_name(&v.flink_name, i);
        let mut name = base.clone();
        while taken.contains(&name) {
            let k = next.get_or_insert_with(base.clone(), || 2);
            name = format!("{base}-{k}");
            *k += 1;
        }
        taken.insert(name.clone());
        names.push(name);
    }
    names
}

/// The edges from the vertices' inputs (the plan's, in `plan_file`), or without a plan a
/// chain in the job's order (which then become the vertices' inputs); and each vertex's kind.
fn edges_and_kinds(
    plan_file: Option<&str>,
    vertices: &mut [Vertex],
    names: &[String],
    b: &mut Builder,
) -> Result<(Vec<EdgeSpec>, Vec<OperatorKind>), String> {
    let mut index: SortedMap<&str, usize> = SortedMap::new();
    for (i, v) in vertices.iter().enumerate() {
        index.insert(v.id.as_str(), i);
    }
    let edges_known = plan_file.is_some();
    let plan_file = plan_file.unwrap_or_default();
    let mut edges: Vec<EdgeSpec> = Vec::new();
    let mut pairs: SortedSet<(usize, usize)> = SortedSet::new();
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
            let partitioning = partitioning(&s);
            if s != "HASH" {
                all_hash[i] = false;
            }
            let field = format!("job.edges[{}].partitioning", edges.len());
            match s.as_str() {
                "FORWARD" | "HASH" | "REBALANCE" | "BROADCAST" => {}
                _ => {
                    b.note(
                        &field,
                        &from(plan_file, "GET /jobs/:id/plan"),
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
            &from(plan_file, "GET /jobs/:id/plan"),
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
    let kinds = vertices
        .iter()
        .enumerate()
        .map(|(i, v)| {
            if v.inputs.is_empty() {
                OperatorKind::Source
            } else if !has_output[i] {
                OperatorKind::Sink
            } else if all_hash[i] {
                OperatorKind::Keyed
            } else {
                OperatorKind::Map
            }
        })
        .collect();
    Ok((edges, kinds))
}

/// The partitioning for a ship strategy (upper case): `SHUFFLE` is rebalance, `CUSTOM` is
/// taken as hash, anything else not modelled as rebalance.
fn partitioning(strategy: &str) -> Partitioning {
    match strategy {
        "FORWARD" => Partitioning::Forward,
        "HASH" => Partitioning::Hash,
        "REBALANCE" | "SHUFFLE" => Partitioning::Rebalance,
        "BROADCAST" => Partitioning::Broadcast,
        "CUSTOM" => Partitioning::Hash,
        _ => Partitioning::Rebalance,
    }
}
