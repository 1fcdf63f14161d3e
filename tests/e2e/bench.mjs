// The benchmark (run by scripts/bench.sh; not a test): measures, prints one table and writes
// target/bench/report.json. Figures:
//  - native runner: wall time to simulate 60 s of each bench scenario, records moved per wall s
//    (median of 5 runs, timed by the runner itself around the simulation);
//  - the same simulation compiled to wasm, in headless Chromium (median of 5), and wasm/native;
//  - the app in Chromium at 1x: frame time p50/p95 over 10 s per scenario; animation frames and
//    timers scheduled during 5 s paused; navigation to the first drawn graph; scrubbing to 9 min
//    of a 10 min bench-medium run; wasm heap after 1 h and 2 h simulated of bench-medium;
//  - the release bundle (wasm + js + css), raw and gzipped;
//  - criterion: ns per ack when the coordinator collects one checkpoint from 10,000 subtasks;
//  - what if (tests/e2e/whatif-bench.mjs): a 6-variant sweep of 10 min of bench-large in Web
//    Workers, and the frame time of a lesson playing meanwhile.
// BENCH_ONLY=phase,phase... runs only those phases (native, scaling, production-native,
// production-shapes, wasm,
// first-graph, frames, frames-SCENARIO, paused, scrub, heap, production-heap, whatif) and writes
// target/bench/report-only.json instead of report.json; e.g. BENCH_ONLY=frames-bench-production,production-heap.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import os from "node:os";
import path from "node:path";
import { ROOT, DIST, startApp, launchBrowser, openApp } from "./helpers.mjs";

const OUT = path.join(ROOT, "target", "bench");
mkdirSync(OUT, { recursive: true });
const SCENARIOS = ["bench-small", "bench-medium", "bench-large"];
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ONLY = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(",") : null;
const want = (phase) => !ONLY || ONLY.includes(phase) || (phase.startsWith("frames-") && ONLY.includes("frames"));
const RUNNER = path.join(ROOT, "target", "release", "barrierscope-sim");
const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const pct = (xs, p) => {
  if (!xs.length) return null;
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))];
};
const scenarioText = (name) => readFileSync(path.join(ROOT, "static", "scenarios", `${name}.json`), "utf8");
const report = { machine: machine(), native: {}, wasm: {}, app: {}, bundle: {}, coordinator: {} };

function machine() {
  const cpu = os.cpus()[0]?.model ?? "unknown";
  return { cpu, cores: os.cpus().length, memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
}

// ---- native runner ----
for (const name of want("native") ? SCENARIOS : []) {
  const walls = [];
  let last = null;
  for (let i = 0; i < RUNS; i++) {
    const file = path.join(ROOT, "static", "scenarios", `${name}.json`);
    // The runner times the simulation itself and prints the figures on stderr.
    const run = spawnSync(RUNNER, [file, "--until-ms", "60000", "--stats"], { stdio: ["ignore", "ignore", "pipe"] });
    if (run.status !== 0) throw new Error(`${name}: the runner failed: ${run.stderr}`);
    last = JSON.parse(run.stderr.toString().trim().split("\n").pop());
    walls.push(last.wall_s);
  }
  const wall = median(walls);
  report.native[name] = { wall_s_60s_simulated: wall, records_moved: last.records_moved, records_per_wall_s: Math.round(last.records_moved / wall), events: last.events };
}

// ---- scaling: bench-large at 2x and 4x its parallelism (once each; cost should grow linearly
// with channels and records, never quadratically) ----
report.scaling = {};
for (const k of want("scaling") ? [1, 2, 4] : []) {
  const sc = JSON.parse(scenarioText("bench-large"));
  for (const op of sc.job.operators) op.parallelism *= k;
  sc.name = `bench-large-x${k}`;
  sc.faults = sc.faults.filter((f) => f.at_ms <= 60000).map((f) => ({ ...f, task: f.task.replace(/#(\d+)$/, (_, i) => `#${Number(i) * k}`) }));
  const file = path.join(OUT, `bench-large-x${k}.json`);
  writeFileSync(file, JSON.stringify(sc));
  const run = spawnSync(RUNNER, [file, "--until-ms", "60000", "--stats"], { stdio: ["ignore", "ignore", "pipe"] });
  if (run.status !== 0) throw new Error(`scaling x${k}: ${run.stderr}`);
  const st = JSON.parse(run.stderr.toString().trim().split("\n").pop());
  const channels = 2 * (64 * k) ** 2 + 64 * k;
  report.scaling[`x${k}`] = { parallelism: 64 * k, channels, wall_s: st.wall_s, records_moved: st.records_moved, ns_per_record: (st.wall_s * 1e9) / st.records_moved };
}

// ---- bench-production: 10 simulated minutes natively (once), with its peak memory and whether
// the sources emitted what they were asked (the report's per-vertex write-records) ----
if (want("production-native")) {
  const file = path.join(ROOT, "static", "scenarios", "bench-production.json");
  const run = spawnSync(RUNNER, [file, "--stats"], { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`bench-production: the runner failed: ${run.stderr}`);
  const st = JSON.parse(run.stderr.toString().trim().split("\n").pop());
  const rep = JSON.parse(run.stdout.toString());
  const src = rep.barrierscope.vertices.find((v) => v.asked_records_per_second);
  report.production = {
    simulated_s: 600,
    native_wall_s: st.wall_s,
    faster_than_real_time: 600 / st.wall_s,
    events: st.events,
    ns_per_event: (st.wall_s * 1e9) / st.events,
    records_moved: st.records_moved,
    peak_rss_mb: st.peak_rss_kib ? st.peak_rss_kib / 1024 : null,
    source_write_records_per_s: src?.numRecordsOutPerSecond ?? null,
    source_asked_records_per_s: src?.asked_records_per_second ?? null,
    completed: rep.counts.completed,
    failed: rep.counts.failed,
    restarts: rep.barrierscope.restarts.length,
    duplicates: rep.barrierscope.exactly_once.duplicates,
    lost: rep.barrierscope.exactly_once.lost,
  };
}

// ---- production shapes other than bench-production: other parallelisms and rates, 60 simulated
// seconds each with one task failure at 30 s; how much faster than real time, and whether the
// sources emitted their rate and exactly-once held ----
report.shapes = [];
for (const [p, rate] of want("production-shapes") ? [[128, 40000], [200, 12800], [384, 8000], [512, 5000]] : []) {
  const sc = JSON.parse(scenarioText("bench-production"));
  sc.name = `production-p${p}-r${rate}`;
  sc.duration_ms = 60000;
  for (const op of sc.job.operators) {
    op.parallelism = p;
    if (op.kind === "source") op.records_per_sec = rate;
  }
  sc.faults = [{ at_ms: 30000, kind: "kill", task: `map#${Math.floor(p / 3)}` }];
  const file = path.join(OUT, `${sc.name}.json`);
  writeFileSync(file, JSON.stringify(sc));
  const run = spawnSync(RUNNER, [file, "--stats"], { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`${sc.name}: the runner failed: ${run.stderr}`);
  const st = JSON.parse(run.stderr.toString().trim().split("\n").pop());
  const rep = JSON.parse(run.stdout.toString());
  const src = rep.barrierscope.vertices.find((v) => v.asked_records_per_second);
  report.shapes.push({
    parallelism: p,
    rate,
    channels: 2 * p * p + p,
    wall_s: st.wall_s,
    faster_than_real_time: 60 / st.wall_s,
    events: st.events,
    peak_rss_mb: st.peak_rss_kib ? st.peak_rss_kib / 1024 : null,
    source_write_records_per_s: src?.numRecordsOutPerSecond ?? null,
    source_asked_records_per_s: src?.asked_records_per_second ?? null,
    duplicates: rep.barrierscope.exactly_once.duplicates,
    lost: rep.barrierscope.exactly_once.lost,
  });
}

// ---- bundle ----
{
  const dist = process.env.BENCH_DIST || DIST;
  const files = readdirSync(dist).filter((f) => /\.(wasm|js|css)$/.test(f));
  let raw = 0, gz = 0;
  for (const f of files) {
    const b = readFileSync(path.join(dist, f));
    raw += b.length;
    gz += gzipSync(b, { level: 9 }).length;
  }
  report.bundle = { files, raw_bytes: raw, gzip_bytes: gz };
}

// ---- criterion ----
{
  const f = path.join(OUT, "criterion.txt");
  if (existsSync(f)) {
    const m = readFileSync(f, "utf8").match(/acknowledge_10000_subtasks\s+time:\s+\[[\d.]+ \S+ ([\d.]+) (ns|µs|us|ms)/);
    if (m) {
      const unit = { ns: 1, "µs": 1e3, us: 1e3, ms: 1e6 }[m[2]];
      report.coordinator = { ns_per_checkpoint: Number(m[1]) * unit, ns_per_ack: (Number(m[1]) * unit) / 10000 };
    }
  }
}

// ---- the browser parts ----
// BENCH_DIST=dir serves another build (an A/B comparison on a shared machine).
const app = await startApp(process.env.BENCH_DIST ? { dir: process.env.BENCH_DIST } : {});
const browser = await launchBrowser({ viewport: { width: 1280, height: 800 } });
try {
  const page = await browser.newPage();
  // Count animation frames and timers the app schedules; remember when the graph first shows.
  await page.addInitScript(() => {
    const counts = { raf: 0, timeout: 0, interval: 0 };
    window.__bench = { counts, firstGraphAt: null, wasm: null, work: null };
    const raf = window.requestAnimationFrame.bind(window);
    const st = window.setTimeout.bind(window);
    const si = window.setInterval.bind(window);
    window.__benchRaf = raf;
    // The app's frames: while `work` is an array, each one records its main-thread time, from
    // the start of the app's animation-frame callback to the end of that frame's rendering (a
    // message posted in the callback runs after the frame's style, layout and paint).
    window.requestAnimationFrame = (cb) => (counts.raf++, raf((t) => {
      const start = performance.now();
      cb(t);
      const work = window.__bench.work;
      if (work) {
        const mc = new MessageChannel();
        mc.port1.onmessage = () => {
          work.push(performance.now() - start);
          // Where the run was (for the slowest frames), read after the frame was timed.
          window.__bench.workAt?.push(document.querySelector('[data-testid="sim-time"]')?.textContent ?? "");
        };
        mc.port2.postMessage(0);
      }
    }));
    window.setTimeout = (cb, ms, ...a) => (counts.timeout++, st(cb, ms, ...a));
    window.setInterval = (cb, ms, ...a) => (counts.interval++, si(cb, ms, ...a));
    addEventListener("TrunkApplicationStarted", (e) => (window.__bench.wasm = e.detail.wasm));
    new MutationObserver((_, obs) => {
      if (document.querySelector('[data-testid^="subtask-"]')) {
        window.__bench.firstGraphAt = performance.now();
        obs.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  await openApp(page, app.url);
  await page.waitForFunction(() => window.wasmBindings && window.wasmBindings.simulate_counts);

  // wasm simulation, same scenarios, timed in the page.
  for (const name of want("wasm") ? SCENARIOS : []) {
    const text = scenarioText(name);
    const walls = [];
    for (let i = 0; i < RUNS; i++) {
      walls.push(
        await page.evaluate((t) => {
          const t0 = performance.now();
          window.wasmBindings.simulate_counts(t, 60000);
          return (performance.now() - t0) / 1000;
        }, text),
      );
    }
    const wall = median(walls);
    report.wasm[name] = { wall_s_60s_simulated: wall, wasm_over_native_speed: report.native[name]?.wall_s_60s_simulated / wall };
  }
  // bench-production, 10 simulated minutes, once.
  if (want("wasm")) {
    const text = scenarioText("bench-production");
    const wall = await page.evaluate((t) => {
      const t0 = performance.now();
      window.wasmBindings.simulate_counts(t, 600000);
      return (performance.now() - t0) / 1000;
    }, text);
    report.production = { ...report.production, wasm_wall_s: wall };
  }

  // Navigation to the first drawn graph (fresh load).
  await page.goto(app.url);
  await page.waitForFunction(() => window.__bench.firstGraphAt !== null, null, { timeout: 30000 }).catch(() => {});
  if (want("first-graph")) report.app.first_graph_ms = await page.evaluate(() => window.__bench.firstGraphAt);

  const has = async (sel) => (await page.$(sel)) !== null;
  const ui = (await has('[data-testid="scenario-select"]')) && (await has('[data-testid="play-pause"]'));
  if (!ui) {
    report.app.note = "the UI hooks (scenario-select, play-pause) are not there: app figures skipped";
  } else {
    const select = async (name) => {
      await page.selectOption('[data-testid="scenario-select"]', { label: name }).catch(() => page.selectOption('[data-testid="scenario-select"]', name));
      // The bundle fetches any scenario but the default one first: its share link then names it.
      await page.waitForFunction(() => {
        const key = document.querySelector('[data-testid="scenario-select"]').value;
        return new RegExp(`sc=${key}&`).test(location.hash);
      });
      await page.waitForTimeout(500);
    };
    const setSpeedOne = async () => {
      const kind = await page.$eval('[data-testid="speed"]', (e) => e.tagName);
      if (kind === "SELECT") {
        await page.$eval('[data-testid="speed"]', (e) => {
          const o = [...e.options].find((o) => /^1(\.0+)?x?$/.test(o.value) || /^1(\.0+)?x$/.test(o.textContent.trim()));
          if (o) { e.value = o.value; e.dispatchEvent(new Event("change", { bubbles: true })); }
        });
      } else {
        // log-scale slider: find the value whose label says 1x by probing, else the middle.
        await page.$eval('[data-testid="speed"]', (e) => {
          e.value = e.dataset.oneX ?? String((Number(e.min) + Number(e.max)) / 2);
          e.dispatchEvent(new Event("input", { bubbles: true }));
          e.dispatchEvent(new Event("change", { bubbles: true }));
        });
      }
    };
    const isPlaying = () => page.$eval('[data-testid="play-pause"]', (e) => /pause/i.test(e.textContent) || e.getAttribute("aria-pressed") === "true" || e.dataset.playing === "true");
    const play = async (on) => { if ((await isPlaying()) !== on) await page.click('[data-testid="play-pause"]'); };
    // Over `ms`: the intervals between frames (the display cadence: 16.7 ms at 60 Hz is the
    // floor) and each app frame's main-thread work (what must fit in a frame for 60 fps).
    const frameTimes = (ms) => page.evaluate((ms) => new Promise((resolve) => {
      const deltas = []; let last = null; const end = performance.now() + ms;
      window.__bench.work = [];
      window.__bench.workAt = [];
      const tick = (t) => {
        if (last !== null) deltas.push(t - last);
        last = t;
        if (t < end) window.__benchRaf(tick);
        else { const { work, workAt } = window.__bench; window.__bench.work = null; window.__bench.workAt = null; resolve({ deltas, work, workAt }); }
      };
      window.__benchRaf(tick);
    }), ms);

    report.app.frame_ms = {};
    for (const name of [...SCENARIOS, "bench-production"].filter((n) => want(`frames-${n}`))) {
      await select(name);
      await setSpeedOne();
      await play(true);
      await page.waitForTimeout(1000);
      const { deltas: d, work, workAt } = await frameTimes(10000);
      const slowest = work.map((ms, i) => ({ ms, at: workAt[i] })).sort((a, b) => b.ms - a.ms).slice(0, 10);
      report.app.frame_ms[name] = {
        p50: pct(d, 50), p95: pct(d, 95), frames: d.length, over_25ms: d.filter((x) => x > 25).length,
        work_p50: pct(work, 50), work_p95: pct(work, 95), work_max: work.length ? Math.max(...work) : null, app_frames: work.length, slowest,
      };
      await play(false);
    }
    // Work while paused.
    if (want("paused")) {
    await page.waitForTimeout(500);
    const before = await page.evaluate(() => ({ ...window.__bench.counts }));
    await page.waitForTimeout(5000);
    const after = await page.evaluate(() => ({ ...window.__bench.counts }));
    report.app.paused_5s = { animation_frames: after.raf - before.raf, timers: after.timeout - before.timeout + after.interval - before.interval };
    }

    // Scrub: play bench-medium to 10 min at full speed, then scrub to 9 min.
    const simMs = () => page.$eval('[data-testid="sim-time"]', (e) => Number(e.textContent.replace(/[^0-9.]/g, "")));
    const runTo = async (ms, budgetMs) => {
      await page.$eval('[data-testid="speed"]', (e) => {
        if (e.tagName === "SELECT") e.value = e.options[e.options.length - 1].value; else e.value = e.max;
        e.dispatchEvent(new Event("input", { bubbles: true })); e.dispatchEvent(new Event("change", { bubbles: true }));
      });
      await play(true);
      const t0 = Date.now();
      while ((await simMs()) < ms && Date.now() - t0 < budgetMs) await page.waitForTimeout(250);
      await play(false);
      return simMs();
    };
    if (want("scrub")) {
    await select("bench-medium");
    const reached = await runTo(600000, 240000);
    report.app.scrub_run_reached_ms = reached;
    report.app.scrub_to_9min_ms = await page.evaluate(() => new Promise((resolve) => {
      const s = document.querySelector('[data-testid="timeline-slider"]');
      const t0 = performance.now();
      s.value = "540000";
      s.dispatchEvent(new Event("input", { bubbles: true }));
      s.dispatchEvent(new Event("change", { bubbles: true }));
      const check = () => {
        const now = Number(document.querySelector('[data-testid="sim-time"]').textContent.replace(/[^0-9.]/g, ""));
        if (Math.abs(now - 540000) <= 1) resolve(performance.now() - t0);
        else if (performance.now() - t0 > 60000) resolve(null);
        else window.__benchRaf(check);
      };
      check();
    }));
    }
    // Heap after 1 h and 2 h simulated of bench-medium (the app keeps its keyframes), in a
    // freshly loaded app, so that the figures do not depend on what the phases above left in
    // the page's memory.
    const heap = () => page.evaluate(() => window.__bench.wasm?.memory?.buffer?.byteLength ?? null);
    if (want("heap")) {
    await openApp(page, app.url);
    await page.waitForFunction(() => window.__bench.wasm !== null);
    await select("bench-medium");
    report.app.heap = {};
    report.app.heap.reached_1h_ms = await runTo(3600000, 600000);
    report.app.heap.after_1h_bytes = await heap();
    report.app.heap.reached_2h_ms = await runTo(7200000, 600000);
    report.app.heap.after_2h_bytes = await heap();
    }
    // bench-production played for 10 simulated minutes (5 and 10 min: flat), freshly loaded.
    if (want("production-heap")) {
    await openApp(page, app.url);
    await page.waitForFunction(() => window.__bench.wasm !== null);
    await select("bench-production");
    report.app.production_heap = {};
    report.app.production_heap.reached_5min_ms = await runTo(300000, 600000);
    report.app.production_heap.after_5min_bytes = await heap();
    report.app.production_heap.reached_10min_ms = await runTo(600000, 600000);
    report.app.production_heap.after_10min_bytes = await heap();
    }
  }
} finally {
  await browser.close();
  await app.close();
}

// What if: the 6-variant bench-large sweep in Web Workers while a lesson plays (its own script).
if (want("whatif")) {
  const r = spawnSync(process.execPath, [path.join(ROOT, "tests", "e2e", "whatif-bench.mjs")], { encoding: "utf8", timeout: 1_200_000 });
  try {
    report.whatif = JSON.parse(r.stdout.trim().split("\n").pop());
  } catch {
    report.whatif = { error: (r.stderr || r.stdout || "no output").slice(-500) };
  }
}

writeFileSync(path.join(OUT, ONLY ? "report-only.json" : "report.json"), JSON.stringify(report, null, 2) + "\n");

// ---- the table ----
const f = (v, d = 2) => (v === null || v === undefined || Number.isNaN(v) ? "n/a" : typeof v === "number" ? v.toFixed(d) : String(v));
const rows = [["figure", "value", "target"]];
for (const n of SCENARIOS) {
  rows.push([`native ${n}, 60 s simulated (wall s)`, f(report.native[n]?.wall_s_60s_simulated, 3), n === "bench-large" ? "<= 0.3 s" : ""]);
  rows.push([`native ${n}, records moved per wall s`, f(report.native[n]?.records_per_wall_s, 0), ""]);
}
for (const n of SCENARIOS) {
  rows.push([`wasm ${n}, 60 s simulated (wall s)`, f(report.wasm[n]?.wall_s_60s_simulated, 3), ""]);
  rows.push([`wasm / native speed, ${n}`, f(report.wasm[n]?.wasm_over_native_speed, 2), n === "bench-large" ? ">= 0.5" : ""]);
}
{
  const p = report.production ?? {};
  rows.push(["native bench-production, 10 min simulated (wall s)", f(p.native_wall_s, 1), "<= 60"]);
  rows.push(["  times faster than real time / ns per event", `${f(p.faster_than_real_time, 1)} / ${f(p.ns_per_event, 0)}`, ">= 10"]);
  rows.push(["  peak memory, native (MB)", f(p.peak_rss_mb, 0), "<= 1024"]);
  rows.push(["  sources' write-records per s / asked", `${f(p.source_write_records_per_s, 0)} / ${f(p.source_asked_records_per_s, 0)}`, "equal"]);
  rows.push(["  checkpoints completed / failed, restarts, duplicates / lost", `${p.completed} / ${p.failed}, ${p.restarts}, ${p.duplicates} / ${p.lost}`, "0 / 0"]);
  rows.push(["wasm bench-production, 10 min simulated (wall s)", f(p.wasm_wall_s, 1), "<= 120"]);
  const h = report.app.production_heap;
  rows.push(["wasm heap after 5 / 10 min of bench-production (MB)", h ? `${f(h.after_5min_bytes / 2 ** 20, 1)} / ${f(h.after_10min_bytes / 2 ** 20, 1)} (reached ${f(h.reached_5min_ms / 60000, 1)} / ${f(h.reached_10min_ms / 60000, 1)} min)` : "n/a", "<= 256, flat"]);
}
for (const n of [...SCENARIOS, "bench-production"]) {
  const fr = report.app.frame_ms?.[n];
  rows.push([`frame time (work) p50 / p95 / max, ${n} at 1x (ms)`, fr ? `${f(fr.work_p50, 1)} / ${f(fr.work_p95, 1)} / ${f(fr.work_max, 1)}` : "n/a", n === "bench-medium" || n === "bench-production" ? "p95 <= 16.7" : n === "bench-large" ? "p95 <= 33" : ""]);
  rows.push([`frame interval p50 / p95, ${n} at 1x (ms)`, fr ? `${f(fr.p50, 1)} / ${f(fr.p95, 1)}` : "n/a", "display: 16.7 at 60 Hz"]);
  rows.push([`frames in 10 s / intervals over 25 ms, ${n}`, fr ? `${fr.frames} / ${fr.over_25ms}` : "n/a", "600 / 0 is 60 fps"]);
}
rows.push(["paused 5 s: animation frames / timers", report.app.paused_5s ? `${report.app.paused_5s.animation_frames} / ${report.app.paused_5s.timers}` : "n/a", "0 / 0"]);
rows.push(["navigation to first drawn graph (ms)", f(report.app.first_graph_ms, 0), "<= 500"]);
rows.push(["scrub to 9 min of a 10 min bench-medium run (ms)", f(report.app.scrub_to_9min_ms, 0), "<= 150"]);
rows.push(["wasm heap after 1 h / 2 h simulated, bench-medium (MB)", report.app.heap ? `${f(report.app.heap.after_1h_bytes / 2 ** 20, 1)} / ${f(report.app.heap.after_2h_bytes / 2 ** 20, 1)}` : "n/a", "<= 64, no growth"]);
rows.push(["bundle wasm+js+css raw / gzipped (KB)", `${f(report.bundle.raw_bytes / 1024, 1)} / ${f(report.bundle.gzip_bytes / 1024, 1)}`, "gz <= 350"]);
{
  const q = report.whatif ?? {};
  rows.push(["what if: 6 variants x 10 min of bench-large in Web Workers (wall s)", f(q.sweep_wall_s, 1), "<= 30 (native 2 cores)"]);
  rows.push(["what if: frame work p50 / p95, a lesson at 1x during that sweep (ms)", q.frame_work_ms ? `${f(q.frame_work_ms.p50, 1)} / ${f(q.frame_work_ms.p95, 1)}` : "n/a", "p95 <= 16.7"]);
  rows.push(["  the same lesson alone (ms)", q.without_sweep ? `${f(q.without_sweep.frame_work_ms.p50, 1)} / ${f(q.without_sweep.frame_work_ms.p95, 1)}` : "n/a", ""]);
  rows.push(["  frame interval p95 during / alone (ms)", q.frame_interval_ms ? `${f(q.frame_interval_ms.p95, 1)} / ${f(q.without_sweep.frame_interval_ms.p95, 1)}` : "n/a", "display: 16.7 at 60 Hz"]);
}
rows.push(["coordinator, ns per ack at 10,000 subtasks", f(report.coordinator.ns_per_ack, 1), "<= 100"]);
for (const v of report.shapes ?? []) {
  rows.push([`production shape p ${v.parallelism} (${v.channels} channels), ${v.rate} records/s per source subtask, 60 s: wall s, x real time, write-records / asked, duplicates / lost, peak MB`, `${f(v.wall_s, 1)}, ${f(v.faster_than_real_time, 1)}x, ${f(v.source_write_records_per_s, 0)} / ${f(v.source_asked_records_per_s, 0)}, ${v.duplicates} / ${v.lost}, ${f(v.peak_rss_mb, 0)}`, ">= 10x, equal, 0 / 0"]);
}
for (const [k, v] of Object.entries(report.scaling ?? {})) {
  rows.push([`scaling: bench-large ${k} (p ${v.parallelism}, ${v.channels} channels), 60 s`, `${f(v.wall_s, 2)} s, ${f(v.ns_per_record, 0)} ns/record`, "linear"]);
}
const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => c.padEnd(w[i])).join(" | ")} |`;
console.log(line(rows[0]));
console.log(`|${w.map((x) => "-".repeat(x + 2)).join("|")}|`);
for (const r of rows.slice(1)) console.log(line(r));
console.log(`\nmachine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memory_gb} GB; written to target/bench/report.json`);
if (report.app.note) console.log(`note: ${report.app.note}`);
