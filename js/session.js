// DeliverySession: keeps the app's ephemeral P-256 private key across the redirect to the
// login page and back as a NON-EXTRACTABLE WebCrypto key in IndexedDB, so script can never
// read its bytes. ECDH runs in WebCrypto (deriveBits); every check and the decryption run in
// wasm. The stored key is deleted before any check, so it is gone after success or failure.
import { ZkAuthError } from './common.js';
import { deliveryEpkV1, deliveryEpkV2, openDeliveryV1WithSecret, openDeliveryV2WithSecret, validateZkPub } from './api.js';

const DB_NAME = 'zkauth';
const STORE = 'delivery-session';
const SLOT = 'current';
const MAX_AGE_SECS = 600; // DarkAuth keeps a pending authorization for 5 minutes

function idb() {
  if (typeof indexedDB === 'undefined' || typeof crypto === 'undefined' || !crypto.subtle) {
    throw new ZkAuthError('unsupported_environment', 'DeliverySession needs IndexedDB and WebCrypto (a browser)');
  }
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new ZkAuthError('storage_failed', 'IndexedDB could not be opened'));
  });
}

async function tx(mode, fn) {
  const db = await idb();
  try {
    return await new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      let out;
      Promise.resolve(fn(t.objectStore(STORE))).then((v) => (out = v), reject);
      t.oncomplete = () => resolve(out);
      t.onerror = t.onabort = () => reject(new ZkAuthError('storage_failed', 'IndexedDB transaction failed'));
    });
  } finally {
    db.close();
  }
}

const request = (r) => new Promise((resolve, reject) => ((r.onsuccess = () => resolve(r.result)), (r.onerror = () => reject(r.error))));

function b64u(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export class DeliverySession {
  /** Creates the ephemeral key (non-extractable), stores it, and returns `{ zkPub, zkPubKid }`.
   *  A new begin() replaces any earlier pending session. */
  static async begin() {
    await idb().then((db) => db.close());
    const pair = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
    const pub = await crypto.subtle.exportKey('jwk', pair.publicKey);
    const zkPub = b64u(new TextEncoder().encode(JSON.stringify({ kty: 'EC', crv: 'P-256', x: pub.x, y: pub.y })));
    const zkPubKid = validateZkPub(zkPub);
    await tx('readwrite', (s) => request(s.put({ privateKey: pair.privateKey, zkPub, created: Date.now() }, SLOT)));
    return { zkPub, zkPubKid };
  }

  /** Opens the delivered JWE with the stored key and deletes the key (also on failure).
   *  `expect` is openV2's (default) or, with `version: 'v1'`, openV1's. A second call throws
   *  "delivery_session_missing". Returns a DeliveredKey handle. */
  static async complete(jwe, expect = {}) {
    const rec = await tx('readwrite', async (s) => {
      const r = await request(s.get(SLOT));
      await request(s.delete(SLOT));
      return r;
    });
    if (!rec) throw new ZkAuthError('delivery_session_missing', 'no pending delivery session (never begun, or already completed)');
    if (Date.now() - rec.created > MAX_AGE_SECS * 1000) throw new ZkAuthError('delivery_session_expired', 'the pending delivery session is too old');
    const v1 = expect.version === 'v1';
    const epk = v1 ? deliveryEpkV1(jwe, expect) : deliveryEpkV2(jwe, expect);
    const peer = await crypto.subtle.importKey('raw', epk, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
    const z = new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: peer }, rec.privateKey, 256));
    try {
      return v1 ? openDeliveryV1WithSecret(jwe, z, expect) : openDeliveryV2WithSecret(jwe, z, expect);
    } finally {
      z.fill(0);
    }
  }

  /** Deletes any pending session without completing it. */
  static async cancel() {
    await tx('readwrite', (s) => request(s.delete(SLOT)));
  }
}
