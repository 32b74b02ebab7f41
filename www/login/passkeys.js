// Passkeys (wire profile §3.9): "Sign in with a passkey" (username-less), which also opens the
// root key in this page when the passkey has a PRF envelope; and on the account page, adding
// (with the envelope made in the same flow, or in a second ceremony for authenticators that
// give PRF output only at get()), renaming and removing passkeys.
//
// The PRF output is handed to wasm and zeroed; it is never sent: the SDK's passkeyResponse
// takes it out of what goes to the server.
import { openPrfEnvelope, passkeyCreationOptions, passkeyRequestOptions, passkeyResponse, prfEnvelopeAad, sealPrfEnvelope } from '/pkg/index.js';
import { api } from './api.js';
import { holdKeys, mem, setUser } from './custody.js';
import { PageError } from './errors.js';
import { goTo, proceed } from './screens.js';
import { withStepUp } from './stepup.js';
import { $, onClick, setNotice, smallButton } from './ui.js';

const PRF_ALG = 'WebAuthn-PRF-HKDF-SHA256+A256GCM/v2';

export const passkeysAvailable = () => typeof window.PublicKeyCredential === 'function' && !!navigator.credentials;

/** navigator.credentials.create/get, with the browser's refusals as page errors a person reads. */
async function ceremony(kind, options) {
  if (!passkeysAvailable()) throw new PageError('passkey_unsupported');
  try {
    const credential = await navigator.credentials[kind](options);
    if (!credential) throw new PageError('passkey_cancelled');
    return credential;
  } catch (e) {
    if (e instanceof PageError) throw e;
    if (e?.name === 'InvalidStateError') throw new PageError('passkey_exists');
    if (e?.name === 'NotSupportedError' || e?.name === 'SecurityError') throw new PageError('passkey_unsupported');
    throw new PageError('passkey_cancelled'); // NotAllowedError: cancelled, timed out, or no passkey here
  }
}

/** "Sign in with a passkey": no e-mail, no password. */
export async function passkeySignIn() {
  const start = await api('POST', '/webauthn/login/start', {});
  const { response, prfOutput } = passkeyResponse(await ceremony('get', passkeyRequestOptions(start.public_key)));
  try {
    const res = await api('POST', '/webauthn/login/finish', { challenge_id: start.challenge_id, response, prf_result_confirmed: prfOutput !== null });
    setUser(res);
    const e = res.unlock?.envelope;
    if (e && prfOutput) {
      holdKeys(openPrfEnvelope(prfOutput, res.credential.credential_id, e.wrapped_key, { envelopeId: e.envelope_id, keyId: e.key_id, sub: mem.user.sub }), e.key_id);
      return proceed();
    }
  } finally {
    prfOutput?.fill(0);
  }
  // Signed in, but this passkey cannot open the keys: the password, once.
  await goTo('reauth');
  setNotice('Your passkey signed you in. Your encryption keys need your password once on this device.');
  return null;
}

/** Seals the root key in memory under `prfOutput` for the credential and stores it. */
async function storeEnvelope(credentialId, prfOutput, salt) {
  const meta = { envelopeId: `env_${crypto.randomUUID()}`, keyId: mem.keyId, sub: mem.user.sub };
  await api('POST', '/webauthn/prf-envelope', {
    credential_id: credentialId,
    key_id: mem.keyId,
    envelope_id: meta.envelopeId,
    wrapping_alg: PRF_ALG,
    wrapped_key: sealPrfEnvelope(prfOutput, credentialId, mem.root, meta),
    aad: prfEnvelopeAad(meta),
    prf_salt: salt,
    prf_result_confirmed: true,
    metadata: { version: 'v2' },
  });
}

/** The PRF output of one credential by a get() made only for it (its result is not sent). */
async function prfByGet(credentialId, publicKey) {
  // Any challenge will do: this assertion is never sent, only its PRF output is used here.
  const random = crypto.getRandomValues(new Uint8Array(32));
  const challenge = btoa(String.fromCharCode(...random)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const options = passkeyRequestOptions({
    challenge,
    rpId: publicKey.rp?.id,
    userVerification: 'required',
    allowCredentials: [{ type: 'public-key', id: credentialId }],
    extensions: { prf: publicKey.extensions?.prf },
  });
  return passkeyResponse(await ceremony('get', options)).prfOutput;
}

/** "Add a passkey": register it and, when the authenticator has PRF, let it unlock the keys. */
async function addPasskey() {
  if (!mem.root || !mem.keyId) {
    await goTo('reauth');
    setNotice('Enter your password once on this page, so the new passkey can unlock your keys; then add it.');
    return;
  }
  const start = await withStepUp(() => api('POST', '/webauthn/register/start', {}), 'account');
  const made = passkeyResponse(await ceremony('create', passkeyCreationOptions(start.public_key)));
  let prfOutput = made.prfOutput;
  try {
    const label = `${navigator.userAgentData?.platform || 'Passkey'} · ${new Date().toLocaleDateString()}`;
    const { credential } = await api('POST', '/webauthn/register/finish', { challenge_id: start.challenge_id, response: made.response, label });
    const salt = start.public_key.extensions?.prf?.eval?.first;
    if (!credential.prf_enabled) {
      setNotice('Passkey added. It signs you in, but this authenticator cannot unlock your keys (no PRF), so you will be asked for your password after signing in with it.');
    } else {
      prfOutput ??= await prfByGet(credential.credential_id, start.public_key);
      if (!prfOutput) throw new PageError('passkey_no_prf');
      await storeEnvelope(credential.credential_id, prfOutput, salt);
      setNotice('Passkey added. It signs you in and unlocks your keys, without your password.');
    }
  } finally {
    prfOutput?.fill(0);
  }
  await loadPasskeys();
}

const date = (secs) => (typeof secs === 'number' ? new Date(secs * 1000).toLocaleDateString() : 'never');

/** The account page's passkey list. */
export async function loadPasskeys() {
  const { credentials } = await api('GET', '/webauthn/credentials');
  $('passkeys').replaceChildren(...credentials.map((c) => {
    const li = document.createElement('li');
    li.dataset.credential = c.credential_id;
    const text = document.createElement('span');
    text.className = 'when';
    const unlocks = c.has_prf_envelope ? 'unlocks your keys' : 'needs your password for keys';
    text.textContent = `${c.label} · ${unlocks} · added ${date(c.created_at)} · last used ${date(c.last_used_at)}`;
    const path = `/webauthn/credentials/${encodeURIComponent(c.credential_id)}`;
    li.append(
      text,
      smallButton('Rename', 'Renaming…', async () => {
        const label = window.prompt('A name for this passkey', c.label);
        if (!label || label === c.label) return;
        await api('PATCH', path, { label: label.trim() });
        await loadPasskeys();
      }),
      smallButton('Remove', 'Removing…', async () => {
        await withStepUp(() => api('DELETE', path), 'account');
        await loadPasskeys();
        setNotice('That passkey was removed. It can no longer sign you in.');
      }),
    );
    return li;
  }));
  $('passkeys-empty').hidden = credentials.length > 0;
}

export function wirePasskeys() {
  onClick('login-passkey', passkeySignIn, { authentication_failed: 'That passkey was not accepted (it may have been removed from your account). Sign in with your password.' });
  onClick('passkey-add', addPasskey);
}
