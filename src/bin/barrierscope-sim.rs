//! The native command-line runner: runs a scenario headless and prints a JSON report.
fn main() {
    eprintln!("not yet implemented");
    std::process::exit(2);
}
