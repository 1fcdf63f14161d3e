// Shared helpers for the end-to-end tests (node --test tests/e2e/).
//
//   const app = await startApp();            // serves dist/ on a loopback port
//   const browser = await launchBrowser();   // Debian's /usr/bin/chromium via playwright-core
//   const page = await browser.newPage();
//   const diag = watchPage(page);            // records console, errors, requests, CSP violations
//   await page.goto(app.url);
//   ...
//   assertClean(diag);                       // no error, no CSP violation, loopback-only traffic
//   await browser.close(); await app.close();
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { serveDir } from "./serve.mjs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const DIST = path.join(ROOT, "dist");
export const ARTIFACTS = path.join(ROOT, "target", "e2e");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Makes sure dist/ holds a release bundle: builds it with trunk if it is missing. */
export function ensureDist() {
  if (existsSync(path.join(DIST, "index.html")) && !process.env.E2E_REBUILD) return DIST;
  // The bundle as scripts/build-dist.sh builds it (the size settings the budget needs).
  execFileSync("bash", [path.join(ROOT, "scripts", "build-dist.sh")], { cwd: ROOT, stdio: "inherit" });
  return DIST;
}

/** Serves the release bundle on a free loopback port: { url, close() }. */
export async function startApp({ dir } = {}) {
  return serveDir(dir ?? ensureDist(), { host: "127.0.0.1", port: 0 });
}

/**
 * Launches headless Chromium with a fresh, empty profile directory.
 * Returns the playwright BrowserContext; its close() also removes the profile.
 */
export async function launchBrowser({ viewport = { width: 1280, height: 800 }, colorScheme = "dark" } = {}) {
  const profile = mkdtempSync(path.join(tmpdir(), "barrierscope-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    colorScheme,
  });
  const close = context.close.bind(context);
  context.close = async () => {
    try {
      await close();
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  };
  return context;
}

/**
 * Records everything that matters on a page: console messages, page errors, every request,
 * failed requests, HTTP error responses and CSP violations. Call before page.goto().
 */
export function watchPage(page) {
  const diag = {
    page,
    console: [],
    consoleErrors: [],
    pageErrors: [],
    requests: [],
    failedRequests: [],
    badResponses: [],
  };
  page.on("console", (msg) => {
    const entry = { type: msg.type(), text: msg.text(), location: msg.location() };
    diag.console.push(entry);
    if (msg.type() === "error") diag.consoleErrors.push(entry);
  });
  page.on("pageerror", (err) => diag.pageErrors.push(String(err?.stack ?? err)));
  page.on("request", (req) => diag.requests.push({ url: req.url(), method: req.method(), type: req.resourceType() }));
  page.on("requestfailed", (req) =>
    diag.failedRequests.push({ url: req.url(), error: req.failure()?.errorText }),
  );
  page.on("response", (res) => {
    if (res.status() >= 400) diag.badResponses.push({ url: res.url(), status: res.status() });
  });
  // Runs before any page script (added through the devtools protocol, so the page's CSP
  // does not apply to it) and records every securitypolicyviolation event.
  page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolations.push({
        directive: e.violatedDirective,
        blocked: e.blockedURI,
        source: e.sourceFile,
        line: e.lineNumber,
        sample: e.sample,
      });
    });
  });
  return diag;
}

/** CSP violations recorded on the page so far. */
export async function cspViolations(page) {
  return page.evaluate(() => window.__cspViolations ?? []);
}

/** True when a URL only goes to this machine's loopback (or is an in-page data:/blob: URL). */
export function isLocalUrl(url) {
  const u = new URL(url);
  if (u.protocol === "data:" || u.protocol === "blob:" || u.protocol === "about:") return true;
  return LOOPBACK_HOSTS.has(u.hostname);
}

/**
 * Asserts a clean page: no console error, no page error, no failed request, no HTTP error,
 * no CSP violation and no request to a host other than 127.0.0.1/localhost.
 */
export async function assertClean(diag) {
  const csp = await cspViolations(diag.page);
  const foreign = diag.requests.filter((r) => !isLocalUrl(r.url));
  const report = {
    consoleErrors: diag.consoleErrors,
    pageErrors: diag.pageErrors,
    failedRequests: diag.failedRequests,
    badResponses: diag.badResponses,
    cspViolations: csp,
    foreignRequests: foreign,
  };
  const problems = Object.fromEntries(Object.entries(report).filter(([, v]) => v.length > 0));
  if (Object.keys(problems).length > 0) {
    assert.fail(`page was not clean:\n${JSON.stringify(problems, null, 2)}`);
  }
}

/** Saves a full-page screenshot to target/e2e/NAME.png and returns its path. */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Opens the app and waits until yew has rendered `[data-testid=app]`. */
export async function openApp(page, url, { timeout = 30_000 } = {}) {
  await page.goto(url, { waitUntil: "load", timeout });
  await page.waitForSelector("[data-testid=app]", { timeout });
  await page.waitForLoadState("networkidle", { timeout });
}
