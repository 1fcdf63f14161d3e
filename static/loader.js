// BarrierScope loader: starts the wasm app without any inline script, so the page's
// Content-Security-Policy can stay `script-src 'self' 'wasm-unsafe-eval'`.
// Trunk writes this tag (see Trunk.toml `pattern_script`):
//   <script type="module" src="/loader.js?js=barrierscope-<hash>.js&wasm=barrierscope-<hash>_bg.wasm">
const params = new URL(import.meta.url).searchParams;

// Only plain file names next to this script are accepted (no paths, no other origins).
function sibling(key) {
  const name = params.get(key);
  if (!name || !/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw new Error(`loader.js: missing or invalid "${key}" parameter`);
  }
  return new URL(name, import.meta.url);
}

const bindings = await import(sibling("js").href);
const wasm = await bindings.default({ module_or_path: sibling("wasm") });
// As trunk's own loader does: the module's exports (e.g. simulate_report) for tests and benches.
window.wasmBindings = bindings;
// The What-if panel's Web Workers load the same module (static/whatif-worker.js).
window.barrierscopeAssets = {
  js: params.get("js"),
  wasm: params.get("wasm"),
  worker: new URL("whatif-worker.js", import.meta.url).href,
};
dispatchEvent(new CustomEvent("TrunkApplicationStarted", { detail: { wasm } }));
