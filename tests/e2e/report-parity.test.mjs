// Same run everywhere: for every shipped scenario, the simulation compiled to wasm and run in
// headless Chromium prints a report byte-identical to the native runner's.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { ROOT, assertClean, launchBrowser, openApp, startApp, watchPage } from "./helpers.mjs";

// Long benchmark scenarios are compared over their first simulated seconds only.
const LIMIT_MS = 20000;
const SCENARIOS = path.join(ROOT, "static", "scenarios");

function runner() {
  const bin = path.join(ROOT, "target", "debug", "barrierscope-sim");
  if (!existsSync(bin) || process.env.E2E_REBUILD) {
    execFileSync("cargo", ["build", "--bin", "barrierscope-sim"], { cwd: ROOT, stdio: "inherit" });
  }
  return bin;
}

let app;
let browser;
before(async () => {
  app = await startApp();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await app?.close();
});

test("native runner and wasm build print byte-identical reports for every shipped scenario", async () => {
  const bin = runner();
  const files = readdirSync(SCENARIOS).filter((f) => f.endsWith(".json") && f !== "index.json").sort();
  assert.ok(files.length >= 3, `expected shipped scenarios in ${SCENARIOS}`);
  const page = await browser.newPage();
  const diag = watchPage(page);
  await openApp(page, app.url);
  await page.waitForFunction(() => window.wasmBindings && typeof window.wasmBindings.simulate_report === "function");
  for (const f of files) {
    const file = path.join(SCENARIOS, f);
    const text = readFileSync(file, "utf8");
    const duration = JSON.parse(text).duration_ms;
    const until = Math.min(duration, LIMIT_MS);
    const native = execFileSync(bin, [file, "--until-ms", String(until)]).toString().trimEnd();
    const wasm = await page.evaluate(([t, u]) => window.wasmBindings.simulate_report(t, u), [text, until]);
    assert.equal(wasm, native, `${f}: the wasm report differs from the native one`);
    assert.ok(JSON.parse(native).history.length > 0 || JSON.parse(text).checkpointing?.interval_ms == null, `${f}: no checkpoint in the report`);
  }
  await assertClean(diag);
});
