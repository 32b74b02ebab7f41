-- The time of the login behind a token family, so an ID token from a refresh grant carries
-- the login's auth_time (OIDC Core §2), not the refresh's. NULL for tokens issued before this
-- migration (their ID tokens then omit auth_time).
ALTER TABLE tokens ADD COLUMN auth_time BIGINT;
