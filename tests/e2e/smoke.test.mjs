// Smoke test: the release bundle loads in Chromium, renders the app, and stays clean:
// no console or page error, no CSP violation, no request off this machine.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { DIST, assertClean, launchBrowser, openApp, screenshot, startApp, watchPage } from "./helpers.mjs";

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

test("the app renders with no error, no CSP violation and loopback-only requests", async () => {
  const page = await browser.newPage();
  const diag = watchPage(page);
  await openApp(page, app.url);

  const heading = await page.textContent("[data-testid=app] h1");
  assert.equal(heading?.trim(), "BarrierScope");
  assert.equal(await page.title(), "BarrierScope");

  // The wasm module, its glue, the stylesheet and the icon were all fetched from our server.
  const urls = diag.requests.map((r) => r.url);
  assert.ok(urls.some((u) => u.endsWith(".wasm")), `no .wasm request in ${urls}`);
  assert.ok(urls.some((u) => /\/loader\.js\?/.test(u)), `no loader.js request in ${urls}`);
  assert.ok(urls.some((u) => u.endsWith(".css")), `no stylesheet request in ${urls}`);
  assert.ok(!urls.some((u) => u.endsWith("/favicon.ico")), "the browser asked for /favicon.ico");

  const file = await screenshot(page, "smoke");
  console.log(`screenshot: ${path.relative(process.cwd(), file)}`);
  await assertClean(diag);
  await page.close();
});

test("the served page carries a strict CSP and no inline script", async () => {
  const html = readFileSync(path.join(DIST, "index.html"), "utf8");
  // The release build minifies index.html (Trunk.toml `minify`): attributes may come in any
  // order, quoted or not.
  const attr = (tag, name) =>
    tag.match(new RegExp(`\\s${name}=(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, "i"))?.slice(1).find((v) => v !== undefined);
  const cspTag = (html.match(/<meta\b[^>]*>/gi) ?? []).find(
    (t) => attr(t, "http-equiv")?.toLowerCase() === "content-security-policy",
  );
  const csp = cspTag && attr(cspTag, "content");
  assert.ok(csp, "no CSP meta tag in dist/index.html");
  const directives = Object.fromEntries(
    csp.split(";").map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([k, ...v]) => [k, v]),
  );
  assert.deepEqual(directives["default-src"], ["'none'"]);
  assert.deepEqual(directives["script-src"], ["'self'", "'wasm-unsafe-eval'"]);
  for (const d of ["style-src", "connect-src", "img-src"]) {
    assert.deepEqual(directives[d], ["'self'"], d);
  }
  assert.ok(!/unsafe-inline/.test(csp), "CSP allows unsafe-inline");
  for (const tag of html.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? []) {
    assert.ok(attr(tag.match(/^<script\b[^>]*>/)[0], "src"), `inline script in dist/index.html: ${tag}`);
    assert.match(tag, /^<script[^>]*>\s*<\/script>$/, `script with a body: ${tag}`);
  }
});

test("scenario files are served under /scenarios/ as JSON", async () => {
  const res = await fetch(new URL("scenarios/index.json", app.url));
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /^application\/json/);
  assert.ok(typeof (await res.json()) === "object");
});

test("a wasm trap (a panic in the release bundle) puts up the crash banner with a link to the run", async () => {
  // The release bundle aborts on a panic at once (scripts/build-dist.sh): what reaches the page
  // is a WebAssembly.RuntimeError thrown out of an event handler. One is thrown the same way
  // here; static/loader.js must turn it into the app's crash banner (src/ui/panic.rs).
  const page = await browser.newPage();
  const diag = watchPage(page);
  await openApp(page, app.url);
  await page.evaluate(() => {
    setTimeout(() => {
      throw new WebAssembly.RuntimeError("unreachable");
    });
  });
  const banner = page.locator("[data-testid=error].crash");
  await banner.waitFor({ timeout: 10_000 });
  const text = await banner.textContent();
  assert.match(text, /BarrierScope crashed: this is a bug in the visualiser\./);
  assert.match(text, /RuntimeError: unreachable/);
  const href = await page.getAttribute("[data-testid=crash-reproduce]", "href");
  assert.match(href, /^\?reload#/, href);
  // The thrown error itself is the one page error.
  assert.equal(diag.pageErrors.length, 1, diag.pageErrors.join("\n"));
  assert.match(diag.pageErrors[0], /^RuntimeError: unreachable/);
  await page.close();
});
