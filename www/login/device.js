// Trusted devices and device approval (wire profile §3.10), the login page's half: the SDK's
// TrustedDevice keeps this browser's device keys (non-extractable WebCrypto keys in IndexedDB;
// the root key is sealed in wasm), and this module puts it on the page. The account page trusts
// this device, lists and removes trusted devices, and approves or denies a new device's request
// after the user types the code the new device shows (its hash is in the request: the server
// cannot show or change it). A new device without the password ("Use a trusted device instead"
// on the unlock screen) shows its code and polls `consume` every 3 s until a trusted device
// approved; the approval opens to the root key in wasm.
import { TrustedDevice, deviceApprovalRequest } from '/pkg/index.js';
import { api } from './api.js';
import { activeKeyId, holdKeys, mem } from './custody.js';
import { ApiFailure, PageError } from './errors.js';
import { authRequest } from './request.js';
import { goTo, proceed } from './screens.js';
import { withStepUp } from './stepup.js';
import { $, link, onClick, setNotice, show, smallButton, when } from './ui.js';

const POLL_MS = 3000;
const POLLS = 40;

/** This browser's device for the signed-in user, or null (also where IndexedDB is refused). */
async function localDevice() {
  if (!mem.user?.sub) return null;
  try {
    return await TrustedDevice.load(mem.user.sub);
  } catch {
    return null;
  }
}

const forgetLocal = (sub) => TrustedDevice.forget(sub).catch(() => {});

/** "Trust this device": device keys, the root key sealed under them, the envelope and the
 *  device registered (step-up), then kept in this browser. */
async function trustThisDevice() {
  if (!mem.root || !mem.keyId) {
    await goTo('reauth');
    setNotice('Enter your password once on this page, so this device can keep your keys; then trust it.');
    return;
  }
  const meta = { envelopeId: `env_${crypto.randomUUID()}`, keyId: mem.keyId, sub: mem.user.sub };
  const { device, envelope, registration } = await TrustedDevice.create(mem.root, meta);
  const label = `${navigator.userAgentData?.platform || 'This browser'} · ${new Date().toLocaleDateString()}`;
  await api('POST', '/crypto/keybag/envelopes', envelope);
  const { device: row } = await withStepUp(() => api('POST', '/crypto/devices', { ...registration, label }), 'account');
  await device.save(row.device_id);
  await loadDevices();
  setNotice('This device is trusted. It can approve your other devices without your password.');
}

/** The root key: in memory, or opened from this device's envelope. */
async function rootForApproval(device) {
  if (mem.root) return { root: mem.root, owned: false };
  const { envelopes } = await api('GET', '/crypto/keybag');
  const e = envelopes.find((x) => x.envelope_id === device.envelopeId && !x.revoked_at);
  if (!e) throw new PageError('device_not_trusted');
  return { root: await device.openRootKey(e), owned: true };
}

/** Approves one request with the code the user typed. */
async function approve(device, a, code) {
  const { root, owned } = await rootForApproval(device);
  let body;
  try {
    body = await device.approve(root, a, code);
  } catch (e) {
    if (e?.code === 'approval_code_mismatch') throw new PageError('device_code_wrong');
    throw e;
  } finally {
    if (owned) root.free();
  }
  await api('POST', `/crypto/device-approvals/${encodeURIComponent(a.request_id)}/approve`, body);
  setNotice('Approved. Your other device now has your keys.');
}

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
    li.append(text, smallButton('Remove', 'Removing…', async () => {
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
      smallButton('Approve', 'Approving…', async () => {
        await approve(device, a, code.value.trim());
        await loadApprovals(device);
      }, 'primary'),
      smallButton('Deny', 'Denying…', async () => {
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
  const ask = deviceApprovalRequest(authRequest ? authRequest.requestId : undefined);
  const poll = { cancelled: false };
  waiting = poll;
  try {
    const req = await api('POST', '/crypto/device-approvals', ask.body);
    $('approval-code').textContent = ask.code;
    $('approval-status').textContent = 'Waiting for your other device…';
    show('approval');
    for (let i = 0; i < POLLS && !poll.cancelled; i++) {
      await sleep(POLL_MS);
      if (poll.cancelled) break;
      let r;
      try {
        r = await api('POST', `/crypto/device-approvals/${encodeURIComponent(req.request_id)}/consume`, { request_id: req.request_id, new_device_proof: ask.proof });
      } catch (e) {
        if (e instanceof ApiFailure && e.code === 'rate_limited') continue;
        if (e instanceof ApiFailure && ['access_denied', 'not_found', 'conflict'].includes(e.code)) throw new PageError('approval_refused');
        throw e;
      }
      if (r.status !== 'consumed') continue;
      const root = ask.open(r.encrypted_approval, { sub: mem.user.sub, requestId: req.request_id });
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
    ask.keyPair.free();
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
