let pool = [];
window.barrierscopeWhatIf = (base, variants, until, n, done) => {
  pool.forEach((w) => w.terminate());
  pool = [];
  const { js, wasm, worker } = window.barrierscopeAssets;
  let next = 0;
  const feed = (w) => {
    if (next < variants.length) {
      w.busy = next;
      w.postMessage({ js, wasm, base, values: variants[next++], until });
    } else {
      w.terminate();
      pool = pool.filter((x) => x !== w);
    }
  };
  for (let k = 0; k < Math.min(n, variants.length); k++) {
    const w = new Worker(worker, { type: "module" });
    w.onmessage = (e) => {
      done(w.busy, e.data);
      feed(w);
    };
    w.onerror = () => {
      w.terminate();
      pool = pool.filter((x) => x !== w);
      done(w.busy, "error\nthe worker failed to start or crashed");
      while (!pool.length && next < variants.length) done(next++, "error\nno worker left");
    };
    pool.push(w);
    feed(w);
  }
};
