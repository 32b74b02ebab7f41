-- Sessions that know their device (issue 24): the browser and OS parsed from the User-Agent,
-- the client network (IPv4 /24, IPv6 /48: never a full address), and the hash of the
-- browser's device cookie. Account events: what the account page tells the user on the next
-- visit (a sign-in from a device never seen for the account).
ALTER TABLE sessions ADD COLUMN browser TEXT;
ALTER TABLE sessions ADD COLUMN os TEXT;
ALTER TABLE sessions ADD COLUMN ip_prefix TEXT;
ALTER TABLE sessions ADD COLUMN device_hash TEXT;
CREATE TABLE account_events (
  event_id TEXT PRIMARY KEY,
  sub TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  at BIGINT NOT NULL,
  session_handle TEXT,
  browser TEXT,
  os TEXT,
  ip_prefix TEXT,
  seen_at BIGINT
);
CREATE INDEX account_events_sub ON account_events(sub, at);
CREATE INDEX account_events_at ON account_events(at);
