//! Unit tests of the import: names, vertex IDs in names, kinds and partitioning, rates and
//! costs from the counters and meters, checkpointing off. (tests/import.rs replays real captures.)

use super::shape::operator_name;
use super::*;
use crate::sim::scenario::{CheckpointingMode, OperatorKind, Partitioning};

fn input(name: &str, text: &str) -> Input {
    Input {
        name: name.into(),
        text: text.into(),
    }
}

/// A job of `vertices` (id, name, parallelism, metrics JSON) and a plan of `inputs`.
fn job(vertices: &[(&str, &str, u32, &str)], inputs: &[(&str, &str, &str)]) -> Vec<Input> {
    let vs: Vec<String> = vertices
        .iter()
        .map(|(id, name, p, m)| {
            format!(r#"{{"id":"{id}","name":"{name}","parallelism":{p},"duration":10000,"metrics":{m}}}"#)
        })
        .collect();
    let nodes: Vec<String> = vertices
        .iter()
        .map(|(id, _, p, _)| {
            let ins: Vec<String> = inputs
                .iter()
                .filter(|(_, to, _)| to == id)
                .map(|(from, _, s)| format!(r#"{{"id":"{from}","ship_strategy":"{s}"}}"#))
                .collect();
            format!(
                r#"{{"id":"{id}","parallelism":{p},"inputs":[{}]}}"#,
                ins.join(",")
            )
        })
        .collect();
    vec![
        input(
            "job.json",
            &format!(
                r#"{{"jid":"j","name":"job","now":11000,"timestamps":{{"RUNNING":1000}},"vertices":[{}]}}"#,
                vs.join(",")
            ),
        ),
        input(
            "plan.json",
            &format!(r#"{{"plan":{{"nodes":[{}]}}}}"#, nodes.join(",")),
        ),
    ]
}

#[test]
fn operator_names_drop_flinks_source_and_sink_prefixes_and_hashes() {
    assert_eq!(operator_name("Source: kafka", 0), "kafka");
    assert_eq!(operator_name("Sink: out<br/>", 1), "out");
    assert_eq!(operator_name("map #1", 2), "map _1");
    assert_eq!(operator_name("  ", 3), "vertex-3");
}

#[test]
fn vertex_ids_are_found_in_urls_and_file_names() {
    let jid = "7f2f4317f864634e3eadd4557752bc43";
    let vid = "0da08f51eaa85fc298e176a139b3649a";
    assert_eq!(
        hex_ids(&format!(
            "http://h:8081/jobs/{jid}/vertices/{vid}/backpressure"
        )),
        vec![jid.to_string(), vid.to_string()]
    );
    assert!(hex_ids("details/5-counter.json").is_empty());
}

#[test]
fn kinds_follow_the_inputs_and_outputs() {
    let none = "{}";
    let s = import(&job(
        &[
            ("a", "Source: a", 2, none),
            ("b", "b", 2, none),
            ("c", "c", 2, none),
            ("d", "Sink: d", 1, none),
        ],
        &[
            ("a", "b", "HASH"),
            ("b", "c", "FORWARD"),
            ("c", "d", "BROADCAST"),
        ],
    ))
    .unwrap()
    .scenario;
    let kinds: Vec<_> = s.job.operators.iter().map(|o| o.kind).collect();
    assert_eq!(
        kinds,
        [
            OperatorKind::Source,
            OperatorKind::Keyed,
            OperatorKind::Map,
            OperatorKind::Sink
        ]
    );
    let parts: Vec<_> = s.job.edges.iter().map(|e| e.partitioning).collect();
    assert_eq!(
        parts,
        [
            Partitioning::Hash,
            Partitioning::Forward,
            Partitioning::Broadcast
        ]
    );
}

#[test]
fn a_backpressured_source_is_asked_for_more_than_it_emitted() {
    // 2 subtasks, 10 s, 10 000 records: 500/s each, backpressured half the time -> 1000/s.
    let src =
        r#"{"write-records":10000,"write-bytes":1000000,"accumulated-backpressured-time":10000}"#;
    let s = import(&job(
        &[("a", "Source: a", 2, src), ("b", "Sink: b", 2, "{}")],
        &[("a", "b", "FORWARD")],
    ))
    .unwrap()
    .scenario;
    assert_eq!(s.job.operators[0].records_per_sec, Some(1000.0));
    assert_eq!(s.network.record_bytes, 100);
}

#[test]
fn process_cost_is_busy_time_per_record_read() {
    let sink = r#"{"read-records":4000,"accumulated-busy-time":2000}"#;
    let s = import(&job(
        &[("a", "Source: a", 1, "{}"), ("b", "Sink: b", 1, sink)],
        &[("a", "b", "REBALANCE")],
    ))
    .unwrap()
    .scenario;
    assert_eq!(s.job.operators[1].process_ms, Some(0.5));
}

#[test]
fn incomplete_counters_are_not_taken_as_zero_rates() {
    let src = r#"{"write-records":0,"write-records-complete":false}"#;
    let imported = import(&job(
        &[("a", "Source: a", 1, src), ("b", "Sink: b", 1, "{}")],
        &[("a", "b", "FORWARD")],
    ))
    .unwrap();
    let s = imported.scenario;
    assert_eq!(s.job.operators[0].records_per_sec, None);
    let c = calibration_of(&s, "job.operators[0].records_per_sec").unwrap();
    assert!(c.starts_with("guess: "), "{c}");
}

#[test]
fn an_unmodelled_ship_strategy_becomes_rebalance_with_a_warning() {
    let imported = import(&job(
        &[("a", "Source: a", 2, "{}"), ("b", "Sink: b", 4, "{}")],
        &[("a", "b", "RESCALE")],
    ))
    .unwrap();
    assert_eq!(
        imported.scenario.job.edges[0].partitioning,
        Partitioning::Rebalance
    );
    assert!(
        imported.warnings.iter().any(|w| w.contains("RESCALE")),
        "{:?}",
        imported.warnings
    );
}

#[test]
fn the_60_second_meters_are_scaled_up_in_a_jobs_first_minute() {
    // No counters in /jobs/:id; the meter reads count / 60 after 10 s: 100/s is 600/s.
    let mut inputs = job(
        &[
            ("a".repeat(32).as_str(), "Source: a", 1, "{}"),
            ("b".repeat(32).as_str(), "Sink: b", 1, "{}"),
        ],
        &[(&"a".repeat(32), &"b".repeat(32), "FORWARD")],
    );
    inputs.push(input(
        &format!("jobs/j/vertices/{}/subtasks/metrics", "a".repeat(32)),
        r#"[{"id":"numRecordsOutPerSecond","min":100,"max":100,"avg":100,"sum":100}]"#,
    ));
    let s = import(&inputs).unwrap().scenario;
    assert_eq!(s.job.operators[0].records_per_sec, Some(600.0));
}

#[test]
fn checkpointing_off_in_flink_is_off_in_the_scenario() {
    let mut inputs = job(
        &[("a", "Source: a", 1, "{}"), ("b", "Sink: b", 1, "{}")],
        &[("a", "b", "FORWARD")],
    );
    inputs.push(input(
        "c.json",
        r#"{"mode":"at_least_once","interval":9223372036854775807,"timeout":1000}"#,
    ));
    let s = import(&inputs).unwrap().scenario;
    assert_eq!(s.checkpointing.interval_ms, None);
    assert_eq!(s.checkpointing.mode, CheckpointingMode::AtLeastOnce);
}
