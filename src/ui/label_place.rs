//! Where the graph's moving labels go (a barrier's checkpoint ID, its channel count in a
//! bundle): beside their item, on the first free side, so that no label covers a node (or the
//! slow-down under it), an operator's label or another label; a label with no free side is left out (its item keeps its
//! tooltip). Greedy, in drawing order. Pure Rust, tested natively.

use super::graph_text::text_width;
use super::layout::{Layout, INDEX_GUTTER};

/// A box: left, top, right, bottom.
pub type Box4 = [f64; 4];

fn hits(a: &Box4, b: &Box4) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

/// The box of `chars` characters of 12-unit bold text centred on `x`, baseline `y`.
pub fn label_box(x: f64, y: f64, chars: usize) -> Box4 {
    let w = text_width(chars, 13.0) / 2.0;
    [x - w, y - 10.0, x + w, y + 3.0]
}

/// The labels placed so far in one frame and what they must not cover.
pub struct Placer {
    fixed: Vec<Box4>,
    placed: Vec<Box4>,
}

impl Placer {
    /// A placer for a frame of `layout`: the nodes and the operator labels are taken.
    pub fn new(layout: &Layout) -> Placer {
        // A node with text may show an injected slow-down under it.
        let under = if layout.compact { 0.0 } else { 16.0 };
        let mut fixed: Vec<Box4> = layout
            .subtasks
            .iter()
            .map(|r| [r.x, r.y, r.x + r.w, r.y + r.h + under])
            .collect();
        let label_h = 18.0 + (layout.op_label_lines as f64 - 1.0) * 14.0;
        fixed.extend(
            layout
                .operators
                .iter()
                .map(|o| [o.x, o.y - label_h, o.x + o.w, o.y - 2.0]),
        );
        // The subtask indexes in the gutter left of bars.
        if layout.index_every > 0 {
            fixed.extend(
                layout
                    .operators
                    .iter()
                    .map(|o| [o.x, o.y, o.x + 8.0 + INDEX_GUTTER, o.y + o.h]),
            );
        }
        Placer {
            fixed,
            placed: Vec::new(),
        }
    }

    /// The first of `spots` (x, baseline) where a label of `chars` characters is free; it is
    /// then taken.
    pub fn place(&mut self, chars: usize, spots: &[(f64, f64)]) -> Option<(f64, f64)> {
        let spot = spots.iter().copied().find(|&(x, y)| {
            let b = label_box(x, y, chars);
            !self.fixed.iter().chain(&self.placed).any(|f| hits(f, &b))
        })?;
        self.placed.push(label_box(spot.0, spot.1, chars));
        Some(spot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::graph::ExecutionGraph;
    use crate::sim::scenario::Scenario;
    use crate::ui::layout::Screen;

    fn lessons_layout() -> Layout {
        let g = ExecutionGraph::build(
            &Scenario::from_json(
                r#"{"name":"t","duration_ms":10,"job":{"operators":[
                {"name":"source","kind":"source","parallelism":2},{"name":"counter","kind":"keyed","parallelism":2},
                {"name":"sink","kind":"sink","parallelism":1}],
                "edges":[{"from":"source","to":"counter","partitioning":"hash"},
                         {"from":"counter","to":"sink","partitioning":"rebalance"}]}}"#,
            )
            .expect("valid"),
        );
        Layout::new(&g, Some(Screen::measured(520.0, 440.0)))
    }

    #[test]
    fn two_labels_at_one_spot_take_the_second_side_then_are_left_out() {
        let l = lessons_layout();
        let mut p = Placer::new(&l);
        let c = &l.channels[0];
        let (x, y) = c.at(0.5, 0.0);
        let spots = [(x, y - 14.0), (x, y + 24.0)];
        assert_eq!(p.place(1, &spots), Some(spots[0]));
        assert_eq!(p.place(1, &spots), Some(spots[1]));
        assert_eq!(p.place(1, &spots), None);
    }

    #[test]
    fn a_label_never_covers_a_node() {
        let l = lessons_layout();
        let mut p = Placer::new(&l);
        let n = &l.subtasks[2];
        // Right on the node, and just left of it: only the second is free.
        let spots = [(n.cx(), n.cy()), (n.x - 12.0, n.cy() + 4.0)];
        assert_eq!(p.place(2, &spots), Some(spots[1]));
        let b = label_box(spots[1].0, spots[1].1, 2);
        assert!(b[2] <= n.x, "{b:?} right of {}", n.x);
    }
}
