#!/usr/bin/env bash
# Builds the release bundle into dist/ (or DIST=DIR): `trunk build --release --offline` with
# the size settings the 350 KB budget needs (docs/performance.md, "The bundle's size"):
#   - the standard library is rebuilt for the bundle (opt-level "z", cargo's build-std), and
#   - a panic aborts at once (rustc's `-Cpanic=immediate-abort`): the panic messages, their
#     formatting and their source locations leave the bundle (about 27 KB gzipped). A panic in
#     the browser is then a wasm trap; static/loader.js puts up the crash banner
#     (src/ui/panic.rs) for it.
# Both are unstable options of the pinned stable toolchain (rustc 1.95), enabled for this build
# only with RUSTC_BOOTSTRAP=1; they need the rust-src component (scripts/setup.sh installs it).
# Native builds and the wasm tests are unaffected. Extra arguments go to trunk.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export RUSTC_BOOTSTRAP=1
export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort"
exec trunk build --release --offline --dist "${DIST:-dist}" "$@"
