//! The job graph (SVG): operators as columns of subtasks, one line per channel with the records,
//! barriers and cancellation markers in flight (or one bundle per operator pair with counts when
//! there are too many channels), subtask states, backpressure, and the RPCs (triggers, acks,
//! declines) travelling between subtasks and the coordinator's bus at the top. Every element
//! carries an SVG `<title>` saying in one sentence what it is, in Flink's words. It knows
//! nothing of the App: clicks come back through the `Callback`s of [`GraphCallbacks`]. The arc of
//! an unaligned barrier's overtake is drawn by [`super::view_overtake`].

use super::actions::Action;
use super::bundle_model::BINS;
use super::format::{bytes, fixed};
use super::graph_model::draws_runs;
use super::graph_model::{lane_positions, ChannelScene, GraphScene, LaneItem, LaneKind, TaskNode};
use super::graph_text::{op_kind_label, op_label, text_width, wrap_detail};
use super::label_place::Placer;
use super::layout::{Layout, Line, Rect, BUS_Y, LINE};
use super::view_html::{spans_titled, svg_rect, svg_text, svg_title};
use super::view_overtake::overtake_arc;
use super::view_pane::{pane_keyed, pane_view};
use super::view_runs::subtask_run_nodes;
use crate::sim::channel::Barrier;
use crate::sim::graph::ExecutionGraph;
use crate::sim::ids::SubtaskId;
use crate::sim::scenario::{OperatorKind, Partitioning};
use crate::sim::RpcKind;
use std::rc::Rc;
use yew::prelude::*;

fn barrier_title(b: &Barrier, priority: bool, from: &str, to: &str) -> String {
    let what = if b.savepoint {
        "Savepoint"
    } else {
        "Checkpoint"
    };
    if priority || b.unaligned {
        format!("{what} barrier {} ({from} → {to}), unaligned: a priority event that overtakes the buffers queued ahead of it; the records it overtakes are persisted as channel state instead of being waited for.", b.id)
    } else {
        format!("{what} barrier {} ({from} → {to}), aligned: it flows in order with the records; when it reaches {to}, that input is blocked until the barrier has arrived on every input.", b.id)
    }
}

/// A network buffer in a channel: a record dot when it carries one record (the lessons), else
/// a small segment glyph with its record count in the tooltip.
fn buffer_svg(
    kind: &LaneKind,
    (x, y): (f64, f64),
    names: (&str, &str),
    overtaken_by: Option<u64>,
) -> Html {
    let LaneKind::Buffer {
        records,
        bytes: size,
        fill,
        first,
    } = *kind
    else {
        return Html::default();
    };
    let persisted = overtaken_by.map(|id| format!(" The unaligned barrier of checkpoint {id} overtook it: it is persisted as channel state (persisted_data) and restored with the checkpoint.")).unwrap_or_default();
    let cls = classes!(
        "record",
        (records > 1).then_some("buffer"),
        overtaken_by.is_some().then_some("overtaken")
    );
    let data_overtaken = overtaken_by.map(|id| id.to_string());
    match first {
        Some(r) if records == 1 => html! {
            <circle class={cls} cx={fmt(x)} cy={fmt(y)} r="3.4" data-overtaken={data_overtaken}>
                { svg_title(format!("Record {} of source subtask {} (key {}), in a network buffer ({}) of the channel {} → {}.{persisted}", r.seq, r.src, r.key, bytes(size), names.0, names.1)) }
            </circle>
        },
        _ => html! {
            <g class={cls} data-records={records.to_string()} data-overtaken={data_overtaken}>
                { svg_rect("buffer-frame", x - 4.0, y - 4.0, "8".into(), "8".into(), Some("1.5")) }
                { svg_rect("buffer-fill", x - 3.0, y + 3.0 - 0.06 * fill as f64, "6".into(), fmt(0.06 * fill as f64).into(), None) }
                { svg_title(format!("A network buffer of {records} records ({}, {fill}% of its segment{}) in the channel {} → {}.{persisted}", bytes(size), first.map(|r| format!(", from record {} of source subtask {}", r.seq, r.src)).unwrap_or_default(), names.0, names.1)) }
            </g>
        },
    }
}

/// Where a barrier's ID goes (above it, else below it, moved off the consumer's node), if
/// anywhere free.
fn barrier_label(
    placer: &mut Placer,
    f: &LaneItem,
    u: f64,
    line: &Line,
    off: f64,
) -> Option<(f64, f64)> {
    let LaneKind::Barrier(b) = f.kind else {
        return None;
    };
    let (x, y) = line.at(u, off);
    let chars = b.id.0.to_string().len();
    let left = x.min(line.x2 - text_width(chars, 13.0) / 2.0 - 2.0);
    placer.place(
        chars,
        &[
            (x, y - 14.0),
            (x, y + 24.0),
            (left, y - 14.0),
            (left, y + 24.0),
        ],
    )
}

#[allow(clippy::too_many_arguments)]
fn item_svg(
    f: &LaneItem,
    u: f64,
    line: &Line,
    lane_off: f64,
    priority: bool,
    names: (&str, &str),
    overtaken_by: Option<u64>,
    placer: &mut Placer,
) -> Html {
    let (x, y) = line.at(u, lane_off);
    match f.kind {
        LaneKind::Buffer { .. } => buffer_svg(&f.kind, (x, y), names, overtaken_by),
        LaneKind::Barrier(b) => {
            let label = barrier_label(placer, f, u, line, lane_off);
            let cls = classes!(
                "barrier",
                if priority || b.unaligned {
                    "unaligned"
                } else {
                    "aligned"
                },
                b.savepoint.then_some("savepoint")
            );
            html! {
                <g class={cls} data-testid="barrier" data-checkpoint={b.id.0.to_string()}
                    data-priority={priority.to_string()} data-savepoint={b.savepoint.to_string()}>
                    { svg_title(barrier_title(&b, priority, names.0, names.1)) }
                    if priority || b.unaligned {
                        <path class="barrier-shape" d={format!("M{} {} l5 -8 l5 8 l-5 8 z", fmt(x - 5.0), fmt(y))} />
                    } else {
                        { svg_rect("barrier-shape", x - 2.5, y - 11.0, "5".into(), "22".into(), Some("1.5")) }
                    }
                    if let Some((lx, ly)) = label {
                        { svg_text(Some("barrier-label"), lx, ly, b.id.0.to_string()) }
                    }
                </g>
            }
        }
        LaneKind::Cancel(id) => html! {
            <g class="cancel-marker" data-testid="cancel-marker" data-checkpoint={id.0.to_string()}>
                { svg_title(format!("CancelCheckpointMarker of checkpoint {id}: checkpoint {id} was aborted upstream; it tells {} to stop aligning it and to decline it.", names.1)) }
                <path d={format!("M{} {} l8 8 m0 -8 l-8 8", fmt(x - 4.0), fmt(y - 4.0))} />
            </g>
        },
    }
}

/// A coordinate for SVG: one decimal.
pub(super) fn fmt(v: f64) -> String {
    fixed(v, 1)
}

pub struct GraphProps {
    /// What to draw at this instant.
    pub scene: GraphScene,
    /// The run's execution graph and where it goes on screen (both change only with the run or
    /// the graph area's size: compared by pointer).
    pub graph: Rc<ExecutionGraph>,
    pub layout: Rc<Layout>,
    /// The subtask in the inspector.
    pub selected: Option<SubtaskId>,
    /// A subtask clicked (or Enter on it): select it, or None to close the inspector.
    pub on_select: Callback<Option<SubtaskId>>,
    /// A channel clicked (slow its consumer down) or an ack in flight clicked (lose it).
    pub on_action: Callback<Action>,
}

impl PartialEq for GraphProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.graph, &other.graph)
            && Rc::ptr_eq(&self.layout, &other.layout)
            && self.selected == other.selected
            && self.on_select == other.on_select
            && self.on_action == other.on_action
            && self.scene == other.scene
    }
}

/// The job graph (hook `graph`).
pub fn graph(props: &GraphProps) -> Html {
    let (scene, g, layout) = (&props.scene, &*props.graph, &*props.layout);
    let view_box = format!("0 0 {} {}", fmt(layout.width), fmt(layout.height));
    html! {
        <svg class={classes!("graph", layout.compact.then_some("compact"))} data-testid="graph" viewBox={view_box}
            preserveAspectRatio="xMidYMin meet" role="img"
            aria-label={format!("Job graph of {}: {} subtasks, {} channels", scene.scenario_name, g.subtasks.len(), g.channels.len())}>
            <g class="bus">
                <line x1="0" y1={fmt(BUS_Y)} x2={fmt(layout.width)} y2={fmt(BUS_Y)} />
                <text x="6" y={fmt(BUS_Y + 14.0)}>{ "RPC to/from the JobManager: trigger ↓ sources · ack / decline ↑ every subtask" }</text>
                <title>{ "The CheckpointCoordinator runs in the JobManager: it sends trigger RPCs to the source subtasks only, and every subtask acknowledges (or declines) each checkpoint with an RPC." }</title>
            </g>
            { operators(g, layout) }
            if layout.aggregated { { bundles(scene, g, layout) } } else { { channels(scene, g, layout, &props.on_action) } }
            if draws_runs(layout) {
                { subtask_run_nodes(scene, g, layout, props.selected, &props.on_select) }
            } else {
                { subtasks(scene, g, layout, props.selected, &props.on_select) }
            }
            { rpcs(scene, g, layout, &props.on_action) }
        </svg>
    }
}

fn operators(g: &ExecutionGraph, layout: &Layout) -> Html {
    html! {
        <g class="operators">
        { for g.operators.iter().enumerate().map(|(i, op)| {
            let r = &layout.operators[i];
            let explain = match op.kind {
                OperatorKind::Source => "A source: it reads records at an offset (like a Kafka partition) and receives the coordinator's trigger RPC, then emits the barrier.",
                OperatorKind::Map => "A stateless operator: its snapshot holds no state, but it still aligns barriers and acknowledges.",
                OperatorKind::Keyed => "A keyed operator: its keyed state (one entry per key seen) is what its snapshots upload.",
                OperatorKind::Sink => "A two-phase-commit sink: it pre-commits a transaction in each snapshot and commits it when notified that the checkpoint completed.",
            };
            let kind = op_kind_label(op.kind, op.parallelism);
            // A label wider than the drawing's right edge ends at its box's right edge.
            let two = layout.op_label_lines > 1;
            let chars = if two { kind.chars().count().max(op.name.chars().count()) } else { op_label(&op.name, op.kind, op.parallelism).chars().count() };
            let (lx, anchor) = if r.x + 4.0 + text_width(chars, 12.5) > layout.width { (r.x + r.w - 4.0, "end") } else { (r.x + 4.0, "start") };
            // Subtask indexes beside bars too small for their names.
            let every = layout.index_every as usize;
            let first = op.first_subtask.idx();
            html! {
                <g class="operator" data-testid={format!("operator-{}", op.name)}>
                    { svg_rect("op-box", r.x, r.y, fmt(r.w).into(), fmt(r.h).into(), Some("8")) }
                    // One line, or the kind under the name (a tspan moved down and back left).
                    <text class="op-label" x={fmt(lx)} y={fmt(r.y - 8.0 - (layout.op_label_lines as f64 - 1.0) * LINE)} text-anchor={anchor}>
                        <tspan class="op-name">{ op.name.clone() }</tspan>
                        <tspan class="op-kind" x={two.then(|| fmt(lx))} dy={two.then_some("14")}>{ if two { kind } else { format!("  {kind}") } }</tspan>
                    </text>
                    if every > 0 {
                        <g class="subtask-index" aria-hidden="true">
                        { for (0..op.parallelism as usize).step_by(every).map(|k| {
                            let n = &layout.subtasks[first + k];
                            svg_text(None, n.x - 4.0, n.cy() + 4.0, k.to_string())
                        }) }
                        </g>
                    }
                    { svg_title(format!("Operator {} (parallelism {}). {explain}{}", op.name, op.parallelism,
                        if every > 0 { " The numbers beside its subtasks are their indexes (hover a subtask for its name, click it to inspect it)." } else { "" })) }
                </g>
            }
        }) }
        </g>
    }
}

fn channels(
    scene: &GraphScene,
    g: &ExecutionGraph,
    layout: &Layout,
    on_action: &Callback<Action>,
) -> Html {
    let now = scene.now;
    let mut placer = Placer::new(layout);
    html! {
        <g class="channels">
        { for g.channels.iter().zip(&scene.channels).enumerate().map(|(c, (info, ch))| {
            let ChannelScene { queue, marks, priority: prio, .. } = ch;
            let line = &layout.channels[c];
            let from = &g.subtasks[info.from.idx()].name;
            let to = &g.subtasks[info.to.idx()].name;
            let full = ch.full;
            let cls = classes!("channel", ch.blocked.then_some("blocked"), full.then_some("full"),
                ch.producer_waiting.then_some("waiting"));
            let state = if ch.blocked {
                format!("BLOCKED for alignment: {to} received the barrier on this input and consumes nothing more from it until the barrier has arrived on all its inputs. ")
            } else { String::new() };
            let pressure = if full {
                format!("Full: {}/{} buffers in use ({} in flight), so {from} cannot emit to it and is backpressured. ", ch.buffers, ch.capacity, bytes(ch.bytes))
            } else { format!("{}/{} buffers in use ({}, {} records in flight). ", ch.buffers, ch.capacity, bytes(ch.bytes), ch.records) };
            let title = format!("Channel {from} → {to} ({}). {state}{pressure}Click to slow {to} down (its inputs fill up and {from} is backpressured).", partitioning_name(g.edges[info.edge as usize].2));
            let consumer = to.clone();
            let slow = on_action.reform(move |_: MouseEvent| Action::Slow(consumer.clone()));
            let len = line.len();
            let qpos = lane_positions(queue, now, len);
            let ppos = lane_positions(prio, now, len);
            let arc = overtake_arc(layout, line, marks, &qpos, (from, to));
            let (bx, by) = line.at(1.0, 0.0);
            html! {
                <g class={cls} data-testid={format!("channel-{from}-{to}")} data-blocked={ch.blocked.to_string()} data-records={ch.records.to_string()} data-buffers={ch.buffers.to_string()}>
                    <line class="wire" x1={fmt(line.x1)} y1={fmt(line.y1)} x2={fmt(line.x2)} y2={fmt(line.y2)}>
                        { svg_title(title.clone()) }
                    </line>
                    <line class="wire-hit" data-testid={format!("channel-hit-{from}-{to}")} x1={fmt(line.x1)} y1={fmt(line.y1)} x2={fmt(line.x2)} y2={fmt(line.y2)} onclick={slow}>
                        { svg_title(title.clone()) }
                    </line>
                    if ch.blocked {
                        <rect class="block-gate" x={fmt(bx - 3.0)} y={fmt(by - 9.0)} width="4" height="18" rx="1">
                            { svg_title(title.clone()) }
                        </rect>
                    }
                    if !prio.is_empty() {
                        <line class="priority-lane" x1={fmt(line.at(0.0, 9.0).0)} y1={fmt(line.at(0.0, 9.0).1)} x2={fmt(line.at(1.0, 9.0).0)} y2={fmt(line.at(1.0, 9.0).1)} />
                    }
                    { for queue.iter().zip(qpos.iter()).zip(marks.iter()).map(|((f, u), m)| item_svg(f, *u, line, 0.0, false, (from, to), *m, &mut placer)) }
                    <g class="overtakes">{ for arc }</g>
                    { for prio.iter().zip(ppos.iter()).map(|(f, u)| item_svg(f, *u, line, 9.0, true, (from, to), None, &mut placer)) }
                </g>
            }
        }) }
        </g>
    }
}

fn partitioning_name(p: Partitioning) -> &'static str {
    match p {
        Partitioning::Forward => "forward",
        Partitioning::Hash => "hash (keyBy)",
        Partitioning::Rebalance => "rebalance",
        Partitioning::Broadcast => "broadcast",
    }
}

fn bundles(scene: &GraphScene, g: &ExecutionGraph, layout: &Layout) -> Html {
    let stats = &scene.bundles;
    html! {
        <g class="bundles">
        { for stats.iter().enumerate().map(|(e, s)| {
            let line = &layout.bundles[e];
            let (from, to, part) = g.edges[e];
            let (fname, tname) = (&g.operators[from.idx()].name, &g.operators[to.idx()].name);
            let max_bin = s.bins.iter().copied().max().unwrap_or(0).max(1);
            // The counts go in the band under the columns.
            let (lx0, ly0) = layout.bundle_labels[e];
            let title = format!(
                "{} channels {fname} → {tname} ({}), drawn as one bundle: {} records ({}) in flight in {} of their {} network buffers, {} channels blocked for alignment, {} channels full (their producers are backpressured).",
                s.channels, partitioning_name(part), s.records, bytes(s.bytes), s.buffers, s.capacity, s.blocked, s.full);
            html! {
                <g class={classes!("bundle", (s.blocked > 0).then_some("blocked"), (s.full > 0).then_some("full"))}
                    data-testid={format!("bundle-{fname}-{tname}")} data-channels={s.channels.to_string()}
                    data-records={s.records.to_string()} data-blocked={s.blocked.to_string()} data-full={s.full.to_string()}>
                    <line class="bundle-wire" x1={fmt(line.x1)} y1={fmt(line.y1)} x2={fmt(line.x2)} y2={fmt(line.y2)}>
                        { svg_title(title.clone()) }
                    </line>
                    { for s.bins.iter().enumerate().filter(|(_, n)| **n > 0).map(|(b, n)| {
                        let (x, y) = line.at((b as f64 + 0.5) / BINS as f64, 0.0);
                        let op = 0.25 + 0.75 * (*n as f64 / max_bin as f64);
                        html! { <rect class="density" x={fmt(x - 3.5)} y={fmt(y - 5.0)} width="7" height="10" fill-opacity={fixed(op, 2)} /> }
                    }) }
                    { for s.barriers.iter().map(|(id, (n, sum, prio, sp))| {
                        let u = sum / *n as f64;
                        let (x, y) = line.at(u, 0.0);
                        // The ID above the barrier and its channel count below, kept inside the
                        // gap between the operator boxes.
                        let count = format!("×{n}");
                        let half = ((line.x2 - line.x1) / 2.0).max(0.0);
                        let lw = (text_width(count.chars().count(), 13.0) / 2.0).min(half);
                        let lx = x.clamp(line.x1 + lw, line.x2 - lw);
                        let cls = classes!("barrier", if *prio > 0 { "unaligned" } else { "aligned" }, sp.then_some("savepoint"));
                        html! {
                            <g class={cls} data-testid="barrier" data-checkpoint={id.to_string()} data-count={n.to_string()} data-priority={(*prio > 0).to_string()}>
                                { svg_title(format!("The barrier of checkpoint {id} is in flight on {n} of the {} channels {fname} → {tname} ({prio} of them as unaligned priority events); drawn at their average position.", s.channels)) }
                                { svg_rect("barrier-shape", x - 3.0, y - 16.0, "6".into(), "32".into(), Some("2")) }
                                { svg_text(Some("barrier-label"), lx, y - 20.0, id.to_string()) }
                                { svg_text(Some("barrier-label"), lx, y + 30.0, count) }
                            </g>
                        }
                    }) }
                    // The counts under the columns: one tooltip for the fill bar and the lines.
                    <g class={classes!("fillbar", (s.full > 0).then_some("full"))}>
                        { svg_title(title) }
                        { svg_rect("fillbar-bg", lx0 - 30.0, ly0, "60".into(), "5".into(), Some("2")) }
                        { svg_rect("fillbar-v", lx0 - 30.0, ly0, fmt(60.0 * s.buffers as f64 / s.capacity.max(1) as f64).into(), "5".into(), Some("2")) }
                        <text class="bundle-label" x={fmt(lx0)} y={fmt(ly0 + 5.0 + LINE)}>
                            { format!("{} ch · {}", s.channels, bytes(s.bytes)) }
                            <tspan x={fmt(lx0)} dy="14">{ format!("{}/{} buffers", s.buffers, s.capacity) }</tspan>
                            <tspan x={fmt(lx0)} dy="14">
                                if s.blocked > 0 { <tspan class="blocked-count">{ format!("{} blocked ", s.blocked) }</tspan> }
                                if s.full > 0 { <tspan class="full-count">{ format!("{} full", s.full) }</tspan> }
                            </tspan>
                        </text>
                    </g>
                </g>
            }
        }) }
        </g>
    }
}

fn subtasks(
    scene: &GraphScene,
    g: &ExecutionGraph,
    layout: &Layout,
    selected_task: Option<SubtaskId>,
    on_select: &Callback<Option<SubtaskId>>,
) -> Html {
    html! {
        <g class="subtasks">
        { for g.subtasks.iter().map(|info| {
            // A node shorter than two lines shows its name only (the detail is in the inspector).
            let no_detail = layout.compact || layout.subtasks[info.id.idx()].h < 34.0;
            let t = info.id;
            let op = &g.operators[info.op.idx()];
            let mut node = scene.tasks[t.idx()].clone();
            if no_detail {
                // Too small to print: the detail line changes with every record and would
                // re-render every subtask on every frame.
                node.detail.clear();
            }
            pane_keyed(t.0, Rc::new(SubtaskNodeProps { id: t, name: AttrValue::from(info.name.clone()),
                testid: AttrValue::from(format!("subtask-{}-{}", op.name, info.index)),
                node, rect: layout.subtasks[t.idx()].clone(), compact: layout.compact, wrap: layout.detail_wrap,
                selected: selected_task == Some(t), on_select: on_select.clone() }))
        }) }
        </g>
    }
}

#[derive(PartialEq)]
struct SubtaskNodeProps {
    id: SubtaskId,
    name: AttrValue,
    testid: AttrValue,
    node: TaskNode,
    rect: Rect,
    compact: bool,
    /// Most characters per line of a detail on two lines (0: one line).
    wrap: usize,
    selected: bool,
    on_select: Callback<Option<SubtaskId>>,
}

/// One subtask: re-rendered only when what it shows changes (a large job has a thousand).
fn subtask_node(p: &SubtaskNodeProps) -> Html {
    let (t, v, r) = (p.id, &p.node, &p.rect);
    let toggle = if p.selected { None } else { Some(t) };
    let onclick = p.on_select.reform(move |_: MouseEvent| toggle);
    // Enter on a focused subtask opens its inspector, as a click does.
    let on_enter = p.on_select.clone();
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" {
            on_enter.emit(toggle);
        }
    });
    let bp = v.backpressured;
    let slow = v.slow_milli != 1000;
    let mut title = v.explain.clone();
    if bp {
        title.push_str(
            " It is backpressured: an output channel is full, so it waits for a free buffer.",
        );
    }
    if slow {
        title.push_str(&format!(
            " It runs {}× slower (injected fault).",
            super::format::milli(v.slow_milli)
        ));
    }
    title.push_str(" Click to inspect it and inject faults.");
    let detail = wrap_detail(&v.detail, p.wrap);
    let label = if v.detail.is_empty() {
        p.name.to_string()
    } else {
        format!("{}: {}", p.name, v.detail)
    };
    html! {
        <g class={classes!("subtask", format!("state-{}", v.state), v.phase.map(|p| format!("phase-{p}")), p.selected.then_some("selected"), bp.then_some("backpressured"))}
            data-testid={p.testid.clone()} data-state={v.state}
            data-phase={v.phase.unwrap_or("")} data-backpressured={bp.to_string()}
            onclick={onclick} onkeydown={onkeydown} role="button" tabindex="0" aria-label={label}>
            { svg_title(title) }
            { svg_rect("node", r.x, r.y, fmt(r.w).into(), fmt(r.h).into(), Some(if p.compact { "2" } else { "6" })) }
            if bp {
                { svg_rect("bp-bar", r.x + r.w - 5.0, r.y, "5".into(), fmt(r.h).into(), None) }
            }
            if !p.compact {
                { svg_text(Some("node-name"), r.x + 8.0, r.y + 15.0, p.name.to_string()) }
                <text class="node-detail" x={fmt(r.x + 8.0)} y={fmt(r.y + 30.0)}>{ detail.0 }<tspan x={fmt(r.x + 8.0)} dy="14">{ detail.1 }</tspan></text>
                // Under the node: above it is the operator's label.
                if slow { { svg_text(Some("node-slow"), r.x + r.w, r.y + r.h + 13.0, format!("{}× slower", super::format::milli(v.slow_milli))) } }
            }
        </g>
    }
}

fn rpcs(
    scene: &GraphScene,
    g: &ExecutionGraph,
    layout: &Layout,
    on_action: &Callback<Action>,
) -> Html {
    let now = scene.now;
    html! {
        <g class="rpcs">
        { for scene.rpcs.iter().map(|r| {
            let node = &layout.subtasks[r.task.idx()];
            let span = r.arrives_at.0.saturating_sub(r.sent_at.0).max(1) as f64;
            let f = (now.0.saturating_sub(r.sent_at.0) as f64 / span).clamp(0.0, 1.0);
            let top = node.y;
            let name = &g.subtasks[r.task.idx()].name;
            let (cls, y, x, title) = match r.kind {
                RpcKind::Trigger => ("rpc trigger", BUS_Y + (top - BUS_Y) * f, node.cx() - 10.0,
                    format!("triggerCheckpoint({}) RPC from the coordinator to source {name}: on arrival the source snapshots and emits barrier {} downstream.", r.id, r.id)),
                RpcKind::Ack => ("rpc ack", top + (BUS_Y - top) * f, node.cx() + 10.0,
                    format!("acknowledgeCheckpoint({}) from {name} to the CheckpointCoordinator, carrying its state handle and metrics. Click to lose it on the way: the coordinator never receives it, so checkpoint {} cannot complete; it expires after the checkpoint timeout (CHECKPOINT_EXPIRED) unless a newer completed checkpoint subsumes it (CHECKPOINT_SUBSUMED).", r.id, r.id)),
                RpcKind::Decline => ("rpc decline", top + (BUS_Y - top) * f, node.cx() + 10.0,
                    format!("declineCheckpoint({}) from {name}: the coordinator aborts the checkpoint with the reason it carries.", r.id)),
            };
            let kind = match r.kind { RpcKind::Trigger => "trigger", RpcKind::Ack => "ack", RpcKind::Decline => "decline" };
            let onclick = (r.kind == RpcKind::Ack).then(|| {
                let (task, id) = (name.clone(), r.id.0);
                on_action.reform(move |_: MouseEvent| Action::LoseAck(task.clone(), id))
            });
            html! {
                <g class={cls} data-testid={format!("rpc-{kind}")} data-checkpoint={r.id.0.to_string()} data-task={name.clone()} {onclick}>
                    { svg_title(title) }
                    <circle cx={fmt(x)} cy={fmt(y)} r="5" />
                    { svg_text(None, x + 8.0, y + 4.0, r.id.0.to_string()) }
                </g>
            }
        }) }
        </g>
    }
}

/// The symbols: (class, what it is, its name).
const LEGEND: [(&str, &str, &str); 11] = [
    ("lg lg-record", "A record in a network buffer", "record"),
    (
        "lg lg-barrier",
        "An aligned checkpoint barrier, labelled with its checkpoint ID",
        "aligned barrier",
    ),
    (
        "lg lg-unaligned",
        "An unaligned barrier: a priority event that overtakes queued buffers",
        "unaligned barrier",
    ),
    (
        "lg lg-overtaken",
        "A record an unaligned barrier overtook: persisted as channel state with the checkpoint",
        "overtaken (persisted)",
    ),
    (
        "lg lg-blocked",
        "An input channel blocked during alignment",
        "blocked",
    ),
    (
        "lg lg-full",
        "A full channel: its producer is backpressured",
        "full",
    ),
    (
        "lg lg-ack",
        "An acknowledgement on its way to the coordinator",
        "ack",
    ),
    ("lg lg-aligning", "A subtask aligning barriers", "aligning"),
    (
        "lg lg-snap",
        "A subtask snapshotting (sync, then async upload)",
        "snapshotting",
    ),
    ("lg lg-failed", "A failed subtask", "failed"),
    (
        "lg lg-restoring",
        "A subtask restoring from the latest completed checkpoint",
        "restoring",
    ),
];

/// The key to the symbols (HTML, under the graph).
#[derive(PartialEq)]
pub struct Legend;

pub fn legend() -> Html {
    html! {
        <div class="legend" aria-label="Legend">
            { spans_titled(&LEGEND) }
        </div>
    }
}

pane_view!(GraphProps, graph);
pane_view!(SubtaskNodeProps, subtask_node);
pane_view!(Legend, |_: &Legend| legend());
