-- Failure-based login backoff (issue 23, finding 4). Identities appear only as keyed names.
--
-- `limit_key` names whom the failures count against: the identity from an unknown device, or
-- the identity together with one known device (so a stranger's failures never block the
-- owner's browser). `failures` are consecutive failures since the last success; `day` and
-- `day_failures` the failures of one UTC day, for the daily cap.
CREATE TABLE login_failures (
  limit_key TEXT PRIMARY KEY,
  failures BIGINT NOT NULL,
  locked_until_ms BIGINT NOT NULL,
  day BIGINT NOT NULL,
  day_failures BIGINT NOT NULL
);
CREATE INDEX login_failures_day ON login_failures(day);

-- Browsers that have logged in to an identity: the device cookie's hash, per identity.
CREATE TABLE known_devices (
  identity TEXT NOT NULL,
  device_hash TEXT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  PRIMARY KEY (identity, device_hash)
);
CREATE INDEX known_devices_last_seen ON known_devices(last_seen_at);

-- What a login finish charges a failure to, and whose device it makes known.
ALTER TABLE pending_logins ADD COLUMN identity TEXT;
ALTER TABLE pending_logins ADD COLUMN limit_key TEXT;
