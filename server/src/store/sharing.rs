//! Sharing between users of one app (issue 24): each user's sharing key per client, and note
//! shares (a note's data key sealed to a recipient's sharing key). Public keys, wrapped keys and
//! JWEs only; nothing here can be opened by the server.

use super::Store;

/// A user's sharing key for one client, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SharingKeyRow {
    pub public_jwk: String,
    pub wrapped_private_key: String,
}

/// One recipient of a note, for its owner (no `Debug`: it holds an e-mail address).
#[derive(Clone, sqlx::FromRow, serde::Serialize)]
pub struct NoteShareRow {
    pub recipient_sub: String,
    pub recipient_email: String,
    pub created_at: i64,
}

/// A note shared with the caller, with its owner, ciphertext and the share JWE (no `Debug`: it
/// holds an e-mail address).
#[derive(Clone, sqlx::FromRow, serde::Serialize)]
pub struct SharedNoteRow {
    pub owner_sub: String,
    pub owner_email: String,
    pub note_id: String,
    pub ciphertext: String,
    pub aad: String,
    pub jwe: String,
    pub shared_at: i64,
    pub updated_at: i64,
}

impl Store {
    pub async fn sharing_key(&self, sub: &str, client_id: &str) -> Result<Option<SharingKeyRow>, sqlx::Error> {
        sqlx::query_as("SELECT public_jwk, wrapped_private_key FROM sharing_keys WHERE sub = $1 AND client_id = $2")
            .bind(sub)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
    }

    /// Sets the user's sharing key for a client. A different public key than the stored one
    /// drops the shares sealed to the old key, in the same transaction (they could never open).
    pub async fn put_sharing_key(&self, sub: &str, client_id: &str, key: &SharingKeyRow, now: i64) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        // A write first: on SQLite the transaction takes the write lock at once.
        sqlx::query(
            "DELETE FROM note_shares WHERE recipient_sub = $1 AND client_id = $2 AND EXISTS \
             (SELECT 1 FROM sharing_keys WHERE sub = $1 AND client_id = $2 AND public_jwk <> $3)",
        )
        .bind(sub)
        .bind(client_id)
        .bind(&key.public_jwk)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO sharing_keys (sub, client_id, public_jwk, wrapped_private_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) \
             ON CONFLICT (sub, client_id) DO UPDATE SET public_jwk = excluded.public_jwk, wrapped_private_key = excluded.wrapped_private_key, updated_at = excluded.updated_at",
        )
        .bind(sub)
        .bind(client_id)
        .bind(&key.public_jwk)
        .bind(&key.wrapped_private_key)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    /// The account with this (normalised) e-mail address and its sharing public key for the
    /// client: `None` when either is missing.
    pub async fn sharing_recipient(&self, email: &str, client_id: &str) -> Result<Option<(String, String)>, sqlx::Error> {
        sqlx::query_as("SELECT u.sub, k.public_jwk FROM users u JOIN sharing_keys k ON k.sub = u.sub AND k.client_id = $2 WHERE u.email = $1")
            .bind(email)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
    }

    /// Creates or replaces the share of one note with one recipient.
    pub async fn put_note_share(&self, owner: &str, client_id: &str, note_id: &str, recipient: &str, jwe: &str, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO note_shares (owner_sub, client_id, note_id, recipient_sub, jwe, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (owner_sub, client_id, note_id, recipient_sub) DO UPDATE SET jwe = excluded.jwe, created_at = excluded.created_at",
        )
        .bind(owner)
        .bind(client_id)
        .bind(note_id)
        .bind(recipient)
        .bind(jwe)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The recipients of one of the owner's notes, oldest share first.
    pub async fn note_shares(&self, owner: &str, client_id: &str, note_id: &str) -> Result<Vec<NoteShareRow>, sqlx::Error> {
        sqlx::query_as(
            "SELECT s.recipient_sub, u.email AS recipient_email, s.created_at FROM note_shares s JOIN users u ON u.sub = s.recipient_sub \
             WHERE s.owner_sub = $1 AND s.client_id = $2 AND s.note_id = $3 ORDER BY s.created_at, s.recipient_sub",
        )
        .bind(owner)
        .bind(client_id)
        .bind(note_id)
        .fetch_all(&self.pool)
        .await
    }

    /// Revokes one share: the recipient's JWE is deleted. False when there was none.
    pub async fn delete_note_share(&self, owner: &str, client_id: &str, note_id: &str, recipient: &str) -> Result<bool, sqlx::Error> {
        let r = sqlx::query("DELETE FROM note_shares WHERE owner_sub = $1 AND client_id = $2 AND note_id = $3 AND recipient_sub = $4")
            .bind(owner)
            .bind(client_id)
            .bind(note_id)
            .bind(recipient)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    /// The notes other users of the client share with `recipient`, newest share first.
    pub async fn notes_shared_with(&self, recipient: &str, client_id: &str) -> Result<Vec<SharedNoteRow>, sqlx::Error> {
        sqlx::query_as(
            "SELECT s.owner_sub, u.email AS owner_email, s.note_id, n.ciphertext, n.aad, s.jwe, s.created_at AS shared_at, n.updated_at \
             FROM note_shares s JOIN notes n ON n.sub = s.owner_sub AND n.client_id = s.client_id AND n.note_id = s.note_id \
             JOIN users u ON u.sub = s.owner_sub WHERE s.recipient_sub = $1 AND s.client_id = $2 ORDER BY s.created_at DESC, s.note_id",
        )
        .bind(recipient)
        .bind(client_id)
        .fetch_all(&self.pool)
        .await
    }
}
