#!/usr/bin/env bash
# The benchmark command: measures and prints one table, and writes target/bench/report.json.
# Benchmarks report; they never fail on a slow machine. Installs what is missing first.
set -euo pipefail
# shellcheck source=scripts/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"

section "setup"
setup_test
mkdir -p target/bench

section "build: native runner and release bundle"
cargo build --release --bin barrierscope-sim
build_dist

section "what-if sweep: 6 variants of bench-large, 10 min simulated each (target <= 30 s wall on 2 cores)"
target/release/barrierscope-sim sweep static/scenarios/bench-large.json --until-ms 600000 \
    --set checkpointing.unaligned=false,true --set checkpointing.interval_ms=1000,5000,10000 \
    --stats 2>target/bench/sweep.json
cat target/bench/sweep.json

section "criterion: the coordinator collecting 10,000 acks"
cargo bench --bench coordinator -- --warm-up-time 1 --measurement-time 5 2>&1 | tee target/bench/criterion.txt

section "native, wasm in Chromium, the app in Chromium, bundle size"
node tests/e2e/bench.mjs
