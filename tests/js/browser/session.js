// DeliverySession tests (browser only: IndexedDB + WebCrypto non-extractable keys).
const CLIENT = 'app';
const REDIRECT = 'https://app.example/cb';

function seal(zk, zkPub, app, state = 'st') {
  return zk.sealDeliveryV2(app, zkPub, { sub: 'u1', clientId: CLIENT, requestId: 'r1', state, redirectUri: REDIRECT, keyId: 'ark_1' });
}
const expectFor = (sealed, state = 'st') => ({ zkKeyHash: sealed.zkKeyHash, clientId: CLIENT, redirectUri: REDIRECT, state, sub: 'u1', requestId: 'r1' });

async function stored() {
  const db = await new Promise((res, rej) => {
    const r = indexedDB.open('zkauth', 1);
    r.onsuccess = () => res(r.result);
    r.onerror = rej;
  });
  const rec = await new Promise((res) => {
    const g = db.transaction('delivery-session').objectStore('delivery-session').get('current');
    g.onsuccess = () => res(g.result);
  });
  db.close();
  return rec;
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
    const { zkPub, zkPubKid } = await zk.DeliverySession.begin();
    if (zkPubKid !== zk.hashB64u(zkPub)) throw new Error('zkPubKid');
    const rec = await stored();
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
    if (await stored()) throw new Error('key not deleted after success');
    const again = await code(zk.DeliverySession.complete(sealed.jwe, expectFor(sealed)));
    if (again !== 'delivery_session_missing') throw new Error(`second complete: ${again}`);
  },
  async 'DeliverySession: key deleted on failure'(zk) {
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
    const { zkPub } = await zk.DeliverySession.begin();
    const root = zk.RootKey.generate();
    const sealed = zk.sealDeliveryV1(root, zkPub, { sub: 'u1', clientId: CLIENT });
    const key = await zk.DeliverySession.complete(sealed.jwe, { version: 'v1', drkHash: sealed.drkHash, sub: 'u1', clientId: CLIENT });
    if (key.kind !== 'root_key' || key.exportRawKey().length !== 32) throw new Error('v1');
  },
};
