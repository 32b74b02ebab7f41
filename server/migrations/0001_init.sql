-- zkauth reference server schema, one for SQLite and PostgreSQL alike: TEXT and BIGINT only,
-- so the same statements serve both backends. Only ciphertext, hashes and public values are
-- stored: session ids, codes and tokens as b64u(SHA-256), server secrets sealed under the KEK.

CREATE TABLE server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE server_secrets (name TEXT PRIMARY KEY, sealed TEXT NOT NULL);

CREATE TABLE users (
  sub TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  opaque_record TEXT NOT NULL,
  opaque_profile TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE pending_logins (
  id_hash TEXT PRIMARY KEY,
  sealed_state TEXT NOT NULL,
  sub TEXT,
  expires_at BIGINT NOT NULL
);

CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  handle TEXT NOT NULL UNIQUE,
  sub TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  absolute_expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_sub ON sessions(sub);

CREATE TABLE wrapped_drks (
  sub TEXT PRIMARY KEY REFERENCES users(sub) ON DELETE CASCADE,
  wrapped_drk TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE account_keys (
  key_id TEXT PRIMARY KEY,
  sub TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE,
  version TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  rotated_at BIGINT
);
CREATE INDEX account_keys_sub ON account_keys(sub);

CREATE TABLE key_envelopes (
  envelope_id TEXT PRIMARY KEY,
  key_id TEXT NOT NULL REFERENCES account_keys(key_id),
  sub TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE,
  type TEXT NOT NULL,
  label TEXT,
  wrapping_alg TEXT NOT NULL,
  wrapped_key TEXT NOT NULL,
  aad TEXT NOT NULL,
  metadata TEXT,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX key_envelopes_sub ON key_envelopes(sub);

CREATE TABLE recovery_keys (
  recovery_key_id TEXT PRIMARY KEY,
  sub TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE,
  envelope_id TEXT NOT NULL REFERENCES key_envelopes(envelope_id),
  label TEXT,
  verifier_hash TEXT NOT NULL,
  metadata TEXT,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX recovery_keys_sub ON recovery_keys(sub);

CREATE TABLE auth_requests (
  request_id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  state TEXT,
  scope TEXT NOT NULL,
  nonce TEXT,
  code_challenge TEXT NOT NULL,
  zk_pub_kid TEXT,
  expires_at BIGINT NOT NULL
);

CREATE TABLE auth_codes (
  code_hash TEXT PRIMARY KEY,
  family_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  sub TEXT NOT NULL,
  scope TEXT NOT NULL,
  nonce TEXT,
  code_challenge TEXT NOT NULL,
  zk_hash TEXT,
  zk_version TEXT,
  auth_time BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT,
  replayed_at BIGINT
);

CREATE TABLE tokens (
  token_hash TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  family_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  sub TEXT NOT NULL,
  scope TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX tokens_family ON tokens(family_id);
CREATE INDEX tokens_sub ON tokens(sub);

CREATE TABLE notes (
  sub TEXT NOT NULL,
  client_id TEXT NOT NULL,
  note_id TEXT NOT NULL,
  ciphertext TEXT NOT NULL,
  aad TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (sub, client_id, note_id)
);

CREATE TABLE rate_limits (
  bucket TEXT PRIMARY KEY,
  level BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);

CREATE TABLE password_resets (
  token_hash TEXT PRIMARY KEY,
  sub TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE,
  expires_at BIGINT NOT NULL
);
