//! The demo app's notes: ciphertext and its AAD per (user, client, note id). Never plaintext.

use super::Store;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct NoteRow {
    pub note_id: String,
    pub ciphertext: String,
    pub aad: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Store {
    pub async fn notes(&self, sub: &str, client_id: &str) -> Result<Vec<NoteRow>, sqlx::Error> {
        sqlx::query_as("SELECT note_id, ciphertext, aad, created_at, updated_at FROM notes WHERE sub = $1 AND client_id = $2 ORDER BY created_at, note_id")
            .bind(sub)
            .bind(client_id)
            .fetch_all(&self.pool)
            .await
    }

    pub async fn note(&self, sub: &str, client_id: &str, note_id: &str) -> Result<Option<NoteRow>, sqlx::Error> {
        sqlx::query_as("SELECT note_id, ciphertext, aad, created_at, updated_at FROM notes WHERE sub = $1 AND client_id = $2 AND note_id = $3")
            .bind(sub)
            .bind(client_id)
            .bind(note_id)
            .fetch_optional(&self.pool)
            .await
    }

    /// Creates or replaces a note.
    pub async fn put_note(&self, sub: &str, client_id: &str, note_id: &str, ciphertext: &str, aad: &str, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO notes (sub, client_id, note_id, ciphertext, aad, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) \
             ON CONFLICT (sub, client_id, note_id) DO UPDATE SET ciphertext = $4, aad = $5, updated_at = $6",
        )
        .bind(sub)
        .bind(client_id)
        .bind(note_id)
        .bind(ciphertext)
        .bind(aad)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn delete_note(&self, sub: &str, client_id: &str, note_id: &str) -> Result<bool, sqlx::Error> {
        let r = sqlx::query("DELETE FROM notes WHERE sub = $1 AND client_id = $2 AND note_id = $3")
            .bind(sub)
            .bind(client_id)
            .bind(note_id)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }
}
