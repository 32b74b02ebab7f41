-- When a token was issued, for introspection's `iat` (RFC 7662). NULL for tokens issued
-- before this migration (their introspection omits iat).
ALTER TABLE tokens ADD COLUMN issued_at BIGINT;
