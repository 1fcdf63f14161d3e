//! Where everything of the job graph goes on screen: operators as columns (by longest path from
//! the sources), their subtasks stacked in each column, one straight line per channel, and the
//! RPC bus at the top where acknowledgements leave for the coordinator. With more than
//! [`AGGREGATE_ABOVE_CHANNELS`] channels the view draws one bundle per job edge instead of each
//! channel, with their counts in a band under the columns. In a narrow pane the nodes get
//! narrower so that the channels stay long (a node's detail wraps onto two lines); nodes too small for text
//! become bars with their subtask index beside them. Computed once per scenario and pane size
//! (the execution graph never changes). Pure Rust; the text sizes it plans with are estimates
//! ([`text_width`](super::graph_text::text_width)), checked in the browser by the end-to-end
//! tests.

use super::graph_text::{op_label, text_width};
use crate::sim::graph::ExecutionGraph;
use crate::sim::scenario::OperatorKind;

/// More channels than this and the graph is drawn as one bundle per operator pair.
pub const AGGREGATE_ABOVE_CHANNELS: usize = 200;
/// Horizontal distance between two operator columns, in SVG units, when the pane has room.
pub const COLUMN_PITCH: f64 = 245.0;
/// Narrowest column pitch: a narrow pane shrinks the channels between the columns down to this
/// before it scales the drawing (and its text) below one CSS pixel per SVG unit.
pub const MIN_COLUMN_PITCH: f64 = NODE_W + 40.0;
/// Smallest font size of the graph's text, in SVG units (static/style.css, `svg.graph`).
pub const MIN_TEXT: f64 = 12.0;
pub const NODE_W: f64 = 124.0;
/// Width of a node in a narrow pane.
pub const NARROW_NODE_W: f64 = 96.0;
/// Height of a node with text: its name, and its detail on up to two lines.
pub const TALL_NODE_H: f64 = 50.0;
/// Width of a node too small for text (a bar), and of the gutter left of it for subtask indexes.
pub const BAR_NODE_W: f64 = 34.0;
pub const INDEX_GUTTER: f64 = 28.0;
/// The shortest channel (node to node) the layout aims for, so that a queue of records around a
/// barrier shows; and the narrowest gap between two operator boxes of an aggregated graph.
pub const MIN_CHANNEL: f64 = 90.0;
pub const MIN_BUNDLE_GAP: f64 = 56.0;
/// Line height of the graph's small text (12 units).
pub const LINE: f64 = 14.0;
/// Height of one row of bundle labels: a fill bar and three lines.
pub const BUNDLE_ROW_H: f64 = 10.0 + 3.0 * LINE;
/// Height and vertical pitch of a subtask node of an aggregated graph at full size (a node with
/// a detail is [`TALL_NODE_H`] high, at the same gap).
pub const NODE_H: f64 = 38.0;
pub const NODE_PITCH: f64 = 54.0;
/// The y of the RPC bus (acks fly up to it, triggers come down from it).
pub const BUS_Y: f64 = 14.0;
const TOP: f64 = 74.0;
const BOTTOM: f64 = 24.0;
const LEFT: f64 = 24.0;
const NARROW_LEFT: f64 = 12.0;
const OP_GAP: f64 = 54.0;
/// Most a short graph is stretched vertically to fill the screen area.
pub const MAX_STRETCH: f64 = 3.2;
/// Tallest column, in SVG units, before nodes shrink.
const MAX_COLUMN_H: f64 = 620.0;

#[derive(Debug, Clone, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn cx(&self) -> f64 {
        self.x + self.w / 2.0
    }
    pub fn cy(&self) -> f64 {
        self.y + self.h / 2.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

impl Line {
    /// The point at `u` (0 = producer, 1 = consumer), moved `off` units to the line's left.
    pub fn at(&self, u: f64, off: f64) -> (f64, f64) {
        let (dx, dy) = (self.x2 - self.x1, self.y2 - self.y1);
        let len = (dx * dx + dy * dy).sqrt().max(1e-9);
        let (nx, ny) = (dy / len, -dx / len);
        (self.x1 + dx * u + nx * off, self.y1 + dy * u + ny * off)
    }
    pub fn len(&self) -> f64 {
        let (dx, dy) = (self.x2 - self.x1, self.y2 - self.y1);
        (dx * dx + dy * dy).sqrt()
    }
}

/// The graph pane as measured in the browser: its width in CSS pixels and its width / height.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Screen {
    pub width: f64,
    pub aspect: f64,
}

impl Screen {
    /// Quantised, so that the same window size always gives the same layout: the width is
    /// rounded down to 8 px and the aspect up to 0.02, so the drawing never gets wider or taller
    /// than the pane on account of the rounding.
    pub fn measured(width: f64, height: f64) -> Screen {
        Screen {
            width: (width / 8.0).floor() * 8.0,
            aspect: (width / height.max(40.0) * 50.0).ceil() / 50.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    /// Per operator: the box around its subtasks (label above it).
    pub operators: Vec<Rect>,
    /// Per subtask: its node.
    pub subtasks: Vec<Rect>,
    /// Per channel: producer's right edge to consumer's left edge (empty when aggregated).
    pub channels: Vec<Line>,
    /// Per job edge: one bundle between the operator boxes.
    pub bundles: Vec<Line>,
    pub aggregated: bool,
    /// Nodes are too small for text: bars, with every `index_every`-th subtask index beside
    /// them.
    pub compact: bool,
    pub index_every: u32,
    /// Column of each operator.
    pub columns: Vec<usize>,
    /// Distance between two columns.
    pub pitch: f64,
    /// Most characters of a node's detail per line when it wraps onto two lines (0: one line).
    pub detail_wrap: usize,
    /// The operator label takes two lines (name above kind and parallelism).
    pub op_label_lines: u8,
    /// Per job edge (aggregated graphs): the centre and top of its labels in the band under
    /// the columns (staggered over two rows when the columns are close).
    pub bundle_labels: Vec<(f64, f64)>,
}

impl Layout {
    /// Lays `g` out. The screen's aspect stretches a short graph vertically to use the space,
    /// up to [`MAX_STRETCH`] times its natural spacing; in a pane narrower than the drawing the
    /// columns move closer (down to [`MIN_COLUMN_PITCH`]) so that one SVG unit stays at least
    /// one pixel and the text at least [`MIN_TEXT`] px.
    pub fn new(g: &ExecutionGraph, screen: Option<Screen>) -> Layout {
        let aspect = screen.map(|s| s.aspect);
        let n_ops = g.operators.len();
        // Longest path from a source: the column.
        let mut column = vec![0usize; n_ops];
        for _ in 0..n_ops {
            let mut changed = false;
            for (from, to, _) in &g.edges {
                let want = column[from.idx()] + 1;
                if column[to.idx()] < want {
                    column[to.idx()] = want;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        // A source goes just left of its nearest consumer (a side input joins late).
        for (i, op) in g.operators.iter().enumerate() {
            if op.kind != OperatorKind::Source {
                continue;
            }
            let nearest = g
                .edges
                .iter()
                .filter(|(from, _, _)| from.idx() == i)
                .map(|(_, to, _)| column[to.idx()])
                .min();
            if let Some(c) = nearest {
                column[i] = c.saturating_sub(1);
            }
        }
        let n_cols = column.iter().copied().max().unwrap_or(0) + 1;
        let aggregated = g.channels.len() > AGGREGATE_ABOVE_CHANNELS;
        let width = screen.map(|s| s.width).filter(|w| w.is_finite());
        // The pitch that fits `foot` units of column (the op box) with `left` units each side.
        let fit = |left: f64, foot: f64| match width {
            Some(w) if n_cols > 1 => (w - left * 2.0 - foot) / (n_cols - 1) as f64,
            _ => COLUMN_PITCH,
        };
        // A narrow pane: full-width nodes would leave short channels, or not fit at all.
        let narrow = fit(LEFT, NODE_W) - NODE_W < MIN_CHANNEL;
        // Nodes with text have room for a detail on two lines (a sink's "728 rec · 1
        // pre-commit" is wider than a node); an aggregated graph's nodes show their name only.
        let full_h = if aggregated { NODE_H } else { TALL_NODE_H };
        let node_pitch = full_h + NODE_PITCH - NODE_H;
        // A column's height is `a * s + b` for a vertical stretch `s`: the pitches between
        // subtasks and the gaps between operators stretch, the nodes do not.
        let col_ab = |pitch: f64, node_h: f64| -> Vec<(f64, f64)> {
            let mut ab = vec![(0.0f64, 0.0f64); n_cols];
            for (i, op) in g.operators.iter().enumerate() {
                let c = column[i];
                if ab[c].1 > 0.0 {
                    ab[c].0 += OP_GAP;
                }
                ab[c].0 += (op.parallelism as f64 - 1.0) * pitch;
                ab[c].1 += node_h;
            }
            ab
        };
        let height_of =
            |ab: &[(f64, f64)], s: f64| ab.iter().map(|(a, b)| a * s + b).fold(0.0, f64::max);
        // Widths first (they decide the drawing's scale on screen): bars with an index gutter
        // when the nodes will be too small for text, else narrower nodes in a narrow pane.
        let natural = height_of(&col_ab(node_pitch, full_h), 1.0);
        let band_rows = |pitch: f64| -> f64 {
            if !aggregated {
                0.0
            } else if pitch < text_width(22, MIN_TEXT) + 8.0 {
                2.0
            } else {
                1.0
            }
        };
        let max_column_h = |band: f64| match screen {
            Some(s) if s.aspect > 0.1 => {
                (s.width / s.aspect - TOP - BOTTOM - band).clamp(200.0, MAX_COLUMN_H)
            }
            _ => MAX_COLUMN_H,
        };
        // A first guess of the band, to know whether the nodes will be bars.
        let guess_band = band_rows(fit(NARROW_LEFT, BAR_NODE_W + INDEX_GUTTER)) * BUNDLE_ROW_H;
        // (A column's height shrinks about in proportion to its nodes.)
        let bars = full_h * max_column_h(guess_band) / natural < 22.0;
        // The node, the gutter, the margins and the narrowest pitch.
        let (node_w, gutter, left, min_pitch) = if bars {
            let foot = BAR_NODE_W + INDEX_GUTTER;
            (
                BAR_NODE_W,
                INDEX_GUTTER,
                NARROW_LEFT,
                foot + 16.0 + MIN_BUNDLE_GAP,
            )
        } else if narrow {
            (NARROW_NODE_W, 0.0, NARROW_LEFT, NARROW_NODE_W + 40.0)
        } else {
            (NODE_W, 0.0, LEFT, MIN_COLUMN_PITCH)
        };
        let foot = gutter + node_w;
        let column_pitch = if n_cols > 1 {
            fit(left, foot).clamp(min_pitch, COLUMN_PITCH)
        } else {
            COLUMN_PITCH
        };
        let band = band_rows(column_pitch) * BUNDLE_ROW_H;
        // Shrink the nodes of a tall graph so that the tallest column fits (the pane's height
        // when it is known: the drawing is not scaled down, nor its text).
        let max_column_h = max_column_h(band);
        let scale = if natural > max_column_h {
            let mut lo = 0.0;
            let mut hi = 1.0;
            for _ in 0..40 {
                let mid = (lo + hi) / 2.0;
                if height_of(&col_ab(node_pitch * mid, full_h * mid), 1.0) > max_column_h {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            lo
        } else {
            1.0
        };
        let node_h = (full_h * scale).max(1.5);
        let compact = bars || node_h < 22.0;
        let ab = col_ab(node_pitch * scale, node_h);
        let natural_w = left * 2.0 + (n_cols - 1) as f64 * column_pitch + foot;
        let natural_h = height_of(&ab, 1.0);
        // Stretch a short graph to the screen area's shape.
        let target_h = match aspect {
            Some(a) if a.is_finite() && a > 0.1 => natural_w / a - TOP - BOTTOM - band,
            _ => natural_h,
        };
        let mut stretch = 1.0;
        if target_h > natural_h {
            let mut lo = 1.0;
            let mut hi = MAX_STRETCH;
            for _ in 0..40 {
                let mid = (lo + hi) / 2.0;
                if height_of(&ab, mid) > target_h {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            stretch = lo;
        }
        let pitch = node_pitch * scale * stretch;
        // Bars keep a unit between them while they are 2.5 units apart or more (closer, they
        // are drawn as runs of equal look, graph_model::draws_runs).
        let bar_h = if compact && pitch >= 2.5 {
            node_h.min(pitch - 1.0)
        } else {
            node_h
        };
        let op_gap = OP_GAP * stretch;
        let content_h = height_of(&ab, stretch);
        let area_h = content_h.max(target_h);
        let mut operators = vec![
            Rect {
                x: 0.0,
                y: 0.0,
                w: 0.0,
                h: 0.0
            };
            n_ops
        ];
        let mut subtasks = vec![
            Rect {
                x: 0.0,
                y: 0.0,
                w: 0.0,
                h: 0.0
            };
            g.subtasks.len()
        ];
        let mut cursor = vec![0.0f64; n_cols];
        for (i, op) in g.operators.iter().enumerate() {
            let c = column[i];
            let x = left + gutter + c as f64 * column_pitch;
            let used = ab[c].0 * stretch + ab[c].1;
            // Centre each column vertically in the area.
            let y0 = TOP + (area_h - used) / 2.0 + cursor[c];
            let h = (op.parallelism as f64 - 1.0) * pitch + node_h;
            operators[i] = Rect {
                x: x - gutter - 8.0,
                y: y0 - 6.0,
                w: foot + 16.0,
                h: h + 12.0,
            };
            for k in 0..op.parallelism {
                let t = op.first_subtask.idx() + k as usize;
                subtasks[t] = Rect {
                    x,
                    y: y0 + k as f64 * pitch,
                    w: node_w,
                    h: bar_h,
                };
            }
            cursor[c] += h + op_gap;
        }
        let channels = if aggregated {
            Vec::new()
        } else {
            g.channels
                .iter()
                .map(|ch| {
                    let (a, b) = (&subtasks[ch.from.idx()], &subtasks[ch.to.idx()]);
                    Line {
                        x1: a.x + a.w,
                        y1: a.cy(),
                        x2: b.x,
                        y2: b.cy(),
                    }
                })
                .collect()
        };
        let bundles: Vec<Line> = g
            .edges
            .iter()
            .map(|(from, to, _)| {
                let (a, b) = (&operators[from.idx()], &operators[to.idx()]);
                Line {
                    x1: a.x + a.w,
                    y1: a.cy(),
                    x2: b.x,
                    y2: b.cy(),
                }
            })
            .collect();
        // Bundle labels under the columns, at the middle of their bundle, on alternate rows when
        // one label could be wider than the pitch.
        let rows = band_rows(column_pitch) as usize;
        let bundle_labels = if aggregated {
            bundles
                .iter()
                .enumerate()
                .map(|(e, b)| {
                    let row = if rows > 1 { e % rows } else { 0 };
                    (
                        (b.x1 + b.x2) / 2.0,
                        TOP + area_h + 8.0 + row as f64 * BUNDLE_ROW_H,
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        // Subtask indexes beside bars: every one, or every 2nd, 4th... so they are a line apart.
        let index_every = if compact {
            let mut k = 1u32;
            while (k as f64) * pitch < LINE && k < 1 << 20 {
                k *= 2;
            }
            k
        } else {
            0
        };
        let detail_wrap = if !compact {
            ((node_w - 10.0) / (MIN_TEXT * 0.55)) as usize
        } else {
            0
        };
        // Name, kind and parallelism on one line when the widest fits the pitch.
        let op_label_chars = g
            .operators
            .iter()
            .map(|op| op_label(&op.name, op.kind, op.parallelism).chars().count())
            .max()
            .unwrap_or(0);
        let op_label_lines = if text_width(op_label_chars, 12.5) > column_pitch - 8.0 {
            2
        } else {
            1
        };
        Layout {
            width: natural_w,
            height: TOP + area_h + band + BOTTOM,
            operators,
            subtasks,
            channels,
            bundles,
            aggregated,
            compact,
            index_every,
            columns: column,
            pitch: column_pitch,
            detail_wrap,
            op_label_lines,
            bundle_labels,
        }
    }
}

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;
