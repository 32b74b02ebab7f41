// DeliverySession: keeps the app's ephemeral P-256 private key across the redirect to the
// login page and back as a NON-EXTRACTABLE WebCrypto key in IndexedDB, so script can never
// read its bytes. ECDH runs in WebCrypto (deriveBits); every check and the decryption run in
// wasm. The stored key is deleted before any check, so it is gone after success or failure.
//
// Each pending session has its own slot, keyed by its zkPubKid, so several tabs can each be in
// the middle of a login: store the zkPubKid that begin() returns with your per-tab state
// (sessionStorage) and pass it to complete() as `expect.zkPubKid`.
//
// Every failure is a ZkAuthError: IndexedDB errors are "storage_failed", WebCrypto errors
// "webcrypto_failed".
import { ZkAuthError, b64uEncode as b64u, checkString, requireReady } from './common.js';
import { deliveryEpkV1, deliveryEpkV2, openDeliveryV1WithSecret, openDeliveryV2WithSecret, validateZkPub } from './api.js';

const DB_NAME = 'zkauth';
const STORE = 'delivery-session';
// DarkAuth keeps a pending authorization for 5 minutes; a session older than that cannot
// complete anyway. One extra minute covers the token exchange and clock steps.
const MAX_AGE_SECS = 360;

const storageFailed = (what, cause) => new ZkAuthError('storage_failed', `IndexedDB: ${what} failed`, { cause });

function idb() {
  if (typeof indexedDB === 'undefined' || typeof crypto === 'undefined' || !crypto.subtle) {
    throw new ZkAuthError('unsupported_environment', 'DeliverySession needs IndexedDB and WebCrypto (a browser)');
  }
  return new Promise((resolve, reject) => {
    try {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(storageFailed('open', req.error));
      req.onblocked = () => reject(storageFailed('open (blocked by another connection)'));
    } catch (e) {
      reject(storageFailed('open', e)); // e.g. SecurityError in an opaque origin
    }
  });
}

// Runs fn(store) in one transaction; resolves with fn's result once the transaction commits.
async function tx(mode, fn) {
  const db = await idb();
  try {
    return await new Promise((resolve, reject) => {
      let t;
      try {
        t = db.transaction(STORE, mode);
      } catch (e) {
        reject(storageFailed('transaction', e));
        return;
      }
      let out;
      t.oncomplete = () => resolve(out);
      t.onerror = () => reject(storageFailed('transaction', t.error));
      t.onabort = () => reject(storageFailed('transaction (aborted)', t.error));
      Promise.resolve()
        .then(() => fn(t.objectStore(STORE)))
        .then(
          (v) => (out = v),
          (e) => {
            try {
              t.abort();
            } catch {
              // already finished
            }
            reject(e instanceof ZkAuthError ? e : storageFailed('transaction', e));
          },
        );
    });
  } finally {
    db.close();
  }
}

const request = (r) =>
  new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(storageFailed('request', r.error));
  });

async function webcrypto(what, f) {
  try {
    return await f();
  } catch (e) {
    throw new ZkAuthError('webcrypto_failed', `WebCrypto: ${what} failed`, { cause: e });
  }
}

// Too old, malformed, or created more than a minute in the future (the clock went back).
const isExpired = (rec, now) => !(rec && now - rec.created <= MAX_AGE_SECS * 1000 && rec.created <= now + 60_000);

// All [key, record] pairs of the store, in key order.
async function entries(s) {
  const [keys, values] = await Promise.all([request(s.getAllKeys()), request(s.getAll())]);
  return keys.map((k, i) => [k, values[i]]);
}

// Deletes every expired entry; returns the live ones.
async function purge(s, now) {
  const all = await entries(s);
  await Promise.all(all.filter(([, rec]) => isExpired(rec, now)).map(([k]) => request(s.delete(k))));
  return all.filter(([, rec]) => !isExpired(rec, now));
}


export class DeliverySession {
  /** Creates the ephemeral key (non-extractable), stores it under its `zkPubKid`, and returns
   *  `{ zkPub, zkPubKid }`. Keep `zkPubKid` with the tab's state and pass it to complete().
   *  Sessions of other tabs are kept; sessions older than 6 minutes are deleted. */
  static async begin() {
    requireReady();
    await idb().then((db) => db.close());
    const pair = await webcrypto('generateKey', () => crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']));
    const pub = await webcrypto('exportKey', () => crypto.subtle.exportKey('jwk', pair.publicKey));
    const zkPub = b64u(new TextEncoder().encode(JSON.stringify({ kty: 'EC', crv: 'P-256', x: pub.x, y: pub.y })));
    const zkPubKid = validateZkPub(zkPub);
    const now = Date.now();
    await tx('readwrite', async (s) => {
      await purge(s, now);
      await request(s.put({ privateKey: pair.privateKey, zkPub, zkPubKid, created: now }, zkPubKid));
    });
    return { zkPub, zkPubKid };
  }

  /** Opens the delivered JWE with a stored key and deletes that key first (so it is gone after
   *  success and after any failure).
   *
   *  The key is the one of `expect.zkPubKid` (what begin() returned; pass it whenever several
   *  tabs may log in at once); without it, the only pending session, or code
   *  "delivery_session_ambiguous" when there are several. A second call for the same session
   *  throws "delivery_session_missing"; one older than 6 minutes "delivery_session_expired".
   *
   *  `expect` is openV2's (default; with the token response's `zkKeyKind`/`zkKeyVersion`) or,
   *  with `version: 'v1'`, openV1's. The opener applies wire profile §4.7 step 5 (zkauth-verify's
   *  one rule): v1 artifacts (`drkHash`, `version: 'v1'`) mixed with v2 artifacts (`zkKeyHash`,
   *  `zkKeyKind`, `zkKeyVersion`, `version: 'v2'`) throw "delivery_version_mixed", a missing or
   *  wrong kind or version "key_kind_mismatch"/"version_mismatch". Returns a DeliveredKey handle. */
  static async complete(jwe, expect = {}) {
    requireReady(); // before the stored key is taken
    if (expect === null || typeof expect !== 'object') throw new ZkAuthError('invalid_input', 'expect must be an object');
    // Read once, here: a getter or Proxy trap that throws is a ZkAuthError, not a raw exception.
    let kid, version;
    try {
      ({ zkPubKid: kid, version } = expect);
    } catch (e) {
      throw new ZkAuthError('invalid_input', 'reading expect threw', { cause: e });
    }
    // Arguments are checked before the stored key is taken: a bad call must not consume it.
    if (kid !== undefined && kid !== null) checkString('zkPubKid', kid);
    checkString('jwe', jwe);
    const now = Date.now();
    const picked = await tx('readwrite', async (s) => {
      if (typeof kid === 'string') {
        const rec = await request(s.get(kid));
        await request(s.delete(kid));
        await purge(s, now);
        return { rec };
      }
      const all = await entries(s);
      const live = all.filter(([, rec]) => !isExpired(rec, now));
      if (live.length > 1) {
        await purge(s, now);
        return { ambiguous: live.length };
      }
      // The one live session, or else the one expired session (reported as expired).
      const one = live.length === 1 ? live[0] : all.length === 1 ? all[0] : undefined;
      if (one) await request(s.delete(one[0]));
      await purge(s, now);
      return { rec: one?.[1], allExpired: !one && all.length > 0 };
    });
    if (picked.ambiguous) {
      throw new ZkAuthError('delivery_session_ambiguous', `${picked.ambiguous} delivery sessions are pending (several tabs?): pass expect.zkPubKid from begin()`);
    }
    const rec = picked.rec;
    if (!rec) {
      if (picked.allExpired) throw new ZkAuthError('delivery_session_expired', 'the pending delivery session is too old');
      throw new ZkAuthError('delivery_session_missing', 'no pending delivery session (never begun, or already completed)');
    }
    if (isExpired(rec, now)) throw new ZkAuthError('delivery_session_expired', 'the pending delivery session is too old');
    // The key is deleted: refusals from here on cannot be retried with other inputs.
    if (version !== undefined && version !== 'v1' && version !== 'v2') {
      throw new ZkAuthError('invalid_input', 'version must be "v1" or "v2"');
    }
    // `version` picks the opener; the opener itself refuses artifacts of the other version.
    const useV1 = version === 'v1';
    const epk = useV1 ? deliveryEpkV1(jwe, expect) : deliveryEpkV2(jwe, expect);
    const peer = await webcrypto('importKey', () => crypto.subtle.importKey('raw', epk, { name: 'ECDH', namedCurve: 'P-256' }, false, []));
    const z = new Uint8Array(await webcrypto('deriveBits', () => crypto.subtle.deriveBits({ name: 'ECDH', public: peer }, rec.privateKey, 256)));
    try {
      return useV1 ? openDeliveryV1WithSecret(jwe, z, expect) : openDeliveryV2WithSecret(jwe, z, expect);
    } finally {
      z.fill(0);
    }
  }

  /** Deletes the pending session of `zkPubKid` without completing it; with no argument, every
   *  pending session of this origin (e.g. on logout). */
  static async cancel(zkPubKid) {
    requireReady();
    if (zkPubKid !== undefined && zkPubKid !== null) checkString('zkPubKid', zkPubKid);
    await tx('readwrite', (s) => request(typeof zkPubKid === 'string' ? s.delete(zkPubKid) : s.clear()));
  }
}
