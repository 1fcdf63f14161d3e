//! `--set KEY=V1,V2,...`: a setting of the scenario by its path (`checkpointing.unaligned`,
//! `job.operators[1].process_ms`, `job.operators.counter.process_ms`) or by Flink's option key
//! (`execution.checkpointing.unaligned.enabled`), with the values to try. A variant is the
//! scenario file as a `serde_json::Value` with each setting written at its path, then parsed and
//! validated by [`Scenario::from_json`], so that every rejection names the field and the reason
//! exactly as for a file.

use crate::sim::scenario::{Scenario, ScenarioError};
use serde_json::{Map, Value};

/// How a setting's values are read besides plain JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// JSON (`true`, `30000`, `"EXACTLY_ONCE"`, `null`), or a bare word taken as a string.
    Plain,
    /// Milliseconds: a number, or a Flink duration such as `30 s`, `30000 ms`, `5 min`.
    Duration,
    /// Bytes: a number, or a Flink memory size such as `32 kb`, `1 mb`.
    Bytes,
}

/// Flink's option keys and the scenario field each one sets.
pub const FLINK_KEYS: &[(&str, &str, ValueKind)] = &[
    (
        "execution.checkpointing.interval",
        "checkpointing.interval_ms",
        ValueKind::Duration,
    ),
    (
        "execution.checkpointing.mode",
        "checkpointing.mode",
        ValueKind::Plain,
    ),
    (
        "execution.checkpointing.timeout",
        "checkpointing.timeout_ms",
        ValueKind::Duration,
    ),
    (
        "execution.checkpointing.min-pause",
        "checkpointing.min_pause_ms",
        ValueKind::Duration,
    ),
    (
        "execution.checkpointing.max-concurrent-checkpoints",
        "checkpointing.max_concurrent",
        ValueKind::Plain,
    ),
    (
        "execution.checkpointing.tolerable-failed-checkpoints",
        "checkpointing.tolerable_failed",
        ValueKind::Plain,
    ),
    (
        "execution.checkpointing.unaligned.enabled",
        "checkpointing.unaligned",
        ValueKind::Plain,
    ),
    (
        "execution.checkpointing.unaligned",
        "checkpointing.unaligned",
        ValueKind::Plain,
    ),
    (
        "execution.checkpointing.aligned-checkpoint-timeout",
        "checkpointing.aligned_timeout_ms",
        ValueKind::Duration,
    ),
    (
        "execution.checkpointing.num-retained",
        "checkpointing.num_retained",
        ValueKind::Plain,
    ),
    (
        "state.checkpoints.num-retained",
        "checkpointing.num_retained",
        ValueKind::Plain,
    ),
    (
        "taskmanager.network.memory.buffer-debloat.enabled",
        "network.buffer_debloat.enabled",
        ValueKind::Plain,
    ),
    (
        "taskmanager.network.memory.buffer-debloat.target",
        "network.buffer_debloat.target_ms",
        ValueKind::Duration,
    ),
    (
        "taskmanager.network.memory.buffer-debloat.period",
        "network.buffer_debloat.period_ms",
        ValueKind::Duration,
    ),
    (
        "taskmanager.network.memory.buffer-debloat.samples",
        "network.buffer_debloat.samples",
        ValueKind::Plain,
    ),
    (
        "taskmanager.network.memory.buffer-debloat.threshold-percentages",
        "network.buffer_debloat.threshold_percentages",
        ValueKind::Plain,
    ),
    (
        "taskmanager.memory.segment-size",
        "network.segment_size",
        ValueKind::Bytes,
    ),
    (
        "execution.buffer-timeout.interval",
        "network.buffer_timeout_ms",
        ValueKind::Duration,
    ),
    (
        "execution.buffer-timeout.enabled",
        "network.buffer_timeout_enabled",
        ValueKind::Plain,
    ),
    (
        "restart-strategy.exponential-delay.initial-backoff",
        "restart_delay_ms",
        ValueKind::Duration,
    ),
];

/// Not a scenario field: a task failure every N ms, `kill` faults added to the scenario's own
/// (at N, 2N, ... up to the end of the run, each on the next subtask in subtask order).
pub const KILL_EVERY: &str = "faults.kill_every_ms";

/// One `--set`: the key as given, the scenario path it sets, and the values to try.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// As the user wrote it (the column's name).
    pub key: String,
    /// The scenario path (`checkpointing.unaligned`), or [`KILL_EVERY`].
    pub path: String,
    /// The values, as JSON, in the order given.
    pub values: Vec<Value>,
    /// The values as the user wrote them (the table shows these).
    pub labels: Vec<String>,
}

impl Setting {
    /// Parses `KEY=V1,V2,...`. Commas inside `[...]`, `{...}` or `"..."` do not split.
    pub fn parse(arg: &str) -> Result<Setting, String> {
        let Some((key, values)) = arg.split_once('=') else {
            return Err(format!(
                "--set {arg}: expected KEY=VALUE[,VALUE...], e.g. checkpointing.unaligned=false,true"
            ));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(format!(
                "--set {arg}: the setting's name is missing before `=`"
            ));
        }
        let (path, kind) = resolve_key(key);
        let labels: Vec<String> = split_values(values)
            .into_iter()
            .map(|v| v.trim().to_string())
            .collect();
        if labels.iter().any(|v| v.is_empty()) {
            return Err(format!(
                "--set {arg}: an empty value (give values separated by commas, e.g. {key}=1000,5000)"
            ));
        }
        let mut parsed = Vec::with_capacity(labels.len());
        for l in &labels {
            parsed.push(parse_value(l, kind).map_err(|e| format!("--set {key}={l}: {e}"))?);
        }
        Ok(Setting {
            key: key.to_string(),
            path,
            values: parsed,
            labels,
        })
    }
}

/// The scenario path of a key (a Flink option key or a path) and how its values are read.
pub fn resolve_key(key: &str) -> (String, ValueKind) {
    if let Some((_, path, kind)) = FLINK_KEYS.iter().find(|(k, _, _)| *k == key) {
        return (path.to_string(), *kind);
    }
    let last = key.rsplit('.').next().unwrap_or(key);
    let kind = if last.ends_with("_ms") || key == KILL_EVERY {
        ValueKind::Duration
    } else if last.starts_with("segment_size") {
        ValueKind::Bytes
    } else {
        ValueKind::Plain
    };
    (key.to_string(), kind)
}

fn split_values(s: &str) -> Vec<&str> {
    let (mut out, mut depth, mut quoted, mut start) = (Vec::new(), 0i32, false, 0);
    let bytes = s.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' if i == 0 || bytes[i - 1] != b'\\' => quoted = !quoted,
            b'[' | b'{' if !quoted => depth += 1,
            b']' | b'}' if !quoted => depth -= 1,
            b',' if !quoted && depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// One value: JSON if it parses, a duration or a size where the setting takes one, or else a
/// bare word as a string (`AT_LEAST_ONCE`).
pub fn parse_value(s: &str, kind: ValueKind) -> Result<Value, String> {
    let json = serde_json::from_str::<Value>(s).ok();
    match kind {
        ValueKind::Plain => Ok(json.unwrap_or_else(|| Value::String(s.to_string()))),
        ValueKind::Duration => match json {
            Some(v @ (Value::Number(_) | Value::Null)) => Ok(v),
            _ => parse_duration_ms(s).map(Value::from).ok_or_else(|| {
                format!(
                    "`{s}` is not a duration (a number of ms, or e.g. 30000 ms, 30 s, 5 min, 1 h)"
                )
            }),
        },
        ValueKind::Bytes => match json {
            Some(v @ Value::Number(_)) => Ok(v),
            _ => parse_bytes(s).map(Value::from).ok_or_else(|| {
                format!("`{s}` is not a memory size (a number of bytes, or e.g. 32 kb, 1 mb)")
            }),
        },
    }
}

fn number_and_unit(s: &str) -> Option<(u64, String)> {
    let s = s.trim();
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n = s[..digits].parse::<u64>().ok()?;
    Some((n, s[digits..].trim().to_ascii_lowercase()))
}

/// A Flink duration (`TimeUtils.parseDuration`: a whole number and a unit) in ms.
pub fn parse_duration_ms(s: &str) -> Option<u64> {
    let (n, unit) = number_and_unit(s)?;
    let factor = match unit.as_str() {
        "" | "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => 1,
        "s" | "sec" | "secs" | "second" | "seconds" => 1000,
        "m" | "min" | "minute" | "minutes" => 60_000,
        "h" | "hour" | "hours" => 3_600_000,
        "d" | "day" | "days" => 86_400_000,
        _ => return None,
    };
    n.checked_mul(factor)
}

/// A Flink memory size (`MemorySize.parse`: binary units) in bytes.
pub fn parse_bytes(s: &str) -> Option<u64> {
    let (n, unit) = number_and_unit(s)?;
    let factor: u64 = match unit.as_str() {
        "" | "b" | "bytes" => 1,
        "k" | "kb" | "kibibytes" => 1 << 10,
        "m" | "mb" | "mebibytes" => 1 << 20,
        "g" | "gb" | "gibibytes" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(factor)
}

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

fn parse_path(path: &str) -> Result<Vec<Seg>, String> {
    let mut segs = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() && (segs.is_empty() || rest.is_empty()) {
            return Err(format!("`{path}` is not a field path (e.g. checkpointing.interval_ms, job.operators[1].process_ms)"));
        }
        if !name.is_empty() {
            segs.push(Seg::Key(name.to_string()));
        }
        while !rest.is_empty() {
            let close = rest
                .find(']')
                .ok_or_else(|| format!("`{path}`: a `[` without `]`"))?;
            let index = rest[1..close].trim().parse::<usize>().map_err(|_| {
                format!(
                    "`{path}`: `{}` is not an index (a whole number from 0)",
                    &rest[1..close]
                )
            })?;
            segs.push(Seg::Index(index));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return Err(format!("`{path}`: unexpected `{rest}` after `]`"));
            }
        }
    }
    Ok(segs)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Where in a list a segment points: an index, or the element whose `name` is the key.
fn list_index(list: &[Value], seg: &Seg, at: &str) -> Result<usize, String> {
    match seg {
        Seg::Index(i) if *i < list.len() => Ok(*i),
        Seg::Index(i) => Err(format!(
            "{at}[{i}]: no such element ({at} has {} element{})",
            list.len(),
            if list.len() == 1 { "" } else { "s" }
        )),
        Seg::Key(name) => {
            let named = |v: &Value| v.get("name").and_then(Value::as_str) == Some(name);
            list.iter().position(named).ok_or_else(|| {
                let names: Vec<&str> = list
                    .iter()
                    .filter_map(|v| v.get("name").and_then(Value::as_str))
                    .collect();
                if names.is_empty() {
                    format!("{at}: `{name}`: a list is indexed by position, e.g. {at}[0]")
                } else {
                    format!(
                        "{at}: no element named `{name}` (there are {})",
                        names.join(", ")
                    )
                }
            })
        }
    }
}

/// Writes `value` at `path` in `root`. Missing objects on the way are created (a file may
/// leave `network` out); what the path names must otherwise exist.
pub fn set_path(root: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let segs = parse_path(path)?;
    let mut at = String::new();
    let mut cur = root;
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        if cur.is_null() && matches!(seg, Seg::Key(_)) && !at.is_empty() {
            *cur = Value::Object(Map::new());
        }
        cur = match cur {
            Value::Object(map) => {
                let Seg::Key(k) = seg else {
                    return Err(format!(
                        "{at} is an object, not a list: name a field, not an index"
                    ));
                };
                if !at.is_empty() {
                    at.push('.');
                }
                at.push_str(k);
                if last {
                    map.insert(k.clone(), value);
                    return Ok(());
                }
                map.entry(k.clone())
                    .or_insert_with(|| Value::Object(Map::new()))
            }
            Value::Array(list) => {
                let idx = list_index(list, seg, &at)?;
                at.push_str(&format!("[{idx}]"));
                if last {
                    list[idx] = value;
                    return Ok(());
                }
                &mut list[idx]
            }
            other => {
                return Err(format!(
                    "{at} is {}, so it has no field `{}`",
                    type_name(other),
                    match seg {
                        Seg::Key(k) => k.clone(),
                        Seg::Index(i) => format!("[{i}]"),
                    }
                ))
            }
        };
    }
    Ok(())
}

/// The `kill` faults of `faults.kill_every_ms = every`: one at every multiple of `every` up to
/// `end_ms`, cycling through the job's subtasks in order (`source#0`, `source#1`, ...).
pub fn add_kill_every(root: &mut Value, every: &Value, end_ms: u64) -> Result<(), String> {
    let every = match every {
        Value::Null => return Ok(()),
        v => v.as_u64().ok_or_else(|| {
            format!("{KILL_EVERY}: must be a whole number of ms (0 or null adds no fault)")
        })?,
    };
    if every == 0 {
        return Ok(());
    }
    let mut tasks = Vec::new();
    for op in root
        .pointer("/job/operators")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = op.get("name").and_then(Value::as_str).unwrap_or_default();
        let p = op.get("parallelism").and_then(Value::as_u64).unwrap_or(1);
        tasks.extend((0..p.min(1 << 15)).map(|i| format!("{name}#{i}")));
    }
    if tasks.is_empty() {
        return Ok(());
    }
    let map = root
        .as_object_mut()
        .ok_or("the scenario is not a JSON object")?;
    let faults = map
        .entry("faults")
        .or_insert_with(|| Value::Array(Vec::new()));
    let list = faults
        .as_array_mut()
        .ok_or("faults: must be a list to add kills to")?;
    let mut at = every;
    let mut k = 0;
    while at <= end_ms {
        list.push(serde_json::json!({"at_ms": at, "kind": "kill", "task": tasks[k % tasks.len()]}));
        k += 1;
        at = at.saturating_add(every);
        if k > 1_000_000 {
            return Err(format!(
                "{KILL_EVERY}: {every} ms gives more than a million kills; take a longer period"
            ));
        }
    }
    Ok(())
}

/// A scenario error as the rest of the message after the `--set`s that caused it: a JSON
/// error's line and column refer to the edited text, not the user's file, so they are left out.
pub fn scenario_error(e: &ScenarioError) -> String {
    match e {
        ScenarioError::Json { message, .. } => message.clone(),
        ScenarioError::Invalid { field, reason } => format!("{field}: {reason}"),
    }
}

/// Applies `(setting, value index)` pairs to the file's JSON and validates the result.
pub fn apply(
    base: &Value,
    choice: &[(&Setting, usize)],
    end_ms: impl Fn(&Value) -> u64,
) -> Result<Scenario, String> {
    let named = || {
        choice
            .iter()
            .map(|(s, i)| format!("--set {}={}", s.key, s.labels[*i]))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut v = base.clone();
    let mut kill = None;
    for (s, i) in choice {
        if s.path == KILL_EVERY {
            kill = Some(&s.values[*i]);
            continue;
        }
        set_path(&mut v, &s.path, s.values[*i].clone())
            .map_err(|e| format!("--set {}={}: {e}", s.key, s.labels[*i]))?;
    }
    if let Some(every) = kill {
        let end = end_ms(&v);
        add_kill_every(&mut v, every, end).map_err(|e| format!("{}: {e}", named()))?;
    }
    let text = serde_json::to_string(&v).map_err(|e| e.to_string())?;
    Scenario::from_json(&text).map_err(|e| format!("{}: {}", named(), scenario_error(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flink_key_alias_resolves_to_the_scenario_path() {
        let s = Setting::parse("execution.checkpointing.unaligned.enabled=false,true").unwrap();
        assert_eq!(s.path, "checkpointing.unaligned");
        assert_eq!(s.values, vec![json!(false), json!(true)]);
        assert_eq!(s.key, "execution.checkpointing.unaligned.enabled");
    }

    #[test]
    fn flink_durations_and_sizes_are_read_as_ms_and_bytes() {
        let s = Setting::parse(
            "execution.checkpointing.aligned-checkpoint-timeout=0,30 s,30000 ms,1min",
        )
        .unwrap();
        assert_eq!(
            s.values,
            vec![json!(0), json!(30000), json!(30000), json!(60000)]
        );
        let s = Setting::parse("taskmanager.memory.segment-size=4 kb,32768,1mb").unwrap();
        assert_eq!(s.values, vec![json!(4096), json!(32768), json!(1 << 20)]);
        let s = Setting::parse("checkpointing.interval_ms=5 s,null").unwrap();
        assert_eq!(s.values, vec![json!(5000), Value::Null]);
        let e = Setting::parse("execution.checkpointing.interval=fast").unwrap_err();
        assert!(e.contains("`fast` is not a duration"), "{e}");
    }

    #[test]
    fn bare_words_are_strings_and_commas_inside_json_do_not_split() {
        let s = Setting::parse("checkpointing.mode=EXACTLY_ONCE,AT_LEAST_ONCE").unwrap();
        assert_eq!(
            s.values,
            vec![json!("EXACTLY_ONCE"), json!("AT_LEAST_ONCE")]
        );
        let s = Setting::parse(r#"network.buffer_debloat={"enabled":true,"target_ms":500},{}"#)
            .unwrap();
        assert_eq!(s.values.len(), 2);
    }

    #[test]
    fn a_set_without_equals_or_with_an_empty_value_is_rejected() {
        assert!(Setting::parse("checkpointing.unaligned")
            .unwrap_err()
            .contains("KEY=VALUE"));
        assert!(Setting::parse("checkpointing.unaligned=true,")
            .unwrap_err()
            .contains("empty value"));
        assert!(Setting::parse("=1")
            .unwrap_err()
            .contains("name is missing"));
    }

    #[test]
    fn set_path_creates_missing_objects_and_finds_operators_by_name() {
        let mut v = json!({"job": {"operators": [{"name": "src"}, {"name": "counter"}]}});
        set_path(&mut v, "network.buffer_debloat.enabled", json!(true)).unwrap();
        assert_eq!(v["network"]["buffer_debloat"]["enabled"], json!(true));
        set_path(&mut v, "job.operators.counter.process_ms", json!(2)).unwrap();
        set_path(&mut v, "job.operators[0].parallelism", json!(4)).unwrap();
        assert_eq!(v["job"]["operators"][1]["process_ms"], json!(2));
        assert_eq!(v["job"]["operators"][0]["parallelism"], json!(4));
    }

    #[test]
    fn set_path_names_what_is_wrong_with_a_bad_path() {
        let mut v = json!({"duration_ms": 5, "job": {"operators": [{"name": "src"}]}});
        let e = set_path(&mut v, "job.operators.countr.process_ms", json!(1)).unwrap_err();
        assert_eq!(
            e,
            "job.operators: no element named `countr` (there are src)"
        );
        let e = set_path(&mut v, "job.operators[3].process_ms", json!(1)).unwrap_err();
        assert_eq!(
            e,
            "job.operators[3]: no such element (job.operators has 1 element)"
        );
        let e = set_path(&mut v, "duration_ms.x", json!(1)).unwrap_err();
        assert_eq!(e, "duration_ms is a number, so it has no field `x`");
        let e = set_path(&mut v, "job.operators[x]", json!(1)).unwrap_err();
        assert!(e.contains("`x` is not an index"), "{e}");
    }

    #[test]
    fn kill_every_adds_kills_up_to_the_end_cycling_through_subtasks() {
        let mut v = json!({"job": {"operators": [{"name": "a", "parallelism": 2}, {"name": "b"}]}});
        add_kill_every(&mut v, &json!(100), 350).unwrap();
        let tasks: Vec<&str> = v["faults"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["task"].as_str().unwrap())
            .collect();
        assert_eq!(tasks, vec!["a#0", "a#1", "b#0"]);
        assert_eq!(v["faults"][2]["at_ms"], json!(300));
    }
}
