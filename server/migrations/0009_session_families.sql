-- Which login-service session each refresh-token family was issued in (issue 18,
-- RP-Initiated Logout): ending the session at /end_session ends its families. A row lives as
-- long as its family may (the refresh family lifetime).
CREATE TABLE session_families (
  family_id TEXT PRIMARY KEY,
  session_handle TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX session_families_session ON session_families(session_handle);
CREATE INDEX session_families_expires ON session_families(expires_at);
