-- Registrations in progress: `register/finish` needs a `register/start` for the same identity
-- within 10 minutes, taken once. The identity is stored as its keyed log name, never as the
-- e-mail address.
CREATE TABLE pending_registrations (
  identity TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
CREATE INDEX pending_registrations_expires ON pending_registrations(expires_at);
