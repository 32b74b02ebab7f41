// The login page's entry (index.html loads it): registration, login, authorize/consent with
// fragment-JWE key delivery, account management and recovery, each in its own module; this one
// registers the screens, wires the forms, loads the wasm and opens the first screen.
//
// Custody rules (wire profile §6): the password is handed to wasm and its field cleared; the
// OPAQUE export key, the root key and app keys exist only as wasm handles in the page's memory
// (custody.js), are freed after their last use, and are never written to any storage or cookie.
// The only secret ever shown is the recovery key, once, right after it is made.
//
// The page runs under a CSP with Trusted Types: all markup is static in index.html, and the
// modules only toggle `hidden` and set textContent or build elements with createElement.
import { init } from '/pkg/index.js';
import { showAccount, wireAccount } from './account.js';
import { api } from './api.js';
import { showConsent, wireConsent } from './consent.js';
import { setUser } from './custody.js';
import { endSessionRequest, noteSignedOut, showEndSession, wireEndSession } from './endsession.js';
import { ApiFailure, PageError, SENTENCES, sentence } from './errors.js';
import { prepareOnFocus, profile } from './opaque.js';
import { wireDevices } from './device.js';
import { wirePasskeys } from './passkeys.js';
import { wireRecovery } from './recovery.js';
import { wireRegister } from './register.js';
import { authRequest, bannerClientName } from './request.js';
import { addScreens } from './screens.js';
import { showLogin, showReauth, wireSignIn } from './signin.js';
import { wireStepUp } from './stepup.js';
import { $, setError, show } from './ui.js';

async function start() {
  addScreens({ login: showLogin, reauth: showReauth, consent: showConsent, account: showAccount });
  wireSignIn();
  wireRegister();
  wireRecovery();
  wireConsent();
  wireAccount();
  wireStepUp();
  wireEndSession();
  wirePasskeys();
  wireDevices();
  // Every password field that runs a KSF on submit: the KSF is made ready while the user types.
  prepareOnFocus('login-password', 'reauth-password', 'confirm-password', 'register-password', 'change-current', 'change-new', 'forgot-new');
  // The banner names the client the server registered for this request (fetched while the
  // wasm loads), never the link's own client_name.
  const banner = authRequest ? bannerClientName() : null;
  try {
    await init();
    await profile();
    if (authRequest) $('context').textContent = `Sign in to continue to ${(await banner) ?? 'the app'}.`;
  } catch (e) {
    show('loading');
    setError(e instanceof PageError ? sentence(e) : 'This page could not load its cryptography (WebAssembly). Please reload.');
    return;
  }
  if (authRequest && !authRequest.complete) {
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
    if (endSessionRequest) showEndSession(); // an app asked to sign out: the user decides
    else if (authRequest) showReauth(); // signed in, but this page load has no keys yet
    else await showAccount();
  } else {
    showLogin();
    noteSignedOut();
  }
}

start();
