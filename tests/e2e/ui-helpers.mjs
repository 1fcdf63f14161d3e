// Helpers for the visualiser's end-to-end tests: driving the app through its stable
// data-testid hooks and taking a fingerprint of the frame on screen.
import assert from "node:assert/strict";

export const tid = (id) => `[data-testid="${id}"]`;

/**
 * Picks shipped scenario `key` as a user does, and waits until it is on screen (the bundle
 * fetches any but the default one first: its share link then names it).
 */
export async function pickScenario(page, key) {
  await page.selectOption(tid("scenario-select"), key);
  await page.waitForFunction((k) => new RegExp(`sc=${k}&`).test(location.hash), key);
}

/** The three viewports every layout check runs at: a small laptop, the design size, a desktop. */
export const SIZES = {
  1024: { width: 1024, height: 768 },
  1280: { width: 1280, height: 800 },
  1920: { width: 1920, height: 1080 },
};

/** The simulated time on screen, in µs (from the sim-time element's data-us). */
export async function simTimeUs(page) {
  return Number(await page.getAttribute(tid("sim-time"), "data-us"));
}

export async function count(page, name) {
  return Number(await page.textContent(tid(`count-${name}`)));
}

export async function isPlaying(page) {
  return (await page.getAttribute(tid("play-pause"), "aria-pressed")) === "true";
}

/** Sets the speed slider (log10 of the factor: -2 = 0.01×, 2 = 100×). */
export async function setSpeed(page, log10) {
  await page.fill(tid("speed"), String(log10));
}

export async function play(page) {
  if (!(await isPlaying(page))) await page.click(tid("play-pause"));
}

export async function pause(page) {
  if (await isPlaying(page)) await page.click(tid("play-pause"));
  assert.equal(await isPlaying(page), false);
}

/** Plays until `predicate` (run in the page) is true, then pauses. */
export async function playUntil(page, predicate, arg, { timeout = 30_000 } = {}) {
  await play(page);
  await page.waitForFunction(predicate, arg, { timeout });
  await pause(page);
}

/** Moves the timeline slider to `ms` (as a user dragging it does: an input event). */
export async function scrubTo(page, ms) {
  await page.fill(tid("timeline-slider"), String(ms));
}

/** Everything the frame on screen shows: the whole graph, the coordinator, the statistics, the
 * exactly-once panel, the timeline strip and the clock. Two equal fingerprints are the same frame. */
export async function fingerprint(page) {
  return page.evaluate(() => {
    const q = (s) => document.querySelector(s);
    // A canonical serialisation: attributes sorted (the DOM keeps them in the order they were
    // first set, which depends on the history of renders), classes sorted, and selection
    // highlights (a clicked subtask or history row: UI state, not the frame) left out.
    const canon = (n) => {
      if (n.nodeType === Node.TEXT_NODE) return n.textContent;
      if (n.nodeType !== Node.ELEMENT_NODE) return "";
      const attrs = [...n.attributes]
        .map((a) => {
          if (a.name !== "class") return `${a.name}="${a.value}"`;
          const cls = a.value.split(/\s+/).filter((c) => c && c !== "selected").sort().join(" ");
          return `class="${cls}"`;
        })
        .sort()
        .join(" ");
      return `<${n.localName} ${attrs}>${[...n.childNodes].map(canon).join("")}</${n.localName}>`;
    };
    const html = (s) => {
      const el = q(s);
      return el ? canon(el) : "";
    };
    const stats = { outerHTML: html('[data-testid="checkpoints"]') };
    return {
      us: q('[data-testid="sim-time"]').dataset.us,
      graph: html('[data-testid="graph"]'),
      coordinator: html('[data-testid="coordinator"]'),
      stats: stats?.outerHTML ?? "",
      exactlyOnce: html('[data-testid="exactly-once"]'),
      strip: html('[data-testid="timeline-strip"]'),
    };
  });
}

/** Asserts two fingerprints are equal, naming the first part that differs. */
export function assertSameFrame(a, b, what = "frame") {
  for (const k of Object.keys(a)) {
    if (a[k] !== b[k]) {
      const [x, y] = [String(a[k]), String(b[k])];
      let i = 0;
      while (i < x.length && x[i] === y[i]) i++;
      assert.fail(`${what}: '${k}' differs at ${i}: …${x.slice(Math.max(0, i - 80), i + 80)}… vs …${y.slice(Math.max(0, i - 80), i + 80)}…`);
    }
  }
}

/** The shipped scenarios, from the picker. */
export async function scenarioKeys(page) {
  return page.$$eval(`${tid("scenario-select")} option`, (os) => os.map((o) => o.value));
}
