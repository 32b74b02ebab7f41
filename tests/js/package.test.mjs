// The package as users get it: `npm pack` of pkg/, installed into an empty project. What the
// tarball holds, Node ESM import and CommonJS require, and init(compiledModule) in a runtime
// that refuses to compile wasm from bytes (as Workers-style runtimes do).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSignatures } from '../../js/signatures.js';

const PKG = fileURLToPath(new URL('../../pkg', import.meta.url));
// SHA-256("abc") in b64u (FIPS 180-2 test vector), through the installed package.
const ABC = 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0';
let dir;
let packed;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'zkauth-pack-'));
  [packed] = JSON.parse(execFileSync('npm', ['pack', PKG, '--json', '--pack-destination', dir], { encoding: 'utf8' }));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', join(dir, packed.filename)], { cwd: dir });
});
after(() => rmSync(dir, { recursive: true, force: true }));

const node = (args) => execFileSync(process.execPath, args, { cwd: dir, encoding: 'utf8' }).trim();

test('the tarball holds the README, both licenses and exactly what package.json names', () => {
  const paths = packed.files.map((f) => f.path).sort();
  for (const f of ['README.md', 'LICENSE-MIT', 'LICENSE-APACHE', 'package.json', 'zkauth_bg.wasm', 'zkauth_nosimd_bg.wasm', 'app/zkauth_bg.wasm', 'app/zkauth_nosimd_bg.wasm', 'index.d.ts']) assert.ok(paths.includes(f), f);
  const manifest = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
  for (const f of manifest.files) assert.ok(paths.some((p) => p === f || p.startsWith(`${f}/`)), `files names ${f}, which is not packed`);
  const targets = (v) => (typeof v === 'string' ? [v] : Object.values(v).flatMap(targets));
  for (const t of new Set(targets(manifest.exports))) assert.ok(paths.includes(t.slice(2)), `exports points at ${t}, which is not packed`);
  for (const f of manifest.sideEffects) assert.ok(paths.includes(f.slice(2)), f);
  assert.equal(manifest.license, 'MIT OR Apache-2.0');
  assert.match(manifest.engines.node, /^>=20\.19/);
});

test('Node: ESM import and CommonJS require of the installed package', () => {
  assert.equal(node(['--input-type=module', '-e', "import { hashB64u } from 'zkauth'; console.log(hashB64u('abc'))"]), ABC);
  assert.equal(node(['-e', "const zk = require('zkauth'); console.log(zk.hashB64u('abc'), typeof zk.OpaqueClient)"]), `${ABC} function`);
});

test('zkauth/app opens what zkauth seals (WebCrypto ECDH, every check in wasm) and has no login-page code', () => {
  const script = `
    import * as full from 'zkauth';
    import * as app from 'zkauth/app';
    const pair = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
    const pub = await crypto.subtle.exportKey('jwk', pair.publicKey);
    const zkPub = Buffer.from(JSON.stringify({ kty: 'EC', crv: 'P-256', x: pub.x, y: pub.y })).toString('base64url');
    const cak = full.RootKey.generate().deriveClientAppKey({ sub: 'u', keyId: 'k', clientId: 'c' });
    const note = cak.deriveDataKey('n1').encrypt('n1', new TextEncoder().encode('hello'));
    const s = full.sealDeliveryV2(cak, zkPub, { sub: 'u', clientId: 'c', requestId: 'r', state: 's', redirectUri: 'https://a/cb', keyId: 'k' });
    const expect = { zkKeyHash: s.zkKeyHash, zkKeyKind: 'client_app_key', zkKeyVersion: 'v2', clientId: 'c', redirectUri: 'https://a/cb', state: 's', sub: 'u' };
    const epk = app.deliveryEpkV2(s.jwe, expect);
    const peer = await crypto.subtle.importKey('raw', epk, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
    const z = new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: peer }, pair.privateKey, 256));
    const key = app.openDeliveryV2WithSecret(s.jwe, z, expect);
    const kind = key.kind;
    const text = new TextDecoder().decode(key.intoAppKey().deriveDataKey('n1').decrypt('n1', note));
    let refused;
    try { app.openDeliveryV2WithSecret(s.jwe, z, { ...expect, state: 'other' }); } catch (e) { refused = e.code; }
    console.log(JSON.stringify([text, kind, refused, typeof app.DeliverySession, typeof app.parseCallback, typeof app.OpaqueClient, typeof app.sealDeliveryV2, typeof app.RootKey.generate]));`;
  assert.deepEqual(JSON.parse(node(['--input-type=module', '-e', script])), ['hello', 'client_app_key', 'state_mismatch', 'function', 'function', 'undefined', 'undefined', 'undefined']);
});

test('init(compiledModule) works where compiling wasm from bytes is forbidden', () => {
  const script = `
    import { readFileSync } from 'node:fs';
    import { createRequire } from 'node:module';
    const wasmPath = createRequire(import.meta.url).resolve('zkauth/zkauth_bg.wasm');
    const compiled = new WebAssembly.Module(readFileSync(wasmPath));
    // Node's own fetch compiles its HTTP parser (wasm) on first use: load it before the stubs.
    void [Response, fetch];
    // What a Workers-style runtime allows: instantiating a module it compiled, nothing else.
    const refuse = () => { throw new WebAssembly.CompileError('compiling from bytes is disallowed'); };
    const instantiate = WebAssembly.instantiate;
    WebAssembly.compile = WebAssembly.compileStreaming = WebAssembly.instantiateStreaming = refuse;
    WebAssembly.Module = function () { refuse(); };
    WebAssembly.instantiate = (m, imports) => (m instanceof Object.getPrototypeOf(compiled).constructor ? instantiate(m, imports) : refuse());
    const zk = await import(new URL('./index.js', 'file://' + wasmPath).href);
    const out = [];
    try { await zk.init(readFileSync(wasmPath)); out.push('compiled from bytes'); } catch (e) { out.push(e.code); }
    await zk.init(compiled);
    out.push(zk.hashB64u('abc'));
    console.log(out.join(' '));`;
  assert.equal(node(['--input-type=module', '-e', script]), `wasm_load_failed ${ABC}`);
});

test('the workerd condition: the .wasm imported as a compiled module, compiling from bytes refused', () => {
  // What workerd does, played by a Node loader hook: a .wasm import is a WebAssembly.Module the
  // runtime compiled; after that, the isolate refuses to compile anything from bytes.
  writeFileSync(
    join(dir, 'workerd-hooks.mjs'),
    `export async function load(url, context, next) {
      if (!url.endsWith('.wasm')) return next(url, context);
      return { format: 'module', shortCircuit: true, source: \`
        import { readFileSync } from 'node:fs';
        // The runtime's own compiler (kept from before the refusal, for the second module).
        const Compile = (globalThis.runtimeCompiler ??= WebAssembly.Module);
        const compiled = new Compile(readFileSync(new URL(\${JSON.stringify(url)})));
        const refuse = () => { throw new WebAssembly.CompileError('compiling from bytes is disallowed'); };
        WebAssembly.Module = new Proxy(WebAssembly.Module, { construct: refuse });
        WebAssembly.compile = WebAssembly.instantiate = WebAssembly.compileStreaming = WebAssembly.instantiateStreaming = refuse;
        export default compiled;\` };
    }`,
  );
  writeFileSync(join(dir, 'workerd-register.mjs'), "import { register } from 'node:module'; register('./workerd-hooks.mjs', import.meta.url);");
  const script = `
    import * as zk from 'zkauth';
    import * as app from 'zkauth/app';
    let refused = 'no';
    try { new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])); } catch (e) { refused = e.name; }
    await zk.init(); await app.init();
    console.log([zk.hashB64u('abc'), app.hashB64u('abc'), typeof zk.OpaqueClient, typeof app.OpaqueClient, refused].join(' '));`;
  const out = node(['--conditions=workerd', '--import', './workerd-register.mjs', '--input-type=module', '-e', script]);
  assert.equal(out, `${ABC} ${ABC} function undefined CompileError`);
});

test('every option bag is a named type whose members each have a doc comment', () => {
  for (const entry of ['zkauth', 'zkauth/app']) {
    const dts = readFileSync(join(dir, 'node_modules', entry, 'zkauth.d.ts'), 'utf8');
    const { initSync, ...sigs } = parseSignatures(dts); // initSync is wasm-bindgen's own
    const params = Object.values(sigs).flatMap((s) => (Array.isArray(s) ? [s] : Object.values(s))).flat();
    assert.ok(params.length >= (entry === 'zkauth' ? 60 : 15), entry); // the parser saw the signatures
    for (const [name, type] of params) assert.ok(!type.startsWith('{'), `${entry}: parameter ${name} has an inline type ${type}`);
    const bags = [...dts.matchAll(/^export interface (\w+) \{\n([\s\S]*?)^\}/gm)].filter((b) => b[1] !== 'InitOutput'); // wasm-bindgen's
    assert.deepEqual(
      bags.map((b) => b[1]).sort(),
      entry === 'zkauth'
        ? ['Argon2idParams', 'ClientAppKeyContext', 'DeliveryExpectV1', 'DeliveryExpectV2', 'DeviceApprovalContext', 'DeviceApprovalExpect', 'EnvelopeMeta', 'SealContextV1', 'SealContextV2']
        : ['DeliveryExpectV1', 'DeliveryExpectV2'],
    );
    for (const [, name, body] of bags) {
      const lines = body.split('\n').map((l) => l.trim()).filter(Boolean);
      lines.forEach((l, i) => {
        if (/^\w+\??:/.test(l)) assert.match(lines[i - 1] ?? '', /\*\/$/, `${entry}: ${name}.${l} has no doc comment`);
      });
    }
  }
});

test("the package README's examples compile with tsc --strict against the installed types", () => {
  const readme = readFileSync(join(dir, 'node_modules/zkauth/README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 2, 'the README has its examples');
  // The values the examples take from the surrounding app (a module's own names shadow these).
  writeFileSync(
    join(dir, 'globals.d.ts'),
    `declare var password: string; declare var message: string; declare var email: string;
     declare var wrappedDrk: string; declare var sub: string; declare var jweFromFragment: string;
     declare var token: { zk_key_hash: string; zk_key_kind: string; zk_key_version: string };
     declare var clientId: string; declare var redirectUri: string; declare var state: string;
     declare var idToken: { sub: string };
     declare var appKey: import('zkauth/app').AppKey; declare var stored: { publicJwk: string; wrappedPrivateKey: string };
     declare var noteId: string; declare var recipientPublicJwk: string; declare var sharedJwe: string; declare var ciphertext: string;`,
  );
  const files = blocks.map((code, i) => {
    writeFileSync(join(dir, `example${i}.ts`), `${code}\nexport {};\n`);
    return `example${i}.ts`;
  });
  // The option bags' named types, from both entries; a wrong member or a missing required one
  // must be a type error (each @ts-expect-error fails the build when no error is there).
  writeFileSync(
    join(dir, 'named-types.ts'),
    `import type { Argon2idParams, EnvelopeMeta, ClientAppKeyContext, SealContextV2, SealContextV1, DeliveryExpectV2 } from 'zkauth';
     import type { DeliveryExpectV1, DeliveryCompleteOptions } from 'zkauth/app';
     import { OpaqueProfile } from 'zkauth';
     const a: Argon2idParams = { memoryKib: 65536, iterations: 3, parallelism: 4, serverIdentity: 'example.com' };
     OpaqueProfile.argon2id(a);
     const m: EnvelopeMeta = { envelopeId: 'e', keyId: 'k', sub: 's' };
     const c: ClientAppKeyContext = { sub: 's', keyId: 'k', clientId: 'c' };
     const s2: SealContextV2 = { sub: 's', clientId: 'c', requestId: 'r', redirectUri: 'https://a/cb', keyId: 'k' };
     const s1: SealContextV1 = { sub: 's', clientId: 'c' };
     const e2: DeliveryExpectV2 = { zkKeyHash: 'h', zkKeyKind: 'client_app_key', zkKeyVersion: 'v2', clientId: 'c', redirectUri: 'https://a/cb' };
     const e1: DeliveryExpectV1 = { drkHash: 'h' };
     const o: DeliveryCompleteOptions = { ...e1, version: 'v1', zkPubKid: null };
     // @ts-expect-error: memoryKib is required
     const bad1: Argon2idParams = { iterations: 3, parallelism: 4, serverIdentity: 'x' };
     // @ts-expect-error: a v1 expectation in complete() must say version 'v1'
     const bad2: DeliveryCompleteOptions = { drkHash: 'h' };
     // @ts-expect-error: no such member
     const bad3: EnvelopeMeta = { envelopeId: 'e', keyId: 'k', sub: 's', subject: 's' };
     export { m, c, s2, s1, e2, o, bad1, bad2, bad3 };
`,
  );
  files.push('named-types.ts');
  // The strictest setting a user is likely to have, without skipLibCheck, with only ES2022 + DOM.
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022', 'dom'], skipLibCheck: false, types: [] },
      files: ['globals.d.ts', ...files],
    }),
  );
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const tsc = fileURLToPath(new URL('./node_modules/typescript/bin/tsc', import.meta.url));
  try {
    execFileSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8' });
  } catch (e) {
    assert.fail(`tsc --strict refused the README's examples:\n${e.stdout}`);
  }
});
