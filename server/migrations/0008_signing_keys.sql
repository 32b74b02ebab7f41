-- ID-token signing keys (issue 18): one active key per algorithm (retired_at NULL) and the
-- keys `zkauth-server keys rotate` retired, published in the JWKS until their overlap ends.
-- `sealed` is the private key sealed under the KEK (AAD names the kid); `kid` is the public
-- key's RFC 7638 thumbprint. The first start adopts the two keys sealed in server_secrets
-- before this migration, so tokens issued before an upgrade keep verifying.
CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  sealed TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  retired_at BIGINT
);
CREATE INDEX signing_keys_alg ON signing_keys(alg, retired_at);
