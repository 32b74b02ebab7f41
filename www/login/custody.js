// Key custody (wire profile §6): who is signed in, and the account's root key and active key id,
// held only in this page's memory as wasm handles; and the envelopes that store the root key on
// the server: opened with an OPAQUE export key, wrapped under a new one, or under a recovery key.
// Nothing here is ever written to storage or a cookie, and a handle is freed when it goes.
import { RootKey, RecoveryKey, passwordEnvelopeAad, recoveryEnvelopeAad } from '/pkg/index.js';
import { api, forgetCsrf } from './api.js';
import { ApiFailure, PageError } from './errors.js';

const PASSWORD_ALG = 'OPAQUE-HKDF-SHA256+A256GCM/v2';
const RECOVERY_ALG = 'DarkAuth-Recovery-HKDF-SHA256+A256GCM/v2';

/** What this page load knows. `root` is a RootKey handle or null; nothing here is persisted. */
export const mem = {
  user: null, // { sub, email, name }
  root: null,
  keyId: null,
};

export function forgetKeys() {
  mem.root?.free();
  mem.root = null;
  mem.keyId = null;
}

/** Keeps `root` (a RootKey handle, now owned here) and its key id, freeing any older one. */
export function holdKeys(root, keyId) {
  forgetKeys();
  mem.root = root;
  mem.keyId = keyId;
}

export function signedOut() {
  forgetKeys();
  mem.user = null;
  forgetCsrf();
}

/** Takes the user from a login, registration or /session answer. */
export function setUser(res) {
  mem.user = { sub: res.sub ?? res.user?.sub, email: res.user?.email ?? '', name: res.user?.name ?? '' };
}

const newId = (prefix) => `${prefix}_${crypto.randomUUID()}`;

/** The one active account key id, or null when there is none. */
export function activeKeyId(keybag) {
  const active = (keybag.account_keys ?? []).filter((k) => k.status === 'active');
  if (active.length > 1) throw new PageError('key_ambiguous');
  return active.length === 1 ? active[0].key_id : null;
}

/** A new active account key; returns its id. */
async function rotateKey() {
  const { account_key: key } = await api('POST', '/crypto/keybag/rotate', {});
  return key.key_id;
}

/** Stores `root` under `exportKey`: a new v2 password envelope, the legacy wrapped_drk, and
 *  revokes the other password envelopes. */
async function storePasswordWrap(exportKey, root, sub, keyId, keybag) {
  const meta = { envelopeId: newId('env'), keyId, sub };
  await api('POST', '/crypto/keybag/envelopes', {
    envelope_id: meta.envelopeId,
    key_id: keyId,
    type: 'password',
    wrapping_alg: PASSWORD_ALG,
    wrapped_key: exportKey.sealPasswordEnvelope(root, meta),
    aad: passwordEnvelopeAad(meta),
    metadata: { version: 'v2' },
  });
  await api('PUT', '/crypto/wrapped-drk', { wrapped_drk: exportKey.wrapRootKey(root, sub) });
  const old = (keybag?.envelopes ?? []).filter((e) => e.type === 'password' && !e.revoked_at && e.envelope_id !== meta.envelopeId);
  for (const e of old) {
    try {
      await api('DELETE', `/crypto/keybag/envelopes/${encodeURIComponent(e.envelope_id)}`);
    } catch (err) {
      if (!(err instanceof ApiFailure && err.code === 'not_found')) throw err;
    }
  }
}

/** A new recovery key for `root` (older ones revoked); returns its display string. */
async function storeRecoveryKey(root, sub, keyId) {
  const rk = RecoveryKey.generate();
  try {
    const meta = { envelopeId: newId('env'), keyId, sub };
    await api('POST', '/crypto/recovery-keys', {
      recovery_key_id: newId('rk'),
      envelope_id: meta.envelopeId,
      key_id: keyId,
      wrapping_alg: RECOVERY_ALG,
      wrapped_key: rk.sealEnvelope(root, meta),
      aad: recoveryEnvelopeAad(meta),
      verifier: rk.verifier,
      metadata: { version: 'v2' },
      revoke_existing: true,
    });
    return String(rk.exportDisplay());
  } finally {
    rk.free();
  }
}

/** First key setup of an account: a fresh root key, an active key id, the password wraps and a
 *  recovery key. Keeps the root key in memory; returns the recovery key to show. */
export async function setUpKeys(exportKey, sub) {
  const root = RootKey.generate();
  try {
    const keyId = await rotateKey();
    await storePasswordWrap(exportKey, root, sub, keyId, null);
    const display = await storeRecoveryKey(root, sub, keyId);
    holdKeys(root, keyId);
    await ensureEncKeys(root);
    return display;
  } catch (e) {
    root.free();
    throw e;
  }
}

/** Opens the root key with the export key: the active key's password envelopes (newest first),
 *  else the legacy wrapped_drk. Returns `{root, keyId, keybag}`, or null for an account with no
 *  keys at all. */
async function openRoot(exportKey, sub) {
  const keybag = await api('GET', '/crypto/keybag');
  const keyId = activeKeyId(keybag);
  let failure = null;
  if (keyId) {
    const envelopes = (keybag.envelopes ?? [])
      .filter((e) => e.type === 'password' && e.key_id === keyId && !e.revoked_at)
      .sort((a, b) => (b.created_at ?? 0) - (a.created_at ?? 0));
    for (const e of envelopes) {
      try {
        return { root: exportKey.openPasswordEnvelope(e.wrapped_key, { envelopeId: e.envelope_id, keyId, sub }), keyId, keybag };
      } catch (err) {
        failure = err;
      }
    }
  }
  let wrapped = null;
  try {
    wrapped = (await api('GET', '/crypto/wrapped-drk')).wrapped_drk;
  } catch (err) {
    if (!(err instanceof ApiFailure && err.code === 'not_found')) throw err;
  }
  if (wrapped) {
    const root = exportKey.unwrapRootKey(wrapped, sub); // throws unwrap_failed
    if (keyId) return { root, keyId, keybag };
    // A legacy account (wrapped_drk only): give it a key id and a v2 envelope.
    try {
      const newKeyId = await rotateKey();
      await storePasswordWrap(exportKey, root, sub, newKeyId, keybag);
      return { root, keyId: newKeyId, keybag };
    } catch (e) {
      root.free();
      throw e;
    }
  }
  if (failure) throw failure;
  // Envelopes of other kinds (recovery) hold the root key: only they can open it now.
  if ((keybag.envelopes ?? []).some((e) => !e.revoked_at)) throw new PageError('unwrap_failed');
  // Nothing holds a root key (a first login, or a registration cut off before its keys were
  // stored): set up fresh keys.
  return null;
}

/** After an OPAQUE login: open (or first set up) the root key and keep it in memory. Returns a
 *  recovery key display string when keys were set up now. */
export async function unlock(exportKey, sub) {
  const opened = await openRoot(exportKey, sub);
  if (!opened) return setUpKeys(exportKey, sub);
  holdKeys(opened.root, opened.keyId);
  await ensureEncKeys(opened.root);
  return null;
}

/** The user's encryption key pair (wire profile §3.11), made once per account (at
 *  registration, or at the next login of an account from before): made and wrapped in wasm, so
 *  its private key never reaches JavaScript. A failure here does not fail the sign-in: the
 *  next one tries again. */
async function ensureEncKeys(root) {
  try {
    await api('GET', '/crypto/wrapped-enc-priv');
    return;
  } catch (e) {
    if (!(e instanceof ApiFailure && e.code === 'not_found')) return;
  }
  try {
    const { encPublicJwk, wrappedEncPrivateJwk } = root.createEncKeyPair();
    await api('PUT', '/crypto/enc-pub', { enc_public_jwk: JSON.parse(encPublicJwk) });
    await api('PUT', '/crypto/wrapped-enc-priv', { wrapped_enc_private_jwk: wrappedEncPrivateJwk });
  } catch {
    // Retried at the next sign-in.
  }
}

/** Re-wraps the (unchanged) root key under a new export key, retrying a few times: until it
 *  succeeds, only the recovery key opens the data. Returns the key id it was stored under. */
export async function rewrap(exportKey, root, sub, fallbackKeyId) {
  let last;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const keybag = await api('GET', '/crypto/keybag');
      const keyId = activeKeyId(keybag) ?? fallbackKeyId;
      if (!keyId) throw new PageError('no_keys');
      await storePasswordWrap(exportKey, root, sub, keyId, keybag);
      return keyId;
    } catch (e) {
      last = e;
      if (e instanceof PageError || (e instanceof ApiFailure && e.status < 500 && e.code !== 'rate_limited')) break;
      await new Promise((r) => setTimeout(r, 300 * (attempt + 1)));
    }
  }
  throw last;
}
