// Frame trace: plays a scenario (bench-production by default) at 1x in Chromium and records a
// DevTools performance trace of a few seconds, then prints where the main thread's time went
// per frame: the app's animation-frame callback (simulation, view models, yew's diff and DOM
// patch: JavaScript and wasm), style, layout, pre-paint, paint, layerize and commit, garbage
// collection. Not a test: a profiling aid for docs/performance.md.
//
//   node tests/e2e/frame-trace.mjs [SCENARIO] [SECONDS]    (BENCH_DIST=dir for another build;
//   TRACE_OUT=file.json keeps the raw trace; CPU_PROFILE=1 adds a sampled profile of the JS
//   and wasm functions inside the frames)
import { writeFileSync } from "node:fs";
import { launchBrowser, openApp, startApp } from "./helpers.mjs";
import { pickScenario } from "./ui-helpers.mjs";

const name = process.argv[2] ?? "bench-production";
const seconds = Number(process.argv[3] ?? 5);
const app = await startApp(process.env.BENCH_DIST ? { dir: process.env.BENCH_DIST } : {});
const browser = await launchBrowser({ viewport: { width: 1280, height: 800 } });
try {
  const page = await browser.newPage();
  await openApp(page, app.url);
  await pickScenario(page, name);
  await page.waitForTimeout(500);
  await page.$eval('[data-testid="speed"]', (e) => {
    e.value = e.dataset.oneX ?? String((Number(e.min) + Number(e.max)) / 2);
    e.dispatchEvent(new Event("input", { bubbles: true }));
    e.dispatchEvent(new Event("change", { bubbles: true }));
  });
  await page.click('[data-testid="play-pause"]');
  await page.waitForTimeout(1500);
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on("Tracing.dataCollected", (d) => events.push(...d.value));
  const done = new Promise((r) => cdp.once("Tracing.tracingComplete", r));
  if (process.env.CPU_PROFILE) {
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
    await cdp.send("Profiler.start");
  }
  await cdp.send("Tracing.start", {
    categories: "devtools.timeline,disabled-by-default-devtools.timeline,v8,blink,cc",
    transferMode: "ReportEvents",
  });
  await page.waitForTimeout(seconds * 1000);
  await cdp.send("Tracing.end");
  await done;
  let profile = null;
  if (process.env.CPU_PROFILE) profile = (await cdp.send("Profiler.stop")).profile;
  await page.click('[data-testid="play-pause"]');
  if (process.env.TRACE_OUT) writeFileSync(process.env.TRACE_OUT, JSON.stringify({ traceEvents: events }));
  // The renderer's main thread.
  // (the page's renderer: the one whose main thread ran the animation frames)
  const mains = events.filter((e) => e.name === "thread_name" && e.args?.name === "CrRendererMain");
  const fired = (m) => events.filter((e) => e.pid === m.pid && e.tid === m.tid && e.name === "FireAnimationFrame").length;
  const main = mains.reduce((a, b) => (fired(b) > fired(a) ? b : a));
  const onMain = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === "X");
  const frames = onMain.filter((e) => e.name === "FireAnimationFrame").length;
  // Self time of each event name (nested events subtracted), in ms over the trace.
  const byName = new Map();
  const sorted = onMain.slice().sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const stack = [];
  for (const e of sorted) {
    while (stack.length && stack[stack.length - 1].ts + stack[stack.length - 1].dur <= e.ts) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent) parent.self -= e.dur;
    e.self = e.dur;
    stack.push(e);
  }
  for (const e of sorted) byName.set(e.name, (byName.get(e.name) ?? 0) + e.self / 1000);
  const total = [...byName.values()].reduce((a, b) => a + b, 0);
  console.log(`${name}: ${frames} animation frames in ${seconds} s; main-thread busy ${total.toFixed(0)} ms (${(total / frames).toFixed(2)} ms per frame)`);
  console.log("self time per frame (ms), by trace event:");
  for (const [n, ms] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${n.padEnd(32)} ${(ms / frames).toFixed(3)}`);
  if (profile) {
    const self = new Map();
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const dt = profile.timeDeltas;
    profile.samples.forEach((id, i) => {
      const n = nodes.get(id);
      const key = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").pop()}`;
      self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
    });
    // Total (inclusive) time: every function on a sample's stack, once.
    const parent = new Map();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const total = new Map();
    profile.samples.forEach((id, i) => {
      const seen = new Set();
      for (let n = id; n !== undefined; n = parent.get(n)) {
        const f = nodes.get(n).callFrame;
        const key = `${f.functionName || "(anon)"} ${f.url.split("/").pop()}`.replace(/::h[0-9a-f]{16}/, "");
        if (!seen.has(key)) { seen.add(key); total.set(key, (total.get(key) ?? 0) + (dt[i] ?? 0) / 1000); }
      }
    });
    console.log("CPU profile, total ms per frame, top functions:");
    for (const [n, ms] of [...total].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.CPU_TOP ?? 40))) console.log(`  ${(ms / frames).toFixed(3)}  ${n}`);
    console.log("CPU profile, self ms per frame, top functions:");
    for (const [n, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`  ${(ms / frames).toFixed(3)}  ${n}`);
  }
} finally {
  await browser.close();
  await app.close();
}
