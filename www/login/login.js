// zkauth login page: registration, login, authorize/consent with fragment-JWE key delivery,
// and account management (password change, sessions, log out everywhere, recovery).
//
// Custody rules (wire profile §6): the password is handed to wasm and its field cleared; the
// OPAQUE export key, the root key and app keys exist only as wasm handles in this module's
// memory, are freed after their last use, and are never written to any storage or cookie. The
// only secret ever shown is the recovery key, once, right after it is made.
//
// The page runs under a CSP with Trusted Types: all markup is static in index.html, and this
// script only toggles `hidden` and sets textContent or builds elements with createElement.
import {
  init,
  OpaqueClient,
  OpaqueProfile,
  RootKey,
  RecoveryKey,
  sealDeliveryV1,
  sealDeliveryV2,
  passwordEnvelopeAad,
  recoveryEnvelopeAad,
  ZkAuthError,
} from '/pkg/index.js';

const PASSWORD_ALG = 'OPAQUE-HKDF-SHA256+A256GCM/v2';
const RECOVERY_ALG = 'DarkAuth-Recovery-HKDF-SHA256+A256GCM/v2';
const MIN_PASSWORD = 8;

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing element #${id}`);
  return el;
};

// ---- state (memory only) -------------------------------------------------------------------

/** What this page load knows. `root` is a RootKey handle or null; nothing here is persisted. */
const mem = {
  profile: null, // OpaqueProfile handle
  csrf: null,
  user: null, // { sub, email, name }
  root: null,
  keyId: null,
  afterRecovery: null, // what to show once the recovery key is confirmed
  leaving: false, // navigating to the app: buttons stay disabled
};

function forgetKeys() {
  mem.root?.free();
  mem.root = null;
  mem.keyId = null;
}

function signedOut() {
  forgetKeys();
  mem.user = null;
  mem.csrf = null;
}

// The authorization request this page was opened for (GET /authorize redirected here).
const query = new URLSearchParams(location.search);
const authRequest = query.get('request_id')
  ? {
      requestId: query.get('request_id'),
      clientId: query.get('client_id') ?? '',
      clientName: query.get('client_name') || query.get('client_id') || 'An app',
      redirectUri: query.get('redirect_uri') ?? '',
      scopes: (query.get('scopes') ?? '').split(' ').filter(Boolean),
      state: query.get('state'), // null when the app sent none
      hasZk: query.get('has_zk') === '1',
      zkPub: query.get('zk_pub'),
      version: query.get('key_delivery_version') ?? 'v2',
      keyKind: query.get('delivered_key_kind') ?? 'client_app_key',
      clientKeyScope: query.get('client_key_scope') ?? 'account',
      requireOrg: query.get('require_organization_selection') === '1',
    }
  : null;

// ---- errors as sentences -------------------------------------------------------------------

const WRONG_LOGIN = 'The e-mail address or password is not right.';
const SENTENCES = {
  opaque_login_failed: WRONG_LOGIN,
  authentication_failed: WRONG_LOGIN,
  opaque_auth_failed: WRONG_LOGIN,
  opaque_message_invalid: 'The login service sent a reply this page cannot use. Please try again.',
  opaque_profile_mismatch: 'This account was made with other password settings. Ask the operator for help.',
  ksf_failed: 'This browser could not run the password hardening step (it needs about 32 MB of memory).',
  login_required: 'Your session has ended. Please sign in again.',
  csrf_refused: 'The request was refused as a safety measure. Reload the page and try again.',
  conflict: 'An account with this e-mail address already exists.',
  access_denied: 'That was refused.',
  unwrap_failed: 'Your encryption keys could not be opened. If you recently reset your password, use your recovery key.',
  envelope_metadata_mismatch: 'Your encryption keys could not be opened. If you recently reset your password, use your recovery key.',
  invalid_base64url: 'That recovery key is not valid. It is 43 characters long; check that you copied all of it.',
  invalid_length: 'That recovery key is not valid. It is 43 characters long; check that you copied all of it.',
  invalid_zk_pub: 'The app sent a broken key request. Go back to the app and sign in again.',
  key_released: 'Your keys were locked. Enter your password again.',
  payload_too_large: 'That is too long.',
  temporarily_unavailable: 'The login service is busy. Please try again in a moment.',
  server_error: 'The login service had a problem. Please try again.',
  network: 'The login service cannot be reached. Check your connection and try again.',
  key_ambiguous: 'Your account has more than one active key, so this page cannot choose one safely. Ask the operator for help.',
  no_keys: 'Your account has no encryption keys yet.',
  request_expired: 'This sign-in request has expired. Go back to the app and start again.',
  bad_request_link: 'This sign-in link is incomplete. Go back to the app and start again.',
  org_unsupported: 'This app needs an organization, which this login service does not offer.',
  redirect_changed: 'The login service answered for another app address; nothing was sent.',
  password_short: `Choose a password of at least ${MIN_PASSWORD} characters.`,
  password_mismatch: 'The two passwords are not the same.',
  email_missing: 'Enter your e-mail address.',
  password_missing: 'Enter your password.',
  recovery_missing: 'Enter your recovery key.',
  rewrap_failed: 'Your password changed, but your keys could not be saved under it. Keep this page open and press the button again; or use your recovery key later.',
};

/** An HTTP refusal from the server, with its stable `error` code. */
class ApiFailure extends Error {
  constructor(status, code, description, retryAfter) {
    super(description || code);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** A refusal of this page (not the SDK, not the server). */
class PageError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

function sentence(e, overrides = {}) {
  const code = e?.code;
  if (e instanceof ApiFailure && code === 'rate_limited') {
    const secs = Number.parseInt(e.retryAfter ?? '', 10);
    return Number.isFinite(secs) && secs > 0
      ? `Too many attempts. Wait ${secs} seconds and try again.`
      : 'Too many attempts. Wait a minute and try again.';
  }
  if (code && overrides[code]) return overrides[code];
  if (code && SENTENCES[code]) return SENTENCES[code];
  if (e instanceof ApiFailure && e.status >= 500) return SENTENCES.server_error;
  if (e instanceof ZkAuthError) return 'Something went wrong in this browser’s cryptography. Please reload and try again.';
  return 'Something went wrong. Please try again.';
}

// ---- messages and views --------------------------------------------------------------------

const VIEWS = ['loading', 'login', 'register', 'recovery', 'reauth', 'consent', 'account', 'forgot'];

// Views where the "continue to <app>" banner helps (not on consent, which names the app).
const CONTEXT_VIEWS = new Set(['login', 'register', 'reauth', 'forgot']);

function show(view) {
  for (const v of VIEWS) $(`view-${v}`).hidden = v !== view;
  document.body.dataset.view = view;
  $('context').hidden = !authRequest || !CONTEXT_VIEWS.has(view);
  const first = $(`view-${view}`).querySelector('input:not([type="checkbox"]), button:not(:disabled)');
  if (first && view !== 'loading') first.focus();
}

function setError(text) {
  const el = $('error');
  el.textContent = text ?? '';
  el.hidden = !text;
}

function setNotice(text) {
  const el = $('notice');
  el.textContent = text ?? '';
  el.hidden = !text;
}

function clearMessages() {
  setError(null);
  setNotice(null);
}

// Disables the button and shows its busy label, and yields a frame so the busy state paints
// before the KSF (0.1–0.3 s of wasm on this thread) starts.
async function busy(button, fn) {
  const label = button.textContent;
  button.disabled = true;
  button.classList.add('busy');
  button.setAttribute('aria-busy', 'true');
  if (button.dataset.busy) button.textContent = button.dataset.busy;
  await new Promise((resolve) => {
    // A frame, then a task; hidden tabs get no frames, so a timer caps the wait.
    const timer = setTimeout(resolve, 100);
    requestAnimationFrame(() => setTimeout(() => {
      clearTimeout(timer);
      resolve();
    }, 0));
  });
  try {
    return await fn();
  } finally {
    button.textContent = label;
    button.classList.remove('busy');
    button.removeAttribute('aria-busy');
    button.disabled = mem.leaving;
  }
}

// Runs an action from a form or button: clears messages, shows busy, turns a failure into a
// sentence. Returns true on success.
async function act(button, fn, overrides) {
  clearMessages();
  try {
    await busy(button, fn);
    return true;
  } catch (e) {
    if (e instanceof ApiFailure && e.code === 'login_required' && mem.user) {
      signedOut();
      showLogin();
    }
    setError(sentence(e, overrides));
    return false;
  }
}

// ---- server calls --------------------------------------------------------------------------

function csrfFromCookie() {
  for (const part of document.cookie.split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === '__Host-zkauth-csrf' && v) return v;
  }
  return null;
}

/** Same-origin JSON (or form) call; state changes carry the session's CSRF token. */
async function api(method, path, body, { form = false } = {}) {
  const headers = { accept: 'application/json' };
  let payload;
  if (body !== undefined) {
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(body).toString();
    } else {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
  }
  if (method !== 'GET') {
    const csrf = mem.csrf ?? csrfFromCookie();
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store', redirect: 'error' });
  } catch {
    throw new PageError('network');
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) throw new ApiFailure(res.status, data?.error ?? 'server_error', data?.error_description, res.headers.get('retry-after'));
  if (data && typeof data.csrfToken === 'string') mem.csrf = data.csrfToken;
  return data;
}

// ---- OPAQUE --------------------------------------------------------------------------------

async function profile() {
  if (mem.profile) return mem.profile;
  const c = await api('GET', '/opaque/config');
  mem.profile =
    c.profile === 'argon2id'
      ? OpaqueProfile.argon2id({ memoryKib: c.memoryKib, iterations: c.iterations, parallelism: c.parallelism, serverIdentity: c.serverIdentity, context: c.context ?? '' })
      : OpaqueProfile.darkauth();
  return mem.profile;
}

/** An OPAQUE login; returns the login-finish body and an ExportKey handle (caller frees). */
async function opaqueLogin(email, password) {
  const client = new OpaqueClient(await profile());
  let start;
  try {
    start = client.startLogin(password);
  } finally {
    client.free();
  }
  let ke2;
  try {
    ke2 = await api('POST', '/opaque/login/start', { email, request: start.request });
  } catch (e) {
    start.state.free();
    throw e;
  }
  let out;
  try {
    out = start.state.finish(ke2.message, email); // the KSF runs here
  } finally {
    start.state.free();
  }
  out.sessionKey.free(); // unused by the protocol (§2.6)
  try {
    const res = await api('POST', '/opaque/login/finish', { finish: out.finish, sessionId: ke2.sessionId });
    return { res, exportKey: out.exportKey };
  } catch (e) {
    out.exportKey.free();
    throw e;
  }
}

/** Runs OPAQUE registration up to the record: `send(request)` returns the server's
 *  `{message, identityU?}`. Returns `{record, exportKey}` (caller frees the key). */
async function opaqueRecord(password, identity, send) {
  const client = new OpaqueClient(await profile());
  let start;
  try {
    start = client.startRegistration(password);
  } finally {
    client.free();
  }
  try {
    const resp = await send(start.request);
    const out = start.state.finish(resp.message, resp.identityU ?? identity); // the KSF runs here
    return { record: out.record, exportKey: out.exportKey };
  } finally {
    start.state.free();
  }
}

// ---- keys ----------------------------------------------------------------------------------

const newId = (prefix) => `${prefix}_${crypto.randomUUID()}`;

/** The one active account key id, or null when there is none. */
function activeKeyId(keybag) {
  const active = (keybag.account_keys ?? []).filter((k) => k.status === 'active');
  if (active.length > 1) throw new PageError('key_ambiguous');
  return active.length === 1 ? active[0].key_id : null;
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
async function setUpKeys(exportKey, sub) {
  const root = RootKey.generate();
  try {
    const { account_key: key } = await api('POST', '/crypto/keybag/rotate', {});
    await storePasswordWrap(exportKey, root, sub, key.key_id, null);
    const display = await storeRecoveryKey(root, sub, key.key_id);
    forgetKeys();
    mem.root = root;
    mem.keyId = key.key_id;
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
      const { account_key: key } = await api('POST', '/crypto/keybag/rotate', {});
      await storePasswordWrap(exportKey, root, sub, key.key_id, keybag);
      return { root, keyId: key.key_id, keybag };
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
async function unlock(exportKey, sub) {
  const opened = await openRoot(exportKey, sub);
  if (!opened) return setUpKeys(exportKey, sub);
  forgetKeys();
  mem.root = opened.root;
  mem.keyId = opened.keyId;
  return null;
}

// ---- flows ---------------------------------------------------------------------------------

function readPassword(id) {
  const el = $(id);
  const v = el.value;
  el.value = '';
  return v;
}

function requireEmail(id) {
  const v = $(id).value.trim();
  if (!v) throw new PageError('email_missing');
  return v;
}

function newPassword(a, b) {
  const p1 = readPassword(a);
  const p2 = readPassword(b);
  if (p1.length < MIN_PASSWORD) throw new PageError('password_short');
  if (p1 !== p2) throw new PageError('password_mismatch');
  return p1;
}

function setUser(res) {
  mem.user = { sub: res.sub ?? res.user?.sub, email: res.user?.email ?? '', name: res.user?.name ?? '' };
}

/** Where to go once signed in with keys: the consent screen for an authorization request,
 *  else the account page. */
function proceed() {
  if (authRequest) showConsent();
  else showAccount();
}

function showRecovery(display, then) {
  $('recovery-key').textContent = display;
  $('recovery-saved').checked = false;
  $('recovery-continue').disabled = true;
  $('recovery-copied').hidden = true;
  mem.afterRecovery = then;
  show('recovery');
}

async function doLogin() {
  const email = requireEmail('login-email');
  const password = readPassword('login-password');
  if (!password) throw new PageError('password_missing');
  const { res, exportKey } = await opaqueLogin(email, password);
  try {
    setUser(res);
    const display = await unlock(exportKey, mem.user.sub);
    if (display) return showRecovery(display, proceed);
  } finally {
    exportKey.free();
  }
  proceed();
}

async function doRegister() {
  const name = $('register-name').value.trim();
  const email = requireEmail('register-email');
  const password = newPassword('register-password', 'register-password2');
  const { record, exportKey } = await opaqueRecord(password, email, (request) => api('POST', '/opaque/register/start', { request, email }));
  try {
    const res = await api('POST', '/opaque/register/finish', { email, name, record });
    setUser(res);
    const display = await setUpKeys(exportKey, mem.user.sub);
    showRecovery(display, proceed);
  } finally {
    exportKey.free();
  }
}

async function doReauth() {
  const password = readPassword('reauth-password');
  if (!password) throw new PageError('password_missing');
  const { res, exportKey } = await opaqueLogin(mem.user.email, password);
  try {
    setUser(res);
    const display = await unlock(exportKey, mem.user.sub);
    if (display) return showRecovery(display, proceed);
  } finally {
    exportKey.free();
  }
  proceed();
}

/** Re-wraps the (unchanged) root key under a new export key, retrying a few times: until it
 *  succeeds, only the recovery key opens the data. */
async function rewrap(exportKey, root, sub, fallbackKeyId) {
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

async function doChangePassword() {
  const current = readPassword('change-current');
  if (!current) throw new PageError('password_missing');
  const next = newPassword('change-new', 'change-new2');
  // Re-authenticate (the server allows a change only right after a login), which also opens
  // the root key with the current password.
  const { res, exportKey: oldKey } = await opaqueLogin(mem.user.email, current);
  try {
    setUser(res);
    const display = await unlock(oldKey, mem.user.sub);
    if (display) throw new PageError('no_keys');
  } finally {
    oldKey.free();
  }
  const { record, exportKey } = await opaqueRecord(next, mem.user.email, (request) => api('POST', '/password/change/start', { request }));
  try {
    await api('POST', '/password/change/finish', { record });
    try {
      mem.keyId = await rewrap(exportKey, mem.root, mem.user.sub, mem.keyId);
    } catch (e) {
      throw e instanceof ApiFailure && e.code === 'rate_limited' ? e : new PageError('rewrap_failed');
    }
  } finally {
    exportKey.free();
  }
  await showAccount();
  setNotice('Your password was changed. Every other session was signed out. Your apps keep their keys and data.');
}

async function doForgot() {
  const email = requireEmail('forgot-email');
  const display = $('forgot-key').value.trim();
  if (!display) throw new PageError('recovery_missing');
  const password = newPassword('forgot-new', 'forgot-new2');
  const rk = RecoveryKey.fromDisplay(display); // invalid_base64url / invalid_length
  let root;
  let reset;
  let recoveryKeyId;
  try {
    reset = await api('POST', '/recovery/start', { email, verifier: rk.verifier });
    const env = reset.envelope;
    root = rk.openEnvelope(env.wrapped_key, { envelopeId: env.envelope_id, keyId: env.key_id, sub: reset.sub });
    recoveryKeyId = env.key_id;
  } finally {
    rk.free();
  }
  $('forgot-key').value = '';
  try {
    const token = reset.reset_token;
    const { record, exportKey } = await opaqueRecord(password, email, (request) => api('POST', '/password/reset/start', { token, request }));
    try {
      const res = await api('POST', '/password/reset/finish', { token, record });
      mem.user = { sub: res.sub, email, name: '' };
      const who = await api('GET', '/session');
      setUser(who);
      forgetKeys();
      mem.keyId = await rewrap(exportKey, root, mem.user.sub, recoveryKeyId);
      mem.root = root;
      root = null;
    } finally {
      exportKey.free();
    }
  } finally {
    root?.free();
  }
  if (authRequest) showConsent();
  else await showAccount();
  setNotice('Your password was reset and your data is unlocked. Every other session was signed out.');
}

// ---- consent -------------------------------------------------------------------------------

const SCOPE_TEXT = {
  openid: 'Know which account you use',
  profile: 'See your name and e-mail address',
  email: 'See your e-mail address',
  offline_access: 'Stay signed in when you are away',
};

function showConsent() {
  if (!authRequest) return showAccount();
  if (!mem.root) return showReauth();
  $('consent-client').textContent = authRequest.clientName;
  let origin = authRequest.redirectUri;
  try {
    origin = new URL(authRequest.redirectUri).origin;
  } catch {
    // shown as given
  }
  $('consent-origin').textContent = origin;
  const list = $('consent-scopes');
  list.replaceChildren(...authRequest.scopes.map((s) => {
    const li = document.createElement('li');
    li.textContent = SCOPE_TEXT[s] ?? s;
    return li;
  }));
  $('consent-key').hidden = !authRequest.hasZk;
  $('consent-email').textContent = mem.user?.email ?? '';
  $('consent-approve').disabled = false;
  $('consent-deny').disabled = false;
  show('consent');
}

function showReauth() {
  $('reauth-email').textContent = mem.user?.email ?? '';
  $('reauth-cancel').hidden = !authRequest;
  $('reauth-submit').disabled = false;
  show('reauth');
}

/** The delivery for this request: `{field, hash, fragment, jwe}` or null without zk. */
function sealDelivery() {
  const r = authRequest;
  if (!r.hasZk) return null;
  if (!r.zkPub) throw new PageError('bad_request_link');
  const sub = mem.user.sub;
  if (r.version === 'v1-drk') {
    const s = sealDeliveryV1(mem.root, r.zkPub, { sub, clientId: r.clientId });
    return { field: 'drk_hash', hash: s.drkHash, fragment: 'drk_jwe', jwe: s.jwe };
  }
  if (r.requireOrg || r.keyKind !== 'client_app_key') throw new PageError('org_unsupported');
  const app = mem.root.deriveClientAppKey({ sub, keyId: mem.keyId, clientId: r.clientId });
  try {
    const bag = { sub, clientId: r.clientId, requestId: r.requestId, redirectUri: r.redirectUri, keyId: mem.keyId };
    if (r.state !== null) bag.state = r.state;
    const s = sealDeliveryV2(app, r.zkPub, bag);
    return { field: 'zk_key_hash', hash: s.zkKeyHash, fragment: 'darkauth_key_jwe', jwe: s.jwe };
  } finally {
    app.free(); // the CAK is in the JWE now; its handle goes
  }
}

async function finalize(approve) {
  const r = authRequest;
  if (!r.clientId || !r.redirectUri) throw new PageError('bad_request_link');
  const delivery = approve ? sealDelivery() : null;
  const form = { request_id: r.requestId, approve: approve ? 'true' : 'false' };
  if (delivery) form[delivery.field] = delivery.hash;
  let res;
  try {
    res = await api('POST', '/authorize/finalize', form, { form: true });
  } catch (e) {
    if (e instanceof ApiFailure && e.code === 'invalid_request') throw new PageError('request_expired');
    throw e;
  }
  if (res.redirect_uri !== r.redirectUri) throw new PageError('redirect_changed');
  const target = new URL(res.redirect_uri);
  if (res.code) {
    target.searchParams.set('code', res.code);
  } else {
    target.searchParams.set('error', res.error ?? 'access_denied');
  }
  if (res.state !== null && res.state !== undefined) target.searchParams.set('state', res.state);
  target.hash = '';
  let href = target.href;
  if (res.code && delivery) href += `#${delivery.fragment}=${encodeURIComponent(delivery.jwe)}`;
  forgetKeys(); // the page is leaving; nothing outlives it
  mem.leaving = true;
  $('consent-approve').disabled = true;
  $('consent-deny').disabled = true;
  location.assign(href);
}

// ---- account -------------------------------------------------------------------------------

function when(secs) {
  if (typeof secs !== 'number') return '';
  return new Date(secs * 1000).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

async function loadSessions() {
  const { sessions } = await api('GET', '/sessions');
  const list = $('sessions');
  list.replaceChildren(...sessions.map((s) => {
    const li = document.createElement('li');
    li.dataset.handle = s.handle;
    const text = document.createElement('span');
    text.className = 'when';
    text.textContent = `Signed in ${when(s.created_at)} · last active ${when(s.last_seen_at)}`;
    li.append(text);
    if (s.current) {
      const tag = document.createElement('span');
      tag.className = 'current';
      tag.textContent = 'This browser';
      li.append(tag);
    } else {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'secondary small';
      b.textContent = 'Revoke';
      b.dataset.busy = 'Revoking…';
      b.addEventListener('click', () =>
        act(b, async () => {
          await api('POST', `/sessions/${encodeURIComponent(s.handle)}/revoke`);
          await loadSessions();
          setNotice('That session was signed out.');
        }),
      );
      li.append(b);
    }
    return li;
  }));
}

async function showAccount() {
  $('account-email').textContent = mem.user?.email ?? '';
  for (const id of ['change-submit', 'logout', 'logout-all']) $(id).disabled = false;
  show('account');
  try {
    await loadSessions();
  } catch (e) {
    if (e instanceof ApiFailure && e.code === 'login_required') {
      signedOut();
      showLogin();
      setError(SENTENCES.login_required);
      return;
    }
    setError(sentence(e));
  }
}

function showLogin() {
  $('login-submit').disabled = false;
  show('login');
}

function showContext() {
  if (authRequest) $('context').textContent = `Sign in to continue to ${authRequest.clientName}.`;
}

// ---- wiring --------------------------------------------------------------------------------

function onSubmit(formId, buttonId, fn, overrides) {
  $(formId).addEventListener('submit', (ev) => {
    ev.preventDefault();
    act($(buttonId), fn, overrides);
  });
}

function link(id, fn) {
  $(id).addEventListener('click', (ev) => {
    ev.preventDefault();
    clearMessages();
    fn();
  });
}

function wire() {
  onSubmit('login-form', 'login-submit', doLogin);
  onSubmit('register-form', 'register-submit', doRegister);
  onSubmit('reauth-form', 'reauth-submit', doReauth);
  onSubmit('change-form', 'change-submit', doChangePassword, {
    opaque_login_failed: 'The current password is not right.',
    authentication_failed: 'The current password is not right.',
  });
  onSubmit('forgot-form', 'forgot-submit', doForgot, {
    access_denied: 'The e-mail address or recovery key is not right.',
    unwrap_failed: 'That recovery key does not open this account’s keys.',
  });

  link('to-register', () => {
    $('register-submit').disabled = false;
    show('register');
  });
  link('register-to-login', showLogin);
  link('to-forgot', () => {
    $('forgot-submit').disabled = false;
    show('forgot');
  });
  link('forgot-to-login', showLogin);
  link('reauth-cancel', () => act($('reauth-submit'), () => finalize(false)));
  link('reauth-switch', () => {
    act($('reauth-submit'), async () => {
      await api('POST', '/logout');
      signedOut();
      showLogin();
    });
  });

  $('recovery-copy').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText($('recovery-key').textContent);
      $('recovery-copied').textContent = 'Copied.';
    } catch {
      $('recovery-copied').textContent = 'Copying is blocked here: select the key and copy it by hand.';
    }
    $('recovery-copied').hidden = false;
  });
  $('recovery-saved').addEventListener('change', () => {
    $('recovery-continue').disabled = !$('recovery-saved').checked;
  });
  $('recovery-continue').addEventListener('click', () => {
    if (!$('recovery-saved').checked) return;
    $('recovery-key').textContent = ''; // shown once
    const next = mem.afterRecovery ?? proceed;
    mem.afterRecovery = null;
    clearMessages();
    next();
  });

  $('consent-approve').addEventListener('click', () =>
    act($('consent-approve'), () => finalize(true), { login_required: 'Your session has ended. Go back to the app and sign in again.' }),
  );
  $('consent-deny').addEventListener('click', () => act($('consent-deny'), () => finalize(false)));

  $('logout').addEventListener('click', () =>
    act($('logout'), async () => {
      await api('POST', '/logout');
      signedOut();
      showLogin();
      setNotice('You are signed out.');
    }),
  );
  $('logout-all').addEventListener('click', () =>
    act($('logout-all'), async () => {
      await api('POST', '/logout/all');
      signedOut();
      showLogin();
      setNotice('You are signed out everywhere: every session and every app token of this account has ended.');
    }),
  );
}

async function start() {
  wire();
  showContext();
  try {
    await init();
    await profile();
  } catch (e) {
    show('loading');
    setError(e instanceof PageError ? sentence(e) : 'This page could not load its cryptography (WebAssembly). Please reload.');
    return;
  }
  if (authRequest && (!authRequest.clientId || !authRequest.redirectUri)) {
    show('loading');
    setError(SENTENCES.bad_request_link);
    return;
  }
  let who = null;
  try {
    who = await api('GET', '/session');
  } catch (e) {
    if (!(e instanceof ApiFailure && e.code === 'login_required')) setError(sentence(e));
  }
  if (who) {
    setUser(who);
    if (authRequest) showReauth(); // signed in, but this page load has no keys yet
    else await showAccount();
  } else {
    showLogin();
  }
}

start();
