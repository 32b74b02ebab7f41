// OPAQUE with the login service: the server's profile (fetched once), a login and a
// registration up to its record. The password goes straight into wasm; the export key comes
// back as a handle the caller frees.
import { OpaqueClient, OpaqueProfile } from '/pkg/index.js';
import { api } from './api.js';

let cached = null; // the OpaqueProfile handle, for the page's lifetime

/** The server's OPAQUE profile (GET /opaque/config), fetched on first use. */
export async function profile() {
  if (cached) return cached;
  const c = await api('GET', '/opaque/config');
  cached =
    c.profile === 'argon2id'
      ? OpaqueProfile.argon2id({ memoryKib: c.memoryKib, iterations: c.iterations, parallelism: c.parallelism, serverIdentity: c.serverIdentity, context: c.context ?? '' })
      : OpaqueProfile.darkauth();
  return cached;
}

/** Gets the KSF ready while the user types (`OpaqueProfile.prepare()`: its memory allocated and
 *  touched off the click), for the password fields' focus. Best effort: a page that cannot
 *  reach the server yet, or a KSF that cannot be prepared, just runs it on the click. */
export function prepareOnFocus(...ids) {
  const prepare = () => profile().then((p) => p.prepare()).catch(() => {});
  for (const id of ids) document.getElementById(id)?.addEventListener('focus', prepare);
}

/** A new client's first message: `start(client)` is startLogin or startRegistration. */
async function begin(start) {
  const client = new OpaqueClient(await profile());
  try {
    return start(client);
  } finally {
    client.free();
  }
}

/** An OPAQUE login; returns the login-finish body and an ExportKey handle (caller frees). */
export async function opaqueLogin(email, password) {
  const start = await begin((c) => c.startLogin(password));
  let ke2;
  try {
    ke2 = await api('POST', '/opaque/login/start', { email, request: start.request });
  } catch (e) {
    start.state.free();
    throw e;
  }
  let out;
  try {
    out = start.state.finish(ke2.message, email); // the KSF runs here
  } finally {
    start.state.free();
  }
  out.sessionKey.free(); // unused by the protocol (§2.6)
  try {
    const res = await api('POST', '/opaque/login/finish', { finish: out.finish, sessionId: ke2.sessionId });
    return { res, exportKey: out.exportKey };
  } catch (e) {
    out.exportKey.free();
    throw e;
  }
}

/** Runs OPAQUE registration up to the record: `send(request)` returns the server's
 *  `{message, identityU?}`. Returns `{record, exportKey}` (caller frees the key). */
export async function opaqueRecord(password, identity, send) {
  const start = await begin((c) => c.startRegistration(password));
  try {
    const resp = await send(start.request);
    const out = start.state.finish(resp.message, resp.identityU ?? identity); // the KSF runs here
    return { record: out.record, exportKey: out.exportKey };
  } finally {
    start.state.free();
  }
}
