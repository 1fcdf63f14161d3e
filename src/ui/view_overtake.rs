//! The overtake of an unaligned barrier in the job graph (SVG): an arc from behind the records
//! it overtook to the consumer's end, with the barrier at its head and a label ("4 overtook 8")
//! placed where it overlaps nothing else of the graph. Part of [`super::view_graph`]'s channels.

use super::graph_model::SLOT;
use super::layout::{Layout, Line, BUS_Y};
use super::view_graph::fmt;
use super::view_html::svg_title;
use yew::prelude::*;

/// The jump of an unaligned barrier over the records it overtook, drawn as an arc from behind
/// the rearmost overtaken (persisted) record to the consumer's end, with the barrier at its
/// head. The arc draws itself over a second of real time when it appears (CSS; the
/// simulation's timing is unchanged) and stays while the overtaken records wait in the channel
/// and their checkpoint is pending or the latest completed. Keyed by checkpoint: it plays once.
pub(super) fn overtake_arc(
    layout: &Layout,
    line: &Line,
    marks: &[Option<u64>],
    pos: &[f64],
    names: (&str, &str),
) -> Option<Html> {
    let id = marks.iter().flatten().next().copied()?;
    let (n, back) = marks
        .iter()
        .zip(pos)
        .filter(|(m, _)| **m == Some(id))
        .fold((0usize, 1.0f64), |(n, back), (_, u)| (n + 1, back.min(*u)));
    let slot = SLOT / line.len().max(1.0);
    let start = (back - slot).max(0.0);
    let (x0, y0) = line.at(start, 0.0);
    let (x1, y1) = line.at(1.0, 9.0);
    let (cx, cy) = line.at((start + 1.0) / 2.0, 34.0);
    let d = format!(
        "M{} {} Q{} {} {} {}",
        fmt(x0),
        fmt(y0),
        fmt(cx),
        fmt(cy),
        fmt(x1),
        fmt(y1)
    );
    let title = format!(
        "The unaligned barrier of checkpoint {id} overtook {n} queued record{} on {} → {}: they are persisted as channel state with the checkpoint (marked while they wait here), so {} snapshots at once instead of waiting for them.",
        if n == 1 { "" } else { "s" }, names.0, names.1, names.1);
    Some(html! {
        <g key={id.to_string()} class="overtake" data-testid="overtake" data-checkpoint={id.to_string()} data-overtaken={n.to_string()}>
            { svg_title(title) }
            <path class="overtake-arc" d={d} pathLength="100" />
            <path class="overtake-head" d={format!("M{} {} l5 -8 l5 8 l-5 8 z", fmt(x1 - 5.0), fmt(y1))} />
            { overtake_label(layout, line, start, format!("{id} overtook {n}"), n) }
        </g>
    })
}

/// Width of one character of an overtake label (12 px), in SVG units (a generous estimate).
const LABEL_CHAR_W: f64 = 7.2;

/// The box `(left, top, right, bottom)` of a label of `chars` characters whose nearest corner
/// (or edge middle) is at `(px, py)` and which lies on the side `(nx, ny)` of that point, with
/// the text's anchor and baseline that draw it there.
fn label_box(px: f64, py: f64, nx: f64, ny: f64, chars: usize) -> ([f64; 4], &'static str, f64) {
    let w = chars as f64 * LABEL_CHAR_W;
    let (left, anchor) = if nx > 0.3 {
        (px, "start")
    } else if nx < -0.3 {
        (px - w, "end")
    } else {
        (px - w / 2.0, "middle")
    };
    let top = if ny > 0.3 {
        py
    } else if ny < -0.3 {
        py - 13.0
    } else {
        py - 6.5
    };
    ([left, top, left + w, top + 13.0], anchor, top + 10.0)
}

/// The label of an overtake ("4 overtook 8"), placed where it overlaps nothing else of the graph:
/// beside the overtaken records on the side away from the arc, or behind the arc's start, or
/// beyond its bulge; tried in that order, then with only the count. The obstacles are the
/// subtasks (and the words above them), the operators' labels, every channel with the items and
/// barrier IDs drawn along it, this arc, the RPC bus and the edges of the graph.
fn overtake_label(layout: &Layout, line: &Line, start: f64, text: String, n: usize) -> Html {
    let len = line.len().max(1.0);
    let (dx, dy) = ((line.x2 - line.x1) / len, (line.y2 - line.y1) / len);
    // The line's left (where at() moves a positive offset): the priority lane and the arc.
    let (lx, ly) = (dy, -dx);
    let mid = (start + 1.0) / 2.0;
    let mut spots: Vec<(f64, f64)> =
        vec![(mid, -16.0), ((start + mid) / 2.0, -16.0), (start, -16.0)];
    let step = 24.0 / len;
    let mut u = start - step;
    while u > 0.05 {
        spots.push((u, -16.0));
        u -= step;
    }
    spots.extend([(mid, 40.0), (start, 40.0), (start - step, 40.0)]);
    let arc: Vec<(f64, f64)> = (0..=20)
        .map(|i| {
            let t = i as f64 / 20.0;
            let (x0, y0) = line.at(start, 0.0);
            let (cx, cy) = line.at(mid, 34.0);
            let (x1, y1) = line.at(1.0, 9.0);
            let a = (1.0 - t) * (1.0 - t);
            let b = 2.0 * t * (1.0 - t);
            let c = t * t;
            (a * x0 + b * cx + c * x1, a * y0 + b * cy + c * y1)
        })
        .collect();
    let free = |bx: &[f64; 4]| {
        let [l, t, r, b] = *bx;
        if l < 2.0 || r > layout.width - 2.0 || t < BUS_Y + 20.0 || b > layout.height - 2.0 {
            return false;
        }
        let hits = |x0: f64, y0: f64, x1: f64, y1: f64| l < x1 && x0 < r && t < y1 && y0 < b;
        let node_clear = layout
            .subtasks
            .iter()
            .all(|s| !hits(s.x - 3.0, s.y - 18.0, s.x + s.w + 3.0, s.y + s.h + 17.0));
        let op_clear = layout
            .operators
            .iter()
            .all(|o| !hits(o.x, o.y - 24.0, o.x + o.w, o.y));
        // An item on a lane reaches 11 units around its point, a barrier's ID 26 units above it.
        let lanes_clear = layout.channels.iter().all(|c| {
            let steps = (c.len() / 4.0).ceil().max(1.0) as usize;
            (0..=steps).all(|i| {
                let u = i as f64 / steps as f64;
                [0.0, 9.0].iter().all(|off| {
                    let (x, y) = c.at(u, *off);
                    !hits(x - 11.0, y - 26.0, x + 11.0, y + 11.0)
                })
            })
        });
        let near = |x: f64, y: f64| hits(x - 4.0, y - 4.0, x + 4.0, y + 4.0);
        let arc_clear = arc.iter().all(|(x, y)| !near(*x, *y));
        node_clear && op_clear && lanes_clear && arc_clear
    };
    let texts = [text, n.to_string()];
    let pick = texts.iter().find_map(|t| {
        spots.iter().find_map(|(u, off)| {
            let (px, py) = line.at(*u, *off);
            let s = off.signum();
            let (bx, anchor, base) = label_box(px, py, lx * s, ly * s, t.chars().count());
            free(&bx).then(|| (t.clone(), px, base, anchor))
        })
    });
    let (t, x, y, anchor) = pick.unwrap_or_else(|| {
        let (px, py) = line.at(mid, -16.0);
        let (_, anchor, base) = label_box(px, py, -lx, -ly, 1);
        (n.to_string(), px, base, anchor)
    });
    html! {
        <text class="overtake-label" x={fmt(x)} y={fmt(y)} text-anchor={anchor}>{ t }</text>
    }
}
