// The process docs/integrate.md's JavaScript runs in (integrate.test.mjs forks it with the
// test server's CA trusted). For the single-page app's files it plays the browser page's
// globals: IndexedDB (fake-indexeddb, so DeliverySession keeps its non-extractable WebCrypto
// key across the "redirect" exactly as in a browser), sessionStorage, location and history.
// Commands arrive over IPC: load a page file at a URL and report where it navigated and what
// it logged, or call an exported function of a backend file with a named session object.
import 'fake-indexeddb/auto';
import { pathToFileURL } from 'node:url';

const storage = new Map();
globalThis.sessionStorage = {
  getItem: (k) => (storage.has(k) ? storage.get(k) : null),
  setItem: (k, v) => storage.set(k, String(v)),
  removeItem: (k) => storage.delete(k),
};
let href = 'about:blank';
let assigned = null;
globalThis.location = {
  get href() {
    return href;
  },
  assign(url) {
    assigned = String(url);
  },
};
globalThis.history = {
  state: null,
  replaceState(_state, _title, url) {
    href = new URL(url, href).href;
  },
};

const logs = [];
console.log = (...parts) => logs.push(parts.map(String).join(' '));

const sessions = new Map();
let loads = 0;

async function handle(msg) {
  const url = pathToFileURL(msg.file).href;
  if (msg.op === 'page') {
    href = msg.href ?? href;
    for (const [k, v] of Object.entries(msg.storage ?? {})) storage.set(k, v);
    assigned = null;
    logs.length = 0;
    // A page runs again on every load: a fresh module instance each time.
    await import(`${url}?load=${++loads}`);
    return { assigned, logs: [...logs], href, storage: Object.fromEntries(storage) };
  }
  if (msg.op === 'call') {
    if (msg.init || !sessions.has(msg.session)) sessions.set(msg.session, { ...msg.init });
    const mod = await import(url);
    const value = await mod[msg.fn](sessions.get(msg.session), ...(msg.args ?? []));
    return { value, session: { ...sessions.get(msg.session) } };
  }
  throw new Error(`unknown op ${msg.op}`);
}

process.on('message', (msg) => {
  handle(msg).then(
    (result) => process.send({ id: msg.id, ok: true, result }),
    (e) => process.send({ id: msg.id, ok: false, error: { message: String(e?.message ?? e), code: e?.code ?? null, error: e?.error ?? null, status: e?.status ?? null, logs: [...logs] } }),
  );
});
process.send({ ready: true });
