// Same-origin calls to the login service: a JSON (or form) body, the session's CSRF token on
// every state change, and a refusal turned into an ApiFailure carrying the server's stable
// error code (or a PageError `network` when the service cannot be reached).
import { ApiFailure, PageError } from './errors.js';

let csrf = null; // the session's token, from the last answer that carried one

/** Drops the CSRF token of a session that has ended. */
export function forgetCsrf() {
  csrf = null;
}

// `__Host-zkauth-csrf` everywhere but `--dev` on http://localhost, where the server uses
// `zkauth-dev-csrf` (no Secure, so WebKit keeps it).
const CSRF_COOKIES = ['__Host-zkauth-csrf', 'zkauth-dev-csrf'];

function csrfFromCookie() {
  for (const part of document.cookie.split(';')) {
    const [k, v] = part.trim().split('=');
    if (CSRF_COOKIES.includes(k) && v) return v;
  }
  return null;
}

/** Same-origin JSON (or form) call; state changes carry the session's CSRF token. */
export async function api(method, path, body, { form = false } = {}) {
  const headers = { accept: 'application/json' };
  let payload;
  if (body !== undefined) {
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(body).toString();
    } else {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
  }
  if (method !== 'GET') {
    const token = csrf ?? csrfFromCookie();
    if (token) headers['x-csrf-token'] = token;
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store', redirect: 'error' });
  } catch {
    throw new PageError('network');
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new ApiFailure(res.status, data?.error ?? 'server_error', data?.error_description, res.headers.get('retry-after'));
  if (data && typeof data.csrfToken === 'string') csrf = data.csrfToken;
  return data;
}
