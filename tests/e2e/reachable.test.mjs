// Nothing clipped or unreachable (issue 11): at 1024x768, 1280x800 and 1920x1080, for every
// scenario, with and without the inspector open, every button and input of the toolbar above the
// graph and of the inspector is rendered, lies inside the viewport and is not cut by a clipping
// ancestor; the coordinator's text is not truncated. At 1024 the layout stacks (the sidebar goes
// under the graph), so scrolling the page to a control is allowed there; at 1280 and 1920 every
// control is on screen as it is. Nothing may be cut sideways at any size. Screenshots go to
// target/e2e/reachable-*.png.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { assertClean, launchBrowser, openApp, screenshot, startApp, watchPage } from "./helpers.mjs";
import { scenarioKeys, tid, SIZES, pickScenario } from "./ui-helpers.mjs";

let app;
const browsers = {};

before(async () => {
  app = await startApp();
  for (const [name, viewport] of Object.entries(SIZES)) browsers[name] = await launchBrowser({ viewport });
});

after(async () => {
  for (const b of Object.values(browsers)) await b?.close();
  await app?.close();
});

/**
 * Problems with the controls matching `selector`, one line each: not rendered, outside the
 * viewport, or cut by an ancestor that clips (overflow other than visible). With `scroll`, each
 * control is first scrolled into view (vertical scrolling of the page or of a panel).
 */
async function unreachable(page, selector, { scroll }) {
  return page.evaluate(
    ({ selector, scroll }) => {
      const out = [];
      for (const el of document.querySelectorAll(selector)) {
        const name = `${el.tagName.toLowerCase()}[${el.dataset.testid ?? el.getAttribute("aria-label") ?? el.textContent.trim()}]`;
        if (scroll) el.scrollIntoView({ block: "nearest", inline: "nearest" });
        const r = el.getBoundingClientRect();
        if (r.width < 1 || r.height < 1) {
          out.push(`${name}: not rendered`);
          continue;
        }
        if (r.left < -0.5 || r.right > innerWidth + 0.5) out.push(`${name}: cut sideways by the viewport (${r.left}..${r.right} of ${innerWidth})`);
        if (r.top < -0.5 || r.bottom > innerHeight + 0.5) out.push(`${name}: below or above the viewport (${r.top}..${r.bottom} of ${innerHeight})`);
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
          const cs = getComputedStyle(a);
          if (cs.overflowX === "visible" && cs.overflowY === "visible") continue;
          const ar = a.getBoundingClientRect();
          if (r.left < ar.left - 0.5 || r.right > ar.right + 0.5 || r.top < ar.top - 0.5 || r.bottom > ar.bottom + 0.5) {
            out.push(`${name}: cut by .${String(a.className).split(" ").join(".")}`);
            break;
          }
        }
      }
      return out;
    },
    { selector, scroll },
  );
}

/** Rows and items of the toolbar and the coordinator whose text is cut (wider than their box). */
async function truncated(page) {
  return page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll(
      '[data-testid="toolbar"], [data-testid="coordinator"], .coord-head, .coord-row, .coord-item, .coordinator .chip, .coordinator .badge',
    )) {
      if (el.scrollWidth > el.clientWidth + 1) out.push(`${el.className}: ${el.scrollWidth} > ${el.clientWidth}: ${el.textContent.trim().slice(0, 60)}`);
    }
    return out;
  });
}

/** Steps to a few checkpoint events, so that a pending checkpoint shows in the coordinator. */
async function toACheckpoint(page) {
  for (let i = 0; i < 3; i++) await page.click(tid("step-checkpoint"));
}

describe("every control is reachable and nothing is clipped", () => {
  for (const size of Object.keys(SIZES)) {
    test(`at ${size}, every scenario, with and without the inspector`, async () => {
      const page = await browsers[size].newPage();
      const diag = watchPage(page);
      await openApp(page, app.url);
      const keys = await scenarioKeys(page);
      assert.ok(keys.length >= 10, `${keys}`);
      const scroll = size === "1024";
      const problems = [];
      for (const key of keys) {
        await pickScenario(page, key);
        await toACheckpoint(page);
        problems.push(...(await unreachable(page, `${tid("toolbar")} button, ${tid("toolbar")} input`, { scroll })).map((p) => `${key}: ${p}`));
        problems.push(...(await truncated(page)).map((p) => `${key}: ${p}`));
        // The inspector of the first subtask of the last operator (a sink: the most inputs).
        const subtask = await page.$$eval('[data-testid^="subtask-"]', (els) => els[els.length - 1].dataset.testid);
        // Opened with the keyboard (focus, Enter): in the 256-subtask benchmarks the last subtask
        // can sit under the legend's words.
        await page.focus(tid(subtask));
        await page.keyboard.press("Enter");
        await page.waitForSelector(tid("inspector"));
        if (key === "happy-path" || key === "backpressure-unaligned") await screenshot(page, `reachable-${size}-${key}-inspector`);
        problems.push(...(await unreachable(page, `${tid("inspector")} button, ${tid("inspector")} input`, { scroll })).map((p) => `${key} (inspector of ${subtask}): ${p}`));
        problems.push(...(await unreachable(page, `${tid("toolbar")} button, ${tid("toolbar")} input`, { scroll })).map((p) => `${key} (inspector open): ${p}`));
        problems.push(...(await truncated(page)).map((p) => `${key} (inspector open): ${p}`));
        const sideways = await page.evaluate(() => document.scrollingElement.scrollWidth - innerWidth);
        if (sideways > 0) problems.push(`${key}: the page scrolls sideways by ${sideways}px`);
        await page.keyboard.press("Escape");
        await page.evaluate(() => window.scrollTo(0, 0));
      }
      assert.deepEqual(problems, []);
      await assertClean(diag);
      await page.close();
    });
  }
});
