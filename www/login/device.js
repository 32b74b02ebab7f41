// Trusted devices and device approval (wire profile §3.10), the login page's half.
//
// This browser as a trusted device: its keys live in IndexedDB as NON-EXTRACTABLE WebCrypto
// keys, so script can use them but never read them: an ECDH P-256 key whose `deriveBits` with a
// stored peer public key gives `Z`, from which wasm derives the `trusted_device` envelope's wrap
// key (the root key never leaves wasm; `Z` is zeroed at once), and an ECDSA P-256 key that signs
// the server's approval AAD (raw r‖s). The account page trusts this device, lists and removes
// trusted devices, and approves or denies a new device's request after the user types the code
// the new device shows (its hash is in the request: the server cannot show or change it).
//
// A new device without the password ("Use a trusted device instead" on the unlock screen): a
// wasm ECDH key pair, a 6-digit code (u32 mod 10^6), the request, then polling `consume` every
// 3 s until a trusted device approved; the approval JWE opens to the root key in wasm.
import {
  DeliveryKeyPair, hashB64u, openTrustedDeviceEnvelope, sealDeviceApproval, sealTrustedDeviceEnvelope, trustedDeviceEnvelopeAad,
} from '/pkg/index.js';
import { api } from './api.js';
import { activeKeyId, holdKeys, mem } from './custody.js';
import { ApiFailure, PageError } from './errors.js';
import { authRequest } from './request.js';
import { goTo, proceed } from './screens.js';
import { withStepUp } from './stepup.js';
import { $, act, link, onClick, setNotice, show } from './ui.js';

const DEVICE_ALG = 'DarkAuth-DeviceLocal-AESGCM/v2';
const DB = 'zkauth-login';
const STORE = 'trusted-device';
const POLL_MS = 3000;
const POLLS = 40;

// ---- this browser's device keys (IndexedDB) ------------------------------------------------

function db() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new PageError('device_storage'));
  });
}

async function store(mode, fn) {
  const d = await db();
  try {
    return await new Promise((resolve, reject) => {
      const t = d.transaction(STORE, mode);
      const r = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(r?.result);
      t.onerror = () => reject(new PageError('device_storage'));
      t.onabort = () => reject(new PageError('device_storage'));
    });
  } finally {
    d.close();
  }
}

/** This browser's device record for the signed-in user, or null. */
async function localDevice() {
  if (!mem.user?.sub || typeof indexedDB === 'undefined') return null;
  try {
    return (await store('readonly', (s) => s.get(mem.user.sub))) ?? null;
  } catch {
    return null;
  }
}

const forgetLocal = (sub) => store('readwrite', (s) => s.delete(sub)).catch(() => {});

const b64u = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const fromB64u = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

/** `Z`: the device's ECDH key with its peer public key, handed to `use` and zeroed after. */
async function withZ(device, use) {
  const z = new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: device.peer }, device.ecdh, 256));
  try {
    return use(z);
  } finally {
    z.fill(0);
  }
}

const metaOf = (e) => ({ envelopeId: e.envelope_id, keyId: e.key_id, sub: mem.user.sub });

/** "Trust this device": device keys, the root key sealed under them, the envelope and the
 *  device registered (step-up), the record kept in IndexedDB. */
async function trustThisDevice() {
  if (!mem.root || !mem.keyId) {
    await goTo('reauth');
    setNotice('Enter your password once on this page, so this device can keep your keys; then trust it.');
    return;
  }
  const handle = `dk_${crypto.randomUUID()}`;
  const ecdh = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  // The peer's private half is dropped at once: only its public key is kept, for deriveBits.
  const peer = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits'])).publicKey;
  const sign = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', sign.publicKey);
  const device = { handle, sub: mem.user.sub, ecdh: ecdh.privateKey, peer, sign: sign.privateKey };
  const meta = { envelopeId: `env_${crypto.randomUUID()}`, keyId: mem.keyId, sub: mem.user.sub };
  const wrapped = await withZ(device, (z) => sealTrustedDeviceEnvelope(z, handle, mem.root, meta));
  const label = `${navigator.userAgentData?.platform || 'This browser'} · ${new Date().toLocaleDateString()}`;
  await api('POST', '/crypto/keybag/envelopes', {
    envelope_id: meta.envelopeId, key_id: meta.keyId, type: 'trusted_device', wrapping_alg: DEVICE_ALG,
    wrapped_key: wrapped, aad: trustedDeviceEnvelopeAad(meta), metadata: { version: 'v2', key_handle: handle },
  });
  const { device: row } = await withStepUp(
    () => api('POST', '/crypto/devices', { label, public_jwk: { kty, crv, x, y }, key_handle: handle, envelope_id: meta.envelopeId }),
    'account',
  );
  await store('readwrite', (s) => s.put({ ...device, deviceId: row.device_id, envelopeId: meta.envelopeId, createdAt: Date.now() }, mem.user.sub));
  await loadDevices();
  setNotice('This device is trusted. It can approve your other devices without your password.');
}

/** The root key: in memory, or opened from this device's envelope. */
async function rootForApproval(device) {
  const { envelopes } = await api('GET', '/crypto/keybag');
  const e = envelopes.find((x) => x.envelope_id === device.envelopeId && !x.revoked_at);
  if (!e) throw new PageError('device_not_trusted');
  return withZ(device, (z) => openTrustedDeviceEnvelope(z, device.handle, e.wrapped_key, metaOf(e)));
}

/** Approves one request: the typed code must be the one the new device shows. */
async function approve(device, a, code) {
  if (!/^[0-9]{6}$/.test(code) || hashB64u(code) !== a.verification_code_hash) throw new PageError('device_code_wrong');
  const root = await rootForApproval(device);
  try {
    const jwe = sealDeviceApproval(root, JSON.stringify(a.new_device_public_jwk), { sub: mem.user.sub, requestId: a.request_id });
    const proof = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, device.sign, fromB64u(a.approval_aad));
    await api('POST', `/crypto/device-approvals/${encodeURIComponent(a.request_id)}/approve`, {
      encrypted_approval: b64u(new TextEncoder().encode(jwe)), approval_aad: a.approval_aad, approval_proof: b64u(proof), approved_device_id: device.deviceId,
    });
  } finally {
    root.free();
  }
  setNotice('Approved. Your other device now has your keys.');
}

function smallButton(text, busy, className, action) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = `${className} small`;
  b.textContent = text;
  b.dataset.busy = busy;
  b.addEventListener('click', () => act(b, action));
  return b;
}

const when = (secs) => new Date(secs * 1000).toLocaleString();

/** The account page's trusted devices and, on a trusted device, the pending requests. */
export async function loadDevices() {
  const [{ devices }, local] = await Promise.all([api('GET', '/crypto/devices'), localDevice()]);
  const live = devices.filter((d) => !d.revoked_at);
  const here = local && live.some((d) => d.device_id === local.deviceId) ? local : null;
  if (local && !here) await forgetLocal(mem.user.sub); // removed elsewhere: its keys are useless
  $('devices').replaceChildren(...live.map((d) => {
    const li = document.createElement('li');
    li.dataset.device = d.device_id;
    const text = document.createElement('span');
    text.className = 'when';
    text.textContent = `${d.label}${here?.deviceId === d.device_id ? ' · this device' : ''} · trusted ${when(d.created_at)}`;
    li.append(text, smallButton('Remove', 'Removing…', 'secondary', async () => {
      await withStepUp(() => api('DELETE', `/crypto/devices/${encodeURIComponent(d.device_id)}`), 'account');
      if (here?.deviceId === d.device_id) await forgetLocal(mem.user.sub);
      await loadDevices();
      setNotice('That device is no longer trusted: its copy of your keys was revoked.');
    }));
    return li;
  }));
  $('devices-empty').hidden = live.length > 0;
  $('device-trust').hidden = Boolean(here);
  $('approvals-box').hidden = !here;
  if (here) await loadApprovals(here);
}

async function loadApprovals(device) {
  const { approvals } = await api('GET', '/crypto/device-approvals');
  $('approvals').replaceChildren(...approvals.map((a) => {
    const li = document.createElement('li');
    li.dataset.request = a.request_id;
    const text = document.createElement('span');
    text.className = 'when';
    text.textContent = `A new device asks for your keys · until ${when(a.expires_at)}`;
    const code = document.createElement('input');
    code.className = 'approval-code';
    code.inputMode = 'numeric';
    code.maxLength = 6;
    code.placeholder = 'Code on the new device';
    code.setAttribute('aria-label', 'The 6-digit code the new device shows');
    li.append(
      text,
      code,
      smallButton('Approve', 'Approving…', 'primary', async () => {
        await approve(device, a, code.value.trim());
        await loadApprovals(device);
      }),
      smallButton('Deny', 'Denying…', 'secondary', async () => {
        await api('POST', `/crypto/device-approvals/${encodeURIComponent(a.request_id)}/deny`);
        await loadApprovals(device);
        setNotice('Denied. That device gets no keys.');
      }),
    );
    return li;
  }));
  $('approvals-empty').hidden = approvals.length > 0;
}

// ---- a new device: ask a trusted one -------------------------------------------------------

let waiting = null; // { cancelled } while this page polls

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** "Use a trusted device instead": the request, the code to type there, and polling. */
async function askTrustedDevice() {
  const kp = DeliveryKeyPair.generate();
  const poll = { cancelled: false };
  waiting = poll;
  try {
    const jwkText = kp.publicJwk;
    const code = String(crypto.getRandomValues(new Uint32Array(1))[0] % 1_000_000).padStart(6, '0');
    const body = { new_device_public_jwk: JSON.parse(jwkText), verification_code_hash: hashB64u(code) };
    if (authRequest) body.authorization_request_id = authRequest.requestId;
    const req = await api('POST', '/crypto/device-approvals', body);
    $('approval-code').textContent = code;
    $('approval-status').textContent = 'Waiting for your other device…';
    show('approval');
    const proof = hashB64u(jwkText);
    for (let i = 0; i < POLLS && !poll.cancelled; i++) {
      await sleep(POLL_MS);
      if (poll.cancelled) break;
      let r;
      try {
        r = await api('POST', `/crypto/device-approvals/${encodeURIComponent(req.request_id)}/consume`, { request_id: req.request_id, new_device_proof: proof });
      } catch (e) {
        if (e instanceof ApiFailure && e.code === 'rate_limited') continue;
        if (e instanceof ApiFailure && (e.code === 'access_denied' || e.code === 'not_found' || e.code === 'conflict')) throw new PageError('approval_refused');
        throw e;
      }
      if (r.status !== 'consumed') continue;
      const jwe = new TextDecoder().decode(fromB64u(r.encrypted_approval));
      const root = kp.openDeviceApproval(jwe, { sub: mem.user.sub, requestId: req.request_id });
      const keyId = activeKeyId(await api('GET', '/crypto/keybag'));
      if (!keyId) {
        root.free();
        throw new PageError('no_keys');
      }
      holdKeys(root, keyId);
      return proceed();
    }
    if (!poll.cancelled) throw new PageError('approval_expired');
    return null;
  } finally {
    if (waiting === poll) waiting = null;
    kp.free();
  }
}

export function wireDevices() {
  onClick('device-trust', trustThisDevice);
  onClick('reauth-device', askTrustedDevice);
  link('approval-cancel', () => {
    if (waiting) waiting.cancelled = true;
    goTo('reauth');
  });
  link('approvals-refresh', async () => {
    const here = await localDevice();
    if (here) await loadApprovals(here);
  });
}
