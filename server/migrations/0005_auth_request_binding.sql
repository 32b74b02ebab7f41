-- An authorization request is bound to the browser that started it (issue 23): the hash of
-- the binding cookie `GET /authorize` set, checked at the consent screen and at finalize.
-- NULL only for requests made before this migration (they expire within 5 minutes).
ALTER TABLE auth_requests ADD COLUMN binding_hash TEXT;
