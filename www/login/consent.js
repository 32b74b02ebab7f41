// The consent screen for an authorization request: which app asks, where it returns to and
// for what, all as the server holds the request; on approval the app's key is sealed here to
// the app's zk_pub, only if its hash is the one the server stored, and handed over in the
// redirect's fragment (a JWE), while the server gets only the delivery's hash.
import { hashB64u, sealDeliveryV1, sealDeliveryV2 } from '/pkg/index.js';
import { api } from './api.js';
import { ApiFailure, PageError, SENTENCES } from './errors.js';
import { forgetKeys, mem } from './custody.js';
import { authRequest, heldRequest } from './request.js';
import { goTo } from './screens.js';
import { $, leave, onClick, setError, show, showFailure } from './ui.js';

const SCOPE_TEXT = {
  openid: 'Know which account you use',
  profile: 'See your name and e-mail address',
  email: 'See your e-mail address',
  offline_access: 'Stay signed in when you are away',
};

const BUTTONS = ['consent-approve', 'consent-deny'];

/** Why no key may be sealed for the request `r` (an error code), or null. The server stored the
 *  hash of the zk_pub the app sent to /authorize; the page's own query may have been swapped. */
function keyRefusal(r) {
  if (!r.zkPubKid) return null;
  if (!authRequest.zkPub) return 'bad_request_link';
  return hashB64u(authRequest.zkPub) === r.zkPubKid ? null : 'zk_pub_mismatch';
}

/** Shows the request as the server holds it; Approve stays disabled when no key may be sealed. */
export async function showConsent() {
  if (!authRequest) return goTo('account');
  if (!mem.root) return goTo('reauth');
  let r;
  try {
    r = await heldRequest();
  } catch (e) {
    show('loading');
    showFailure(e);
    return;
  }
  $('consent-client').textContent = r.clientName;
  let origin = r.redirectUri;
  try {
    origin = new URL(r.redirectUri).origin;
  } catch {
    // shown as given
  }
  $('consent-origin').textContent = origin;
  const list = $('consent-scopes');
  list.replaceChildren(...r.scopes.map((s) => {
    const li = document.createElement('li');
    li.textContent = SCOPE_TEXT[s] ?? s;
    return li;
  }));
  const refusal = keyRefusal(r);
  // A v1-drk client receives the root key itself: said plainly, apart from the per-app key.
  const sealsKey = Boolean(r.zkPubKid) && refusal === null;
  $('consent-key').hidden = !sealsKey || r.keyKind === 'root_key';
  $('consent-root-key').hidden = !sealsKey || r.keyKind !== 'root_key';
  $('consent-email').textContent = mem.user?.email ?? '';
  $('consent-approve').disabled = refusal !== null;
  $('consent-deny').disabled = false;
  show('consent');
  if (refusal) setError(SENTENCES[refusal]);
}

/** The delivery for the request `r`: `{field, hash, fragment, jwe}` or null without zk. */
function sealDelivery(r) {
  if (!r.zkPubKid) return null;
  const refusal = keyRefusal(r);
  if (refusal) throw new PageError(refusal);
  const zkPub = authRequest.zkPub;
  const sub = mem.user.sub;
  if (r.version === 'v1-drk') {
    const s = sealDeliveryV1(mem.root, zkPub, { sub, clientId: r.clientId });
    return { field: 'drk_hash', hash: s.drkHash, fragment: 'drk_jwe', jwe: s.jwe };
  }
  if (authRequest.requireOrg || r.keyKind !== 'client_app_key') throw new PageError('org_unsupported');
  const app = mem.root.deriveClientAppKey({ sub, keyId: mem.keyId, clientId: r.clientId });
  try {
    const bag = { sub, clientId: r.clientId, requestId: r.requestId, redirectUri: r.redirectUri, keyId: mem.keyId };
    if (r.state !== null) bag.state = r.state;
    const s = sealDeliveryV2(app, zkPub, bag);
    return { field: 'zk_key_hash', hash: s.zkKeyHash, fragment: 'darkauth_key_jwe', jwe: s.jwe };
  } finally {
    app.free(); // the CAK is in the JWE now; its handle goes
  }
}

/** Approves or denies the request (POST /authorize/finalize) and goes back to the app. */
export async function finalize(approve) {
  const r = await heldRequest();
  const delivery = approve ? sealDelivery(r) : null;
  const form = { request_id: r.requestId, approve: approve ? 'true' : 'false' };
  if (delivery) form[delivery.field] = delivery.hash;
  let res;
  try {
    res = await api('POST', '/authorize/finalize', form, { form: true });
  } catch (e) {
    if (e instanceof ApiFailure && e.code === 'invalid_request') throw new PageError('request_expired');
    if (e instanceof ApiFailure && e.code === 'access_denied') throw new PageError('request_other_browser');
    if (e instanceof ApiFailure && e.code === 'unlock_required') {
      // A passkey sign-in that did not open the keys: the password once, then consent again.
      forgetKeys();
      await goTo('reauth');
    }
    throw e;
  }
  // The server builds the whole callback (code or error, state, iss); this page checks it goes
  // to the registered redirect URI it showed and only appends the fragment JWE.
  const to = typeof res.redirect_to === 'string' ? res.redirect_to : '';
  const base = r.redirectUri;
  if (res.redirect_uri !== base || !(to.startsWith(`${base}?`) || (base.includes('?') && to.startsWith(`${base}&`))) || to.includes('#')) {
    throw new PageError('redirect_changed');
  }
  let href = to;
  if (res.code && delivery) href += `#${delivery.fragment}=${encodeURIComponent(delivery.jwe)}`;
  forgetKeys(); // the page is leaving; nothing outlives it
  leave();
  for (const id of BUTTONS) $(id).disabled = true;
  location.assign(href);
}

export function wireConsent() {
  onClick('consent-approve', () => finalize(true), { login_required: 'Your session has ended. Go back to the app and sign in again.' });
  onClick('consent-deny', () => finalize(false));
}
