// Assembles pkg/ from wasm-bindgen's web-target output of the two entries, `zkauth` (pkg/) and
// `zkauth/app` (pkg/app/): generates each one's api.js (every export, wrapped by common.js
// with its signature from zkauth.d.ts, so that freed handles throw "key_released" and string
// arguments are checked before the glue copies them) and index.d.ts, then package.json.
import { readFileSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { JS_ERROR_CODES } from './codes.js';
import { checkedKinds, parseSignatures } from './signatures.js';

const [root, version] = process.argv.slice(2);

/** The login entry's types for js/device.js. */
const TRUSTED_DEVICE_DTS = `/** A device approval request as \`GET /crypto/device-approvals\` lists it. */
export interface PendingDeviceApproval {
  request_id: string;
  approval_aad: string;
  verification_code_hash: string;
  /** The new device's ECDH public JWK (object or its JSON text). */
  new_device_public_jwk: Record<string, unknown> | string;
}
/** Browser only (login entry): this browser as a trusted device of one user (wire profile §3.10).
 *  Its keys are non-extractable WebCrypto keys in IndexedDB; the root key is sealed in wasm. */
export class TrustedDevice {
  private constructor();
  /** \`dk_<uuid>\`, the envelope's \`metadata.key_handle\`. */
  readonly handle: string;
  readonly sub: string;
  /** The server's id for this device, once saved. */
  readonly deviceId: string | null;
  readonly envelopeId: string;
  /** The device of \`sub\` kept in this browser, or null. */
  static load(sub: string): Promise<TrustedDevice | null>;
  /** Drops the device of \`sub\` from this browser. */
  static forget(sub: string): Promise<void>;
  /** New device keys with \`root\` sealed under them: the device and the bodies of
   *  \`POST /crypto/keybag/envelopes\` and \`POST /crypto/devices\` (add a \`label\`). */
  static create(root: RootKey, meta: EnvelopeMeta): Promise<{
    device: TrustedDevice;
    envelope: { envelope_id: string; key_id: string; type: 'trusted_device'; wrapping_alg: string; wrapped_key: string; aad: string; metadata: { version: 'v2'; key_handle: string } };
    registration: { public_jwk: { kty: string; crv: string; x: string; y: string }; key_handle: string; envelope_id: string };
  }>;
  /** Drops this object's references to the device keys (the stored device stays). */
  free(): void;
  /** Keeps the device in this browser with the server's device id. */
  save(deviceId: string): Promise<void>;
  /** Opens this device's envelope (from \`GET /crypto/keybag\`) to the root key. */
  openRootKey(envelope: { envelope_id: string; key_id: string; wrapped_key: string }): Promise<RootKey>;
  /** The approve endpoint's body, after the typed code matched ("approval_code_mismatch"). */
  approve(root: RootKey, approval: PendingDeviceApproval, typedCode: string): Promise<{ encrypted_approval: string; approval_aad: string; approval_proof: string; approved_device_id: string }>;
}
/** The new device's side: its key pair (free it when done), the code to show, the request
 *  body, the consume proof, and \`open\` for the consume answer's \`encrypted_approval\`. */
export function deviceApprovalRequest(authorizationRequestId?: string): {
  keyPair: DeliveryKeyPair;
  code: string;
  body: { new_device_public_jwk: Record<string, string>; verification_code_hash: string; authorization_request_id?: string };
  proof: string;
  open(encryptedApproval: string, expect: DeviceApprovalExpect): RootKey;
};
`;

/** Generates one entry's api.js and index.d.ts next to its wasm-bindgen output, and copies the
 *  shared JS modules into it. `required` names exports the entry must have. (The body is not
 *  indented: it holds the generated files' templates.) */
async function buildEntry(pkg, required, login) {
const glue = readFileSync(`${pkg}/zkauth.js`, 'utf8');
const dts = readFileSync(`${pkg}/zkauth.d.ts`, 'utf8');
// Internal exports (`__argumentLimits`) are for the entries, not the API.
const classes = [...glue.matchAll(/^export class (\w+)/gm)].map((m) => m[1]);
const functions = [...glue.matchAll(/^export function (\w+)/gm)].map((m) => m[1]).filter((n) => n !== 'initSync' && !n.startsWith('__'));
if (!required.every((n) => classes.includes(n) || functions.includes(n))) throw new Error(`unexpected wasm-bindgen output in ${pkg}`);

// Every error code: the Rust core's (asked of the built module itself) and the JS layer's.
const built = await import(pathToFileURL(`${pkg}/zkauth.js`).href);
built.initSync({ module: readFileSync(`${pkg}/zkauth_bg.wasm`) });
const codes = [...built.__errorCodes(), ...JS_ERROR_CODES];
if (new Set(codes).size !== codes.length || codes.length < 40) throw new Error('unexpected error codes');

// Signatures from the .d.ts (see signatures.js).
const sigs = parseSignatures(dts);
// The option bags' named types (the wasm's typescript_custom_sections), re-exported by name.
const interfaces = [...dts.matchAll(/^export interface (\w+)/gm)].map((m) => m[1]).filter((n) => n !== 'InitOutput');
if (!interfaces.includes('DeliveryExpectV2')) throw new Error(`no option bag types in ${pkg}`);
for (const c of classes) if (!sigs[c]) throw new Error(`no signatures for class ${c}`);
for (const f of functions) if (!sigs[f]) throw new Error(`no signature for function ${f}`);

writeFileSync(
  `${pkg}/api.js`,
  `// Generated by js/build.mjs: the public API, each export wrapped with its signature.
import * as glue from './zkauth.js';
import { wrapClass, wrapFn } from './common.js';
export { ZkAuthError } from './common.js';
${classes.map((c) => `export const ${c} = wrapClass(glue.${c}, ${JSON.stringify(Object.fromEntries(Object.entries(sigs[c]).map(([m, p]) => [m, checkedKinds(p)])))});`).join('\n')}
${functions.map((f) => `export const ${f} = wrapFn(glue.${f}, ${JSON.stringify(checkedKinds(sigs[f]))});`).join('\n')}
`,
);
writeFileSync(
  `${pkg}/index.d.ts`,
  `// Generated by js/build.mjs.
import type { DeliveredKey, DeliveryExpectV1, DeliveryExpectV2${login ? ', DeliveryKeyPair, DeviceApprovalExpect, EnvelopeMeta, RootKey' : ''} } from './zkauth.js';
export { ${[...classes, ...functions].join(', ')} } from './zkauth.js';
export type { ${interfaces.join(', ')} } from './zkauth.js';
/** Idempotent. In browsers it fetches/instantiates the .wasm; in Node it resolves at once. */
export function init(input?: string | URL | Response | BufferSource | WebAssembly.Module): Promise<void>;
/** Every code a ZkAuthError can carry (docs/errors.md says what triggers each and what to do). */
export type ZkAuthErrorCode =
${codes.map((c) => `  | '${c}'`).join('\n')};
/** Every failure of the SDK throws this; \`code\` is stable. */
export class ZkAuthError extends Error {
  readonly code: ZkAuthErrorCode;
}
/** \`DeliverySession.complete\`'s options: the expectation of the delivery's version, and the
 *  \`zkPubKid\` that \`begin()\` returned (null or absent when a single session is pending). */
export type DeliveryCompleteOptions = (DeliveryExpectV2 | (DeliveryExpectV1 & { version: 'v1' })) & { zkPubKid?: string | null };
/** Browser only: the app's ephemeral key survives the redirect as a non-extractable WebCrypto key in IndexedDB. */
export class DeliverySession {
  static begin(): Promise<{ zkPub: string; zkPubKid: string }>;
  static complete(jwe: string, expect: DeliveryCompleteOptions): Promise<DeliveredKey>;
  static cancel(zkPubKid?: string): Promise<void>;
}
/** PKCE S256 (RFC 7636): \`verifier\` = b64u of 32 random bytes (43 characters), \`challenge\` =
 *  b64u(SHA-256(ASCII verifier)). In browsers call it after \`init()\`. */
export function createPkce(): Promise<{ verifier: string; challenge: string }>;
/** A fresh OAuth \`state\` or OIDC \`nonce\`: b64u of 16 random bytes (22 characters). */
export function createState(): string;
/** What \`parseCallback\` read from an authorization callback URL; absent values are \`null\`. */
export interface CallbackParams {
  code: string | null;
  state: string | null;
  error: string | null;
  errorDescription: string | null;
  /** RFC 9207's issuer identifier; an app compares it with the issuer it started with. */
  iss: string | null;
  /** The delivered compact JWE from the fragment, percent-decoded. */
  jwe: string | null;
  /** "v2" for \`#darkauth_key_jwe=\`, "v1" for \`#drk_jwe=\`, null when there is no JWE. */
  version: 'v2' | 'v1' | null;
}
/** Reads an authorization callback (wire profile §4.7 steps 1–2): code, state and error from
 *  the query, the JWE from the fragment. In a browser, when \`url\` is the current page (the
 *  default), the fragment is removed from the address bar and the history entry first, even
 *  when parsing then fails. Throws ZkAuthError "delivery_version_mixed" when both fragments
 *  are present, "invalid_input" for an unparsable URL, a repeated parameter, an empty JWE or
 *  bad percent-encoding. */
export function parseCallback(url?: string | URL): CallbackParams;
/** \`{publicKey}\` for \`navigator.credentials.create()\` from the server's \`public_key\` JSON
 *  (base64url binary members and PRF salts decoded). Throws ZkAuthError "invalid_input". */
export function passkeyCreationOptions(publicKey: Record<string, unknown>): { publicKey: Record<string, unknown> };
/** \`{publicKey}\` for \`navigator.credentials.get()\` from the server's \`public_key\` JSON. */
export function passkeyRequestOptions(publicKey: Record<string, unknown>): { publicKey: Record<string, unknown> };
/** A credential from create()/get(): the JSON to send (no PRF output in it), the PRF's first
 *  output (zero it after use), and whether registration reported PRF. */
export function passkeyResponse(credential: object): { response: Record<string, unknown>; prfOutput: Uint8Array | null; prfEnabled: boolean };
${login ? TRUSTED_DEVICE_DTS : ''}`,
);
// \`[Symbol.dispose]\` is in the JS (so \`using\` works where the runtime has it) but not in the
// types: declaring it breaks \`tsc\` for every project whose lib predates esnext.disposable.
writeFileSync(`${pkg}/zkauth.d.ts`, dts.replace(/^\s*\[Symbol\.dispose\]\(\): void;\n/gm, ''));
for (const f of ['codes.js', 'common.js', 'index.js', 'node.js', 'worker.js', 'session.js', 'oauth.js', 'passkey.js']) copyFileSync(`js/${f}`, `${pkg}/${f}`);
// The login entry only: TrustedDevice needs the custody bindings the app's wasm does not have.
if (login) {
  copyFileSync('js/device.js', `${pkg}/device.js`);
  for (const f of ['index.js', 'node.js', 'worker.js']) {
    writeFileSync(`${pkg}/${f}`, `${readFileSync(`${pkg}/${f}`, 'utf8')}\n// Login entry only (js/build.mjs): trusted devices and device approval.\nexport { TrustedDevice, deviceApprovalRequest } from './device.js';\n`);
  }
  // The browser entry on a SIMD engine: Argon2id's disposable KSF instances from the build
  // without SIMD, where it runs about 20% faster (src/wasm/ksf_instance.rs), fetched and
  // compiled on the first Argon2id preparation or login, never for scrypt.
  const index = readFileSync(`${pkg}/index.js`, 'utf8');
  const stub = 'const afterInit = () => {};';
  if (!index.includes(stub)) throw new Error('js/index.js lost its afterInit stub');
  const loader = `const afterInit = () => {
  if (!WebAssembly.validate(SIMD_PROBE)) return; // already the build without SIMD
  __ksfArgon2idLoader(() =>
    fetch(new URL('./zkauth_nosimd_bg.wasm', import.meta.url))
      .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(\`HTTP \${r.status}\`))))
      .then((bytes) => WebAssembly.compile(bytes))
      .then(__ksfArgon2idModule, () => {}), // not loaded: Argon2id stays in this build
  );
};`;
  writeFileSync(`${pkg}/index.js`, `${index.replace(stub, loader)}import { __ksfArgon2idLoader, __ksfArgon2idModule } from './zkauth.js';\n`);
}
return { classes, functions, codes };
}

const full = await buildEntry(root, ['OpaqueClient', 'RootKey', 'hashB64u', 'sealTrustedDeviceEnvelope'], true);
// zkauth/app: the same JS over the wasm built without the login page's code (no OPAQUE, KSFs,
// custody or sealing): what an app page needs to receive a key and use data keys.
const app = await buildEntry(`${root}/app`, ['DeliveredKey', 'AppKey', 'DataKey', 'openDeliveryV2WithSecret', 'hashB64u'], false);
if (app.classes.includes('OpaqueClient') || app.functions.includes('sealDeliveryV2')) throw new Error('the app entry has login-page code');
const pkg = root;
const { classes, functions, codes } = full;
copyFileSync('js/README.md', `${pkg}/README.md`);
for (const f of ['LICENSE-MIT', 'LICENSE-APACHE']) copyFileSync(f, `${pkg}/${f}`);
// Only what exists (wasm-bindgen writes snippets/ only when a crate has inline JS).
const files = ['README.md', 'LICENSE-MIT', 'LICENSE-APACHE', 'app', 'codes.js', 'session.js', 'device.js', 'oauth.js', 'passkey.js', 'zkauth_bg.wasm', 'zkauth_nosimd_bg.wasm', 'zkauth.js', 'zkauth.d.ts', 'zkauth_bg.wasm.d.ts', 'api.js', 'common.js', 'index.js', 'node.js', 'worker.js', 'index.d.ts', 'snippets'].filter((f) => existsSync(`${pkg}/${f}`));
writeFileSync(
  `${pkg}/package.json`,
  JSON.stringify(
    {
      name: 'zkauth',
      version,
      description: 'Client-side crypto for zero-knowledge login: OPAQUE (RFC 9807), key custody, fragment-JWE key delivery',
      license: 'MIT OR Apache-2.0',
      keywords: ['opaque', 'pake', 'rfc9807', 'zero-knowledge', 'login', 'e2ee', 'jwe', 'webassembly', 'darkauth'],
      // CommonJS `require('zkauth')` loads the ESM Node entry through require(esm), which
      // Node 20 has without a flag from 20.19.0 (tests/js/package.test.mjs).
      engines: { node: '>=20.19.0' },
      type: 'module',
      exports: {
        '.': { types: './index.d.ts', workerd: './worker.js', node: './node.js', browser: './index.js', import: './index.js', default: './index.js' },
        './app': { types: './app/index.d.ts', workerd: './app/worker.js', node: './app/node.js', browser: './app/index.js', import: './app/index.js', default: './app/index.js' },
        './zkauth_bg.wasm': './zkauth_bg.wasm',
        './zkauth_nosimd_bg.wasm': './zkauth_nosimd_bg.wasm',
        './app/zkauth_bg.wasm': './app/zkauth_bg.wasm',
        './app/zkauth_nosimd_bg.wasm': './app/zkauth_nosimd_bg.wasm',
        './package.json': './package.json',
      },
      main: './node.js',
      module: './index.js',
      types: './index.d.ts',
      files,
      // node.js and worker.js instantiate the wasm at import; api.js wraps the glue classes' prototypes.
      sideEffects: ['./node.js', './worker.js', './api.js', './app/node.js', './app/worker.js', './app/api.js'],
    },
    null,
    2,
  ) + '\n',
);
console.log(`pkg: ${classes.length} classes, ${functions.length} functions, ${codes.length} error codes; app entry: ${app.classes.length} classes, ${app.functions.length} functions`);
