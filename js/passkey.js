// Passkey helpers for a login page (wire profile §3.9): the server's WebAuthn options JSON
// (binary members as base64url) turned into what navigator.credentials.create()/get() take, with
// the PRF salt decoded; and a credential turned into the JSON the server checks, with the PRF
// output taken out. The PRF output opens the root key, so it goes to `openPrfEnvelope` /
// `sealPrfEnvelope` and is never part of anything sent.
//
// Shared by the browser and Node entries. Every failure is a ZkAuthError "invalid_input".
import { ZkAuthError } from './common.js';

const fail = (what) => new ZkAuthError('invalid_input', what);

function fromB64u(value, what) {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]*$/.test(value) || value.length % 4 === 1) throw fail(`${what} must be base64url`);
  const bin = atob(value.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (value.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function toB64u(buffer) {
  if (buffer == null) return null;
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(ArrayBuffer.isView(buffer) ? buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) : buffer);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function object(value, what) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail(`${what} must be an object`);
  return value;
}

const descriptors = (list, what) => (list ?? []).map((d, i) => ({ ...object(d, `${what}[${i}]`), id: fromB64u(d.id, `${what}[${i}].id`) }));

/** The PRF inputs with their salts decoded (`eval` and `evalByCredential`). */
function prfInputs(prf) {
  const values = (v, what) => ({ first: fromB64u(v?.first, `${what}.first`), ...(v?.second === undefined ? {} : { second: fromB64u(v.second, `${what}.second`) }) });
  const out = {};
  if (prf.eval !== undefined) out.eval = values(object(prf.eval, 'prf.eval'), 'prf.eval');
  if (prf.evalByCredential !== undefined) {
    out.evalByCredential = Object.fromEntries(Object.entries(object(prf.evalByCredential, 'prf.evalByCredential')).map(([k, v]) => [k, values(v, `prf.evalByCredential.${k}`)]));
  }
  return out;
}

function extensions(ext) {
  if (ext === undefined || ext === null) return undefined;
  const copy = { ...object(ext, 'extensions') };
  if (copy.prf !== undefined) copy.prf = prfInputs(object(copy.prf, 'extensions.prf'));
  return copy;
}

/** `{publicKey}` for `navigator.credentials.create()` from the server's `public_key` JSON
 *  (`POST /webauthn/register/start`). */
export function passkeyCreationOptions(publicKey) {
  const pk = object(publicKey, 'publicKey');
  const user = object(pk.user, 'publicKey.user');
  return {
    publicKey: {
      ...pk,
      challenge: fromB64u(pk.challenge, 'challenge'),
      user: { ...user, id: fromB64u(user.id, 'user.id') },
      excludeCredentials: descriptors(pk.excludeCredentials, 'excludeCredentials'),
      extensions: extensions(pk.extensions),
    },
  };
}

/** `{publicKey}` for `navigator.credentials.get()` from the server's `public_key` JSON
 *  (`POST /webauthn/login/start`). A button-driven sign-in: no conditional mediation. */
export function passkeyRequestOptions(publicKey) {
  const pk = object(publicKey, 'publicKey');
  return {
    publicKey: {
      ...pk,
      challenge: fromB64u(pk.challenge, 'challenge'),
      allowCredentials: descriptors(pk.allowCredentials, 'allowCredentials'),
      extensions: extensions(pk.extensions),
    },
  };
}

/** A credential from create() or get() → `{response, prfOutput, prfEnabled}`: `response` is
 *  the JSON the server checks (binary members base64url, `clientExtensionResults` without
 *  `prf.results`); `prfOutput` is the PRF's first output as a new Uint8Array (the caller
 *  zeroes it after use; the credential's own buffer is zeroed here) or null; `prfEnabled` is what registration reported. */
export function passkeyResponse(credential) {
  const c = object(credential, 'credential');
  const r = object(c.response, 'credential.response');
  const results = typeof c.getClientExtensionResults === 'function' ? c.getClientExtensionResults() : (c.clientExtensionResults ?? {});
  const { prf, ...rest } = results ?? {};
  const first = prf?.results?.first;
  let prfOutput = null;
  if (first != null) {
    const source = ArrayBuffer.isView(first) ? new Uint8Array(first.buffer, first.byteOffset, first.byteLength) : new Uint8Array(first);
    prfOutput = source.slice();
    source.fill(0); // one copy of the PRF output: the caller's, which it zeroes after use
  }
  const clientExtensionResults = { ...rest };
  if (prf && prf.enabled !== undefined) clientExtensionResults.prf = { enabled: prf.enabled === true };
  const response = { clientDataJSON: toB64u(r.clientDataJSON) };
  if (r.attestationObject !== undefined) {
    response.attestationObject = toB64u(r.attestationObject);
    if (typeof r.getTransports === 'function') response.transports = r.getTransports();
  } else {
    response.authenticatorData = toB64u(r.authenticatorData);
    response.signature = toB64u(r.signature);
    response.userHandle = toB64u(r.userHandle);
  }
  if (typeof c.id !== 'string' || c.rawId == null) throw fail('credential.id and rawId are required');
  return {
    response: { id: c.id, rawId: toB64u(c.rawId), type: c.type ?? 'public-key', ...(c.authenticatorAttachment ? { authenticatorAttachment: c.authenticatorAttachment } : {}), response, clientExtensionResults },
    prfOutput,
    prfEnabled: prf?.enabled === true || prfOutput !== null,
  };
}
