// What-if benchmark (not a test; prints one JSON line): in headless Chromium, the What-if panel
// runs a 6-variant sweep of 10 simulated minutes of bench-large in Web Workers (unaligned
// false/true x interval 1 s, 5 s, 10 s: the native sweep's bench in docs/what-if.md) and reports
// its wall time; while it runs, a lesson (backpressure-aligned) plays at 1x and the frame
// intervals and the app's main-thread work per frame are recorded (p50 / p95), and the same
// lesson alone first, as the reference on this machine.
//
//   node tests/e2e/whatif-bench.mjs [--probe-ms 10000]
import { launchBrowser, openApp, startApp } from "./helpers.mjs";
import { tid, pickScenario } from "./ui-helpers.mjs";

const at = process.argv.indexOf("--probe-ms");
const probeMs = at > 0 ? Number(process.argv[at + 1]) : 10000;
const pct = (xs, p) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length ? v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))] : null;
};

const app = await startApp(process.env.BENCH_DIST ? { dir: process.env.BENCH_DIST } : {});
const browser = await launchBrowser({ viewport: { width: 1280, height: 800 } });
try {
  const page = await browser.newPage();
  await page.addInitScript(() => {
    const raf = window.requestAnimationFrame.bind(window);
    window.__probe = { raf, work: null };
    // Each app frame's main-thread time: from its animation-frame callback to the end of the
    // frame's rendering (a message posted in the callback runs after style, layout and paint).
    window.requestAnimationFrame = (cb) => raf((t) => {
      const start = performance.now();
      cb(t);
      const work = window.__probe.work;
      if (work) {
        const mc = new MessageChannel();
        mc.port1.onmessage = () => work.push(performance.now() - start);
        mc.port2.postMessage(0);
      }
    });
  });
  await openApp(page, app.url);
  const probeFrames = () => page.evaluate((ms) => new Promise((resolve) => {
    const deltas = [];
    let last = null;
    const end = performance.now() + ms;
    window.__probe.work = [];
    const tick = (t) => {
      if (last !== null) deltas.push(t - last);
      last = t;
      if (t < end) window.__probe.raf(tick);
      else {
        const work = window.__probe.work;
        window.__probe.work = null;
        resolve({ deltas, work });
      }
    };
    window.__probe.raf(tick);
  }), probeMs);
  // The same lesson at 1x with no sweep running first: the reference on this machine.
  await pickScenario(page, "backpressure-aligned");
  await page.waitForTimeout(300);
  await page.click(tid("play-pause"));
  await page.waitForTimeout(1000);
  const alone = await probeFrames();
  await page.click(tid("play-pause"));
  await pickScenario(page, "bench-large");
  await page.waitForTimeout(500);
  await page.click(tid("whatif"));
  for (let i = 1; i < 6; i++) await page.click(tid("whatif-add"));
  const cell = (i, k) => `${tid(`whatif-variant-${i}`)} input >> nth=${k}`;
  let i = 0;
  for (const unaligned of ["false", "true"]) {
    for (const interval of ["1000", "5000", "10000"]) {
      await page.fill(cell(i, 0), unaligned);
      await page.fill(cell(i, 2), interval);
      await page.press(cell(i, 2), "Tab");
      i++;
    }
  }
  await page.fill(tid("whatif-until"), process.env.WHATIF_UNTIL ?? "10 min");
  await page.press(tid("whatif-until"), "Tab");
  const workers = await page.evaluate(() => navigator.hardwareConcurrency);
  await page.click(tid("whatif-run"));
  const t0 = Date.now();
  // The panel closed, the workers go on: a lesson plays at 1x meanwhile.
  await page.click(`${tid("whatif-panel")} .dismiss`);
  await pickScenario(page, "backpressure-aligned");
  await page.waitForTimeout(300);
  await page.click(tid("play-pause"));
  await page.waitForTimeout(1000);
  const frames = await probeFrames();
  await page.click(tid("play-pause"));
  await page.click(tid("whatif"));
  await page.waitForFunction(() => document.querySelector('[data-testid="whatif-status"]')?.dataset.wallMs, null, { timeout: 900_000, polling: 1000 });
  const wallMs = Number(await page.getAttribute(tid("whatif-status"), "data-wall-ms"));
  const rows = await page.$$eval('[data-testid^="whatif-row-"]', (rs) => rs.map((r) => [...r.querySelectorAll("td")].slice(0, 5).map((t) => t.textContent).join(" | ")));
  console.log(JSON.stringify({
    hardware_concurrency: workers,
    sweep_wall_s: wallMs / 1000,
    waited_s: (Date.now() - t0) / 1000,
    without_sweep: {
      frame_interval_ms: { p50: pct(alone.deltas, 50), p95: pct(alone.deltas, 95), frames: alone.deltas.length },
      frame_work_ms: { p50: pct(alone.work, 50), p95: pct(alone.work, 95), max: Math.max(...alone.work) },
    },
    frame_interval_ms: { p50: pct(frames.deltas, 50), p95: pct(frames.deltas, 95), frames: frames.deltas.length },
    frame_work_ms: { p50: pct(frames.work, 50), p95: pct(frames.work, 95), max: Math.max(...frames.work) },
    rows,
  }));
} finally {
  await browser.close();
  await app.close();
}
