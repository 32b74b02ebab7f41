// OAuth helpers for the relying party: PKCE S256, a random state/nonce, and the callback
// parser of wire profile §4.7 steps 1–2 (read code/state and the fragment JWE, then remove the
// fragment from the URL and from history so the JWE does not outlive the page load).
//
// Shared by the browser and Node entries. Every failure is a ZkAuthError.
import { ZkAuthError, b64uEncode as b64u } from './common.js';
import { hashB64u } from './api.js';

function randomBytes(n) {
  if (typeof crypto === 'undefined' || typeof crypto.getRandomValues !== 'function') {
    throw new ZkAuthError('unsupported_environment', 'crypto.getRandomValues is required');
  }
  return crypto.getRandomValues(new Uint8Array(n));
}


/** PKCE S256 (RFC 7636, wire profile §4.1): `verifier` = b64u of 32 random bytes (43
 *  characters), `challenge` = b64u(SHA-256(ASCII verifier)). In browsers call after `init()`. */
export async function createPkce() {
  const bytes = randomBytes(32);
  try {
    const verifier = b64u(bytes);
    return { verifier, challenge: hashB64u(verifier) };
  } finally {
    bytes.fill(0);
  }
}

/** A fresh `state` (or `nonce`): b64u of 16 random bytes (22 characters). */
export function createState() {
  return b64u(randomBytes(16));
}

const V2_FRAGMENT = 'darkauth_key_jwe';
const V1_FRAGMENT = 'drk_jwe';
const QUERY_NAMES = ['code', 'state', 'error', 'error_description', 'iss'];

function decode(s, what) {
  try {
    return decodeURIComponent(s);
  } catch (e) {
    throw new ZkAuthError('invalid_input', `${what} is not valid percent-encoding`, { cause: e });
  }
}

// The fragment's parameters, split on & and = (first = only), both sides percent-decoded.
function fragmentParams(hash) {
  const out = new Map();
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  if (body === '') return out;
  for (const part of body.split('&')) {
    if (part === '') continue;
    const i = part.indexOf('=');
    const name = decode(i < 0 ? part : part.slice(0, i), 'a fragment parameter name');
    const value = decode(i < 0 ? '' : part.slice(i + 1), `fragment parameter ${name}`);
    if (name !== V2_FRAGMENT && name !== V1_FRAGMENT) continue;
    if (out.has(name)) throw new ZkAuthError('invalid_input', `the fragment repeats ${name}`);
    out.set(name, value);
  }
  return out;
}

// Removes the fragment of the current document from the address bar and from this history
// entry, when `href` is the current document's URL. No-op outside a browser. Works on the raw
// string, so even a URL too long to parse loses its fragment.
function stripFragment(href) {
  if (typeof location === 'undefined' || typeof history === 'undefined' || typeof history.replaceState !== 'function') return false;
  const current = String(location.href);
  const at = current.indexOf('#');
  if (at < 0) return false;
  const base = current.slice(0, at);
  const given = href.indexOf('#') < 0 ? href : href.slice(0, href.indexOf('#'));
  if (given !== base) return false;
  history.replaceState(history.state, '', base);
  return true;
}

// Longest callback URL read: a 64 KiB JWE (the opener's own cap) plus the query. Longer input
// is refused before it is parsed.
const MAX_CALLBACK_URL = 80 * 1024;

/** Reads an authorization callback (wire profile §4.7 steps 1–2): `code`, `state`, `error`,
 *  `error_description` and `iss` (RFC 9207: the app compares it with its issuer) from the query; the delivered JWE from the fragment
 *  (`darkauth_key_jwe` → version "v2", `drk_jwe` → "v1"; split on `&` and `=`, then
 *  percent-decoded). In a browser, when `url` is the current page, the fragment is removed from
 *  the address bar and the history entry (`history.replaceState`) before anything is checked,
 *  so it is gone even when parsing fails.
 *
 *  Throws ZkAuthError: "delivery_version_mixed" when both fragments are present;
 *  "invalid_input" for a URL that does not parse, a repeated query or fragment parameter, an
 *  empty JWE, or bad percent-encoding. Absent values are `null`. */
export function parseCallback(url = typeof location !== 'undefined' ? location.href : undefined) {
  if (url === undefined) throw new ZkAuthError('invalid_input', 'parseCallback needs a URL outside a browser');
  if (typeof url !== 'string' && !(url instanceof URL)) throw new ZkAuthError('invalid_input', 'url must be a string or a URL');
  const href = String(url);
  stripFragment(href);
  if (href.length > MAX_CALLBACK_URL) throw new ZkAuthError('invalid_input', `the callback URL is longer than ${MAX_CALLBACK_URL} characters`);
  let u;
  try {
    u = new URL(href);
  } catch (e) {
    throw new ZkAuthError('invalid_input', 'url is not an absolute URL', { cause: e });
  }
  const hash = u.hash;

  const query = {};
  for (const name of QUERY_NAMES) {
    const all = u.searchParams.getAll(name);
    if (all.length > 1) throw new ZkAuthError('invalid_input', `the query repeats ${name}`);
    query[name] = all.length === 1 ? all[0] : null;
  }
  const fragment = fragmentParams(hash);
  const v2 = fragment.get(V2_FRAGMENT);
  const v1 = fragment.get(V1_FRAGMENT);
  if (v2 !== undefined && v1 !== undefined) {
    throw new ZkAuthError('delivery_version_mixed', `the fragment carries both ${V2_FRAGMENT} (v2) and ${V1_FRAGMENT} (v1)`);
  }
  const jwe = v2 ?? v1 ?? null;
  if (jwe === '') throw new ZkAuthError('invalid_input', 'the fragment JWE is empty');
  return {
    code: query.code,
    state: query.state,
    error: query.error,
    errorDescription: query.error_description,
    iss: query.iss,
    jwe,
    version: v2 !== undefined ? 'v2' : v1 !== undefined ? 'v1' : null,
  };
}
