// End-to-end tests of the visualiser in headless Chromium: every shipped scenario loads and
// animates; a killed subtask fails a checkpoint and the job restores; under backpressure
// aligned checkpoints expire and unaligned ones complete; scrubbing and share links reproduce
// the exact frame; settings are validated; keyboard, visibility and the no-work-when-paused
// rule. Screenshots of each go to target/e2e/ (1280x800 and 1920x1080).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { assertClean, launchBrowser, openApp, screenshot, startApp, watchPage } from "./helpers.mjs";
import {
  assertSameFrame,
  count,
  fingerprint,
  isPlaying,
  pause,
  play,
  playUntil,
  scenarioKeys,
  scrubTo,
  setSpeed,
  simTimeUs,
  tid,
  pickScenario,
} from "./ui-helpers.mjs";

let app;
let browser;
let wide;

before(async () => {
  app = await startApp();
  browser = await launchBrowser({ viewport: { width: 1280, height: 800 } });
  wide = await launchBrowser({ viewport: { width: 1920, height: 1080 } });
});

after(async () => {
  await browser?.close();
  await wide?.close();
  await app?.close();
});

async function open(hash = "", { context = browser } = {}) {
  const page = await context.newPage();
  const diag = watchPage(page);
  await openApp(page, app.url + hash);
  return { page, diag };
}

// A job whose sink is slowed down 60×: its input channels fill up and upstream is
// backpressured. Checkpoints time out after 350 ms and failures are tolerated, so that the
// job keeps running while aligned checkpoints expire.
const BACKPRESSURE = {
  name: "e2e: backpressure",
  description: "A sink slowed down 60× backpressures the job; aligned barriers queue behind the in-flight data.",
  seed: 7,
  duration_ms: 30000,
  job: {
    operators: [
      { name: "src", kind: "source", parallelism: 2, records_per_sec: 200 },
      { name: "k", kind: "keyed", parallelism: 2 },
      { name: "sink", kind: "sink", parallelism: 2 },
    ],
    edges: [
      { from: "src", to: "k", partitioning: "hash" },
      { from: "k", to: "sink", partitioning: "forward" },
    ],
  },
  checkpointing: { interval_ms: 500, timeout_ms: 10000, tolerable_failed: 1000 },
  network: { segment_size: 4096 },
  faults: [{ at_ms: 1000, kind: "slow", task: "sink#0", factor: 60, duration_ms: 60000 }],
};

describe("scenarios", () => {
  test("every shipped scenario loads, animates and shows its graph", async () => {
    const { page, diag } = await open();
    const keys = await scenarioKeys(page);
    assert.ok(keys.length >= 1, "the picker lists the shipped scenarios");
    assert.ok(keys.includes("happy-path"));
    for (const key of keys) {
      await pickScenario(page, key);
      assert.equal(await simTimeUs(page), 0, `${key} starts at 0 ms`);
      assert.match(page.url(), new RegExp(`sc=${key}&`));
      const subtasks = await page.$$eval("g[data-testid^='subtask-']", (e) => e.length);
      assert.ok(subtasks >= 1, `${key} draws its subtasks`);
      const states = await page.$$eval("g[data-testid^='subtask-']", (e) => e.map((x) => x.dataset.state));
      assert.ok(states.every((s) => s === "running"), `${key}: every subtask starts running`);
      await setSpeed(page, 0);
      await play(page);
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="sim-time"]').dataset.us) > 200_000, null, { timeout: 20_000 });
      await pause(page);
      assert.ok((await page.textContent(tid("scenario-name"))).length > 0);
      await screenshot(page, `scenario-${key}`);
    }
    await assertClean(diag);
    await page.close();
  });

  test("more than 200 channels are drawn as one bundle per operator pair with counts", async () => {
    const { page, diag } = await open();
    const keys = await scenarioKeys(page);
    const big = keys.find((k) => k === "bench-large") ?? null;
    if (!big) return; // no big scenario shipped
    await pickScenario(page, big);
    await setSpeed(page, 0);
    await playUntil(page, () => Number(document.querySelector('[data-testid="count-completed"]').textContent) >= 1);
    assert.equal(await page.$$eval("[data-testid^='channel-']", (e) => e.length), 0, "no per-channel lines");
    const bundles = await page.$$eval("[data-testid^='bundle-']", (e) => e.map((x) => Number(x.dataset.channels)));
    assert.ok(bundles.length >= 1 && bundles.some((n) => n > 200), `bundles: ${bundles}`);
    await screenshot(page, "aggregated-bench-large");
    await assertClean(diag);
    await page.close();
  });
});

describe("faults", () => {
  test("killing a subtask fails the pending checkpoint, the job restores from the latest completed one", async () => {
    const { page, diag } = await open();
    await setSpeed(page, 0); // 1×: a checkpoint is pending for ~170 ms of each second
    await playUntil(page, () => Number(document.querySelector('[data-testid="count-completed"]').textContent) >= 1
      && Number(document.querySelector('[data-testid="count-in-progress"]').textContent) >= 1);
    const failedBefore = await count(page, "failed");
    await page.click(tid("subtask-counter-1"));
    await page.waitForSelector(tid("inspector"));
    await screenshot(page, "inspector");
    await page.click(tid("fault-kill"));
    assert.equal(await page.getAttribute(tid("subtask-counter-1"), "data-state"), "failed");
    assert.ok((await count(page, "failed")) > failedBefore, "the pending checkpoint failed");
    const failedRow = await page.$("[data-testid^='checkpoint-row-'][data-status='FAILED']");
    assert.ok(failedRow, "a FAILED row in the history");
    // Flink 2.3: a task leaving RUNNING suspends the coordinator; its message shows, the enum on hover.
    assert.match(await failedRow.textContent(), /Checkpoint Coordinator is suspending\./);
    assert.match(await failedRow.$eval(".reason", (r) => r.title), /^CHECKPOINT_COORDINATOR_SUSPEND/);
    await screenshot(page, "kill-failed");
    await playUntil(page, () => Number(document.querySelector('[data-testid="count-restored"]').textContent) >= 1);
    assert.match(await page.textContent(tid("latest-restored")), /from #\d+/);
    assert.match(page.url(), /&in=/, "the kill is recorded in the share link");
    await playUntil(page, () => document.querySelector('[data-testid="subtask-counter-1"]').dataset.state !== "restoring"
      && document.querySelector('[data-testid="job-status"]').textContent.includes("RUNNING"));
    await screenshot(page, "kill-restored");
    await assertClean(diag);
    await page.close();
  });

  test("under backpressure aligned checkpoints expire; switched to unaligned they complete", async () => {
    const { page, diag } = await open();
    await page.click(tid("import"));
    await page.fill(tid("import-json"), JSON.stringify(BACKPRESSURE));
    await page.click(tid("import-load"));
    assert.equal(await page.textContent(tid("scenario-name")), BACKPRESSURE.name);
    // A checkpoint timeout shorter than the alignment under backpressure.
    await page.click(tid("tab-settings"));
    await page.fill(tid("config-timeout"), "350");
    await page.press(tid("config-timeout"), "Enter");
    assert.equal(await page.$(tid("error")), null, "a valid setting raises no error");
    await setSpeed(page, 0.5);
    await playUntil(page, () => Number(document.querySelector('[data-testid="count-failed"]').textContent) >= 3);
    const expired = await page.$$eval("[data-status='FAILED']", (rows) => rows.map((r) => r.textContent));
    assert.ok(expired.some((t) => t.includes("Checkpoint expired before completing.")), `expired rows: ${expired}`);
    assert.ok(await page.$(".channel.full"), "full channels show the backpressure");
    await screenshot(page, "backpressure-aligned-expired");
    const completedBefore = await count(page, "completed");
    await page.check(tid("config-unaligned"));
    assert.equal(await page.$(tid("error")), null);
    await playUntil(page, (n) => Number(document.querySelector('[data-testid="count-completed"]').textContent) >= n + 3, completedBefore);
    const unaligned = await page.$$eval("[data-status='COMPLETED']", (rows) => rows.filter((r) => r.querySelector(".type").title.includes("UNALIGNED_CHECKPOINT")).length);
    assert.ok(unaligned >= 3, `${unaligned} completed unaligned checkpoints`);
    // Step until an unaligned (priority) barrier is in flight, to see it drawn.
    for (let i = 0; i < 3000 && !(await page.$("[data-testid='barrier'][data-priority='true']")); i++) {
      await page.keyboard.press("ArrowRight");
    }
    await screenshot(page, "backpressure-unaligned-completes");
    await assertClean(diag);
    await page.close();
  });

  test("global faults and manual triggers go through the simulation and replay", async () => {
    const { page, diag } = await open();
    await setSpeed(page, 1);
    await playUntil(page, () => Number(document.querySelector('[data-testid="count-completed"]').textContent) >= 1);
    await page.click(tid("trigger-savepoint"));
    await page.fill(`${tid("toolbar")} input[type=number]`, "500");
    await page.press(`${tid("toolbar")} input[type=number]`, "Enter");
    await page.click(tid("fault-storage-outage"));
    assert.equal(await page.getAttribute(tid("storage"), "data-status"), "down");
    await playUntil(page, () => document.querySelector('[data-testid="storage"]').dataset.status === "up");
    await page.click(tid("trigger-checkpoint"));
    await page.click(tid("fault-coordinator-failover"));
    assert.equal(await page.textContent(tid("coordinator-status")), "DOWN");
    await playUntil(page, () => Number(document.querySelector('[data-testid="count-restored"]').textContent) >= 1);
    const link = page.url();
    const frame = await fingerprint(page);
    await screenshot(page, "global-faults");
    const again = await open(new URL(link).hash);
    assertSameFrame(await fingerprint(again.page), frame, "replayed global faults");
    await assertClean(diag);
    await assertClean(again.diag);
    await again.page.close();
    await page.close();
  });
});

describe("time travel and sharing", () => {
  test("scrubbing back and forward shows the same frame", async () => {
    const { page, diag } = await open();
    await setSpeed(page, 0.5);
    await playUntil(page, () => Number(document.querySelector('[data-testid="sim-time"]').dataset.us) > 3_500_000);
    const furthestMs = Number(await page.getAttribute(tid("timeline-slider"), "max"));
    assert.equal(Number(await page.inputValue(tid("timeline-slider"))), furthestMs, "slider at the furthest point");
    assert.equal(await simTimeUs(page), furthestMs * 1000, "a paused frame sits on a whole ms");
    const there = await fingerprint(page);
    await scrubTo(page, 1200);
    assert.equal(await simTimeUs(page), 1_200_000);
    assert.equal(Number(await page.getAttribute(tid("timeline-slider"), "max")), furthestMs, "scrubbing back keeps the furthest point");
    const back = await fingerprint(page);
    await screenshot(page, "scrubbed-back");
    await scrubTo(page, 2500);
    await scrubTo(page, furthestMs);
    assertSameFrame(await fingerprint(page), there, "scrubbed forward again");
    await scrubTo(page, 1200);
    assertSameFrame(await fingerprint(page), back, "scrubbed back again");
    // Injecting while rewound forks the run: the future is dropped.
    await page.click(tid("trigger-savepoint"));
    assert.equal(Number(await page.getAttribute(tid("timeline-slider"), "max")), 1200);
    await assertClean(diag);
    await page.close();
  });

  test("a shared URL reproduces the identical frame; a history row expands in place and keeps its details", async () => {
    const { page, diag } = await open("", { context: wide });
    await setSpeed(page, 1);
    await playUntil(page, () => Number(document.querySelector('[data-testid="count-completed"]').textContent) >= 2);
    await page.click(tid("subtask-counter-0"));
    await page.click(tid("fault-drop-ack"));
    await page.click(tid("tab-settings"));
    await page.fill(tid("config-interval"), "700");
    await page.press(tid("config-interval"), "Enter");
    await setSpeed(page, -1);
    await play(page);
    await page.waitForTimeout(1200);
    await pause(page);
    const link = page.url();
    assert.match(link, /#v=1&sc=happy-path&seed=\d+&in=.+&t=\d+&ev=\d+&k=2$/);
    const frame = await fingerprint(page);
    await screenshot(page, "shared-1920");
    const other = await open(new URL(link).hash, { context: wide });
    assertSameFrame(await fingerprint(other.page), frame, "the shared link");
    assert.equal(await other.page.inputValue(tid("config-interval")), "700");
    // A step is a frame between two events: its link reproduces it too.
    await page.click(tid("step"));
    await page.click(tid("step"));
    const stepped = await fingerprint(page);
    const third = await open(new URL(page.url()).hash, { context: wide });
    assertSameFrame(await fingerprint(third.page), stepped, "a stepped frame's link");
    // History row: it expands in place with checkpoint 2's per-subtask details as it finished;
    // "show in animation" jumps to its trigger time and the details stay.
    await page.click(tid("tab-checkpoints"));
    const row = tid("checkpoint-row-2");
    const trigger = Number((await page.$eval(`${row} td:nth-child(4)`, (td) => td.textContent)).trim());
    const t0 = await simTimeUs(page);
    await page.click(row);
    assert.equal(await simTimeUs(page), t0, "expanding a row does not move the animation");
    assert.equal(await page.getAttribute(row, "data-status"), "COMPLETED");
    const details = tid("checkpoint-details-2");
    assert.ok(await page.$(details), "per-subtask details in place");
    assert.equal(await page.$$eval(`${details} td.na`, (e) => e.length), 0, "every subtask acknowledged");
    await page.click(tid("show-in-animation-2"));
    assert.equal(await simTimeUs(page), trigger * 1000);
    assert.equal(await page.getAttribute(row, "data-status"), "IN_PROGRESS");
    assert.equal(await page.$$eval(`${details} td.na`, (e) => e.length), 0, "the details stay as the checkpoint finished");
    await screenshot(page, "history-jump-1920");
    for (const p of [other, third]) {
      await assertClean(p.diag);
      await p.page.close();
    }
    await assertClean(diag);
    await page.close();
  });

  test("a URL hash that is not a share link shows the error banner over the default scenario", async () => {
    const { page } = await open("#v=1&sc=happy-path&seed=oops&t=0");
    await page.waitForSelector(tid("error"));
    assert.match(await page.textContent(tid("error")), /not a valid BarrierScope share link/);
    assert.ok(await page.$(tid("subtask-source-0")), "the default scenario is shown");
    await screenshot(page, "bad-link");
    await page.close();
  });

  test("an imported file that is a shipped scenario unchanged gets its short share link, once its file is fetched", async () => {
    const { page, diag } = await open();
    const text = readFileSync(new URL("../../static/scenarios/task-crash.json", import.meta.url), "utf8");
    await page.click(tid("import"));
    await page.fill(tid("import-json"), text);
    await page.click(tid("import-load"));
    // The bundle embeds only the default scenario: task-crash's file is fetched and compared.
    await page.waitForFunction(() => /sc=task-crash&/.test(location.hash));
    assert.equal(await page.$eval(tid("scenario-select"), (s) => s.value), "task-crash");
    // Changed in one value, it is not that scenario: the link carries the whole file.
    await page.click(tid("import"));
    await page.fill(tid("import-json"), JSON.stringify({ ...JSON.parse(text), duration_ms: JSON.parse(text).duration_ms + 1 }));
    await page.click(tid("import-load"));
    await page.waitForFunction(() => /json=/.test(location.hash));
    assert.equal(await page.$eval(tid("scenario-select"), (s) => s.selectedIndex), -1, "no shipped scenario picked");
    await assertClean(diag);
    await page.close();
  });

  test("after a scenario's fetch fails, the picker shows the scenario still running", async () => {
    const { page } = await open();
    await pickScenario(page, "lost-ack");
    const name = await page.textContent(tid("scenario-name"));
    // The file of the next pick is missing (a 404, as from a server without it).
    await page.route("**/scenarios/task-crash.json", (route) => route.fulfill({ status: 404, body: "" }));
    await page.selectOption(tid("scenario-select"), "task-crash");
    await page.waitForSelector(tid("error"));
    assert.match(await page.textContent(tid("error")), /Scenario `task-crash` could not be fetched \(scenarios\/task-crash\.json: HTTP 404\)\. The run on screen is kept\./);
    assert.equal(await page.textContent(tid("scenario-name")), name, "the run on screen is kept");
    assert.equal(await page.$eval(tid("scenario-select"), (s) => s.value), "lost-ack", "the picker shows the scenario running");
    assert.match(page.url(), /sc=lost-ack&/);
    await screenshot(page, "fetch-failed-picker");
    // The file back: picking it again opens it.
    await page.unroute("**/scenarios/task-crash.json");
    await pickScenario(page, "task-crash");
    assert.equal(await page.$eval(tid("scenario-select"), (s) => s.value), "task-crash");
    await page.close();
  });
});

describe("controls", () => {
  test("settings are validated with Flink's messages and the run is kept", async () => {
    const { page, diag } = await open();
    await page.click(tid("tab-settings"));
    await page.fill(tid("config-interval"), "5");
    await page.press(tid("config-interval"), "Enter");
    await page.waitForSelector(tid("error"));
    assert.match(await page.textContent(tid("error")), /interval_ms: must be >= 10 ms/);
    assert.match(await page.textContent(tid("error")), /checkpointing\.interval_ms, Flink's execution\.checkpointing\.interval/);
    assert.equal(await page.inputValue(tid("config-interval")), "1000", "the form shows the setting in force again");
    await page.selectOption(tid("config-mode"), "AT_LEAST_ONCE");
    await page.click(tid("config-unaligned"));
    assert.match(await page.textContent(tid("error")), /unaligned checkpoints are only supported with mode EXACTLY_ONCE/);
    assert.equal(await page.isChecked(tid("config-unaligned")), false);
    for (const f of ["interval", "mode", "timeout", "min-pause", "max-concurrent", "tolerable-failed", "unaligned", "aligned-timeout", "num-retained"]) {
      assert.ok(await page.$(tid(`config-${f}`)), `config-${f} exists`);
    }
    // An invalid import keeps the current run.
    await page.click(tid("import"));
    await page.fill(tid("import-json"), '{"name": "x", "duration_ms": 10, "job": {"operators": []}}');
    await page.click(tid("import-load"));
    assert.match(await page.textContent(tid("error")), /job.operators: a job needs at least one operator/);
    await page.keyboard.press("Escape");
    assert.equal(await page.textContent(tid("scenario-name")), "happy-path");
    // Export shows the scenario as JSON (as text, in a textarea).
    await page.click(tid("export"));
    const json = JSON.parse(await page.inputValue(tid("export-json")));
    assert.equal(json.name, await page.textContent(tid("scenario-name")));
    await page.keyboard.press("Escape");
    // Seed: a new run with that seed.
    await page.fill(tid("seed"), "1234");
    await page.press(tid("seed"), "Enter");
    assert.match(page.url(), /seed=1234/);
    await screenshot(page, "settings-error");
    assert.equal(diag.pageErrors.length, 0);
    await page.close();
  });

  test("keyboard: space plays and pauses, arrows step, ? shows the shortcuts", async () => {
    const { page, diag } = await open();
    await page.click(tid("graph")); // focus somewhere else than a control
    await page.keyboard.press(" ");
    assert.equal(await isPlaying(page), true);
    await page.keyboard.press(" ");
    assert.equal(await isPlaying(page), false);
    // Space on the focused play button toggles once, not twice.
    await page.focus(tid("play-pause"));
    await page.keyboard.press(" ");
    assert.equal(await isPlaying(page), true);
    await page.keyboard.press(" ");
    assert.equal(await isPlaying(page), false);
    const t0 = await simTimeUs(page);
    for (let i = 0; i < 20; i++) await page.keyboard.press("ArrowRight");
    const t1 = await simTimeUs(page);
    assert.ok(t1 >= t0, "stepping moves forward");
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("?");
    await page.waitForSelector(tid("help-overlay"));
    assert.match(await page.textContent(tid("help-overlay")), /Space/);
    await screenshot(page, "help");
    await page.keyboard.press("Escape");
    assert.equal(await page.$(tid("help-overlay")), null);
    await assertClean(diag);
    await page.close();
  });

  test("no animation frames while paused, and hiding the tab pauses", async () => {
    const page = await browser.newPage();
    await page.addInitScript(() => {
      window.__frames = 0;
      const raf = window.requestAnimationFrame.bind(window);
      window.requestAnimationFrame = (cb) => {
        window.__frames++;
        return raf(cb);
      };
    });
    await openApp(page, app.url);
    const frames = () => page.evaluate(() => window.__frames);
    const idle0 = await frames();
    await page.waitForTimeout(600);
    assert.equal(await frames(), idle0, "no requestAnimationFrame while paused");
    await play(page);
    await page.waitForTimeout(400);
    assert.ok((await frames()) > idle0 + 5, "frames while playing");
    await page.evaluate(() => {
      Object.defineProperty(document, "hidden", { value: true, configurable: true });
      Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    assert.equal(await isPlaying(page), false, "hidden tab: paused");
    const after = await frames();
    await page.waitForTimeout(600);
    assert.ok((await frames()) <= after + 1, "the loop stopped");
    await page.close();
  });
});
