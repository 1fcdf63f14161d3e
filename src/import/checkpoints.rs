//! What the checkpoints say: the configuration (`GET /jobs/:id/checkpoints/config`), the state
//! sizes of the latest completed checkpoint (`GET /jobs/:id/checkpoints` or its details) and the
//! snapshot durations (`.../checkpoints/details/:cid/subtasks/:vid`, matched to their vertex).
//! The rules are in docs/import.md.

use super::rest::{Body, CheckpointEntry, SubtaskDetailsBody};
use super::{from, hex_ids, tidy, Builder, Parsed};
use crate::sim::scenario::{
    CheckpointingMode, CheckpointingSpec, OperatorKind, OperatorSpec, StorageSpec, MAX_TIME_MS,
};
use crate::sim::sorted::{SortedMap, SortedSet};

/// A checkpoint's statistics: (file, endpoint, entry).
type Entry<'a> = (&'a str, &'a str, &'a CheckpointEntry);

/// A vertex's state in the latest completed checkpoint: (source, checkpoint ID, bytes).
pub(super) type State = (String, u64, f64);

/// The checkpoint statistics among the bodies.
pub(super) struct Statistics<'a> {
    /// The latest completed checkpoint (not a savepoint) that lists its vertices.
    latest_completed: Option<Entry<'a>>,
    /// The subtask details by vertex ID: (file, body).
    details: SortedMap<String, Vec<(&'a str, &'a SubtaskDetailsBody)>>,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    // The values are >= 0 (`+ 0.0` makes a -0.0 +0.0), whose bits sort as the numbers do: the
    // bundle's u64 sort serves, where a sort of f64s would be one more sort in it.
    debug_assert!(v.iter().all(|x| *x >= 0.0));
    let mut bits: Vec<u64> = v.iter().map(|x| (x + 0.0).to_bits()).collect();
    bits.sort_unstable();
    v = bits.into_iter().map(f64::from_bits).collect();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// The checkpoint statistics among `parsed`; subtask details are matched to the vertices in
/// `ids` by the figures the checkpoint lists per vertex, or by a vertex ID in their name.
pub(super) fn statistics<'a>(
    parsed: &'a [Parsed],
    ids: &SortedSet<String>,
    b: &mut Builder,
) -> Statistics<'a> {
    let mut entries: Vec<Entry<'a>> = Vec::new();
    for p in parsed {
        match &p.body {
            Body::Checkpoints(c) => {
                entries.extend(
                    c.history
                        .iter()
                        .map(|e| (p.name.as_str(), p.body.endpoint(), e)),
                );
            }
            Body::CheckpointDetails(e) => entries.push((p.name.as_str(), p.body.endpoint(), e)),
            _ => {}
        }
    }
    let latest_completed = entries
        .iter()
        .filter(|(_, _, e)| {
            e.status == "COMPLETED" && e.is_savepoint != Some(true) && !e.tasks.is_empty()
        })
        .max_by_key(|(_, _, e)| e.id)
        .copied();
    let details = subtask_details(parsed, &entries, ids, b);
    Statistics {
        latest_completed,
        details,
    }
}

/// Subtask details, matched to their vertex by the figures the checkpoint lists per vertex.
fn subtask_details<'a>(
    parsed: &'a [Parsed],
    entries: &[Entry<'a>],
    ids: &SortedSet<String>,
    b: &mut Builder,
) -> SortedMap<String, Vec<(&'a str, &'a SubtaskDetailsBody)>> {
    let mut details: SortedMap<String, Vec<(&str, &SubtaskDetailsBody)>> = SortedMap::new();
    for p in parsed {
        let Body::SubtaskDetails(d) = &p.body else {
            continue;
        };
        let mut candidates: SortedSet<&str> = SortedSet::new();
        for (_, _, e) in entries.iter().filter(|(_, _, e)| e.id == d.id) {
            for (vid, t) in e.tasks.iter() {
                if t.latest_ack_timestamp == d.latest_ack_timestamp
                    && t.state_size == d.state_size
                    && t.num_subtasks == d.num_subtasks
                {
                    candidates.insert(vid.as_str());
                }
            }
        }
        let hinted: Vec<String> = hex_ids(&p.name)
            .into_iter()
            .filter(|h| ids.contains(h))
            .collect();
        let vid = if let Some(h) = hinted.first() {
            Some(h.clone())
        } else if candidates.len() == 1 {
            candidates.iter().next().map(|s| s.to_ascii_lowercase())
        } else {
            None
        };
        match vid.filter(|v| ids.contains(v)) {
            Some(v) => details.get_or_insert_with(v, Vec::new).push((p.name.as_str(), d)),
            None => b.warnings.push(format!(
                "{}: subtask details of checkpoint {}, but of which vertex is not clear (give GET /jobs/:id/checkpoints with it, or put the vertex ID in the file name); ignored",
                p.name, d.id
            )),
        }
    }
    details
}

/// Sets operator `i`'s `state_bytes_per_key` (keyed operators) from its `state`, and warns
/// of a stateful vertex modelled without state.
pub(super) fn state_per_key(
    i: usize,
    op: &mut OperatorSpec,
    keys: u32,
    state: Option<&State>,
    b: &mut Builder,
) {
    let field = format!("job.operators[{i}].state_bytes_per_key");
    match (op.kind, state) {
        (OperatorKind::Keyed, Some((f, cid, bytes))) if bytes.is_finite() && *bytes >= 0.0 => {
            let per_key = (bytes / f64::from(keys)).round() as u64;
            op.state_bytes_per_key = Some(per_key.clamp(0, 1 << 30));
            b.note(
                &field,
                f,
                format!("state_size of checkpoint {cid} ({bytes} bytes) / {keys} keys (guessed key space)"),
            );
        }
        (OperatorKind::Keyed, _) => {
            b.guess(&field, "no completed checkpoint: 256 bytes per key");
        }
        (OperatorKind::Map, Some((_, cid, bytes))) if *bytes > 65_536.0 => {
            b.warnings.push(format!(
                "{}: {bytes} bytes of state in checkpoint {cid}, but a vertex with non-hash inputs is modelled without state",
                op.name
            ));
        }
        _ => {}
    }
}

impl Statistics<'_> {
    /// The state of vertex `id` in the latest completed checkpoint.
    pub fn state(&self, id: &str) -> Option<State> {
        self.latest_completed.and_then(|(f, ep, e)| {
            let t = e
                .tasks
                .iter()
                .find(|(k, _)| k.to_ascii_lowercase() == id)?
                .1;
            Some((from(f, ep), e.id, t.state_size?))
        })
    }

    /// Sets operator `i`'s snapshot durations from the subtask details of vertex `id`
    /// (`state`: its state in the latest completed checkpoint).
    pub fn snapshot_durations(
        &self,
        i: usize,
        id: &str,
        op: &mut OperatorSpec,
        state: Option<&State>,
        b: &mut Builder,
    ) {
        let field = |f: &str| format!("job.operators[{i}].{f}");
        let Some(ds) = self.details.get(id) else {
            b.guess(
                &field("snapshot_sync_ms"),
                "no subtask details: Flink-like defaults (sync 2 ms, async 20 ms)",
            );
            return;
        };
        let p = f64::from(op.parallelism);
        let per_subtask_state = state.map_or(0.0, |(_, _, s)| s / p);
        let (mut syncs, mut asyncs) = (Vec::new(), Vec::new());
        for (_, d) in ds {
            let done: Vec<_> = d
                .subtasks
                .iter()
                .filter(|s| s.status.as_deref().is_none_or(|s| s == "completed"))
                .filter_map(|s| s.checkpoint.as_ref())
                .filter(|c| c.sync.is_finite() && c.async_.is_finite())
                .collect();
            if done.is_empty() {
                continue;
            }
            let n = done.len() as f64;
            syncs.push(done.iter().map(|c| c.sync.max(0.0)).sum::<f64>() / n);
            asyncs.push(done.iter().map(|c| c.async_.max(0.0)).sum::<f64>() / n);
        }
        let src = from(
            ds[0].0,
            "GET /jobs/:id/checkpoints/details/:cid/subtasks/:vid",
        );
        // The least async part: a subtask's uploads run one after another, and Flink counts
        // the wait behind the previous one in the next one's async duration.
        let least_async = asyncs.iter().copied().reduce(f64::min);
        if let (Some(s), Some(a)) = (median(syncs), least_async) {
            let storage = StorageSpec::default();
            let upload = storage.write_ms + per_subtask_state / storage.bytes_per_ms as f64;
            op.snapshot_sync_ms = Some(tidy(s.min(MAX_TIME_MS as f64)));
            op.snapshot_async_ms = Some(tidy((a - upload).clamp(0.0, MAX_TIME_MS as f64)));
            b.note(
                &field("snapshot_sync_ms"),
                &src,
                format!(
                    "median over {} checkpoints of the subtasks' average checkpoint_duration.sync",
                    ds.len()
                ),
            );
            b.note(
                &field("snapshot_async_ms"),
                &src,
                "the least over the checkpoints of the subtasks' average .async (a later upload waits behind the one before and Flink counts the wait), less the modelled upload (storage.write_ms + state / storage.bytes_per_ms)",
            );
        }
    }
}

/// The checkpoint configuration from `GET /jobs/:id/checkpoints/config`, else Flink's
/// defaults with a 10 s interval.
pub(super) fn checkpointing(
    parsed: &[Parsed],
    b: &mut Builder,
) -> Result<CheckpointingSpec, String> {
    let mut checkpointing = CheckpointingSpec::default();
    match parsed.iter().find_map(|p| match &p.body {
        Body::Config(c) => Some((p.name.as_str(), c)),
        _ => None,
    }) {
        Some((file, c)) => {
            let src = from(file, "GET /jobs/:id/checkpoints/config");
            let ms = |field: &str, v: i64| -> Result<u64, String> {
                if v < 0 || v as u64 > MAX_TIME_MS {
                    Err(format!(
                        "{file}: {field}: must be between 0 and {MAX_TIME_MS} ms, is {v}"
                    ))
                } else {
                    Ok(v as u64)
                }
            };
            checkpointing.mode = match c.mode.to_ascii_uppercase().replace('-', "_").as_str() {
                "EXACTLY_ONCE" => CheckpointingMode::ExactlyOnce,
                "AT_LEAST_ONCE" => CheckpointingMode::AtLeastOnce,
                _ => {
                    return Err(format!(
                        "{file}: mode: `{}` is not a checkpointing mode (exactly_once or at_least_once)",
                        c.mode
                    ))
                }
            };
            if c.interval <= 0 || c.interval as u64 > MAX_TIME_MS {
                checkpointing.interval_ms = None;
                b.warnings.push(format!(
                    "{file}: interval {}: periodic checkpointing is off",
                    c.interval
                ));
            } else {
                checkpointing.interval_ms = Some((c.interval as u64).max(10));
            }
            if let Some(t) = c.timeout {
                checkpointing.timeout_ms = ms("timeout", t)?.max(1);
            }
            if let Some(t) = c.min_pause {
                checkpointing.min_pause_ms = ms("min_pause", t)?;
            }
            if let Some(n) = c.max_concurrent {
                if !(1..=1000).contains(&n) {
                    return Err(format!(
                        "{file}: max_concurrent: must be between 1 and 1000, is {n}"
                    ));
                }
                checkpointing.max_concurrent = n as u32;
            }
            if let Some(n) = c.tolerable_failed_checkpoints {
                if !(0..=i64::from(u32::MAX)).contains(&n) {
                    return Err(format!(
                        "{file}: tolerable_failed_checkpoints: must be a whole number >= 0, is {n}"
                    ));
                }
                checkpointing.tolerable_failed = n as u32;
            }
            checkpointing.unaligned = c.unaligned_checkpoints.unwrap_or(false);
            if let Some(t) = c.aligned_checkpoint_timeout {
                checkpointing.aligned_timeout_ms = ms("aligned_checkpoint_timeout", t)?;
            }
            b.note(
                "checkpointing",
                &src,
                "mode, interval, timeout, min_pause, max_concurrent, tolerable_failed_checkpoints, unaligned_checkpoints, aligned_checkpoint_timeout",
            );
            b.guess(
                "checkpointing.num_retained",
                "not in Flink's REST API: 1 (Flink's default)",
            );
        }
        None => {
            checkpointing.interval_ms = Some(10_000);
            b.guess(
                "checkpointing",
                "no checkpoint configuration: Flink's defaults with a 10 s interval",
            );
        }
    }
    Ok(checkpointing)
}
