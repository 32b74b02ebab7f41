// zkauth demo app: "Sign in with zkauth" with fragment-JWE key delivery (wire profile §4),
// then notes encrypted in this page with per-note data keys derived from the delivered key.
//
// Custody: the delivered key is a wasm handle in this module's memory only. Across the
// redirect the app keeps PKCE verifier, state, nonce and the DeliverySession id in
// sessionStorage (the ephemeral private key itself is a non-extractable WebCrypto key that
// DeliverySession keeps); all of it is removed on the callback. A reload loses the key, and
// the page offers to sign in again with a new zk_pub. Any failure keeps no key.
//
// Sharing (issue 24): each user has a sharing key pair for this app, its private half wrapped
// under the app key (the server keeps it, cannot open it). Sharing a note seals its data key to
// the recipient's public key (`sealToRecipient`); the recipient opens it with their own pair
// (`SharingKeyPair.openShared`). Revoking deletes the recipient's copy on the server.
import { init, DeliverySession, createPkce, createState, parseCallback, sealToRecipient, ZkAuthError } from '/pkg/app/index.js';

const PENDING = 'zkauth-demo:pending';
const PENDING_MAX_AGE_MS = 10 * 60 * 1000;

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing element #${id}`);
  return el;
};

/** Deployment settings: `config.json` next to this page ({ issuer, clientId }). */
let config = null;
/** The signed-in state, memory only: { appKey, accessToken, sub, sharing (a SharingKeyPair or
 *  null while it is not open) }. */
let session = null;

// ---- errors --------------------------------------------------------------------------------

class AppError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

class HttpFailure extends Error {
  constructor(status, code, description) {
    super(description || code);
    this.status = status;
    this.code = code;
  }
}

const KEY_REFUSED = 'The key sent to this app did not pass its checks, so it was thrown away. Please sign in again.';
const SENTENCES = {
  access_denied: 'You declined to sign in to this app.',
  no_pending: 'This sign-in response was already used or has expired. Please sign in again.',
  state_mismatch: 'This sign-in response does not belong to the sign-in this page started. Please sign in again.',
  issuer_mismatch: 'This sign-in response came from another login service than the one this page used. Please sign in again.',
  missing_code: 'The sign-in response is incomplete. Please sign in again.',
  missing_jwe: 'The sign-in response carried no key for this app. Please sign in again.',
  invalid_grant: 'The login server refused this sign-in (it was already used or has expired). Please sign in again.',
  invalid_client: 'The login server does not know this app. Check the app configuration.',
  rate_limited: 'Too many attempts. Wait a minute and sign in again.',
  id_token_invalid: 'The login server’s identity token did not verify. Please sign in again.',
  invalid_token: 'Your session with this app has ended. Please sign in again.',
  network: 'The login server cannot be reached. Check your connection and try again.',
  config: 'This app is not configured (config.json is missing or wrong).',
  delivery_session_missing: 'This sign-in response was already used. Please sign in again.',
  delivery_session_expired: 'This sign-in took too long. Please sign in again.',
  delivery_session_ambiguous: 'Several sign-ins are pending in this browser. Please sign in again.',
  delivery_version_mixed: KEY_REFUSED,
  unsupported_environment: 'This browser lacks what the app needs (IndexedDB and WebCrypto).',
  no_recipient: 'There is no user of this app with that e-mail address who can receive shared notes (they sign in to this app once first).',
  share_to_self: 'That is your own address: the note is already yours.',
  invalid_recipient_key: 'The server gave a key for that user that is not a valid sharing key, so nothing was shared.',
  quota_exceeded: 'You have shared as many notes as this service allows.',
  reauthentication_required: 'Sign in again to replace your sharing key.',
  sharing_unavailable: 'Sharing is not available right now; your own notes still work.',
  storage_failed: 'This browser refused to keep the sign-in key (private mode?). Please try again.',
};

function sentence(e) {
  const code = e?.code;
  if (code && SENTENCES[code]) return SENTENCES[code];
  if (e instanceof ZkAuthError) return KEY_REFUSED; // hash, signature, binding or decryption failure
  if (e instanceof HttpFailure && e.status >= 500) return 'The login server had a problem. Please try again.';
  return 'Something went wrong. Please sign in again.';
}

// ---- view ----------------------------------------------------------------------------------

function show(view) {
  for (const v of ['loading', 'signedout', 'notes']) $(`view-${v}`).hidden = v !== view;
  document.body.dataset.view = view;
  $('signout').hidden = view !== 'notes';
  $('who').hidden = view !== 'notes';
}

function setError(text) {
  $('error').textContent = text ?? '';
  $('error').hidden = !text;
}

function setNotice(text) {
  $('notice').textContent = text ?? '';
  $('notice').hidden = !text;
}

async function busy(button, fn) {
  const label = button.textContent;
  button.disabled = true;
  button.classList.add('busy');
  if (button.dataset.busy) button.textContent = button.dataset.busy;
  try {
    return await fn();
  } finally {
    button.textContent = label;
    button.classList.remove('busy');
    button.disabled = false;
  }
}

function showSignedOut(error) {
  dropSession();
  setNotice(null);
  setError(error ? sentence(error) : null);
  $('signin').disabled = false;
  show('signedout');
}

function dropSession() {
  session?.sharing?.free();
  session?.appKey.free();
  session = null;
  $('notes').replaceChildren();
  $('shared').replaceChildren();
}

// ---- helpers -------------------------------------------------------------------------------

function b64uDecode(s) {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]*$/.test(s)) throw new AppError('id_token_invalid');
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

async function http(url, init = {}) {
  let res;
  try {
    res = await fetch(url, { cache: 'no-store', credentials: 'omit', redirect: 'error', ...init });
  } catch {
    throw new AppError('network');
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) throw new HttpFailure(res.status, data?.error ?? 'server_error', data?.error_description);
  return data;
}

const issuerUrl = (path) => new URL(path, config.issuer).href;
const redirectUri = () => `${location.origin}/callback`;

// ---- sign in -------------------------------------------------------------------------------

async function signIn() {
  // One pending sign-in per tab: a new one replaces the old (whose key is deleted).
  const old = takePending();
  if (old?.zkPubKid) await DeliverySession.cancel(old.zkPubKid).catch(() => {});
  const { zkPub, zkPubKid } = await DeliverySession.begin();
  const { verifier, challenge } = await createPkce();
  const state = createState();
  const nonce = createState();
  sessionStorage.setItem(PENDING, JSON.stringify({ state, nonce, verifier, zkPubKid, created: Date.now() }));
  const url = new URL(issuerUrl('/authorize'));
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: 'openid profile',
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    zk_pub: zkPub,
  }).toString();
  location.assign(url.href);
}

/** Reads and removes the pending sign-in of this tab. */
function takePending() {
  const raw = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  if (!raw) return null;
  try {
    const p = JSON.parse(raw);
    if (typeof p?.state !== 'string' || typeof p.verifier !== 'string' || typeof p.zkPubKid !== 'string') return null;
    if (!(Date.now() - p.created < PENDING_MAX_AGE_MS)) return { zkPubKid: p.zkPubKid, expired: true };
    return p;
  } catch {
    return null;
  }
}

// ID-token algorithms this app checks, as WebCrypto runs them. ES256 is what the demo client
// registers (id_token_signed_response_alg): every engine's WebCrypto verifies ECDSA P-256,
// while WebKit's refuses Ed25519. A JWS ES256 signature is r ‖ s, WebCrypto's own format.
// RS256 is OIDC's default, for clients that register none.
const ID_TOKEN_ALGS = {
  RS256: {
    matches: (k) => k.kty === 'RSA' && typeof k.n === 'string' && k.e === 'AQAB',
    jwk: (k) => ({ kty: 'RSA', n: k.n, e: k.e }),
    importAlg: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    verifyAlg: { name: 'RSASSA-PKCS1-v1_5' },
  },
  ES256: {
    matches: (k) => k.kty === 'EC' && k.crv === 'P-256',
    jwk: (k) => ({ kty: 'EC', crv: 'P-256', x: k.x, y: k.y }),
    importAlg: { name: 'ECDSA', namedCurve: 'P-256' },
    verifyAlg: { name: 'ECDSA', hash: 'SHA-256' },
  },
  EdDSA: {
    matches: (k) => k.kty === 'OKP' && k.crv === 'Ed25519',
    jwk: (k) => ({ kty: 'OKP', crv: 'Ed25519', x: k.x }),
    importAlg: { name: 'Ed25519' },
    verifyAlg: { name: 'Ed25519' },
  },
};

/** Verifies the ID token (RS256, ES256 or EdDSA over the issuer's JWKS, iss, aud, exp, nonce);
 *  returns claims. */
async function verifyIdToken(idToken, nonce) {
  const parts = typeof idToken === 'string' ? idToken.split('.') : [];
  if (parts.length !== 3) throw new AppError('id_token_invalid');
  let header;
  let claims;
  try {
    header = JSON.parse(new TextDecoder().decode(b64uDecode(parts[0])));
    claims = JSON.parse(new TextDecoder().decode(b64uDecode(parts[1])));
  } catch {
    throw new AppError('id_token_invalid');
  }
  const alg = Object.hasOwn(ID_TOKEN_ALGS, header?.alg) ? ID_TOKEN_ALGS[header.alg] : null;
  if (!alg || typeof header.kid !== 'string') throw new AppError('id_token_invalid');
  const jwks = await http(issuerUrl('/.well-known/jwks.json'));
  const jwk = (jwks?.keys ?? []).find((k) => k.kid === header.kid && k.alg === header.alg && alg.matches(k));
  if (!jwk) throw new AppError('id_token_invalid');
  let ok = false;
  try {
    const key = await crypto.subtle.importKey('jwk', alg.jwk(jwk), alg.importAlg, false, ['verify']);
    ok = await crypto.subtle.verify(alg.verifyAlg, key, b64uDecode(parts[2]), new TextEncoder().encode(`${parts[0]}.${parts[1]}`));
  } catch {
    ok = false;
  }
  if (!ok) throw new AppError('id_token_invalid');
  const now = Math.floor(Date.now() / 1000);
  const audOk = claims.aud === config.clientId || (Array.isArray(claims.aud) && claims.aud.includes(config.clientId));
  const valid =
    claims.iss === config.issuer &&
    audOk &&
    typeof claims.sub === 'string' &&
    claims.sub.length > 0 &&
    typeof claims.exp === 'number' &&
    claims.exp > now &&
    (typeof claims.iat !== 'number' || claims.iat <= now + 60) &&
    claims.nonce === nonce;
  if (!valid) throw new AppError('id_token_invalid');
  return claims;
}

/** Reads the callback (wire profile §4.7 steps 1–2) and clears the address bar: the fragment,
 *  the code and the state are gone before the page makes any network call (its config, the
 *  wasm, the token exchange). Returns `{cb, parseError}`. */
function takeCallback() {
  let cb = null;
  let parseError = null;
  try {
    cb = parseCallback(); // removes the fragment from the URL and history first
  } catch (e) {
    parseError = e;
  }
  history.replaceState(null, '', '/'); // the code and state go too
  return { cb, parseError };
}

/** The callback, taken by `takeCallback`: check state, exchange the code, verify the ID token,
 *  open the delivery with every binding. */
async function completeSignIn({ cb, parseError }) {
  const pending = takePending();
  try {
    if (parseError) throw parseError;
    if (!pending || pending.expired) throw new AppError('no_pending');
    if (cb.state !== pending.state) throw new AppError('state_mismatch');
    // RFC 9207: the issuer that answered is the one this sign-in started with (mix-up defence).
    if (cb.iss !== null && cb.iss !== config.issuer) throw new AppError('issuer_mismatch');
    if (cb.error) throw new AppError(cb.error === 'access_denied' ? 'access_denied' : 'invalid_grant');
    if (!cb.code) throw new AppError('missing_code');
    if (!cb.jwe || cb.version !== 'v2') throw new AppError('missing_jwe');

    const token = await http(issuerUrl('/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: cb.code,
        client_id: config.clientId,
        redirect_uri: redirectUri(),
        code_verifier: pending.verifier,
      }).toString(),
    });
    const claims = await verifyIdToken(token.id_token, pending.nonce);
    const delivered = await DeliverySession.complete(cb.jwe, {
      zkPubKid: pending.zkPubKid,
      zkKeyHash: token.zk_key_hash,
      zkKeyKind: token.zk_key_kind,
      zkKeyVersion: token.zk_key_version,
      clientId: config.clientId,
      redirectUri: redirectUri(),
      state: pending.state,
      sub: claims.sub,
    });
    const appKey = delivered.intoAppKey(); // consumes the DeliveredKey
    session = { appKey, accessToken: token.access_token, sub: claims.sub, sharing: null };
  } catch (e) {
    if (pending?.zkPubKid) await DeliverySession.cancel(pending.zkPubKid).catch(() => {});
    throw e;
  }
}

// ---- notes ---------------------------------------------------------------------------------

const aadFor = (noteId) => JSON.stringify({ note_id: noteId });

async function notesApi(method, path, body) {
  const init = { method, headers: { authorization: `Bearer ${session.accessToken}` } };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  try {
    return await http(issuerUrl(path), init);
  } catch (e) {
    if (e instanceof HttpFailure && e.status === 401) {
      showSignedOut(new AppError('invalid_token'));
      throw new AppError('signed_out');
    }
    throw e;
  }
}

/** `{title, body}` of a note, decrypted with the data key `getKey()` gives (freed after), or
 *  null when it does not open or is not a note. */
function openNote(n, getKey) {
  if (n.aad !== aadFor(n.note_id)) return null;
  let dk = null;
  try {
    dk = getKey();
    const bytes = dk.decrypt(n.note_id, n.ciphertext);
    const note = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    bytes.fill(0);
    return typeof note?.title === 'string' && typeof note.body === 'string' ? note : null;
  } catch {
    return null;
  } finally {
    dk?.free();
  }
}

/** A note's title and body in its list item, or the item marked as one that does not open. */
function fillNote(li, title, note, refusal) {
  if (note) {
    title.textContent = note.title || '(untitled)';
    const body = document.createElement('div');
    body.className = 'note-body';
    body.textContent = note.body;
    li.append(body);
  } else {
    li.classList.add('broken');
    title.textContent = refusal;
  }
}

// ---- sharing -------------------------------------------------------------------------------

/** Opens this user's sharing key pair from what the server keeps, or makes and publishes one
 *  (first use, or the account key changed so the stored one no longer opens). */
async function openSharing() {
  let stored = null;
  try {
    stored = await notesApi('GET', '/sharing/key');
  } catch (e) {
    if (!(e instanceof HttpFailure && e.status === 404)) throw e;
  }
  if (stored) {
    try {
      return session.appKey.openSharingKey(JSON.stringify(stored.public_jwk), stored.wrapped_private_key);
    } catch (e) {
      if (!(e instanceof ZkAuthError)) throw e;
    }
  }
  const created = session.appKey.createSharingKey();
  try {
    await notesApi('PUT', '/sharing/key', { public_jwk: JSON.parse(created.publicJwk), wrapped_private_key: created.wrappedPrivateKey });
  } catch (e) {
    created.keyPair.free();
    throw e;
  }
  return created.keyPair;
}

/** Shares one of this user's notes with the user of this app at `email`. */
async function shareNote(noteId, email) {
  let to;
  try {
    to = await notesApi('GET', `/sharing/recipients?email=${encodeURIComponent(email)}`);
  } catch (e) {
    if (e instanceof HttpFailure && e.status === 404) throw new AppError('no_recipient');
    if (e instanceof HttpFailure && e.code === 'invalid_request') throw new AppError('share_to_self');
    throw e;
  }
  const dk = session.appKey.deriveDataKey(noteId);
  let jwe;
  try {
    jwe = sealToRecipient(dk, JSON.stringify(to.public_jwk));
  } finally {
    dk.free();
  }
  await notesApi('POST', `/notes/${encodeURIComponent(noteId)}/shares`, { recipient_sub: to.sub, jwe });
}

/** The share panel under a note: who it is shared with (each revocable) and a form to add one. */
async function sharePanel(li, noteId) {
  const panel = document.createElement('div');
  panel.className = 'share';
  const list = document.createElement('ul');
  list.className = 'recipients';
  const form = document.createElement('form');
  form.className = 'row share-form';
  form.noValidate = true;
  const email = document.createElement('input');
  email.type = 'email';
  email.placeholder = 'Share with (e-mail address)';
  email.autocomplete = 'off';
  email.className = 'share-email';
  const go = document.createElement('button');
  go.type = 'submit';
  go.className = 'ghost share-submit';
  go.textContent = 'Share';
  go.dataset.busy = 'Sharing…';
  form.append(email, go);
  const hint = document.createElement('p');
  hint.className = 'muted small';
  hint.textContent = 'Revoking removes their copy of the key from the server. Someone who already opened the note has seen it.';
  panel.append(list, form, hint);

  const refresh = async () => {
    const { shares } = await notesApi('GET', `/notes/${encodeURIComponent(noteId)}/shares`);
    list.replaceChildren(...shares.map((s) => {
      const item = document.createElement('li');
      item.dataset.recipient = s.recipient_email;
      const who = document.createElement('span');
      who.textContent = `Shared with ${s.recipient_email}`;
      const revoke = document.createElement('button');
      revoke.type = 'button';
      revoke.className = 'link revoke';
      revoke.textContent = 'Revoke';
      revoke.addEventListener('click', () => run(revoke, async () => {
        await notesApi('DELETE', `/notes/${encodeURIComponent(noteId)}/shares/${encodeURIComponent(s.recipient_sub)}`);
        await refresh();
        setNotice(`${s.recipient_email} can no longer open this note.`);
      }));
      item.append(who, revoke);
      return item;
    }));
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const address = email.value.trim().normalize('NFKC');
    if (!address) return;
    run(go, async () => {
      await shareNote(noteId, address);
      email.value = '';
      await refresh();
      setNotice(`Shared with ${address}. Only they can open it; the server holds the key sealed to them.`);
    });
  });
  await refresh();
  li.append(panel);
}

/** A note another user shared with this one: opened with this user's sharing key pair. */
function sharedItem(n) {
  const li = document.createElement('li');
  li.className = 'shared';
  li.dataset.noteId = n.note_id;
  const head = document.createElement('div');
  head.className = 'head';
  const title = document.createElement('span');
  title.className = 'note-title';
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.textContent = `shared by ${n.owner_email}`;
  head.append(title, badge);
  li.append(head);
  const note = session.sharing ? openNote(n, () => session.sharing.openShared(n.jwe)) : null;
  fillNote(li, title, note, 'This shared note cannot be opened with your key.');
  return li;
}

async function loadShared() {
  if (!session.sharing) {
    try {
      session.sharing = await openSharing();
    } catch (e) {
      if (e?.code === 'signed_out') throw e;
      $('shared-empty').hidden = false;
      $('shared-empty').textContent = sentence(new AppError('sharing_unavailable'));
      return;
    }
  }
  const { notes } = await notesApi('GET', '/shared-notes');
  $('shared').replaceChildren(...notes.map(sharedItem));
  $('shared-empty').textContent = 'Nothing is shared with you.';
  $('shared-empty').hidden = notes.length > 0;
  $('shared-count').textContent = notes.length ? `(${notes.length})` : '';
}

function noteItem(n) {
  const li = document.createElement('li');
  li.dataset.noteId = n.note_id;
  const note = openNote(n, () => session.appKey.deriveDataKey(n.note_id));
  const head = document.createElement('div');
  head.className = 'head';
  const title = document.createElement('span');
  title.className = 'note-title';
  const date = document.createElement('span');
  date.className = 'note-date';
  date.textContent = new Date((n.updated_at ?? n.created_at) * 1000).toLocaleString();
  const del = document.createElement('button');
  del.type = 'button';
  del.className = 'link';
  del.textContent = 'Delete';
  del.addEventListener('click', () => run(del, async () => {
    await notesApi('DELETE', `/notes/${encodeURIComponent(n.note_id)}`);
    await loadNotes();
  }));
  const share = document.createElement('button');
  share.type = 'button';
  share.className = 'link share-toggle';
  share.textContent = 'Share';
  share.addEventListener('click', () => run(share, async () => {
    const open = li.querySelector('.share');
    if (open) open.remove();
    else await sharePanel(li, n.note_id);
  }));
  head.append(title, date, share, del);
  li.append(head);
  share.hidden = !note;
  fillNote(li, title, note, 'This note cannot be opened with your key.');
  return li;
}

async function loadNotes() {
  const { notes } = await notesApi('GET', '/notes');
  notes.sort((a, b) => (b.updated_at ?? 0) - (a.updated_at ?? 0));
  $('notes').replaceChildren(...notes.map(noteItem));
  $('notes-empty').hidden = notes.length > 0;
  $('notes-count').textContent = notes.length ? `(${notes.length})` : '';
  await loadShared();
}

async function saveNote() {
  const title = $('note-title').value.trim();
  const body = $('note-body').value;
  if (!title && !body.trim()) return;
  const noteId = `note_${crypto.randomUUID()}`;
  const plaintext = new TextEncoder().encode(JSON.stringify({ title, body }));
  const dk = session.appKey.deriveDataKey(noteId);
  let ciphertext;
  try {
    ciphertext = dk.encrypt(noteId, plaintext);
  } finally {
    dk.free();
    plaintext.fill(0);
  }
  await notesApi('PUT', `/notes/${encodeURIComponent(noteId)}`, { ciphertext, aad: aadFor(noteId) });
  $('note-title').value = '';
  $('note-body').value = '';
  await loadNotes();
}

async function showNotes() {
  $('who').textContent = `Account ${session.sub.slice(0, 8)}…`;
  $('note-save').disabled = false;
  show('notes');
  await loadNotes();
}

async function run(button, fn) {
  setError(null);
  try {
    await busy(button, fn);
  } catch (e) {
    if (e?.code === 'signed_out') return;
    setError(sentence(e));
  }
}

// ---- start ---------------------------------------------------------------------------------

function wire() {
  $('signin').addEventListener('click', () => run($('signin'), signIn));
  $('signout').addEventListener('click', () => {
    showSignedOut(null);
    setNotice('Signed out. The key was dropped from this page.');
  });
  $('note-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    run($('note-save'), saveNote);
  });
  $('notes-refresh').addEventListener('click', () => run($('notes-refresh'), loadNotes));
}

async function loadConfig() {
  try {
    const c = await (await fetch('/config.json', { cache: 'no-store' })).json();
    if (typeof c?.issuer !== 'string' || typeof c.clientId !== 'string') throw new Error('shape');
    new URL(c.issuer);
    return { issuer: c.issuer.replace(/\/+$/, ''), clientId: c.clientId };
  } catch {
    throw new AppError('config');
  }
}

async function start() {
  const callback = location.pathname === '/callback' ? takeCallback() : null;
  wire();
  try {
    config = await loadConfig();
    await init();
  } catch (e) {
    setError(e instanceof AppError ? sentence(e) : 'This page could not load its cryptography (WebAssembly). Please reload.');
    return;
  }
  if (callback) {
    $('loading-text').textContent = 'Signing you in…';
    try {
      await completeSignIn(callback);
    } catch (e) {
      showSignedOut(e);
      return;
    }
    try {
      await showNotes();
      setNotice('Signed in. Your key arrived in this page; the login server never saw it.');
    } catch (e) {
      if (e?.code !== 'signed_out') setError(sentence(e));
    }
    return;
  }
  showSignedOut(null);
}

start();
