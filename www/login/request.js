// The authorization request this page was opened for. GET /authorize sent the browser here with
// a query naming the request (request_id) and carrying the app's delivery key (zk_pub); the rest
// of that query only words the banner before sign-in. Once signed in, what consent shows, and
// whom it seals to, is what the server holds for the request (GET /authorize/requests/{id}).
import { api } from './api.js';
import { ApiFailure, PageError } from './errors.js';

const query = new URLSearchParams(location.search);

export const authRequest = query.get('request_id')
  ? {
      requestId: query.get('request_id'),
      complete: Boolean(query.get('client_id') && query.get('redirect_uri')),
      zkPub: query.get('zk_pub'), // the server holds only its hash: checked before sealing
      requireOrg: query.get('require_organization_selection') === '1',
      loginHint: query.get('login_hint'), // OIDC login_hint: prefills the e-mail field
    }
  : null;

let held = null;

/** The registered name of the request's client, for the banner before sign-in (never the
 *  link's own `client_name`, which anyone can edit); null when the request is unknown. */
export async function bannerClientName() {
  try {
    const r = await api('GET', `/authorize/requests/${encodeURIComponent(authRequest.requestId)}/client`);
    return typeof r?.client_name === 'string' && r.client_name ? r.client_name : null;
  } catch {
    return null;
  }
}

/** What the server holds for the request (session required), fetched once a page load:
 *  `{requestId, clientId, clientName, redirectUri, scopes, state, zkPubKid, version, keyKind}`
 *  (`zkPubKid` the hash of the zk_pub the app sent to /authorize, or null without one). */
export async function heldRequest() {
  if (held) return held;
  let r;
  try {
    r = await api('GET', `/authorize/requests/${encodeURIComponent(authRequest.requestId)}`);
  } catch (e) {
    if (e instanceof ApiFailure && e.code === 'not_found') throw new PageError('request_expired');
    if (e instanceof ApiFailure && e.code === 'access_denied') throw new PageError('request_other_browser');
    throw e;
  }
  held = {
    requestId: r.request_id,
    clientId: r.client_id,
    clientName: r.client_name || r.client_id,
    redirectUri: r.redirect_uri,
    scopes: (r.scopes ?? '').split(' ').filter(Boolean),
    state: r.state ?? null, // null when the app sent none
    zkPubKid: r.zk_pub_kid ?? null,
    version: r.key_delivery_version ?? null,
    keyKind: r.delivered_key_kind ?? null,
  };
  return held;
}
