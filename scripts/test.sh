#!/usr/bin/env bash
# Runs every test suite: native cargo tests, wasm tests in headless Chromium, then the
# browser end-to-end tests against the release bundle. Installs what is missing first
# (see scripts/setup.sh). Exits non-zero if any stage fails (all stages still run).
set -euo pipefail
# shellcheck source=scripts/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"

section "setup"
setup_test

export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="${WASM_BINDGEN_TEST_WEBDRIVER_JSON:-$ROOT/tests/webdriver.json}"

failed=()
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT
# stage NAME CMD...: runs one stage under a header (its output is also kept in $OUT for
# the totals); records a failure and goes on.
stage() {
  local name="$1" start=$SECONDS
  shift
  section "$name"
  if "$@" 2>&1 | tee -a "$OUT"; then
    echo "[test] stage '$name' ok ($((SECONDS - start)) s)"
  else
    echo "[test] stage '$name' FAILED ($((SECONDS - start)) s)"
    failed+=("$name")
    return 1
  fi
}

stage "cargo test (native)" cargo test || :
# --tests: lib, bin and tests/*.rs test targets; doc tests run in the native stage.
stage "cargo test --target wasm32-unknown-unknown (headless chromium)" \
  cargo test --target wasm32-unknown-unknown --tests --features embed-scenarios || :
if stage "release bundle (scripts/build-dist.sh: trunk build --release --offline)" build_dist; then
  stage "end-to-end: node --test tests/e2e/" node --test tests/e2e/ || :
else
  echo "[test] end-to-end tests skipped: no bundle"
  failed+=("end-to-end (skipped)")
fi

section "summary"
# Totals over every runner: cargo/libtest and wasm-bindgen-test-runner ("test result: ...")
# and node's test runner ("# pass N" from its TAP reporter, "ℹ pass N" from its spec one).
read -r passed failed_tests skipped < <(awk '
  /^test result: / {
    for (i = 1; i <= NF; i++) {
      if ($(i + 1) ~ /^passed/) p += $i
      if ($(i + 1) ~ /^failed/) f += $i
      if ($(i + 1) ~ /^ignored/) s += $i
    }
  }
  /^(#|ℹ) pass [0-9]+$/ { p += $3 }
  /^(#|ℹ) fail [0-9]+$/ { f += $3 }
  /^(#|ℹ) skipped [0-9]+$/ { s += $3 }
  END { print p + 0, f + 0, s + 0 }' "$OUT")
if [ "${#failed[@]}" -gt 0 ]; then
  printf '[test] FAILED stages:\n'
  printf '  - %s\n' "${failed[@]}"
  echo "total: $passed passed, $failed_tests failed, $skipped skipped"
  exit 1
fi
echo "[test] all stages passed"
echo "total: $passed passed, $failed_tests failed, $skipped skipped"
