//! The layout's tests: where the job graph goes, text sizes, label room and channel lengths.

use super::*;
use crate::sim::scenario::Scenario;
use crate::ui::graph_text::text_width;

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
    let l = Layout::new(&g, None);
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
    let l = Layout::new(&g, None);
    assert!(l.aggregated && l.compact);
    assert!(l.channels.is_empty());
    assert_eq!(l.bundles.len(), 1);
    assert!(l.height < 800.0, "height {}", l.height);
    let last = &l.subtasks[63];
    assert!(last.y + last.h <= l.height);
}

#[test]
fn a_short_graph_is_stretched_to_the_screen_shape() {
    let g = graph(
        r#"{"name":"t","duration_ms":10,"job":{"operators":[
        {"name":"a","kind":"source","parallelism":2},{"name":"b","kind":"sink","parallelism":2}],
        "edges":[{"from":"a","to":"b"}]}}"#,
    );
    let flat = Layout::new(&g, None);
    let tall = Layout::new(
        &g,
        Some(Screen {
            width: 2000.0,
            aspect: 1.0,
        }),
    );
    assert!(tall.height > flat.height);
    let gap = |l: &Layout| l.subtasks[1].y - l.subtasks[0].y;
    assert!(gap(&tall) > gap(&flat));
    assert!(gap(&tall) <= (TALL_NODE_H + NODE_PITCH - NODE_H) * MAX_STRETCH + 1e-6);
    // Nodes stay inside the drawing.
    assert!(tall
        .subtasks
        .iter()
        .all(|r| r.y >= 0.0 && r.y + r.h <= tall.height));
}

#[test]
fn a_side_input_source_sits_next_to_its_consumer() {
    let g = graph(
        r#"{"name":"t","duration_ms":10,"job":{"operators":[
        {"name":"a","kind":"source"},{"name":"m","kind":"map"},{"name":"side","kind":"source"},
        {"name":"k","kind":"keyed"}],
        "edges":[{"from":"a","to":"m"},{"from":"m","to":"k","partitioning":"hash"},
                 {"from":"side","to":"k","partitioning":"broadcast"}]}}"#,
    );
    assert_eq!(Layout::new(&g, None).columns, vec![0, 1, 1, 2]);
}

/// A job of `(name, kind, parallelism)` operators and `(from, to, partitioning)` edges.
fn job(ops: &[(&str, &str, u32)], edges: &[(&str, &str, &str)]) -> ExecutionGraph {
    let ops: Vec<String> = ops
        .iter()
        .map(|(n, k, p)| format!(r#"{{"name":"{n}","kind":"{k}","parallelism":{p}}}"#))
        .collect();
    let edges: Vec<String> = edges
        .iter()
        .map(|(f, t, p)| format!(r#"{{"from":"{f}","to":"{t}","partitioning":"{p}"}}"#))
        .collect();
    graph(&format!(
        r#"{{"name":"t","duration_ms":10,"job":{{"operators":[{}],"edges":[{}]}}}}"#,
        ops.join(","),
        edges.join(",")
    ))
}

/// On-screen size of the graph's smallest text in a `w` x `h` px pane: the SVG is scaled to
/// fit the pane ("meet"), so one unit is the smaller of the two ratios.
fn smallest_text_px(l: &Layout, w: f64, h: f64) -> f64 {
    MIN_TEXT * (w / l.width).min(h / l.height)
}

/// Lays `g` out for a `w` x `h` px pane and checks its smallest text is 12 px or more there.
fn laid_out_legibly(g: &ExecutionGraph, w: f64, h: f64) -> Layout {
    let l = Layout::new(g, Some(Screen::measured(w, h)));
    let px = smallest_text_px(&l, w, h);
    assert!(
        px >= 12.0,
        "{w}x{h}: text at {px:.2} px, layout {}x{}",
        l.width,
        l.height
    );
    l
}

#[test]
fn a_narrow_pane_keeps_the_graph_text_at_12_px_or_more() {
    // The lessons' job: source ×2 → counter ×2 → sink ×1, three columns.
    let g = job(
        &[
            ("source", "source", 2),
            ("counter", "keyed", 2),
            ("sink", "sink", 1),
        ],
        &[
            ("source", "counter", "hash"),
            ("counter", "sink", "rebalance"),
        ],
    );
    let wide = Layout::new(&g, None);
    // Panes of a 1024, 1280 and 1920 px wide window, and a few in between.
    for (w, h) in [
        (505.0, 560.0),
        (512.0, 620.0),
        (640.0, 500.0),
        (790.0, 660.0),
        (1300.0, 900.0),
    ] {
        let l = laid_out_legibly(&g, w, h);
        // The columns moved closer and the nodes got narrower (their detail on two lines),
        // in their order and inside the drawing.
        assert!(l
            .subtasks
            .iter()
            .all(|r| r.w >= NARROW_NODE_W && r.x >= 0.0 && r.x + r.w <= l.width));
        assert!(l.width <= wide.width);
        if l.subtasks[0].w < NODE_W {
            assert!(l.detail_wrap >= 12 && l.subtasks[0].h >= TALL_NODE_H, "{w}");
        }
        assert_eq!(l.op_label_lines, 1, "{w}: the operator labels fit one line");
    }
    // Without the narrow pane, the drawing would be scaled below 12 px.
    let unshrunk = smallest_text_px(&wide, 512.0, 620.0);
    assert!(unshrunk < 12.0, "{unshrunk}");
    // A pane wide enough keeps the full pitch.
    assert_eq!(
        Layout::new(&g, Some(Screen::measured(1300.0, 900.0))).width,
        wide.width
    );
}

#[test]
fn a_low_pane_shrinks_the_nodes_of_a_tall_graph_not_its_text() {
    let g = job(
        &[("a", "source", 16), ("b", "sink", 16)],
        &[("a", "b", "hash")],
    );
    let l = laid_out_legibly(&g, 780.0, 400.0);
    assert!(l.subtasks[1].h < Layout::new(&g, None).subtasks[1].h);
}

#[test]
fn an_aggregated_graph_keeps_its_text_and_puts_its_bundle_labels_clear_of_nodes_and_each_other() {
    // The benchmarks' jobs: four operators of 16, 64 and 256 subtasks, hash and forward.
    for p in [16, 64, 256] {
        let g = job(
            &[
                ("source", "source", p),
                ("keyed", "keyed", p),
                ("map", "map", p),
                ("sink", "sink", p),
            ],
            &[
                ("source", "keyed", "hash"),
                ("keyed", "map", "forward"),
                ("map", "sink", "hash"),
            ],
        );
        // The graph panes of a 1024x768, 1280x800 and 1920x1080 window.
        for (w, h) in [(520.0, 440.0), (776.0, 352.0), (1232.0, 650.0)] {
            let l = laid_out_legibly(&g, w, h);
            assert!(l.aggregated);
            // The widest label line: "65536 ch · 1023.9 KiB".
            let half = text_width(21, MIN_TEXT) / 2.0;
            let boxes: Vec<[f64; 4]> = l
                .bundle_labels
                .iter()
                .map(|(x, y)| [x - half, *y, x + half, y + BUNDLE_ROW_H])
                .collect();
            let hits = |a: &[f64; 4], b: &[f64; 4]| {
                a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
            };
            for (i, b) in boxes.iter().enumerate() {
                assert!(
                    b[3] <= l.height && b[0] >= 0.0 && b[2] <= l.width,
                    "{p} {w}: {b:?}"
                );
                assert!(
                    boxes[i + 1..].iter().all(|c| !hits(b, c)),
                    "{p} {w}: labels meet"
                );
                assert!(
                    l.operators
                        .iter()
                        .all(|o| !hits(b, &[o.x, o.y, o.x + o.w, o.y + o.h])),
                    "{p} {w}: a label on an operator"
                );
            }
            // Between two operator boxes, room for a barrier's ID and channel count.
            assert!(l
                .bundles
                .iter()
                .all(|b| b.x2 - b.x1 >= MIN_BUNDLE_GAP - 1e-9));
            if l.compact {
                // Bars, with their indexes a line apart in the gutter.
                assert_eq!(l.subtasks[0].w, BAR_NODE_W);
                let pitch = l.subtasks[1].y - l.subtasks[0].y;
                assert!(l.index_every as f64 * pitch >= LINE - 1e-9, "{p} {w}");
                assert!(p / l.index_every >= 8, "{p} {w}: every {}", l.index_every);
            } else {
                assert_eq!(l.index_every, 0);
            }
        }
    }
}
