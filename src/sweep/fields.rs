//! The What-if panel's eight settings, set directly on a parsed [`Scenario`]: the same scenario
//! as the sweep's `--set PATH=VALUE` of these paths gives through the file's JSON
//! ([`super::set::apply`]; tested against it), checked by the same `Scenario::validate`, without
//! a JSON round trip (so the browser bundle carries neither the `--set` paths nor a JSON value
//! editor). Values are read as the sweep reads them: `true` / `false`, Flink durations (`30 s`,
//! `5 min`, a number of ms), `null` for no interval.

use super::set::{parse_duration_ms, KILL_EVERY};
use crate::sim::scenario::{Fault, FaultSpec, Scenario};

/// The settings, by the sweep's `--set` path, in the panel's column order.
pub const PATHS: [&str; 8] = [
    "checkpointing.unaligned",
    "checkpointing.aligned_timeout_ms",
    "checkpointing.interval_ms",
    "checkpointing.timeout_ms",
    "checkpointing.max_concurrent",
    "checkpointing.min_pause_ms",
    "network.buffer_debloat.enabled",
    KILL_EVERY,
];

/// A variant as the panel runs it: the scenario with its settings written in, and the period of
/// the task failures it adds (0: none).
#[derive(Debug, Clone, PartialEq)]
pub struct PanelVariant {
    pub scenario: Scenario,
    pub kill_every_ms: u64,
}

fn boolean(v: &str) -> Result<bool, String> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("`{v}` is not true or false")),
    }
}

fn ms(v: &str) -> Result<u64, String> {
    parse_duration_ms(v).ok_or_else(|| {
        format!("`{v}` is not a duration (a number of ms, or e.g. 30000 ms, 30 s, 5 min, 1 h)")
    })
}

/// `values[k]` is the text of [`PATHS`]`[k]` ("" or missing: as the file has it). `base` is a
/// valid scenario; the kills of a failure period go up to `until_ms` (never past its end).
/// Errors name the `--set`s, then the field and the reason, as the sweep's.
pub fn apply(
    base: &Scenario,
    values: &[String],
    until_ms: Option<u64>,
) -> Result<PanelVariant, String> {
    let mut s = base.clone();
    let mut kill_every_ms = 0;
    let mut named = String::new();
    for (k, v) in values.iter().enumerate().take(PATHS.len()) {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        if v.contains(',') {
            return Err("one value per setting (a comma made several)".into());
        }
        let set = format!("--set {}={v}", PATHS[k]);
        let c = &mut s.checkpointing;
        let done = match k {
            0 => boolean(v).map(|b| c.unaligned = b),
            1 => ms(v).map(|x| c.aligned_timeout_ms = x),
            2 if v == "null" => {
                c.interval_ms = None;
                Ok(())
            }
            2 => ms(v).map(|x| c.interval_ms = Some(x)),
            3 => ms(v).map(|x| c.timeout_ms = x),
            4 => v
                .parse()
                .map(|x| c.max_concurrent = x)
                .map_err(|_| format!("`{v}` is not a whole number")),
            5 => ms(v).map(|x| c.min_pause_ms = x),
            6 => boolean(v).map(|b| s.network.buffer_debloat.enabled = b),
            _ if v == "null" => Ok(()),
            _ => ms(v).map(|x| kill_every_ms = x),
        };
        done.map_err(|e| format!("{set}: {e}"))?;
        if !named.is_empty() {
            named.push(' ');
        }
        named += &set;
    }
    if kill_every_ms > 0 {
        let end = until_ms.unwrap_or(s.duration_ms).min(s.duration_ms);
        let tasks: Vec<String> = s
            .job
            .operators
            .iter()
            .flat_map(|o| (0..o.parallelism.min(1 << 15)).map(move |i| format!("{}#{i}", o.name)))
            .collect();
        let mut at = kill_every_ms;
        let mut k = 0;
        while at <= end && !tasks.is_empty() {
            let task = tasks[k % tasks.len()].clone();
            s.faults.push(FaultSpec::new(at, Fault::Kill { task }));
            k += 1;
            at = at.saturating_add(kill_every_ms);
            if k > 1_000_000 {
                return Err(format!("{named}: {KILL_EVERY}: {kill_every_ms} ms gives more than a million kills; take a longer period"));
            }
        }
    }
    s.validate().map_err(|e| format!("{named}: {e}"))?;
    Ok(PanelVariant {
        scenario: s,
        kill_every_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::{prepare, SweepOptions};

    const BACKPRESSURE: &str = include_str!("../../static/scenarios/backpressure-aligned.json");
    const CRASH: &str = include_str!("../../static/scenarios/task-crash.json");

    fn values(pairs: &[(usize, &str)]) -> Vec<String> {
        let mut v = vec![String::new(); PATHS.len()];
        for (k, x) in pairs {
            v[*k] = x.to_string();
        }
        v
    }

    /// The sweep's variant for the same settings, through the file's JSON.
    fn swept(file: &str, pairs: &[(usize, &str)], until_ms: Option<u64>) -> Scenario {
        let sets: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={v}", PATHS[*k]))
            .collect();
        let options = SweepOptions { seeds: 1, until_ms };
        prepare(file, &sets, options).unwrap().remove(0).scenario
    }

    #[test]
    fn every_setting_gives_the_scenario_the_sweeps_set_gives() {
        let cases: &[&[(usize, &str)]] = &[
            &[],
            &[(0, "true")],
            &[(0, "true"), (1, "30 s")],
            &[(2, "2000 ms"), (3, "1 min"), (5, "500")],
            &[(2, "null")],
            &[(4, "2")],
            &[(6, "true")],
            &[(7, "5 min")],
            &[(7, "1 s"), (2, "5 s")],
            &[(7, "0")],
        ];
        for file in [BACKPRESSURE, CRASH] {
            let base = Scenario::from_json(file).unwrap();
            for c in cases {
                for until in [None, Some(4000)] {
                    let got = apply(&base, &values(c), until).unwrap();
                    assert_eq!(got.scenario, swept(file, c, until), "{c:?} {until:?}");
                }
            }
        }
    }

    #[test]
    fn a_bad_value_or_combination_names_the_sets_and_the_field() {
        let base = Scenario::from_json(BACKPRESSURE).unwrap();
        let e = apply(&base, &values(&[(2, "soon")]), None).unwrap_err();
        assert_eq!(e, "--set checkpointing.interval_ms=soon: `soon` is not a duration (a number of ms, or e.g. 30000 ms, 30 s, 5 min, 1 h)");
        let e = apply(&base, &values(&[(0, "true"), (4, "3")]), None).unwrap_err();
        assert_eq!(e, "--set checkpointing.unaligned=true --set checkpointing.max_concurrent=3: checkpointing.unaligned: unaligned checkpoints are not supported with max_concurrent > 1");
        let e = apply(&base, &values(&[(6, "yes")]), None).unwrap_err();
        assert_eq!(
            e,
            "--set network.buffer_debloat.enabled=yes: `yes` is not true or false"
        );
    }

    #[test]
    fn a_failure_period_is_kept_for_the_answers() {
        let base = Scenario::from_json(CRASH).unwrap();
        let v = apply(&base, &values(&[(7, "2 s")]), None).unwrap();
        assert_eq!(v.kill_every_ms, 2000);
        assert!(v.scenario.faults.len() > base.faults.len());
    }
}
