// End-to-end harness: the real zkauth-server (target/debug) on free loopback ports with a fresh
// data dir, the login page and a copy of the demo app with a written config.json, Debian
// Chromium via playwright-core, screenshots, a CSP/Trusted-Types watcher, and test-only
// instrumentation that learns key bytes to scan the server's files and logs for.
import { execFileSync, spawn } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDecipheriv, createHash, createPrivateKey, createPublicKey, hkdfSync } from 'node:crypto';
import { chromium } from 'playwright-core';
import * as zk from 'zkauth';
import { CHROMIUM_ARGS, freePort } from '../harness.mjs';

export const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const CLIENT_ID = 'demo-app';
export const CLIENT_NAME = 'zkauth demo notes';
// Cargo's output folder: the Makefile exports CARGO_TARGET_DIR (./target unless the caller set it).
export const SERVER_BIN = join(process.env.CARGO_TARGET_DIR || join(ROOT, 'target'), 'debug/zkauth-server');
const SHOTS = join(ROOT, 'target/e2e');

// ---- server --------------------------------------------------------------------------------


const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function configToml({ issuer, appOrigin, issuerPort, appPort, dataDir, appDir, login, profile, tls, reauthWindow, extraConfig }) {
  // "darkauth" (scrypt, what make demo uses) or a cheap "argon2id" (the other profile path).
  const opaque = profile === 'argon2id' ? 'opaque_profile = "argon2id"\n[argon2id]\nmemory_kib = 1024\niterations = 1\nparallelism = 1\n' : 'opaque_profile = "darkauth"\n';
  return `# written by tests/js/e2e/harness.mjs
issuer = "${issuer}"
listen = "127.0.0.1:${issuerPort}"
data_dir = "${dataDir}"
database = "sqlite"
login_page_dir = "${join(ROOT, 'www/login')}"
sdk_dir = "${join(ROOT, 'pkg')}"
${tls ? `tls_cert = "${tls.cert}"\ntls_key = "${tls.key}"\n` : ''}${opaque}
[demo_app]
listen = "127.0.0.1:${appPort}"
dir = "${appDir}"

[rate_limits]
login = { burst = ${login.burst}, per_minute = ${login.per_minute} }
register = { burst = 100, per_minute = 100 }
recovery = { burst = 50, per_minute = 50 }
token = { burst = 200, per_minute = 200 }
authorize = { burst = 500, per_minute = 500 }
${reauthWindow ? `\n[session]\nreauth_window_secs = ${reauthWindow}\n` : ''}
[[clients]]
client_id = "${CLIENT_ID}"
client_name = "${CLIENT_NAME}"
client_type = "public"
redirect_uris = ["${appOrigin}/callback"]
allowed_origins = ["${appOrigin}"]
zk_delivery = "fragment-jwe"
zk_required = true
key_delivery_version = "v2"
id_token_signed_response_alg = "ES256"
share_by_email = true

# A DarkAuth v1 client: it receives the account root key (consent must say so).
[[clients]]
client_id = "legacy-app"
client_name = "Legacy app"
redirect_uris = ["${appOrigin}/callback"]
allowed_origins = ["${appOrigin}"]
zk_delivery = "fragment-jwe"
zk_required = true
key_delivery_version = "v1-drk"
${extraConfig}`;
}

// Servers die with the test process, however it ends.
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const child of running) child.kill('SIGKILL');
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  });
}

/** A throwaway self-signed certificate for localhost (openssl), for the https runs. */
function throwawayCertificate(dir) {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
  return { cert, key, ca: readFileSync(cert) };
}

/** GET `url` and say whether it answered 200 (https: trusting only `ca`). */
function answers(url, ca) {
  return new Promise((resolveOk) => {
    const req = (url.startsWith('https:') ? httpsGet : httpGet)(url, ca ? { ca } : {}, (res) => {
      res.resume();
      resolveOk(res.statusCode === 200);
    });
    req.on('error', () => resolveOk(false));
  });
}

/** A classic script the demo app copy loads before app.js: when the test set the flag
 *  `e2e-tamper` in sessionStorage, it flips one character of the fragment JWE's ciphertext on
 *  /callback before the app's script reads it (a man-in-the-middle on the redirect, in any
 *  engine), and removes the flag. */
const TAMPER_JS = `(() => {
  if (sessionStorage.getItem('e2e-tamper') !== '1' || location.pathname !== '/callback') return;
  const m = /^#darkauth_key_jwe=(.*)$/.exec(location.hash);
  if (!m) return;
  sessionStorage.removeItem('e2e-tamper');
  const parts = decodeURIComponent(m[1]).split('.');
  parts[3] = (parts[3][0] === 'A' ? 'B' : 'A') + parts[3].slice(1);
  history.replaceState(null, '', location.pathname + location.search + '#darkauth_key_jwe=' + encodeURIComponent(parts.join('.')));
})();
`;

/** Starts zkauth-server --dev on two free ports; resolves once both origins answer. With
 *  `https`, the issuer is https://localhost with a throwaway certificate (production cookies:
 *  `--dev` keeps `__Host-` and `Secure` on an https issuer); the demo app stays on http. */
export async function startServer(name, { login = { burst: 500, per_minute: 500 }, profile = 'darkauth', https = false, tamperHook = false, reauthWindow = null, extraConfig = '' } = {}) {
  const issuerPort = await freePort();
  let appPort = await freePort();
  while (appPort === issuerPort) appPort = await freePort();
  const issuer = `${https ? 'https' : 'http'}://localhost:${issuerPort}`;
  const appOrigin = `http://localhost:${appPort}`;
  const run = join(ROOT, 'target/e2e-data', `${name}-${Date.now()}-${process.pid}`);
  const dataDir = join(run, 'data');
  const appDir = join(run, 'app');
  mkdirSync(run, { recursive: true });
  // The shipped demo app, with this run's deployment settings.
  cpSync(join(ROOT, 'www/app'), appDir, { recursive: true });
  writeFileSync(join(appDir, 'config.json'), `${JSON.stringify({ issuer, clientId: CLIENT_ID }, null, 2)}\n`);
  if (tamperHook) {
    writeFileSync(join(appDir, 'e2e-tamper.js'), TAMPER_JS);
    const html = readFileSync(join(appDir, 'index.html'), 'utf8');
    const tagged = html.replace('<script type="module" src="/app.js"></script>', '<script src="/e2e-tamper.js"></script>\n  <script type="module" src="/app.js"></script>');
    if (tagged === html) throw new Error('the demo app no longer loads /app.js as the harness expects');
    writeFileSync(join(appDir, 'index.html'), tagged);
  }
  const tls = https ? throwawayCertificate(run) : null;
  const configPath = join(run, 'zkauth.toml');
  writeFileSync(configPath, configToml({ issuer, appOrigin, issuerPort, appPort, dataDir, appDir, login, profile, tls, reauthWindow, extraConfig }));

  const child = spawn(SERVER_BIN, ['--config', configPath, '--dev'], {
    cwd: ROOT,
    env: { ...process.env, ZKAUTH_LOG: 'info,zkauth=trace,zkauth_server=trace', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const out = [];
  child.stdout.on('data', (b) => out.push(b));
  child.stderr.on('data', (b) => out.push(b));
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  let dead = null;
  exited.then((e) => {
    dead = e;
    running.delete(child);
  });

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (dead) throw new Error(`zkauth-server exited early (${JSON.stringify(dead)}):\n${Buffer.concat(out)}`);
    const [a, b] = await Promise.all([answers(`${issuer}/opaque/config`, tls?.ca), answers(`${appOrigin}/config.json`)]);
    if (a && b) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`zkauth-server did not start:\n${Buffer.concat(out)}`);
    }
    await sleep(100);
  }

  return {
    issuer,
    appOrigin,
    run,
    dataDir,
    ca: tls?.cert ?? null,
    log: () => Buffer.concat(out),
    async stop() {
      if (!dead) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      writeFileSync(join(run, 'server.log'), Buffer.concat(out));
      return dead;
    },
  };
}

// ---- browser -------------------------------------------------------------------------------

export async function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

const CSP_TEXT = /Content Security Policy|Content-Security-Policy|Trusted ?Type|TrustedHTML|TrustedScript|TrustedScriptURL|require-trusted-types/i;

/** Watches every page of a context: CSP and Trusted Types violations (console and
 *  `securitypolicyviolation` events) and uncaught page errors. */
export class Watcher {
  constructor() {
    this.violations = [];
    this.pageErrors = [];
  }

  async attach(context) {
    await context.exposeBinding('__e2eViolation', ({ page }, v) => {
      this.violations.push(`${page?.url() ?? '?'}: ${v}`);
    });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__e2eViolation?.(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
      });
    });
    context.on('page', (page) => this.watchPage(page));
    for (const page of context.pages()) this.watchPage(page);
  }

  watchPage(page) {
    page.on('console', (m) => {
      if (CSP_TEXT.test(m.text())) this.violations.push(`${page.url()}: console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => this.pageErrors.push(`${page.url()}: ${e}`));
    // E2E_DEBUG=1 prints every console message of every page (how the CORS regression was found).
    if (process.env.E2E_DEBUG) page.on('console', (m) => console.error('CONSOLE', page.url(), m.type(), m.text()));
  }
}

const shotNo = new Map(); // per folder
/** Empties `target/e2e/<sub>` (screenshots) and, for the Chromium flow (no `sub`), the PNGs in
 *  target/e2e/ and every data dir in target/e2e-data/, so they hold this run only. The
 *  engines' folders (target/e2e/<engine>/) belong to the cross-engine test. */
export function clearOutputs(sub = null) {
  const dir = sub ? join(SHOTS, sub) : SHOTS;
  if (sub) rmSync(dir, { recursive: true, force: true });
  else {
    mkdirSync(SHOTS, { recursive: true });
    for (const f of readdirSync(SHOTS)) if (f.endsWith('.png')) rmSync(join(SHOTS, f));
    rmSync(join(ROOT, 'target/e2e-data'), { recursive: true, force: true });
  }
  shotNo.set(dir, 0);
}

/** Full-page screenshot to target/e2e/[sub/]NN-name.png (any page with `screenshot(path)`:
 *  playwright's or the cross-engine harness's). */
export async function shot(page, name, sub = null) {
  const dir = sub ? join(SHOTS, sub) : SHOTS;
  mkdirSync(dir, { recursive: true });
  const n = (shotNo.get(dir) ?? 0) + 1;
  shotNo.set(dir, n);
  const file = join(dir, `${String(n).padStart(2, '0')}-${name}.png`);
  await (page.waitUntil ? page.screenshot(file) : page.screenshot({ path: file, fullPage: true }));
  return file;
}

/** Records the URLs (with their fragments) of every /callback document a page loads. */
export function recordCallbacks(page) {
  const urls = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame() && new URL(frame.url()).pathname === '/callback') urls.push(frame.url());
  });
  return urls;
}

// ---- test-only instrumentation: key bytes, for the secret scan ------------------------------

const zkGlue = await import(new URL('../node_modules/zkauth/zkauth.js', import.meta.url));
const wasmMemory = () => new Uint8Array(zkGlue.initSync().memory.buffer);

const h = (s) => createHash('sha256').update(s, 'utf8').digest();

/** Decrypts a legacy wrapped_drk (format A, AAD = sub) with a candidate export key. */
function openWrappedDrk(exportKey, wrapped, sub) {
  const mk = Buffer.from(hkdfSync('sha256', exportKey, h(`DarkAuth|v1|tenant=default|user=${sub}`), 'mk', 32));
  const kw = Buffer.from(hkdfSync('sha256', mk, Buffer.from('DarkAuth|v1'), 'wrap-key', 32));
  const blob = Buffer.from(wrapped, 'base64url');
  const d = createDecipheriv('aes-256-gcm', kw, blob.subarray(0, 12));
  d.setAAD(Buffer.from(sub, 'utf8'));
  d.setAuthTag(blob.subarray(12, 28));
  return Buffer.concat([d.update(blob.subarray(28)), d.final()]);
}

/** The 32 bytes behind an ExportKey handle, found next to the handle in wasm memory and proved
 *  by opening the account's wrapped_drk with them (so a wrong guess can never pass). Returns
 *  { exportKey, root }. Test instrumentation only: the SDK has no way out for these bytes. */
function exportKeyBytes(handle, wrappedDrk, sub) {
  const mem = wasmMemory();
  const view = new DataView(mem.buffer);
  const ptr = handle.__wbg_ptr;
  const candidates = [];
  for (let off = 0; off <= 16; off += 4) {
    candidates.push(ptr + off);
    candidates.push(view.getUint32(ptr + off, true));
  }
  for (const at of candidates) {
    if (at <= 0 || at + 32 > mem.length) continue;
    const key = Buffer.from(mem.subarray(at, at + 32));
    try {
      const root = openWrappedDrk(key, wrappedDrk, sub);
      if (root.length === 32) return { exportKey: key, root };
    } catch {
      // not it
    }
  }
  throw new Error('export key bytes not found next to the handle');
}

/** A first-party client in Node (same-origin headers, cookies, CSRF) for instrumentation. */
export class NodeClient {
  constructor(issuer) {
    this.issuer = issuer;
    this.cookies = new Map();
    this.csrf = null;
  }

  async call(method, path, body) {
    const headers = { origin: this.issuer, accept: 'application/json' };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.csrf && method !== 'GET') headers['x-csrf-token'] = this.csrf;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.issuer + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
    const data = await res.json().catch(() => null);
    if (data?.csrfToken) this.csrf = data.csrfToken;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(data)}`);
    return data;
  }

  /** OPAQUE login as the account; returns the key bytes it holds: export key, root key and the
   *  demo app's CAK. */
  async keyBytes(email, password) {
    const profileJson = await this.call('GET', '/opaque/config');
    if (profileJson.profile !== 'darkauth') throw new Error('the e2e config uses the darkauth profile');
    const client = new zk.OpaqueClient(zk.OpaqueProfile.darkauth());
    const { request, state } = client.startLogin(password);
    const ke2 = await this.call('POST', '/opaque/login/start', { email, request });
    const { finish, exportKey, sessionKey } = state.finish(ke2.message, email);
    sessionKey.free();
    const res = await this.call('POST', '/opaque/login/finish', { finish, sessionId: ke2.sessionId });
    const sub = res.sub;
    const { wrapped_drk: wrapped } = await this.call('GET', '/crypto/wrapped-drk');
    const keybag = await this.call('GET', '/crypto/keybag');
    const keyId = keybag.account_keys.find((k) => k.status === 'active').key_id;
    const bytes = exportKeyBytes(exportKey, wrapped, sub);
    // The CAK, through the SDK's one deliberate exit (a delivery opened here in Node).
    const root = exportKey.unwrapRootKey(wrapped, sub);
    const app = root.deriveClientAppKey({ sub, keyId, clientId: CLIENT_ID });
    const kp = zk.DeliveryKeyPair.generate();
    const sealed = zk.sealDeliveryV2(app, kp.zkPub, { sub, clientId: CLIENT_ID, requestId: 'r', redirectUri: 'https://x/cb', keyId });
    const delivered = kp.openV2(sealed.jwe, { zkKeyHash: sealed.zkKeyHash, zkKeyKind: 'client_app_key', zkKeyVersion: 'v2', clientId: CLIENT_ID, redirectUri: 'https://x/cb' });
    const cak = Buffer.from(delivered.exportRawKey());
    for (const handle of [delivered, kp, app, root, exportKey, state, client]) handle.free();
    const enc = await this.encKeyPair(bytes.root);
    await this.call('POST', '/logout');
    return { sub, keyId, exportKey: bytes.exportKey, root: bytes.root, cak, encPrivate: enc?.d ?? null };
  }

  /** The user's encryption key pair as the server holds it (wire profile §3.11), opened here
   *  with node:crypto, independently of the SDK: wk = HKDF-SHA256(root, salt "DarkAuth|user-keys",
   *  info "private-key-wrap"), AES-256-GCM with AAD "user-private-key" over iv ‖ ct ‖ tag.
   *  Returns `{ jwk, d }` (the private JWK and its scalar), after checking that it is the
   *  private half of the stored public JWK; null when the account has none. */
  async encKeyPair(rootBytes) {
    let pub;
    let wrapped;
    try {
      pub = (await this.call('GET', '/crypto/enc-pub')).enc_public_jwk;
      wrapped = Buffer.from((await this.call('GET', '/crypto/wrapped-enc-priv')).wrapped_enc_private_jwk, 'base64url');
    } catch {
      return null;
    }
    const wk = Buffer.from(hkdfSync('sha256', rootBytes, Buffer.from('DarkAuth|user-keys'), 'private-key-wrap', 32));
    const decipher = createDecipheriv('aes-256-gcm', wk, wrapped.subarray(0, 12));
    decipher.setAAD(Buffer.from('user-private-key'));
    decipher.setAuthTag(wrapped.subarray(wrapped.length - 16));
    const jwk = JSON.parse(Buffer.concat([decipher.update(wrapped.subarray(12, wrapped.length - 16)), decipher.final()]).toString('utf8'));
    const derived = createPublicKey(createPrivateKey({ key: jwk, format: 'jwk' })).export({ format: 'jwk' });
    if (derived.x !== pub.x || derived.y !== pub.y || jwk.x !== pub.x || jwk.y !== pub.y) throw new Error('the wrapped private key is not the public key\'s pair');
    return { jwk, d: Buffer.from(jwk.d, 'base64url') };
  }
}

// ---- the secret scan -----------------------------------------------------------------------

/** Every encoding a secret could be written in: raw bytes, hex, base64url, padded base64. */
function forms(value) {
  if (typeof value === 'string') return [Buffer.from(value, 'utf8')];
  const b = Buffer.from(value);
  return [b, Buffer.from(b.toString('hex')), Buffer.from(b.toString('base64url')), Buffer.from(b.toString('base64'))];
}

function filesUnder(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** Scans `blobs` ({name: Buffer}) for every secret ({what: string|bytes}); returns the hits. */
export function scan(blobs, secrets) {
  const hits = [];
  for (const [name, blob] of Object.entries(blobs)) {
    for (const [what, value] of Object.entries(secrets)) {
      if (value === undefined || value === null || value.length === 0) throw new Error(`no value for ${what}`);
      if (forms(value).some((f) => blob.includes(f))) hits.push(`${what} in ${name}`);
    }
  }
  return hits;
}

export function dataFiles(dir) {
  return Object.fromEntries(filesUnder(dir).map((p) => [p, readFileSync(p)]));
}
