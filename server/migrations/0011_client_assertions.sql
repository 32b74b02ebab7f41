-- private_key_jwt (issue 18): each client assertion's jti is single use, across instances,
-- until the assertion expires (at most 5 minutes).
CREATE TABLE client_assertions (
  client_id TEXT NOT NULL,
  jti TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (client_id, jti)
);
CREATE INDEX client_assertions_expires ON client_assertions(expires_at);
