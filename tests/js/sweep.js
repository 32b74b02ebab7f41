// The hostile-input sweep over every export of the built package, shared by Node
// (sweep.test.mjs) and headless Chromium (browser.test.mjs). Every exported function and every
// static and instance method of every exported class is enumerated from the module itself and
// called with hostile values in each parameter position (the signature comes from the .d.ts,
// the other parameters get well-typed values): wrong types, undefined, null, empty values,
// strings of 10 MB, non-canonical, padded, truncated and extended base64url, random bytes,
// freed handles, handles of another class, reused single-use states and consumed handles.
//
// Each call must either return or throw a ZkAuthError whose code is documented; calls with a
// value of the wrong type, a lone surrogate, a string over every cap, a freed handle or a reused
// state must throw. Nothing may trap (internal_error) and no call may take 50 ms, except a
// finish() that runs the key-stretching function. Afterwards an honest register, login, custody
// and delivery run in the same module instance.

const MB10 = 10 * 1024 * 1024 + 1;
const CAK = { sub: 'u1', keyId: 'ark_1', clientId: 'app' };
const META = { envelopeId: 'env_1', keyId: 'ark_1', sub: 'u1' };
const SEAL = { sub: 'u1', clientId: 'app', requestId: 'r1', state: 'st', redirectUri: 'https://app.example/cb', keyId: 'ark_1' };
const ARGON = { memoryKib: 1024, iterations: 1, parallelism: 1, serverIdentity: 'sweep.test' };
// A P-256 private JWK (the jose interop key).
const JWK = '{"kty":"EC","x":"rP8N_kNveeGiHHSgjng10FyatgPWD4G17tytuDGI64Q","y":"X-rJgmAVQN7KSB7vAz2BVD4iu6qAP4SF5QkxXpMlpV4","crv":"P-256","d":"OslDLHzSoVBYdeFPW8udC084zyyFXp4Vz6gGV3o-uls"}';
// DeliverySession and the OAuth helpers are plain JS (no .d.ts entry of wasm-bindgen's): their
// signatures are written here.
const JS_SIGNATURES = {
  createPkce: [],
  createState: [],
  parseCallback: [['url', 'string', true]],
  passkeyCreationOptions: [['publicKey', 'PasskeyCreationJson']],
  passkeyRequestOptions: [['publicKey', 'PasskeyRequestJson']],
  passkeyResponse: [['credential', 'PasskeyCredential']],
  DeliverySession: { 'static begin': [], 'static complete': [['jwe', 'string'], ['expect', 'DeliveryExpectV2']], 'static cancel': [['zkPubKid', 'string', true]] },
  // The login entry's trusted devices (js/device.js).
  deviceApprovalRequest: [['authorizationRequestId', 'string', true]],
  TrustedDevice: {
    'static load': [['sub', 'string']], 'static forget': [['sub', 'string']], 'static create': [['root', 'RootKey'], ['meta', 'EnvelopeMeta']],
    save: [['deviceId', 'string']], openRootKey: [['envelope', 'DeviceEnvelope']], approve: [['root', 'RootKey'], ['approval', 'PendingDeviceApproval'], ['typedCode', 'string']],
  },
};
const NOT_SWEPT = new Set(['init', 'ZkAuthError']); // init() is idempotent; ZkAuthError is the error class

function b64u(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
const random = (n) => crypto.getRandomValues(new Uint8Array(n));
const randomB64u = (n) => b64u(random(n));

/** Runs the sweep; `peer(message)` is the native OPAQUE server (examples/opaque_peer.rs). */
export async function sweep(zk, { signatures, documented, peer, now = () => performance.now() }) {
  const codes = new Set(documented);
  const report = { calls: 0, returned: 0, threw: 0, mustThrow: 0, byCode: {}, slowest: { ms: 0, what: '' }, exports: 0, failures: [] };
  const fail = (what) => report.failures.length < 25 && report.failures.push(what);
  const big = 'A'.repeat(MB10);
  const sigs = { ...signatures, ...JS_SIGNATURES };

  // ---- honest objects -------------------------------------------------------------------
  const profile = zk.OpaqueProfile.argon2id(ARGON);
  const client = new zk.OpaqueClient(profile);
  const registered = async (identity) => {
    const { request, state } = client.startRegistration('correct horse');
    const { response } = await peer({ op: 'register', request, identity });
    return state.finish(response, identity);
  };
  const loggedIn = async (identity) => {
    const { request, state } = client.startLogin('correct horse');
    const { ke2 } = await peer({ op: 'login', ke1: request, identity });
    return state.finish(ke2, identity);
  };
  const reg = await registered('sweep@example.com');
  await peer({ op: 'record', record: reg.record });
  const root = zk.RootKey.generate();
  const app = root.deriveClientAppKey(CAK);
  const kp = zk.DeliveryKeyPair.generate();
  const sealed = zk.sealDeliveryV2(app, kp.zkPub, SEAL);
  const v2Bag = { zkKeyHash: sealed.zkKeyHash, zkKeyKind: 'client_app_key', zkKeyVersion: 'v2', clientId: 'app', redirectUri: SEAL.redirectUri, state: 'st' };
  const wrapped = reg.exportKey.wrapRootKey(root, 'u1');
  const note = root.deriveDataKey('n').encrypt('n', new Uint8Array([1, 2, 3]));
  const sharing = app.createSharingKey();

  // A fresh honest instance of each class (a new class without one fails the sweep).
  const factories = {
    OpaqueProfile: async () => zk.OpaqueProfile.argon2id(ARGON),
    OpaqueClient: async () => new zk.OpaqueClient(profile),
    ClientRegistration: async () => client.startRegistration('pw').state,
    ClientLogin: async () => client.startLogin('pw').state,
    ExportKey: async () => (await loggedIn('sweep@example.com')).exportKey,
    SessionKey: async () => (await loggedIn('sweep@example.com')).sessionKey,
    RootKey: async () => zk.RootKey.generate(),
    AppKey: async () => root.deriveClientAppKey(CAK),
    DataKey: async () => root.deriveDataKey('n'),
    DeliveryKeyPair: async () => zk.DeliveryKeyPair.generate(),
    DeliveredKey: async () => kp.openV2(sealed.jwe, v2Bag),
    RecoveryKey: async () => zk.RecoveryKey.generate(),
    SharingKeyPair: async () => app.openSharingKey(sharing.publicJwk, sharing.wrappedPrivateKey),
    DeliverySession: async () => null,
    // A device record without keys (load/create need a browser): its methods refuse in Node and
    // fail in WebCrypto in a browser, always with a ZkAuthError.
    TrustedDevice: async () => new zk.TrustedDevice({ handle: 'dk_00000000-0000-4000-8000-000000000000', sub: 'u1', envelopeId: 'env_1', deviceId: 'dev_1' }),
  };

  // Well-typed values by parameter name (or type), for the positions not being swept.
  const honestString = { password: 'pw', response: randomB64u(66), clientIdentity: 'a@b', jwe: sealed.jwe, zkPub: kp.zkPub, jwk: JWK, jwkJson: JWK, newDevicePublicJwk: kp.publicJwk,
    wrapped, publicJwk: sharing.publicJwk, wrappedPrivateKey: sharing.wrappedPrivateKey, recipientPublicJwk: sharing.publicJwk, sub: 'u1', itemId: 'n', ciphertextB64: note, credentialId: 'cred', display: randomB64u(32), value: 'v', zkPubKid: 'kid',
    url: 'https://app.example/cb?code=c&state=s#darkauth_key_jwe=a.b.c' };
  // Honest option bags by their named type (the .d.ts names every bag).
  const bags = { DeliveryExpectV2: v2Bag, DeliveryExpectV1: {}, EnvelopeMeta: META, Argon2idParams: ARGON, SealContextV2: SEAL,
    ClientAppKeyContext: CAK, SealContextV1: { sub: 'u1', clientId: 'app' },
    DeviceApprovalContext: { sub: 'u1', requestId: 'r1' }, DeviceApprovalExpect: { sub: 'u1', requestId: 'r1' },
    DeviceEnvelope: { envelope_id: 'env_1', key_id: 'ark_1', wrapped_key: wrapped },
    PendingDeviceApproval: { request_id: 'r1', approval_aad: randomB64u(40), verification_code_hash: zk.hashB64u('123456'), new_device_public_jwk: kp.publicJwk },
    // The passkey helpers' inputs: the server's options JSON and a credential as browsers give it.
    PasskeyCreationJson: { challenge: randomB64u(32), user: { id: randomB64u(16), name: 'u1', displayName: 'U' }, extensions: { prf: { eval: { first: randomB64u(32) } } } },
    PasskeyRequestJson: { challenge: randomB64u(32), extensions: { prf: { eval: { first: randomB64u(32) } } } },
    PasskeyCredential: { id: 'AQID', rawId: new Uint8Array([1, 2, 3]).buffer, type: 'public-key',
      response: { clientDataJSON: random(8).buffer, authenticatorData: random(37).buffer, signature: random(70).buffer, userHandle: random(16).buffer },
      getClientExtensionResults: () => ({ prf: { results: { first: random(32).buffer } } }) } };
  function honest(name, type) {
    if (type === 'string') return honestString[name] ?? 'x';
    if (type === 'Uint8Array') return new Uint8Array(32);
    if (type === 'RootKey') return root;
    if (type === 'AppKey') return app;
    if (type === 'DataKey') return root.deriveDataKey('n');
    if (type === 'OpaqueProfile') return profile;
    if (Object.hasOwn(bags, type)) return bags[type];
    throw new Error(`no honest value for ${name}: ${type}`);
  }

  // Hostile values by parameter type: [label, value, mustThrow].
  const freedRoot = zk.RootKey.generate();
  freedRoot.free();
  const detached = new Uint8Array(8);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  const throwing = new Proxy({}, { get() { throw new Error('trap'); } });
  const wrongTypes = [['undefined', undefined], ['null', null], ['0', 0], ['-1', -1], ['1.5', 1.5], ['NaN', NaN], ['true', true], ['symbol', Symbol('s')], ['bigint', 10n], ['function', () => 'x']];
  function hostile(name, type, optional) {
    // A value of the wrong type must be refused; an optional parameter may be undefined or null.
    const out = wrongTypes.map(([l, v]) => [l, v, !(optional && (v === undefined || v === null))]);
    if (type === 'string') {
      const h = honest(name, type);
      out.push(['{}', {}, true], ['[]', [], true], ['String object', new String('x'), true], ['lone surrogate', '\uD800x', true], ['10 MB', big, true],
        ['empty', '', false], ['space', ' ', false], ['NUL', '\u0000', false], ['padded', `${h}=`, false], ['extended', `${h}A`, false],
        ['truncated', h.slice(0, -1), false], ['non-canonical', 'Zh', false], ['random b64u', randomB64u(48), false], ['random text', 'é'.repeat(100), false]);
    } else if (type === 'Uint8Array') {
      out.push(['string', 'abc', true], ['array', [1, 2, 3], true], ['array-like', { length: 32 }, true], ['forged', Object.create(Uint8Array.prototype), true],
        ['proxy', new Proxy(new Uint8Array(32), {}), true], ['Uint16Array', new Uint16Array(16), true], ['detached', detached, true],
        ['10 MB', new Uint8Array(MB10), true], ['empty', new Uint8Array(0), false], ['31 bytes', new Uint8Array(31), false], ['33 bytes', new Uint8Array(33), false],
        ['random', random(32), false]);
    } else if (Object.hasOwn(bags, type)) {
      const bag = honest(name, type);
      out.push(['string', 'abc', true], ['throwing proxy', throwing, true], ['empty object', {}, false], ['array', [], false]);
      for (const k of Object.keys(bag)) {
        out.push([`${k}: 0`, { ...bag, [k]: 0 }, false], [`${k}: lone surrogate`, { ...bag, [k]: '\uDC00' }, true], [`${k}: 10 MB`, { ...bag, [k]: big }, true],
          [`${k}: throwing getter`, { ...bag, get [k]() { throw new Error('getter'); } }, true], [`${k}: empty`, { ...bag, [k]: '' }, false]);
      }
    } else {
      // A handle parameter.
      out.push(['string', 'abc', true], ['plain object', {}, true], ['forged pointer', { __wbg_ptr: 8 }, true], ['freed handle', type === 'RootKey' ? freedRoot : (() => { const x = zk.RootKey.generate(); x.free(); return x; })(), true],
        ['other class', type === 'RootKey' ? kp : root, true]);
    }
    return out;
  }

  // One call, checked and timed.
  async function call(what, f, mustThrow, ksf) {
    report.calls++;
    if (mustThrow) report.mustThrow++;
    const t0 = now();
    let threw = null;
    try {
      const r = f();
      if (r && typeof r.then === 'function') await r;
    } catch (e) {
      threw = e;
    }
    let ms = now() - t0;
    if (ms > 50 && !ksf && threw !== null) {
      // A pause of the engine (GC, a busy 2-core machine: WebKit once took 51 ms here) is not
      // slow code. A call that threw changed nothing, so it is timed once more and the faster
      // run counts: work that is really slow is slow both times.
      const t1 = now();
      try {
        const r = f();
        if (r && typeof r.then === 'function') await r;
      } catch {
        // the same refusal again
      }
      ms = Math.min(ms, now() - t1);
    }
    if (ms > report.slowest.ms) report.slowest = { ms, what };
    if (ms > 50 && !ksf) fail(`${what}: took ${ms.toFixed(1)} ms`);
    if (threw === null) {
      report.returned++;
      if (mustThrow) fail(`${what}: returned`);
      return;
    }
    report.threw++;
    if (!(threw instanceof zk.ZkAuthError)) return fail(`${what}: threw a non-ZkAuthError: ${threw}`);
    if (!codes.has(threw.code)) return fail(`${what}: undocumented code ${threw.code}`);
    if (threw.code === 'internal_error') return fail(`${what}: the instance trapped`);
    report.byCode[threw.code] = (report.byCode[threw.code] ?? 0) + 1;
  }

  // ---- the sweep --------------------------------------------------------------------------
  const instances = {};
  const instance = async (cls) => {
    if (!factories[cls]) throw new Error(`no factory for class ${cls}: add one so the sweep covers it`);
    if (!instances[cls] || instances[cls].__wbg_ptr === 0) instances[cls] = await factories[cls]();
    return instances[cls];
  };
  for (const [exportName, exported] of Object.entries(zk)) {
    if (NOT_SWEPT.has(exportName)) continue;
    const sig = sigs[exportName];
    if (!sig) throw new Error(`no signature for export ${exportName}: the sweep must cover every export`);
    report.exports++;
    // [label, target, method name, params, owner class or null for `this`]
    const callables = [];
    if (Array.isArray(sig)) {
      callables.push([exportName, null, null, sig, null]);
    } else {
      for (const [method, params] of Object.entries(sig)) {
        if (method === 'constructor') callables.push([`new ${exportName}`, exported, 'new', params, null]);
        else if (method.startsWith('static ')) callables.push([`${exportName}.${method.slice(7)}`, exported, method.slice(7), params, null]);
        else callables.push([`${exportName}#${method}`, null, method, params, exportName]);
      }
      // Getters run on honest and freed instances.
      for (const [getter, d] of Object.entries(Object.getOwnPropertyDescriptors(exported.prototype))) {
        if (typeof d.get !== 'function') continue;
        const live = await instance(exportName);
        await call(`${exportName}#${getter}`, () => live[getter], false, false);
        const dead = await factories[exportName]();
        dead.free();
        await call(`${exportName}#${getter} on a freed handle`, () => dead[getter], true, false);
      }
    }
    for (const [label, target, method, params, owner] of callables) {
      const ksf = method === 'finish';
      const invoke = async (args, self) => {
        if (method === null) return () => exported(...args);
        if (method === 'new') return () => new exported(...args);
        if (owner === null) return () => target[method](...args);
        const that = self ?? (await instance(owner));
        return () => that[method](...args);
      };
      for (let i = 0; i < params.length; i++) {
        for (const [valueLabel, value, mustThrow] of hostile(...params[i])) {
          const args = params.map(([n, t], j) => (j === i ? value : honest(n, t)));
          if (params[i][2] && value === undefined) args.length = i; // an optional one left out
          // A single-use state or a consuming method gets a fresh instance each time.
          const fresh = owner && (ksf || method.startsWith('into')) ? await factories[owner]() : undefined;
          await call(`${label}(${params[i][0]} = ${valueLabel})`, await invoke(args, fresh), mustThrow, ksf);
        }
      }
      if (owner) {
        const args = params.map(([n, t]) => honest(n, t));
        const dead = await factories[owner]();
        dead.free();
        await call(`${label} on a freed handle`, await invoke(args, dead), true, false);
        await call(`${label} on a plain object`, () => exported.prototype[method].apply({}, args), true, false);
        if (ksf || method.startsWith('into')) {
          // Single use: the second call is refused, whatever the first did.
          const once = await factories[owner]();
          await call(`${label} (first use)`, await invoke(args, once), false, ksf);
          await call(`${label} (reused)`, await invoke(args, once), true, false);
        }
      }
    }
  }
  if (zk.DeliverySession) await zk.DeliverySession.cancel().catch(() => {});

  // ---- afterwards, an honest flow in the same instance --------------------------------------
  const done = await loggedIn('sweep@example.com');
  await peer({ op: 'finish', ke3: done.finish });
  const r2 = zk.RootKey.generate();
  const w = done.exportKey.wrapRootKey(r2, 'u1');
  const r3 = done.exportKey.unwrapRootKey(w, 'u1');
  const a2 = r3.deriveClientAppKey(CAK);
  const kp2 = zk.DeliveryKeyPair.generate();
  const s2 = zk.sealDeliveryV2(a2, kp2.zkPub, SEAL);
  const delivered = kp2.openV2(s2.jwe, { ...v2Bag, zkKeyHash: s2.zkKeyHash });
  const same = (x, y) => x.length === y.length && x.every((b, i) => b === y[i]);
  const direct = r2.deriveClientAppKey(CAK);
  const kp3 = zk.DeliveryKeyPair.generate();
  const s3 = zk.sealDeliveryV2(direct, kp3.zkPub, SEAL);
  report.honestFlow = same(delivered.exportRawKey(), kp3.openV2(s3.jwe, { ...v2Bag, zkKeyHash: s3.zkKeyHash }).exportRawKey()) ? 'ok' : 'key mismatch';
  for (const h of [done.exportKey, done.sessionKey, r2, r3, a2, kp2, delivered, direct, kp3]) h.free();
  return report;
}
