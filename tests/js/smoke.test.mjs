// Node smoke test of the optimized package (wasm-opt output), imported by its name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as zk from 'zkauth';

test('init resolves and hashes match known answers', async () => {
  await zk.init();
  await zk.init(); // idempotent
  assert.equal(zk.hashB64u(''), '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
  assert.equal(zk.hashB64u('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
});

test('validateZkPub returns the kid and throws ZkAuthError with .code', () => {
  const jwk = { kty: 'EC', crv: 'P-256', x: 'YtW9M3Kvdf6FoEBxXQ9QJCjgcEaGiwv9-mHXMa_kTyY', y: 'rDM6k6nnCoHNWpW1v40TmQ63QcjDiHK0oH0nWgFOMM8' };
  const zkPub = Buffer.from(JSON.stringify(jwk)).toString('base64url');
  assert.equal(zk.validateZkPub(zkPub), zk.hashB64u(zkPub));
  const bad = Buffer.from(JSON.stringify({ ...jwk, d: 'AA' })).toString('base64url');
  assert.throws(() => zk.validateZkPub(bad), (e) => e instanceof zk.ZkAuthError && e instanceof Error && e.code === 'invalid_zk_pub');
  assert.throws(() => zk.validateZkPub(zkPub + '='), (e) => e.code === 'invalid_zk_pub');
});

test('OPAQUE client starts in the optimized build; states are single use', () => {
  const client = new zk.OpaqueClient(zk.OpaqueProfile.darkauth());
  const { request, state } = client.startLogin('correct horse');
  assert.equal(Buffer.from(request, 'base64url').length, 98);
  assert.throws(() => state.finish('AAAA', 'a@b'), (e) => e.code === 'opaque_message_invalid');
  assert.throws(() => state.finish('AAAA', 'a@b'), (e) => e.code === 'state_used');
  assert.throws(() => zk.OpaqueProfile.argon2id({ memoryKib: 1, iterations: 1, parallelism: 1, serverIdentity: 's' }), (e) => e.code === 'invalid_profile');
  assert.throws(() => zk.OpaqueProfile.argon2id({ iterations: 1, parallelism: 1, serverIdentity: 's' }), (e) => e.code === 'missing_field');
  state.free();
  client.free();
});

test('a freed handle throws key_released, never acts as a zero key', () => {
  const client = new zk.OpaqueClient(zk.OpaqueProfile.darkauth());
  const { state } = client.startRegistration('pw');
  state.free();
  assert.throws(() => state.finish('AAAA', 'x'), (e) => e instanceof zk.ZkAuthError && e.code === 'key_released');
  client.free();
  assert.throws(() => client.startLogin('pw'), (e) => e.code === 'key_released');
  if (Symbol.dispose) assert.equal(typeof zk.OpaqueClient.prototype[Symbol.dispose], 'function');
});

test('package.json routes node and browser builds; the wasm ships as its own file', () => {
  const pkgJson = JSON.parse(readFileSync(new URL('./node_modules/zkauth/package.json', import.meta.url)));
  const e = pkgJson.exports['.'];
  assert.equal(e.node, './node.js');
  assert.equal(e.browser, './index.js');
  assert.equal(e.default, './index.js');
  const wasm = readFileSync(new URL('./node_modules/zkauth/zkauth_bg.wasm', import.meta.url));
  assert.deepEqual([...wasm.subarray(0, 4)], [0, 0x61, 0x73, 0x6d]);
  assert.ok(!readFileSync(new URL('./node_modules/zkauth/zkauth.js', import.meta.url), 'utf8').includes('AGFzbQ'), 'wasm not inlined');
});

test('the web build also loads in Node with init(bytes)', async () => {
  const web = await import(new URL('./node_modules/zkauth/index.js', import.meta.url));
  const bytes = readFileSync(new URL('./node_modules/zkauth/zkauth_bg.wasm', import.meta.url));
  await web.init(bytes);
  assert.equal(web.hashB64u('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
});
