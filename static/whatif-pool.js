// What if (src/ui/app/whatif.rs): runs each variant in a module worker (whatif-worker.js, the
// page's own wasm), at most n at once, the rest queued in order; done(i, answer) as each ends.
// A new run ends the last one's workers.
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
    // A worker that fails takes no more variants; the others finish the queue.
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
