#!/usr/bin/env python3
"""Writes the figures table of docs/performance.md from target/bench/report.json (the output of
scripts/bench.sh), so the document always shows a real measurement. Usage:
    python3 scripts/performance-doc.py > /tmp/table.md
"""
import json
import sys

r = json.load(open(sys.argv[1] if len(sys.argv) > 1 else "target/bench/report.json"))
mb = lambda b: f"{b / 2**20:.1f}" if b is not None else "n/a"
rows = []
for n in ["bench-small", "bench-medium", "bench-large"]:
    nat, w = r["native"][n], r["wasm"][n]
    rows.append((f"native `{n}`, 60 s simulated", f"{nat['wall_s_60s_simulated']:.3f} s wall", "<= 0.3 s" if n == "bench-large" else ""))
    rows.append((f"native `{n}`, records moved per wall second", f"{nat['records_per_wall_s']:,}", ""))
    rows.append((f"wasm in Chromium `{n}`, 60 s simulated", f"{w['wall_s_60s_simulated']:.3f} s wall", ""))
    rows.append((f"wasm / native speed, `{n}`", f"{w['wasm_over_native_speed']:.2f}", ">= 0.5" if n == "bench-large" else ""))
pr = r.get("production")
if pr:
    rows.append(("native `bench-production`, 10 min simulated", f"{pr['native_wall_s']:.1f} s wall ({pr['faster_than_real_time']:.1f}x faster than real time; {pr['events']:,} events, {pr['ns_per_event']:.0f} ns per event)", "<= 60 s"))
    rows.append(("peak memory, `bench-production`, native", f"{pr['peak_rss_mb']:.0f} MB", "<= 1 GB"))
    rows.append(("`bench-production`: sources' write-records per second of RUNNING / asked", f"{pr['source_write_records_per_s']:,.0f} / {pr['source_asked_records_per_s']:,.0f}", "equal"))
    rows.append(("`bench-production`: checkpoints completed / failed, restarts, duplicates / lost", f"{pr['completed']} / {pr['failed']}, {pr['restarts']}, {pr['duplicates']} / {pr['lost']}", "0 / 0"))
    if pr.get("wasm_wall_s") is not None:
        rows.append(("the same in Chromium (wasm), 10 min simulated", f"{pr['wasm_wall_s']:.1f} s wall", "<= 120 s"))
    ph = r["app"].get("production_heap")
    if ph:
        rows.append(("browser heap after 5 / 10 min of `bench-production`", f"{mb(ph['after_5min_bytes'])} / {mb(ph['after_10min_bytes'])} MiB (reached {ph['reached_5min_ms'] / 60000:.1f} / {ph['reached_10min_ms'] / 60000:.1f} min)", "<= 256 MB, flat"))
for n in ["bench-small", "bench-medium", "bench-large", "bench-production"]:
    f = r["app"]["frame_ms"].get(n)
    if f is None:
        continue
    target = {"bench-medium": "p95 <= 16.7 ms", "bench-large": "p95 <= 33 ms", "bench-production": "p95 <= 16.7 ms"}.get(n, "")
    if f.get("work_p95") is not None:
        rows.append((f"frame time p50 / p95, `{n}` at 1x (main-thread work per frame)", f"{f['work_p50']:.1f} / {f['work_p95']:.1f} ms (max {f['work_max']:.1f} ms)", target))
    rows.append((f"frame interval p50 / p95, `{n}` at 1x (display cadence)", f"{f['p50']:.1f} / {f['p95']:.1f} ms ({f['frames']} frames in 10 s, {f.get('over_25ms', 'n/a')} over 25 ms)", "16.7 ms at 60 Hz" if f.get("work_p95") is not None else target))
p = r["app"]["paused_5s"]
rows.append(("work while paused 5 s: animation frames / timers", f"{p['animation_frames']} / {p['timers']}", "0 / 0"))
rows.append(("navigation to the first drawn graph", f"{r['app']['first_graph_ms']:.0f} ms", "<= 500 ms"))
rows.append(("scrub to 9 min of a 10 min `bench-medium` run", f"{r['app']['scrub_to_9min_ms']:.0f} ms", "<= 150 ms"))
h = r["app"]["heap"]
rows.append(("wasm heap after 1 h / 2 h simulated, `bench-medium`", f"{mb(h['after_1h_bytes'])} / {mb(h['after_2h_bytes'])} MiB ({h['after_1h_bytes']:,} / {h['after_2h_bytes']:,} bytes; reached {h['reached_1h_ms'] / 3.6e6:.1f} h / {h['reached_2h_ms'] / 3.6e6:.1f} h)", "<= 64 MB, no growth"))
b = r["bundle"]
rows.append(("release bundle (wasm + js + css), raw / gzipped", f"{b['raw_bytes'] / 1024:.1f} / {b['gzip_bytes'] / 1024:.1f} KiB", "gzipped <= 350 KB"))
rows.append(("coordinator: one ack of a checkpoint of 10,000 subtasks", f"{r['coordinator']['ns_per_ack']:.1f} ns", "<= 100 ns"))
for k, v in r.get("scaling", {}).items():
    rows.append((f"scaling: `bench-large` {k} (parallelism {v['parallelism']}, {v['channels']:,} channels), 60 s", f"{v['wall_s']:.2f} s wall, {v['ns_per_record']:.0f} ns per record moved", "linear"))
print("| figure | measured | target |")
print("|---|---|---|")
for a, v, t in rows:
    print(f"| {a} | {v} | {t} |")
m = r["machine"]
print(f"\nMeasured {m['date'][:10]} on {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Node {m['node']}, Debian's Chromium (headless).")
