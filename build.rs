//! Embeds the shipped scenarios (`static/scenarios/*.json`) into the crate at compile time. The
//! order is the one `static/scenarios/index.json` names (`{"scenarios": [NAME, ...]}`, each NAME a key such as
//! `happy-path` or a file name such as `happy-path.json`); files it does not name follow in
//! file-name order, benchmarks last. Each file is embedded minified (same JSON, no layout
//! whitespace), with its `name` for the picker. The browser bundle embeds only the default
//! scenario and fetches the others from `scenarios/` when asked for (src/ui/scenarios.rs).
//! Generates `$OUT_DIR/scenarios.rs`.

use std::env;
use std::fs;
use std::path::Path;

/// The scenario shown when nothing else is asked for: always embedded (src/ui/scenarios.rs
/// `DEFAULT_KEY` names the same one).
const DEFAULT_KEY: &str = "happy-path";

fn main() {
    let root = env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let dir = Path::new(&root).join("static").join("scenarios");
    println!("cargo:rerun-if-changed=static/scenarios");
    let mut files: Vec<String> = fs::read_dir(&dir)
        .map(|it| {
            it.filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(".json") && n != "index.json")
                .collect()
        })
        .unwrap_or_default();
    // Benchmarks last, after the scenarios that teach something.
    files.sort_by_key(|f| (f.starts_with("bench"), f.clone()));
    let mut ordered: Vec<String> = Vec::new();
    // Entries may be file names (`happy-path.json`) or keys (`happy-path`).
    for piece in index_entries(&dir.join("index.json")) {
        let base = piece.rsplit('/').next().unwrap_or(&piece);
        let name = if base.ends_with(".json") {
            base.to_string()
        } else {
            format!("{base}.json")
        };
        if name != "index.json" && files.contains(&name) && !ordered.contains(&name) {
            ordered.push(name);
        }
    }
    for f in files {
        if !ordered.contains(&f) {
            ordered.push(f);
        }
    }
    let mut out = String::from(
        "/// The shipped scenarios, embedded at compile time by build.rs.\npub const SHIPPED: &[Shipped] = &[\n",
    );
    for f in &ordered {
        let path = dir.join(f);
        let key = f.trim_end_matches(".json");
        let (json, name) = minified(&path);
        let name = name.unwrap_or_else(|| format!("{key} (invalid)"));
        // The default scenario is always embedded; the others only where `embed!` keeps them
        // (src/ui/scenarios.rs: natively, in tests, and with the feature `embed-scenarios`).
        let json = if key == DEFAULT_KEY {
            format!("Some({json:?})")
        } else {
            format!("embed!({json:?})")
        };
        out.push_str(&format!(
            "    Shipped {{ key: {key:?}, name: {name:?}, json: {json} }},\n"
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("scenarios.rs");
    fs::write(dest, out).expect("write scenarios.rs");
}

/// A scenario file without its layout whitespace (the files themselves stay readable), and its
/// `name` (the picker's label) when it has one. A file that is not JSON is embedded as it is, so
/// that the app reports it the way it reports any broken scenario.
fn minified(path: &Path) -> (String, Option<String>) {
    println!("cargo:rerun-if-changed={}", path.display());
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(v) => {
            let name = v.get("name").and_then(|n| n.as_str()).map(str::to_string);
            (v.to_string(), name)
        }
        Err(_) => (text, None),
    }
}

/// The names `index.json` lists, in order: `{"scenarios": [NAME, ...]}` (or a bare array). No
/// index: no names. A malformed one fails the build with the reason, rather than being half read.
fn index_entries(path: &Path) -> Vec<String> {
    println!("cargo:rerun-if-changed={}", path.display());
    let Ok(text) = fs::read_to_string(path) else {
        return Vec::new();
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
    let list = match &value {
        serde_json::Value::Array(list) => list,
        serde_json::Value::Object(o) => match o.get("scenarios") {
            Some(serde_json::Value::Array(list)) => list,
            _ => panic!(
                "{}: expected {{\"scenarios\": [NAME, ...]}}",
                path.display()
            ),
        },
        _ => panic!(
            "{}: expected {{\"scenarios\": [NAME, ...]}}",
            path.display()
        ),
    };
    list.iter()
        .map(|v| match v.as_str() {
            Some(name) => name.to_string(),
            None => panic!(
                "{}: scenario entries are names (strings), not {v}",
                path.display()
            ),
        })
        .collect()
}
