// Step-up: the server allows an action that can take the account or its data away (revoking
// sessions, logging out everywhere, replacing keys) only within 5 minutes of a login, and
// otherwise answers `reauthentication_required`. The page then asks for the password once,
// logs in again (a new session; the keys in memory stay) and retries the action once.
import { ApiFailure, PageError } from './errors.js';
import { mem, setUser } from './custody.js';
import { requirePassword } from './fields.js';
import { opaqueLogin } from './opaque.js';
import { $, link, onSubmit, show } from './ui.js';

let waiting = null; // { resolve, reject } while the confirm view asks for the password

function ask() {
  return new Promise((resolve, reject) => {
    waiting = { resolve, reject };
    $('confirm-email').textContent = mem.user?.email ?? '';
    $('confirm-password').value = '';
    $('confirm-submit').disabled = false;
    show('confirm');
  });
}

function settle(how, value) {
  const w = waiting;
  waiting = null;
  w?.[how](value);
}

/** Runs `action`; when the server wants a recent login, asks for the password, logs in again,
 *  shows `view` again and retries once. Cancelling throws PageError `step_up_cancelled`. */
export async function withStepUp(action, view) {
  try {
    return await action();
  } catch (e) {
    if (!(e instanceof ApiFailure && e.code === 'reauthentication_required')) throw e;
  }
  try {
    await ask();
  } finally {
    show(view);
  }
  return action();
}

export function wireStepUp() {
  const wrong = 'The password is not right.';
  onSubmit(
    'confirm-form',
    'confirm-submit',
    async () => {
      const { res, exportKey } = await opaqueLogin(mem.user.email, requirePassword('confirm-password'));
      exportKey.free(); // the root key is in memory already
      setUser(res);
      settle('resolve');
    },
    { opaque_login_failed: wrong, authentication_failed: wrong },
  );
  link('confirm-cancel', () => settle('reject', new PageError('step_up_cancelled')));
}
