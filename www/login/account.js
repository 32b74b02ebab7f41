// The account page: the sessions list with each session's device (revoke one), new-device
// sign-ins told once, passkeys (passkeys.js), the apps approved (revoke a remembered
// consent), password change (with re-authentication;
// the root key stays the same and is re-wrapped), log out and log out everywhere (revoking and
// logging out everywhere ask for the password again when the login is over 5 minutes old).
import { api } from './api.js';
import { ApiFailure, PageError } from './errors.js';
import { mem, rewrap } from './custody.js';
import { newPassword, requirePassword } from './fields.js';
import { loadDevices } from './device.js';
import { loadPasskeys } from './passkeys.js';
import { opaqueRecord } from './opaque.js';
import { loginAndUnlock, signOut } from './signin.js';
import { withStepUp } from './stepup.js';
import { $, act, onClick, onSubmit, setNotice, show, showFailure, when } from './ui.js';

/** "2 min ago", "just now", "3 h ago", or the date. */
function ago(secs) {
  if (typeof secs !== 'number') return '';
  const d = Math.max(0, Math.round(Date.now() / 1000 - secs));
  if (d < 60) return 'just now';
  if (d < 3600) return `${Math.round(d / 60)} min ago`;
  if (d < 86400) return `${Math.round(d / 3600)} h ago`;
  return when(secs);
}

// Security events the server keeps for the account (a sign-in from a new device): the unseen
// ones are told once, as a notice, when the account page opens.
async function tellNewEvents() {
  const { events } = await api('GET', '/account/events');
  const fresh = events.filter((e) => !e.seen && e.kind === 'new_device_login');
  if (!fresh.length) return;
  const e = fresh[0];
  const device = e.browser ? `${e.browser}${e.os ? ` on ${e.os}` : ''}` : 'an unknown browser';
  const more = fresh.length > 1 ? ` (and ${fresh.length - 1} more)` : '';
  setNotice(`New sign-in from ${device}${e.ip_prefix ? ` (network ${e.ip_prefix})` : ''} on ${when(e.at)}${more}. If this was not you, revoke that session below and change your password.`);
}

/** A small "Revoke" button that runs `action` (busy label, errors shown as sentences). */
function revokeButton(action) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'secondary small';
  b.textContent = 'Revoke';
  b.dataset.busy = 'Revoking…';
  b.addEventListener('click', () => act(b, action));
  return b;
}

async function loadSessions() {
  const { sessions } = await api('GET', '/sessions');
  $('sessions').replaceChildren(...sessions.map((s) => {
    const li = document.createElement('li');
    li.dataset.handle = s.handle;
    const text = document.createElement('span');
    text.className = 'when';
    const device = s.browser ? `${s.browser}${s.os ? ` on ${s.os}` : ''}` : 'Unknown browser';
    const here = s.this_device ? ' · this device' : '';
    text.textContent = `${device}${here} · active ${ago(s.last_seen_at)} · signed in ${when(s.created_at)}${s.ip_prefix ? ` · network ${s.ip_prefix}` : ''}`;
    li.append(text);
    if (s.current) {
      const tag = document.createElement('span');
      tag.className = 'current';
      tag.textContent = 'This browser';
      li.append(tag);
    } else {
      li.append(revokeButton(async () => {
        await withStepUp(() => api('POST', `/sessions/${encodeURIComponent(s.handle)}/revoke`), 'account');
        await loadSessions();
        setNotice('That session was signed out.');
      }));
    }
    return li;
  }));
}

// Remembered consent: what each app may do without asking again (OIDC prompt=none).
async function loadConsents() {
  const { consents } = await api('GET', '/consents');
  $('consents').replaceChildren(...consents.map((c) => {
    const li = document.createElement('li');
    li.dataset.client = c.client_id;
    const text = document.createElement('span');
    text.className = 'when';
    text.textContent = `${c.client_name} · ${c.scope} · approved ${when(c.granted_at)}`;
    li.append(text, revokeButton(async () => {
      await api('POST', `/consents/${encodeURIComponent(c.client_id)}/revoke`);
      await loadConsents();
      setNotice('That app will ask before it signs you in again.');
    }));
    return li;
  }));
  $('consents-empty').hidden = consents.length > 0;
}

export async function showAccount() {
  $('account-email').textContent = mem.user?.email ?? '';
  for (const id of ['change-submit', 'logout', 'logout-all', 'passkey-add']) $(id).disabled = false;
  show('account');
  try {
    await Promise.all([loadSessions(), loadConsents(), loadPasskeys(), loadDevices(), tellNewEvents()]);
  } catch (e) {
    showFailure(e);
  }
}

async function doChangePassword() {
  const current = requirePassword('change-current');
  const next = newPassword('change-new', 'change-new2');
  // Re-authenticate (the server allows a change only right after a login), which also opens
  // the root key with the current password.
  if (await loginAndUnlock(mem.user.email, current)) throw new PageError('no_keys');
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

export function wireAccount() {
  const wrongCurrent = 'The current password is not right.';
  onSubmit('change-form', 'change-submit', doChangePassword, { opaque_login_failed: wrongCurrent, authentication_failed: wrongCurrent });
  onClick('logout', async () => {
    await signOut('/logout');
    setNotice('You are signed out.');
  });
  onClick('logout-all', async () => {
    await withStepUp(() => signOut('/logout/all'), 'account');
    setNotice('You are signed out everywhere: every session and every app token of this account has ended.');
  });
}
