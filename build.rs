//! Embeds the shipped scenarios (`static/scenarios/*.json`) into the crate at compile time, so
//! that the scenario picker and share links work offline and synchronously. The order is the
//! one `static/scenarios/index.json` names (any `something.json` strings in it, in order);
//! files it does not name follow in file-name order. Generates `$OUT_DIR/scenarios.rs`.

use std::env;
use std::fs;
use std::path::Path;

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
    let index = fs::read_to_string(dir.join("index.json")).unwrap_or_default();
    let mut ordered: Vec<String> = Vec::new();
    for piece in index.split('"') {
        let name = piece.rsplit('/').next().unwrap_or(piece);
        if name.ends_with(".json")
            && files.iter().any(|f| f == name)
            && !ordered.iter().any(|o| o == name)
        {
            ordered.push(name.to_string());
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
        out.push_str(&format!(
            "    Shipped {{ key: {key:?}, json: include_str!({:?}) }},\n",
            path.to_string_lossy()
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("scenarios.rs");
    fs::write(dest, out).expect("write scenarios.rs");
}
