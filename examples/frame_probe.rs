//! Frame probe: plays a scenario (`bench-production` by default) through the browser's run model
//! at 1x, one 60 Hz frame at a time, and prints what each part of a frame's Rust work costs
//! natively: the simulation step (`Run::play_to`), the graph's scene (subtasks, bundles), the
//! statistics, coordinator and timeline views, as the app builds them for a production-size
//! graph (a slice of the bundles' channels counted per frame, subtask states without texts). The DOM work of a frame is not in it; the
//! benchmark measures the browser itself.
//!
//!     cargo run --release --example frame_probe -- [SECONDS] [SCENARIO_FILE]
use barrierscope::sim::scenario::Scenario;
use barrierscope::sim::Simulation;
use barrierscope::ui::bundle_model::BundleScan;
use barrierscope::ui::graph_model::GraphScene;
use barrierscope::ui::panel_model::CoordinatorView;
use barrierscope::ui::run::Run;
use barrierscope::ui::stats_model::StatsView;
use barrierscope::ui::timeline_model::TimelineView;
use std::time::Instant;

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((p / 100.0 * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1]
}

fn main() {
    let seconds: f64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(70.0);
    let file = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "static/scenarios/bench-production.json".into());
    let text = std::fs::read_to_string(&file).expect("read the scenario file");
    let scenario = Scenario::from_json(&text).expect("a valid scenario");
    if let Ok(at) = std::env::var("SLOW_EVENTS_FROM_MS") {
        return slow_events(scenario, at.parse().expect("ms"), seconds);
    }
    let mut run = Run::new(Simulation::new(scenario).expect("builds"));
    let mut scan = BundleScan::default();
    let names = [
        "step",
        "scene",
        "bundles",
        "stats",
        "coordinator",
        "timeline",
    ];
    let mut cost: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    let mut worst: Vec<(f64, u64, [f64; 6])> = Vec::new();
    let frames = (seconds * 60.0) as u64;
    for f in 1..=frames {
        let target = barrierscope::sim::ids::SimTime(f * 1_000_000 / 60);
        let mut t = [0f64; 6];
        let s = Instant::now();
        run.play_to(target, &mut || false).expect("plays");
        t[0] = s.elapsed().as_secs_f64() * 1e3;
        let sim = run.sim();
        // As the app does for a production-size graph: a slice of the channels counted per
        // frame, the subtasks' states without their texts (drawn as runs).
        let s = Instant::now();
        let b = scan.get(sim, true);
        t[2] = s.elapsed().as_secs_f64() * 1e3;
        let s = Instant::now();
        let scene = GraphScene::drawn(sim, Some(b), false);
        t[1] = s.elapsed().as_secs_f64() * 1e3;
        let s = Instant::now();
        let stats = StatsView::of(sim, false, None, None);
        t[3] = s.elapsed().as_secs_f64() * 1e3;
        let s = Instant::now();
        let coord = CoordinatorView::of(sim);
        t[4] = s.elapsed().as_secs_f64() * 1e3;
        let s = Instant::now();
        let tl = TimelineView::of(&run, None);
        t[5] = s.elapsed().as_secs_f64() * 1e3;
        std::hint::black_box((scene, stats, coord, tl));
        for (i, x) in t.iter().enumerate() {
            cost[i].push(*x);
        }
        worst.push((t.iter().sum(), target.0 / 1000, t));
    }
    println!("{frames} frames of {file} at 1x (ms per frame, native):");
    for (i, n) in names.iter().enumerate() {
        let v = &mut cost[i];
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        println!(
            "  {n:12} mean {mean:7.3}  p50 {:7.3}  p95 {:7.3}  max {:8.3}",
            pct(v, 50.0),
            pct(v, 95.0),
            pct(v, 100.0)
        );
    }
    worst.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("slowest frames (sim ms: total = step scene bundles stats coordinator timeline):");
    for (total, at, t) in worst.iter().take(15) {
        println!(
            "  {at:7} ms: {total:7.2} = {:.2} {:.2} {:.2} {:.2} {:.2} {:.2}",
            t[0], t[1], t[2], t[3], t[4], t[5]
        );
    }
}

/// Times each event from `from_ms` for `ms` of simulated time, and prints the slowest ones with
/// the newest log line at each.
fn slow_events(scenario: Scenario, from_ms: u64, ms: f64) {
    let mut run = Run::new(Simulation::new(scenario).expect("builds"));
    for f in 1..=from_ms * 60 / 1000 {
        run.play_to(
            barrierscope::sim::ids::SimTime(f * 1_000_000 / 60),
            &mut || false,
        )
        .expect("plays");
    }
    let frames_left = (ms * 60.0 / 1000.0) as u64;
    for f in from_ms * 60 / 1000 + 1..=from_ms * 60 / 1000 + frames_left {
        let mut copy = run.clone();
        let t = barrierscope::sim::ids::SimTime(f * 1_000_000 / 60);
        let s = Instant::now();
        run.play_to(t, &mut || false).expect("plays");
        let d = s.elapsed().as_secs_f64() * 1e3;
        println!("frame to {} us: {d:.2} ms", t.0);
        if d > 100.0 {
            while copy.sim().next_event_time().is_some_and(|at| at <= t) {
                let s = Instant::now();
                copy.step().expect("steps");
                let d = s.elapsed().as_secs_f64() * 1e3;
                if d > 2.0 {
                    let line = copy.sim().log_entries().back().map(|e| e.text.clone());
                    println!("  event {d:.2} ms at {}: {line:?}", copy.sim().now().0);
                }
            }
            let s = Instant::now();
            copy.play_to(t, &mut || false).expect("plays");
            println!("  then play_to {:.2} ms", s.elapsed().as_secs_f64() * 1e3);
        }
    }
    let end = barrierscope::sim::ids::SimTime::from_ms(from_ms + ms as u64);
    let mut slow: Vec<(f64, u64, String)> = Vec::new();
    while run.sim().next_event_time().is_some_and(|t| t <= end) {
        let s = Instant::now();
        run.step().expect("steps");
        let d = s.elapsed().as_secs_f64() * 1e3;
        let sim = run.sim();
        if d > 2.0 {
            let line = sim
                .log_entries()
                .back()
                .map(|e| e.text.clone())
                .unwrap_or_default();
            slow.push((d, sim.now().0, line));
        }
    }
    slow.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (d, at, line) in slow.iter().take(20) {
        println!("{d:8.2} ms at {at} us: {line}");
    }
}
