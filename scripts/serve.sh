#!/usr/bin/env bash
# Builds the release bundle into dist/ and serves it on http://127.0.0.1:8080/ (Ctrl-C stops).
# Installs what is missing first (see scripts/setup.sh). PORT=NNNN overrides the port.
set -euo pipefail
# shellcheck source=scripts/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

PORT="${PORT:-8080}"

section "setup"
setup_build

section "release bundle (scripts/build-dist.sh)"
build_dist

section "serve dist/"
echo "BarrierScope: http://127.0.0.1:$PORT/"
exec node "$ROOT/tests/e2e/serve.mjs" "$ROOT/dist" --host 127.0.0.1 --port "$PORT"
