// A small static file server for dist/ (loopback only). Used by the end-to-end tests and by
// scripts/serve.sh. GET/HEAD only, correct MIME types (application/wasm for .wasm), no
// directory traversal (paths and symlinks must stay inside the root), no directory listing.
//
//   node tests/e2e/serve.mjs DIR [--host 127.0.0.1] [--port 8080]
import { createServer } from "node:http";
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const MIME_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".woff2": "font/woff2",
};

/** Resolves a request path to a file strictly inside `root` (a realpath), or null. */
export async function resolveInside(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return null;
  const candidate = path.resolve(root, "." + path.posix.normalize("/" + decoded));
  if (candidate !== root && !candidate.startsWith(root + path.sep)) return null;
  let real;
  try {
    real = await realpath(candidate);
  } catch {
    return null;
  }
  if (real !== root && !real.startsWith(root + path.sep)) return null;
  let info = await stat(real);
  if (info.isDirectory()) {
    real = path.join(real, "index.html");
    try {
      info = await stat(real);
    } catch {
      return null;
    }
  }
  return info.isFile() ? { file: real, size: info.size } : null;
}

/**
 * Serves `dir` on `host:port` (port 0 picks a free one).
 * Resolves to { server, url, close() }, with url like "http://127.0.0.1:PORT/".
 */
export async function serveDir(dir, { host = "127.0.0.1", port = 0, log = false } = {}) {
  const root = await realpath(dir);
  const server = createServer(async (req, res) => {
    const send = (status, body) => {
      res.writeHead(status, {
        "content-type": "text/plain; charset=utf-8",
        "x-content-type-options": "nosniff",
      });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    try {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.setHeader("allow", "GET, HEAD");
        return send(405, "method not allowed\n");
      }
      const pathname = new URL(req.url, "http://localhost").pathname;
      // Reject raw ".." segments before URL normalisation could hide them.
      if (req.url.split("?")[0].split("/").some((s) => s === ".." || s === "." || /%2e%2e/i.test(s))) {
        return send(400, "bad path\n");
      }
      const found = await resolveInside(root, pathname);
      if (!found) return send(404, "not found\n");
      const type = MIME_TYPES[path.extname(found.file).toLowerCase()] ?? "application/octet-stream";
      res.writeHead(200, {
        "content-type": type,
        "content-length": found.size,
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
      });
      if (req.method === "HEAD") return res.end();
      createReadStream(found.file).pipe(res);
    } catch (err) {
      send(500, "internal error\n");
      if (log) console.error(err);
    } finally {
      if (log) console.log(`${req.method} ${req.url}`);
    }
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const { port: actual } = server.address();
  const url = `http://${host}:${actual}/`;
  return {
    server,
    url,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

// CLI: node tests/e2e/serve.mjs DIR [--host H] [--port P]
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args.splice(i, 2)[1] : fallback;
  };
  const host = opt("--host", "127.0.0.1");
  const port = Number(opt("--port", "8080"));
  const dir = args[0] ?? "dist";
  const { url, close } = await serveDir(dir, { host, port, log: true });
  console.log(`serving ${path.resolve(dir)} at ${url} (Ctrl-C stops)`);
  const stop = async () => {
    await close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
