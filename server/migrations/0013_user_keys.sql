-- The user's encryption key pair (wire profile §3.11, issue 24): the public JWK, and the
-- private JWK wrapped in the browser under a key derived from the account root key (format B;
-- the server cannot open it). Replacing the public key drops the wrapped private key of the
-- pair before it.
CREATE TABLE user_keys (
  sub TEXT PRIMARY KEY REFERENCES users(sub) ON DELETE CASCADE,
  enc_public_jwk TEXT NOT NULL,
  wrapped_enc_private_jwk TEXT,
  updated_at BIGINT NOT NULL
);
