//! The view model of the job graph: what the `Graph` component draws of the simulation at one
//! instant. Per subtask what it shows (state, phase, detail line, backpressure, slow-down), per
//! channel the items in flight with the records an unaligned barrier overtook or that are
//! persisted as channel state (or, above the aggregation threshold, one bundle per job edge: see
//! [`super::bundle_model`]), and the RPCs in flight. Where items sit along a channel
//! ([`lane_positions`]) is computed here too. Pure Rust, tested natively; the static execution
//! graph and the layout travel beside it (they change only with the run).

use super::bundle_model::{bundles, BundleStats};
use super::layout::Layout;
use super::model::{persisted_in_channel, task_view_with};
use crate::sim::channel::{Barrier, InFlight, Item, Record};
use crate::sim::graph::ExecutionGraph;
use crate::sim::ids::{CheckpointId, SimTime, SubtaskId};
use crate::sim::{RpcInFlight, Simulation};

/// Most items drawn in one channel (the rest are counted in its tooltip).
pub const MAX_ITEMS_PER_CHANNEL: usize = 48;
/// Most RPC dots drawn at once.
pub const MAX_RPCS: usize = 400;
/// Most RPC dots drawn at once in an aggregated graph (a thousand subtasks acknowledge a
/// checkpoint within a few frames; the coordinator panel counts them).
pub const MAX_RPCS_AGGREGATED: usize = 64;
/// Spacing of queued items at the consumer's end, in SVG units.
pub const SLOT: f64 = 9.0;
/// What an item in a channel is, as the graph draws it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LaneKind {
    /// A network buffer: its records (runs expanded), bytes, how full its segment is (percent
    /// of `network.segment_size`) and first record run.
    Buffer {
        records: u64,
        bytes: u64,
        fill: u8,
        first: Option<Record>,
    },
    Barrier(Barrier),
    Cancel(CheckpointId),
}

/// One item in flight in a channel lane (what the graph needs of an [`InFlight`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LaneItem {
    pub kind: LaneKind,
    pub sent_at: SimTime,
    pub visible_at: SimTime,
}

impl LaneItem {
    /// The item `f` of a channel whose segments are `segment` bytes.
    pub fn of(f: &InFlight, segment: u64) -> LaneItem {
        let kind = match &f.item {
            Item::Buffer(b) => LaneKind::Buffer {
                records: b.record_count(),
                bytes: b.bytes,
                fill: (b.bytes * 100 / segment.max(1)).min(100) as u8,
                first: b.records.first().copied(),
            },
            Item::Barrier(b) => LaneKind::Barrier(*b),
            Item::Cancel(id) => LaneKind::Cancel(*id),
        };
        LaneItem {
            kind,
            sent_at: f.sent_at,
            visible_at: f.visible_at,
        }
    }
}

/// Position (0: producer, 1: consumer) of the `i`-th item of a lane at `now`: arrived items
/// queue from the consumer's end backwards, `SLOT` apart on a line `line_len` long.
pub fn lane_position(
    i: usize,
    sent_at: SimTime,
    visible_at: SimTime,
    now: SimTime,
    line_len: f64,
) -> f64 {
    let slot_u = SLOT / line_len.max(1.0);
    let span = visible_at.0.saturating_sub(sent_at.0).max(1) as f64;
    let flight = (now.0.saturating_sub(sent_at.0)) as f64 / span;
    let slot = 1.0 - (i as f64 + 0.5) * slot_u;
    flight.clamp(0.0, 1.0).min(slot).max(0.02)
}

/// Positions of the items of one lane (see [`lane_position`]).
pub fn lane_positions(items: &[LaneItem], now: SimTime, line_len: f64) -> Vec<f64> {
    items
        .iter()
        .enumerate()
        .map(|(i, f)| lane_position(i, f.sent_at, f.visible_at, now, line_len))
        .collect()
}

/// What one subtask shows.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskNode {
    /// `running`, `aligning`, `snapshotting`, `failed` or `restoring`.
    pub state: &'static str,
    pub phase: Option<&'static str>,
    pub detail: String,
    pub explain: String,
    pub backpressured: bool,
    /// Processing time factor in thousandths (1000: normal speed).
    pub slow_milli: u64,
}

/// One channel's lanes: the queue and the priority lane (unaligned barriers).
#[derive(Clone, Debug, PartialEq)]
pub struct ChannelScene {
    pub blocked: bool,
    pub full: bool,
    pub producer_waiting: bool,
    /// Records sent and not yet consumed.
    pub records: u64,
    /// Buffers in use (the one being filled included) and the most the channel may hold.
    pub buffers: u32,
    pub capacity: u32,
    /// Bytes sent and not consumed plus those in the buffer being filled.
    pub bytes: u64,
    pub queue: Vec<LaneItem>,
    /// Per queued item: the checkpoint whose unaligned barrier overtook it or that persisted it
    /// as channel state.
    pub marks: Vec<Option<u64>>,
    pub priority: Vec<LaneItem>,
}

/// What the graph draws at one instant.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphScene {
    pub now: SimTime,
    pub scenario_name: String,
    pub tasks: Vec<TaskNode>,
    /// Per channel (empty when the layout bundles them).
    pub channels: Vec<ChannelScene>,
    /// Per job edge (empty unless the layout bundles the channels).
    pub bundles: Vec<BundleStats>,
    pub rpcs: Vec<RpcInFlight>,
}

impl GraphScene {
    /// The scene of `sim`; `aggregated`: draw one bundle per job edge instead of the channels.
    pub fn of(sim: &Simulation, aggregated: bool) -> Self {
        Self::with_bundles(sim, aggregated.then(|| bundles(sim)))
    }

    /// The scene of `sim` with these bundles (`None`: draw every channel). The app reuses the
    /// bundles of a big job for a few frames while playing (scanning every channel of a
    /// production-size job takes milliseconds).
    pub fn with_bundles(sim: &Simulation, bundles: Option<Vec<BundleStats>>) -> Self {
        Self::drawn(sim, bundles, true)
    }

    /// [`GraphScene::with_bundles`]; `texts`: false leaves the subtasks' detail and tooltip
    /// empty (a graph drawn as subtask runs, see [`draws_runs`], shows their states only).
    pub fn drawn(sim: &Simulation, bundles: Option<Vec<BundleStats>>, texts: bool) -> Self {
        let g = sim.graph();
        let aggregated = bundles.is_some();
        let tasks = g
            .subtasks
            .iter()
            .map(|info| {
                let task = &sim.tasks()[info.id.idx()];
                let v = task_view_with(sim, info.id, texts);
                TaskNode {
                    state: v.state,
                    phase: v.phase,
                    detail: v.detail,
                    explain: v.explain,
                    backpressured: task.backpressured,
                    slow_milli: task.slow_milli,
                }
            })
            .collect();
        let (channels, bundles) = match bundles {
            Some(b) => (Vec::new(), b),
            None => {
                let channels = (0..g.channels.len()).map(|c| channel(sim, c)).collect();
                (channels, Vec::new())
            }
        };
        GraphScene {
            now: sim.now(),
            scenario_name: sim.scenario().name.clone(),
            tasks,
            channels,
            bundles,
            rpcs: sim
                .rpcs_in_flight()
                .take(if aggregated {
                    MAX_RPCS_AGGREGATED
                } else {
                    MAX_RPCS
                })
                .copied()
                .collect(),
        }
    }
}

/// Whether `layout` draws its subtasks as runs of equal look: they touch or overlap on screen
/// (less than one unit apart), so they cannot be told apart one by one.
pub fn draws_runs(layout: &Layout) -> bool {
    layout.compact
        && layout
            .subtasks
            .windows(2)
            .any(|w| w[0].x == w[1].x && w[1].y > w[0].y && w[1].y - (w[0].y + w[0].h) < 1.0)
}

/// Consecutive subtasks of one operator that look the same (state, phase, backpressure,
/// slow-down, selection), drawn as one element when a production-size job's subtasks are too
/// small on screen to be told apart: in the steady state one element per operator instead of
/// one per subtask.
#[derive(Clone, Debug, PartialEq)]
pub struct SubtaskRun {
    /// The operator (index into the graph's operators).
    pub op: usize,
    /// The run's first subtask, and its index within the operator.
    pub first: SubtaskId,
    pub first_index: u32,
    pub count: u32,
    pub state: &'static str,
    pub phase: Option<&'static str>,
    pub backpressured: bool,
    pub slow: bool,
    pub selected: bool,
}

/// The runs of equal-looking subtasks of `scene`, operator by operator, in subtask order.
pub fn subtask_runs(
    scene: &GraphScene,
    g: &ExecutionGraph,
    selected: Option<SubtaskId>,
) -> Vec<SubtaskRun> {
    let mut runs: Vec<SubtaskRun> = Vec::new();
    for (info, node) in g.subtasks.iter().zip(&scene.tasks) {
        let run = SubtaskRun {
            op: info.op.idx(),
            first: info.id,
            first_index: info.index,
            count: 1,
            state: node.state,
            phase: node.phase,
            backpressured: node.backpressured,
            slow: node.slow_milli != 1000,
            selected: selected == Some(info.id),
        };
        match runs.last_mut() {
            Some(last)
                if last.op == run.op
                    && last.first_index + last.count == run.first_index
                    && (
                        last.state,
                        last.phase,
                        last.backpressured,
                        last.slow,
                        last.selected,
                    ) == (
                        run.state,
                        run.phase,
                        run.backpressured,
                        run.slow,
                        run.selected,
                    ) =>
            {
                last.count += 1
            }
            _ => runs.push(run),
        }
    }
    runs
}

fn channel(sim: &Simulation, c: usize) -> ChannelScene {
    let ch = &sim.channels()[c];
    let segment = sim.scenario().network.segment_size;
    let queue: Vec<LaneItem> = ch
        .queue
        .iter()
        .take(MAX_ITEMS_PER_CHANNEL)
        .map(|f| LaneItem::of(f, segment))
        .collect();
    // An unaligned barrier in flight overtakes the first `overtaken` queued items: they are
    // persisted as channel state (marked on the graph).
    let (overtaker, overtaken) = ch
        .priority
        .iter()
        .find_map(|f| match f.item {
            Item::Barrier(b) => Some((b.id.0, f.overtaken as usize)),
            _ => None,
        })
        .unwrap_or((0, 0));
    // Records persisted as channel state by an unaligned checkpoint that has not completed:
    // they stay marked while they wait in the channel.
    let persisted = if ch.queue.is_empty() {
        Vec::new()
    } else {
        persisted_in_channel(sim, c)
    };
    let marks = ch
        .queue
        .iter()
        .take(MAX_ITEMS_PER_CHANNEL)
        .enumerate()
        .map(|(i, f)| match &f.item {
            _ if i < overtaken => Some(overtaker),
            Item::Buffer(b) => persisted
                .iter()
                .find(|(_, p)| b.records.contains(p))
                .map(|(id, _)| *id),
            _ => None,
        })
        .collect();
    ChannelScene {
        blocked: ch.blocked,
        full: ch.is_full(),
        producer_waiting: ch.producer_waiting,
        records: ch.queued_record_count(),
        buffers: ch.buffers_in_use(),
        capacity: ch.capacity,
        bytes: ch.bytes_in_flight(),
        queue,
        marks,
        priority: ch
            .priority
            .iter()
            .take(MAX_ITEMS_PER_CHANNEL)
            .map(|f| LaneItem::of(f, segment))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::scenarios::shipped_run_at;

    #[test]
    fn lane_positions_queue_arrived_items_from_the_consumers_end() {
        let sim = shipped_run_at("backpressure-aligned", 3000);
        let ch = sim
            .channels()
            .iter()
            .max_by_key(|c| c.queue.len())
            .expect("channels");
        let items: Vec<LaneItem> = ch.queue.iter().map(|f| LaneItem::of(f, 32768)).collect();
        let pos = lane_positions(&items, sim.now(), 300.0);
        assert_eq!(pos.len(), items.len());
        assert!(pos.iter().all(|u| (0.02..=1.0).contains(u)));
        // The i-th item is at most at its slot, i + 1/2 slots from the consumer's end.
        let slot = SLOT / 300.0;
        for (i, u) in pos.iter().enumerate() {
            assert!(
                *u <= (1.0 - (i as f64 + 0.5) * slot).max(0.02) + 1e-9,
                "item {i} at {u}"
            );
        }
    }

    #[test]
    fn a_scene_has_a_node_per_subtask_and_either_channels_or_bundles() {
        let sim = shipped_run_at("happy-path", 2000);
        let g = sim.graph();
        let s = GraphScene::of(&sim, false);
        assert_eq!(s.tasks.len(), g.subtasks.len());
        assert_eq!(s.channels.len(), g.channels.len());
        assert!(s.bundles.is_empty());
        assert!(s.channels.iter().all(|c| c.marks.len() == c.queue.len()));
        let b = GraphScene::of(&sim, true);
        assert!(b.channels.is_empty());
        assert_eq!(b.bundles.len(), g.edges.len());
        let per_edge: usize = b.bundles.iter().map(|e| e.channels).sum();
        assert_eq!(per_edge, g.channels.len());
    }

    #[test]
    fn a_scene_without_texts_shows_the_same_states() {
        let sim = shipped_run_at("bench-large", 3000);
        let with = GraphScene::of(&sim, true);
        let without = GraphScene::drawn(&sim, Some(bundles(&sim)), false);
        assert!(without
            .tasks
            .iter()
            .all(|t| t.detail.is_empty() && t.explain.is_empty()));
        assert!(with.tasks.iter().all(|t| !t.explain.is_empty()));
        let look = |s: &GraphScene| {
            s.tasks
                .iter()
                .map(|t| (t.state, t.phase, t.backpressured, t.slow_milli))
                .collect::<Vec<_>>()
        };
        assert_eq!(look(&with), look(&without));
    }

    #[test]
    fn a_production_size_graph_draws_subtask_runs_and_a_lesson_does_not() {
        let screen = Some(crate::ui::layout::Screen::measured(776.0, 351.0));
        let production = shipped_run_at("bench-production", 0);
        let lesson = shipped_run_at("happy-path", 0);
        assert!(draws_runs(&Layout::new(production.graph(), screen)));
        assert!(!draws_runs(&Layout::new(lesson.graph(), screen)));
        assert!(!draws_runs(&Layout::new(lesson.graph(), None)));
        // bench-large's 64 subtasks per operator still stand apart at that size.
        let large = shipped_run_at("bench-large", 0);
        assert!(!draws_runs(&Layout::new(large.graph(), screen)));
    }

    #[test]
    fn subtask_runs_cover_every_subtask_once_and_split_only_where_the_look_changes() {
        let sim = shipped_run_at("bench-large", 3000);
        let g = sim.graph();
        let scene = GraphScene::of(&sim, true);
        let selected = SubtaskId(70);
        let runs = subtask_runs(&scene, g, Some(selected));
        let mut next = 0u32;
        for (i, r) in runs.iter().enumerate() {
            assert_eq!(r.first.0, next, "runs are consecutive, in subtask order");
            next += r.count;
            let look = |t: &TaskNode| (t.state, t.phase, t.backpressured, t.slow_milli != 1000);
            for k in 0..r.count {
                let t = SubtaskId(r.first.0 + k);
                let info = &g.subtasks[t.idx()];
                assert_eq!((info.op.idx(), info.index), (r.op, r.first_index + k));
                assert_eq!(
                    look(&scene.tasks[t.idx()]),
                    (r.state, r.phase, r.backpressured, r.slow)
                );
                assert_eq!(t == selected, r.selected);
            }
            if let Some(prev) = i.checked_sub(1).map(|p| &runs[p]) {
                let same_look = (
                    prev.state,
                    prev.phase,
                    prev.backpressured,
                    prev.slow,
                    prev.selected,
                ) == (r.state, r.phase, r.backpressured, r.slow, r.selected);
                assert!(
                    prev.op != r.op || !same_look,
                    "run {i} should have joined the one before"
                );
            }
        }
        assert_eq!(next as usize, g.subtasks.len());
        let selected_run = runs
            .iter()
            .find(|r| r.selected)
            .expect("the selected subtask");
        assert_eq!((selected_run.first, selected_run.count), (selected, 1));
        assert!(runs.len() < g.subtasks.len() / 4, "{} runs", runs.len());
    }

    #[test]
    fn buffers_carry_their_segment_fill_and_bundles_their_fill_level() {
        let sim = shipped_run_at("bench-small", 2050);
        let b = GraphScene::of(&sim, true);
        assert!(b
            .bundles
            .iter()
            .all(|e| e.capacity > 0 && e.buffers <= e.capacity));
        let segment = sim.scenario().network.segment_size;
        let s = GraphScene::of(&sim, false);
        for f in s.channels.iter().flat_map(|c| &c.queue) {
            if let LaneKind::Buffer { bytes, fill, .. } = f.kind {
                assert_eq!(u64::from(fill), (bytes * 100 / segment).min(100));
            }
        }
    }
}
