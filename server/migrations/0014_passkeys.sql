-- Passkeys (issue 19). A user's WebAuthn user handle is a random UUID, never the e-mail or
-- the sub. A credential is webauthn-rs' serialised Passkey (public key, sign counter, backup
-- flags), its label, whether the authenticator reported the PRF extension at registration,
-- and the passkey-PRF envelope (a key_envelopes row) that opens the root key with it.
-- Ceremony states are single use, five minutes, and live here so that a ceremony started on
-- one instance finishes on another. A session records whether it holds an opened root key
-- (a password login, or a passkey with a PRF envelope): older sessions all came from a
-- password.
CREATE TABLE webauthn_users (
  sub TEXT PRIMARY KEY REFERENCES users(sub) ON DELETE CASCADE,
  user_handle TEXT NOT NULL UNIQUE
);
CREATE TABLE passkeys (
  credential_id TEXT PRIMARY KEY,
  sub TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE,
  passkey TEXT NOT NULL,
  label TEXT NOT NULL,
  prf_enabled BIGINT NOT NULL,
  envelope_id TEXT REFERENCES key_envelopes(envelope_id),
  created_at BIGINT NOT NULL,
  last_used_at BIGINT
);
CREATE INDEX passkeys_sub ON passkeys(sub);
CREATE TABLE webauthn_ceremonies (
  id_hash TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  sub TEXT,
  state TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX webauthn_ceremonies_expires ON webauthn_ceremonies(expires_at);
ALTER TABLE sessions ADD COLUMN unlocked BIGINT NOT NULL DEFAULT 1;
