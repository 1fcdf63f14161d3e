let ready = null;
const sibling = (name) => {
  if (typeof name != "string" || !/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`bad file name ${name}`);
  return new URL(name, self.location.href);
};
self.onmessage = async (e) => {
  const { js, wasm, base, values, until } = e.data;
  let out;
  try {
    ready ??= import(sibling(js).href).then(async (m) => {
      await m.default({ module_or_path: sibling(wasm) });
      return m;
    });
    out = (await ready).whatif_variant(base, values, until);
  } catch (err) {
    out = `error\nthe worker failed: ${err?.message ?? err}`;
  }
  self.postMessage(out);
};
