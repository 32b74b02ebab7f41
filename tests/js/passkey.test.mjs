// The passkey helpers of the package (wire profile §3.9): the server's options JSON decoded for
// navigator.credentials, and a credential encoded for the server with the PRF output taken out.
// Base64url is checked against Node's own codec; credentials are shaped as browsers return them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zk from 'zkauth';

const isCode = (code) => (e) => e instanceof zk.ZkAuthError && e.code === code;
const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
const SALT = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
const buf = (bytes) => new Uint8Array(bytes).buffer;

test('passkeyCreationOptions decodes the challenge, user id, excluded ids and the PRF salt', () => {
  const publicKey = {
    rp: { id: 'localhost', name: 'zkauth' },
    user: { id: b64u([1, 2, 3, 4]), name: 'ada@example.com', displayName: 'Ada' },
    challenge: b64u([9, 8, 7]),
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }, { type: 'public-key', alg: -257 }],
    excludeCredentials: [{ type: 'public-key', id: b64u([0xfb, 0xff]) }],
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    extensions: { credProps: true, prf: { eval: { first: b64u(SALT) } } },
  };
  const { publicKey: pk } = zk.passkeyCreationOptions(publicKey);
  assert.deepEqual([...pk.challenge], [9, 8, 7]);
  assert.deepEqual([...pk.user.id], [1, 2, 3, 4]);
  assert.equal(pk.user.name, 'ada@example.com');
  assert.deepEqual([...pk.excludeCredentials[0].id], [0xfb, 0xff], 'base64url, not base64: "-_" decode');
  assert.deepEqual(Buffer.from(pk.extensions.prf.eval.first), SALT);
  assert.equal(pk.extensions.credProps, true);
  assert.deepEqual(pk.authenticatorSelection, publicKey.authenticatorSelection, 'other members pass through');
  assert.equal(publicKey.challenge, b64u([9, 8, 7]), 'the input is not changed');
});

test('passkeyRequestOptions decodes allowCredentials and evalByCredential; bad input is invalid_input', () => {
  const { publicKey: pk } = zk.passkeyRequestOptions({
    challenge: b64u([5]),
    rpId: 'localhost',
    userVerification: 'required',
    allowCredentials: [{ type: 'public-key', id: b64u([7, 7]) }],
    extensions: { prf: { evalByCredential: { [b64u([7, 7])]: { first: b64u(SALT) } } } },
  });
  assert.deepEqual([...pk.allowCredentials[0].id], [7, 7]);
  assert.deepEqual(Buffer.from(pk.extensions.prf.evalByCredential[b64u([7, 7])].first), SALT);
  assert.deepEqual(zk.passkeyRequestOptions({ challenge: b64u([5]) }).publicKey.allowCredentials, [], 'username-less');
  for (const bad of [null, [], { challenge: 'a+b/' }, { challenge: 'abcde' }, { challenge: 'AA', extensions: { prf: { eval: { first: 1 } } } }]) {
    assert.throws(() => zk.passkeyRequestOptions(bad), isCode('invalid_input'), JSON.stringify(bad));
  }
  assert.throws(() => zk.passkeyCreationOptions({ challenge: 'AA' }), isCode('invalid_input'), 'no user');
});

test('passkeyResponse: a registration keeps prf.enabled and drops prf.results, which it returns instead', () => {
  const prf = new Uint8Array(32).fill(0xab);
  const credential = {
    id: b64u([1, 2, 3]),
    rawId: buf([1, 2, 3]),
    type: 'public-key',
    authenticatorAttachment: 'platform',
    response: { clientDataJSON: buf([123, 125]), attestationObject: buf([0xa0]), getTransports: () => ['internal'] },
    getClientExtensionResults: () => ({ credProps: { rk: true }, prf: { enabled: true, results: { first: prf.buffer } } }),
  };
  const { response, prfOutput, prfEnabled } = zk.passkeyResponse(credential);
  assert.deepEqual(response, {
    id: 'AQID', rawId: 'AQID', type: 'public-key', authenticatorAttachment: 'platform',
    response: { clientDataJSON: 'e30', attestationObject: 'oA', transports: ['internal'] },
    clientExtensionResults: { credProps: { rk: true }, prf: { enabled: true } },
  });
  assert.ok(!JSON.stringify(response).includes(b64u(prf)), 'the PRF output is in nothing sent');
  assert.deepEqual(prfOutput, new Uint8Array(32).fill(0xab));
  assert.notEqual(prfOutput.buffer, prf.buffer, 'a copy the caller can zero');
  assert.deepEqual(prf, new Uint8Array(32), "the credential's own copy is zeroed");
  assert.equal(prfEnabled, true);
});

test('passkeyResponse: an assertion carries authenticatorData, signature and userHandle; no PRF is null', () => {
  const credential = {
    id: 'Bw', rawId: buf([7]), type: 'public-key',
    response: { clientDataJSON: buf([1]), authenticatorData: buf([2]), signature: new Uint8Array([3, 4]), userHandle: buf([0xff, 0xfe]) },
    getClientExtensionResults: () => ({}),
  };
  const { response, prfOutput, prfEnabled } = zk.passkeyResponse(credential);
  assert.deepEqual(response.response, { clientDataJSON: 'AQ', authenticatorData: 'Ag', signature: 'AwQ', userHandle: '__4' });
  assert.deepEqual(response.clientExtensionResults, {});
  assert.equal(prfOutput, null);
  assert.equal(prfEnabled, false);
  assert.throws(() => zk.passkeyResponse({ response: {} }), isCode('invalid_input'));
  assert.throws(() => zk.passkeyResponse(null), isCode('invalid_input'));
});
