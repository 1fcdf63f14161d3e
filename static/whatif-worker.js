// BarrierScope What-if worker: runs one variant of the job off the main thread, with the same
// wasm module as the page (no second bundle). A module worker from the page's origin: the CSP's
// script-src 'self' covers it. Each message (from whatif-pool.js): the wasm-bindgen file names,
// the scenario file, the variant's settings (one value per line, as the panel's columns) and the
// simulated time; the answer is the text of whatif_variant (src/sweep/whatif.rs, encode).
let ready = null;

// Only plain file names next to this script (no paths, no other origins), as loader.js.
function sibling(name) {
  if (typeof name !== "string" || !/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw new Error(`whatif-worker.js: invalid file name "${name}"`);
  }
  return new URL(name, self.location.href);
}

self.onmessage = async (e) => {
  const { js, wasm, base, values, until } = e.data;
  let out;
  try {
    ready ??= import(sibling(js).href).then(async (m) => {
      // The module's start function sees no window here and leaves the UI alone.
      await m.default({ module_or_path: sibling(wasm) });
      return m;
    });
    out = (await ready).whatif_variant(base, values, until);
  } catch (err) {
    out = `error\nthe worker failed: ${(err && err.message) || err}`;
  }
  self.postMessage(out);
};
