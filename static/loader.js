import "./whatif-pool.js";
const params = new URL(import.meta.url).searchParams;
function sibling(key) {
  const name = params.get(key);
  if (!name || !/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw new Error(`loader.js: bad ${key}`);
  }
  return new URL(name, import.meta.url);
}
const bindings = await import(sibling("js").href);
const wasm = await bindings.default({ module_or_path: sibling("wasm") });
window.wasmBindings = bindings;
window.barrierscopeAssets = {
  js: params.get("js"),
  wasm: params.get("wasm"),
  worker: new URL("whatif-worker.js", import.meta.url).href,
};
dispatchEvent(new CustomEvent("TrunkApplicationStarted", { detail: { wasm } }));
