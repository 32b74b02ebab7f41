// The authorization request this page was opened for: GET /authorize sent the browser here with
// a query naming it (request_id) and carrying the app's delivery key (zk_pub).
const query = new URLSearchParams(location.search);

export const authRequest = query.get('request_id')
  ? {
      requestId: query.get('request_id'),
      clientId: query.get('client_id') ?? '',
      clientName: query.get('client_name') || query.get('client_id') || 'An app',
      redirectUri: query.get('redirect_uri') ?? '',
      scopes: (query.get('scopes') ?? '').split(' ').filter(Boolean),
      state: query.get('state'), // null when the app sent none
      hasZk: query.get('has_zk') === '1',
      zkPub: query.get('zk_pub'),
      version: query.get('key_delivery_version') ?? 'v2',
      keyKind: query.get('delivered_key_kind') ?? 'client_app_key',
      clientKeyScope: query.get('client_key_scope') ?? 'account',
      requireOrg: query.get('require_organization_selection') === '1',
    }
  : null;
