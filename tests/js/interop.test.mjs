// jose interop and Wycheproof JWE in Node, against the built package imported by name.
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import * as zk from 'zkauth';
import { v1Rounds, v2Rounds, wycheproofJwe } from './interop.js';

test('v2: jose seals → zkauth opens, zkauth seals → jose opens (32 rounds)', () => v2Rounds(zk, jose, 32));
test('v1: both directions (32 rounds)', () => v1Rounds(zk, jose, 32));
test('Wycheproof JWE: only tcId 78 decrypts; every other case refused', () => {
  const doc = JSON.parse(readFileSync(new URL('../vectors/wycheproof/json_web_encryption_test.json', import.meta.url)));
  assert.equal(wycheproofJwe(zk, doc), 139);
});

test('device approval: zkauth seals → jose opens the spec payload; jose seals → zkauth opens (8 rounds)', async () => {
  const ORDER = ['typ', 'version', 'sub', 'request_id', 'ark', 'iat', 'exp'];
  for (let i = 0; i < 8; i++) {
    const { publicKey, privateKey } = await jose.generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true });
    const kp = zk.DeliveryKeyPair.fromPrivateJwk(JSON.stringify(await jose.exportJWK(privateKey)));
    const jwk = kp.publicJwk;
    const pub = await jose.exportJWK(publicKey);
    assert.equal(jwk, JSON.stringify({ kty: 'EC', crv: 'P-256', x: pub.x, y: pub.y }), 'compact, string members only, the same key');
    const root = zk.RootKey.generate();
    const iat = Math.floor(Date.now() / 1000);
    const ctx = { sub: `user-${i}`, requestId: `req-${i}` };
    const jwe = zk.sealDeviceApproval(root, jwk, { ...ctx, iat });
    const { plaintext, protectedHeader } = await jose.compactDecrypt(jwe, privateKey);
    assert.deepEqual(Object.keys(protectedHeader).sort(), ['alg', 'enc', 'epk']);
    assert.equal(protectedHeader.alg, 'ECDH-ES');
    assert.equal(protectedHeader.enc, 'A256GCM');
    const text = new TextDecoder().decode(plaintext);
    const p = JSON.parse(text);
    assert.deepEqual(Object.keys(p), ORDER, 'the spec order');
    assert.deepEqual([p.typ, p.version, p.sub, p.request_id, p.iat, p.exp], ['DarkAuth-Device-Approval', 'v2', ctx.sub, ctx.requestId, iat, iat + 120]);
    assert.equal(Buffer.from(p.ark, 'base64url').length, 32);
    // jose seals the same claims; zkauth opens them to the same root key (sealed again and
    // read back through jose, the ark is the one jose sent).
    const again = await new jose.CompactEncrypt(new TextEncoder().encode(text)).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM' }).encrypt(publicKey);
    const opened = kp.openDeviceApproval(again, ctx);
    const back = JSON.parse(new TextDecoder().decode((await jose.compactDecrypt(zk.sealDeviceApproval(opened, jwk, ctx), privateKey)).plaintext));
    assert.equal(back.ark, p.ark);
    // Refusals through the package: another request, another user, another device's key.
    assert.throws(() => kp.openDeviceApproval(again, { ...ctx, requestId: 'other' }), (e) => e.code === 'request_id_mismatch');
    assert.throws(() => kp.openDeviceApproval(again, { ...ctx, sub: 'other' }), (e) => e.code === 'sub_mismatch');
    assert.throws(() => zk.DeliveryKeyPair.generate().openDeviceApproval(again, ctx), (e) => e.code === 'jwe_decrypt_failed');
    assert.throws(() => kp.openDeviceApproval(again, { ...ctx, now: iat + 121 }), (e) => e.code === 'delivery_expired');
    root.free();
    opened.free();
    kp.free();
  }
});

test('sharing: zkauth seals a data key → jose opens the raw key, which opens the note; jose seals → zkauth opens (8 rounds)', async () => {
  const root = zk.RootKey.generate();
  const app = root.deriveClientAppKey({ sub: 'u1', keyId: 'ark_1', clientId: 'app' });
  const aesOpen = async (raw, id, b64) => {
    const sealed = Buffer.from(b64, 'base64');
    const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['decrypt']);
    const aad = new TextEncoder().encode(JSON.stringify({ note_id: id }));
    return new TextDecoder().decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.subarray(0, 12), additionalData: aad }, key, sealed.subarray(12)));
  };
  for (let i = 0; i < 8; i++) {
    const id = `note-${i}`;
    const text = `shared note ${i}`;
    const dk = app.deriveDataKey(id);
    const ciphertext = dk.encrypt(id, new TextEncoder().encode(text));
    // zkauth → jose: the recipient is a key pair jose made (its JWK export, members in jose's order).
    const { publicKey, privateKey } = await jose.generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true });
    const jwe = zk.sealToRecipient(dk, JSON.stringify(await jose.exportJWK(publicKey)));
    const { plaintext, protectedHeader } = await jose.compactDecrypt(jwe, privateKey);
    assert.deepEqual(Object.keys(protectedHeader).sort(), ['alg', 'enc', 'epk']);
    assert.deepEqual([protectedHeader.alg, protectedHeader.enc], ['ECDH-ES', 'A256GCM']);
    assert.equal(plaintext.length, 32, 'the raw data key');
    assert.equal(await aesOpen(plaintext, id, ciphertext), text, 'the key jose received is the note key');
    // jose → zkauth: the recipient is a zkauth sharing key pair, reopened from what a server stores.
    const created = app.createSharingKey();
    const reopened = app.openSharingKey(created.publicJwk, created.wrappedPrivateKey);
    assert.equal(reopened.publicJwk, created.publicJwk);
    const recipient = await jose.importJWK(JSON.parse(created.publicJwk), 'ECDH-ES');
    const fromJose = await new jose.CompactEncrypt(plaintext).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM' }).encrypt(recipient);
    const opened = reopened.openShared(fromJose);
    assert.equal(new TextDecoder().decode(opened.decrypt(id, ciphertext)), text);
    // Refusals: another recipient, a payload that is not one key, another app's key.
    assert.throws(() => app.createSharingKey().keyPair.openShared(fromJose), (e) => e.code === 'jwe_decrypt_failed');
    const short = await new jose.CompactEncrypt(plaintext.subarray(0, 31)).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM' }).encrypt(recipient);
    assert.throws(() => reopened.openShared(short), (e) => e.code === 'invalid_length');
    const other = root.deriveClientAppKey({ sub: 'u1', keyId: 'ark_1', clientId: 'other-app' });
    assert.throws(() => other.openSharingKey(created.publicJwk, created.wrappedPrivateKey), (e) => e.code === 'unwrap_failed');
    const privateJwk = JSON.stringify(await jose.exportJWK(privateKey));
    assert.throws(() => zk.sealToRecipient(dk, privateJwk), (e) => e.code === 'invalid_recipient_key', 'a private JWK is no recipient');
    for (const h of [dk, opened, created.keyPair, reopened, other]) h.free();
  }
  app.free();
  root.free();
});
