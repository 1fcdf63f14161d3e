//! Heap probe: plays `bench-medium` through the browser's run model (`ui::run::Run`: keyframes,
//! bounded histories, the timeline strip) for some simulated hours, faults repeating every two
//! hours, and prints the live and peak heap (a counting allocator) after each half hour, so that
//! memory growth shows natively without a browser (the benchmark measures the browser itself).
//!
//!     cargo run --release --example heap_probe -- HOURS [SCENARIO_FILE]
//!     cargo run --release --example heap_probe -- 4 static/scenarios/bench-large.json
//!     MINUTES=10 cargo run --release --example heap_probe -- 1 static/scenarios/bench-production.json
use barrierscope::sim::scenario::Scenario;
use barrierscope::sim::Simulation;
use barrierscope::ui::run::Run;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let n = LIVE.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(n, Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn main() {
    let hours: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(4);
    let file = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "static/scenarios/bench-medium.json".into());
    let text = std::fs::read_to_string(&file).expect("read the scenario file");
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let faults = v["faults"].as_array().cloned().unwrap_or_default();
    let period = 7_200_000u64;
    let mut all = Vec::new();
    for k in 0..hours.div_ceil(2) {
        for f in &faults {
            let mut f = f.clone();
            f["at_ms"] = (f["at_ms"].as_u64().unwrap() + k * period).into();
            if f["at_ms"].as_u64().unwrap() < hours * 3_600_000 {
                all.push(f);
            }
        }
    }
    v["faults"] = all.into();
    v["duration_ms"] = (hours * 3_600_000).into();
    let sc = Scenario::from_json(&v.to_string()).expect("scenario");
    let b = LIVE.load(Relaxed);
    let sim = Simulation::new(sc).expect("sim");
    println!("sim built: {} KiB", (LIVE.load(Relaxed) - b) / 1024);
    let mut run = Run::new(sim);
    println!("run built: {} KiB", (LIVE.load(Relaxed) - b) / 1024);
    // MINUTES=n: play n simulated minutes instead, printing every minute.
    let minutes: Option<u64> = std::env::var("MINUTES").ok().and_then(|m| m.parse().ok());
    let step = match minutes {
        Some(_) => 60_000_000,
        None if hours == 1 => 600_000_000,
        None => 1_800_000_000u64,
    };
    let total = minutes.map_or(hours * 3_600_000_000, |m| m * 60_000_000);
    let mut t = 0;
    while t < total {
        let goal = t + step;
        while t < goal {
            t += 1_000_000;
            run.play_to(barrierscope::sim::ids::SimTime(t), &mut || false)
                .expect("play");
        }
        println!(
            "{:>4} min: live {:>7.2} MiB, peak {:>7.2} MiB, keyframes {}/{}, interval {} s, strip {}, restarts {}",
            t / 60_000_000,
            LIVE.load(Relaxed) as f64 / 1048576.0,
            PEAK.load(Relaxed) as f64 / 1048576.0,
            run.keyframes(),
            run.max_keyframes(),
            run.keyframe_interval_us() / 1_000_000,
            run.strip().len(),
            run.sim().job().restarts.len(),
        );
    }
    let b = LIVE.load(Relaxed);
    let kf = run.keyframes();
    drop(run);
    println!(
        "run dropped: {} KiB freed, {kf} keyframes",
        (b - LIVE.load(Relaxed)) / 1024
    );
}
