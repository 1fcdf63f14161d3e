//! The sweep's three formats: `table` (aligned columns for a terminal, durations and sizes in
//! readable units), `json` (an array of objects with every figure, in ms and bytes) and `csv`
//! (one header row, the same raw figures, one `failed_REASON` column per failure reason seen).

use super::VariantRow;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;
use std::collections::BTreeSet;

/// How the rows are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format, String> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            _ => Err(format!(
                "--format: `{s}` is not a format (expected table, json or csv)"
            )),
        }
    }
}

/// Serializes the varied settings as one JSON object, in the order of the `--set`s.
pub fn ordered_settings<S: Serializer>(v: &[(String, Value)], s: S) -> Result<S::Ok, S::Error> {
    let mut m = s.serialize_map(Some(v.len()))?;
    for (k, val) in v {
        m.serialize_entry(k, val)?;
    }
    m.end()
}

/// The rows in `format`.
pub fn render(rows: &[VariantRow], format: Format) -> String {
    match format {
        Format::Table => table(rows),
        Format::Json => serde_json::to_string_pretty(rows).unwrap_or_default(),
        Format::Csv => csv(rows),
    }
}

/// `350 ms`, `4.2 s`, `3.5 min`.
pub fn duration(ms: Option<u64>) -> String {
    match ms {
        None => "-".into(),
        Some(ms) if ms < 1000 => format!("{ms} ms"),
        Some(ms) if ms < 60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        Some(ms) => format!("{:.1} min", ms as f64 / 60_000.0),
    }
}

/// `512 B`, `12.0 KiB`, `180.0 MiB`: the app's one unit style ([`crate::ui::format::bytes`]);
/// `-` for none.
pub fn bytes(b: Option<u64>) -> String {
    b.map_or_else(|| "-".into(), crate::ui::format::bytes)
}

fn rate(r: Option<f64>) -> String {
    r.map(|r| format!("{:.0}%", r * 100.0))
        .unwrap_or_else(|| "-".into())
}

fn reasons(row: &VariantRow) -> String {
    if row.failed_by_reason.is_empty() {
        return "-".into();
    }
    row.failed_by_reason
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One figure of a row: its name in the table and in csv (`None`: not shown there), and its
/// cell in readable units (table) and raw (csv: ms, bytes, empty for none).
struct Column {
    table: Option<&'static str>,
    csv: Option<&'static str>,
    human: fn(&VariantRow) -> String,
    raw: fn(&VariantRow) -> String,
}

const fn both(name: &'static str, csv: &'static str, cell: fn(&VariantRow) -> String) -> Column {
    Column {
        table: Some(name),
        csv: Some(csv),
        human: cell,
        raw: cell,
    }
}

const fn csv_only(csv: &'static str, raw: fn(&VariantRow) -> String) -> Column {
    Column {
        table: None,
        csv: Some(csv),
        human: raw,
        raw,
    }
}

/// The figures after the settings, in order.
const COLUMNS: &[Column] = &[
    csv_only("seeds", |r| {
        let s: Vec<String> = r.seeds.iter().map(|s| s.to_string()).collect();
        s.join(" ")
    }),
    csv_only("end_ms", |r| r.end_ms.to_string()),
    both("completed", "completed", |r| r.completed.to_string()),
    both("failed", "failed", |r| r.failed.to_string()),
    csv_only("in_progress", |r| r.in_progress.to_string()),
    Column {
        table: Some("rate"),
        csv: Some("completion_rate"),
        human: |r| rate(r.completion_rate),
        raw: |r| opt(r.completion_rate.map(|x| (x * 1e6).round() / 1e6)),
    },
    Column {
        table: Some("e2e p50"),
        csv: Some("end_to_end_p50_ms"),
        human: |r| duration(r.end_to_end_p50_ms),
        raw: |r| opt(r.end_to_end_p50_ms),
    },
    Column {
        table: Some("e2e p99"),
        csv: Some("end_to_end_p99_ms"),
        human: |r| duration(r.end_to_end_p99_ms),
        raw: |r| opt(r.end_to_end_p99_ms),
    },
    csv_only("end_to_end_all_p99_ms", |r| opt(r.end_to_end_all_p99_ms)),
    Column {
        table: Some("align p99"),
        csv: Some("alignment_p99_ms"),
        human: |r| duration(r.alignment_p99_ms),
        raw: |r| opt(r.alignment_p99_ms),
    },
    Column {
        table: Some("persisted p99"),
        csv: Some("persisted_data_p99_bytes"),
        human: |r| bytes(r.persisted_data_p99_bytes),
        raw: |r| opt(r.persisted_data_p99_bytes),
    },
    Column {
        table: Some("start delay p99"),
        csv: Some("start_delay_p99_ms"),
        human: |r| duration(r.start_delay_p99_ms),
        raw: |r| opt(r.start_delay_p99_ms),
    },
    both("restarts", "restarts", |r| r.restarts.to_string()),
    both("reprocessed", "records_reprocessed", |r| {
        r.records_reprocessed.to_string()
    }),
    both("duplicates", "duplicates", |r| r.duplicates.to_string()),
    both("lost", "lost", |r| r.lost.to_string()),
    both("status", "job_status", |r| r.job_status.clone()),
    csv_only("invariant_violations", |r| {
        r.invariant_violations.to_string()
    }),
    Column {
        table: Some("failed by reason"),
        csv: None,
        human: reasons,
        raw: reasons,
    },
];

/// The table's figure columns, after the settings (the What-if panel shows the same).
pub fn table_header() -> Vec<&'static str> {
    COLUMNS.iter().filter_map(|c| c.table).collect()
}

/// A row's cells under [`table_header`], in readable units.
pub fn table_cells(row: &VariantRow) -> Vec<String> {
    COLUMNS
        .iter()
        .filter(|c| c.table.is_some())
        .map(|c| (c.human)(row))
        .collect()
}

fn setting_keys(rows: &[VariantRow]) -> Vec<String> {
    rows.first()
        .map(|r| r.labels.iter().map(|(k, _)| k.clone()).collect())
        .unwrap_or_default()
}

fn table(rows: &[VariantRow]) -> String {
    let keys = setting_keys(rows);
    let mut header: Vec<String> = keys.clone();
    if keys.is_empty() {
        header.push("variant".into());
    }
    let n_settings = header.len();
    header.extend(table_header().into_iter().map(String::from));
    let mut cells: Vec<Vec<String>> = vec![header];
    for r in rows {
        let mut line: Vec<String> = r.labels.iter().map(|(_, v)| v.clone()).collect();
        if keys.is_empty() {
            line.push("as the file".into());
        }
        line.extend(table_cells(r));
        cells.push(line);
    }
    let cols = cells[0].len();
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            cells
                .iter()
                .map(|l| l[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    // Settings, the status and the reasons are words (left); figures are right-aligned.
    let left = |c: usize| c < n_settings || c + 2 >= cols;
    let mut out = String::new();
    for line in &cells {
        let mut text = String::new();
        for (c, cell) in line.iter().enumerate() {
            if c > 0 {
                text.push_str("  ");
            }
            let pad = " ".repeat(widths[c] - cell.chars().count());
            if left(c) {
                text.push_str(cell);
                text.push_str(&pad);
            } else {
                text.push_str(&pad);
                text.push_str(cell);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out.pop();
    out
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn csv(rows: &[VariantRow]) -> String {
    let reasons: BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r.failed_by_reason.keys())
        .collect();
    let shown: Vec<&Column> = COLUMNS.iter().filter(|c| c.csv.is_some()).collect();
    let mut header = setting_keys(rows);
    header.extend(shown.iter().filter_map(|c| c.csv.map(String::from)));
    header.extend(reasons.iter().map(|r| format!("failed_{r}")));
    let mut lines = vec![header];
    for r in rows {
        let mut line: Vec<String> = r.labels.iter().map(|(_, v)| v.clone()).collect();
        line.extend(shown.iter().map(|c| (c.raw)(r)));
        line.extend(
            reasons
                .iter()
                .map(|k| r.failed_by_reason.get(k).copied().unwrap_or(0).to_string()),
        );
        lines.push(line);
    }
    let lines: Vec<String> = lines
        .iter()
        .map(|l| l.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","))
        .collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::{prepare, run_sweep, SweepOptions};

    fn rows() -> Vec<VariantRow> {
        let text = include_str!("../../static/scenarios/task-crash.json");
        let sets = vec!["checkpointing.interval_ms=500,1000".to_string()];
        let v = prepare(text, &sets, SweepOptions::default()).unwrap();
        run_sweep(&v, SweepOptions::default())
    }

    #[test]
    fn table_has_a_header_and_one_aligned_line_per_variant_settings_first() {
        let t = render(&rows(), Format::Table);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(
            lines[0].starts_with("checkpointing.interval_ms  completed"),
            "{t}"
        );
        assert!(lines[1].starts_with("500 "), "{t}");
        assert!(lines[2].starts_with("1000"), "{t}");
        // Aligned: the `completed` column ends at the same place on every line.
        let end = lines[0].find("completed").unwrap() + "completed".len();
        assert!(lines[1..].iter().all(|l| l.as_bytes()[end] == b' '), "{t}");
    }

    #[test]
    fn json_is_an_array_of_objects_with_the_settings_as_json_values() {
        let v: Value = serde_json::from_str(&render(&rows(), Format::Json)).unwrap();
        let a = v.as_array().unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0]["settings"]["checkpointing.interval_ms"], 500);
        for k in [
            "completed",
            "failed",
            "failed_by_reason",
            "completion_rate",
            "end_to_end_p50_ms",
            "end_to_end_p99_ms",
            "alignment_p99_ms",
            "persisted_data_p99_bytes",
            "start_delay_p99_ms",
            "restarts",
            "records_reprocessed",
            "duplicates",
            "lost",
            "job_status",
        ] {
            assert!(a[0].get(k).is_some(), "missing {k}");
        }
    }

    #[test]
    fn csv_has_one_column_per_failure_reason_and_the_same_row_count() {
        let c = render(&rows(), Format::Csv);
        let lines: Vec<&str> = c.lines().collect();
        assert_eq!(lines.len(), 3);
        let cols = lines[0].split(',').count();
        assert!(lines.iter().all(|l| l.split(',').count() == cols), "{c}");
        assert!(
            lines[0].contains("failed_CHECKPOINT_COORDINATOR_SUSPEND"),
            "{c}"
        );
    }

    #[test]
    fn durations_and_sizes_read_in_units() {
        assert_eq!(duration(Some(350)), "350 ms");
        assert_eq!(duration(Some(4200)), "4.2 s");
        assert_eq!(duration(Some(600_000)), "10.0 min");
        assert_eq!(duration(None), "-");
        assert_eq!(bytes(Some(512)), "512 B");
        assert_eq!(bytes(Some(180 * 1024 * 1024)), "180.0 MiB");
    }

    #[test]
    fn an_unknown_format_is_named() {
        assert_eq!(
            Format::parse("xml").unwrap_err(),
            "--format: `xml` is not a format (expected table, json or csv)"
        );
    }
}
