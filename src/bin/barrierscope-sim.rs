//! The native command-line runner. `run` (the default: `barrierscope-sim SCENARIO.json` is
//! `barrierscope-sim run SCENARIO.json`) runs a scenario headless to its `duration_ms` and prints
//! one JSON report (Flink's REST names) to stdout; `flink-compare` and `flink-conformance` set the
//! simulation beside captures of a real Flink. Arguments are parsed with clap; every error is one
//! line on stderr and exit status 2. `sweep` runs variants of a scenario side by side
//! (src/sweep/, native only). New subcommands (`import`) go into [`Command`].

use barrierscope::headless::{HeadlessRun, RunCounts, RunOptions};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: barrierscope-sim SCENARIO.json [--seed N] [--until-ms T] [--stats] | barrierscope-sim sweep SCENARIO.json --set KEY=V1,V2 [--set ...] [--seeds N] [--until-ms T] [--format table|json|csv] | barrierscope-sim import FILE... [-o FILE] | barrierscope-sim import --url http://HOST:8081 --job JOB_ID [-o FILE] | barrierscope-sim flink-compare CASE_DIR | barrierscope-sim flink-conformance DIR [--markdown]";

/// Apache Flink's checkpointing, simulated: run a scenario headless, or compare the simulation
/// with a real Flink.
#[derive(Debug, Parser)]
#[command(name = "barrierscope-sim", version, after_help = USAGE)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario to its duration_ms and print its checkpoint report (JSON) on stdout
    /// (the default: `barrierscope-sim SCENARIO.json` is `barrierscope-sim run SCENARIO.json`)
    Run(RunArgs),
    /// What if: run every combination of --set values (each with N seeds) on every core and
    /// print one row per variant (docs/what-if.md)
    #[cfg(not(target_arch = "wasm32"))]
    Sweep(SweepArgs),
    /// Import a Flink job from its REST bodies (saved files, or fetched with --url and --job)
    /// and print a scenario calibrated to it (docs/import.md)
    Import(ImportArgs),
    /// One real-Flink capture and the simulation, fact by fact
    FlinkCompare {
        /// A case directory: scenario.json and flink/ (the REST bodies of a real run)
        case_dir: PathBuf,
    },
    /// Every case under DIR, side by side
    FlinkConformance {
        /// A directory of case directories (tests/flink)
        dir: PathBuf,
        /// Print docs/flink-conformance.md instead
        #[arg(long)]
        markdown: bool,
    },
}

#[derive(Debug, Args)]
struct RunArgs {
    /// The scenario file (docs/scenario-format.md)
    scenario: PathBuf,
    /// Replace the scenario's seed
    #[arg(long, value_name = "N", value_parser = whole_number, allow_hyphen_values = true)]
    seed: Option<u64>,
    /// Stop at this simulated time, in ms (never past duration_ms)
    #[arg(long, value_name = "T", value_parser = whole_number, allow_hyphen_values = true)]
    until_ms: Option<u64>,
    /// Print wall time, events and records per second as JSON on stderr
    #[arg(long)]
    stats: bool,
}

#[derive(Debug, Args)]
struct SweepArgs {
    /// The scenario file (docs/scenario-format.md)
    scenario: PathBuf,
    /// KEY=V1,V2,...: a scenario path (checkpointing.unaligned, job.operators.NAME.process_ms,
    /// job.operators[1].parallelism) or Flink's option key
    /// (execution.checkpointing.unaligned.enabled), and the values to try; repeat for more
    #[arg(long = "set", value_name = "KEY=V1,V2", allow_hyphen_values = true)]
    sets: Vec<String>,
    /// Seeds per variant: 1 runs the scenario's seed, N runs seed+0 .. seed+N-1
    #[arg(long, value_name = "N", default_value = "1", value_parser = whole_number, allow_hyphen_values = true)]
    seeds: u64,
    /// Stop every run at this simulated time, in ms (never past duration_ms)
    #[arg(long, value_name = "T", value_parser = whole_number, allow_hyphen_values = true)]
    until_ms: Option<u64>,
    /// table (default), json or csv
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    format: String,
    /// Print wall time, variants and runs as JSON on stderr
    #[arg(long)]
    stats: bool,
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// Saved bodies of Flink REST endpoints (GET /jobs/:id, /plan, /checkpoints/config,
    /// /checkpoints, checkpoint and subtask details, vertex metrics), recognised by content
    files: Vec<PathBuf>,
    /// Fetch the endpoints from a running Flink's REST API, e.g. http://localhost:8081
    #[arg(long, value_name = "URL", requires = "job", conflicts_with = "files")]
    url: Option<String>,
    /// The job ID (with --url)
    #[arg(long, value_name = "JOB_ID", requires = "url")]
    job: Option<String>,
    /// Write the scenario to this file instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

fn whole_number(v: &str) -> Result<u64, String> {
    v.parse::<u64>()
        .map_err(|_| format!("`{v}` is not a whole number"))
}

fn main() -> ExitCode {
    // A bug must not print a backtrace at the user: one line saying what to report.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("barrierscope-sim: internal error ({info}); please report it with the scenario file and its seed");
    }));
    match run(std::env::args().skip(1).collect()) {
        Ok(report) => {
            // `None`: the output went to a file (`import -o`).
            if let Some(report) = report {
                println!("{report}");
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("barrierscope-sim: {message}");
            ExitCode::from(2)
        }
    }
}

/// The words that are not a scenario file: the subcommands and clap's own.
const NOT_A_FILE: &[&str] = &[
    "run",
    "sweep",
    "import",
    "flink-compare",
    "flink-conformance",
    "help",
    "-h",
    "--help",
    "-V",
    "--version",
];

/// Parses the arguments (without the program name) and runs; `Ok` is what goes to stdout.
fn run(mut args: Vec<String>) -> Result<Option<String>, String> {
    let Some(first) = args.first() else {
        return Err(USAGE.into());
    };
    if !NOT_A_FILE.contains(&first.as_str()) {
        args.insert(0, "run".into());
    }
    let cli = match Cli::try_parse_from(std::iter::once("barrierscope-sim".to_string()).chain(args))
    {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            return Ok(Some(e.render().to_string().trim_end().to_string()))
        }
        Err(e) => return Err(one_line(&e)),
    };
    match cli.command {
        Command::Run(a) => run_scenario(&a).map(Some),
        #[cfg(not(target_arch = "wasm32"))]
        Command::Sweep(a) => sweep(&a).map(Some),
        Command::Import(a) => import(&a),
        Command::FlinkCompare { case_dir } => flink_compare(&case_dir).map(Some),
        Command::FlinkConformance { dir, markdown } => flink_conformance(&dir, markdown).map(Some),
    }
}

/// A clap error as one line, in the runner's words.
fn one_line(e: &clap::Error) -> String {
    let context = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => Some(v.join(", ")),
        _ => None,
    };
    // `--seed <N>` names the option `--seed`.
    let option = context(ContextKind::InvalidArg)
        .map(|a| a.split(' ').next().unwrap_or_default().to_string())
        .unwrap_or_default();
    let value = context(ContextKind::InvalidValue).unwrap_or_default();
    match e.kind() {
        ErrorKind::InvalidValue if value.is_empty() => format!("{option} needs a value"),
        ErrorKind::ValueValidation => format!("{option}: `{value}` is not a whole number"),
        ErrorKind::UnknownArgument => format!("unexpected argument `{option}`; {USAGE}"),
        ErrorKind::MissingRequiredArgument | ErrorKind::MissingSubcommand => {
            format!("missing {option}; {USAGE}")
        }
        _ => {
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or_default();
            format!("{}; {USAGE}", first.trim_start_matches("error: "))
        }
    }
}

/// Figures for benchmarks, on stderr so that the report on stdout stays byte-identical.
#[derive(Serialize)]
struct WallStats {
    wall_s: f64,
    #[serde(flatten)]
    counts: RunCounts,
    records_per_wall_s: u64,
    /// The process's peak resident memory, KiB (Linux: `VmHWM` of /proc/self/status).
    #[serde(skip_serializing_if = "Option::is_none")]
    peak_rss_kib: Option<u64>,
}

/// The process's peak resident memory in KiB, where the OS tells it.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `run SCENARIO.json [--seed N] [--until-ms T] [--stats]`.
fn run_scenario(a: &RunArgs) -> Result<String, String> {
    let path = a.scenario.display();
    let text =
        std::fs::read_to_string(&a.scenario).map_err(|e| format!("{path}: cannot read: {e}"))?;
    let scenario = barrierscope::sim::scenario::Scenario::from_json(&text)
        .map_err(|e| format!("{path}: {e}"))?;
    let options = RunOptions {
        seed: a.seed,
        until_ms: a.until_ms,
    };
    let prepared = HeadlessRun::new(scenario, options).map_err(|e| format!("{path}: {e}"))?;
    let started = std::time::Instant::now();
    let sim = prepared.run();
    let wall = started.elapsed().as_secs_f64();
    if a.stats {
        let counts = RunCounts::of(&sim);
        let stats = WallStats {
            wall_s: (wall * 1e4).round() / 1e4,
            counts,
            records_per_wall_s: (counts.records_moved as f64 / wall.max(1e-9)).round() as u64,
            peak_rss_kib: peak_rss_kib(),
        };
        eprintln!(
            "{}",
            serde_json::to_string(&stats).map_err(|e| e.to_string())?
        );
    }
    Ok(sim.report_json())
}

/// `sweep SCENARIO.json --set KEY=V1,V2 ... [--seeds N] [--until-ms T] [--format F] [--stats]`.
#[cfg(not(target_arch = "wasm32"))]
fn sweep(a: &SweepArgs) -> Result<String, String> {
    use barrierscope::sweep::{self, output};
    let path = a.scenario.display();
    let format = output::Format::parse(&a.format)?;
    let seeds = u32::try_from(a.seeds)
        .ok()
        .filter(|&n| (1..=100_000).contains(&n))
        .ok_or("--seeds: must be between 1 and 100000")?;
    let text =
        std::fs::read_to_string(&a.scenario).map_err(|e| format!("{path}: cannot read: {e}"))?;
    let options = sweep::SweepOptions {
        seeds,
        until_ms: a.until_ms,
    };
    let variants = sweep::prepare(&text, &a.sets, options).map_err(|e| format!("{path}: {e}"))?;
    let started = std::time::Instant::now();
    let rows = sweep::run_sweep(&variants, options);
    let wall = started.elapsed().as_secs_f64();
    if a.stats {
        let stats = serde_json::json!({
            "wall_s": (wall * 1e3).round() / 1e3,
            "variants": variants.len(),
            "runs": variants.len() * seeds as usize,
            "threads": rayon::current_num_threads(),
            "events": rows.iter().map(|r| r.events).sum::<u64>(),
            "peak_rss_kib": peak_rss_kib(),
        });
        eprintln!("{stats}");
    }
    let mut out = output::render(&rows, format);
    if format == output::Format::Table {
        let file = barrierscope::sim::scenario::Scenario::from_json(&text)
            .map_err(|e| format!("{path}: {e}"))?;
        let answers = sweep::answers::of_sweep(&file, &variants, &rows);
        out.push_str("\n\n");
        out.push_str(&sweep::answers::render(&answers));
    }
    Ok(out)
}

/// `import FILE... [-o FILE]` or `import --url URL --job ID [-o FILE]`: the scenario on stdout
/// (or in the file), each warning as one line on stderr.
fn import(a: &ImportArgs) -> Result<Option<String>, String> {
    use barrierscope::import::{self, Input};
    let (inputs, mut warnings) = match (&a.url, &a.job) {
        #[cfg(not(target_arch = "wasm32"))]
        (Some(url), Some(job)) => import::fetch::fetch(url, job)?,
        #[cfg(target_arch = "wasm32")]
        (Some(_), Some(_)) => return Err("--url needs the native runner".into()),
        _ => {
            if a.files.is_empty() {
                return Err(format!("import needs files or --url and --job; {USAGE}"));
            }
            let mut inputs = Vec::new();
            for f in &a.files {
                let name = f.display().to_string();
                let meta = std::fs::metadata(f).map_err(|e| format!("{name}: cannot read: {e}"))?;
                if meta.len() > import::rest::MAX_BODY_BYTES as u64 {
                    return Err(format!(
                        "{name}: {} bytes; a Flink REST body is at most {} MiB here",
                        meta.len(),
                        import::rest::MAX_BODY_BYTES >> 20
                    ));
                }
                let bytes = std::fs::read(f).map_err(|e| format!("{name}: cannot read: {e}"))?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| format!("{name}: not JSON: the file is not UTF-8 text"))?;
                inputs.push(Input { name, text });
            }
            (inputs, Vec::new())
        }
    };
    let imported = import::import(&inputs)?;
    warnings.extend(imported.warnings);
    for w in &warnings {
        eprintln!("barrierscope-sim: warning: {w}");
    }
    let json = imported.scenario.to_json();
    match &a.output {
        Some(path) => {
            std::fs::write(path, format!("{json}\n"))
                .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
            Ok(None)
        }
        None => Ok(Some(json)),
    }
}

/// `flink-compare CASE_DIR`: one capture and the simulation, fact by fact.
fn flink_compare(dir: &Path) -> Result<String, String> {
    let case = barrierscope::conformance::run_case(dir)?;
    let mut out = format!(
        "{}: {}\n\n{}",
        case.name,
        case.description,
        barrierscope::conformance::side_by_side(&case.checks)
    );
    for k in &case.skipped {
        out.push_str(&format!("not reproduced on Flink: {k}\n"));
    }
    // The magnitudes (durations, start delay, alignment, persisted and processed data).
    let m = barrierscope::conformance::magnitude::run_magnitude_case(dir)?;
    out.push_str(&format!(
        "\nmagnitudes (median over completed checkpoints after the first; within a factor of {}):\n",
        barrierscope::conformance::magnitude::FACTOR
    ));
    for k in &m.checks {
        let verdict = if k.agree { "agree" } else { "DIFFER" };
        out.push_str(&format!(
            "  {:<34} Flink {:>10.0}  BarrierScope {:>10.0}  {verdict}\n",
            k.figure, k.flink, k.sim
        ));
    }
    Ok(out)
}

/// `flink-conformance DIR [--markdown]`: every case under DIR.
fn flink_conformance(dir: &Path, markdown: bool) -> Result<String, String> {
    let mut cases = Vec::new();
    for d in barrierscope::conformance::case_dirs(dir)? {
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
