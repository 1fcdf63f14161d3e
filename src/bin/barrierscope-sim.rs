//! The native command-line runner: runs a scenario headless to its `duration_ms` and prints one
//! JSON report (Flink's REST names) to stdout. A bad file: exit 2 and one line on stderr.

use barrierscope::sim::Simulation;
use std::process::ExitCode;

const USAGE: &str = "usage: barrierscope-sim SCENARIO.json [--seed N] [--until-ms T] [--stats] | barrierscope-sim flink-compare CASE_DIR | barrierscope-sim flink-conformance DIR [--markdown]";

fn main() -> ExitCode {
    // A bug must not print a backtrace at the user: one line saying what to report.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("barrierscope-sim: internal error ({info}); please report it with the scenario file and its seed");
    }));
    match run(std::env::args().skip(1).collect()) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("barrierscope-sim: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<String, String> {
    match args.first().map(String::as_str) {
        Some("flink-compare") => return flink_compare(&args[1..]),
        Some("flink-conformance") => return flink_conformance(&args[1..]),
        _ => {}
    }
    let mut path = None;
    let mut seed = None;
    let mut until = None;
    let mut show_stats = false;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--help" => return Err(USAGE.into()),
            "--stats" => show_stats = true,
            "--seed" => {
                let v = it.next().ok_or("--seed needs a value")?;
                seed = Some(
                    v.parse::<u64>()
                        .map_err(|_| format!("--seed: `{v}` is not a whole number"))?,
                );
            }
            "--until-ms" => {
                let v = it.next().ok_or("--until-ms needs a value")?;
                until = Some(
                    v.parse::<u64>()
                        .map_err(|_| format!("--until-ms: `{v}` is not a whole number"))?,
                );
            }
            _ if path.is_none() && !a.starts_with("--") => path = Some(a),
            _ => return Err(format!("unexpected argument `{a}`; {USAGE}")),
        }
    }
    let path = path.ok_or(USAGE)?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: cannot read: {e}"))?;
    let mut scenario = barrierscope::sim::scenario::Scenario::from_json(&text)
        .map_err(|e| format!("{path}: {e}"))?;
    if let Some(s) = seed {
        scenario.seed = s;
    }
    let end = until
        .unwrap_or(scenario.duration_ms)
        .min(scenario.duration_ms);
    let mut sim = Simulation::new(scenario).map_err(|e| format!("{path}: {e}"))?;
    let started = std::time::Instant::now();
    sim.run_until(barrierscope::sim::ids::SimTime::from_ms(end));
    let wall = started.elapsed().as_secs_f64();
    if show_stats {
        // Figures for benchmarks, on stderr so that the report on stdout stays byte-identical.
        eprintln!(
            "{{\"wall_s\":{wall:.4},\"events\":{},\"records_moved\":{},\"records_per_wall_s\":{:.0}}}",
            sim.events_processed(),
            sim.records_moved(),
            sim.records_moved() as f64 / wall.max(1e-9)
        );
    }
    Ok(sim.report_json())
}

/// `flink-compare CASE_DIR`: one capture and the simulation, fact by fact.
fn flink_compare(args: &[String]) -> Result<String, String> {
    let [dir] = args else {
        return Err(USAGE.into());
    };
    let case = barrierscope::conformance::run_case(std::path::Path::new(dir))?;
    let mut out = format!(
        "{}: {}\n\n{}",
        case.name,
        case.description,
        barrierscope::conformance::side_by_side(&case.checks)
    );
    for k in &case.skipped {
        out.push_str(&format!("not reproduced on Flink: {k}\n"));
    }
    Ok(out)
}

/// `flink-conformance DIR [--markdown]`: every case under DIR.
fn flink_conformance(args: &[String]) -> Result<String, String> {
    let (dir, markdown) = match args {
        [dir] => (dir, false),
        [dir, flag] if flag == "--markdown" => (dir, true),
        _ => return Err(USAGE.into()),
    };
    let mut cases = Vec::new();
    for d in barrierscope::conformance::case_dirs(std::path::Path::new(dir))? {
        cases.push(barrierscope::conformance::run_case(&d)?);
    }
    if markdown {
        return Ok(barrierscope::conformance::markdown(&cases));
    }
    let mut out = String::new();
    for c in &cases {
        out.push_str(&format!(
            "== {} ==\n{}\n",
            c.name,
            barrierscope::conformance::side_by_side(&c.checks)
        ));
    }
    Ok(out)
}
