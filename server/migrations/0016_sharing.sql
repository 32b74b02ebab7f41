-- Sharing between users of one app (issue 24). A sharing key is a user's ECDH P-256 key pair for
-- one client: the public JWK (canonical) that other users of the app seal to, and the private key
-- wrapped in the app under a key derived from the user's Client App Key (opaque here). A note
-- share is one note's data key sealed to the recipient's sharing key: a compact JWE the server
-- cannot open. Deleting the note, or the recipient's account, drops its shares; a recipient who
-- replaces their sharing key loses the shares sealed to the old one.
CREATE TABLE sharing_keys (
  sub TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  wrapped_private_key TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (sub, client_id)
);
CREATE TABLE note_shares (
  owner_sub TEXT NOT NULL,
  client_id TEXT NOT NULL,
  note_id TEXT NOT NULL,
  recipient_sub TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE,
  jwe TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (owner_sub, client_id, note_id, recipient_sub),
  FOREIGN KEY (owner_sub, client_id, note_id) REFERENCES notes(sub, client_id, note_id) ON DELETE CASCADE
);
CREATE INDEX note_shares_recipient ON note_shares(recipient_sub, client_id);
