//! Where everything of the job graph goes on screen: operators as columns (by longest path from
//! the sources), their subtasks stacked in each column, one straight line per channel, and the
//! RPC bus at the top where acknowledgements leave for the coordinator. With more than
//! [`AGGREGATE_ABOVE_CHANNELS`] channels the view draws one bundle per job edge instead of each
//! channel. Computed once per scenario (the execution graph never changes). Pure Rust.

use crate::sim::graph::ExecutionGraph;

/// More channels than this and the graph is drawn as one bundle per operator pair.
pub const AGGREGATE_ABOVE_CHANNELS: usize = 200;
/// Horizontal distance between two operator columns, in SVG units.
pub const COLUMN_PITCH: f64 = 260.0;
pub const NODE_W: f64 = 124.0;
/// Height and vertical pitch of a subtask node at full size.
pub const NODE_H: f64 = 38.0;
pub const NODE_PITCH: f64 = 54.0;
/// The y of the RPC bus (acks fly up to it, triggers come down from it).
pub const BUS_Y: f64 = 14.0;
const TOP: f64 = 74.0;
const LEFT: f64 = 24.0;
const OP_GAP: f64 = 54.0;
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
        (
            self.x1 + dx * u + nx * off,
            self.y1 + dy * u + ny * off,
        )
    }
    pub fn len(&self) -> f64 {
        let (dx, dy) = (self.x2 - self.x1, self.y2 - self.y1);
        (dx * dx + dy * dy).sqrt()
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
    /// Nodes are too small for text.
    pub compact: bool,
    /// Column of each operator.
    pub columns: Vec<usize>,
}

impl Layout {
    pub fn new(g: &ExecutionGraph) -> Layout {
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
        let n_cols = column.iter().copied().max().unwrap_or(0) + 1;
        // Vertical space each column needs at full size.
        let mut col_units = vec![0.0f64; n_cols];
        for (i, op) in g.operators.iter().enumerate() {
            let c = column[i];
            if col_units[c] > 0.0 {
                col_units[c] += OP_GAP;
            }
            col_units[c] += op.parallelism as f64 * NODE_PITCH;
        }
        let tallest = col_units.iter().copied().fold(0.0, f64::max);
        let scale = if tallest > MAX_COLUMN_H {
            // Shrink the nodes (not the gaps between operators) to fit.
            let gaps: f64 = (0..n_cols)
                .map(|c| column.iter().filter(|&&x| x == c).count().saturating_sub(1) as f64 * OP_GAP)
                .fold(0.0, f64::max);
            ((MAX_COLUMN_H - gaps).max(60.0) / (tallest - gaps).max(1.0)).min(1.0)
        } else {
            1.0
        };
        let pitch = NODE_PITCH * scale;
        let node_h = (NODE_H * scale).max(1.5);
        let compact = node_h < 22.0;
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
        let used: Vec<f64> = {
            let mut u = vec![0.0f64; n_cols];
            for (i, op) in g.operators.iter().enumerate() {
                let c = column[i];
                if u[c] > 0.0 {
                    u[c] += OP_GAP;
                }
                u[c] += op.parallelism as f64 * pitch;
            }
            u
        };
        let content_h = used.iter().copied().fold(0.0, f64::max);
        let mut cursor = vec![0.0f64; n_cols];
        for (i, op) in g.operators.iter().enumerate() {
            let c = column[i];
            let x = LEFT + c as f64 * COLUMN_PITCH;
            // Centre each column vertically.
            let y0 = TOP + (content_h - used[c]) / 2.0 + cursor[c];
            let h = op.parallelism as f64 * pitch;
            operators[i] = Rect {
                x: x - 8.0,
                y: y0 - 6.0,
                w: NODE_W + 16.0,
                h: h - pitch + node_h + 12.0,
            };
            for k in 0..op.parallelism {
                let t = op.first_subtask.idx() + k as usize;
                subtasks[t] = Rect {
                    x,
                    y: y0 + k as f64 * pitch,
                    w: NODE_W,
                    h: node_h,
                };
            }
            cursor[c] += h + OP_GAP;
        }
        let aggregated = g.channels.len() > AGGREGATE_ABOVE_CHANNELS;
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
        let bundles = g
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
        Layout {
            width: LEFT * 2.0 + (n_cols - 1) as f64 * COLUMN_PITCH + NODE_W,
            height: TOP + content_h + 24.0,
            operators,
            subtasks,
            channels,
            bundles,
            aggregated,
            compact,
            columns: column,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::scenario::Scenario;

    fn graph(json: &str) -> ExecutionGraph {
        ExecutionGraph::build(&Scenario::from_json(json).expect("valid"))
    }

    #[test]
    fn operators_go_in_columns_by_longest_path() {
        let g = graph(
            r#"{"name":"t","duration_ms":10,"job":{"operators":[
            {"name":"a","kind":"source","parallelism":2},{"name":"b","kind":"map","parallelism":2},
            {"name":"c","kind":"sink","parallelism":1}],
            "edges":[{"from":"a","to":"b"},{"from":"b","to":"c","partitioning":"rebalance"},
                     {"from":"a","to":"c","partitioning":"rebalance"}]}}"#,
        );
        let l = Layout::new(&g);
        assert_eq!(l.columns, vec![0, 1, 2]);
        assert!(!l.aggregated && !l.compact);
        assert_eq!(l.channels.len(), g.channels.len());
        assert!(l.subtasks[0].x < l.subtasks[2].x && l.subtasks[2].x < l.subtasks[4].x);
        // Channel lines start at the producer's right edge and end at the consumer's left edge.
        let c = &l.channels[0];
        assert_eq!(c.x1, l.subtasks[0].x + NODE_W);
        assert_eq!(c.x2, l.subtasks[2].x);
    }

    #[test]
    fn a_wide_hash_edge_is_aggregated_and_compact() {
        let g = graph(
            r#"{"name":"t","duration_ms":10,"job":{"operators":[
            {"name":"a","kind":"source","parallelism":64},{"name":"b","kind":"sink","parallelism":64}],
            "edges":[{"from":"a","to":"b","partitioning":"hash"}]}}"#,
        );
        let l = Layout::new(&g);
        assert!(l.aggregated && l.compact);
        assert!(l.channels.is_empty());
        assert_eq!(l.bundles.len(), 1);
        assert!(l.height < 800.0, "height {}", l.height);
        let last = &l.subtasks[63];
        assert!(last.y + last.h <= l.height);
    }
}
