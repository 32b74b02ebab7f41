-- Trusted devices and device approval (wire profile §3.10, issue 24). A trusted device is a
-- browser holding a non-extractable local key (its `trusted_device` envelope wraps the root key)
-- and an ECDSA P-256 approval key, whose public JWK is stored here. An approval request is made
-- by a signed-in browser without keys; a trusted device of the same user approves it with a JWE
-- for the new device's ECDH key and an ECDSA proof over the server's AAD; the requesting session
-- consumes it once and becomes unlocked.
CREATE TABLE trusted_devices (
  device_id TEXT PRIMARY KEY,
  sub TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE,
  label TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  key_handle TEXT NOT NULL,
  envelope_id TEXT NOT NULL REFERENCES key_envelopes(envelope_id),
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX trusted_devices_sub ON trusted_devices(sub);
CREATE TABLE device_approvals (
  request_id TEXT PRIMARY KEY,
  sub TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE,
  requester_session TEXT NOT NULL,
  client_id TEXT NOT NULL,
  state_hash TEXT NOT NULL,
  verification_code_hash TEXT NOT NULL,
  new_device_public_jwk TEXT NOT NULL,
  new_device_public_jwk_hash TEXT NOT NULL,
  request_binding_hash TEXT NOT NULL,
  approval_aad TEXT NOT NULL,
  verification_code TEXT NOT NULL,
  status TEXT NOT NULL,
  encrypted_approval TEXT,
  approved_device_id TEXT,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX device_approvals_sub ON device_approvals(sub, status);
CREATE INDEX device_approvals_expires ON device_approvals(expires_at);
