// Budget for the release bundle in dist/: at most 350 KB gzipped (wasm + js + css + html).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { ensureDist } from "./helpers.mjs";

const BUDGET_BYTES = 350 * 1024;

test("the release bundle stays within 350 KB gzipped", () => {
  const dist = ensureDist();
  const sizes = {};
  for (const name of readdirSync(dist)) {
    if (!/\.(wasm|js|css|html)$/.test(name)) continue;
    sizes[name] = gzipSync(readFileSync(path.join(dist, name)), { level: 9 }).length;
  }
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  console.log(`gzipped bundle: ${(total / 1024).toFixed(1)} KB`, sizes);
  assert.ok(Object.keys(sizes).some((n) => n.endsWith(".wasm")), "no .wasm in dist/");
  assert.ok(total <= BUDGET_BYTES, `bundle is ${(total / 1024).toFixed(1)} KB gzipped, budget 350 KB`);
});
