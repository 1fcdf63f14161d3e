//! `barrierscope-sim import --url http://HOST:8081 --job JOB_ID`: fetches the endpoints the
//! import reads over plain HTTP, with bounded timeouts, and hands the bodies to
//! [`super::import`] named by their URL (the vertex IDs in the URL say which vertex a body is
//! of).

use super::Input;
use std::time::{Duration, Instant};

/// Each request's limit, from connecting to the last byte of the body.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The whole import's limit (a slow server cannot hold it up for longer).
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(60);
/// Checkpoint details (and their subtask details) are fetched for at most this many of the
/// latest completed checkpoints.
pub const DETAILED_CHECKPOINTS: usize = 5;

/// The vertex metrics asked for (Flink answers `[]` to a request with one unknown name, so the
/// rates and counters are asked for separately from the buffer gauges).
pub(crate) const METRIC_GROUPS: &[&str] = &[
    "busyTimeMsPerSecond,backPressuredTimeMsPerSecond,numRecordsInPerSecond,numRecordsOutPerSecond,numBytesOutPerSecond,numBuffersOutPerSecond",
    "numRecordsIn,numRecordsOut,accumulateBusyTimeMs",
    "Shuffle.Netty.Input.Buffers.inputQueueLength,Shuffle.Netty.Input.Buffers.inPoolUsage",
];

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

/// GET `url`: `Ok(Some(body))` on 200, `Ok(None)` on another status (an endpoint the job does
/// not have, such as the checkpoint configuration of a job without checkpointing), `Err` when
/// the server cannot be reached.
fn get(agent: &ureq::Agent, started: Instant, url: &str) -> Result<Option<String>, String> {
    if started.elapsed() > TOTAL_TIMEOUT {
        return Err(format!(
            "gave up at {url}: the REST API took more than {} s in all",
            TOTAL_TIMEOUT.as_secs()
        ));
    }
    let mut response = agent
        .get(url)
        .call()
        .map_err(|e| format!("cannot fetch {url}: {e}"))?;
    if response.status() != 200 {
        return Ok(None);
    }
    let body = response
        .body_mut()
        .with_config()
        .limit(super::rest::MAX_BODY_BYTES as u64)
        .read_to_string()
        .map_err(|e| format!("cannot read {url}: {e}"))?;
    Ok(Some(body))
}

fn ids_of(text: &str, pointer: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    v.pointer(pointer)
        .and_then(|a| a.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.get("id").and_then(|i| i.as_str()).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Only IDs made of hex digits go into a URL (a hostile server cannot steer the requests).
fn is_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Fetches the job's endpoints. Endpoints that answer with an error status are left out (the
/// import then warns that they are missing); an unreachable server is an error.
pub fn fetch(base: &str, job: &str) -> Result<(Vec<Input>, Vec<String>), String> {
    let base = base.trim_end_matches('/');
    if !base.starts_with("http://") {
        return Err(format!(
            "--url {base}: only plain http:// is supported (Flink's REST endpoint, e.g. http://localhost:8081)"
        ));
    }
    if !is_id(job) {
        return Err(format!(
            "--job {job}: not a Flink job ID (32 hex digits, as GET /jobs lists them)"
        ));
    }
    let agent = agent();
    let started = Instant::now();
    let mut inputs = Vec::new();
    let mut warnings = Vec::new();
    let jp = format!("{base}/jobs/{job}");
    let mut take = |url: String, inputs: &mut Vec<Input>| -> Result<Option<String>, String> {
        let body = get(&agent, started, &url)?;
        match &body {
            Some(text) => inputs.push(Input {
                name: url,
                text: text.clone(),
            }),
            None => warnings.push(format!("{url}: not available")),
        }
        Ok(body)
    };
    let Some(job_text) = take(jp.clone(), &mut inputs)? else {
        return Err(format!("{jp}: no such job on {base}"));
    };
    let vertices: Vec<String> = ids_of(&job_text, "/vertices")
        .into_iter()
        .filter(|v| is_id(v))
        .take(crate::sim::scenario::MAX_SUBTASKS as usize)
        .collect();
    take(format!("{jp}/plan"), &mut inputs)?;
    take(format!("{jp}/checkpoints/config"), &mut inputs)?;
    if let Some(cps) = take(format!("{jp}/checkpoints"), &mut inputs)? {
        let v: serde_json::Value = serde_json::from_str(&cps).unwrap_or_default();
        let completed: Vec<u64> = v
            .get("history")
            .and_then(|h| h.as_array())
            .map(|h| {
                h.iter()
                    .filter(|e| e.get("status").and_then(|s| s.as_str()) == Some("COMPLETED"))
                    .filter_map(|e| e.get("id").and_then(|i| i.as_u64()))
                    .take(DETAILED_CHECKPOINTS)
                    .collect()
            })
            .unwrap_or_default();
        for cid in completed {
            // The checkpoint's own details carry its state per vertex (`tasks`): the history
            // in GET /jobs/:id/checkpoints leaves `tasks` empty.
            take(format!("{jp}/checkpoints/details/{cid}"), &mut inputs)?;
            for vid in &vertices {
                take(
                    format!("{jp}/checkpoints/details/{cid}/subtasks/{vid}"),
                    &mut inputs,
                )?;
            }
        }
    }
    for vid in &vertices {
        let mut entries: Vec<serde_json::Value> = Vec::new();
        for group in METRIC_GROUPS {
            let url =
                format!("{jp}/vertices/{vid}/subtasks/metrics?get={group}&agg=min,max,avg,sum");
            if let Some(text) = get(&agent, started, &url)? {
                if let Ok(serde_json::Value::Array(a)) = serde_json::from_str(&text) {
                    entries.extend(a);
                }
            }
        }
        if !entries.is_empty() {
            inputs.push(Input {
                name: format!("{jp}/vertices/{vid}/subtasks/metrics"),
                text: serde_json::Value::Array(entries).to_string(),
            });
        }
        take(format!("{jp}/vertices/{vid}/backpressure"), &mut inputs)?;
    }
    Ok((inputs, warnings))
}
