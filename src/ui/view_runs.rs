//! The subtasks of a production-size job, drawn as runs: when a subtask is too small on screen
//! to be told apart from the next (a thousand subtasks in a few hundred pixels), consecutive
//! subtasks of one operator that look the same ([`SubtaskRun`]) are one SVG element instead of
//! one each, so that a frame patches and paints a handful of elements, not a thousand. A click
//! opens the inspector of the subtask under the pointer; Enter opens the run's first subtask,
//! whose test ID the run carries (`subtask-OPERATOR-INDEX`, `data-last` the last one's index).

use super::graph_model::{subtask_runs, GraphScene, SubtaskRun};
use super::layout::{Layout, Rect};
use super::view_graph::fmt;
use super::view_html::{svg_rect, svg_title};
use crate::sim::graph::ExecutionGraph;
use crate::sim::ids::SubtaskId;
use yew::prelude::*;

/// Every operator's subtasks as runs of equal look.
pub fn subtask_run_nodes(
    scene: &GraphScene,
    g: &ExecutionGraph,
    layout: &Layout,
    selected: Option<SubtaskId>,
    on_select: &Callback<Option<SubtaskId>>,
) -> Html {
    html! {
        <g class="subtasks runs">
        { for subtask_runs(scene, g, selected).iter().map(|run| {
            let top = &layout.subtasks[run.first.idx()];
            let last = &layout.subtasks[run.first.idx() + run.count as usize - 1];
            let rect = Rect { x: top.x, y: top.y, w: top.w, h: last.y + last.h - top.y };
            run_node(run, &g.operators[run.op].name, g.operators[run.op].parallelism, &rect, on_select)
        }) }
        </g>
    }
}

/// One run of subtasks.
fn run_node(
    run: &SubtaskRun,
    op_name: &str,
    parallelism: u32,
    r: &Rect,
    on_select: &Callback<Option<SubtaskId>>,
) -> Html {
    let (first, count, selected) = (run.first, run.count, run.selected);
    // The subtask under the pointer: the click's place along the run (both of the run's rects
    // span all of it).
    let onclick = on_select.reform(move |e: MouseEvent| {
        let el: web_sys::Element = e.target_unchecked_into();
        let b = el.get_bounding_client_rect();
        let f = (e.client_y() as f64 - b.top()) / b.height().max(1.0);
        let k = ((f.max(0.0) * count as f64) as u32).min(count - 1);
        (!selected).then_some(SubtaskId(first.0 + k))
    });
    let on_enter = on_select.clone();
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" {
            on_enter.emit((!selected).then_some(first));
        }
    });
    let (a, b) = (run.first_index, run.first_index + run.count - 1);
    let which = if a == b {
        format!("Subtask {op_name}#{a}")
    } else {
        format!("Subtasks {op_name}#{a} to #{b} (of {parallelism})")
    };
    let what = match (run.state, run.phase) {
        ("snapshotting", Some(phase)) => format!("snapshotting ({phase})"),
        (state, _) => state.to_string(),
    };
    let mut title = format!("{which}: {what}.");
    if run.backpressured {
        title
            .push_str(" Backpressured: an output channel is full, so they wait for a free buffer.");
    }
    if run.slow {
        title.push_str(" Slowed down (injected fault).");
    }
    title.push_str(" Drawn as one: at this size one subtask cannot be told from the next. Click a place on it to inspect the subtask there.");
    html! {
        <g key={first.0} class={classes!("subtask", "run", format!("state-{}", run.state), run.phase.map(|p| format!("phase-{p}")), selected.then_some("selected"), run.backpressured.then_some("backpressured"))}
            data-testid={format!("subtask-{op_name}-{a}")} data-last={b.to_string()} data-state={run.state}
            data-phase={run.phase.unwrap_or("")} data-backpressured={run.backpressured.to_string()} data-count={count.to_string()}
            onclick={onclick} onkeydown={onkeydown} role="button" tabindex="0" aria-label={format!("{which}: {what}")}>
            { svg_title(title) }
            { svg_rect("node", r.x, r.y, fmt(r.w).into(), fmt(r.h).into(), Some("2")) }
            if run.backpressured {
                { svg_rect("bp-bar", r.x + r.w - 5.0, r.y, "5".into(), fmt(r.h).into(), None) }
            }
        </g>
    }
}
