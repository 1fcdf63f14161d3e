// The What-if panel as a new user meets it: on the backpressured lesson, add the unaligned
// variant, run both in Web Workers (under the page's CSP, loopback only), read the table and the
// guided answers, see the three charts, open a variant in the animation at the moment that
// explains it, and come back to the run they had. Screenshots at the three layout sizes.
// The panel is in the default bundle (cargo feature `whatif-ui`, on by default): this test serves
// dist/, as a user gets it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { assertClean, launchBrowser, openApp, screenshot, startApp, watchPage } from "./helpers.mjs";
import { SIZES, simTimeUs, tid, pickScenario } from "./ui-helpers.mjs";

let app;
let browser;

before(async () => {
  app = await startApp();
  browser = await launchBrowser({ viewport: SIZES[1280] });
});

after(async () => {
  await browser?.close();
  await app?.close();
});

test("what if: unaligned against the job as it is, answered, opened in the animation", async () => {
  const page = await browser.newPage();
  const diag = watchPage(page);
  await openApp(page, app.url);
  await pickScenario(page, "backpressure-aligned");
  const name = await page.textContent(tid("scenario-name"));

  await page.click(tid("whatif"));
  await page.waitForSelector(tid("whatif-panel"));
  assert.ok(await page.isVisible(tid("whatif-variant-0")), "the job as it is is the first variant");
  await page.click(tid("whatif-add-unaligned"));
  assert.ok(await page.isVisible(tid("whatif-variant-1")));
  await page.click(tid("whatif-run"));
  await page.waitForSelector(`${tid("whatif-row-1")}.done`, { timeout: 60_000 });
  await page.waitForSelector(`${tid("whatif-row-0")}.done`, { timeout: 60_000 });
  const wall = Number(await page.getAttribute(tid("whatif-status"), "data-wall-ms"));
  assert.ok(wall > 0, "the run's wall time is shown");

  // The table: the sweep's columns, one row per variant.
  const header = await page.$$eval(`${tid("whatif-table")} thead th`, (ths) => ths.map((t) => t.textContent));
  for (const col of ["completed", "failed", "rate", "e2e p99", "align p99", "persisted p99", "status"]) {
    assert.ok(header.includes(col), `column ${col} in ${header}`);
  }
  const rate = async (i) => {
    const cells = await page.$$eval(`${tid(`whatif-row-${i}`)} td`, (tds) => tds.map((t) => t.textContent));
    return cells[header.indexOf("rate") - 1];
  };
  const aligned = await rate(0);
  const unaligned = await rate(1);
  assert.equal(unaligned, "100%");
  assert.notEqual(aligned, "100%", "aligned checkpoints expire under backpressure");

  // The answers quote the rows.
  const answer = await page.textContent(tid("whatif-answer"));
  assert.ok(answer.includes(`${unaligned} complete (now ${aligned})`), answer);
  assert.ok(answer.includes("expired at the"), answer);
  assert.ok(answer.includes("The variants run do not say: only the interval"), answer);

  // The charts: one bar per variant, and a timeline line per variant with the failures marked.
  assert.equal(await page.locator(`${tid("whatif-chart-completion")} rect`).count(), 2);
  assert.equal(await page.locator(`${tid("whatif-chart-e2e")} rect`).count(), 4);
  assert.equal(await page.locator(`${tid("whatif-chart-timeline")} polyline`).count(), 2);
  assert.ok((await page.locator(`${tid("whatif-chart-timeline")} .v0 path.fail`).count()) > 0);
  assert.equal(await page.locator(`${tid("whatif-chart-timeline")} .v1 path.fail`).count(), 0);

  for (const [size, viewport] of Object.entries(SIZES)) {
    await page.setViewportSize(viewport);
    // Every column of the results readable in the panel, the last one included: no sideways
    // scrolling, no column past the panel's edge.
    const fit = await page.$eval(tid("whatif-table"), (t) => {
      const box = t.parentElement.getBoundingClientRect();
      const right = Math.max(...[...t.querySelectorAll("th, td")].map((c) => c.getBoundingClientRect().right));
      return { scroll: [t.parentElement.scrollWidth, t.parentElement.clientWidth], right, edge: box.right };
    });
    assert.ok(fit.scroll[0] <= fit.scroll[1] + 1 && fit.right <= fit.edge + 1, `${size}: the results table does not fit its panel ${JSON.stringify(fit)}`);
    await screenshot(page, `whatif-${size}`);
  }
  await page.setViewportSize(SIZES[1280]);

  // Open the aligned variant: the animation jumps to just before its first expiry.
  const title = await page.getAttribute(tid("whatif-row-0"), "title");
  const at = Number(/at ([\d.]+) (ms|s)/.exec(title)[1]) * (/at [\d.]+ s/.test(title) ? 1000 : 1);
  await page.click(tid("whatif-row-0"));
  await page.waitForSelector(tid("whatif-panel"), { state: "detached" });
  const t = (await simTimeUs(page)) / 1000;
  assert.ok(Math.abs(t - at) <= 100, `opened at ${t} ms, the moment is ${at} ms (${title})`);
  const notice = await page.textContent(tid("notice"));
  assert.ok(notice.includes("about to expire"), notice);
  assert.ok((await page.textContent(tid("scenario-name"))).includes("what if"));
  assert.ok(await page.isVisible("tr.row.selected"), "its checkpoint is expanded");
  await screenshot(page, "whatif-opened");

  // Back to the run the user had.
  await page.click(tid("whatif-back"));
  assert.equal(await page.textContent(tid("scenario-name")), name);
  assertClean(diag);
  await page.close();
});

test("what if: a bad setting is one message naming the variant and the field; nothing runs", async () => {
  const page = await browser.newPage();
  const diag = watchPage(page);
  await openApp(page, app.url);
  await page.click(tid("whatif"));
  await page.click(tid("whatif-add"));
  await page.fill(`${tid("whatif-variant-1")} input >> nth=2`, "5");
  await page.press(`${tid("whatif-variant-1")} input >> nth=2`, "Tab");
  await page.click(tid("whatif-run"));
  const e = await page.textContent(tid("whatif-error"));
  assert.ok(e.startsWith("V2: --set checkpointing.interval_ms=5: checkpointing.interval_ms: must be >= 10 ms"), e);
  assert.equal(await page.locator(tid("whatif-table")).count(), 0);
  assertClean(diag);
  await page.close();
});
