#!/usr/bin/env bash
# Builds the release bundle into dist/ (or DIST=DIR): `trunk build --release --offline` with
# the size settings the 350 KB budget needs (docs/import.md, "In the browser"):
#   - the standard library is rebuilt for the bundle (opt-level "z", cargo's build-std), and
#   - a panic aborts at once (rustc's `-Cpanic=immediate-abort`): the panic messages, their
#     formatting and their source locations leave the bundle (about 27 KB gzipped). A panic in
#     the browser is then a wasm trap; static/loader.js puts up the crash banner
#     (src/ui/panic.rs) for it.
# Both are unstable options of the pinned stable toolchain (rustc 1.95), enabled for this build
# only with RUSTC_BOOTSTRAP=1; they need the rust-src component (scripts/setup.sh installs it).
# Native builds and the wasm tests are unaffected. If this toolchain cannot (no rust-src, or a
# rustc without the option), the bundle is built plainly with a warning: it works the same, is
# about 27 KB bigger, and tests/e2e/bundle-size.test.mjs says so. Extra arguments go to trunk.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
FLAGS="-Zunstable-options -Cpanic=immediate-abort"
# shellcheck disable=SC2086 # FLAGS is two words
if [ -d "$(rustc --print sysroot)/lib/rustlib/src/rust/library/std" ] &&
  RUSTC_BOOTSTRAP=1 rustc $FLAGS --print cfg --target wasm32-unknown-unknown >/dev/null 2>&1; then
  export RUSTC_BOOTSTRAP=1
  export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$FLAGS"
else
  echo "[build-dist] warning: this toolchain cannot rebuild std with panics as an immediate abort (rust-src missing, or no -Cpanic=immediate-abort in $(rustc --version)): building the bundle plainly: it works the same, but is about 27 KB bigger, over the 350 KB budget" >&2
fi
exec trunk build --release --offline --dist "${DIST:-dist}" "$@"
