//! Soak test (ignored by default; run with `cargo test --release --test soak -- --ignored
//! --nocapture`): 24 simulated hours of `bench-medium` with a random fault every few simulated
//! seconds. Every hour it checks that the invariants hold, that the exactly-once oracle stays
//! at 0 duplicates / 0 lost, and records the process's resident memory, which must stay flat.

#![cfg(not(target_arch = "wasm32"))]

use barrierscope::sim::ids::SimTime;
use barrierscope::sim::scenario::{
    Fault, FaultSpec, Intervention, Scenario, Scheduled, SnapshotPhase,
};
use barrierscope::sim::Simulation;

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_string)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn random_fault(s: &Scenario, rng: &mut fastrand::Rng, at_ms: u64) -> FaultSpec {
    let ops = &s.job.operators;
    let op = &ops[rng.usize(..ops.len())];
    let task = format!("{}#{}", op.name, rng.u32(..op.parallelism));
    let fault: Scheduled = match rng.u8(..20) {
        0..=4 => Fault::Kill { task }.into(),
        5..=8 => Fault::Slow {
            task,
            factor: 1.0 + rng.u8(1..40) as f64,
            duration_ms: rng.u64(500..8000),
        }
        .into(),
        9..=11 => Fault::DropAck { task }.into(),
        12..=14 => Fault::SnapshotFailure {
            task,
            phase: if rng.bool() {
                SnapshotPhase::Sync
            } else {
                SnapshotPhase::Async
            },
        }
        .into(),
        15 => Fault::StorageOutage {
            duration_ms: rng.u64(200..4000),
        }
        .into(),
        16 => Fault::CoordinatorFailover.into(),
        17 => Intervention::TriggerSavepoint.into(),
        _ => Intervention::TriggerCheckpoint.into(),
    };
    FaultSpec { at_ms, fault }
}

#[test]
#[ignore = "24 simulated hours: run explicitly (see the module comment)"]
fn soak_24_hours_of_bench_medium_with_random_faults() {
    let text = include_str!("../static/scenarios/bench-medium.json");
    let mut scenario = Scenario::from_json(text).expect("bench-medium is valid");
    let hours: u64 = std::env::var("BARRIERSCOPE_SOAK_HOURS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    scenario.duration_ms = hours * 3_600_000;
    scenario.faults.clear();
    // A lost ack should expire in seconds, not block checkpointing for Flink's default 10 min,
    // and a few failed checkpoints in a row are tolerated, so the job spends its day running.
    scenario.checkpointing.timeout_ms = 10_000;
    scenario.checkpointing.tolerable_failed = 5;
    // Keep a bounded history, as the UI does; the oracle and invariants stay on.
    let mut sim = Simulation::new(scenario.clone()).expect("valid");
    sim.set_history_limit(Some(100));
    let mut rng = fastrand::Rng::with_seed(24);
    let started = std::time::Instant::now();
    let mut rss = Vec::new();
    println!("hour | wall s | events | checkpoints completed / failed | restarts | duplicates / lost | queued events | records in channels | RSS KB");
    for hour in 1..=hours {
        let end = hour * 3_600_000;
        let mut t = sim.now().as_ms();
        while t < end {
            t += rng.u64(2000..8000);
            let at = t.min(end);
            sim.run_until(SimTime::from_ms(at));
            let f = random_fault(&scenario, &mut rng, at);
            sim.inject(f).expect("fault names a real subtask");
        }
        sim.run_until(SimTime::from_ms(end));
        let eo = sim.exactly_once();
        let c = sim.stats().counts;
        let kb = rss_kb();
        rss.push(kb);
        let in_channels: u64 = sim
            .channels()
            .iter()
            .map(|c| c.buffers_in_use() as u64)
            .sum();
        println!(
            "{hour:4} | {:6.1} | {} | {} / {} | {} | {} / {} | {} | {in_channels} | {kb}",
            started.elapsed().as_secs_f64(),
            sim.events_processed(),
            c.completed,
            c.failed,
            sim.job().restarts.len(),
            eo.duplicates,
            eo.lost,
            sim.pending_events()
        );
        assert!(
            sim.invariants().violations.is_empty(),
            "hour {hour}: {:?}",
            sim.invariants().violations
        );
        assert_eq!(
            (eo.duplicates, eo.lost),
            (0, 0),
            "hour {hour}: exactly-once broken"
        );
        assert!(c.completed > 0, "hour {hour}: no checkpoint completed");
    }
    if rss.len() >= 4 {
        let early = rss[1];
        let last = *rss.last().unwrap();
        assert!(
            last <= early + early / 2 + 8 * 1024,
            "memory grew from {early} KB (hour 2) to {last} KB"
        );
    }
}
