//! A structure-aware mutational fuzzer (the project's stand-in for cargo-fuzz, which needs a
//! nightly toolchain): it mutates the shipped scenario files at the JSON-value level and at the
//! byte level, then runs parse + validation + `Simulation::new` + random steps, faults and
//! setting changes. Nothing may panic; every accepted run must keep the invariants.
//!
//! CI runs a short bounded pass. A long run: `BARRIERSCOPE_FUZZ_SECS=1800 cargo test --release
//! --test fuzz -- --nocapture`; it prints the number of executions. A failing input is printed
//! with the seed that reproduces it (`BARRIERSCOPE_FUZZ_SEED`).

#![cfg(not(target_arch = "wasm32"))]

use barrierscope::sim::ids::SimTime;
use barrierscope::sim::scenario::{
    CheckpointingMode, CheckpointingSpec, Fault, FaultSpec, Intervention, Scenario, Scheduled,
    SnapshotPhase,
};
use barrierscope::sim::Simulation;
use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

fn corpus() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/static/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("static/scenarios exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().map(|x| x == "json").unwrap_or(false))
        .filter(|p| {
            !p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("index")
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| std::fs::read_to_string(p).expect("readable"))
        .collect()
}

/// A random scenario from scratch: a small DAG with sources first, random partitioning,
/// checkpoint settings and faults (valid more often than not; invalid ones test validation).
fn random_scenario(rng: &mut fastrand::Rng) -> Value {
    let n_ops = rng.usize(2..6);
    let mut ops = Vec::new();
    let mut par = Vec::new();
    for i in 0..n_ops {
        let kind = if i == 0 || (i == 1 && rng.bool()) {
            "source"
        } else if i == n_ops - 1 {
            "sink"
        } else {
            ["map", "keyed", "sink"][rng.usize(..3)]
        };
        let p = rng.u32(1..5);
        par.push(p);
        let mut op = serde_json::json!({"name": format!("op{i}"), "kind": kind, "parallelism": p});
        if kind == "source" {
            op["records_per_sec"] = Value::from([50, 200, 1000][rng.usize(..3)]);
        } else if rng.bool() {
            op["process_ms"] = serde_json::json!([0.0, 0.1, 1.0, 5.0][rng.usize(..4)]);
        }
        ops.push(op);
    }
    let mut edges = Vec::new();
    for to in 1..n_ops {
        if ops[to]["kind"] == "source" {
            continue;
        }
        for _ in 0..rng.usize(1..3) {
            let from = rng.usize(..to);
            if ops[from]["kind"] == "sink" {
                continue;
            }
            let part = if par[from] == par[to] && rng.bool() {
                "forward"
            } else {
                ["hash", "rebalance", "broadcast"][rng.usize(..3)]
            };
            edges.push(serde_json::json!({"from": format!("op{from}"), "to": format!("op{to}"), "partitioning": part}));
        }
    }
    let unaligned = rng.u8(..3) == 0;
    let mut faults = Vec::new();
    for _ in 0..rng.usize(0..6) {
        let op = rng.usize(..n_ops);
        let task = format!("op{op}#{}", rng.u32(..par[op]));
        let at = rng.u64(0..6000);
        faults.push(match rng.u8(..8) {
            0 => serde_json::json!({"at_ms": at, "kind": "kill", "task": task}),
            1 => serde_json::json!({"at_ms": at, "kind": "slow", "task": task, "factor": 20.0, "duration_ms": 2000}),
            2 => serde_json::json!({"at_ms": at, "kind": "drop_ack", "task": task}),
            3 => serde_json::json!({"at_ms": at, "kind": "decline", "task": task}),
            4 => serde_json::json!({"at_ms": at, "kind": "storage_outage", "duration_ms": 800}),
            5 => serde_json::json!({"at_ms": at, "kind": "coordinator_failover"}),
            6 => serde_json::json!({"at_ms": at, "kind": "trigger_savepoint"}),
            _ => serde_json::json!({"at_ms": at, "kind": "trigger_checkpoint"}),
        });
    }
    let interval = [100, 250, 1000][rng.usize(..3)];
    let timeout = [300, 2000, 600000][rng.usize(..3)];
    let min_pause = [0, 0, 200][rng.usize(..3)];
    let aligned_timeout = [0, 0, 20, 200][rng.usize(..4)];
    let latency = [0.0, 1.0, 5.0][rng.usize(..3)];
    let restart_delay = [0, 200, 1000][rng.usize(..3)];
    serde_json::json!({
        "name": "fuzz", "seed": rng.u64(..1000), "duration_ms": 6000,
        "job": {"operators": ops, "edges": edges},
        "checkpointing": {
            "interval_ms": interval,
            "mode": if !unaligned && rng.u8(..3) == 0 { "AT_LEAST_ONCE" } else { "EXACTLY_ONCE" },
            "timeout_ms": timeout,
            "min_pause_ms": min_pause,
            "max_concurrent": if unaligned { 1 } else { rng.u32(1..4) },
            "tolerable_failed": rng.u32(0..3),
            "unaligned": unaligned,
            "aligned_timeout_ms": aligned_timeout,
            "num_retained": rng.u32(1..4)
        },
        "network": {"latency_ms": latency, "segment_size": 4096u64 << rng.u32(0..4), "buffer_timeout_ms": rng.u64(0..200)},
        "restart_delay_ms": restart_delay,
        "faults": faults
    })
}

fn interesting_number(rng: &mut fastrand::Rng) -> Value {
    let choices: [Value; 14] = [
        0.into(),
        1.into(),
        (-1).into(),
        9.into(),
        10.into(),
        u64::MAX.into(),
        i64::MIN.into(),
        (u32::MAX as u64 + 1).into(),
        32768.into(),
        32769.into(),
        serde_json::json!(0.5),
        serde_json::json!(1e300),
        serde_json::json!(-0.0),
        serde_json::json!(1e-9),
    ];
    if rng.bool() {
        choices[rng.usize(..choices.len())].clone()
    } else {
        Value::from(rng.u64(..100_000))
    }
}

fn mutate_value(v: &mut Value, rng: &mut fastrand::Rng, depth: u32) {
    if depth > 8 {
        *v = interesting_number(rng);
        return;
    }
    match v {
        Value::Object(map) if !map.is_empty() => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let k = &keys[rng.usize(..keys.len())];
            match rng.u8(..10) {
                0 => {
                    map.remove(k);
                }
                1 => {
                    map.insert(format!("unknown_{}", rng.u8(..)), Value::Null);
                }
                2 => {
                    map.insert(k.clone(), interesting_number(rng));
                }
                3 => {
                    map.insert(
                        k.clone(),
                        Value::String(["", "x#1", "source#99", "map", "💥"][rng.usize(..5)].into()),
                    );
                }
                4 => {
                    map.insert(k.clone(), Value::Null);
                }
                _ => {
                    if let Some(child) = map.get_mut(k) {
                        mutate_value(child, rng, depth + 1);
                    }
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let i = rng.usize(..items.len());
            match rng.u8(..6) {
                0 => {
                    items.remove(i);
                }
                1 => {
                    let c = items[i].clone();
                    items.push(c);
                }
                _ => mutate_value(&mut items[i], rng, depth + 1),
            }
        }
        Value::Number(_) => *v = interesting_number(rng),
        Value::String(s) => {
            *v = Value::String(match rng.u8(..5) {
                0 => String::new(),
                1 => format!("{s}#{}", rng.u8(..)),
                2 => s.chars().rev().collect(),
                3 => [
                    "source#0",
                    "sink#0",
                    "keyed#2",
                    "map#1",
                    "kill",
                    "slow",
                    "AT_LEAST_ONCE",
                ][rng.usize(..7)]
                .into(),
                _ => s.repeat(2),
            })
        }
        Value::Bool(b) => *b = !*b,
        _ => *v = interesting_number(rng),
    }
}

fn mutate_bytes(text: &str, rng: &mut fastrand::Rng) -> String {
    let mut b = text.as_bytes().to_vec();
    for _ in 0..rng.usize(1..4) {
        if b.is_empty() {
            break;
        }
        let i = rng.usize(..b.len());
        match rng.u8(..4) {
            0 => {
                b.remove(i);
            }
            1 => b.insert(i, b"{}[],:\"0-e."[rng.usize(..11)]),
            2 => b[i] = rng.u8(..),
            _ => b.truncate(i),
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

fn random_fault(s: &Scenario, rng: &mut fastrand::Rng, at_ms: u64) -> FaultSpec {
    let ops = &s.job.operators;
    let op = &ops[rng.usize(..ops.len())];
    let task = format!("{}#{}", op.name, rng.u32(..op.parallelism.max(1) + 1));
    let fault: Scheduled = match rng.u8(..8) {
        0 => Fault::Kill { task }.into(),
        1 => Fault::Slow {
            task,
            factor: [0.5, 2.0, 50.0, 0.0][rng.usize(..4)],
            duration_ms: rng.u64(0..5000),
        }
        .into(),
        2 => Fault::DropAck { task }.into(),
        3 => Fault::SnapshotFailure {
            task,
            phase: if rng.bool() {
                SnapshotPhase::Sync
            } else {
                SnapshotPhase::Async
            },
        }
        .into(),
        4 => Fault::StorageOutage {
            duration_ms: rng.u64(0..5000),
        }
        .into(),
        5 => Fault::CoordinatorFailover.into(),
        6 => Intervention::TriggerCheckpoint.into(),
        _ => Intervention::TriggerSavepoint.into(),
    };
    FaultSpec { at_ms, fault }
}

fn random_config(base: &CheckpointingSpec, rng: &mut fastrand::Rng) -> CheckpointingSpec {
    let mut c = base.clone();
    match rng.u8(..8) {
        0 => c.interval_ms = [None, Some(5), Some(10), Some(200), Some(1000)][rng.usize(..5)],
        1 => {
            c.mode = if rng.bool() {
                CheckpointingMode::AtLeastOnce
            } else {
                CheckpointingMode::ExactlyOnce
            }
        }
        2 => c.unaligned = rng.bool(),
        3 => c.max_concurrent = rng.u32(0..4),
        4 => c.aligned_timeout_ms = rng.u64(0..500),
        5 => c.timeout_ms = rng.u64(0..3000),
        6 => c.min_pause_ms = rng.u64(0..2000),
        _ => c.num_retained = rng.u32(0..4),
    }
    c
}

/// One execution: returns Err(description) if an invariant broke.
fn execute(text: &str, rng: &mut fastrand::Rng) -> Result<(), String> {
    let Ok(scenario) = Scenario::from_json(text) else {
        return Ok(());
    };
    // Keep one execution short: a few seconds of simulated time, bounded events.
    let mut sim = match Simulation::new(scenario.clone()) {
        Ok(s) => s,
        Err(e) => {
            return Err(format!(
                "validated scenario rejected by Simulation::new: {e}"
            ))
        }
    };
    let horizon = SimTime::from_ms(scenario.duration_ms.min(6000));
    let mut events = 0u64;
    while sim.now() < horizon && events < 60_000 {
        match rng.u8(..50) {
            0 => {
                let at = sim.now().as_ms() + rng.u64(0..500);
                let f = random_fault(&scenario, rng, at);
                if std::env::var_os("BARRIERSCOPE_FUZZ_TRACE").is_some() {
                    eprintln!("  at {} inject {f:?}", sim.now());
                }
                let _ = sim.inject(f);
            }
            1 => {
                let c = random_config(&sim.coordinator().config, rng);
                if std::env::var_os("BARRIERSCOPE_FUZZ_TRACE").is_some() {
                    eprintln!("  at {} apply {c:?}", sim.now());
                }
                let _ = sim.apply_checkpointing(c);
            }
            _ => {}
        }
        let until = SimTime(sim.now().0 + rng.u64(1..200_000));
        let before = sim.events_processed();
        sim.run_until(until.min(horizon));
        events += sim.events_processed() - before + 1;
    }
    let eo = sim.exactly_once();
    if !sim.invariants().violations.is_empty() {
        return Err(format!(
            "invariant violated: {:?}",
            sim.invariants().violations
        ));
    }
    if eo.lost != 0 {
        return Err(format!("lost {} records", eo.lost));
    }
    let only_exactly_once = sim.mode() == CheckpointingMode::ExactlyOnce
        && sim.inputs().is_empty()
        && scenario.checkpointing.mode == CheckpointingMode::ExactlyOnce;
    if only_exactly_once && eo.duplicates != 0 {
        return Err(format!("{} duplicates in EXACTLY_ONCE", eo.duplicates));
    }
    Ok(())
}

fn fuzz(seconds: u64, max_execs: u64, seed: u64) -> u64 {
    let corpus = corpus();
    assert!(!corpus.is_empty(), "no scenario files to fuzz from");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut execs = 0;
    let mut accepted = 0;
    while execs < max_execs && Instant::now() < deadline {
        let case_seed = seed.wrapping_add(execs);
        if std::env::var_os("BARRIERSCOPE_FUZZ_TRACE").is_some() {
            eprintln!("fuzz case seed {case_seed}");
        }
        let mut rng = fastrand::Rng::with_seed(case_seed);
        let base = &corpus[rng.usize(..corpus.len())];
        let text = if rng.u8(..3) == 0 {
            let mut v = random_scenario(&mut rng);
            if rng.u8(..3) == 0 {
                mutate_value(&mut v, &mut rng, 0);
            }
            v.to_string()
        } else if rng.u8(..4) == 0 {
            mutate_bytes(base, &mut rng)
        } else {
            let mut v: Value = serde_json::from_str(base).expect("shipped scenarios are JSON");
            // Keep runs short and small before mutating.
            if let Some(d) = v.get_mut("duration_ms") {
                *d = Value::from(6000);
            }
            if let Some(Value::Array(faults)) = v.get_mut("faults") {
                faults.retain(|f| {
                    f.get("at_ms")
                        .and_then(Value::as_u64)
                        .map(|t| t <= 6000)
                        .unwrap_or(true)
                });
            }
            for _ in 0..rng.usize(1..4) {
                mutate_value(&mut v, &mut rng, 0);
            }
            v.to_string()
        };
        if let Some(path) = std::env::var_os("BARRIERSCOPE_FUZZ_DUMP") {
            // Each input is written before it runs: after a crash the file holds the culprit.
            let _ = std::fs::write(path, &text);
        }
        if Scenario::from_json(&text).is_ok() {
            accepted += 1;
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| execute(&text, &mut rng)));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(why)) => panic!("fuzz case seed {case_seed}: {why}\ninput:\n{text}"),
            Err(_) => panic!("fuzz case seed {case_seed} panicked\ninput:\n{text}"),
        }
        execs += 1;
    }
    println!("fuzz: {accepted} of {execs} inputs were valid scenarios and ran");
    execs
}

#[test]
fn mutated_scenarios_never_panic_and_keep_invariants() {
    let secs = std::env::var("BARRIERSCOPE_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok());
    let seed = std::env::var("BARRIERSCOPE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0xF022);
    let (seconds, max) = match secs {
        Some(s) => (s, u64::MAX),
        None => (20, 300), // the bounded CI pass
    };
    let execs = fuzz(seconds, max, seed);
    println!("fuzz: {execs} executions in at most {seconds} s (seed {seed})");
    assert!(execs > 0);
}
