// DeliverySession tests (browser only: IndexedDB + WebCrypto non-extractable keys).
const CLIENT = 'app';
const REDIRECT = 'https://app.example/cb';

function seal(zk, zkPub, app, state = 'st') {
  return zk.sealDeliveryV2(app, zkPub, { sub: 'u1', clientId: CLIENT, requestId: 'r1', state, redirectUri: REDIRECT, keyId: 'ark_1' });
}
// zkKeyKind/zkKeyVersion: the token response's, required since issue 13 (§4.7 step 5).
const expectFor = (sealed, state = 'st') => ({ zkKeyHash: sealed.zkKeyHash, zkKeyKind: 'client_app_key', zkKeyVersion: 'v2', clientId: CLIENT, redirectUri: REDIRECT, state, sub: 'u1', requestId: 'r1' });

// Runs fn(store) on the session store directly (what DeliverySession keeps, by zkPubKid).
async function withStore(mode, fn) {
  const db = await new Promise((res, rej) => {
    const r = indexedDB.open('zkauth', 1);
    r.onsuccess = () => res(r.result);
    r.onerror = rej;
  });
  try {
    return await new Promise((res, rej) => {
      const r = fn(db.transaction('delivery-session', mode).objectStore('delivery-session'));
      r.onsuccess = () => res(r.result);
      r.onerror = rej;
    });
  } finally {
    db.close();
  }
}
const stored = (kid) => withStore('readonly', (s) => s.get(kid));
const storedCount = () => withStore('readonly', (s) => s.count());
// Rewrites one stored session (e.g. to age it).
async function patch(kid, change) {
  const rec = await stored(kid);
  await withStore('readwrite', (s) => s.put({ ...rec, ...change }, kid));
}

function appKey(zk) {
  return zk.RootKey.generate().deriveClientAppKey({ sub: 'u1', keyId: 'ark_1', clientId: CLIENT });
}

async function code(p) {
  try {
    await p;
  } catch (e) {
    return e.code ?? String(e);
  }
  return 'no error';
}

export const sessionTests = {
  async 'DeliverySession: key is non-extractable, opens v2, single use'(zk) {
    await zk.DeliverySession.cancel();
    const { zkPub, zkPubKid } = await zk.DeliverySession.begin();
    if (zkPubKid !== zk.hashB64u(zkPub)) throw new Error('zkPubKid');
    const rec = await stored(zkPubKid);
    if (!(rec.privateKey instanceof CryptoKey) || rec.privateKey.extractable !== false) throw new Error('stored key must be a non-extractable CryptoKey');
    if ((await code(crypto.subtle.exportKey('jwk', rec.privateKey))) === 'no error') throw new Error('private key exported');
    const root = zk.RootKey.generate();
    const app = root.deriveClientAppKey({ sub: 'u1', keyId: 'ark_1', clientId: CLIENT });
    const sealed = seal(zk, zkPub, app);
    const key = await zk.DeliverySession.complete(sealed.jwe, expectFor(sealed));
    if (key.kind !== 'client_app_key' || key.keyId !== 'ark_1' || key.sub !== 'u1') throw new Error('delivered key metadata');
    // Same CAK delivered to an ordinary key pair gives the same bytes.
    const kp = zk.DeliveryKeyPair.generate();
    const s2 = seal(zk, kp.zkPub, app);
    const a = key.exportRawKey(), b = kp.openV2(s2.jwe, expectFor(s2)).exportRawKey();
    if (a.length !== 32 || a.join() !== b.join()) throw new Error('CAK differs');
    if (await stored(zkPubKid)) throw new Error('key not deleted after success');
    const again = await code(zk.DeliverySession.complete(sealed.jwe, expectFor(sealed)));
    if (again !== 'delivery_session_missing') throw new Error(`second complete: ${again}`);
  },
  async 'DeliverySession: key deleted on failure'(zk) {
    await zk.DeliverySession.cancel();
    const { zkPub } = await zk.DeliverySession.begin();
    const root = zk.RootKey.generate();
    const app = root.deriveClientAppKey({ sub: 'u1', keyId: 'ark_1', clientId: CLIENT });
    const sealed = seal(zk, zkPub, app);
    const bad = await code(zk.DeliverySession.complete(sealed.jwe, { ...expectFor(sealed), zkKeyHash: zk.hashB64u('x') }));
    if (bad !== 'hash_mismatch') throw new Error(`forged hash: ${bad}`);
    const after = await code(zk.DeliverySession.complete(sealed.jwe, expectFor(sealed)));
    if (after !== 'delivery_session_missing') throw new Error(`after failure: ${after}`);
  },
  async 'DeliverySession: v1 root key'(zk) {
    await zk.DeliverySession.cancel();
    const { zkPub } = await zk.DeliverySession.begin();
    const root = zk.RootKey.generate();
    const sealed = zk.sealDeliveryV1(root, zkPub, { sub: 'u1', clientId: CLIENT });
    const key = await zk.DeliverySession.complete(sealed.jwe, { version: 'v1', drkHash: sealed.drkHash, sub: 'u1', clientId: CLIENT });
    if (key.kind !== 'root_key' || key.exportRawKey().length !== 32) throw new Error('v1');
  },
  async 'DeliverySession: two tabs each complete with their own zkPubKid'(zk) {
    await zk.DeliverySession.cancel();
    const a = await zk.DeliverySession.begin();
    const b = await zk.DeliverySession.begin();
    if (a.zkPubKid === b.zkPubKid) throw new Error('same kid');
    if ((await storedCount()) !== 2) throw new Error('the second begin() replaced the first');
    const app = appKey(zk);
    const sa = seal(zk, a.zkPub, app, 'state-a');
    const sb = seal(zk, b.zkPub, app, 'state-b');
    // Completed in the opposite order of begin().
    const kb = await zk.DeliverySession.complete(sb.jwe, { ...expectFor(sb, 'state-b'), zkPubKid: b.zkPubKid });
    if (!(await stored(a.zkPubKid))) throw new Error("completing tab B deleted tab A's key");
    const ka = await zk.DeliverySession.complete(sa.jwe, { ...expectFor(sa, 'state-a'), zkPubKid: a.zkPubKid });
    if (ka.exportRawKey().join() !== kb.exportRawKey().join()) throw new Error('CAK differs');
    if ((await storedCount()) !== 0) throw new Error('keys left behind');
    const again = await code(zk.DeliverySession.complete(sa.jwe, { ...expectFor(sa, 'state-a'), zkPubKid: a.zkPubKid }));
    if (again !== 'delivery_session_missing') throw new Error(`second complete: ${again}`);
  },
  async 'DeliverySession: no zkPubKid with two pending is ambiguous'(zk) {
    await zk.DeliverySession.cancel();
    const a = await zk.DeliverySession.begin();
    const b = await zk.DeliverySession.begin();
    const sa = seal(zk, a.zkPub, appKey(zk));
    const amb = await code(zk.DeliverySession.complete(sa.jwe, expectFor(sa)));
    if (amb !== 'delivery_session_ambiguous') throw new Error(`two pending, no kid: ${amb}`);
    if ((await storedCount()) !== 2) throw new Error('an ambiguous complete() must not delete another tab\'s key');
    // With one left, complete() without zkPubKid takes it.
    await zk.DeliverySession.cancel(b.zkPubKid);
    const key = await zk.DeliverySession.complete(sa.jwe, expectFor(sa));
    if (key.kind !== 'client_app_key') throw new Error('single pending');
  },
  async 'DeliverySession: mixed v1/v2 artifacts are refused, and the key is still deleted'(zk) {
    await zk.DeliverySession.cancel();
    const { zkPub, zkPubKid } = await zk.DeliverySession.begin();
    const sealed = seal(zk, zkPub, appKey(zk));
    for (const mixed of [
      { ...expectFor(sealed), drkHash: sealed.zkKeyHash },
      { ...expectFor(sealed), version: 'v1' },
      { version: 'v1', drkHash: sealed.zkKeyHash, zkKeyVersion: 'v2' },
      { version: 'v1', zkKeyKind: 'client_app_key' },
    ]) {
      const b = await zk.DeliverySession.begin();
      const got = await code(zk.DeliverySession.complete(sealed.jwe, { ...mixed, zkPubKid: b.zkPubKid }));
      if (got !== 'delivery_version_mixed') throw new Error(`mixed ${JSON.stringify(Object.keys(mixed))}: ${got}`);
      if (await stored(b.zkPubKid)) throw new Error('key kept after a mixed-artifact refusal');
    }
    // The token response's kind/version are checked when given.
    const kind = await code(zk.DeliverySession.complete(sealed.jwe, { ...expectFor(sealed), zkKeyKind: 'root_key', zkPubKid }));
    if (kind !== 'key_kind_mismatch') throw new Error(`zkKeyKind: ${kind}`);
  },
  async 'DeliverySession: token response kind/version pass through'(zk) {
    await zk.DeliverySession.cancel();
    const { zkPub, zkPubKid } = await zk.DeliverySession.begin();
    const sealed = seal(zk, zkPub, appKey(zk));
    const key = await zk.DeliverySession.complete(sealed.jwe, { ...expectFor(sealed), zkKeyKind: 'client_app_key', zkKeyVersion: 'v2', zkPubKid });
    if (key.kind !== 'client_app_key') throw new Error('v2 with token response artifacts');
  },
  async 'DeliverySession: stale sessions expire and are purged'(zk) {
    await zk.DeliverySession.cancel();
    const a = await zk.DeliverySession.begin();
    await patch(a.zkPubKid, { created: Date.now() - 361_000 });
    const sa = seal(zk, a.zkPub, appKey(zk));
    const got = await code(zk.DeliverySession.complete(sa.jwe, { ...expectFor(sa), zkPubKid: a.zkPubKid }));
    if (got !== 'delivery_session_expired') throw new Error(`stale: ${got}`);
    if (await stored(a.zkPubKid)) throw new Error('expired key kept');
    const b = await zk.DeliverySession.begin();
    await patch(b.zkPubKid, { created: Date.now() - 361_000 });
    const c = await zk.DeliverySession.begin();
    if (await stored(b.zkPubKid)) throw new Error('begin() did not purge a stale session');
    if (!(await stored(c.zkPubKid))) throw new Error('new session missing');
  },
  async 'DeliverySession: WebCrypto and argument failures are ZkAuthErrors'(zk) {
    await zk.DeliverySession.cancel();
    const { zkPub, zkPubKid } = await zk.DeliverySession.begin();
    await patch(zkPubKid, { privateKey: 'not a CryptoKey' });
    const sealed = seal(zk, zkPub, appKey(zk));
    const got = await code(zk.DeliverySession.complete(sealed.jwe, { ...expectFor(sealed), zkPubKid }));
    if (got !== 'webcrypto_failed') throw new Error(`broken stored key: ${got}`);
    const bad = await code(zk.DeliverySession.complete(sealed.jwe, { zkPubKid: 5 }));
    if (bad !== 'invalid_input') throw new Error(`zkPubKid: 5: ${bad}`);
  },
};
