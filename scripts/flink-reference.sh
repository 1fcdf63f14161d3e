#!/usr/bin/env bash
# Runs a BarrierScope scenario on a real Apache Flink 2.3.0 MiniCluster (in-process, REST on
# 127.0.0.1 only) and writes the capture, then prints Flink and BarrierScope side by side.
#
#   bash scripts/flink-reference.sh SCENARIO.json [OUTDIR]
#
# OUTDIR defaults to target/flink-reference/<scenario name>/. Layout: reference/flink/README.md.
# Setup is idempotent and installs only what is missing:
#   - javac (Java 17): Debian's openjdk-17-jdk-headless through apt;
#   - Flink's jars: pyflink/lib/*.jar of the PyPI wheel apache-flink-libraries==2.3.0
#     (pip download --no-deps; about 330 MB; FLINK_WHEEL_DIR may name a directory that already
#     holds the wheel), unpacked into reference/flink/.cache/lib/ (git-ignored);
#   - the harness, compiled with plain javac into reference/flink/.cache/classes/ when a source
#     changed. No Maven or Gradle.
# Not part of CI or scripts/test.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REF="$ROOT/reference/flink"
CACHE="$REF/.cache"
FLINK_VERSION="2.3.0"
WHEEL="apache_flink_libraries-$FLINK_VERSION-py2.py3-none-any.whl"
export DEBIAN_FRONTEND=noninteractive

log() { printf '[flink-reference] %s\n' "$*" >&2; }
die() { printf '[flink-reference] error: %s\n' "$*" >&2; exit 1; }

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: bash scripts/flink-reference.sh SCENARIO.json [OUTDIR]"
SCENARIO="$1"
[ -f "$SCENARIO" ] || die "no such scenario file: $SCENARIO"
command -v python3 >/dev/null 2>&1 || die "python3 not found (needed for pip and the summary)"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else die "need root (or sudo) to run: $*"; fi
}

# ---- Java 17 ---------------------------------------------------------------------------------
if ! command -v javac >/dev/null 2>&1; then
  log "installing Debian openjdk-17-jdk-headless"
  as_root apt-get update -qq
  as_root apt-get install -y -qq openjdk-17-jdk-headless >/dev/null
fi
JAVA_MAJOR="$(javac -version 2>&1 | sed -E 's/^javac ([0-9]+).*/\1/')"
[ "${JAVA_MAJOR:-0}" -ge 17 ] || die "javac $JAVA_MAJOR found; Java 17 or newer is needed"

# ---- Flink's jars ----------------------------------------------------------------------------
if [ ! -f "$CACHE/lib/flink-dist-$FLINK_VERSION.jar" ]; then
  wheel=""
  for d in "${FLINK_WHEEL_DIR:-}" "$CACHE/wheel"; do
    if [ -n "$d" ] && [ -f "$d/$WHEEL" ]; then wheel="$d/$WHEEL"; break; fi
  done
  if [ -z "$wheel" ]; then
    log "downloading apache-flink-libraries==$FLINK_VERSION from PyPI (about 330 MB)"
    mkdir -p "$CACHE/wheel"
    python3 -m pip download --no-deps --disable-pip-version-check -q \
      "apache-flink-libraries==$FLINK_VERSION" -d "$CACHE/wheel"
    wheel="$CACHE/wheel/$WHEEL"
    [ -f "$wheel" ] || die "pip did not produce $wheel"
  fi
  log "unpacking pyflink/lib/*.jar from $wheel"
  mkdir -p "$CACHE/lib"
  python3 - "$wheel" "$CACHE/lib" <<'PY'
import sys, zipfile, os
whl, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(whl) as z:
    for n in z.namelist():
        if n.startswith("pyflink/lib/") and n.endswith(".jar"):
            tmp = os.path.join(dest, os.path.basename(n) + ".part")
            with z.open(n) as src, open(tmp, "wb") as out:
                while True:
                    b = src.read(1 << 20)
                    if not b:
                        break
                    out.write(b)
            os.replace(tmp, os.path.join(dest, os.path.basename(n)))
PY
fi
CP="$CACHE/lib/flink-dist-$FLINK_VERSION.jar"
for j in "$CACHE"/lib/log4j-*.jar; do CP="$CP:$j"; done

# ---- compile (only when a source changed) ----------------------------------------------------
STAMP="$CACHE/classes/.stamp"
if [ ! -f "$STAMP" ] || [ -n "$(find "$REF/src" "$REF/resources" -newer "$STAMP" -type f | head -1)" ]; then
  log "compiling the harness"
  rm -rf "$CACHE/classes"
  mkdir -p "$CACHE/classes"
  javac -nowarn -encoding UTF-8 -d "$CACHE/classes" -cp "$CP" "$REF"/src/barrierscope/*.java 2>&1 \
    | grep -v '^Note:' >&2 || true
  [ -f "$CACHE/classes/barrierscope/Harness.class" ] || die "compilation failed"
  cp -r "$REF/resources/." "$CACHE/classes/"
  touch "$STAMP"
fi
CP="$CACHE/classes:$CP"

# ---- run -------------------------------------------------------------------------------------
read -r NAME DURATION < <(python3 - "$SCENARIO" <<'PY'
import json, sys, os, re
s = json.load(open(sys.argv[1]))
name = s.get("name") or os.path.splitext(os.path.basename(sys.argv[1]))[0]
print(re.sub(r"[^A-Za-z0-9_.-]", "_", name), int(s["duration_ms"]))
PY
)
OUTDIR="${2:-$ROOT/target/flink-reference/$NAME}"
WORK="$ROOT/target/flink-reference/.work/$NAME"
LOGFILE="$ROOT/target/flink-reference/logs/$NAME.log"
rm -rf "$WORK"
mkdir -p "$OUTDIR" "$WORK" "$(dirname "$LOGFILE")"
CAP=$(( DURATION / 1000 + 120 ))
log "running $SCENARIO on Flink $FLINK_VERSION (log: $LOGFILE)"
timeout --kill-after=10 "$CAP" java -Xmx1g -XX:+UseSerialGC \
  -Dbarrierscope.log="$LOGFILE" -Dlog4j.configurationFile="$REF/log4j2.properties" \
  -cp "$CP" barrierscope.Harness "$SCENARIO" "$OUTDIR" "$WORK" \
  || die "the harness failed (exit $?); see $LOGFILE"
rm -rf "$WORK"

# ---- compare ---------------------------------------------------------------------------------
# FLINK_REFERENCE_COMPARE=0 skips the comparison (no release build): Flink side only.
if [ "${FLINK_REFERENCE_COMPARE:-1}" = "0" ]; then
  python3 "$REF/summary.py" "$OUTDIR"
elif grep -rqs 'flink-compare' "$ROOT/src/bin/"; then
  (cd "$ROOT" && cargo run --quiet --release --bin barrierscope-sim -- flink-compare "$OUTDIR")
else
  echo "(comparison unavailable: barrierscope-sim has no flink-compare subcommand yet; Flink side only)"
  python3 "$REF/summary.py" "$OUTDIR"
fi
