// RP-Initiated Logout, the user's side: an app sent the browser to /end_session without an
// ID token proving whom it signs out, so the server asks the user here (a bare link from any
// site must not end a session). "Sign out" ends this session and the app tokens issued in it
// and follows the redirect the server checked; "Stay signed in" goes to the account page.
// After a sign-out with nowhere registered to go, the server sends the browser to
// `/?signed_out=1`, which shows the login screen with a notice.
import { api } from './api.js';
import { signedOut } from './custody.js';
import { goTo } from './screens.js';
import { $, leave, link, onClick, setNotice, show } from './ui.js';

const query = new URLSearchParams(location.search);

/** The logout the server asked this page to confirm (only values it validated), or null. */
export const endSessionRequest = query.get('end_session') === '1'
  ? {
      client_id: query.get('client_id') ?? undefined,
      post_logout_redirect_uri: query.get('post_logout_redirect_uri') ?? undefined,
      state: query.get('state') ?? undefined,
    }
  : null;

export const wasSignedOut = query.get('signed_out') === '1';

export function showEndSession() {
  $('end-session-confirm').disabled = false;
  show('end-session');
}

export function wireEndSession() {
  onClick('end-session-confirm', async () => {
    const { redirect_to: to } = await api('POST', '/end_session/confirm', endSessionRequest ?? {});
    signedOut();
    leave();
    location.assign(to);
  });
  link('end-session-cancel', () => {
    history.replaceState(null, '', '/');
    goTo('account');
  });
}

/** After /end_session signed the user out: the login screen says so. */
export function noteSignedOut() {
  if (wasSignedOut) {
    history.replaceState(null, '', '/');
    setNotice('You are signed out.');
  }
}

