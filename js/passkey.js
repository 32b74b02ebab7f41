// Passkey helpers for a login page (wire profile §3.9): the server's WebAuthn options JSON
// (binary members as base64url) turned into what navigator.credentials.create()/get() take, with
// the PRF salt decoded; and a credential turned into the JSON the server checks, with the PRF
// output taken out. The PRF output opens the root key, so it goes to `openPrfEnvelope` /
// `sealPrfEnvelope` and is never part of anything sent.
//
// Shared by the browser and Node entries. Every failure is a ZkAuthError "invalid_input".
import { ZkAuthError, b64uDecode, b64uEncode } from './common.js';

const fail = (what) => new ZkAuthError('invalid_input', what);

// A challenge, user handle, credential id or PRF salt is far below this (ids are at most 1023
// bytes); anything longer is refused before it is decoded.
const MAX_B64U = 2048;

/** Runs `fn`; anything it throws that is not a ZkAuthError (a throwing getter, a proxy) becomes
 *  "invalid_input". */
function guarded(what, fn) {
  try {
    return fn();
  } catch (e) {
    throw e instanceof ZkAuthError ? e : fail(`${what} could not be read`);
  }
}

function fromB64u(value, what) {
  const out = typeof value === 'string' && value.length <= MAX_B64U ? b64uDecode(value) : null;
  if (out === null) throw fail(`${what} must be base64url`);
  return out;
}

/** The bytes of an ArrayBuffer or a view; anything else is refused. */
function bytesOf(buffer, what) {
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  throw fail(`${what} must be an ArrayBuffer or a typed array`);
}

function toB64u(buffer, what) {
  if (buffer == null) return null;
  return b64uEncode(bytesOf(buffer, what));
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
  return guarded('publicKey', () => creationOptions(publicKey));
}

function creationOptions(publicKey) {
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
  return guarded('publicKey', () => requestOptions(publicKey));
}

function requestOptions(publicKey) {
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
  return guarded('credential', () => response(credential));
}

function response(credential) {
  const c = object(credential, 'credential');
  if (typeof c.id !== 'string' || c.id.length > MAX_B64U || !/^[A-Za-z0-9_-]+$/.test(c.id)) throw fail('credential.id must be base64url');
  if ((c.type ?? 'public-key') !== 'public-key') throw fail('credential.type must be "public-key"');
  const rawId = toB64u(c.rawId, 'credential.rawId');
  if (rawId === null) throw fail('credential.rawId is required');
  const r = object(c.response, 'credential.response');
  let results = c.clientExtensionResults ?? {};
  if (c.getClientExtensionResults !== undefined) {
    if (typeof c.getClientExtensionResults !== 'function') throw fail('credential.getClientExtensionResults must be a function');
    results = c.getClientExtensionResults();
  }
  const { prf, ...rest } = object(results ?? {}, 'clientExtensionResults');
  const first = prf?.results?.first;
  let prfOutput = null;
  if (first != null) {
    const source = bytesOf(first, 'prf.results.first');
    prfOutput = source.slice();
    source.fill(0); // one copy of the PRF output: the caller's, which it zeroes after use
  }
  const clientExtensionResults = { ...rest };
  if (prf && prf.enabled !== undefined) clientExtensionResults.prf = { enabled: prf.enabled === true };
  const sent = { clientDataJSON: toB64u(r.clientDataJSON, 'clientDataJSON') };
  if (r.attestationObject !== undefined) {
    sent.attestationObject = toB64u(r.attestationObject, 'attestationObject');
    if (typeof r.getTransports === 'function') sent.transports = r.getTransports();
  } else {
    sent.authenticatorData = toB64u(r.authenticatorData, 'authenticatorData');
    sent.signature = toB64u(r.signature, 'signature');
    sent.userHandle = toB64u(r.userHandle, 'userHandle');
  }
  const attachment = typeof c.authenticatorAttachment === 'string' ? { authenticatorAttachment: c.authenticatorAttachment } : {};
  return {
    response: { id: c.id, rawId, type: 'public-key', ...attachment, response: sent, clientExtensionResults },
    prfOutput,
    prfEnabled: prf?.enabled === true || prfOutput !== null,
  };
}
