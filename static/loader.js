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
// The release bundle aborts on a panic at once (scripts/build-dist.sh): a panic is a wasm trap,
// which surfaces here; the app's crash banner (src/ui/panic.rs) says so on the page.
function onTrap(error) {
  if (!(error instanceof WebAssembly.RuntimeError)) return;
  try {
    bindings.crashBanner(String(error));
  } catch {
    // The module cannot even draw the banner: the console has the error.
  }
}
addEventListener("error", (e) => onTrap(e.error));
addEventListener("unhandledrejection", (e) => onTrap(e.reason));
const wasm = await bindings.default({ module_or_path: sibling("wasm") });
window.wasmBindings = bindings;
window.barrierscopeAssets = {
  js: params.get("js"),
  wasm: params.get("wasm"),
  worker: new URL("whatif-worker.js", import.meta.url).href,
};
dispatchEvent(new CustomEvent("TrunkApplicationStarted", { detail: { wasm } }));
