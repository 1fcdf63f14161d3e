// Trunk's post_build hook (Trunk.toml): minifies wasm-bindgen's JS glue in a release build (trunk
// minifies the HTML and CSS but ships the glue as wasm-bindgen writes it: 44 KB with its
// comments, 8.0 KB gzipped; minified 6.0 KB), then puts the new file's SRI hash in index.html's
// modulepreload link, which trunk computed before this hook ran. Uses terser from .tools/node
// (scripts/setup.sh installs it). Without terser it warns and leaves the glue as it is.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const staging = process.env.TRUNK_STAGING_DIR;
if (process.env.TRUNK_PROFILE !== "release" || !staging) process.exit(0);

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
let minify;
try {
  ({ minify } = createRequire(path.join(root, ".tools/node/package.json"))("terser"));
} catch {
  console.warn("[minify-glue] terser is not in .tools/node (run scripts/setup.sh): the JS glue is left as it is");
  process.exit(0);
}

const sri = (text) => `sha384-${createHash("sha384").update(text).digest("base64")}`;
const indexPath = path.join(staging, "index.html");
let index = readFileSync(indexPath, "utf8");
// The glue is the one script trunk names after the crate with its hash: barrierscope-<hash>.js.
for (const name of readdirSync(staging).filter((n) => /^barrierscope-[0-9a-f]+\.js$/.test(n))) {
  const file = path.join(staging, name);
  const before = readFileSync(file, "utf8");
  const { code } = await minify(before, { module: true, compress: true, mangle: true });
  const [old, now] = [sri(before), sri(code)];
  if (!index.includes(old)) throw new Error(`[minify-glue] index.html has no integrity ${old} for ${name}`);
  writeFileSync(file, code);
  index = index.replaceAll(old, now);
  console.log(`[minify-glue] ${name}: ${before.length} -> ${code.length} bytes`);
}
writeFileSync(indexPath, index);
