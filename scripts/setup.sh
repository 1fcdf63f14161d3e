# shellcheck shell=bash
# Shared setup for scripts/serve.sh and scripts/test.sh (sourced, not run).
#
# Installs only what is missing, at the versions the project needs:
#   setup_build: rustup target wasm32-unknown-unknown and component rust-src; trunk ~0.21 and wasm-bindgen-cli
#                (exactly Cargo.lock's wasm-bindgen version) into ~/.cargo/bin;
#                binaryen (wasm-opt) 132 and terser (the JS glue's minifier) from npm into
#                .tools/node/.
#   setup_test:  setup_build, plus Debian's chromium + chromium-driver (apt) and
#                playwright-core from tests/e2e/package-lock.json into tests/e2e/node_modules/.
# A second run checks versions only and installs nothing.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

TRUNK_SERIES="0.21"     # trunk 0.22 needs a newer rustc than 1.95
BINARYEN_VERSION="132.0.0"
TERSER_VERSION="5.46.0"    # minifies the wasm-bindgen JS glue (Trunk.toml hook, scripts/minify-glue.mjs)
TOOLS_NODE="$ROOT/.tools/node"

# Our wasm-opt comes first; Debian's (108) is too old for the current rustc output.
export PATH="$TOOLS_NODE/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export DEBIAN_FRONTEND=noninteractive
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

section() {
  printf '\n==================== %s ====================\n' "$*"
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# The wasm-bindgen version pinned by Cargo.lock (the CLI must match it exactly).
lock_wasm_bindgen_version() {
  awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/^version = "|"$/, ""); print; exit }' \
    "$ROOT/Cargo.lock"
}

ensure_commands() {
  local c
  for c in cargo rustup node npm; do
    command -v "$c" >/dev/null 2>&1 || die "'$c' not found (prerequisites: rustup Rust, Node 20 with npm)"
  done
}

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx 'wasm32-unknown-unknown'; then
    log "installing rustup target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
}

# The standard library's source: scripts/build-dist.sh rebuilds std for the bundle.
ensure_rust_src() {
  if [ ! -d "$(rustc --print sysroot)/lib/rustlib/src/rust/library/std" ]; then
    log "installing rustup component rust-src"
    rustup component add rust-src
  fi
}

ensure_trunk() {
  local have
  have="$(trunk --version 2>/dev/null || true)"
  if [[ "$have" =~ ^trunk\ ${TRUNK_SERIES//./\\.}\. ]]; then
    return
  fi
  log "installing trunk ~$TRUNK_SERIES into ${CARGO_HOME:-~/.cargo}/bin (found: ${have:-none}; takes ~5 min)"
  cargo install trunk --version "~$TRUNK_SERIES" --locked --force
}

ensure_wasm_bindgen() {
  local want have runner
  want="$(lock_wasm_bindgen_version)"
  [ -n "$want" ] || die "no wasm-bindgen entry in Cargo.lock"
  have="$(wasm-bindgen --version 2>/dev/null || true)"
  runner="$(wasm-bindgen-test-runner --version 2>/dev/null || true)"
  if [ "$have" = "wasm-bindgen $want" ] && [[ "$runner" == *" $want"* ]]; then
    return
  fi
  log "installing wasm-bindgen-cli $want into ${CARGO_HOME:-~/.cargo}/bin (found: ${have:-none}; takes ~2 min)"
  # Not --locked: the CLI's own lock file does not build with this toolchain.
  cargo install wasm-bindgen-cli --version "=$want" --force
}

# Installs npm package NAME@VERSION into .tools/node (saved in its package.json, so that a later
# install keeps it).
npm_tool() {
  mkdir -p "$TOOLS_NODE"
  [ -f "$TOOLS_NODE/package.json" ] || printf '{ "private": true }\n' >"$TOOLS_NODE/package.json"
  npm install --prefix "$TOOLS_NODE" --no-audit --no-fund --loglevel=error "$1" </dev/null
}

ensure_binaryen() {
  local have
  have="$("$TOOLS_NODE/node_modules/.bin/wasm-opt" --version 2>/dev/null || true)"
  if [[ "$have" == *"version ${BINARYEN_VERSION%%.*}"* ]]; then
    return
  fi
  log "installing binaryen $BINARYEN_VERSION (wasm-opt) from npm into .tools/node (found: ${have:-none})"
  npm_tool "binaryen@$BINARYEN_VERSION"
}

ensure_terser() {
  local have
  have="$(node -p "require('$TOOLS_NODE/node_modules/terser/package.json').version" 2>/dev/null || true)"
  if [ "$have" = "$TERSER_VERSION" ]; then
    return
  fi
  log "installing terser $TERSER_VERSION (minifies the JS glue) from npm into .tools/node (found: ${have:-none})"
  npm_tool "terser@$TERSER_VERSION"
}

APT_UPDATED=""
ensure_apt_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return
  log "installing Debian packages: ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then
    as_root apt-get update -q </dev/null
    APT_UPDATED=1
  fi
  as_root apt-get install -y -q "${missing[@]}" </dev/null
}

ensure_chromium() {
  ensure_apt_packages chromium chromium-driver fonts-liberation
  [ -x /usr/bin/chromium ] || die "/usr/bin/chromium missing after install"
  [ -x /usr/bin/chromedriver ] || die "/usr/bin/chromedriver missing after install"
}

ensure_playwright() {
  local e2e="$ROOT/tests/e2e" want have
  # playwright-core and axe-core (the contrast checks), at the lock file's versions.
  want="$(node -p "const l = require('$e2e/package-lock.json').packages; l['node_modules/playwright-core'].version + ' ' + l['node_modules/axe-core'].version")"
  have="$(node -p "require('$e2e/node_modules/playwright-core/package.json').version + ' ' + require('$e2e/node_modules/axe-core/package.json').version" 2>/dev/null || true)"
  if [ "$have" = "$want" ]; then
    return
  fi
  log "installing playwright-core and axe-core ($want) into tests/e2e/node_modules (npm ci; no browser download)"
  # Playwright must never download its own browser: we use Debian's /usr/bin/chromium.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$e2e" --no-audit --no-fund --loglevel=error </dev/null
}

setup_build() {
  ensure_commands
  ensure_wasm_target
  ensure_rust_src
  ensure_trunk
  ensure_wasm_bindgen
  ensure_binaryen
  ensure_terser
}

setup_test() {
  setup_build
  ensure_chromium
  ensure_playwright
}

# The release bundle in dist/ (wasm-release profile, wasm-opt -Oz, std rebuilt for size:
# scripts/build-dist.sh).
build_dist() {
  bash "$ROOT/scripts/build-dist.sh"
}
