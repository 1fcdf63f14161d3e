//! What the job did, from `GET /jobs/:id` and the vertex metrics
//! (`GET /jobs/:id/vertices/:vid/subtasks/metrics`, or the reference harness's `vertices.json`):
//! the running time, the sources' rates, the per-record cost, the record size and the network
//! settings. The rules are in docs/import.md.

use super::rest::{Body, IoMetrics, JobBody, MetricEntry};
use super::shape::Vertex;
use super::{from, hex_ids, Builder, Parsed, MAX_DURATION_MS, MIN_DURATION_MS};
use crate::sim::scenario::NetworkSpec;
use crate::sim::sorted::{SortedMap, SortedSet};

/// A source backpressured more than this share of the time is taken as backpressured this much.
const MAX_BACKPRESSURED_SHARE: f64 = 0.9;

const METRICS_ENDPOINT: &str = "GET /jobs/:id/vertices/:vid/subtasks/metrics";

/// The vertex metrics by vertex ID: (file, entries).
pub(super) type Metrics = SortedMap<String, (String, Vec<MetricEntry>)>;

fn metric(entries: &[MetricEntry], id: &str) -> Option<f64> {
    let e = entries.iter().find(|e| e.id == id)?;
    e.avg
        // serde_json's number parser (the bundle carries it) rather than core's float parser.
        .or_else(|| e.value.as_deref().and_then(crate::ui::format::parse_number))
        .filter(|x| x.is_finite() && *x >= 0.0)
}

fn metric_sum(entries: &[MetricEntry], id: &str) -> Option<f64> {
    let e = entries.iter().find(|e| e.id == id)?;
    e.sum.filter(|x| x.is_finite() && *x >= 0.0)
}

/// The job's running time (`now - timestamps.RUNNING`, else its `duration`).
pub(super) fn running_ms(job: Option<(&str, &JobBody)>) -> Option<f64> {
    job.and_then(|(_, j)| {
        let running = j
            .timestamps
            .as_ref()
            .and_then(|t| t.get("RUNNING"))
            .copied();
        match (j.now, running) {
            (Some(now), Some(r)) if r > 0.0 && now > r => Some(now - r),
            _ => j.duration.filter(|d| d.is_finite() && *d > 0.0),
        }
    })
}

/// The scenario's `duration_ms`: the running time, within bounds, else 60 s.
pub(super) fn duration_ms(running_ms: Option<f64>, source: &str, b: &mut Builder) -> u64 {
    match running_ms {
        Some(ms) => {
            b.note(
                "duration_ms",
                source,
                format!(
                    "the job's running time (now - timestamps.RUNNING), within {MIN_DURATION_MS}..{MAX_DURATION_MS} ms"
                ),
            );
            (ms as u64).clamp(MIN_DURATION_MS, MAX_DURATION_MS)
        }
        None => {
            b.guess("duration_ms", "the job's running time is unknown: 60 s");
            60_000
        }
    }
}

/// The vertex metrics among `parsed`, matched to the vertices in `ids`.
pub(super) fn vertex_metrics(
    parsed: &[Parsed],
    ids: &SortedSet<String>,
    b: &mut Builder,
) -> Metrics {
    let mut metrics: Metrics = SortedMap::new();
    for p in parsed {
        match &p.body {
            Body::Metrics(m) if m.is_empty() => b.warnings.push(format!(
                "{}: an empty metrics answer (Flink answers [] when one of the names asked for is unknown); ignored",
                p.name
            )),
            Body::Metrics(m) => {
                match hex_ids(&p.name).into_iter().find(|h| ids.contains(h)) {
                    Some(id) => {
                        metrics.insert(id, (p.name.clone(), m.clone()));
                    }
                    None => b.warnings.push(format!(
                        "{}: vertex metrics, but the name does not say of which vertex (put its vertex ID in the file name); ignored",
                        p.name
                    )),
                }
            }
            Body::HarnessVertices(h) => {
                for v in h.at_end.vertices.values() {
                    let id = v.id.to_ascii_lowercase();
                    if ids.contains(&id) && !v.subtask_metrics.is_empty() {
                        metrics.insert(id, (p.name.clone(), v.subtask_metrics.clone()));
                    }
                }
            }
            _ => {}
        }
    }
    metrics
}

/// What is known of one vertex's work: its counters and metrics, and the time they span.
pub(super) struct Measured<'a> {
    /// The parallelism.
    p: f64,
    /// The vertex's running time, else the job's.
    run_ms: Option<f64>,
    io: IoMetrics,
    /// (file, entries)
    m: Option<&'a (String, Vec<MetricEntry>)>,
    /// The 60 s meters (`*PerSecond`) read count / 60 during a job's first minute.
    meter_fix: f64,
}

impl<'a> Measured<'a> {
    pub fn of(v: &Vertex, running_ms: Option<f64>, metrics: &'a Metrics) -> Self {
        let run_ms = v
            .duration_ms
            .filter(|d| *d > 0.0)
            .or(running_ms)
            .filter(|d| *d > 0.0);
        Measured {
            p: f64::from(v.parallelism),
            run_ms,
            io: v.io.clone().unwrap_or_default(),
            m: metrics.get(&v.id),
            meter_fix: run_ms.map_or(1.0, |ms| (60_000.0 / ms).max(1.0)),
        }
    }
}

/// A source's `records_per_sec` (per subtask, not rounded): what it emitted, divided by the
/// share of time it was not backpressured. Notes `field` (or guesses it) in `b`.
pub(super) fn source_rate(x: &Measured, job_ep: &str, field: &str, b: &mut Builder) -> Option<f64> {
    let (p, run_ms, io, m) = (x.p, x.run_ms, &x.io, x.m);
    let counted = match (io.write_records, io.write_records_complete, run_ms) {
        (Some(w), c, Some(ms)) if w > 0.0 && c != Some(false) => Some((
            w / p / (ms / 1000.0),
            job_ep.to_string(),
            "write-records / parallelism / running time",
        )),
        _ => None,
    };
    let measured = counted.or_else(|| {
        let (file, m) = m?;
        let r = metric_sum(m, "numRecordsOut")
            .zip(run_ms)
            .map(|(n, ms)| n / p / (ms / 1000.0))
            .filter(|r| *r > 0.0)
            .or_else(|| metric(m, "numRecordsOutPerSecond").map(|r| r * x.meter_fix))?;
        Some((
            r,
            from(file, METRICS_ENDPOINT),
            "numRecordsOut per subtask over the running time",
        ))
    });
    match measured {
        Some((rate, src, how)) if rate > 0.0 => {
            // A backpressured source emitted less than it would have: its rate is
            // what it emitted divided by the share of time it was not held back.
            let bp = match (io.backpressured_ms, run_ms) {
                (Some(b), Some(ms)) if b > 0.0 => Some(b / (p * ms)),
                _ => m
                    .and_then(|(_, m)| metric(m, "backPressuredTimeMsPerSecond"))
                    .map(|x| x / 1000.0),
            }
            .map(|x| x.clamp(0.0, MAX_BACKPRESSURED_SHARE))
            .unwrap_or(0.0);
            let asked = (rate / (1.0 - bp)).clamp(0.001, 1_000_000.0);
            b.note(
                field,
                &src,
                if bp > 0.05 {
                    format!(
                        "{how}, divided by 1 - {:.2} (the share of time backpressured: what it would emit unhindered)",
                        bp
                    )
                } else {
                    how.to_string()
                },
            );
            Some(asked)
        }
        _ => {
            b.guess(
                field,
                "no record counts (Flink's counters were incomplete or missing): 100 records/s per subtask",
            );
            None
        }
    }
}

/// A non-source's `process_ms` (not rounded, at most 60 s): busy time / records read, both
/// summed over the subtasks. Notes `field` (or guesses it) in `b`.
pub(super) fn process_ms(x: &Measured, job_ep: &str, field: &str, b: &mut Builder) -> Option<f64> {
    let (io, m) = (&x.io, x.m);
    let counted = match (io.busy_ms, io.read_records, io.read_records_complete) {
        (Some(busy), Some(n), c) if n > 0.0 && busy > 0.0 && c != Some(false) => Some((
            busy / n,
            job_ep.to_string(),
            "accumulated-busy-time / read-records",
        )),
        _ => None,
    };
    let measured = counted.or_else(|| {
        let (file, m) = m?;
        let src = from(file, METRICS_ENDPOINT);
        if let (Some(busy), Some(n)) = (
            metric_sum(m, "accumulateBusyTimeMs"),
            metric_sum(m, "numRecordsIn"),
        ) {
            if n > 0.0 && busy > 0.0 {
                return Some((busy / n, src, "accumulateBusyTimeMs / numRecordsIn"));
            }
        }
        let busy = metric(m, "busyTimeMsPerSecond")?;
        let rate = metric(m, "numRecordsInPerSecond")? * x.meter_fix;
        (rate > 0.0 && busy > 0.0).then(|| {
            (
                busy / rate,
                src,
                "busyTimeMsPerSecond / numRecordsInPerSecond per subtask",
            )
        })
    });
    match measured {
        Some((ms, src, how)) => {
            b.note(field, &src, how);
            Some(ms.min(60_000.0))
        }
        None => {
            b.guess(field, "no busy time with records read: 0.1 ms per record");
            None
        }
    }
}

/// The network settings: the record size from the byte counts, the segment size from a
/// backpressured producer's buffers, local or remote channels from the input buffers.
pub(super) fn network(
    vertices: &[Vertex],
    metrics: &Metrics,
    job_ep: &str,
    b: &mut Builder,
) -> NetworkSpec {
    let mut network = NetworkSpec::default();
    let bytes_records = vertices
        .iter()
        .filter_map(|v| {
            let io = v.io.as_ref()?;
            Some((io.write_bytes?, io.write_records?))
        })
        .filter(|(b, r)| *b > 0.0 && *r > 0.0)
        .fold((0.0, 0.0), |acc, (b, r)| (acc.0 + b, acc.1 + r));
    if bytes_records.1 > 0.0 {
        network.record_bytes =
            ((bytes_records.0 / bytes_records.1).round() as u64).clamp(1, 1 << 30);
        b.note(
            "network.record_bytes",
            job_ep,
            "write-bytes / write-records over every vertex",
        );
    } else {
        b.guess(
            "network.record_bytes",
            "no byte counts: 1024 bytes per record",
        );
    }
    // The segment size: a backpressured producer sends full buffers.
    let full_buffer = vertices.iter().find_map(|v| {
        let (file, m) = metrics.get(&v.id)?;
        let bp = metric(m, "backPressuredTimeMsPerSecond")?;
        let bytes = metric(m, "numBytesOutPerSecond")?;
        let buffers = metric(m, "numBuffersOutPerSecond")?;
        (bp > 200.0 && buffers > 0.0 && bytes > 0.0).then(|| (file.clone(), bytes / buffers))
    });
    match full_buffer {
        Some((file, size)) => {
            network.segment_size = (size.ceil() as u64)
                .next_power_of_two()
                .clamp(4096, 1 << 24);
            b.note(
                "network.segment_size",
                &from(&file, METRICS_ENDPOINT),
                "a backpressured producer's numBytesOutPerSecond / numBuffersOutPerSecond (full buffers), up to a power of two",
            );
        }
        None => b.guess(
            "network.segment_size",
            "taskmanager.memory.segment-size is not in the job's REST API: Flink's default 32 KiB",
        ),
    }
    // Local channels: a consumer with a queue but no input buffers in use reads its
    // producers' subpartitions directly (one TaskManager).
    let local = vertices.iter().find_map(|v| {
        if v.inputs.is_empty() {
            return None;
        }
        let (file, m) = metrics.get(&v.id)?;
        let queue = metric(m, "Shuffle.Netty.Input.Buffers.inputQueueLength")?;
        let pool = metric(m, "Shuffle.Netty.Input.Buffers.inPoolUsage")?;
        (queue > 0.0).then(|| (file.clone(), pool == 0.0))
    });
    match local {
        Some((file, l)) => {
            network.local_channels = l;
            b.note(
                "network.local_channels",
                &from(&file, METRICS_ENDPOINT),
                "input queues with data but no input buffers in use: local channels (one TaskManager)",
            );
        }
        None => b.guess(
            "network.local_channels",
            "no input-buffer metrics: remote channels (Flink's network stack between TaskManagers)",
        ),
    }
    b.guess(
        "network.buffer_timeout_ms",
        "execution.buffer-timeout is not in the job's REST API: Flink's default 100 ms",
    );
    network
}
