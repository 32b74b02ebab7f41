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
  assert.throws(() => state.finish('AAAA', 'a@b'), (e) => e.code === 'opaque_login_failed'); // one code for any KE2 (issue 13)
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

// ---- the wasm/JS boundary: no JS exception may unwind through a binding ----------------------

const isCode = (...codes) => (e) => e instanceof zk.ZkAuthError && codes.includes(e.code);
const META = { envelopeId: 'env_1', keyId: 'ark_1', sub: 'u1' };
const CAK = { sub: 'u1', keyId: 'ark_1', clientId: 'app' };
const SEAL = { sub: 'u1', clientId: 'app', requestId: 'r1', state: 'st', redirectUri: 'https://app.example/cb', keyId: 'ark_1' };
// zkKeyKind/zkKeyVersion: the token response's, required since issue 13 (§4.7 step 5).
const openBag = (s) => ({ zkKeyHash: s.zkKeyHash, zkKeyKind: 'client_app_key', zkKeyVersion: 'v2', clientId: 'app', redirectUri: 'https://app.example/cb', state: 'st' });
const throwing = (name) => ({ ...META, get [name]() { throw new Error('getter threw'); } });

test('bad option bags throw ZkAuthError and leave every handle usable and freeable', () => {
  const rk = zk.RootKey.generate();
  assert.throws(() => rk.deriveClientAppKey(undefined), isCode('invalid_input'));
  assert.throws(() => rk.deriveClientAppKey(null), isCode('invalid_input'));
  assert.throws(() => rk.deriveClientAppKey('sub'), isCode('invalid_input'));
  assert.throws(() => rk.deriveClientAppKey({ ...CAK, get clientId() { throw new Error('x'); } }), isCode('invalid_input'));
  assert.throws(() => rk.deriveClientAppKey(new Proxy({}, { get() { throw new Error('trap'); } })), isCode('invalid_input'));
  const app = rk.deriveClientAppKey(CAK); // rk is not left borrowed

  const dk = app.deriveDataKey('n');
  const notBytes = { undefined, null: null, string: 'text', array: [1, 2], arrayLike: { length: 1, 0: 1 },
    forged: Object.create(Uint8Array.prototype), proxy: new Proxy(new Uint8Array(4), {}) };
  for (const [what, bad] of Object.entries(notBytes)) assert.throws(() => dk.encrypt('n', bad), isCode('invalid_input'), what);
  const own = new Uint8Array([1, 2, 3]);
  Object.defineProperty(own, 'length', { get() { throw new Error('own length'); } });
  assert.equal(Buffer.from(dk.decrypt('n', dk.encrypt('n', own))).toString('hex'), '010203'); // built-in length, not the own getter
  const detached = new Uint8Array(8);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  assert.throws(() => dk.encrypt('n', detached), isCode('invalid_input'));
  assert.deepEqual([...dk.decrypt('n', dk.encrypt('n', new Uint8Array([7, 8])))], [7, 8]);

  const kp = zk.DeliveryKeyPair.generate();
  assert.throws(() => kp.openV2('x', null), isCode('invalid_input'));
  assert.throws(() => kp.openV2('x', undefined), isCode('invalid_input'));
  assert.throws(() => kp.openV1('x', 5), isCode('invalid_input'));
  const sealed = zk.sealDeliveryV2(app, kp.zkPub, SEAL);
  assert.equal(kp.openV2(sealed.jwe, openBag(sealed)).kind, 'client_app_key');
  assert.throws(() => zk.sealDeliveryV2(app, kp.zkPub, undefined), isCode('invalid_input'));
  assert.throws(() => zk.deliveryEpkV2(sealed.jwe, null), isCode('invalid_input'));
  assert.throws(() => zk.openDeliveryV2WithSecret(sealed.jwe, undefined, openBag(sealed)), isCode('invalid_input'));
  assert.throws(() => zk.openDeliveryV2WithSecret(sealed.jwe, new Uint8Array(31), openBag(sealed)), isCode('invalid_length'));

  const rec = zk.RecoveryKey.generate();
  const rk2 = zk.RootKey.generate();
  assert.throws(() => rec.sealEnvelope(rk2, throwing('envelopeId')), isCode('invalid_input'));
  assert.throws(() => rec.openEnvelope('AAAA', throwing('sub')), isCode('invalid_input'));
  assert.throws(() => zk.passwordEnvelopeAad(undefined), isCode('invalid_input'));
  assert.throws(() => zk.sealPrfEnvelope(undefined, 'cred', rk2, META), isCode('invalid_input'));
  assert.throws(() => zk.sealPrfEnvelope(new Uint8Array(32), 'cred', rk2, null), isCode('invalid_input'));
  assert.throws(() => zk.OpaqueProfile.argon2id(undefined), isCode('invalid_input'));
  const wrapped = rec.sealEnvelope(rk2, META); // rec and rk2 are not left borrowed
  rec.openEnvelope(wrapped, META).free();

  for (const h of [rk, app, dk, kp, rec, rk2]) assert.doesNotThrow(() => h.free());
  assert.throws(() => rk.deriveClientAppKey(CAK), isCode('key_released')); // released, not "borrowed"
});

test('present-but-wrong-type fields are invalid_input; absent ones missing_field', () => {
  const rk = zk.RootKey.generate();
  assert.throws(() => rk.deriveClientAppKey({ ...CAK, sub: 1 }), isCode('invalid_input'));
  assert.throws(() => rk.deriveClientAppKey({ ...CAK, orgId: 7 }), isCode('invalid_input'));
  assert.throws(() => rk.deriveClientAppKey({ ...CAK, sub: undefined }), isCode('missing_field'));
  assert.throws(() => rk.deriveClientAppKey({ ...CAK, sub: null }), isCode('missing_field'));
  const argon = { memoryKib: 1024, iterations: 1, parallelism: 1, serverIdentity: 's' };
  assert.throws(() => zk.OpaqueProfile.argon2id({ ...argon, memoryKib: '1024' }), isCode('invalid_input'));
  assert.throws(() => zk.OpaqueProfile.argon2id({ ...argon, serverIdentity: {} }), isCode('invalid_input'));
  const kp = zk.DeliveryKeyPair.generate();
  const app = rk.deriveClientAppKey(CAK);
  const s = zk.sealDeliveryV2(app, kp.zkPub, SEAL);
  assert.throws(() => kp.openV2(s.jwe, { ...openBag(s), now: '1' }), isCode('invalid_input'));
  assert.throws(() => zk.sealDeliveryV2(app, kp.zkPub, { ...SEAL, iat: 'now' }), isCode('invalid_input'));
  assert.throws(() => kp.openV2(s.jwe, { ...openBag(s), zkKeyHash: undefined }), isCode('missing_field'));
  for (const h of [rk, kp, app]) h.free();
});

test('openV2 checks the token response zkKeyKind/zkKeyVersion, requires them, and refuses mixed artifacts', () => {
  const rk = zk.RootKey.generate();
  const app = rk.deriveClientAppKey(CAK);
  const kp = zk.DeliveryKeyPair.generate();
  const s = zk.sealDeliveryV2(app, kp.zkPub, SEAL);
  assert.throws(() => kp.openV2(s.jwe, { ...openBag(s), zkKeyKind: 'root_key' }), isCode('key_kind_mismatch'));
  assert.throws(() => kp.openV2(s.jwe, { ...openBag(s), zkKeyVersion: 'v1' }), isCode('version_mismatch'));
  assert.throws(() => zk.deliveryEpkV2(s.jwe, { ...openBag(s), zkKeyKind: 'root_key' }), isCode('key_kind_mismatch'));
  assert.throws(() => kp.openV2(s.jwe, { ...openBag(s), zkKeyKind: 1 }), isCode('invalid_input'));
  assert.throws(() => kp.openV2(s.jwe, { ...openBag(s), zkKeyKind: undefined }), isCode('key_kind_mismatch'));
  assert.throws(() => kp.openV2(s.jwe, { ...openBag(s), zkKeyVersion: undefined }), isCode('version_mismatch'));
  assert.throws(() => kp.openV2(s.jwe, { ...openBag(s), drkHash: s.zkKeyHash }), isCode('delivery_version_mixed'));
  assert.throws(() => kp.openV1(s.jwe, { drkHash: s.zkKeyHash, zkKeyVersion: 'v2' }), isCode('delivery_version_mixed'));
  assert.throws(() => zk.deliveryEpkV1(s.jwe, { zkKeyHash: s.zkKeyHash }), isCode('delivery_version_mixed'));
  // The key pair stays usable after a refusal (by design); the app frees it after the callback.
  const key = kp.openV2(s.jwe, { ...openBag(s), zkKeyKind: 'client_app_key', zkKeyVersion: 'v2' });
  assert.equal(key.kind, 'client_app_key');
  for (const h of [rk, app, kp, key]) h.free();
});

test('free() and [Symbol.dispose]() are no-ops on a freed or consumed handle', () => {
  const rk = zk.RootKey.generate();
  rk.free();
  assert.doesNotThrow(() => rk.free());
  assert.doesNotThrow(() => rk[Symbol.dispose]());
  const rk2 = zk.RootKey.generate();
  rk2[Symbol.dispose]();
  assert.doesNotThrow(() => rk2.free());
  assert.throws(() => rk2.deriveDataKey('x'), isCode('key_released'));
  // A consumed handle (by-value method) too.
  const kp = zk.DeliveryKeyPair.generate();
  const app = zk.RootKey.generate().deriveClientAppKey(CAK);
  const s = zk.sealDeliveryV2(app, kp.zkPub, SEAL);
  const delivered = kp.openV2(s.jwe, openBag(s));
  const appKey = delivered.intoAppKey();
  assert.doesNotThrow(() => delivered.free());
  assert.throws(() => delivered.exportRawKey(), isCode('key_released'));
  assert.equal(zk.AppKey.prototype.free, zk.AppKey.prototype[Symbol.dispose]);
  for (const h of [kp, app, appKey]) h.free();
});

test('glue argument errors and wasm traps are ZkAuthErrors too', async () => {
  const rk = zk.RootKey.generate();
  assert.throws(() => rk.deriveDataKey(undefined), isCode('invalid_input'));
  assert.throws(() => zk.sealDeliveryV2({}, 'x', SEAL), isCode('invalid_input')); // not an AppKey handle
  assert.throws(() => zk.hashB64u(undefined), isCode('invalid_input'));
  rk.deriveDataKey('still usable').free();
  rk.free();
  const { mapError } = await import(new URL('./node_modules/zkauth/common.js', import.meta.url));
  const trap = mapError(new WebAssembly.RuntimeError('unreachable'));
  assert.ok(trap instanceof zk.ZkAuthError);
  assert.equal(trap.code, 'internal_error');
  assert.match(trap.message, /trapped; reload/);
});

// ---- issue 13: checks before the glue, re-entrant free(), calls before init() --------------

test('string arguments are checked before the copy into wasm: type, lone surrogates, length', () => {
  const rk = zk.RootKey.generate();
  // A number where a string is expected used to reach the glue's string copy and trap.
  for (const bad of [0, 1.5, null, undefined, {}, [], true, Symbol('s'), 10n]) {
    assert.throws(() => rk.deriveDataKey(bad), isCode('invalid_input'), String(typeof bad));
    assert.throws(() => zk.hashB64u(bad), isCode('invalid_input'));
  }
  // Lone surrogates would have become U+FFFD (another AAD, another hash) silently.
  for (const lone of ['\uD800', 'a\uDC00b', '\uDBFFx']) {
    assert.throws(() => zk.hashB64u(lone), isCode('invalid_input'));
    assert.throws(() => rk.deriveClientAppKey({ ...CAK, sub: lone }), isCode('invalid_input')); // an option field too
  }
  assert.equal(zk.hashB64u('\uD83D\uDE00'), zk.hashB64u('😀')); // a surrogate pair is fine
  // Caps by parameter, with the code the Rust rule gives, before the copy.
  const kp = zk.DeliveryKeyPair.generate();
  const big = 'A'.repeat(64 * 1024 + 1);
  assert.throws(() => kp.openV2(big, {}), isCode('jwe_malformed'));
  assert.throws(() => zk.validateZkPub('A'.repeat(2049)), isCode('invalid_zk_pub'));
  assert.throws(() => zk.DeliveryKeyPair.fromPrivateJwk(' '.repeat(4097)), isCode('invalid_private_jwk'));
  const huge = 'x'.repeat(12 * 1024 * 1024);
  const t0 = performance.now();
  assert.throws(() => zk.hashB64u(huge), isCode('invalid_input'));
  assert.throws(() => rk.deriveClientAppKey({ ...CAK, sub: huge }), isCode('invalid_input'));
  assert.ok(performance.now() - t0 < 200, 'refused before any expensive work');
  // Everything still works afterwards.
  assert.equal(zk.hashB64u('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  for (const h of [rk, kp]) h.free();
});

test('free() from inside a call on the same handle runs when the call returns, and wipes the key', async () => {
  const { initSync } = await import(new URL('./node_modules/zkauth/zkauth.js', import.meta.url));
  const memory = initSync().memory; // the instance the package already runs
  const secret = new Uint8Array(32).map((_, i) => 0xc0 ^ i);
  const display = Buffer.from(secret).toString('base64url');
  const count = () => {
    const hay = new Uint8Array(memory.buffer);
    let n = 0;
    for (let i = hay.indexOf(secret[0]); i !== -1; i = hay.indexOf(secret[0], i + 1)) {
      if (secret.every((b, j) => hay[i + j] === b)) n++;
    }
    return n;
  };
  const rec = zk.RecoveryKey.fromDisplay(display);
  const root = zk.RootKey.generate();
  assert.ok(count() >= 1, 'the recovery secret is in wasm memory while the handle lives');
  // The option bag's getter frees the very handle the call runs on.
  const meta = { ...META, get envelopeId() { rec.free(); return 'env_1'; } };
  const wrapped = rec.sealEnvelope(root, meta); // the call completes normally
  assert.equal(typeof wrapped, 'string');
  assert.equal(rec.__wbg_ptr, 0, 'freed once the call returned');
  assert.throws(() => rec.verifier, isCode('key_released'));
  assert.equal(count(), 0, 'the deferred free() wiped the secret');
  // The same for a handle passed as an argument.
  const rk = zk.RootKey.generate();
  const app = rk.deriveClientAppKey(CAK);
  const kp = zk.DeliveryKeyPair.generate();
  const s = zk.sealDeliveryV2(app, kp.zkPub, { ...SEAL, get keyId() { app.free(); return 'ark_1'; } });
  assert.equal(typeof s.jwe, 'string');
  assert.throws(() => app.deriveDataKey('x'), isCode('key_released'));
  for (const h of [root, rk, kp]) h.free();
});

test('a call before init() is not_initialized, a failed init() is wasm_load_failed, then init() makes the same call work', async () => {
  const { execFileSync } = await import('node:child_process');
  const entry = new URL('./node_modules/zkauth/index.js', import.meta.url).href;
  const wasm = new URL('./node_modules/zkauth/zkauth_bg.wasm', import.meta.url);
  // A fresh process that loads only the web entry (the Node entry initializes at import).
  const script = `
    import { readFileSync } from 'node:fs';
    const zk = await import(${JSON.stringify(entry)});
    const codes = [];
    for (const call of [() => zk.hashB64u('abc'), () => zk.RootKey.generate(), () => new zk.OpaqueClient(undefined), () => zk.DeliverySession.begin()]) {
      try { await call(); codes.push('no error'); } catch (e) { codes.push(e instanceof zk.ZkAuthError ? e.code + ': ' + e.message : String(e)); }
    }
    // What a dev server's SPA fallback sends instead of the wasm: HTML.
    try { await zk.init(new TextEncoder().encode('<!doctype html>')); codes.push('no error'); }
    catch (e) { codes.push(e instanceof zk.ZkAuthError ? e.code + ': ' + e.cause?.name : String(e)); }
    await zk.init(readFileSync(${JSON.stringify(wasm.pathname)}));
    codes.push(zk.hashB64u('abc'));
    console.log(JSON.stringify(codes));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
  for (const c of out.slice(0, 4)) assert.match(c, /^not_initialized: .*await init\(\)/);
  // A failed init() is a ZkAuthError with the CompileError as cause, and can be retried.
  assert.equal(out[4], 'wasm_load_failed: CompileError');
  assert.equal(out[5], 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
});

test('no input value appears in an error message of the JS layer', () => {
  const MARK = 'Mq7Xv2Lk9Zr4';
  const rk = zk.RootKey.generate();
  const kp = zk.DeliveryKeyPair.generate();
  const calls = [
    () => zk.validateZkPub(`${MARK}!`),
    () => zk.validateZkPub('A'.repeat(3000) + MARK),
    () => zk.DeliveryKeyPair.fromPrivateJwk(`{"kty":"${MARK}"}`),
    () => kp.openV2(`${MARK}.a.b.c.d`, { zkKeyHash: MARK, zkKeyKind: 'client_app_key', zkKeyVersion: 'v2', clientId: MARK, redirectUri: MARK }),
    () => kp.openV2('x', { zkKeyHash: MARK, zkKeyKind: MARK, zkKeyVersion: 'v2', clientId: MARK, redirectUri: MARK }),
    () => rk.deriveClientAppKey({ sub: `${MARK}|x`, keyId: MARK, clientId: MARK }),
    () => rk.deriveClientAppKey({ sub: MARK, keyId: 7, clientId: MARK }),
    () => rk.deriveDataKey(`${MARK}\uD800`),
    () => zk.RecoveryKey.fromDisplay(MARK),
    () => zk.sealDeliveryV2(rk.deriveClientAppKey({ sub: 'u', keyId: 'k', clientId: 'c' }), kp.zkPub, { sub: MARK, clientId: 'c', requestId: 'r', redirectUri: 'u', keyId: 'k' }),
    () => new zk.OpaqueClient(zk.OpaqueProfile.darkauth()).startLogin(MARK).state.finish(MARK, MARK),
  ];
  for (const call of calls) {
    assert.throws(call, (e) => e instanceof zk.ZkAuthError && !e.message.includes(MARK) && !e.message.includes(MARK.slice(0, 6)), String(call));
  }
  for (const h of [rk, kp]) h.free();
});

test("the KSF instance's internal exports refuse to run in the page's own instance", async () => {
  // The glue module the package entry initialised (same URL, so the same module instance).
  const glue = await import(new URL('zkauth.js', import.meta.resolve('zkauth')).href);
  // What a disposable instance is asked: a 32-byte input after reserving Argon2id's 8 KiB, then the run.
  assert.equal(glue.__ksfInput(32, 2, 8, 1, 1), 0);
  assert.equal(glue.__ksfRun(2, 8, 1, 1), 0);
  assert.equal(glue.__ksfPrepare(2, 8, 1, 1), 0);
});

test('OpaqueProfile.prepare() makes a disposable KSF instance ready in Node too', () => {
  // Its answers are checked against known ones in tests/wasm_ksf_instance.rs; here, that the
  // package's entry can prepare one (true) for both profiles.
  const profile = zk.OpaqueProfile.argon2id({ memoryKib: 1024, iterations: 1, parallelism: 1, serverIdentity: 'prepare.test' });
  assert.equal(profile.prepare(), true);
  assert.equal(profile.prepare(), true); // a second focus keeps the instance the first made
  profile.free();
  assert.equal(zk.OpaqueProfile.darkauth().prepare(), true);
});
