// The recovery key: shown once, right after it is made (Copy, "I saved it", Continue), and the
// forgotten-password flow, where it opens the root key and a new password is set.
import { RecoveryKey } from '/pkg/index.js';
import { api } from './api.js';
import { PageError } from './errors.js';
import { forgetKeys, holdKeys, mem, rewrap, setUser } from './custody.js';
import { newPassword, requireEmail } from './fields.js';
import { opaqueRecord } from './opaque.js';
import { goTo, proceed } from './screens.js';
import { $, clearMessages, link, onSubmit, setNotice, show } from './ui.js';

/** Shows a new recovery key; Continue (once it is confirmed saved) proceeds. */
export function showRecovery(display) {
  $('recovery-key').textContent = display;
  $('recovery-saved').checked = false;
  $('recovery-continue').disabled = true;
  $('recovery-copied').hidden = true;
  show('recovery');
}

async function copyKey() {
  try {
    await navigator.clipboard.writeText($('recovery-key').textContent);
    $('recovery-copied').textContent = 'Copied.';
  } catch {
    $('recovery-copied').textContent = 'Copying is blocked here: select the key and copy it by hand.';
  }
  $('recovery-copied').hidden = false;
}

function showForgot() {
  $('forgot-submit').disabled = false;
  show('forgot');
}

/** Opens the root key with the recovery key, sets the new password (which signs out every other
 *  session) and stores the root key under it. */
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
      setUser(await api('GET', '/session'));
      forgetKeys();
      holdKeys(root, await rewrap(exportKey, root, mem.user.sub, recoveryKeyId));
      root = null;
    } finally {
      exportKey.free();
    }
  } finally {
    root?.free();
  }
  await proceed();
  setNotice('Your password was reset and your data is unlocked. Every other session was signed out.');
}

export function wireRecovery() {
  $('recovery-copy').addEventListener('click', copyKey);
  $('recovery-saved').addEventListener('change', () => {
    $('recovery-continue').disabled = !$('recovery-saved').checked;
  });
  $('recovery-continue').addEventListener('click', () => {
    if (!$('recovery-saved').checked) return;
    $('recovery-key').textContent = ''; // shown once
    clearMessages();
    proceed();
  });

  onSubmit('forgot-form', 'forgot-submit', doForgot, {
    access_denied: 'The e-mail address or recovery key is not right.',
    unwrap_failed: 'That recovery key does not open this account’s keys.',
  });
  link('to-forgot', showForgot);
  link('forgot-to-login', () => goTo('login'));
}
