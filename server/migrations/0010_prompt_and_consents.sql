-- OIDC `prompt` and `max_age` on authorization requests (issue 18), and remembered consent:
-- the scopes a user approved for a client, which `prompt=none` needs (a silent sign-in may
-- only repeat what the user already approved). Revocable from the account page.
ALTER TABLE auth_requests ADD COLUMN prompt TEXT;
ALTER TABLE auth_requests ADD COLUMN max_age BIGINT;
CREATE TABLE consents (
  sub TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  granted_at BIGINT NOT NULL,
  PRIMARY KEY (sub, client_id)
);
CREATE INDEX consents_client ON consents(client_id);
