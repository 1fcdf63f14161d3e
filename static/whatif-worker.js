// BarrierScope What-if worker: runs one variant of the job off the main thread, with the same
// wasm module as the page (no second bundle). A module worker from the page's origin: the CSP's
// script-src 'self' covers it. Each message: the wasm-bindgen file names the page was loaded with
// (window.barrierscopeAssets, set by loader.js), the scenario file, the variant's settings (one
// KEY=VALUE per line, as the sweep's --set) and the simulated time; the answer is
// { id, out } with out the JSON of the variant's sweep row, checkpoint durations and moment.
let ready = null;

// Only plain file names next to this script (no paths, no other origins), as loader.js.
function sibling(name) {
  if (typeof name !== "string" || !/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw new Error(`whatif-worker.js: invalid file name "${name}"`);
  }
  return new URL(name, self.location.href);
}

self.onmessage = async (e) => {
  const { js, wasm, id, base, sets, until } = e.data;
  let out;
  try {
    ready ??= import(sibling(js).href).then(async (m) => {
      // The module's start function sees no window here and leaves the UI alone.
      await m.default({ module_or_path: sibling(wasm) });
      return m;
    });
    const m = await ready;
    out = m.whatif_variant(base, sets, until);
  } catch (err) {
    out = JSON.stringify({ error: `the worker failed: ${(err && err.message) || err}` });
  }
  self.postMessage({ id, out });
};
