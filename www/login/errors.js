// What a refusal reads as: the two kinds of failure the login page meets (the server's answer,
// the page's own check) and the sentence a user sees for each stable error code.
import { ZkAuthError } from '/pkg/index.js';

/** The shortest password accepted (index.html's minlength says the same). */
export const MIN_PASSWORD = 8;

/** An HTTP refusal from the server, with its stable `error` code. */
export class ApiFailure extends Error {
  constructor(status, code, description, retryAfter) {
    super(description || code);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** A refusal of this page (not the SDK, not the server). */
export class PageError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

const WRONG_LOGIN = 'The e-mail address or password is not right.';
const KEYS_NOT_OPENED = 'Your encryption keys could not be opened. If you recently reset your password, use your recovery key.';
const BAD_RECOVERY_KEY = 'That recovery key is not valid. It is 43 characters long; check that you copied all of it.';

export const SENTENCES = {
  opaque_login_failed: WRONG_LOGIN,
  authentication_failed: WRONG_LOGIN,
  opaque_auth_failed: WRONG_LOGIN,
  opaque_message_invalid: 'The login service sent a reply this page cannot use. Please try again.',
  opaque_profile_mismatch: 'This account was made with other password settings. Ask the operator for help.',
  ksf_failed: 'This browser could not run the password hardening step (it needs about 32 MB of memory).',
  login_required: 'Your session has ended. Please sign in again.',
  csrf_refused: 'The request was refused as a safety measure. Reload the page and try again.',
  conflict: 'An account with this e-mail address already exists.',
  access_denied: 'That was refused.',
  unwrap_failed: KEYS_NOT_OPENED,
  envelope_metadata_mismatch: KEYS_NOT_OPENED,
  invalid_base64url: BAD_RECOVERY_KEY,
  invalid_length: BAD_RECOVERY_KEY,
  invalid_zk_pub: 'The app sent a broken key request. Go back to the app and sign in again.',
  key_released: 'Your keys were locked. Enter your password again.',
  payload_too_large: 'That is too long.',
  temporarily_unavailable: 'The login service is busy. Please try again in a moment.',
  server_error: 'The login service had a problem. Please try again.',
  network: 'The login service cannot be reached. Check your connection and try again.',
  key_ambiguous: 'Your account has more than one active key, so this page cannot choose one safely. Ask the operator for help.',
  no_keys: 'Your account has no encryption keys yet.',
  request_other_browser: 'This sign-in link was started in another browser. Go back to the app in this browser and sign in again.',
  request_expired: 'This sign-in request has expired. Go back to the app and start again.',
  bad_request_link: 'This sign-in link is incomplete. Go back to the app and start again.',
  zk_pub_mismatch: 'This sign-in link carries another key than the one the app sent to the login service, so nothing can be sent. Go back to the app and sign in again.',
  org_unsupported: 'This app needs an organization, which this login service does not offer.',
  redirect_changed: 'The login service answered for another app address; nothing was sent.',
  password_short: `Choose a password of at least ${MIN_PASSWORD} characters.`,
  password_mismatch: 'The two passwords are not the same.',
  email_missing: 'Enter your e-mail address.',
  password_missing: 'Enter your password.',
  recovery_missing: 'Enter your recovery key.',
  step_up_cancelled: 'Nothing was changed.',
  passkey_unsupported: 'This browser cannot use passkeys here. Sign in with your password.',
  device_storage: 'This browser refused to keep the device key (private mode?), so it cannot be a trusted device.',
  device_not_trusted: 'This device is no longer trusted (it was removed). Trust it again from a session with your password.',
  device_code_wrong: 'That is not the code the new device shows. Type the 6 digits exactly; if you did not ask from a new device, deny the request.',
  approval_refused: 'The request was denied or has ended. Ask again, or use your password.',
  approval_expired: 'No trusted device approved in time. Ask again, or use your password.',
  passkey_cancelled: 'No passkey was used: it was cancelled, it timed out, or this device has no passkey for this site.',
  passkey_exists: 'This authenticator already holds a passkey for your account.',
  passkey_no_prf: 'Passkey added, but this authenticator did not give the key that unlocks your data (PRF). It still signs you in; your keys will need your password.',
  unlock_required: 'This sign-in has not unlocked your keys. Enter your password once.',
  rewrap_failed: 'Your password changed, but your keys could not be saved under it. Keep this page open and press the button again; or use your recovery key later.',
};

/** The sentence for a failure; `overrides` ({code: sentence}) word a code for one form. */
export function sentence(e, overrides = {}) {
  const code = e?.code;
  if (e instanceof ApiFailure && code === 'rate_limited') {
    const secs = Number.parseInt(e.retryAfter ?? '', 10);
    return Number.isFinite(secs) && secs > 0
      ? `Too many attempts. Wait ${secs} seconds and try again.`
      : 'Too many attempts. Wait a minute and try again.';
  }
  if (code && overrides[code]) return overrides[code];
  if (code && SENTENCES[code]) return SENTENCES[code];
  if (e instanceof ApiFailure && e.status >= 500) return SENTENCES.server_error;
  if (e instanceof ZkAuthError) return 'Something went wrong in this browser’s cryptography. Please reload and try again.';
  return 'Something went wrong. Please try again.';
}
