// Interop and conformance checks shared by Node (interop.test.mjs) and headless Chromium
// (browser/suite.html): the same code runs against the same built package in both.

const enc = new TextEncoder();
const dec = new TextDecoder();

export function b64u(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
export function unb64u(s) {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}
function eq(a, b, what) {
  if (a !== b) throw new Error(`${what}: expected ${JSON.stringify(b)}, got ${JSON.stringify(a)}`);
}
function bytesEq(a, b, what) {
  eq(b64u(a), b64u(b), what);
}
function expectCode(fn, code, ZkAuthError, what) {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ZkAuthError)) throw new Error(`${what}: not a ZkAuthError: ${e}`);
    eq(e.code, code, what);
    return;
  }
  throw new Error(`${what}: expected ${code}, nothing thrown`);
}

const CLIENT = 'app-client';
const REDIRECT = 'https://app.example/callback?x=1';
const now = () => Math.floor(Date.now() / 1000);

/** jose seals v2 → zkauth opens; zkauth seals v2 → jose opens. */
export async function v2Rounds(zk, jose, rounds) {
  for (let i = 0; i < rounds; i++) {
    // jose → zkauth
    const kp = zk.DeliveryKeyPair.generate();
    const recipient = await jose.importJWK(JSON.parse(dec.decode(unb64u(kp.zkPub))), 'ECDH-ES');
    const cak = crypto.getRandomValues(new Uint8Array(32));
    const state = `st-${i}`;
    const iat = now();
    const claims = {
      typ: 'DarkAuth-Client-Key', version: 'v2', sub: `user${i}`, client_id: CLIENT, aud: CLIENT, request_id: `req${i}`,
      state_hash: zk.hashB64u(state), redirect_uri_hash: zk.hashB64u(REDIRECT), key_id: 'ark_1', key_kind: 'client_app_key',
      cak: b64u(cak), iat, exp: iat + 120,
    };
    const jwe = await new jose.CompactEncrypt(enc.encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM' })
      .encrypt(recipient);
    const got = kp.openV2(jwe, { zkKeyHash: zk.hashB64u(jwe), zkKeyKind: 'client_app_key', zkKeyVersion: 'v2', clientId: CLIENT, redirectUri: REDIRECT, state, sub: `user${i}`, requestId: `req${i}` });
    eq(got.kind, 'client_app_key', 'kind');
    eq(got.keyId, 'ark_1', 'keyId');
    bytesEq(got.exportRawKey(), cak, 'cak via zkauth');
    got.free();
    kp.free();

    // zkauth → jose
    const { privateKey, publicKey } = await jose.generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true });
    const pub = await jose.exportJWK(publicKey);
    const zkPub = b64u(enc.encode(JSON.stringify({ kty: 'EC', crv: 'P-256', x: pub.x, y: pub.y })));
    const root = zk.RootKey.generate();
    const app = root.deriveClientAppKey({ sub: `user${i}`, keyId: 'ark_1', clientId: CLIENT });
    const sealed = zk.sealDeliveryV2(app, zkPub, { sub: `user${i}`, clientId: CLIENT, requestId: `req${i}`, state, redirectUri: REDIRECT, keyId: 'ark_1' });
    eq(sealed.zkKeyHash, zk.hashB64u(sealed.jwe), 'zkKeyHash');
    const { plaintext, protectedHeader } = await jose.compactDecrypt(sealed.jwe, privateKey);
    eq(Object.keys(protectedHeader).join(','), 'alg,enc,epk', 'header members');
    const p = JSON.parse(dec.decode(plaintext));
    eq(Object.keys(p).join(','), 'typ,version,sub,client_id,aud,request_id,state_hash,redirect_uri_hash,key_id,key_kind,cak,iat,exp', 'payload order');
    eq(p.state_hash, zk.hashB64u(state), 'state_hash');
    eq(p.exp - p.iat, 120, 'lifetime');
    // The same JWE through zkauth's own opener yields the same key bytes jose saw.
    const priv = await jose.exportJWK(privateKey);
    const kp2 = zk.DeliveryKeyPair.fromPrivateJwk(JSON.stringify(priv));
    eq(kp2.zkPub, zkPub, 'zkPub from private JWK');
    const again = kp2.openV2(sealed.jwe, { zkKeyHash: sealed.zkKeyHash, zkKeyKind: 'client_app_key', zkKeyVersion: 'v2', clientId: CLIENT, redirectUri: REDIRECT, state, sub: `user${i}` });
    bytesEq(again.exportRawKey(), unb64u(p.cak), 'cak via jose');
    for (const h of [again, kp2, app, root]) h.free();
  }
}

/** v1 (raw DRK payload, sub/client_id in the header) both ways. */
export async function v1Rounds(zk, jose, rounds) {
  for (let i = 0; i < rounds; i++) {
    const kp = zk.DeliveryKeyPair.generate();
    const recipient = await jose.importJWK(JSON.parse(dec.decode(unb64u(kp.zkPub))), 'ECDH-ES');
    const drk = crypto.getRandomValues(new Uint8Array(32));
    const jwe = await new jose.CompactEncrypt(drk)
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', sub: `u${i}`, client_id: CLIENT })
      .encrypt(recipient);
    const got = kp.openV1(jwe, { drkHash: zk.hashB64u(jwe), sub: `u${i}`, clientId: CLIENT });
    eq(got.kind, 'root_key', 'kind');
    bytesEq(got.exportRawKey(), drk, 'drk via zkauth');
    expectCode(() => kp.openV1(jwe, { drkHash: zk.hashB64u(jwe), sub: 'other' }), 'sub_mismatch', zk.ZkAuthError, 'v1 sub');

    const { privateKey, publicKey } = await jose.generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true });
    const pub = await jose.exportJWK(publicKey);
    const zkPub = b64u(enc.encode(JSON.stringify({ kty: 'EC', crv: 'P-256', x: pub.x, y: pub.y })));
    const root = zk.RootKey.generate();
    const sealed = zk.sealDeliveryV1(root, zkPub, { sub: `u${i}`, clientId: CLIENT });
    const { plaintext, protectedHeader } = await jose.compactDecrypt(sealed.jwe, privateKey);
    eq(plaintext.length, 32, 'v1 payload length');
    eq(Object.keys(protectedHeader).join(','), 'alg,enc,sub,client_id,epk', 'v1 header members');
    eq(protectedHeader.sub, `u${i}`, 'v1 header sub');
    const kp2 = zk.DeliveryKeyPair.fromPrivateJwk(JSON.stringify(await jose.exportJWK(privateKey)));
    bytesEq(kp2.openV1(sealed.jwe, { drkHash: sealed.drkHash }).exportRawKey(), plaintext, 'drk round trip');
    for (const h of [got, kp, kp2, root]) h.free();
  }
}

/** Wycheproof json_web_encryption_test.json through openV2: nothing opens as a delivery; tcId 78
 *  (the only in-profile case) gets past AEAD to the payload check; every other case stops earlier. */
export function wycheproofJwe(zk, doc) {
  const seen = { 78: null };
  const KEY_WRAP_OR_OTHER = new Set(['jwe_header_rejected', 'jwe_malformed', 'invalid_base64url', 'invalid_epk', 'jwe_decrypt_failed']);
  let refused = 0;
  for (const g of doc.testGroups) {
    let kp;
    try {
      kp = zk.DeliveryKeyPair.fromPrivateJwk(JSON.stringify(g.private));
    } catch {
      kp = zk.DeliveryKeyPair.generate(); // non-P-256 groups: the JWE rules alone must refuse them
    }
    for (const t of g.tests) {
      if (typeof t.jwe !== 'string') continue;
      try {
        kp.openV2(t.jwe, { zkKeyHash: zk.hashB64u(t.jwe), zkKeyKind: 'client_app_key', zkKeyVersion: 'v2', clientId: CLIENT, redirectUri: REDIRECT });
        throw new Error(`tcId ${t.tcId} opened`);
      } catch (e) {
        if (!(e instanceof zk.ZkAuthError)) throw e;
        if (t.tcId === 78) seen[78] = e.code;
        else if (!KEY_WRAP_OR_OTHER.has(e.code)) throw new Error(`tcId ${t.tcId}: unexpected code ${e.code}`);
        refused++;
      }
    }
    kp.free();
  }
  eq(seen[78], 'payload_invalid', 'tcId 78 decrypts (then fails only the delivery payload check)');
  return refused;
}
