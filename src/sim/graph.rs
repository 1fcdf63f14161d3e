//! The execution graph: the scenario's job graph (operators and edges) expanded into subtasks and
//! the channels between them, as Flink's ExecutionGraph does. Also computes failover regions
//! (the connected components of subtasks, Flink's region failover strategy) and the per-operator
//! parameters converted to simulated time. Immutable once built.

use super::ids::{ChannelId, InputIndex, OperatorId, SimDuration, SubtaskId};
use super::scenario::{OperatorKind, Partitioning, Scenario};
use super::task::next_copy;

/// Most record runs a source subtask emits per second: above this rate one run carries several
/// records (consecutive numbers, one key), so that a run's cost does not grow with the rate.
pub const RUNS_PER_SEC: f64 = 250.0;

#[derive(Debug, Clone, PartialEq)]
pub struct OperatorInfo {
    pub id: OperatorId,
    pub name: String,
    pub kind: OperatorKind,
    pub parallelism: u32,
    pub first_subtask: SubtaskId,
    pub process: SimDuration,
    pub snapshot_sync: SimDuration,
    pub snapshot_async: SimDuration,
    pub state_bytes_per_key: u64,
    /// Sources: time between two record runs of one subtask.
    pub emit_interval: SimDuration,
    /// Sources: records in one run (1 up to 250 records/s, then rate / 250 rounded up).
    pub run_records: u32,
    pub key_space: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutputGroup {
    /// Index of the job edge.
    pub edge: u32,
    pub partitioning: Partitioning,
    /// The channels of this edge from this subtask, indexed by target subtask index
    /// (forward: the single channel to the same index).
    pub channels: Vec<ChannelId>,
    /// The first of `channels`: they are numbered in a row, so the channel to target `j` is
    /// `first + j`, found without reading the list (a cache miss in a large job).
    pub first: ChannelId,
    /// A copy id the records this subtask emits usually carry (those of its operator's first
    /// lineage from a source) and the copy id they get along this edge (target 0): routing
    /// reuses it instead of mixing the same ids again for every buffer.
    pub copy_hint: (u32, u32),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SubtaskInfo {
    pub id: SubtaskId,
    pub op: OperatorId,
    pub index: u32,
    /// `operator#index`, as Flink's web UI names a subtask.
    pub name: String,
    pub inputs: Vec<ChannelId>,
    pub outputs: Vec<OutputGroup>,
    pub region: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChannelInfo {
    pub id: ChannelId,
    pub from: SubtaskId,
    pub to: SubtaskId,
    pub edge: u32,
    /// Position of this channel among the consumer's input channels.
    pub input_index: InputIndex,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionGraph {
    pub operators: Vec<OperatorInfo>,
    pub subtasks: Vec<SubtaskInfo>,
    pub channels: Vec<ChannelInfo>,
    /// (from operator, to operator, partitioning) per job edge.
    pub edges: Vec<(OperatorId, OperatorId, Partitioning)>,
    /// Failover regions: subtasks connected by channels restart together.
    pub regions: Vec<Vec<SubtaskId>>,
    pub sources: Vec<SubtaskId>,
    pub sinks: Vec<SubtaskId>,
}

impl ExecutionGraph {
    /// Builds the graph of a validated scenario.
    pub fn build(s: &Scenario) -> ExecutionGraph {
        let mut operators = Vec::new();
        let mut subtasks = Vec::new();
        for (i, op) in s.job.operators.iter().enumerate() {
            let first = SubtaskId(subtasks.len() as u32);
            let rate = op.records_per_sec();
            let run_records = (rate / RUNS_PER_SEC).ceil().clamp(1.0, u32::MAX as f64) as u32;
            let interval_us = (1_000_000.0 * run_records as f64 / rate).round().max(1.0) as u64;
            operators.push(OperatorInfo {
                id: OperatorId(i as u32),
                name: op.name.clone(),
                kind: op.kind,
                parallelism: op.parallelism,
                first_subtask: first,
                process: SimDuration::from_ms_f64(op.process_ms()),
                snapshot_sync: SimDuration::from_ms_f64(op.snapshot_sync_ms()),
                snapshot_async: SimDuration::from_ms_f64(op.snapshot_async_ms()),
                state_bytes_per_key: op.state_bytes_per_key(),
                emit_interval: SimDuration(interval_us),
                run_records,
                key_space: s.job.key_space(op),
            });
            for index in 0..op.parallelism {
                subtasks.push(SubtaskInfo {
                    id: SubtaskId(subtasks.len() as u32),
                    op: OperatorId(i as u32),
                    index,
                    name: format!("{}#{}", op.name, index),
                    inputs: Vec::new(),
                    outputs: Vec::new(),
                    region: 0,
                });
            }
        }
        let op_index = |name: &str| {
            s.job
                .operators
                .iter()
                .position(|o| o.name == name)
                .unwrap_or(0)
        };
        let mut channels: Vec<ChannelInfo> = Vec::new();
        let mut edges = Vec::new();
        for (e, edge) in s.job.edges.iter().enumerate() {
            let (from, to) = (op_index(&edge.from), op_index(&edge.to));
            edges.push((
                OperatorId(from as u32),
                OperatorId(to as u32),
                edge.partitioning,
            ));
            let (fop, top) = (&operators[from], &operators[to]);
            let (f0, t0, fp, tp) = (
                fop.first_subtask.0,
                top.first_subtask.0,
                fop.parallelism,
                top.parallelism,
            );
            for i in 0..fp {
                let producer = SubtaskId(f0 + i);
                let mut group = OutputGroup {
                    edge: e as u32,
                    partitioning: edge.partitioning,
                    channels: Vec::new(),
                    first: ChannelId(channels.len() as u32),
                    copy_hint: (0, next_copy(0, e as u32, 0)),
                };
                let targets: Vec<u32> = if edge.partitioning == Partitioning::Forward {
                    vec![i]
                } else {
                    (0..tp).collect()
                };
                for j in targets {
                    let consumer = SubtaskId(t0 + j);
                    let id = ChannelId(channels.len() as u32);
                    let input_index = InputIndex(subtasks[consumer.idx()].inputs.len() as u32);
                    subtasks[consumer.idx()].inputs.push(id);
                    channels.push(ChannelInfo {
                        id,
                        from: producer,
                        to: consumer,
                        edge: e as u32,
                        input_index,
                    });
                    group.channels.push(id);
                }
                subtasks[producer.idx()].outputs.push(group);
            }
        }
        // The copy id of each operator's first lineage from a source, for the routing hints.
        let mut copy_in: Vec<Option<u32>> = operators
            .iter()
            .map(|o| (o.kind == OperatorKind::Source).then_some(0))
            .collect();
        for _ in 0..operators.len() {
            for (e, (from, to, _)) in edges.iter().enumerate() {
                if let (Some(c), None) = (copy_in[from.idx()], copy_in[to.idx()]) {
                    copy_in[to.idx()] = Some(next_copy(c, e as u32, 0));
                }
            }
        }
        for st in subtasks.iter_mut() {
            if let Some(c) = copy_in[st.op.idx()] {
                for g in st.outputs.iter_mut() {
                    g.copy_hint = (c, next_copy(c, g.edge, 0));
                }
            }
        }
        // Regions: union-find over channels.
        let mut parent: Vec<u32> = (0..subtasks.len() as u32).collect();
        fn find(p: &mut [u32], x: u32) -> u32 {
            let mut r = x;
            while p[r as usize] != r {
                r = p[r as usize];
            }
            let mut c = x;
            while p[c as usize] != r {
                let n = p[c as usize];
                p[c as usize] = r;
                c = n;
            }
            r
        }
        for c in &channels {
            let (a, b) = (find(&mut parent, c.from.0), find(&mut parent, c.to.0));
            if a != b {
                parent[a.max(b) as usize] = a.min(b);
            }
        }
        let mut region_of_root = crate::sim::sorted::SortedMap::new();
        let mut regions: Vec<Vec<SubtaskId>> = Vec::new();
        for i in 0..subtasks.len() as u32 {
            let root = find(&mut parent, i);
            let r = *region_of_root.get_or_insert_with(root, || {
                regions.push(Vec::new());
                regions.len() as u32 - 1
            });
            regions[r as usize].push(SubtaskId(i));
            subtasks[i as usize].region = r;
        }
        let sources = subtasks
            .iter()
            .filter(|t| operators[t.op.idx()].kind == OperatorKind::Source)
            .map(|t| t.id)
            .collect();
        let sinks = subtasks
            .iter()
            .filter(|t| operators[t.op.idx()].kind == OperatorKind::Sink)
            .map(|t| t.id)
            .collect();
        ExecutionGraph {
            operators,
            subtasks,
            channels,
            edges,
            regions,
            sources,
            sinks,
        }
    }

    pub fn operator_of(&self, t: SubtaskId) -> &OperatorInfo {
        &self.operators[self.subtasks[t.idx()].op.idx()]
    }

    pub fn subtask_by_name(&self, name: &str) -> Option<SubtaskId> {
        self.subtasks.iter().find(|t| t.name == name).map(|t| t.id)
    }

    pub fn num_subtasks(&self) -> usize {
        self.subtasks.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(json: &str) -> Scenario {
        Scenario::from_json(json).expect("valid scenario")
    }

    #[test]
    fn hash_edge_connects_every_producer_to_every_consumer() {
        let s = scenario(
            r#"{"name":"t","duration_ms":10,"job":{"operators":[
            {"name":"src","kind":"source","parallelism":2},{"name":"k","kind":"keyed","parallelism":3}],
            "edges":[{"from":"src","to":"k","partitioning":"hash"}]}}"#,
        );
        let g = ExecutionGraph::build(&s);
        assert_eq!(g.subtasks.len(), 5);
        assert_eq!(g.channels.len(), 6);
        assert_eq!(g.subtasks[2].inputs.len(), 2);
        assert_eq!(g.regions.len(), 1);
        for group in g.subtasks.iter().flat_map(|s| &s.outputs) {
            for (j, c) in group.channels.iter().enumerate() {
                assert_eq!(c.0, group.first.0 + j as u32, "channels numbered in a row");
            }
        }
    }

    #[test]
    fn forward_edges_make_one_region_per_index() {
        let s = scenario(
            r#"{"name":"t","duration_ms":10,"job":{"operators":[
            {"name":"src","kind":"source","parallelism":2},{"name":"sink","kind":"sink","parallelism":2}],
            "edges":[{"from":"src","to":"sink","partitioning":"forward"}]}}"#,
        );
        let g = ExecutionGraph::build(&s);
        assert_eq!(g.channels.len(), 2);
        assert_eq!(g.regions.len(), 2);
        assert_eq!(g.subtasks[1].region, g.subtasks[3].region);
    }
}
