// Signing in: the login form, the password prompt that unlocks the keys again when this page
// load has a session but no keys (after a reload: "reauth"), and signing out.
import { api } from './api.js';
import { finalize } from './consent.js';
import { mem, setUser, signedOut, unlock } from './custody.js';
import { requireEmail, requirePassword } from './fields.js';
import { opaqueLogin } from './opaque.js';
import { passkeysAvailable } from './passkeys.js';
import { showRecovery } from './recovery.js';
import { authRequest } from './request.js';
import { proceed } from './screens.js';
import { $, act, link, onSubmit, show } from './ui.js';

export function showLogin() {
  $('login-submit').disabled = false;
  $('login-passkey').hidden = !passkeysAvailable();
  $('login-passkey').disabled = false;
  const hint = authRequest?.loginHint;
  if (hint && !$('login-email').value && /^[^\s@]+@[^\s@]+$/.test(hint)) $('login-email').value = hint;
  show('login');
}

export function showReauth() {
  $('reauth-email').textContent = mem.user?.email ?? '';
  $('reauth-cancel').hidden = !authRequest;
  $('reauth-submit').disabled = false;
  show('reauth');
}

/** An OPAQUE login, then the root key opened (or first set up) and kept in memory. Returns a
 *  recovery key display string when keys were set up now. */
export async function loginAndUnlock(email, password) {
  const { res, exportKey } = await opaqueLogin(email, password);
  try {
    setUser(res);
    return await unlock(exportKey, mem.user.sub);
  } finally {
    exportKey.free();
  }
}

async function signIn(email, password) {
  const display = await loginAndUnlock(email, password);
  if (display) return showRecovery(display);
  return proceed();
}

/** Ends this session (`/logout`) or every session of the account (`/logout/all`). */
export async function signOut(path) {
  await api('POST', path);
  signedOut();
  showLogin();
}

export function wireSignIn() {
  onSubmit('login-form', 'login-submit', () => {
    const email = requireEmail('login-email');
    return signIn(email, requirePassword('login-password'));
  });
  onSubmit('reauth-form', 'reauth-submit', () => signIn(mem.user.email, requirePassword('reauth-password')));
  link('reauth-cancel', () => act($('reauth-submit'), () => finalize(false)));
  link('reauth-switch', () => act($('reauth-submit'), () => signOut('/logout')));
}
