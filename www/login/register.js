// Creating an account: OPAQUE registration (the server gets a record it cannot test password
// guesses against), then the account's first keys and its recovery key.
import { api } from './api.js';
import { mem, setUpKeys, setUser } from './custody.js';
import { newPassword, requireEmail } from './fields.js';
import { opaqueRecord } from './opaque.js';
import { showRecovery } from './recovery.js';
import { goTo } from './screens.js';
import { $, link, onSubmit, show } from './ui.js';

async function doRegister() {
  const name = $('register-name').value.trim();
  const email = requireEmail('register-email');
  const password = newPassword('register-password', 'register-password2');
  const { record, exportKey } = await opaqueRecord(password, email, (request) => api('POST', '/opaque/register/start', { request, email }));
  try {
    const res = await api('POST', '/opaque/register/finish', { email, name, record });
    setUser(res);
    showRecovery(await setUpKeys(exportKey, mem.user.sub));
  } finally {
    exportKey.free();
  }
}

export function wireRegister() {
  onSubmit('register-form', 'register-submit', doRegister, {
    invalid_request: 'This e-mail address cannot be used: it has invisible characters or letters of several alphabets that look alike.',
  });
  link('to-register', () => {
    $('register-submit').disabled = false;
    show('register');
  });
  link('register-to-login', () => goTo('login'));
}
