//! Scenario validation: one test per rule of `Scenario::validate`, each asserting the field
//! path and the reason of the error, plus the JSON-level errors (syntax with line and column,
//! unknown fields, fault shapes) and the checks of `Simulation::inject`.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use barrierscope::sim::scenario::{
    CheckpointingMode, CheckpointingSpec, Fault, OperatorKind, Partitioning, Scenario,
    ScenarioError, Scheduled, SnapshotPhase, MAX_CHANNELS, MAX_SUBTASKS, MAX_TIME_MS,
};
use barrierscope::sim::Simulation;
use common::*;

/// Validates `s` and asserts it fails on `field` with a reason containing `reason`.
fn assert_invalid(s: Scenario, field: &str, reason: &str) {
    match s.validate() {
        Err(ScenarioError::Invalid {
            field: f,
            reason: r,
        }) => {
            assert_eq!(f, field, "wrong field (reason: {r})");
            assert!(
                r.contains(reason),
                "reason `{r}` does not contain `{reason}`"
            );
            // The message a user sees names the field first.
            let shown = ScenarioError::Invalid {
                field: f.clone(),
                reason: r.clone(),
            }
            .to_string();
            assert_eq!(shown, format!("{f}: {r}"));
        }
        other => panic!("expected an error on `{field}`, got {other:?}"),
    }
    // Simulation::new validates too.
    assert!(Simulation::new(s).is_err());
}

macro_rules! invalid {
    ($name:ident, |$s:ident| $mutate:block, $field:expr, $reason:expr) => {
        #[test]
        fn $name() {
            let mut $s = pipeline();
            $mutate
            assert_invalid($s, $field, $reason);
        }
    };
}

#[test]
fn a_production_shape_of_parallelism_512_is_valid() {
    // source -hash-> keyed -forward-> map -hash-> sink, 512 each: 2,048 subtasks, 524,800 channels.
    let mut s: Scenario =
        Scenario::from_json(include_str!("../static/scenarios/bench-production.json")).unwrap();
    for op in &mut s.job.operators {
        op.parallelism = 512;
    }
    s.validate().unwrap();
}

#[test]
fn the_base_scenario_is_valid() {
    assert_eq!(pipeline().validate(), Ok(()));
    assert_eq!(two_tasks().validate(), Ok(()));
}

// ----- top level -----
invalid!(
    empty_name_is_rejected,
    |s| {
        s.name = "  ".into();
    },
    "name",
    "must not be empty"
);
invalid!(
    zero_duration_is_rejected,
    |s| {
        s.duration_ms = 0;
    },
    "duration_ms",
    "must be > 0"
);
invalid!(
    duration_beyond_the_time_limit_is_rejected,
    |s| {
        s.duration_ms = MAX_TIME_MS + 1;
    },
    "duration_ms",
    "must be <= 1000000000000 ms"
);
invalid!(
    restart_delay_beyond_the_time_limit_is_rejected,
    |s| {
        s.restart_delay_ms = MAX_TIME_MS + 1;
    },
    "restart_delay_ms",
    "must be <= 1000000000000 ms"
);
invalid!(
    step_time_beyond_the_time_limit_is_rejected,
    |s| {
        s.steps.push(barrierscope::sim::scenario::Step {
            at_ms: 10,
            text: "a".into(),
        });
        s.steps.push(barrierscope::sim::scenario::Step {
            at_ms: MAX_TIME_MS + 1,
            text: "b".into(),
        });
    },
    "steps[1].at_ms",
    "must be <="
);

// ----- operators -----
invalid!(
    job_without_operators_is_rejected,
    |s| {
        s.job.operators.clear();
        s.job.edges.clear();
    },
    "job.operators",
    "a job needs at least one operator"
);
invalid!(
    empty_operator_name_is_rejected,
    |s| {
        s.job.operators[1].name = "".into();
    },
    "job.operators[1].name",
    "must not be empty"
);
invalid!(
    operator_name_with_hash_is_rejected,
    |s| {
        s.job.operators[2].name = "sink#0".into();
        s.job.edges[1].to = "sink#0".into();
    },
    "job.operators[2].name",
    "must not contain `#`"
);
invalid!(
    duplicate_operator_name_is_rejected,
    |s| {
        s.job.operators[2].name = "counter".into();
    },
    "job.operators[2].name",
    "operator name `counter` is used twice"
);
invalid!(
    zero_parallelism_is_rejected,
    |s| {
        s.job.operators[1].parallelism = 0;
    },
    "job.operators[1].parallelism",
    "must be >= 1"
);
invalid!(
    parallelism_above_flinks_maximum_is_rejected,
    |s| {
        s.job.operators[1].parallelism = 32_769;
    },
    "job.operators[1].parallelism",
    "must be <= 32768"
);
invalid!(
    records_per_sec_on_a_non_source_is_rejected,
    |s| {
        s.job.operators[1].records_per_sec = Some(10.0);
    },
    "job.operators[1].records_per_sec",
    "only a source emits records"
);
invalid!(
    zero_records_per_sec_is_rejected,
    |s| {
        s.job.operators[0].records_per_sec = Some(0.0);
    },
    "job.operators[0].records_per_sec",
    "must be > 0 and <= 1000000"
);
invalid!(
    too_many_records_per_sec_are_rejected,
    |s| {
        s.job.operators[0].records_per_sec = Some(1_000_001.0);
    },
    "job.operators[0].records_per_sec",
    "must be > 0 and <= 1000000"
);
invalid!(
    non_finite_records_per_sec_is_rejected,
    |s| {
        s.job.operators[0].records_per_sec = Some(f64::NAN);
    },
    "job.operators[0].records_per_sec",
    "must be > 0 and <= 1000000"
);
invalid!(
    key_space_on_a_non_source_is_rejected,
    |s| {
        s.job.operators[1].key_space = Some(10);
    },
    "job.operators[1].key_space",
    "only a source sets the key space"
);
invalid!(
    zero_key_space_is_rejected,
    |s| {
        s.job.operators[0].key_space = Some(0);
    },
    "job.operators[0].key_space",
    "must be between 1 and 1000000"
);
invalid!(
    key_space_above_a_million_is_rejected,
    |s| {
        s.job.operators[0].key_space = Some(1_000_001);
    },
    "job.operators[0].key_space",
    "must be between 1 and 1000000"
);
invalid!(
    state_bytes_per_key_on_a_non_keyed_operator_is_rejected,
    |s| {
        s.job.operators[2].state_bytes_per_key = Some(8);
    },
    "job.operators[2].state_bytes_per_key",
    "only a keyed operator has keyed state"
);
invalid!(
    state_bytes_per_key_above_1_gib_is_rejected,
    |s| {
        s.job.operators[1].state_bytes_per_key = Some((1 << 30) + 1);
    },
    "job.operators[1].state_bytes_per_key",
    "must be <= 1073741824"
);
invalid!(
    negative_process_ms_is_rejected,
    |s| {
        s.job.operators[1].process_ms = Some(-1.0);
    },
    "job.operators[1].process_ms",
    "must be a finite number >= 0"
);
invalid!(
    infinite_process_ms_is_rejected,
    |s| {
        s.job.operators[1].process_ms = Some(f64::INFINITY);
    },
    "job.operators[1].process_ms",
    "must be a finite number >= 0"
);
invalid!(
    process_ms_beyond_the_time_limit_is_rejected,
    |s| {
        s.job.operators[1].process_ms = Some(2e12);
    },
    "job.operators[1].process_ms",
    "must be <= 1000000000000 ms"
);
invalid!(
    negative_snapshot_sync_ms_is_rejected,
    |s| {
        s.job.operators[2].snapshot_sync_ms = Some(-0.5);
    },
    "job.operators[2].snapshot_sync_ms",
    "must be a finite number >= 0"
);
invalid!(
    negative_snapshot_async_ms_is_rejected,
    |s| {
        s.job.operators[0].snapshot_async_ms = Some(-3.0);
    },
    "job.operators[0].snapshot_async_ms",
    "must be a finite number >= 0"
);
invalid!(
    more_than_20000_subtasks_are_rejected,
    |s| {
        s.job.operators[1].parallelism = 20_000;
    },
    "job.operators",
    &format!("20003 subtasks in all; at most {MAX_SUBTASKS} fit in one run")
);
invalid!(
    job_without_a_source_is_rejected,
    |s| {
        s.job.operators[0].kind = OperatorKind::Map;
        s.job.operators[0].records_per_sec = None;
        s.job.edges.clear();
    },
    "job.operators",
    "a job needs at least one source"
);

// ----- edges -----
invalid!(
    edge_from_an_unknown_operator_is_rejected,
    |s| {
        s.job.edges[1].from = "mapper".into();
    },
    "job.edges[1].from",
    "no operator named `mapper`"
);
invalid!(
    edge_to_an_unknown_operator_is_rejected,
    |s| {
        s.job.edges[0].to = "nowhere".into();
    },
    "job.edges[0].to",
    "no operator named `nowhere`"
);
invalid!(
    self_loop_is_rejected,
    |s| {
        s.job
            .edges
            .push(edge("counter", "counter", Partitioning::Hash));
    },
    "job.edges[2].to",
    "an edge cannot connect an operator to itself"
);
invalid!(
    duplicate_edge_is_rejected,
    |s| {
        s.job
            .edges
            .push(edge("source", "counter", Partitioning::Rebalance));
    },
    "job.edges[2].to",
    "edge source -> counter is given twice"
);
invalid!(
    edge_into_a_source_is_rejected,
    |s| {
        s.job
            .edges
            .push(edge("counter", "source", Partitioning::Hash));
    },
    "job.edges[2].to",
    "`source` is a source: sources have no inputs"
);
invalid!(
    edge_out_of_a_sink_is_rejected,
    |s| {
        s.job.operators.push(op("sink2", OperatorKind::Sink, 1));
        s.job
            .edges
            .push(edge("sink", "sink2", Partitioning::Forward));
    },
    "job.edges[2].from",
    "`sink` is a sink: sinks have no outputs"
);
invalid!(
    forward_edge_between_different_parallelisms_is_rejected,
    |s| {
        s.job.edges[1].partitioning = Partitioning::Forward;
    },
    "job.edges[1].partitioning",
    "forward needs equal parallelism, but counter has 2 and sink has 1"
);
invalid!(
    more_than_a_million_channels_are_rejected,
    |s| {
        s.job.operators[0].parallelism = 1_001;
        s.job.operators[1].parallelism = 1_000;
    },
    "job.edges",
    &format!("1002000 channels in all; at most {MAX_CHANNELS} fit in one run")
);
invalid!(
    non_source_without_an_input_edge_is_rejected,
    |s| {
        s.job.edges.remove(1);
    },
    "job.operators[2]",
    "`sink` has no input edge: only sources may start the graph"
);
invalid!(
    cycle_is_rejected,
    |s| {
        s.job.operators.insert(2, op("map", OperatorKind::Map, 2));
        s.job
            .edges
            .push(edge("counter", "map", Partitioning::Forward));
        s.job
            .edges
            .push(edge("map", "counter", Partitioning::Forward));
    },
    "job.edges",
    "the edges form a cycle; a job graph must be a DAG"
);

// ----- checkpointing -----
invalid!(
    interval_below_10_ms_is_rejected,
    |s| {
        s.checkpointing.interval_ms = Some(9);
    },
    "checkpointing.interval_ms",
    "must be >= 10 ms"
);
invalid!(
    interval_beyond_the_time_limit_is_rejected,
    |s| {
        s.checkpointing.interval_ms = Some(MAX_TIME_MS + 1);
    },
    "checkpointing.interval_ms",
    "must be <= 1000000000000 ms"
);
invalid!(
    zero_timeout_is_rejected,
    |s| {
        s.checkpointing.timeout_ms = 0;
    },
    "checkpointing.timeout_ms",
    "must be > 0"
);
invalid!(
    timeout_beyond_the_time_limit_is_rejected,
    |s| {
        s.checkpointing.timeout_ms = MAX_TIME_MS + 1;
    },
    "checkpointing.timeout_ms",
    "must be <="
);
invalid!(
    min_pause_beyond_the_time_limit_is_rejected,
    |s| {
        s.checkpointing.min_pause_ms = MAX_TIME_MS + 1;
    },
    "checkpointing.min_pause_ms",
    "must be <="
);
invalid!(
    aligned_timeout_beyond_the_time_limit_is_rejected,
    |s| {
        s.checkpointing.aligned_timeout_ms = MAX_TIME_MS + 1;
    },
    "checkpointing.aligned_timeout_ms",
    "must be <="
);
invalid!(
    zero_max_concurrent_is_rejected,
    |s| {
        s.checkpointing.max_concurrent = 0;
    },
    "checkpointing.max_concurrent",
    "must be >= 1"
);
invalid!(
    max_concurrent_above_1000_is_rejected,
    |s| {
        s.checkpointing.max_concurrent = 1_001;
    },
    "checkpointing.max_concurrent",
    "must be <= 1000"
);
invalid!(
    zero_num_retained_is_rejected,
    |s| {
        s.checkpointing.num_retained = 0;
    },
    "checkpointing.num_retained",
    "must be >= 1"
);
invalid!(
    num_retained_above_1000_is_rejected,
    |s| {
        s.checkpointing.num_retained = 1_001;
    },
    "checkpointing.num_retained",
    "must be <= 1000"
);
invalid!(
    unaligned_with_at_least_once_is_rejected,
    |s| {
        s.checkpointing.unaligned = true;
        s.checkpointing.mode = CheckpointingMode::AtLeastOnce;
    },
    "checkpointing.unaligned",
    "only supported with mode EXACTLY_ONCE"
);
invalid!(
    unaligned_with_max_concurrent_above_one_is_rejected,
    |s| {
        s.checkpointing.unaligned = true;
        s.checkpointing.max_concurrent = 2;
    },
    "checkpointing.unaligned",
    "not supported with max_concurrent > 1"
);

// ----- network and storage -----
invalid!(
    negative_latency_is_rejected,
    |s| {
        s.network.latency_ms = -1.0;
    },
    "network.latency_ms",
    "must be a finite number >= 0"
);
invalid!(
    nan_rpc_latency_is_rejected,
    |s| {
        s.network.rpc_latency_ms = f64::NAN;
    },
    "network.rpc_latency_ms",
    "must be a finite number >= 0"
);
invalid!(
    removed_buffers_per_channel_names_what_to_set_instead,
    |s| {
        s.network.buffers_per_channel = Some(8);
    },
    "network.buffers_per_channel",
    "network.segment_size (taskmanager.memory.segment-size"
);
invalid!(
    segment_size_below_flinks_minimum_is_rejected,
    |s| {
        s.network.segment_size = 2048;
    },
    "network.segment_size",
    "must be a power of two between 4096 and 16777216 bytes"
);
invalid!(
    segment_size_not_a_power_of_two_is_rejected,
    |s| {
        s.network.segment_size = 5000;
    },
    "network.segment_size",
    "taskmanager.memory.segment-size"
);
invalid!(
    zero_debloat_target_is_rejected,
    |s| {
        s.network.buffer_debloat.target_ms = 0;
    },
    "network.buffer_debloat.target_ms",
    "taskmanager.network.memory.buffer-debloat.target"
);
invalid!(
    debloat_threshold_above_100_percent_is_rejected,
    |s| {
        s.network.buffer_debloat.threshold_percentages = 101;
    },
    "network.buffer_debloat.threshold_percentages",
    "must be between 0 and 100"
);
invalid!(
    zero_record_bytes_are_rejected,
    |s| {
        s.network.record_bytes = 0;
    },
    "network.record_bytes",
    "must be between 1 and 1073741824"
);
invalid!(
    record_bytes_above_1_gib_are_rejected,
    |s| {
        s.network.record_bytes = (1 << 30) + 1;
    },
    "network.record_bytes",
    "must be between 1 and 1073741824"
);
invalid!(
    negative_storage_write_ms_is_rejected,
    |s| {
        s.storage.write_ms = -2.0;
    },
    "storage.write_ms",
    "must be a finite number >= 0"
);
invalid!(
    zero_storage_bandwidth_is_rejected,
    |s| {
        s.storage.bytes_per_ms = 0;
    },
    "storage.bytes_per_ms",
    "must be > 0"
);

// ----- faults -----
invalid!(
    fault_after_the_end_of_the_run_is_rejected,
    |s| {
        s.faults.push(kill(100, "counter#0"));
        s.faults.push(kill(5_001, "counter#0"));
    },
    "faults[1].at_ms",
    "5001 is after the end of the run (duration_ms 5000)"
);
invalid!(
    fault_task_without_an_index_is_rejected,
    |s| {
        s.faults.push(kill(100, "counter"));
    },
    "faults[0].task",
    "`counter` is not a subtask name (expected operator#index, e.g. map#0)"
);
invalid!(
    fault_task_with_a_bad_index_is_rejected,
    |s| {
        s.faults.push(drop_ack(100, "counter#x"));
    },
    "faults[0].task",
    "`x` is not a subtask index"
);
invalid!(
    fault_task_of_an_unknown_operator_is_rejected,
    |s| {
        s.faults
            .push(snapshot_failure(100, "mapper#0", SnapshotPhase::Sync));
    },
    "faults[0].task",
    "no operator named `mapper`"
);
invalid!(
    fault_task_index_beyond_the_parallelism_is_rejected,
    |s| {
        s.faults.push(slow(100, "counter#2", 2.0, 100));
    },
    "faults[0].task",
    "operator `counter` has parallelism 2, so its subtasks are counter#0 to counter#1"
);
invalid!(
    slow_factor_of_zero_is_rejected,
    |s| {
        s.faults.push(slow(100, "counter#0", 0.0, 100));
    },
    "faults[0].factor",
    "must be > 0 and <= 1000000"
);
invalid!(
    slow_factor_above_a_million_is_rejected,
    |s| {
        s.faults.push(slow(100, "counter#0", 2e6, 100));
    },
    "faults[0].factor",
    "must be > 0 and <= 1000000"
);
invalid!(
    slow_for_zero_ms_is_rejected,
    |s| {
        s.faults.push(slow(100, "counter#0", 2.0, 0));
    },
    "faults[0].duration_ms",
    "must be > 0"
);
invalid!(
    slow_beyond_the_time_limit_is_rejected,
    |s| {
        s.faults.push(slow(100, "counter#0", 2.0, MAX_TIME_MS + 1));
    },
    "faults[0].duration_ms",
    "must be <="
);
invalid!(
    storage_outage_of_zero_ms_is_rejected,
    |s| {
        s.faults.push(storage_outage(100, 0));
    },
    "faults[0].duration_ms",
    "must be > 0"
);
invalid!(
    storage_outage_beyond_the_time_limit_is_rejected,
    |s| {
        s.faults.push(storage_outage(100, MAX_TIME_MS + 1));
    },
    "faults[0].duration_ms",
    "must be <="
);

// ----- JSON -----

fn json_error(text: &str) -> (usize, usize, String) {
    match Scenario::from_json(text) {
        Err(ScenarioError::Json {
            line,
            column,
            message,
        }) => (line, column, message),
        other => panic!("expected a JSON error, got {other:?}"),
    }
}

const MINIMAL: &str = r#"{
  "name": "m",
  "duration_ms": 1000,
  "job": {
    "operators": [{"name": "src", "kind": "source"}, {"name": "out", "kind": "sink"}],
    "edges": [{"from": "src", "to": "out"}]
  }
}"#;

#[test]
fn minimal_json_takes_flinks_defaults() {
    let s = Scenario::from_json(MINIMAL).unwrap();
    let c = &s.checkpointing;
    assert_eq!(c.interval_ms, None);
    assert_eq!(c.mode, CheckpointingMode::ExactlyOnce);
    assert_eq!(c.timeout_ms, 600_000);
    assert_eq!(c.min_pause_ms, 0);
    assert_eq!(c.max_concurrent, 1);
    assert_eq!(c.tolerable_failed, 0);
    assert!(!c.unaligned);
    assert_eq!(c.aligned_timeout_ms, 0);
    assert_eq!(c.num_retained, 1);
    assert_eq!(s.seed, 0);
    assert_eq!(s.restart_delay_ms, 1_000);
    assert_eq!(s.restart_attempts, None);
    assert_eq!(s.network.latency_ms, 2.0);
    assert_eq!(s.network.buffers_per_channel, None);
    assert_eq!(s.network.segment_size, 32_768);
    assert_eq!(s.network.buffer_timeout_ms, 100);
    assert!(s.network.buffer_timeout_enabled);
    assert!(!s.network.buffer_debloat.enabled);
    assert_eq!(s.network.buffer_debloat.target_ms, 1_000);
    assert_eq!(s.network.record_bytes, 1_024);
    assert_eq!(s.network.rpc_latency_ms, 1.0);
    assert_eq!(s.storage.write_ms, 5.0);
    assert_eq!(s.storage.bytes_per_ms, 100_000);
    let o = &s.job.operators[0];
    assert_eq!(o.parallelism, 1);
    assert_eq!(o.records_per_sec(), 100.0);
    assert_eq!(s.job.key_space(o), 128);
    assert_eq!(o.process_ms(), 0.0);
    assert_eq!(s.job.operators[1].process_ms(), 0.1);
    assert_eq!(o.snapshot_sync_ms(), 2.0);
    assert_eq!(o.snapshot_async_ms(), 20.0);
    assert_eq!(s.job.edges[0].partitioning, Partitioning::Forward);
}

#[test]
fn json_round_trips_through_to_json() {
    let mut s = pipeline();
    s.faults.push(slow(100, "counter#0", 2.5, 300));
    s.faults.push(storage_outage(200, 50));
    s.faults.push(trigger_savepoint(300));
    let back = Scenario::from_json(&s.to_json()).unwrap();
    assert_eq!(back, s);
}

#[test]
fn json_syntax_error_gives_line_and_column() {
    let text = "{\n  \"name\": \"x\",\n  \"duration_ms\": 10,,\n}";
    let (line, column, message) = json_error(text);
    assert_eq!((line, column), (3, 21));
    assert!(!message.contains(" at line "), "{message}");
    let shown = Scenario::from_json(text).unwrap_err().to_string();
    assert!(
        shown.starts_with("invalid scenario JSON at line 3, column 21: "),
        "{shown}"
    );
}

#[test]
fn unknown_field_is_a_json_error_naming_the_field() {
    let text = MINIMAL.replace("\"duration_ms\"", "\"durations_ms\": 5, \"duration_ms\"");
    let (line, _, message) = json_error(&text);
    assert_eq!(line, 3);
    assert!(
        message.contains("unknown field `durations_ms`"),
        "{message}"
    );
}

#[test]
fn wrong_type_is_a_json_error() {
    let text = MINIMAL.replace("\"duration_ms\": 1000", "\"duration_ms\": \"soon\"");
    let (_, _, message) = json_error(&text);
    assert!(message.contains("invalid type"), "{message}");
}

#[test]
fn unknown_operator_kind_is_a_json_error() {
    let text = MINIMAL.replace("\"kind\": \"sink\"", "\"kind\": \"window\"");
    let (_, _, message) = json_error(&text);
    assert!(message.contains("unknown variant `window`"), "{message}");
}

#[test]
fn unknown_mode_is_a_json_error() {
    let text = MINIMAL.replace(
        "\"job\"",
        "\"checkpointing\": {\"interval_ms\": 100, \"mode\": \"EXACTLY_TWICE\"},\n  \"job\"",
    );
    let (_, _, message) = json_error(&text);
    assert!(
        message.contains("unknown variant `EXACTLY_TWICE`"),
        "{message}"
    );
}

fn with_fault(fault: &str) -> String {
    MINIMAL.replace("\"job\"", &format!("\"faults\": [{fault}],\n  \"job\""))
}

#[test]
fn unknown_fault_kind_is_a_json_error_listing_the_kinds() {
    let (_, _, message) = json_error(&with_fault(r#"{"at_ms": 1, "kind": "explode"}"#));
    assert!(
        message.contains("unknown fault kind `explode`"),
        "{message}"
    );
    assert!(message.contains("trigger_savepoint"), "{message}");
}

#[test]
fn fault_missing_its_task_is_a_json_error() {
    let (_, _, message) = json_error(&with_fault(r#"{"at_ms": 1, "kind": "kill"}"#));
    assert!(
        message.contains("fault kind `kill` needs field `task`"),
        "{message}"
    );
}

#[test]
fn slow_fault_missing_its_factor_is_a_json_error() {
    let (_, _, message) = json_error(&with_fault(
        r#"{"at_ms": 1, "kind": "slow", "task": "out#0", "duration_ms": 5}"#,
    ));
    assert!(
        message.contains("fault kind `slow` needs field `factor`"),
        "{message}"
    );
}

#[test]
fn storage_outage_missing_its_duration_is_a_json_error() {
    let (_, _, message) = json_error(&with_fault(r#"{"at_ms": 1, "kind": "storage_outage"}"#));
    assert!(
        message.contains("fault kind `storage_outage` needs field `duration_ms`"),
        "{message}"
    );
}

#[test]
fn fault_with_a_field_its_kind_does_not_take_is_a_json_error() {
    let (_, _, message) = json_error(&with_fault(
        r#"{"at_ms": 1, "kind": "coordinator_failover", "task": "src#0"}"#,
    ));
    assert!(
        message.contains("fault kind `coordinator_failover` does not take field `task`"),
        "{message}"
    );
    let (_, _, message) = json_error(&with_fault(
        r#"{"at_ms": 1, "kind": "kill", "task": "src#0", "factor": 2}"#,
    ));
    assert!(
        message.contains("does not take field `factor`"),
        "{message}"
    );
}

#[test]
fn the_removed_decline_fault_names_its_replacement() {
    let (_, _, message) = json_error(&with_fault(
        r#"{"at_ms": 1, "kind": "decline", "task": "out#0"}"#,
    ));
    assert!(
        message.contains("fault kind `decline` was removed")
            && message.contains("snapshot_failure")
            && message.contains("\"phase\""),
        "{message}"
    );
}

#[test]
fn snapshot_failure_needs_a_known_phase() {
    let (_, _, message) = json_error(&with_fault(
        r#"{"at_ms": 1, "kind": "snapshot_failure", "task": "out#0"}"#,
    ));
    assert!(
        message.contains("fault kind `snapshot_failure` needs field `phase` (sync or async)"),
        "{message}"
    );
    let (_, _, message) = json_error(&with_fault(
        r#"{"at_ms": 1, "kind": "snapshot_failure", "task": "out#0", "phase": "later"}"#,
    ));
    assert!(message.contains("unknown phase `later`"), "{message}");
    let (_, _, message) = json_error(&with_fault(
        r#"{"at_ms": 1, "kind": "kill", "task": "out#0", "phase": "sync"}"#,
    ));
    assert!(
        message.contains("fault kind `kill` does not take field `phase`"),
        "{message}"
    );
}

#[test]
fn every_fault_kind_parses() {
    let faults = [
        r#"{"at_ms": 1, "kind": "kill", "task": "src#0"}"#,
        r#"{"at_ms": 1, "kind": "slow", "task": "src#0", "factor": 3, "duration_ms": 10}"#,
        r#"{"at_ms": 1, "kind": "drop_ack", "task": "out#0"}"#,
        r#"{"at_ms": 1, "kind": "lose_ack", "task": "out#0", "checkpoint": 2}"#,
        r#"{"at_ms": 1, "kind": "snapshot_failure", "task": "out#0", "phase": "sync"}"#,
        r#"{"at_ms": 1, "kind": "snapshot_failure", "task": "out#0", "phase": "async"}"#,
        r#"{"at_ms": 1, "kind": "storage_outage", "duration_ms": 10}"#,
        r#"{"at_ms": 1, "kind": "coordinator_failover"}"#,
        r#"{"at_ms": 1, "kind": "trigger_checkpoint"}"#,
        r#"{"at_ms": 1, "kind": "trigger_savepoint"}"#,
    ];
    let s = Scenario::from_json(&with_fault(&faults.join(","))).unwrap();
    let kinds: Vec<&str> = s.faults.iter().map(|f| f.fault.kind_name()).collect();
    assert_eq!(
        kinds,
        vec![
            "kill",
            "slow",
            "drop_ack",
            "lose_ack",
            "snapshot_failure",
            "snapshot_failure",
            "storage_outage",
            "coordinator_failover",
            "trigger_checkpoint",
            "trigger_savepoint"
        ]
    );
}

// ----- Simulation::inject -----

#[test]
fn inject_rejects_an_unknown_subtask() {
    let mut sim = Simulation::new(pipeline()).unwrap();
    let err = sim.inject(kill(100, "counter#5")).unwrap_err();
    assert!(
        matches!(&err, ScenarioError::Invalid { field, .. } if field == "task"),
        "{err}"
    );
    assert!(sim.inputs().is_empty());
}

#[test]
fn inject_rejects_a_bad_slow_factor_and_duration() {
    let mut sim = Simulation::new(pipeline()).unwrap();
    let err = sim.inject(slow(100, "counter#0", -1.0, 100)).unwrap_err();
    assert!(
        matches!(&err, ScenarioError::Invalid { field, .. } if field == "factor"),
        "{err}"
    );
    let err = sim.inject(slow(100, "counter#0", 2.0, 0)).unwrap_err();
    assert!(
        matches!(&err, ScenarioError::Invalid { field, .. } if field == "duration_ms"),
        "{err}"
    );
    let err = sim.inject(storage_outage(100, 0)).unwrap_err();
    assert!(
        matches!(&err, ScenarioError::Invalid { field, .. } if field == "duration_ms"),
        "{err}"
    );
}

#[test]
fn injected_fault_in_the_past_fires_now_and_is_recorded() {
    let mut sim = Simulation::new(pipeline()).unwrap();
    run_until(&mut sim, 2_000);
    sim.inject(kill(500, "counter#0")).unwrap();
    assert_eq!(sim.inputs().len(), 1);
    assert_eq!(sim.inputs()[0].0.as_ms(), 2_000);
    run_until(&mut sim, 2_001);
    assert_eq!(sim.job().restarts.len(), 1);
    assert_eq!(sim.job().restarts[0].at.as_ms(), 2_000);
    assert!(matches!(
        sim.faults().last().and_then(|f| f.fault.as_fault()),
        Some(Fault::Kill { .. })
    ));
}

// ----- One validation path: files, injected faults and live settings agree -----

#[test]
fn injected_slow_fault_with_a_too_large_duration_gets_the_too_large_message() {
    let mut sim = Simulation::new(pipeline()).unwrap();
    let err = sim
        .inject(slow(100, "counter#0", 2.0, MAX_TIME_MS + 1))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("duration_ms: must be <= {MAX_TIME_MS} ms")
    );
    assert!(sim.inputs().is_empty());
}

#[test]
fn injected_storage_outage_with_a_too_large_duration_gets_the_too_large_message() {
    let mut sim = Simulation::new(pipeline()).unwrap();
    let err = sim
        .inject(storage_outage(100, MAX_TIME_MS + 1))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("duration_ms: must be <= {MAX_TIME_MS} ms")
    );
}

#[test]
fn an_injected_fault_is_rejected_for_the_reason_a_file_fault_is() {
    let bad = [
        kill(100, "counter#5"),
        kill(100, "counter"),
        kill(100, "counter#x"),
        kill(100, "nobody#0"),
        drop_ack(100, "sink#1"),
        snapshot_failure(100, "counter#2", SnapshotPhase::Async),
        slow(100, "counter#0", 0.0, 100),
        slow(100, "counter#0", f64::NAN, 100),
        slow(100, "counter#0", 2_000_000.0, 100),
        slow(100, "counter#0", 2.0, 0),
        slow(100, "counter#0", 2.0, MAX_TIME_MS + 1),
        storage_outage(100, 0),
        storage_outage(100, MAX_TIME_MS + 1),
    ];
    for fault in bad {
        let mut file = pipeline();
        file.faults.push(fault.clone());
        let Err(ScenarioError::Invalid {
            field: file_field,
            reason: file_reason,
        }) = file.validate()
        else {
            panic!("{fault:?} passed the file's rules");
        };
        let mut sim = Simulation::new(pipeline()).unwrap();
        let Err(ScenarioError::Invalid { field, reason }) = sim.inject(fault.clone()) else {
            panic!("{fault:?} passed inject");
        };
        assert_eq!(file_field, format!("faults[0].{field}"), "{fault:?}");
        assert_eq!(file_reason, reason, "{fault:?}");
    }
}

#[test]
fn a_live_checkpointing_change_is_rejected_for_the_reason_a_file_is() {
    let bad = [
        CheckpointingSpec {
            interval_ms: Some(5),
            ..Default::default()
        },
        CheckpointingSpec {
            timeout_ms: 0,
            ..Default::default()
        },
        CheckpointingSpec {
            timeout_ms: MAX_TIME_MS + 1,
            ..Default::default()
        },
        CheckpointingSpec {
            max_concurrent: 2,
            unaligned: true,
            ..Default::default()
        },
        CheckpointingSpec {
            num_retained: 0,
            ..Default::default()
        },
    ];
    for config in bad {
        let mut file = pipeline();
        file.checkpointing = config.clone();
        let from_file = file.validate().unwrap_err();
        assert_eq!(config.validate(), Err(from_file.clone()));
        let mut sim = Simulation::new(pipeline()).unwrap();
        assert_eq!(sim.apply_checkpointing(config), Err(from_file));
        assert!(sim.inputs().is_empty());
    }
}

// ----- JSON errors name the field (serde_path_to_error) -----

/// The message of the JSON error `text` gives.
fn json_message(text: &str) -> String {
    json_error(text).2
}

#[test]
fn a_type_error_names_the_field() {
    let text = MINIMAL.replace(
        "\"job\"",
        "\"checkpointing\": {\"interval_ms\": \"fast\"},\n  \"job\"",
    );
    assert_eq!(
        json_message(&text),
        "checkpointing.interval_ms: invalid type: string \"fast\", expected u64"
    );
    let shown = Scenario::from_json(&text).unwrap_err().to_string();
    assert!(
        shown.ends_with(": checkpointing.interval_ms: invalid type: string \"fast\", expected u64"),
        "{shown}"
    );
}

#[test]
fn held_out_type_errors_name_the_field_path() {
    let cases = [
        (
            MINIMAL.replace("\"kind\": \"sink\"", "\"kind\": \"sink\", \"parallelism\": \"two\""),
            "job.operators[1].parallelism: invalid type: string \"two\"",
        ),
        (
            MINIMAL.replace("\"duration_ms\": 1000", "\"duration_ms\": -1"),
            "duration_ms: invalid value: integer `-1`",
        ),
        (
            MINIMAL.replace("\"job\"", "\"network\": {\"latency_ms\": true},\n  \"job\""),
            "network.latency_ms: invalid type: boolean `true`",
        ),
        (
            MINIMAL.replace("\"job\"", "\"storage\": {\"bytes_per_ms\": 1.5},\n  \"job\""),
            "storage.bytes_per_ms: invalid type: floating point `1.5`",
        ),
        (
            MINIMAL.replace("\"job\"", "\"restart_attempts\": \"many\",\n  \"job\""),
            "restart_attempts: invalid type: string \"many\"",
        ),
        (
            MINIMAL.replace("\"job\"", "\"checkpointing\": {\"unaligned\": \"yes\"},\n  \"job\""),
            "checkpointing.unaligned: invalid type: string \"yes\"",
        ),
        (
            MINIMAL.replace(
                "\"job\"",
                "\"steps\": [{\"at_ms\": 1, \"text\": \"a\"}, {\"at_ms\": \"later\", \"text\": \"b\"}],\n  \"job\"",
            ),
            "steps[1].at_ms: invalid type: string \"later\"",
        ),
        (
            with_fault(r#"{"at_ms": 1, "kind": "slow", "task": "out#0", "factor": "big", "duration_ms": 5}"#),
            "faults[0].factor: invalid type: string \"big\"",
        ),
        (
            MINIMAL.replace("{\"from\": \"src\", \"to\": \"out\"}", "{\"from\": \"src\", \"to\": 7}"),
            "job.edges[0].to: invalid type: integer `7`",
        ),
    ];
    for (text, expected) in cases {
        let message = json_message(&text);
        assert!(
            message.starts_with(expected),
            "`{message}` is not `{expected}...`"
        );
    }
}

#[test]
fn an_unknown_nested_field_is_named_by_its_path() {
    let text = MINIMAL.replace("\"kind\": \"source\"", "\"kind\": \"source\", \"rate\": 5");
    let message = json_message(&text);
    assert!(
        message.starts_with("job.operators[0].rate: unknown field `rate`"),
        "{message}"
    );
}

#[test]
fn a_malformed_fault_is_named_by_its_index() {
    let text = with_fault(r#"{"at_ms": 1, "kind": "kill"}"#);
    assert_eq!(
        json_message(&text),
        "faults[0]: fault kind `kill` needs field `task`"
    );
}

#[test]
fn a_syntax_error_carries_no_field_path() {
    let text = "{\n  \"name\": \"x\",\n  \"duration_ms\": 10,,\n}";
    assert!(!json_message(text).contains(": "), "{}", json_message(text));
}

#[test]
fn trailing_characters_after_the_scenario_are_a_json_error() {
    let text = format!("{MINIMAL} x");
    let (line, _, message) = json_error(&text);
    assert_eq!(line, MINIMAL.lines().count());
    assert!(message.contains("trailing characters"), "{message}");
}

// ----- Interventions are not faults -----

#[test]
fn trigger_checkpoint_and_savepoint_are_interventions_not_faults() {
    use barrierscope::sim::scenario::{Intervention, Scheduled};
    assert_eq!(
        trigger_checkpoint(1).fault.intervention(),
        Some(Intervention::TriggerCheckpoint)
    );
    assert_eq!(
        trigger_savepoint(1).fault.intervention(),
        Some(Intervention::TriggerSavepoint)
    );
    for f in [
        kill(1, "counter#0"),
        slow(1, "counter#0", 2.0, 10),
        drop_ack(1, "counter#0"),
        snapshot_failure(1, "counter#0", SnapshotPhase::Sync),
        storage_outage(1, 10),
        coordinator_failover(1),
    ] {
        assert!(f.fault.is_fault(), "{f:?}");
        assert_eq!(f.fault.intervention(), None);
    }
    for i in [
        Intervention::TriggerCheckpoint,
        Intervention::TriggerSavepoint,
    ] {
        assert_eq!(Scheduled::from(i).intervention(), Some(i));
        assert_eq!(Scheduled::from(i).kind_name(), i.kind_name());
    }
}

#[test]
fn an_old_file_with_interventions_in_its_faults_list_still_loads() {
    let text = with_fault(
        r#"{"at_ms": 1, "kind": "trigger_checkpoint"}, {"at_ms": 2, "kind": "trigger_savepoint"}"#,
    );
    let s = Scenario::from_json(&text).unwrap();
    assert_eq!(s.faults.len(), 2);
    assert!(s.faults.iter().all(|f| f.fault.intervention().is_some()));
    assert_eq!(Scenario::from_json(&s.to_json()).unwrap(), s);
}

// ----- lose_ack -----

#[test]
fn lose_ack_round_trips_with_its_checkpoint() {
    let s = Scenario::from_json(&with_fault(
        r#"{"at_ms": 5, "kind": "lose_ack", "task": "out#0", "checkpoint": 3}"#,
    ))
    .unwrap();
    assert_eq!(
        s.faults[0].fault,
        Scheduled::Fault(Fault::LoseAck {
            task: "out#0".into(),
            checkpoint: 3
        })
    );
    assert_eq!(s.faults[0].fault.label(), "lose_ack (checkpoint 3) out#0");
    let again = Scenario::from_json(&s.to_json()).unwrap();
    assert_eq!(again.faults, s.faults);
}

#[test]
fn lose_ack_shape_errors_name_the_field() {
    let (_, _, message) = json_error(&with_fault(
        r#"{"at_ms": 1, "kind": "lose_ack", "task": "out#0"}"#,
    ));
    assert!(
        message.contains("fault kind `lose_ack` needs field `checkpoint`"),
        "{message}"
    );
    let (_, _, message) = json_error(&with_fault(
        r#"{"at_ms": 1, "kind": "lose_ack", "checkpoint": 1}"#,
    ));
    assert!(
        message.contains("fault kind `lose_ack` needs field `task`"),
        "{message}"
    );
    let (_, _, message) = json_error(&with_fault(
        r#"{"at_ms": 1, "kind": "lose_ack", "task": "out#0", "checkpoint": 1, "factor": 2}"#,
    ));
    assert!(
        message.contains("fault kind `lose_ack` does not take field `factor`"),
        "{message}"
    );
    let (_, _, message) = json_error(&with_fault(
        r#"{"at_ms": 1, "kind": "drop_ack", "task": "out#0", "checkpoint": 1}"#,
    ));
    assert!(
        message.contains("fault kind `drop_ack` does not take field `checkpoint`"),
        "{message}"
    );
    let (_, _, message) = json_error(&with_fault(
        r#"{"at_ms": 1, "kind": "lose_ack", "task": "out#0", "checkpoint": -1}"#,
    ));
    assert!(!message.is_empty());
    let (_, _, message) = json_error(&with_fault(r#"{"at_ms": 1, "kind": "explode"}"#));
    assert!(message.contains("lose_ack"), "{message}");
}

#[test]
fn lose_ack_checkpoint_must_be_at_least_one() {
    let err = Scenario::from_json(&with_fault(
        r#"{"at_ms": 1, "kind": "lose_ack", "task": "out#0", "checkpoint": 0}"#,
    ))
    .unwrap_err();
    assert!(
        matches!(&err, ScenarioError::Invalid { field, reason } if field == "faults[0].checkpoint" && reason.contains(">= 1")),
        "{err}"
    );
    let err = Scenario::from_json(&with_fault(
        r#"{"at_ms": 1, "kind": "lose_ack", "task": "out#9", "checkpoint": 1}"#,
    ))
    .unwrap_err();
    assert!(
        matches!(&err, ScenarioError::Invalid { field, .. } if field == "faults[0].task"),
        "{err}"
    );
    // Injected while the run goes on: the fault's own field is named.
    let mut sim = Simulation::new(pipeline()).unwrap();
    let err = sim.inject(lose_ack(100, "counter#0", 0)).unwrap_err();
    assert!(
        matches!(&err, ScenarioError::Invalid { field, .. } if field == "checkpoint"),
        "{err}"
    );
    assert!(sim.inputs().is_empty());
    sim.inject(lose_ack(100, "counter#0", 1)).unwrap();
    assert_eq!(sim.inputs().len(), 1);
}
