// Diagnostic (not a test): plays bench-medium at full speed in the app and prints the wasm
// heap (linear memory size) each time it grows, against simulated time, up to 2 h simulated.
// Needs a release bundle in dist/ (scripts/bench.sh builds one): node tests/e2e/heap-trace.mjs
// SCENARIO=key and UNTIL_MIN=n play another scenario for n simulated minutes, e.g.
// SCENARIO=bench-production UNTIL_MIN=10 node tests/e2e/heap-trace.mjs
import { startApp, launchBrowser, openApp } from "./helpers.mjs";
import { pickScenario } from "./ui-helpers.mjs";

const SCENARIO = process.env.SCENARIO ?? "bench-medium";
const UNTIL_MS = Number(process.env.UNTIL_MIN ?? 120) * 60000;

const app = await startApp(process.env.DIST_DIR ? { dir: process.env.DIST_DIR } : {});
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  await page.addInitScript(() => {
    window.__heap = { wasm: null };
    addEventListener("TrunkApplicationStarted", (e) => (window.__heap.wasm = e.detail.wasm));
  });
  await openApp(page, app.url);
  await pickScenario(page, SCENARIO);
  await page.waitForTimeout(500);
  await page.$eval('[data-testid="speed"]', (e) => {
    if (e.tagName === "SELECT") e.value = e.options[e.options.length - 1].value; else e.value = e.max;
    e.dispatchEvent(new Event("input", { bubbles: true })); e.dispatchEvent(new Event("change", { bubbles: true }));
  });
  await page.click('[data-testid="play-pause"]');
  const simMs = () => page.$eval('[data-testid="sim-time"]', (e) => Number(e.textContent.replace(/[^0-9.]/g, "")));
  const heap = () => page.evaluate(() => window.__heap.wasm?.memory?.buffer?.byteLength ?? null);
  const t0 = Date.now();
  let last = -1;
  while (Date.now() - t0 < 1500000) {
    await page.waitForTimeout(1000);
    const t = await simMs();
    const h = await heap();
    if (h !== last) console.log(`${((Date.now() - t0) / 1000).toFixed(0)} s wall, ${(t / 60000).toFixed(1)} min simulated: ${(h / 2 ** 20).toFixed(2)} MiB`);
    last = h;
    if (t >= UNTIL_MS) break;
  }
  console.log(`end: ${(await simMs()) / 60000} min, ${((await heap()) / 2 ** 20).toFixed(2)} MiB`);
} finally {
  await browser.close();
  await app.close();
}
