-- Indexes for what the server looks up by something other than the primary key: the codes of
-- a family (replay revocation) and of a user (end_access_of), the pending logins of a user,
-- and every expiry column the periodic purge scans (so a purge stays an index range scan
-- however many rows there are).
CREATE INDEX auth_codes_family ON auth_codes(family_id);
CREATE INDEX auth_codes_sub ON auth_codes(sub);
CREATE INDEX auth_codes_expires ON auth_codes(expires_at);
CREATE INDEX pending_logins_sub ON pending_logins(sub);
CREATE INDEX pending_logins_expires ON pending_logins(expires_at);
CREATE INDEX sessions_expires ON sessions(absolute_expires_at);
CREATE INDEX auth_requests_expires ON auth_requests(expires_at);
CREATE INDEX tokens_expires ON tokens(expires_at);
CREATE INDEX password_resets_sub ON password_resets(sub);
CREATE INDEX password_resets_expires ON password_resets(expires_at);
CREATE INDEX rate_limits_updated ON rate_limits(updated_ms);
