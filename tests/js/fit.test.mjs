// The package in the bundlers users have: the `npm pack` tarball installed into an empty app
// that imports `zkauth` (login page) and `zkauth/app` (app page), built by Vite 7 (production
// build and dev server) and webpack 5, loaded in Chromium, Firefox and WebKit (engines.mjs). The page starts an OPAQUE
// login, seals a delivery with `zkauth` and opens it with `zkauth/app`'s DeliverySession
// (WebCrypto ECDH, IndexedDB), then decrypts a note with the delivered key. The only bundler
// setting is the one the package README documents: Vite's dev server needs
// `optimizeDeps: { exclude: ['zkauth'] }`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchEngine, selectedEngines } from './engines.mjs';

const PKG = fileURLToPath(new URL('../../pkg', import.meta.url));
const EXPECTED = { hash: 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0', ke1: 98, kind: 'client_app_key', note: 'hello from the app', login: 'no OpaqueClient in zkauth/app' };

const MAIN = `
import { init, hashB64u, OpaqueClient, OpaqueProfile, RootKey, sealDeliveryV2 } from 'zkauth';
import * as app from 'zkauth/app';
const out = {};
try {
  await init();
  await app.init();
  out.hash = app.hashB64u('abc') === hashB64u('abc') ? hashB64u('abc') : 'entries disagree';
  const { request, state } = new OpaqueClient(OpaqueProfile.darkauth()).startLogin('pw');
  out.ke1 = atob(request.replace(/-/g, '+').replace(/_/g, '/')).length;
  state.free();
  const { zkPub, zkPubKid } = await app.DeliverySession.begin();
  const cak = RootKey.generate().deriveClientAppKey({ sub: 'u', keyId: 'k', clientId: 'c' });
  const note = cak.deriveDataKey('n1').encrypt('n1', new TextEncoder().encode('hello from the app'));
  const s = sealDeliveryV2(cak, zkPub, { sub: 'u', clientId: 'c', requestId: 'r', state: 's', redirectUri: 'https://a/cb', keyId: 'k' });
  const key = await app.DeliverySession.complete(s.jwe, { zkPubKid, zkKeyHash: s.zkKeyHash, zkKeyKind: 'client_app_key', zkKeyVersion: 'v2', clientId: 'c', redirectUri: 'https://a/cb', state: 's', sub: 'u' });
  out.kind = key.kind;
  out.note = new TextDecoder().decode(key.intoAppKey().deriveDataKey('n1').decrypt('n1', note));
  out.login = 'OpaqueClient' in app ? 'login code in zkauth/app' : 'no OpaqueClient in zkauth/app';
} catch (e) {
  out.error = String(e && e.code ? e.code + ': ' + e.message : e);
}
document.body.dataset.result = JSON.stringify(out);
`;

let dir;
let engines = []; // every engine the run asks for (Chromium, Firefox, WebKit)
const servers = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zkauth-fit-'));
  const [packed] = JSON.parse(execFileSync('npm', ['pack', PKG, '--json', '--pack-destination', dir], { encoding: 'utf8' }));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fit-app', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', join(dir, packed.filename)], { cwd: dir });
  writeFileSync(join(dir, 'main.js'), MAIN);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><body><script type="module" src="./main.js"></script></body></html>');
  for (const name of selectedEngines()) engines.push(await launchEngine(name));
});

after(async () => {
  for (const e of engines) await e.close();
  engines = [];
  for (const s of servers) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Serves a built folder on localhost (a secure context: WebCrypto and IndexedDB work). */
async function serveDir(root) {
  const types = { '.js': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm' };
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    try {
      const body = await readFile(join(root, path === '/' ? 'index.html' : path));
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'text/html' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, 'localhost', r));
  servers.push({ close: () => new Promise((r) => server.close(r)) });
  return `http://localhost:${server.address().port}/`;
}

/** Loads `url` in every engine; returns `{engine: result}`. */
async function runAll(url) {
  const out = {};
  for (const engine of engines) {
    const ctx = await engine.newContext();
    try {
      const page = await ctx.newPage();
      await page.goto(url);
      await page.waitFor('body[data-result]', { state: 'attached', timeout: 30_000 });
      out[engine.name] = JSON.parse(await page.evaluate(() => document.body.dataset.result));
    } finally {
      await ctx.close();
    }
  }
  return out;
}

/** `{engine: EXPECTED}` for every engine of the run. */
const everywhere = (value) => Object.fromEntries(engines.map((e) => [e.name, value]));

test('Vite 7 production build', async () => {
  const { build } = await import('vite');
  await build({ root: dir, logLevel: 'silent', configFile: false, build: { outDir: join(dir, 'dist-vite'), target: 'es2022' } });
  assert.deepEqual(await runAll(await serveDir(join(dir, 'dist-vite'))), everywhere(EXPECTED));
});

test("Vite 7 dev server, with the README's one setting", async () => {
  const { createServer: vite } = await import('vite');
  const server = await vite({ root: dir, logLevel: 'silent', configFile: false, optimizeDeps: { exclude: ['zkauth'] }, server: { host: 'localhost', port: 0, strictPort: false } });
  await server.listen();
  servers.push({ close: () => server.close() });
  assert.deepEqual(await runAll(server.resolvedUrls.local[0]), everywhere(EXPECTED));
});

test('Vite 7 dev server without that setting: init() fails with wasm_load_failed, as the README says', async () => {
  const { createServer: vite } = await import('vite');
  const server = await vite({ root: dir, logLevel: 'silent', configFile: false, cacheDir: join(dir, '.vite-prebundled'), server: { host: 'localhost', port: 0, strictPort: false } });
  await server.listen();
  servers.push({ close: () => server.close() });
  for (const [engine, out] of Object.entries(await runAll(server.resolvedUrls.local[0]))) {
    assert.match(out.error ?? JSON.stringify(out), /^wasm_load_failed: /, engine);
  }
});

test('webpack 5 production build', async () => {
  const { default: webpack } = await import('webpack');
  const out = join(dir, 'dist-webpack');
  const stats = await new Promise((resolve, reject) =>
    webpack({ mode: 'production', context: dir, entry: './main.js', output: { path: out, filename: 'main.js', publicPath: '/' }, performance: { hints: false } }, (err, s) => (err ? reject(err) : resolve(s))),
  );
  assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
  writeFileSync(join(out, 'index.html'), '<!doctype html><html><body><script type="module" src="/main.js"></script></body></html>');
  assert.deepEqual(await runAll(await serveDir(out)), everywhere(EXPECTED));
  // The wasm files are emitted as assets, not inlined as base64: both modules of both entries
  // (the SIMD-free ones are what init() loads where SIMD does not validate).
  assert.ok(readFileSync(join(out, 'main.js')).length < 200_000);
  assert.equal(readdirSync(out).filter((f) => f.endsWith('.wasm')).length, 4, `${readdirSync(out)}`);
});
