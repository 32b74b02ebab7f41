// Static server for the repo's test pages and a Debian-Chromium launcher (playwright-core),
// shared by the browser tests and the benchmarks.
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { readFile } from 'node:fs/promises';
import { extname, normalize, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ALLOWED = ['/pkg/', '/tests/js/', '/tests/vectors/', '/www/', '/target/bench-pkg/', '/bench/node_modules/'];
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.html': 'text/html' };
export const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** Serves the repository's test files on 127.0.0.1; `routes` maps a path to an async
 *  handler `(body: Buffer) -> JSON-able answer` for POSTs (e.g. a Node-side peer a page talks
 *  to with fetch, the same in every engine). */
export async function serve(routes = {}) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (req.method === 'POST' && Object.hasOwn(routes, path)) {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      try {
        const answer = await routes[path](Buffer.concat(chunks));
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      } catch (e) {
        return res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(e.message ?? e) }));
      }
    }
    if (!ALLOWED.some((p) => path.startsWith(p))) return res.writeHead(404).end();
    try {
      const body = await readFile(join(ROOT, path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolvePort(port));
    });
  });
}

export async function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

