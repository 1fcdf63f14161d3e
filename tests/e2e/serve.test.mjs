// The static server used by the e2e tests and scripts/serve.sh: MIME types and path safety.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { serveDir } from "./serve.mjs";

let base;
let site;
let server;

// Sends a raw request path, without the normalisation fetch() would apply.
function rawGet(rawPath) {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: rawPath, method: "GET" }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, type: res.headers["content-type"], body }));
    });
    req.on("error", reject);
    req.end();
  });
}

before(async () => {
  base = mkdtempSync(path.join(tmpdir(), "barrierscope-serve-"));
  site = path.join(base, "site");
  mkdirSync(path.join(site, "scenarios"), { recursive: true });
  writeFileSync(path.join(base, "secret.txt"), "SECRET");
  writeFileSync(path.join(site, "index.html"), "<!doctype html><title>t</title>");
  writeFileSync(path.join(site, "app_bg.wasm"), Buffer.from([0, 97, 115, 109, 1, 0, 0, 0]));
  writeFileSync(path.join(site, "app.js"), "export {};");
  writeFileSync(path.join(site, "scenarios", "a.json"), "{}");
  symlinkSync(path.join(base, "secret.txt"), path.join(site, "link.txt"));
  server = await serveDir(site);
});

after(async () => {
  await server?.close();
  rmSync(base, { recursive: true, force: true });
});

test("serves files with the right MIME types", async () => {
  const cases = {
    "/": "text/html",
    "/index.html": "text/html",
    "/app_bg.wasm": "application/wasm",
    "/app.js": "text/javascript",
    "/scenarios/a.json": "application/json",
  };
  for (const [p, type] of Object.entries(cases)) {
    const res = await rawGet(p);
    assert.equal(res.status, 200, p);
    assert.ok(res.type.startsWith(type), `${p}: ${res.type}`);
  }
  assert.equal((await rawGet("/missing.js")).status, 404);
});

test("never serves anything outside the root", async () => {
  for (const p of [
    "/../secret.txt",
    "/scenarios/../../secret.txt",
    "/..%2fsecret.txt",
    "/%2e%2e/secret.txt",
    "/%2e%2e%2fsecret.txt",
    "/..\\secret.txt",
    "/link.txt",
    "/%00",
  ]) {
    const res = await rawGet(p);
    assert.notEqual(res.status, 200, `${p} was served`);
    assert.ok(!res.body.includes("SECRET"), `${p} leaked the file`);
  }
});
