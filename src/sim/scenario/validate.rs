//! The one validation path: every rule that Flink enforces on a job graph
//! (`JobGraph`/`StreamGraph` checks: parallelism up to `MAX_PARALLELISM`, no cycles) or on a
//! checkpoint configuration (`CheckpointConfig`: the minimal interval of 10 ms, `timeout` > 0,
//! unaligned checkpoints only with `EXACTLY_ONCE` and one concurrent checkpoint), plus the
//! limits that keep a run inside what a browser can hold. Files, share links, faults injected
//! while a run goes on ([`Scenario::check_fault`]) and live settings
//! ([`CheckpointingSpec::validate`]) all pass through here. Errors name the field and the reason.

use super::*;
use crate::sim::sorted::{SortedMap, SortedSet};

impl Scenario {
    /// Every rule, in the order a reader would check them; the first broken one is reported.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if self.name.trim().is_empty() {
            return Err(ScenarioError::invalid("name", "must not be empty"));
        }
        if self.duration_ms == 0 {
            return Err(ScenarioError::invalid("duration_ms", "must be > 0"));
        }
        check_time("duration_ms", self.duration_ms)?;
        check_time("restart_delay_ms", self.restart_delay_ms)?;
        self.validate_job()?;
        self.checkpointing.validate()?;
        self.validate_environment()?;
        self.validate_faults()?;
        for (i, s) in self.steps.iter().enumerate() {
            check_time(&format!("steps[{i}].at_ms"), s.at_ms)?;
        }
        Ok(())
    }

    fn validate_job(&self) -> Result<(), ScenarioError> {
        let ops = &self.job.operators;
        if ops.is_empty() {
            return Err(ScenarioError::invalid(
                "job.operators",
                "a job needs at least one operator",
            ));
        }
        let mut names = SortedMap::new();
        let mut subtasks: u64 = 0;
        for (i, op) in ops.iter().enumerate() {
            let f = |name: &str| format!("job.operators[{i}].{name}");
            if op.name.trim().is_empty() {
                return Err(ScenarioError::invalid(f("name"), "must not be empty"));
            }
            if op.name.contains('#') {
                return Err(ScenarioError::invalid(
                    f("name"),
                    "must not contain `#` (subtasks are named operator#index)",
                ));
            }
            if names.insert(op.name.as_str(), i).is_some() {
                return Err(ScenarioError::invalid(
                    f("name"),
                    format!("operator name `{}` is used twice", op.name),
                ));
            }
            if op.parallelism == 0 {
                return Err(ScenarioError::invalid(f("parallelism"), "must be >= 1"));
            }
            if op.parallelism > MAX_PARALLELISM {
                return Err(ScenarioError::invalid(
                    f("parallelism"),
                    format!("must be <= {MAX_PARALLELISM} (Flink's maximum parallelism)"),
                ));
            }
            subtasks += op.parallelism as u64;
            let is_source = op.kind == OperatorKind::Source;
            if let Some(r) = op.records_per_sec {
                if !is_source {
                    return Err(ScenarioError::invalid(
                        f("records_per_sec"),
                        "only a source emits records",
                    ));
                }
                if !r.is_finite() || r <= 0.0 || r > 1_000_000.0 {
                    return Err(ScenarioError::invalid(
                        f("records_per_sec"),
                        "must be > 0 and <= 1000000",
                    ));
                }
            }
            if let Some(k) = op.key_space {
                if !is_source {
                    return Err(ScenarioError::invalid(
                        f("key_space"),
                        "only a source sets the key space",
                    ));
                }
                if k == 0 || k > MAX_KEY_SPACE {
                    return Err(ScenarioError::invalid(
                        f("key_space"),
                        "must be between 1 and 1000000",
                    ));
                }
            }
            if op.state_bytes_per_key.is_some() && op.kind != OperatorKind::Keyed {
                return Err(ScenarioError::invalid(
                    f("state_bytes_per_key"),
                    "only a keyed operator has keyed state",
                ));
            }
            if let Some(b) = op.state_bytes_per_key {
                if b > 1 << 30 {
                    return Err(ScenarioError::invalid(
                        f("state_bytes_per_key"),
                        "must be <= 1073741824",
                    ));
                }
            }
            for (name, v) in [
                ("process_ms", op.process_ms),
                ("snapshot_sync_ms", op.snapshot_sync_ms),
                ("snapshot_async_ms", op.snapshot_async_ms),
            ] {
                if let Some(v) = v {
                    check_ms_f64(&f(name), v)?;
                }
            }
        }
        if subtasks > MAX_SUBTASKS {
            return Err(ScenarioError::invalid(
                "job.operators",
                format!("{subtasks} subtasks in all; at most {MAX_SUBTASKS} fit in one run"),
            ));
        }
        if !ops.iter().any(|o| o.kind == OperatorKind::Source) {
            return Err(ScenarioError::invalid(
                "job.operators",
                "a job needs at least one source",
            ));
        }
        let mut seen_edges = SortedSet::new();
        let mut inputs = vec![0usize; ops.len()];
        let mut outputs: Vec<Vec<usize>> = vec![Vec::new(); ops.len()];
        let mut channels: u64 = 0;
        for (i, e) in self.job.edges.iter().enumerate() {
            let f = |name: &str| format!("job.edges[{i}].{name}");
            let from = *names.get(&e.from.as_str()).ok_or_else(|| {
                ScenarioError::invalid(f("from"), format!("no operator named `{}`", e.from))
            })?;
            let to = *names.get(&e.to.as_str()).ok_or_else(|| {
                ScenarioError::invalid(f("to"), format!("no operator named `{}`", e.to))
            })?;
            if from == to {
                return Err(ScenarioError::invalid(
                    f("to"),
                    "an edge cannot connect an operator to itself",
                ));
            }
            if !seen_edges.insert((from, to)) {
                return Err(ScenarioError::invalid(
                    f("to"),
                    format!("edge {} -> {} is given twice", e.from, e.to),
                ));
            }
            if ops[to].kind == OperatorKind::Source {
                return Err(ScenarioError::invalid(
                    f("to"),
                    format!("`{}` is a source: sources have no inputs", e.to),
                ));
            }
            if ops[from].kind == OperatorKind::Sink {
                return Err(ScenarioError::invalid(
                    f("from"),
                    format!("`{}` is a sink: sinks have no outputs", e.from),
                ));
            }
            let (pf, pt) = (ops[from].parallelism as u64, ops[to].parallelism as u64);
            if e.partitioning == Partitioning::Forward && pf != pt {
                return Err(ScenarioError::invalid(
                    f("partitioning"),
                    format!(
                        "forward needs equal parallelism, but {} has {pf} and {} has {pt}",
                        e.from, e.to
                    ),
                ));
            }
            channels += if e.partitioning == Partitioning::Forward {
                pf
            } else {
                pf * pt
            };
            inputs[to] += 1;
            outputs[from].push(to);
        }
        if channels > MAX_CHANNELS {
            return Err(ScenarioError::invalid(
                "job.edges",
                format!("{channels} channels in all; at most {MAX_CHANNELS} fit in one run"),
            ));
        }
        for (i, op) in ops.iter().enumerate() {
            if op.kind != OperatorKind::Source && inputs[i] == 0 {
                return Err(ScenarioError::invalid(
                    format!("job.operators[{i}]"),
                    format!(
                        "`{}` has no input edge: only sources may start the graph",
                        op.name
                    ),
                ));
            }
        }
        // A DAG: Kahn's algorithm must consume every operator.
        let mut indeg = inputs.clone();
        let mut ready: Vec<usize> = (0..ops.len()).filter(|&i| indeg[i] == 0).collect();
        let mut done = 0;
        while let Some(n) = ready.pop() {
            done += 1;
            for &t in &outputs[n] {
                indeg[t] -= 1;
                if indeg[t] == 0 {
                    ready.push(t);
                }
            }
        }
        if done != ops.len() {
            return Err(ScenarioError::invalid(
                "job.edges",
                "the edges form a cycle; a job graph must be a DAG",
            ));
        }
        Ok(())
    }

    fn validate_environment(&self) -> Result<(), ScenarioError> {
        check_ms_f64("network.latency_ms", self.network.latency_ms)?;
        check_ms_f64("network.rpc_latency_ms", self.network.rpc_latency_ms)?;
        if self.network.buffers_per_channel.is_some() {
            return Err(ScenarioError::invalid(
                "network.buffers_per_channel",
                "was removed: a channel no longer holds one record per buffer. Flink 2.x has no \
                 taskmanager.network.memory.buffers-per-channel; in-flight data now follows \
                 network.segment_size (taskmanager.memory.segment-size, default 32768 bytes) and \
                 network.record_bytes. Delete the field (a smaller segment_size such as 4096 \
                 makes backpressure build up sooner)",
            ));
        }
        let seg = self.network.segment_size;
        if !(4096..=1 << 24).contains(&seg) || !seg.is_power_of_two() {
            return Err(ScenarioError::invalid(
                "network.segment_size",
                "must be a power of two between 4096 and 16777216 bytes, as Flink's \
                 taskmanager.memory.segment-size",
            ));
        }
        if self.network.buffer_timeout_ms > 3_600_000 {
            return Err(ScenarioError::invalid(
                "network.buffer_timeout_ms",
                "must be at most 3600000 ms (execution.buffer-timeout.interval)",
            ));
        }
        let d = &self.network.buffer_debloat;
        if d.target_ms == 0 || d.target_ms > 3_600_000 {
            return Err(ScenarioError::invalid(
                "network.buffer_debloat.target_ms",
                "must be between 1 and 3600000 ms \
                 (taskmanager.network.memory.buffer-debloat.target)",
            ));
        }
        if d.period_ms < 10 || d.period_ms > 3_600_000 {
            return Err(ScenarioError::invalid(
                "network.buffer_debloat.period_ms",
                "must be between 10 and 3600000 ms \
                 (taskmanager.network.memory.buffer-debloat.period)",
            ));
        }
        if d.samples == 0 || d.samples > 10_000 {
            return Err(ScenarioError::invalid(
                "network.buffer_debloat.samples",
                "must be between 1 and 10000 (taskmanager.network.memory.buffer-debloat.samples)",
            ));
        }
        if d.threshold_percentages > 100 {
            return Err(ScenarioError::invalid(
                "network.buffer_debloat.threshold_percentages",
                "must be between 0 and 100 \
                 (taskmanager.network.memory.buffer-debloat.threshold-percentages)",
            ));
        }
        if self.network.record_bytes == 0 || self.network.record_bytes > 1 << 30 {
            return Err(ScenarioError::invalid(
                "network.record_bytes",
                "must be between 1 and 1073741824",
            ));
        }
        check_ms_f64("storage.write_ms", self.storage.write_ms)?;
        if self.storage.bytes_per_ms == 0 {
            return Err(ScenarioError::invalid(
                "storage.bytes_per_ms",
                "must be > 0",
            ));
        }
        Ok(())
    }

    fn validate_faults(&self) -> Result<(), ScenarioError> {
        for (i, f) in self.faults.iter().enumerate() {
            let field = |name: &str| format!("faults[{i}].{name}");
            if f.at_ms > self.duration_ms {
                return Err(ScenarioError::invalid(
                    field("at_ms"),
                    format!(
                        "{} is after the end of the run (duration_ms {})",
                        f.at_ms, self.duration_ms
                    ),
                ));
            }
            self.check_fault_fields(&f.fault, field)?;
        }
        Ok(())
    }

    /// Checks a fault or intervention injected while the run goes on (`Simulation::inject`)
    /// with the rules a file's faults obey, naming the fault's own field (`task`, `factor`,
    /// `duration_ms`). Its `at_ms` is not checked: a run may go on past `duration_ms`.
    pub fn check_fault(&self, fault: &Scheduled) -> Result<(), ScenarioError> {
        self.check_fault_fields(fault, |name| name.to_string())
    }

    /// The rules of one fault's fields; `field` turns a field name into the path reported.
    fn check_fault_fields(
        &self,
        fault: &Scheduled,
        field: impl Fn(&str) -> String,
    ) -> Result<(), ScenarioError> {
        // An intervention takes no field.
        let Scheduled::Fault(fault) = fault else {
            return Ok(());
        };
        if let Some(task) = fault.task() {
            self.find_subtask(task)
                .map_err(|reason| ScenarioError::invalid(field("task"), reason))?;
        }
        match fault {
            Fault::Slow {
                factor,
                duration_ms,
                ..
            } => {
                if !factor.is_finite() || *factor <= 0.0 || *factor > 1_000_000.0 {
                    return Err(ScenarioError::invalid(
                        field("factor"),
                        "must be > 0 and <= 1000000",
                    ));
                }
                check_duration(&field("duration_ms"), *duration_ms)
            }
            Fault::StorageOutage { duration_ms } => {
                check_duration(&field("duration_ms"), *duration_ms)
            }
            Fault::LoseAck { checkpoint, .. } if *checkpoint < 1 => Err(ScenarioError::invalid(
                field("checkpoint"),
                "must be >= 1 (checkpoint IDs start at 1)",
            )),
            _ => Ok(()),
        }
    }

    /// Resolves `operator#index` to (operator position, subtask index), or says why not.
    pub fn find_subtask(&self, name: &str) -> Result<(usize, u32), String> {
        let (op, idx) = name.rsplit_once('#').ok_or_else(|| {
            format!("`{name}` is not a subtask name (expected operator#index, e.g. map#0)")
        })?;
        let index: u32 = idx.parse().map_err(|_| {
            format!("`{name}`: `{idx}` is not a subtask index (a whole number from 0)")
        })?;
        let (pos, spec) = self
            .job
            .operators
            .iter()
            .enumerate()
            .find(|(_, o)| o.name == op)
            .ok_or_else(|| format!("`{name}`: no operator named `{op}`"))?;
        if index >= spec.parallelism {
            return Err(format!(
                "`{name}`: operator `{op}` has parallelism {}, so its subtasks are {op}#0 to {op}#{}",
                spec.parallelism,
                spec.parallelism - 1
            ));
        }
        Ok((pos, index))
    }
}

fn check_time(field: &str, ms: u64) -> Result<(), ScenarioError> {
    if ms > MAX_TIME_MS {
        return Err(ScenarioError::invalid(
            field,
            format!("must be <= {MAX_TIME_MS} ms"),
        ));
    }
    Ok(())
}

fn check_ms_f64(field: &str, ms: f64) -> Result<(), ScenarioError> {
    if !ms.is_finite() || ms < 0.0 {
        return Err(ScenarioError::invalid(
            field,
            "must be a finite number >= 0",
        ));
    }
    if ms > MAX_TIME_MS as f64 {
        return Err(ScenarioError::invalid(
            field,
            format!("must be <= {MAX_TIME_MS} ms"),
        ));
    }
    Ok(())
}

impl CheckpointingSpec {
    /// Flink's `CheckpointConfig` rules, for a file's `checkpointing` and for a live change
    /// (`Simulation::apply_checkpointing`) alike; fields are named `checkpointing.FIELD`.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let c = self;
        if let Some(i) = c.interval_ms {
            if i < MIN_CHECKPOINT_INTERVAL_MS {
                return Err(ScenarioError::invalid(
                    "checkpointing.interval_ms",
                    format!("must be >= {MIN_CHECKPOINT_INTERVAL_MS} ms (Flink's minimal checkpoint interval), or null to turn checkpointing off"),
                ));
            }
            check_time("checkpointing.interval_ms", i)?;
        }
        if c.timeout_ms == 0 {
            return Err(ScenarioError::invalid(
                "checkpointing.timeout_ms",
                "must be > 0",
            ));
        }
        check_time("checkpointing.timeout_ms", c.timeout_ms)?;
        check_time("checkpointing.min_pause_ms", c.min_pause_ms)?;
        check_time("checkpointing.aligned_timeout_ms", c.aligned_timeout_ms)?;
        if c.max_concurrent == 0 {
            return Err(ScenarioError::invalid(
                "checkpointing.max_concurrent",
                "must be >= 1",
            ));
        }
        if c.max_concurrent > 1000 {
            return Err(ScenarioError::invalid(
                "checkpointing.max_concurrent",
                "must be <= 1000",
            ));
        }
        if c.num_retained == 0 {
            return Err(ScenarioError::invalid(
                "checkpointing.num_retained",
                "must be >= 1",
            ));
        }
        if c.num_retained > 1000 {
            return Err(ScenarioError::invalid(
                "checkpointing.num_retained",
                "must be <= 1000",
            ));
        }
        if c.unaligned && c.mode != CheckpointingMode::ExactlyOnce {
            return Err(ScenarioError::invalid(
                "checkpointing.unaligned",
                "unaligned checkpoints are only supported with mode EXACTLY_ONCE",
            ));
        }
        if c.unaligned && c.max_concurrent != 1 {
            return Err(ScenarioError::invalid(
                "checkpointing.unaligned",
                "unaligned checkpoints are not supported with max_concurrent > 1",
            ));
        }
        Ok(())
    }
}

/// A span of a fault (`slow`, `storage_outage`): more than nothing, at most `MAX_TIME_MS`.
fn check_duration(field: &str, ms: u64) -> Result<(), ScenarioError> {
    if ms == 0 {
        return Err(ScenarioError::invalid(field, "must be > 0"));
    }
    check_time(field, ms)
}
