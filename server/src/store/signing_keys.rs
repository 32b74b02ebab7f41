//! The ID-token signing keys' rows: list, add an algorithm's first key, rotate, drop keys
//! past their overlap.

use super::Store;

/// One signing key as stored (the private key sealed under the KEK).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SigningKeyRow {
    pub kid: String,
    pub alg: String,
    pub sealed: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

impl Store {
    /// Every stored key, the newest first.
    pub async fn signing_keys(&self) -> Result<Vec<SigningKeyRow>, sqlx::Error> {
        sqlx::query_as("SELECT kid, alg, sealed, created_at, retired_at FROM signing_keys ORDER BY created_at DESC, kid").fetch_all(&self.pool).await
    }

    /// Adds `row` as its algorithm's active key unless the algorithm has one already (two
    /// instances starting at once: the first insert wins, the other's key is never used).
    pub async fn add_first_signing_key(&self, row: &SigningKeyRow) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO signing_keys (kid, alg, sealed, created_at, retired_at) SELECT $1, $2, $3, $4, NULL \
             WHERE NOT EXISTS (SELECT 1 FROM signing_keys WHERE alg = $2 AND retired_at IS NULL)",
        )
        .bind(&row.kid)
        .bind(&row.alg)
        .bind(&row.sealed)
        .bind(row.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Makes `row` its algorithm's active key and retires the one before it (at `row`'s
    /// creation time), in one transaction; drops keys retired more than `overlap` seconds ago.
    pub async fn rotate_signing_key(&self, row: &SigningKeyRow, overlap: i64) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE alg = $2 AND retired_at IS NULL").bind(row.created_at).bind(&row.alg).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO signing_keys (kid, alg, sealed, created_at, retired_at) VALUES ($1, $2, $3, $4, NULL)")
            .bind(&row.kid)
            .bind(&row.alg)
            .bind(&row.sealed)
            .bind(row.created_at)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at < $1").bind(row.created_at - overlap).execute(&mut *tx).await?;
        tx.commit().await
    }
}
